/*
 * json_encoder.c - a small JSON encoder with a stack-first output buffer, in
 * the style of ujson (python/objToJSON.c, lib/ultrajsonenc.c).
 *
 * What this file tests:
 *   PML007  Buffer_Realloc() does enc->start = PyMem_Realloc(enc->start, ...)
 *   PML001  dup_key() writes the opening quote before checking the block
 *   PML013  encode_key() never frees the PyOS_double_to_string() result
 *   PML012  encode() frees the PyUnicode_AsUTF8AndSize() pointer
 *   PML011  encode_basestring_ascii() frees the advanced cursor `out`
 * Negatives: the first heap buffer replaces the stack buffer and is freed
 * only when enc.heap is set; float values free their repr with PyMem_Free;
 * the escape buffer size is guarded.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>
#include <string.h>

#define STACK_BUFSIZE 1024

typedef struct {
    char *start, *offset, *end;
    int heap;
} JSONEncoder;

static int
Buffer_Realloc(JSONEncoder *enc, size_t cbNeeded)
{
    size_t curSize = enc->end - enc->start;
    size_t newSize = curSize * 2;
    size_t offset = enc->offset - enc->start;

    while (newSize < curSize + cbNeeded)
        newSize *= 2;
    if (enc->heap) {
        enc->start = PyMem_Realloc(enc->start, newSize); // expected-warning {{[PML007]}}
        if (enc->start == NULL) {
            PyErr_NoMemory();
            return -1;
        }
    }
    else {
        char *oldStart = enc->start;
        enc->heap = 1;
        enc->start = PyMem_Malloc(newSize);
        if (enc->start == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        memcpy(enc->start, oldStart, offset);
    }
    enc->offset = enc->start + offset;
    enc->end = enc->start + newSize;
    return 0;
}

static int
Buffer_Append(JSONEncoder *enc, const char *s, size_t n)
{
    if ((size_t)(enc->end - enc->offset) < n && Buffer_Realloc(enc, n) < 0)
        return -1;
    memcpy(enc->offset, s, n);
    enc->offset += n;
    return 0;
}

/* Quoted copy of a key; NULL on failure, the caller raises. */
static char *
dup_key(const char *s, Py_ssize_t len)
{
    char *k = PyMem_Malloc(len + 3);

    k[0] = '"'; // expected-warning {{[PML001]}}
    memcpy(k + 1, s, len);
    k[len + 1] = '"';
    k[len + 2] = '\0';
    return k;
}

static int
encode_key(PyObject *key, JSONEncoder *enc)
{
    const char *s;
    Py_ssize_t len;
    char *k;
    int rc;

    if (PyFloat_Check(key)) {
        char *repr = PyOS_double_to_string(PyFloat_AS_DOUBLE(key), 'r', 0, 0, NULL); // expected-warning {{[PML013]}}
        if (repr == NULL)
            return -1;
        return Buffer_Append(enc, "\"", 1) || Buffer_Append(enc, repr, strlen(repr)) ||
               Buffer_Append(enc, "\"", 1) ? -1 : 0;
    }
    s = PyUnicode_AsUTF8AndSize(key, &len);
    if (s == NULL)
        return -1;
    k = dup_key(s, len);
    if (k == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    rc = Buffer_Append(enc, k, len + 2);
    PyMem_Free(k);
    return rc;
}

static int
encode(PyObject *obj, JSONEncoder *enc)
{
    Py_ssize_t i, len;
    int rc;

    if (obj == Py_None)
        return Buffer_Append(enc, "null", 4);
    if (PyBool_Check(obj))
        return obj == Py_True ? Buffer_Append(enc, "true", 4) : Buffer_Append(enc, "false", 5);
    if (PyFloat_Check(obj)) {
        char *repr = PyOS_double_to_string(PyFloat_AS_DOUBLE(obj), 'r', 0,
                                           Py_DTSF_ADD_DOT_0, NULL);
        if (repr == NULL)
            return -1;
        rc = Buffer_Append(enc, repr, strlen(repr));
        PyMem_Free(repr); // no-warning: PyOS_double_to_string needs PyMem_Free
        return rc;
    }
    if (PyUnicode_Check(obj)) {
        const char *s = PyUnicode_AsUTF8AndSize(obj, &len);
        if (s == NULL)
            return -1;
        rc = Buffer_Append(enc, "\"", 1) || Buffer_Append(enc, s, len) ||
             Buffer_Append(enc, "\"", 1);
        PyMem_Free((char *)s); // expected-warning {{[PML012]}}
        return rc ? -1 : 0;
    }
    if (PyList_Check(obj)) {
        if (Buffer_Append(enc, "[", 1) < 0)
            return -1;
        for (i = 0; i < PyList_GET_SIZE(obj); i++) {
            if ((i > 0 && Buffer_Append(enc, ",", 1) < 0) ||
                encode(PyList_GET_ITEM(obj, i), enc) < 0)
                return -1;
        }
        return Buffer_Append(enc, "]", 1);
    }
    if (PyDict_Check(obj)) {
        PyObject *key, *value;
        Py_ssize_t pos = 0;
        if (Buffer_Append(enc, "{", 1) < 0)
            return -1;
        for (i = 0; PyDict_Next(obj, &pos, &key, &value); i++) {
            if ((i > 0 && Buffer_Append(enc, ",", 1) < 0) || encode_key(key, enc) < 0 ||
                Buffer_Append(enc, ":", 1) < 0 || encode(value, enc) < 0)
                return -1;
        }
        return Buffer_Append(enc, "}", 1);
    }
    PyErr_Format(PyExc_TypeError, "%R is not JSON serializable", obj);
    return -1;
}

static PyObject *
json_dumps(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"obj", NULL};
    PyObject *obj, *res = NULL;
    char buffer[STACK_BUFSIZE];
    JSONEncoder enc = {buffer, buffer, buffer + sizeof(buffer), 0};

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:dumps", kwlist, &obj))
        return NULL;
    if (encode(obj, &enc) == 0)
        res = PyUnicode_FromStringAndSize(enc.start, enc.offset - enc.start);
    if (enc.heap)
        PyMem_Free(enc.start); // no-warning: heap flag set once start left the stack
    return res;
}

static PyObject *
encode_basestring_ascii(PyObject *self, PyObject *pystr)
{
    Py_ssize_t i, len;
    const char *s = PyUnicode_AsUTF8AndSize(pystr, &len);
    char *out, *start;
    PyObject *res;

    if (s == NULL)
        return NULL;
    if (len > PY_SSIZE_T_MAX / 6 - 1)
        return PyErr_NoMemory();
    start = out = PyMem_Malloc(len * 6 + 2); // no-warning: guarded above
    if (out == NULL)
        return PyErr_NoMemory();
    *out++ = '"';
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            *out++ = '\\';
            *out++ = (char)c;
        }
        else if (c < 0x20)
            out += sprintf(out, "\\u%04x", c);
        else
            *out++ = (char)c;
    }
    *out++ = '"';
    res = PyUnicode_FromStringAndSize(start, out - start);
    PyMem_Free(out); // expected-warning {{[PML011]}}
    return res;
}

static PyMethodDef ujson_methods[] = {
    {"dumps", (PyCFunction)(void (*)(void))json_dumps, METH_VARARGS | METH_KEYWORDS, NULL},
    {"encode_basestring_ascii", encode_basestring_ascii, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef moduledef = {PyModuleDef_HEAD_INIT, "json_encoder", NULL, -1, ujson_methods};

PyMODINIT_FUNC
PyInit_json_encoder(void)
{
    return PyModule_Create(&moduledef);
}
