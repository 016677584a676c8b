/*
 * double-free/labels.c - PML003 through cleanup labels: a block released
 * before `goto error` and again under the label, label chains that release
 * a block that was already released, and success paths that fall into the
 * cleanup code.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ---- released before goto, released under the label ---- */

static PyObject *
encode_records(PyObject *self, PyObject *seq)
{
    PyObject *fast, *result;
    char *buf = NULL;
    Py_ssize_t n, i;

    fast = PySequence_Fast(seq, "encode_records() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    buf = PyMem_Malloc(n + 1);
    if (buf == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (i = 0; i < n; i++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
        if (v == -1 && PyErr_Occurred()) {
            PyMem_Free(buf);
            goto error;
        }
        if (v < 0 || v > 255) {
            PyErr_SetString(PyExc_ValueError, "byte out of range");
            goto error;
        }
        buf[i] = (char)v;
    }
    result = PyBytes_FromStringAndSize(buf, n);
    PyMem_Free(buf);
    Py_DECREF(fast);
    return result;

error:
    PyMem_Free(buf); // expected-warning {{[PML003]}}
    Py_DECREF(fast);
    return NULL;
}

static PyObject *
encode_records_ok(PyObject *self, PyObject *seq)
{
    PyObject *fast, *result;
    char *buf = NULL;
    Py_ssize_t n, i;

    fast = PySequence_Fast(seq, "encode_records_ok() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    buf = PyMem_Malloc(n + 1);
    if (buf == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (i = 0; i < n; i++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
        if (v == -1 && PyErr_Occurred()) {
            PyMem_Free(buf);
            buf = NULL;
            goto error;
        }
        if (v < 0 || v > 255) {
            PyErr_SetString(PyExc_ValueError, "byte out of range");
            goto error;
        }
        buf[i] = (char)v;
    }
    result = PyBytes_FromStringAndSize(buf, n);
    PyMem_Free(buf);
    Py_DECREF(fast);
    return result;

error:
    PyMem_Free(buf); // no-warning: buf is NULL or still live here
    Py_DECREF(fast);
    return NULL;
}

/* ---- label chain ---- */

static PyObject *
zip_counts(PyObject *self, PyObject *args)
{
    PyObject *ks, *vs, *result;
    Py_ssize_t n, i;
    long *keys, *vals;

    if (!PyArg_ParseTuple(args, "OO:zip_counts", &ks, &vs))
        return NULL;
    n = PyObject_Length(ks);
    if (n < 0)
        return NULL;
    if (PyObject_Length(vs) != n) {
        PyErr_SetString(PyExc_ValueError, "length mismatch");
        return NULL;
    }
    keys = PyMem_New(long, n + 1);
    if (keys == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    vals = PyMem_New(long, n + 1);
    if (vals == NULL) {
        PyErr_NoMemory();
        goto fail_keys;
    }
    for (i = 0; i < n; i++) {
        PyObject *k = PySequence_GetItem(ks, i);
        if (k == NULL) {
            PyMem_Free(keys);
            goto fail_vals;
        }
        keys[i] = PyLong_AsLong(k);
        Py_DECREF(k);
        if (keys[i] == -1 && PyErr_Occurred())
            goto fail_vals;
        vals[i] = keys[i] + i;
    }
    result = PyLong_FromLong(n ? vals[n - 1] : 0);
    PyMem_Free(vals);
    PyMem_Free(keys);
    return result;

fail_vals:
    PyMem_Free(vals);
fail_keys:
    PyMem_Free(keys); // expected-warning {{[PML003]}}
    return NULL;
}

static PyObject *
zip_counts_ok(PyObject *self, PyObject *args)
{
    PyObject *ks, *vs, *result;
    Py_ssize_t n, i;
    long *keys, *vals;

    if (!PyArg_ParseTuple(args, "OO:zip_counts_ok", &ks, &vs))
        return NULL;
    n = PyObject_Length(ks);
    if (n < 0)
        return NULL;
    if (PyObject_Length(vs) != n) {
        PyErr_SetString(PyExc_ValueError, "length mismatch");
        return NULL;
    }
    keys = PyMem_New(long, n + 1);
    if (keys == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    vals = PyMem_New(long, n + 1);
    if (vals == NULL) {
        PyErr_NoMemory();
        goto fail_keys;
    }
    for (i = 0; i < n; i++) {
        PyObject *k = PySequence_GetItem(ks, i);
        if (k == NULL)
            goto fail_vals;
        keys[i] = PyLong_AsLong(k);
        Py_DECREF(k);
        if (keys[i] == -1 && PyErr_Occurred())
            goto fail_vals;
        vals[i] = keys[i] + i;
    }
    result = PyLong_FromLong(n ? vals[n - 1] : 0);
    PyMem_Free(vals);
    PyMem_Free(keys);
    return result;

fail_vals:
    PyMem_Free(vals); // no-warning: each label releases its own block once
fail_keys:
    PyMem_Free(keys); // no-warning: each label releases its own block once
    return NULL;
}

/* ---- tp_init with goto fail ---- */

typedef struct {
    PyObject_HEAD
    char *delims;
} ParserObject;

static int
has_duplicates(const char *s)
{
    size_t i, j;

    for (i = 0; s[i] != '\0'; i++) {
        for (j = i + 1; s[j] != '\0'; j++) {
            if (s[i] == s[j])
                return 1;
        }
    }
    return 0;
}

static int
Parser_init(ParserObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"delims", NULL};
    const char *d;
    Py_ssize_t len;
    char *delims;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s#:Parser", kwlist, &d, &len))
        return -1;
    delims = PyMem_Malloc(len + 1);
    if (delims == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(delims, d, len);
    delims[len] = '\0';
    if (has_duplicates(delims)) {
        PyErr_SetString(PyExc_ValueError, "duplicate delimiter");
        PyMem_Free(delims);
        goto fail;
    }
    PyMem_Free(self->delims);
    self->delims = delims;
    return 0;

fail:
    PyMem_Free(delims); // expected-warning {{[PML003]}}
    return -1;
}

static int
Parser_init_ok(ParserObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"delims", NULL};
    const char *d;
    Py_ssize_t len;
    char *delims;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s#:Parser", kwlist, &d, &len))
        return -1;
    delims = PyMem_Malloc(len + 1);
    if (delims == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(delims, d, len);
    delims[len] = '\0';
    if (has_duplicates(delims)) {
        PyErr_SetString(PyExc_ValueError, "duplicate delimiter");
        goto fail;
    }
    PyMem_Free(self->delims);
    self->delims = delims;
    return 0;

fail:
    PyMem_Free(delims); // no-warning: released only here on the failure path
    return -1;
}

static void
Parser_dealloc(ParserObject *self)
{
    PyMem_Free(self->delims);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Parser_reset(ParserObject *self, PyObject *args)
{
    if (Parser_init_ok(self, args, NULL) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef Parser_methods[] = {
    {"reset", (PyCFunction)Parser_reset, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject ParserType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "labels.Parser",
    .tp_basicsize = sizeof(ParserObject),
    .tp_dealloc = (destructor)Parser_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Parser_methods,
    .tp_init = (initproc)Parser_init,
    .tp_new = PyType_GenericNew,
};

/* ---- success path falls into the cleanup label ---- */

static PyObject *
collapse(PyObject *self, PyObject *seq)
{
    PyObject *fast, *result = NULL;
    Py_ssize_t n, i, total = 0;
    Py_ssize_t *lens;

    fast = PySequence_Fast(seq, "collapse() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    lens = PyMem_New(Py_ssize_t, n + 1);
    if (lens == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < n; i++) {
        lens[i] = PyObject_Length(PySequence_Fast_GET_ITEM(fast, i));
        if (lens[i] < 0)
            goto done;
        total += lens[i];
    }
    result = PyLong_FromSsize_t(total);
    PyMem_Free(lens);

done:
    PyMem_Free(lens); // expected-warning {{[PML003]}}
    Py_DECREF(fast);
    return result;
}

static PyObject *
collapse_ok(PyObject *self, PyObject *seq)
{
    PyObject *fast, *result = NULL;
    Py_ssize_t n, i, total = 0;
    Py_ssize_t *lens;

    fast = PySequence_Fast(seq, "collapse_ok() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    lens = PyMem_New(Py_ssize_t, n + 1);
    if (lens == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < n; i++) {
        lens[i] = PyObject_Length(PySequence_Fast_GET_ITEM(fast, i));
        if (lens[i] < 0)
            goto done;
        total += lens[i];
    }
    result = PyLong_FromSsize_t(total);

done:
    PyMem_Free(lens); // no-warning: the one release every path shares
    Py_DECREF(fast);
    return result;
}

static PyObject *
collapse_early(PyObject *self, PyObject *seq)
{
    PyObject *fast, *result;
    Py_ssize_t n, i, total = 0;
    Py_ssize_t *lens;

    fast = PySequence_Fast(seq, "collapse_early() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    lens = PyMem_New(Py_ssize_t, n + 1);
    if (lens == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (i = 0; i < n; i++) {
        lens[i] = PyObject_Length(PySequence_Fast_GET_ITEM(fast, i));
        if (lens[i] < 0)
            goto error;
        total += lens[i];
    }
    PyMem_Free(lens);
    Py_DECREF(fast);
    result = PyLong_FromSsize_t(total);
    return result;

error:
    PyMem_Free(lens); // no-warning: the success path returned before the label
    Py_DECREF(fast);
    return NULL;
}

static PyMethodDef labels_methods[] = {
    {"encode_records", encode_records, METH_O, NULL},
    {"encode_records_ok", encode_records_ok, METH_O, NULL},
    {"zip_counts", zip_counts, METH_VARARGS, NULL},
    {"zip_counts_ok", zip_counts_ok, METH_VARARGS, NULL},
    {"collapse", collapse, METH_O, NULL},
    {"collapse_ok", collapse_ok, METH_O, NULL},
    {"collapse_early", collapse_early, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef labels_module = {
    PyModuleDef_HEAD_INIT, "labels", NULL, -1, labels_methods,
};

PyMODINIT_FUNC
PyInit_labels(void)
{
    PyObject *m;

    if (PyType_Ready(&ParserType) < 0)
        return NULL;
    m = PyModule_Create(&labels_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&ParserType);
    if (PyModule_AddObject(m, "Parser", (PyObject *)&ParserType) < 0) {
        Py_DECREF(&ParserType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
