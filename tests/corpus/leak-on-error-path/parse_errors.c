/*
 * leak-on-error-path/parse_errors.c - PML005: a block allocated early is
 * lost when a later conversion or validation fails and the function
 * returns NULL / -1. The finding is on the allocation line. The success
 * path of every positive releases the block, so only the error path leaks.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ---- a conversion after the allocation fails ---- */

static PyObject *
split_at(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, idx;
    PyObject *idx_obj, *result;
    char *buf;

    if (!PyArg_ParseTuple(args, "y#O:split_at", &data, &len, &idx_obj))
        return NULL;
    buf = PyMem_Malloc(len + 1); // expected-warning {{[PML005]}}
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    idx = PyLong_AsSsize_t(idx_obj);
    if (idx == -1 && PyErr_Occurred())
        return NULL;
    if (idx < 0 || idx > len)
        idx = len;
    result = Py_BuildValue("(y#y#)", buf, idx, buf + idx, len - idx);
    PyMem_Free(buf);
    return result;
}

static PyObject *
split_at_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, idx;
    PyObject *idx_obj, *result;
    char *buf;

    if (!PyArg_ParseTuple(args, "y#O:split_at_ok", &data, &len, &idx_obj))
        return NULL;
    buf = PyMem_Malloc(len + 1); // no-warning: released on the conversion error too
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    idx = PyLong_AsSsize_t(idx_obj);
    if (idx == -1 && PyErr_Occurred()) {
        PyMem_Free(buf);
        return NULL;
    }
    if (idx < 0 || idx > len)
        idx = len;
    result = Py_BuildValue("(y#y#)", buf, idx, buf + idx, len - idx);
    PyMem_Free(buf);
    return result;
}

static PyObject *
split_at_early(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, idx;
    PyObject *idx_obj, *result;
    char *buf;

    if (!PyArg_ParseTuple(args, "y#O:split_at_early", &data, &len, &idx_obj))
        return NULL;
    idx = PyLong_AsSsize_t(idx_obj);
    if (idx == -1 && PyErr_Occurred())
        return NULL;
    buf = PyMem_Malloc(len + 1); // no-warning: the conversion happens before the allocation
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    if (idx < 0 || idx > len)
        idx = len;
    result = Py_BuildValue("(y#y#)", buf, idx, buf + idx, len - idx);
    PyMem_Free(buf);
    return result;
}

/* ---- the second allocation fails ---- */

static PyObject *
interleave(PyObject *self, PyObject *args)
{
    const char *a, *b;
    Py_ssize_t alen, blen, i;
    char *ca, *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#y#:interleave", &a, &alen, &b, &blen))
        return NULL;
    if (alen != blen) {
        PyErr_SetString(PyExc_ValueError, "length mismatch");
        return NULL;
    }
    ca = PyMem_Malloc(alen + 1); // expected-warning {{[PML005]}}
    if (ca == NULL)
        return PyErr_NoMemory();
    memcpy(ca, a, alen);
    out = PyMem_Malloc(alen + blen + 1);
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < alen; i++) {
        out[i + i] = ca[i];
        out[i + i + 1] = b[i];
    }
    result = PyBytes_FromStringAndSize(out, alen + blen);
    PyMem_Free(out);
    PyMem_Free(ca);
    return result;
}

static PyObject *
interleave_ok(PyObject *self, PyObject *args)
{
    const char *a, *b;
    Py_ssize_t alen, blen, i;
    char *ca, *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#y#:interleave_ok", &a, &alen, &b, &blen))
        return NULL;
    if (alen != blen) {
        PyErr_SetString(PyExc_ValueError, "length mismatch");
        return NULL;
    }
    ca = PyMem_Malloc(alen + 1); // no-warning: released when the second allocation fails
    if (ca == NULL)
        return PyErr_NoMemory();
    memcpy(ca, a, alen);
    out = PyMem_Malloc(alen + blen + 1); // no-warning: a failed allocation holds nothing
    if (out == NULL) {
        PyMem_Free(ca);
        return PyErr_NoMemory();
    }
    for (i = 0; i < alen; i++) {
        out[i + i] = ca[i];
        out[i + i + 1] = b[i];
    }
    result = PyBytes_FromStringAndSize(out, alen + blen);
    PyMem_Free(out);
    PyMem_Free(ca);
    return result;
}

/* ---- an item conversion fails inside a loop ---- */

static PyObject *
pack_bytes(PyObject *self, PyObject *seq)
{
    PyObject *fast, *result;
    Py_ssize_t n, i;
    unsigned char *buf;

    fast = PySequence_Fast(seq, "pack_bytes() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    buf = PyMem_Malloc(n + 1); // expected-warning {{[PML005]}}
    if (buf == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
        if (v == -1 && PyErr_Occurred()) {
            Py_DECREF(fast);
            return NULL;
        }
        buf[i] = (unsigned char)v;
    }
    Py_DECREF(fast);
    result = PyBytes_FromStringAndSize((char *)buf, n);
    PyMem_Free(buf);
    return result;
}

static PyObject *
pack_bytes_ok(PyObject *self, PyObject *seq)
{
    PyObject *fast, *result;
    Py_ssize_t n, i;
    unsigned char *buf;

    fast = PySequence_Fast(seq, "pack_bytes_ok() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    buf = PyMem_Malloc(n + 1); // no-warning: released before the error return in the loop
    if (buf == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
        if (v == -1 && PyErr_Occurred()) {
            PyMem_Free(buf);
            Py_DECREF(fast);
            return NULL;
        }
        buf[i] = (unsigned char)v;
    }
    Py_DECREF(fast);
    result = PyBytes_FromStringAndSize((char *)buf, n);
    PyMem_Free(buf);
    return result;
}

/* ---- the result object cannot be created ---- */

static PyObject *
hexlify(PyObject *self, PyObject *args)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *data;
    Py_ssize_t len, i;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:hexlify", &data, &len))
        return NULL;
    if (len > PY_SSIZE_T_MAX / 2 - 1)
        return PyErr_NoMemory();
    out = PyMem_Malloc(len + len + 1); // expected-warning {{[PML005]}}
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        out[i + i] = digits[data[i] >> 4];
        out[i + i + 1] = digits[data[i] & 15];
    }
    result = PyUnicode_FromStringAndSize(out, len + len);
    if (result == NULL)
        return NULL;
    PyMem_Free(out);
    return result;
}

static PyObject *
hexlify_ok(PyObject *self, PyObject *args)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *data;
    Py_ssize_t len, i;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:hexlify_ok", &data, &len))
        return NULL;
    if (len > PY_SSIZE_T_MAX / 2 - 1)
        return PyErr_NoMemory();
    out = PyMem_Malloc(len + len + 1); // no-warning: released whether or not the result exists
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        out[i + i] = digits[data[i] >> 4];
        out[i + i + 1] = digits[data[i] & 15];
    }
    result = PyUnicode_FromStringAndSize(out, len + len);
    PyMem_Free(out);
    return result;
}

/* ---- the message buffer is only copied by PyErr_SetString ---- */

static PyObject *
require_ascii(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    char *msg;

    if (!PyArg_ParseTuple(args, "s#:require_ascii", &text, &len))
        return NULL;
    for (i = 0; i < len; i++) {
        if ((unsigned char)text[i] >= 0x80)
            break;
    }
    if (i == len)
        Py_RETURN_TRUE;
    msg = PyMem_Malloc(64); // expected-warning {{[PML005]}}
    if (msg == NULL)
        return PyErr_NoMemory();
    sprintf(msg, "non-ASCII byte at offset %zd", i);
    PyErr_SetString(PyExc_ValueError, msg);
    return NULL;
}

static PyObject *
require_ascii_ok(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    char *msg;

    if (!PyArg_ParseTuple(args, "s#:require_ascii_ok", &text, &len))
        return NULL;
    for (i = 0; i < len; i++) {
        if ((unsigned char)text[i] >= 0x80)
            break;
    }
    if (i == len)
        Py_RETURN_TRUE;
    msg = PyMem_Malloc(64); // no-warning: released after PyErr_SetString copied it
    if (msg == NULL)
        return PyErr_NoMemory();
    sprintf(msg, "non-ASCII byte at offset %zd", i);
    PyErr_SetString(PyExc_ValueError, msg);
    PyMem_Free(msg);
    return NULL;
}

/* ---- tp_init validates after allocating ---- */

typedef struct {
    PyObject_HEAD
    char *alphabet;
    Py_ssize_t size;
} CodecObject;

static int
Codec_init(CodecObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"alphabet", NULL};
    const char *alpha;
    Py_ssize_t len;
    char *copy;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s#:Codec", kwlist, &alpha, &len))
        return -1;
    copy = PyMem_Malloc(len + 1); // expected-warning {{[PML005]}}
    if (copy == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(copy, alpha, len + 1);
    if (len < 2) {
        PyErr_SetString(PyExc_ValueError, "alphabet too short");
        return -1;
    }
    PyMem_Free(self->alphabet);
    self->alphabet = copy;
    self->size = len;
    return 0;
}

static int
Codec_init_ok(CodecObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"alphabet", NULL};
    const char *alpha;
    Py_ssize_t len;
    char *copy;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s#:Codec", kwlist, &alpha, &len))
        return -1;
    copy = PyMem_Malloc(len + 1); // no-warning: released when validation fails
    if (copy == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(copy, alpha, len + 1);
    if (len < 2) {
        PyErr_SetString(PyExc_ValueError, "alphabet too short");
        PyMem_Free(copy);
        return -1;
    }
    PyMem_Free(self->alphabet);
    self->alphabet = copy;
    self->size = len;
    return 0;
}

static void
Codec_dealloc(CodecObject *self)
{
    PyMem_Free(self->alphabet);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Codec_reset(CodecObject *self, PyObject *args)
{
    if (Codec_init_ok(self, args, NULL) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef Codec_methods[] = {
    {"reset", (PyCFunction)Codec_reset, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject CodecType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "parse_errors.Codec",
    .tp_basicsize = sizeof(CodecObject),
    .tp_dealloc = (destructor)Codec_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Codec_methods,
    .tp_init = (initproc)Codec_init,
    .tp_new = PyType_GenericNew,
};

/* ---- switch default rejects after the allocation ---- */

static PyObject *
convert_case(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    int mode;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#i:convert_case", &text, &len, &mode))
        return NULL;
    out = PyMem_Malloc(len + 1); // expected-warning {{[PML005]}}
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        switch (mode) {
        case 0:
            out[i] = Py_TOLOWER(text[i]);
            break;
        case 1:
            out[i] = Py_TOUPPER(text[i]);
            break;
        default:
            PyErr_Format(PyExc_ValueError, "bad mode %d", mode);
            return NULL;
        }
    }
    result = PyUnicode_FromStringAndSize(out, len);
    PyMem_Free(out);
    return result;
}

static PyObject *
convert_case_ok(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    int mode;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#i:convert_case_ok", &text, &len, &mode))
        return NULL;
    if (mode != 0 && mode != 1) {
        PyErr_Format(PyExc_ValueError, "bad mode %d", mode);
        return NULL;
    }
    out = PyMem_Malloc(len + 1); // no-warning: mode is validated before the allocation
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        out[i] = mode ? Py_TOUPPER(text[i]) : Py_TOLOWER(text[i]);
    result = PyUnicode_FromStringAndSize(out, len);
    PyMem_Free(out);
    return result;
}

static PyMethodDef parse_errors_methods[] = {
    {"split_at", split_at, METH_VARARGS, NULL},
    {"split_at_ok", split_at_ok, METH_VARARGS, NULL},
    {"split_at_early", split_at_early, METH_VARARGS, NULL},
    {"interleave", interleave, METH_VARARGS, NULL},
    {"interleave_ok", interleave_ok, METH_VARARGS, NULL},
    {"pack_bytes", pack_bytes, METH_O, NULL},
    {"pack_bytes_ok", pack_bytes_ok, METH_O, NULL},
    {"hexlify", hexlify, METH_VARARGS, NULL},
    {"hexlify_ok", hexlify_ok, METH_VARARGS, NULL},
    {"require_ascii", require_ascii, METH_VARARGS, NULL},
    {"require_ascii_ok", require_ascii_ok, METH_VARARGS, NULL},
    {"convert_case", convert_case, METH_VARARGS, NULL},
    {"convert_case_ok", convert_case_ok, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef parse_errors_module = {
    PyModuleDef_HEAD_INIT, "parse_errors", NULL, -1, parse_errors_methods,
};

PyMODINIT_FUNC
PyInit_parse_errors(void)
{
    PyObject *m;

    if (PyType_Ready(&CodecType) < 0)
        return NULL;
    m = PyModule_Create(&parse_errors_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&CodecType);
    if (PyModule_AddObject(m, "Codec", (PyObject *)&CodecType) < 0) {
        Py_DECREF(&CodecType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
