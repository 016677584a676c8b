/*
 * wideargv.c -- converts Python argument lists to wchar_t** / char** argv
 * arrays for embedding and process-spawning helpers.
 * Tests: PML013 (PyUnicode_AsWideCharString buffer released with free();
 * PyUnicode_AsUCS4Copy buffer leaked when PyList_New fails), PML005
 * (command-line buffer lost on a ValueError path), PML001 (argv array
 * written before its NULL check).
 * Negatives: wide strings owned by a capsule and released in its destructor,
 * PyMem_New(wchar_t *, n + 1), raw argv entries released with PyMem_RawFree.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define ARGV_CAPSULE "wideargv.argv"

typedef struct {
    Py_ssize_t argc;
    wchar_t **argv;
} wargv_t;

static void
wargv_destructor(PyObject *cap)
{
    wargv_t *wa = PyCapsule_GetPointer(cap, ARGV_CAPSULE);
    Py_ssize_t i;

    if (wa == NULL)
        return;
    for (i = 0; i < wa->argc; i++)
        PyMem_Free(wa->argv[i]);
    PyMem_Free(wa->argv);
    PyMem_Free(wa); // no-warning: released in the capsule's own destructor
}

static PyObject *
wargv_to_capsule(PyObject *module, PyObject *seq)
{
    PyObject *fast, *cap;
    wargv_t *wa;
    Py_ssize_t n, i;

    fast = PySequence_Fast(seq, "argv must be a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    wa = PyMem_Malloc(sizeof(wargv_t));
    if (wa == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    wa->argc = 0;
    wa->argv = PyMem_New(wchar_t *, n + 1);
    if (wa->argv == NULL) {
        PyMem_Free(wa);
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        wchar_t *w = PyUnicode_AsWideCharString(PySequence_Fast_GET_ITEM(fast, i), NULL);
        if (w == NULL)
            goto error;
        wa->argv[i] = w;
        wa->argc = i + 1;
    }
    wa->argv[n] = NULL;
    cap = PyCapsule_New(wa, ARGV_CAPSULE, wargv_destructor);
    if (cap == NULL)
        goto error;
    Py_DECREF(fast);
    return cap;
error:
    for (i = 0; i < wa->argc; i++)
        PyMem_Free(wa->argv[i]);
    PyMem_Free(wa->argv);
    PyMem_Free(wa);
    Py_DECREF(fast);
    return NULL;
}

static PyObject *
wargv_display_width(PyObject *module, PyObject *arg)
{
    Py_ssize_t n;
    wchar_t *w = PyUnicode_AsWideCharString(arg, &n);
    int width;

    if (w == NULL)
        return NULL;
    width = wcswidth(w, (size_t)n);
    free(w); // expected-warning {{[PML013]}}
    if (width < 0) {
        PyErr_SetString(PyExc_ValueError, "string contains non-printable characters");
        return NULL;
    }
    return PyLong_FromLong(width);
}

static PyObject *
wargv_codepoints(PyObject *module, PyObject *arg)
{
    Py_UCS4 *u;
    Py_ssize_t n, i;
    PyObject *list;

    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "expected str");
        return NULL;
    }
    n = PyUnicode_GET_LENGTH(arg);
    u = PyUnicode_AsUCS4Copy(arg); // expected-warning {{[PML013]}}
    if (u == NULL)
        return NULL;
    list = PyList_New(n);
    if (list == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        PyObject *v = PyLong_FromUnsignedLong(u[i]);
        if (v == NULL) {
            Py_DECREF(list);
            PyMem_Free(u);
            return NULL;
        }
        PyList_SET_ITEM(list, i, v);
    }
    PyMem_Free(u);
    return list;
}

static PyObject *
wargv_join(PyObject *module, PyObject *seq)
{
    PyObject *fast, *res;
    Py_ssize_t n, i, len, total = 1, pos = 0;
    const char *s;
    char *buf;

    fast = PySequence_Fast(seq, "argv must be a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &len);
        if (s == NULL || len > PY_SSIZE_T_MAX - total - 3) {
            if (s != NULL)
                PyErr_NoMemory();
            Py_DECREF(fast);
            return NULL;
        }
        total += len + 3;
    }
    buf = PyMem_Malloc(total); // expected-warning {{[PML005]}}
    if (buf == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        int quote;
        s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &len);
        if (s == NULL) {
            PyMem_Free(buf);
            Py_DECREF(fast);
            return NULL;
        }
        if (memchr(s, '\0', len) != NULL) {
            PyErr_SetString(PyExc_ValueError, "embedded null character in argument");
            Py_DECREF(fast);
            return NULL;
        }
        quote = (len == 0 || memchr(s, ' ', len) != NULL);
        if (i > 0)
            buf[pos++] = ' ';
        if (quote)
            buf[pos++] = '"';
        memcpy(buf + pos, s, len);
        pos += len;
        if (quote)
            buf[pos++] = '"';
    }
    res = PyUnicode_FromStringAndSize(buf, pos);
    PyMem_Free(buf);
    Py_DECREF(fast);
    return res;
}

static PyObject *
wargv_encode_argv(PyObject *module, PyObject *seq)
{
    PyObject *fast, *res = NULL;
    Py_ssize_t n, i;
    char **argv;

    fast = PySequence_Fast(seq, "argv must be a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    argv = PyMem_RawCalloc(n + 1, sizeof(char *));
    argv[n] = NULL; // expected-warning {{[PML001]}}
    for (i = 0; i < n; i++) {
        PyObject *b;
        if (!PyUnicode_FSConverter(PySequence_Fast_GET_ITEM(fast, i), &b))
            goto done;
        argv[i] = PyMem_RawMalloc(PyBytes_GET_SIZE(b) + 1);
        if (argv[i] == NULL) {
            Py_DECREF(b);
            PyErr_NoMemory();
            goto done;
        }
        memcpy(argv[i], PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b) + 1);
        Py_DECREF(b);
    }
    res = PyList_New(n);
    for (i = 0; res != NULL && i < n; i++) {
        PyObject *b = PyBytes_FromString(argv[i]);
        if (b == NULL)
            Py_CLEAR(res);
        else
            PyList_SET_ITEM(res, i, b);
    }
done:
    for (i = 0; i < n; i++)
        PyMem_RawFree(argv[i]);
    PyMem_RawFree(argv);
    Py_DECREF(fast);
    return res;
}

static PyMethodDef wargv_methods[] = {
    {"to_capsule", wargv_to_capsule, METH_O, NULL},
    {"display_width", wargv_display_width, METH_O, NULL},
    {"codepoints", wargv_codepoints, METH_O, NULL},
    {"join", wargv_join, METH_O, NULL},
    {"encode_argv", wargv_encode_argv, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef wargv_module = {
    PyModuleDef_HEAD_INIT, "wideargv", NULL, -1, wargv_methods,
};

PyMODINIT_FUNC
PyInit_wideargv(void)
{
    return PyModule_Create(&wargv_module);
}
