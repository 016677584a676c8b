/*
 * tests/runtime/victim/victim.c - the pmvictim extension module: a test
 * fixture of deliberate memory-API bugs for `pymem-lint validate`.
 *
 * Each bug_* function holds one bug, marked on the line where pymem-lint
 * reports it, in the corpus dialect (see tests/verify.py); the verdict=
 * token is what runtime validation of that finding should conclude when
 * exercise.py runs.  The ok_*, hammer and work functions are correct.
 *
 * The double, stack and interior frees corrupt a normal interpreter: load
 * this module only under the runtime hook, which reports such frees and
 * does not forward them.  Each bug happens at most once per call.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* ---- bugs ---- */

/* PML001: the block is written before any NULL test. */
static PyObject *
bug_unchecked(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_ssize_t n;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "n:bug_unchecked", &n))
        return NULL;
    char *buf = PyMem_Malloc((size_t)n);
    buf[0] = 'x'; // expected-warning {{[PML001]}} verdict=confirmed
    result = PyLong_FromLong(buf[0]);
    PyMem_Free(buf);
    return result;
}

/* PML002: a PyMem block released by the PyObject allocator. */
static PyObject *
bug_mismatched(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(args))
{
    char *p = PyMem_Malloc(16);
    PyObject *result;

    if (p == NULL)
        return PyErr_NoMemory();
    memset(p, 'm', 16);
    result = PyBytes_FromStringAndSize(p, 16);
    PyObject_Free(p); // expected-warning {{[PML002]}} verdict=confirmed
    return result;
}

/* PML003: released in the body, then again at the cleanup label. */
static PyObject *
bug_double_free(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(args))
{
    char *p = PyMem_Malloc(16);
    PyObject *result;

    if (p == NULL)
        return PyErr_NoMemory();
    memset(p, 'd', 16);
    result = PyBytes_FromStringAndSize(p, 16);
    if (result == NULL)
        goto cleanup;
    PyMem_Free(p);
cleanup:
    PyMem_Free(p); // expected-warning {{[PML003]}} verdict=confirmed
    return result;
}

/* PML005: when the second allocation fails the first one leaks. */
static PyObject *
bug_error_leak(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(args))
{
    char *a, *b;
    PyObject *result;

    a = PyMem_Malloc(32); // expected-warning {{[PML005]}} verdict=confirmed
    if (a == NULL)
        return PyErr_NoMemory();
    b = PyMem_Malloc(32);
    if (b == NULL)
        return PyErr_NoMemory();
    memset(a, 'a', 32);
    memcpy(b, a, 32);
    result = PyBytes_FromStringAndSize(b, 32);
    PyMem_Free(b);
    PyMem_Free(a);
    return result;
}

/* PML006: the block is never released. */
static PyObject *
bug_leak(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(args))
{
    char *p = PyMem_Malloc(24); // expected-warning {{[PML006]}} verdict=confirmed
    if (p == NULL)
        return PyErr_NoMemory();
    memset(p, 'l', 24);
    return PyBytes_FromStringAndSize(p, 24);
}

/* PML007: if the reallocation fails the old block is lost. */
static PyObject *
bug_realloc(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(args))
{
    char *p = PyMem_Malloc(8);
    PyObject *result;

    if (p == NULL)
        return PyErr_NoMemory();
    memset(p, 'r', 8);
    p = PyMem_Realloc(p, 64); // expected-warning {{[PML007]}} verdict=confirmed
    if (p == NULL)
        return PyErr_NoMemory();
    memset(p + 8, 'R', 56);
    result = PyBytes_FromStringAndSize(p, 64);
    PyMem_Free(p);
    return result;
}

/* PML008: a failed allocation returns NULL with no exception set. */
static PyObject *
bug_no_exception(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(args))
{
    char *buf = PyMem_Malloc(40);
    PyObject *result;

    if (buf == NULL)
        return NULL; // expected-warning {{[PML008]}} verdict=confirmed
    memset(buf, 'e', 40);
    result = PyBytes_FromStringAndSize(buf, 40);
    PyMem_Free(buf);
    return result;
}

/* PML010: the PyMem allocator called with the GIL released. */
static PyObject *
bug_nogil(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(args))
{
    char *p;

    Py_BEGIN_ALLOW_THREADS
    p = PyMem_Malloc(64); // expected-warning {{[PML010]}} verdict=confirmed
    if (p != NULL)
        memset(p, 'g', 64);
    Py_END_ALLOW_THREADS
    if (p == NULL)
        return PyErr_NoMemory();
    PyMem_Free(p);
    Py_RETURN_NONE;
}

/* PML011: release of a stack array. */
static PyObject *
bug_free_stack(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(args))
{
    char local[16];

    memset(local, 's', sizeof local);
    PyMem_Free(local); // expected-warning {{[PML011]}} verdict=confirmed
    Py_RETURN_NONE;
}

/* PML011: release of a pointer into the middle of a block. */
static PyObject *
bug_free_interior(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(args))
{
    char *p = PyMem_Malloc(16);

    if (p == NULL)
        return PyErr_NoMemory();
    memset(p, 'i', 16);
    PyMem_Free(p + 1); // expected-warning {{[PML011]}} verdict=confirmed
    PyMem_Free(p);
    Py_RETURN_NONE;
}

/* PML012: release of the buffer a bytes object lends. */
static PyObject *
bug_free_borrowed(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *obj;
    char *s;
    size_t n;

    if (!PyArg_ParseTuple(args, "O!:bug_free_borrowed", &PyBytes_Type, &obj))
        return NULL;
    s = PyBytes_AsString(obj);
    if (s == NULL)
        return NULL;
    n = strlen(s);
    PyMem_Free(s); // expected-warning {{[PML012]}} verdict=confirmed
    return PyLong_FromSsize_t((Py_ssize_t)n);
}

/* PML013: the wide-char copy is never released. */
static PyObject *
bug_widechar_leak(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *str;
    Py_ssize_t len, i, spaces = 0;

    if (!PyArg_ParseTuple(args, "U:bug_widechar_leak", &str))
        return NULL;
    wchar_t *w = PyUnicode_AsWideCharString(str, &len); // expected-warning {{[PML013]}} verdict=confirmed
    if (w == NULL)
        return NULL;
    for (i = 0; i < len; i++)
        if (w[i] == L' ')
            spaces++;
    return PyLong_FromSsize_t(spaces);
}

/* PML006 again, but exercise.py never calls it. */
static PyObject *
bug_unreached(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(args))
{
    char *p = PyMem_Malloc(48); // expected-warning {{[PML006]}} verdict=not-reached
    if (p == NULL)
        return PyErr_NoMemory();
    memset(p, 'u', 48);
    return PyBytes_FromStringAndSize(p, 48);
}

/* PML005 where the call that fails is an API call (PyList_New allocates
 * inside the interpreter): the validator fails it by its line. */
static PyObject *
bug_error_leak_api(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(args))
{
    char *scratch = PyMem_Malloc(40); // expected-warning {{[PML005]}} verdict=confirmed
    PyObject *list;

    if (scratch == NULL)
        return PyErr_NoMemory();
    memset(scratch, 'l', 40);
    list = PyList_New(3);
    if (list == NULL)
        return NULL; /* 'scratch' leaks */
    PyMem_Free(scratch);
    return list;
}

/* PML002 with libc's free(): the hook catches it when it is preloaded. */
static PyObject *
bug_libc_free(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(args))
{
    char *p = PyMem_Malloc(24);

    if (p == NULL)
        return PyErr_NoMemory();
    memset(p, 'f', 24);
    free(p); // expected-warning {{[PML002]}} verdict=confirmed
    Py_RETURN_NONE;
}

/* ---- correct code: no finding, no runtime report ---- */

static PyObject *
ok_alloc_free(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_ssize_t n;
    char *p;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "n:ok_alloc_free", &n))
        return NULL;
    if (n < 1)
        n = 1;
    p = PyMem_Malloc((size_t)n);
    if (p == NULL)
        return PyErr_NoMemory();
    memset(p, 'k', (size_t)n);
    result = PyBytes_FromStringAndSize(p, n);
    PyMem_Free(p);
    return result;
}

static PyObject *
ok_realloc(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(args))
{
    char *p = PyMem_Malloc(8), *tmp;
    PyObject *result;

    if (p == NULL)
        return PyErr_NoMemory();
    memset(p, 'r', 8);
    tmp = PyMem_Realloc(p, 64);
    if (tmp == NULL) {
        PyMem_Free(p);
        return PyErr_NoMemory();
    }
    p = tmp;
    memset(p + 8, 'R', 56);
    result = PyBytes_FromStringAndSize(p, 64);
    PyMem_Free(p);
    return result;
}

static PyObject *
ok_raw_nogil(PyObject *Py_UNUSED(self), PyObject *Py_UNUSED(args))
{
    int failed = 0;

    Py_BEGIN_ALLOW_THREADS
    char *p = PyMem_RawMalloc(64);
    if (p == NULL) {
        failed = 1;
    }
    else {
        memset(p, 'w', 64);
        PyMem_RawFree(p);
    }
    Py_END_ALLOW_THREADS
    if (failed)
        return PyErr_NoMemory();
    Py_RETURN_NONE;
}

static PyObject *
ok_widechar(PyObject *Py_UNUSED(self), PyObject *args)
{
    PyObject *str;
    Py_ssize_t len, i, spaces = 0;
    wchar_t *w;

    if (!PyArg_ParseTuple(args, "U:ok_widechar", &str))
        return NULL;
    w = PyUnicode_AsWideCharString(str, &len);
    if (w == NULL)
        return NULL;
    for (i = 0; i < len; i++)
        if (w[i] == L' ')
            spaces++;
    PyMem_Free(w);
    return PyLong_FromSsize_t(spaces);
}

/* n PyMem pairs of varied sizes with the GIL held, then n raw pairs with
 * it released: for the hook's thread-safety test. */
static PyObject *
hammer(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_ssize_t n, i;
    int failed = 0;

    if (!PyArg_ParseTuple(args, "n:hammer", &n))
        return NULL;
    for (i = 0; i < n; i++) {
        size_t size = 1 + (size_t)(i * 37 % 1024);
        char *p = PyMem_Malloc(size);
        if (p == NULL)
            return PyErr_NoMemory();
        memset(p, 'h', size);
        PyMem_Free(p);
    }
    Py_BEGIN_ALLOW_THREADS
    for (i = 0; i < n && !failed; i++) {
        size_t size = 1 + (size_t)(i * 53 % 4096);
        char *p = PyMem_RawMalloc(size);
        if (p == NULL) {
            failed = 1;
        }
        else {
            memset(p, 'H', size);
            PyMem_RawFree(p);
        }
    }
    Py_END_ALLOW_THREADS
    if (failed)
        return PyErr_NoMemory();
    return PyLong_FromSsize_t(n);
}

/* n PyMem_Malloc(32)/PyMem_Free pairs: for the overhead benchmark. */
static PyObject *
work(PyObject *Py_UNUSED(self), PyObject *args)
{
    Py_ssize_t n, i;

    if (!PyArg_ParseTuple(args, "n:work", &n))
        return NULL;
    for (i = 0; i < n; i++) {
        char *p = PyMem_Malloc(32);
        if (p == NULL)
            return PyErr_NoMemory();
        p[0] = (char)i;
        PyMem_Free(p);
    }
    return PyLong_FromSsize_t(n);
}

/* ---- module ---- */

static PyMethodDef victim_methods[] = {
    {"bug_unchecked", bug_unchecked, METH_VARARGS, NULL},
    {"bug_mismatched", bug_mismatched, METH_NOARGS, NULL},
    {"bug_double_free", bug_double_free, METH_NOARGS, NULL},
    {"bug_error_leak", bug_error_leak, METH_NOARGS, NULL},
    {"bug_leak", bug_leak, METH_NOARGS, NULL},
    {"bug_realloc", bug_realloc, METH_NOARGS, NULL},
    {"bug_no_exception", bug_no_exception, METH_NOARGS, NULL},
    {"bug_nogil", bug_nogil, METH_NOARGS, NULL},
    {"bug_free_stack", bug_free_stack, METH_NOARGS, NULL},
    {"bug_free_interior", bug_free_interior, METH_NOARGS, NULL},
    {"bug_free_borrowed", bug_free_borrowed, METH_VARARGS, NULL},
    {"bug_widechar_leak", bug_widechar_leak, METH_VARARGS, NULL},
    {"bug_unreached", bug_unreached, METH_NOARGS, NULL},
    {"bug_error_leak_api", bug_error_leak_api, METH_NOARGS, NULL},
    {"bug_libc_free", bug_libc_free, METH_NOARGS, NULL},
    {"ok_alloc_free", ok_alloc_free, METH_VARARGS, NULL},
    {"ok_realloc", ok_realloc, METH_NOARGS, NULL},
    {"ok_raw_nogil", ok_raw_nogil, METH_NOARGS, NULL},
    {"ok_widechar", ok_widechar, METH_VARARGS, NULL},
    {"hammer", hammer, METH_VARARGS, NULL},
    {"work", work, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef victim_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pmvictim",
    .m_doc = "Deliberate memory-API bugs for pymem-lint validate.",
    .m_size = -1,
    .m_methods = victim_methods,
};

PyMODINIT_FUNC
PyInit_pmvictim(void)
{
    return PyModule_Create(&victim_module);
}
