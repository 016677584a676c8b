/*
 * mismatched-free/paths.c - PML002 when the family of a block depends on
 * the path: error labels, branches, switch cases, loops and variables that
 * are reused. Releases that match on every feasible path stay silent,
 * including when the family is chosen and released under the same flag.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ---- cleanup label ---- */

static PyObject *
parse_pairs(PyObject *self, PyObject *seq)
{
    PyObject *fast = NULL, *result = NULL;
    Py_ssize_t n, i;
    long *vals = NULL;

    fast = PySequence_Fast(seq, "parse_pairs() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    vals = PyMem_Calloc(n + 1, sizeof(long));
    if (vals == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (i = 0; i < n; i++) {
        vals[i] = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
        if (vals[i] == -1 && PyErr_Occurred())
            goto error;
    }
    result = PyLong_FromLong(n ? vals[n - 1] - vals[0] : 0);
    PyMem_Free(vals); // no-warning: MEM / MEM on the success path
    Py_DECREF(fast);
    return result;

error:
    PyObject_Free(vals); // expected-warning {{[PML002]}}
    Py_DECREF(fast);
    return NULL;
}

static PyObject *
parse_pairs_ok(PyObject *self, PyObject *seq)
{
    PyObject *fast = NULL, *result = NULL;
    Py_ssize_t n, i;
    long *vals = NULL;

    fast = PySequence_Fast(seq, "parse_pairs_ok() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    vals = PyMem_Calloc(n + 1, sizeof(long));
    if (vals == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < n; i++) {
        vals[i] = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
        if (vals[i] == -1 && PyErr_Occurred())
            goto done;
    }
    result = PyLong_FromLong(n ? vals[n - 1] - vals[0] : 0);

done:
    PyMem_Free(vals); // no-warning: one MEM release shared by all paths
    Py_DECREF(fast);
    return result;
}

/* ---- family chosen by a condition ---- */

static PyObject *
scratch_copy(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:scratch_copy", &data, &len))
        return NULL;
    buf = len > 65536 ? malloc(len) : PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    result = PyBytes_FromStringAndSize(buf, len);
    PyMem_Free(buf); // expected-warning {{[PML002]}}
    return result;
}

static PyObject *
scratch_copy_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    int big;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:scratch_copy_ok", &data, &len))
        return NULL;
    big = len > 65536;
    buf = big ? malloc(len) : PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    result = PyBytes_FromStringAndSize(buf, len);
    if (big)
        free(buf); // no-warning: released under the same flag that chose malloc
    else
        PyMem_Free(buf); // no-warning: released under the same flag that chose PyMem_Malloc
    return result;
}

static PyObject *
reverse_words(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    int use_raw;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#p:reverse_words", &text, &len, &use_raw))
        return NULL;
    if (use_raw)
        buf = PyMem_RawMalloc(len + 1);
    else
        buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        buf[i] = text[len - 1 - i];
    result = PyUnicode_FromStringAndSize(buf, len);
    if (use_raw)
        PyMem_RawFree(buf); // no-warning: correlated with the allocation
    else
        PyMem_Free(buf); // no-warning: correlated with the allocation
    return result;
}

/* ---- one variable, two blocks of different families ---- */

static PyObject *
two_passes(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, vowels = 0, spaces = 0;
    char *buf;

    if (!PyArg_ParseTuple(args, "s#:two_passes", &text, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, text, len);
    for (i = 0; i < len; i++)
        vowels += strchr("aeiou", buf[i]) != NULL && buf[i] != '\0';
    PyMem_Free(buf); // no-warning: first block, MEM / MEM
    buf = malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, text, len);
    for (i = 0; i < len; i++)
        spaces += buf[i] == ' ';
    PyMem_Free(buf); // expected-warning {{[PML002]}}
    return Py_BuildValue("(nn)", vowels, spaces);
}

static PyObject *
two_passes_ok(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, upper = 0, digits = 0;
    char *buf;

    if (!PyArg_ParseTuple(args, "s#:two_passes_ok", &text, &len))
        return NULL;
    buf = malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, text, len);
    for (i = 0; i < len; i++)
        upper += Py_ISUPPER(buf[i]) != 0;
    free(buf); // no-warning: malloc / free
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, text, len);
    for (i = 0; i < len; i++)
        digits += Py_ISDIGIT(buf[i]) != 0;
    PyMem_Free(buf); // no-warning: the variable now holds a MEM block
    return Py_BuildValue("(nn)", upper, digits);
}

/* ---- loops ---- */

static PyObject *
lengths(PyObject *self, PyObject *seq)
{
    PyObject *fast, *list;
    Py_ssize_t n, i;

    fast = PySequence_Fast(seq, "lengths() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    list = PyList_New(n);
    if (list == NULL) {
        Py_DECREF(fast);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        Py_ssize_t size;
        const char *s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &size);
        char *tmp;
        PyObject *item;

        if (s == NULL)
            goto error;
        tmp = PyMem_RawMalloc(size + 1);
        if (tmp == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        memcpy(tmp, s, size + 1);
        item = PyLong_FromSize_t(strlen(tmp));
        PyMem_Free(tmp); // expected-warning {{[PML002]}}
        if (item == NULL)
            goto error;
        PyList_SET_ITEM(list, i, item);
    }
    Py_DECREF(fast);
    return list;

error:
    Py_DECREF(list);
    Py_DECREF(fast);
    return NULL;
}

static PyObject *
lengths_ok(PyObject *self, PyObject *seq)
{
    PyObject *fast, *list;
    Py_ssize_t n, i;

    fast = PySequence_Fast(seq, "lengths_ok() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    list = PyList_New(n);
    if (list == NULL) {
        Py_DECREF(fast);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        Py_ssize_t size;
        const char *s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &size);
        char *tmp;
        PyObject *item;

        if (s == NULL)
            goto error;
        tmp = PyMem_RawMalloc(size + 1);
        if (tmp == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        memcpy(tmp, s, size + 1);
        item = PyLong_FromSize_t(strlen(tmp));
        PyMem_RawFree(tmp); // no-warning: RAW / RAW in the same iteration
        if (item == NULL)
            goto error;
        PyList_SET_ITEM(list, i, item);
    }
    Py_DECREF(fast);
    return list;

error:
    Py_DECREF(list);
    Py_DECREF(fast);
    return NULL;
}

/* ---- switch ---- */

enum { STORE_MEM, STORE_OBJ, STORE_LIBC };

static PyObject *
store_probe(PyObject *self, PyObject *args)
{
    int kind;
    Py_ssize_t n;
    char *blk;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "in:store_probe", &kind, &n))
        return NULL;
    if (n < 0 || n > 4096) {
        PyErr_SetString(PyExc_ValueError, "size out of range");
        return NULL;
    }
    switch (kind) {
    case STORE_MEM:
        blk = PyMem_Malloc(n + 1);
        break;
    case STORE_OBJ:
        blk = PyObject_Malloc(n + 1);
        break;
    default:
        PyErr_SetString(PyExc_ValueError, "unknown store");
        return NULL;
    }
    if (blk == NULL)
        return PyErr_NoMemory();
    memset(blk, '.', n);
    result = PyBytes_FromStringAndSize(blk, n);
    PyMem_Free(blk); // expected-warning {{[PML002]}}
    return result;
}

static PyObject *
store_probe_ok(PyObject *self, PyObject *args)
{
    int kind;
    Py_ssize_t n;
    char *blk;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "in:store_probe_ok", &kind, &n))
        return NULL;
    if (n < 0 || n > 4096) {
        PyErr_SetString(PyExc_ValueError, "size out of range");
        return NULL;
    }
    switch (kind) {
    case STORE_MEM:
        blk = PyMem_Malloc(n + 1);
        if (blk == NULL)
            return PyErr_NoMemory();
        memset(blk, '.', n);
        result = PyBytes_FromStringAndSize(blk, n);
        PyMem_Free(blk); // no-warning: MEM / MEM
        break;
    case STORE_OBJ:
        blk = PyObject_Malloc(n + 1);
        if (blk == NULL)
            return PyErr_NoMemory();
        memset(blk, '.', n);
        result = PyBytes_FromStringAndSize(blk, n);
        PyObject_Free(blk); // no-warning: OBJ / OBJ
        break;
    case STORE_LIBC:
        blk = malloc(n + 1);
        if (blk == NULL)
            return PyErr_NoMemory();
        memset(blk, '.', n);
        result = PyBytes_FromStringAndSize(blk, n);
        free(blk); // no-warning: libc / libc
        break;
    default:
        PyErr_SetString(PyExc_ValueError, "unknown store");
        return NULL;
    }
    return result;
}

static PyMethodDef paths_methods[] = {
    {"parse_pairs", parse_pairs, METH_O, NULL},
    {"parse_pairs_ok", parse_pairs_ok, METH_O, NULL},
    {"scratch_copy", scratch_copy, METH_VARARGS, NULL},
    {"scratch_copy_ok", scratch_copy_ok, METH_VARARGS, NULL},
    {"reverse_words", reverse_words, METH_VARARGS, NULL},
    {"two_passes", two_passes, METH_VARARGS, NULL},
    {"two_passes_ok", two_passes_ok, METH_VARARGS, NULL},
    {"lengths", lengths, METH_O, NULL},
    {"lengths_ok", lengths_ok, METH_O, NULL},
    {"store_probe", store_probe, METH_VARARGS, NULL},
    {"store_probe_ok", store_probe_ok, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef paths_module = {
    PyModuleDef_HEAD_INIT, "paths", NULL, -1, paths_methods,
};

PyMODINIT_FUNC
PyInit_paths(void)
{
    return PyModule_Create(&paths_module);
}
