/*
 * free-non-heap/offsets.c - PML011: a release call handed a pointer into
 * the middle of a block: the allocation plus a non-zero offset (`p + 1`,
 * `p + sizeof(header)`, `p` after `p++` or `p += n`). The finding is on
 * the release call. Pointers moved back to the start of the block, an
 * offset of zero, and separate cursors that leave the base pointer alone
 * must stay silent.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

/* ---- p + 1 ---- */

/* A length-prefixed ("Pascal") string: byte 0 holds the length. */
static PyObject *
pascal_roundtrip(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    unsigned char *p;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:pascal_roundtrip", &data, &len))
        return NULL;
    if (len > 255) {
        PyErr_SetString(PyExc_ValueError, "at most 255 bytes");
        return NULL;
    }
    p = PyMem_Malloc(len + 1);
    if (p == NULL)
        return PyErr_NoMemory();
    p[0] = (unsigned char)len;
    memcpy(p + 1, data, len);
    result = PyBytes_FromStringAndSize((const char *)p + 1, p[0]);
    PyMem_Free(p + 1); // expected-warning {{[PML011]}}
    return result;
}

static PyObject *
pascal_roundtrip_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    unsigned char *p;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:pascal_roundtrip_ok", &data, &len))
        return NULL;
    if (len > 255) {
        PyErr_SetString(PyExc_ValueError, "at most 255 bytes");
        return NULL;
    }
    p = PyMem_Malloc(len + 1);
    if (p == NULL)
        return PyErr_NoMemory();
    p[0] = (unsigned char)len;
    memcpy(p + 1, data, len);
    result = PyBytes_FromStringAndSize((const char *)p + 1, p[0]);
    PyMem_Free(p); // no-warning: the start of the block
    return result;
}

/* ---- a libc block released past a stripped leading quote ---- */

static PyObject *
unquote(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len;
    char *copy;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:unquote", &text, &len))
        return NULL;
    if (len < 2 || text[0] != '"' || text[len - 1] != '"') {
        PyErr_SetString(PyExc_ValueError, "not a quoted string");
        return NULL;
    }
    copy = malloc(len + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, text, len + 1);
    copy[len - 1] = '\0';
    result = PyUnicode_FromString(copy + 1);
    free(copy + 1); // expected-warning {{[PML011]}}
    return result;
}

/* ---- a pointer advanced in a loop ---- */

static PyObject *
escape_quotes(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    char *out, *w;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:escape_quotes", &text, &len))
        return NULL;
    if (len > (PY_SSIZE_T_MAX - 1) / 2)
        return PyErr_NoMemory();
    out = PyMem_New(char, len * 2 + 1);
    if (out == NULL)
        return PyErr_NoMemory();
    w = out;
    for (i = 0; i < len; i++) {
        if (text[i] == '\'' || text[i] == '\\')
            *w++ = '\\';
        *w++ = text[i];
    }
    result = PyUnicode_FromStringAndSize(out, w - out);
    PyMem_Free(out); // no-warning: 'w' moved, 'out' still points at the start
    return result;
}

static PyObject *
escape_quotes_inplace(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, n = 0;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:escape_quotes_inplace", &text, &len))
        return NULL;
    if (len == 0)
        return PyUnicode_FromStringAndSize(NULL, 0);
    if (len > (PY_SSIZE_T_MAX - 1) / 2)
        return PyErr_NoMemory();
    out = PyMem_New(char, len * 2 + 1);
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (text[i] == '\'' || text[i] == '\\') {
            *out++ = '\\';
            n++;
        }
        *out++ = text[i];
        n++;
    }
    result = PyUnicode_FromStringAndSize(out - n, n);
    PyMem_Free(out); // expected-warning {{[PML011]}}
    return result;
}

struct item {
    long key;
    double weight;
};

static PyObject *
total_weight(PyObject *self, PyObject *seq)
{
    PyObject *fast;
    Py_ssize_t n, i;
    struct item *items;
    double total = 0.0;

    fast = PySequence_Fast(seq, "total_weight() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    if (n == 0) {
        Py_DECREF(fast);
        return PyFloat_FromDouble(0.0);
    }
    items = PyMem_New(struct item, n);
    if (items == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        items[i].key = (long)i;
        items[i].weight = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, i));
        if (items[i].weight == -1.0 && PyErr_Occurred()) {
            PyMem_Free(items); // no-warning: not moved yet
            Py_DECREF(fast);
            return NULL;
        }
    }
    Py_DECREF(fast);
    for (i = 0; i < n; i++, items++)
        total += items->weight;
    PyMem_Free(items); // expected-warning {{[PML011]}}
    return PyFloat_FromDouble(total);
}

/* ---- past a header ---- */

struct rec_header {
    unsigned int magic;
    unsigned int length;
};

#define REC_MAGIC 0x52454331u

static PyObject *
make_record(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *block, *payload;
    struct rec_header hdr;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:make_record", &data, &len))
        return NULL;
    if (len > 0xFFFF) {
        PyErr_SetString(PyExc_ValueError, "record payload too large");
        return NULL;
    }
    block = PyMem_Malloc(sizeof(struct rec_header) + len);
    if (block == NULL)
        return PyErr_NoMemory();
    hdr.magic = REC_MAGIC;
    hdr.length = (unsigned int)len;
    memcpy(block, &hdr, sizeof(hdr));
    payload = block + sizeof(struct rec_header);
    memcpy(payload, data, len);
    result = PyBytes_FromStringAndSize(block, sizeof(struct rec_header) + len);
    PyMem_Free(payload); // expected-warning {{[PML011]}}
    return result;
}

static PyObject *
make_record_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *block, *payload;
    struct rec_header hdr;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:make_record_ok", &data, &len))
        return NULL;
    if (len > 0xFFFF) {
        PyErr_SetString(PyExc_ValueError, "record payload too large");
        return NULL;
    }
    block = PyMem_Malloc(sizeof(struct rec_header) + len);
    if (block == NULL)
        return PyErr_NoMemory();
    hdr.magic = REC_MAGIC;
    hdr.length = (unsigned int)len;
    memcpy(block, &hdr, sizeof(hdr));
    payload = block + sizeof(struct rec_header);
    memcpy(payload, data, len);
    result = PyBytes_FromStringAndSize(block, sizeof(struct rec_header) + len);
    PyMem_Free(block); // no-warning: the block, not the payload inside it
    return result;
}

/* ---- p += n ---- */

static PyObject *
strip_prefix(PyObject *self, PyObject *args)
{
    const char *text, *prefix;
    Py_ssize_t len, plen;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#s#:strip_prefix", &text, &len, &prefix, &plen))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, text, len + 1);
    if (plen == 0 || plen > len || memcmp(buf, prefix, plen) != 0) {
        PyMem_Free(buf); // no-warning: not moved on this path
        PyErr_SetString(PyExc_ValueError, "prefix not found");
        return NULL;
    }
    buf += plen;
    result = PyUnicode_FromString(buf);
    PyMem_Free(buf); // expected-warning {{[PML011]}}
    return result;
}

/* ---- a RAW block released past its first element ---- */

static wchar_t *
widen_ascii(const char *s, size_t n)
{
    wchar_t *w;
    size_t i;

    w = PyMem_RawCalloc(n + 2, sizeof(wchar_t));
    if (w == NULL)
        return NULL;
    w[0] = L'/';
    for (i = 0; i < n; i++)
        w[i + 1] = (wchar_t)(unsigned char)s[i];
    w[n + 1] = L'\0';
    return w;
}

static PyObject *
rooted_length(PyObject *self, PyObject *args)
{
    const char *path;
    Py_ssize_t len;
    wchar_t *w;
    size_t n;

    if (!PyArg_ParseTuple(args, "s#:rooted_length", &path, &len))
        return NULL;
    w = widen_ascii(path, (size_t)len);
    if (w == NULL)
        return PyErr_NoMemory();
    n = wcslen(w + 1);
    PyMem_RawFree(w + 1); // expected-warning {{[PML011]}}
    return PyLong_FromSize_t(n);
}

static PyObject *
rooted_length_ok(PyObject *self, PyObject *args)
{
    const char *path;
    Py_ssize_t len;
    wchar_t *w;
    size_t n;

    if (!PyArg_ParseTuple(args, "s#:rooted_length_ok", &path, &len))
        return NULL;
    w = widen_ascii(path, (size_t)len);
    if (w == NULL)
        return PyErr_NoMemory();
    n = wcslen(w + 1);
    PyMem_RawFree(w); // no-warning: the start of the block
    return PyLong_FromSize_t(n);
}

/* ---- moved and moved back ---- */

static PyObject *
tagged_value(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *p;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:tagged_value", &data, &len))
        return NULL;
    if (len < 1) {
        PyErr_SetString(PyExc_ValueError, "empty record");
        return NULL;
    }
    p = PyMem_Malloc(len);
    if (p == NULL)
        return PyErr_NoMemory();
    memcpy(p, data, len);
    p++; /* skip the tag byte */
    result = Py_BuildValue("(iy#)", (int)(unsigned char)p[-1], p, len - 1);
    p -= 1;
    PyMem_Free(p); // no-warning: moved back to the start
    return result;
}

/* TAG_BYTES is configurable; in this build records carry no tag. */
#define TAG_BYTES 0

static PyObject *
untagged_value(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *p;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:untagged_value", &data, &len))
        return NULL;
    p = PyMem_Malloc(len + TAG_BYTES + 1);
    if (p == NULL)
        return PyErr_NoMemory();
    memcpy(p + TAG_BYTES, data, len);
    result = PyBytes_FromStringAndSize(p + TAG_BYTES, len);
    PyMem_Free(p + TAG_BYTES); // no-warning: an offset of zero
    return result;
}

static PyMethodDef offsets_methods[] = {
    {"pascal_roundtrip", pascal_roundtrip, METH_VARARGS, NULL},
    {"pascal_roundtrip_ok", pascal_roundtrip_ok, METH_VARARGS, NULL},
    {"unquote", unquote, METH_VARARGS, NULL},
    {"escape_quotes", escape_quotes, METH_VARARGS, NULL},
    {"escape_quotes_inplace", escape_quotes_inplace, METH_VARARGS, NULL},
    {"total_weight", total_weight, METH_O, NULL},
    {"make_record", make_record, METH_VARARGS, NULL},
    {"make_record_ok", make_record_ok, METH_VARARGS, NULL},
    {"strip_prefix", strip_prefix, METH_VARARGS, NULL},
    {"rooted_length", rooted_length, METH_VARARGS, NULL},
    {"rooted_length_ok", rooted_length_ok, METH_VARARGS, NULL},
    {"tagged_value", tagged_value, METH_VARARGS, NULL},
    {"untagged_value", untagged_value, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef offsets_module = {
    PyModuleDef_HEAD_INIT, "offsets", NULL, -1, offsets_methods,
};

PyMODINIT_FUNC
PyInit_offsets(void)
{
    return PyModule_Create(&offsets_module);
}
