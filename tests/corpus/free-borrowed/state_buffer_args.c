/*
 * free-borrowed/state_buffer_args.c - PML012: a release call handed memory
 * that CPython owns: the module state (PyModule_GetState), a capsule's
 * pointer (PyCapsule_GetPointer) outside the capsule's own destructor,
 * Py_buffer.buf filled in by PyObject_GetBuffer, and the "s", "z" and "y"
 * out-arguments of PyArg_ParseTuple. The finding is on the release call.
 * Heap blocks held in the state or the capsule's struct, the capsule
 * pointer released by the destructor, PyBuffer_Release, copies, and the
 * "es" out-argument (which the caller does own) must stay silent.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

/* ---- module state ---- */

typedef struct {
    double *weights;
    Py_ssize_t nweights;
} state_t;

static PyObject *
set_weights(PyObject *module, PyObject *seq)
{
    state_t *st = PyModule_GetState(module);
    PyObject *fast;
    Py_ssize_t n, i;
    double *w;

    if (st == NULL) {
        PyErr_SetString(PyExc_SystemError, "module state is missing");
        return NULL;
    }
    fast = PySequence_Fast(seq, "set_weights() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    w = PyMem_New(double, n + 1);
    if (w == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        w[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, i));
        if (w[i] == -1.0 && PyErr_Occurred()) {
            PyMem_Free(w);
            Py_DECREF(fast);
            return NULL;
        }
    }
    Py_DECREF(fast);
    PyMem_Free(st->weights); // no-warning: a heap block held by the state
    st->weights = w;
    st->nweights = n;
    Py_RETURN_NONE;
}

static void
state_free(void *module)
{
    state_t *st = PyModule_GetState(module);

    if (st == NULL)
        return;
    PyMem_Free(st->weights); // no-warning: a heap block held by the state
    st->weights = NULL;
    PyMem_Free(st); // expected-warning {{[PML012]}}
}

/* ---- capsules ---- */

#define HANDLE_NAME "state_buffer_args.handle"

struct handle {
    char *name;
    long id;
};

static void
handle_destroy(PyObject *capsule)
{
    struct handle *h = PyCapsule_GetPointer(capsule, HANDLE_NAME);

    if (h == NULL) {
        PyErr_WriteUnraisable(capsule);
        return;
    }
    PyMem_Free(h->name); // no-warning: a heap block held by the struct
    PyMem_Free(h); // no-warning: the capsule's own destructor
}

static PyObject *
open_handle(PyObject *module, PyObject *args)
{
    const char *name;
    long id;
    struct handle *h;
    size_t n;
    PyObject *capsule;

    if (!PyArg_ParseTuple(args, "sl:open_handle", &name, &id))
        return NULL;
    h = PyMem_Malloc(sizeof(struct handle));
    if (h == NULL)
        return PyErr_NoMemory();
    n = strlen(name) + 1;
    h->name = PyMem_Malloc(n);
    if (h->name == NULL) {
        PyMem_Free(h);
        return PyErr_NoMemory();
    }
    memcpy(h->name, name, n);
    h->id = id;
    capsule = PyCapsule_New(h, HANDLE_NAME, handle_destroy);
    if (capsule == NULL) {
        PyMem_Free(h->name);
        PyMem_Free(h);
        return NULL;
    }
    return capsule;
}

static PyObject *
close_handle(PyObject *module, PyObject *capsule)
{
    struct handle *h = PyCapsule_GetPointer(capsule, HANDLE_NAME);

    if (h == NULL)
        return NULL;
    PyMem_Free(h->name); // no-warning: a heap block held by the struct
    h->name = NULL;
    PyMem_Free(h); // expected-warning {{[PML012]}}
    Py_RETURN_NONE;
}

static PyObject *
rename_handle(PyObject *module, PyObject *args)
{
    PyObject *capsule;
    const char *name;
    struct handle *h;
    char *copy;
    size_t n;

    if (!PyArg_ParseTuple(args, "Os:rename_handle", &capsule, &name))
        return NULL;
    h = PyCapsule_GetPointer(capsule, HANDLE_NAME);
    if (h == NULL)
        return NULL;
    n = strlen(name) + 1;
    copy = PyMem_Malloc(n);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, name, n);
    PyMem_Free(h->name); // no-warning: a heap block held by the struct
    h->name = copy;
    Py_RETURN_NONE;
}

/* ---- Py_buffer.buf ---- */

static PyObject *
buffer_sum(PyObject *module, PyObject *obj)
{
    Py_buffer view;
    const unsigned char *p;
    Py_ssize_t i;
    unsigned long long sum = 0;

    if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    p = view.buf;
    for (i = 0; i < view.len; i++)
        sum += p[i];
    PyMem_Free(view.buf); // expected-warning {{[PML012]}}
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLongLong(sum);
}

static PyObject *
buffer_sum_ok(PyObject *module, PyObject *obj)
{
    Py_buffer view;
    const unsigned char *p;
    Py_ssize_t i;
    unsigned long long sum = 0;

    if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    p = view.buf;
    for (i = 0; i < view.len; i++)
        sum += p[i];
    PyBuffer_Release(&view); // no-warning: the right way to give the view back
    return PyLong_FromUnsignedLongLong(sum);
}

static PyObject *
buffer_reverse(PyObject *module, PyObject *obj)
{
    Py_buffer view;
    char *data, *rev;
    Py_ssize_t i;
    PyObject *result;

    if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    data = view.buf;
    rev = malloc(view.len + 1);
    if (rev == NULL) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    for (i = 0; i < view.len; i++)
        rev[i] = data[view.len - 1 - i];
    result = PyBytes_FromStringAndSize(rev, view.len);
    free(rev); // no-warning: a malloc block
    free(data); // expected-warning {{[PML012]}}
    PyBuffer_Release(&view);
    return result;
}

/* ---- PyArg_ParseTuple out-arguments ---- */

static PyObject *
path_depth(PyObject *module, PyObject *args)
{
    const char *path;
    Py_ssize_t i, depth = 0;

    if (!PyArg_ParseTuple(args, "s:path_depth", &path))
        return NULL;
    for (i = 0; path[i] != '\0'; i++)
        depth += path[i] == '/';
    PyMem_Free((char *)path); // expected-warning {{[PML012]}}
    return PyLong_FromSsize_t(depth);
}

static PyObject *
encode_with(PyObject *module, PyObject *args)
{
    PyObject *text, *result;
    const char *encoding;
    const char *errors = NULL;

    if (!PyArg_ParseTuple(args, "Us|z:encode_with", &text, &encoding, &errors))
        return NULL;
    result = PyUnicode_AsEncodedString(text, encoding, errors ? errors : "strict");
    PyMem_Free((char *)errors); // expected-warning {{[PML012]}}
    return result;
}

static PyObject *
key_hash(PyObject *module, PyObject *args)
{
    const char *key;
    unsigned long h = 5381;
    size_t i;

    if (!PyArg_ParseTuple(args, "y:key_hash", &key))
        return NULL;
    for (i = 0; key[i] != '\0'; i++)
        h = ((h << 5) + h + (unsigned char)key[i]) & 0xFFFFFFFFUL;
    free((void *)key); // expected-warning {{[PML012]}}
    return PyLong_FromUnsignedLong(h);
}

/* "es" hands over a PyMem_Malloc copy: the caller must release it. */
static PyObject *
path_depth_ok(PyObject *module, PyObject *args)
{
    char *path = NULL;
    Py_ssize_t i, depth = 0;

    if (!PyArg_ParseTuple(args, "es:path_depth_ok", "utf-8", &path))
        return NULL;
    for (i = 0; path[i] != '\0'; i++)
        depth += path[i] == '/';
    PyMem_Free(path); // no-warning: "es" gives the caller its own buffer
    return PyLong_FromSsize_t(depth);
}

/* The variable that held the "s" pointer is given a fresh allocation
   before the release. */
static PyObject *
collapse_slashes(PyObject *module, PyObject *args)
{
    char *buf;
    const char *src;
    size_t n, i, j = 0;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s:collapse_slashes", &buf))
        return NULL;
    n = strlen(buf);
    src = buf;
    buf = PyMem_Malloc(n + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++) {
        if (!(src[i] == '/' && j > 0 && buf[j - 1] == '/'))
            buf[j++] = src[i];
    }
    result = PyUnicode_FromStringAndSize(buf, (Py_ssize_t)j);
    PyMem_Free(buf); // no-warning: now the fresh PyMem_Malloc block
    return result;
}

static PyMethodDef state_buffer_args_methods[] = {
    {"set_weights", set_weights, METH_O, NULL},
    {"open_handle", open_handle, METH_VARARGS, NULL},
    {"close_handle", close_handle, METH_O, NULL},
    {"rename_handle", rename_handle, METH_VARARGS, NULL},
    {"buffer_sum", buffer_sum, METH_O, NULL},
    {"buffer_sum_ok", buffer_sum_ok, METH_O, NULL},
    {"buffer_reverse", buffer_reverse, METH_O, NULL},
    {"path_depth", path_depth, METH_VARARGS, NULL},
    {"encode_with", encode_with, METH_VARARGS, NULL},
    {"key_hash", key_hash, METH_VARARGS, NULL},
    {"path_depth_ok", path_depth_ok, METH_VARARGS, NULL},
    {"collapse_slashes", collapse_slashes, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef state_buffer_args_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "state_buffer_args",
    .m_size = sizeof(state_t),
    .m_methods = state_buffer_args_methods,
    .m_free = state_free,
};

PyMODINIT_FUNC
PyInit_state_buffer_args(void)
{
    return PyModuleDef_Init(&state_buffer_args_module);
}
