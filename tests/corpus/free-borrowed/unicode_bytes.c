/*
 * free-borrowed/unicode_bytes.c - PML012: a release call handed the
 * internal buffer of a str, bytes or bytearray object (PyUnicode_AsUTF8,
 * PyUnicode_AsUTF8AndSize, PyBytes_AsString, PyBytes_AS_STRING,
 * PyBytes_AsStringAndSize, PyByteArray_AsString, PyByteArray_AS_STRING).
 * The object owns that memory; the finding is on the release call.
 * Copies made with PyMem_Malloc and released, and a variable that was
 * borrowed but then holds a fresh allocation, must stay silent.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

/* ---- PyUnicode_AsUTF8 ---- */

static PyObject *
count_char(PyObject *self, PyObject *args)
{
    PyObject *text;
    int ch;
    const char *s;
    Py_ssize_t i, n = 0;

    if (!PyArg_ParseTuple(args, "UC:count_char", &text, &ch))
        return NULL;
    if (ch > 127) {
        PyErr_SetString(PyExc_ValueError, "only ASCII characters are counted");
        return NULL;
    }
    s = PyUnicode_AsUTF8(text);
    if (s == NULL)
        return NULL;
    for (i = 0; s[i] != '\0'; i++)
        n += s[i] == ch;
    PyMem_Free((char *)s); // expected-warning {{[PML012]}}
    return PyLong_FromSsize_t(n);
}

static PyObject *
count_char_ok(PyObject *self, PyObject *args)
{
    PyObject *text;
    int ch;
    const char *s;
    char *folded;
    size_t len, i;
    Py_ssize_t n = 0;

    if (!PyArg_ParseTuple(args, "UC:count_char_ok", &text, &ch))
        return NULL;
    if (ch > 127) {
        PyErr_SetString(PyExc_ValueError, "only ASCII characters are counted");
        return NULL;
    }
    s = PyUnicode_AsUTF8(text);
    if (s == NULL)
        return NULL;
    len = strlen(s);
    folded = PyMem_Malloc(len + 1);
    if (folded == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        folded[i] = Py_TOLOWER(s[i]);
    folded[len] = '\0';
    for (i = 0; i < len; i++)
        n += folded[i] == Py_TOLOWER(ch);
    PyMem_Free(folded); // no-warning: the PyMem_Malloc copy, not the str's buffer
    return PyLong_FromSsize_t(n);
}

/* ---- PyUnicode_AsUTF8, released with free() through an alias ---- */

static PyObject *
env_flag(PyObject *self, PyObject *name)
{
    const char *key;
    char *k;
    const char *value;
    int on;

    key = PyUnicode_AsUTF8(name);
    if (key == NULL)
        return NULL;
    k = (char *)key;
    value = getenv(k);
    on = value != NULL && value[0] != '\0' && strcmp(value, "0") != 0;
    free(k); // expected-warning {{[PML012]}}
    return PyBool_FromLong(on);
}

/* ---- PyUnicode_AsUTF8AndSize ---- */

static PyObject *
utf8_length(PyObject *self, PyObject *text)
{
    const char *s;
    Py_ssize_t size;

    s = PyUnicode_AsUTF8AndSize(text, &size);
    if (s == NULL)
        return NULL;
    PyMem_Free((void *)s); // expected-warning {{[PML012]}}
    return PyLong_FromSsize_t(size);
}

static PyObject *
reversed_utf8(PyObject *self, PyObject *text)
{
    const char *s;
    Py_ssize_t size, i;
    char *rev;
    PyObject *result;

    s = PyUnicode_AsUTF8AndSize(text, &size);
    if (s == NULL)
        return NULL;
    rev = PyMem_Malloc(size + 1);
    if (rev == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < size; i++)
        rev[i] = s[size - 1 - i];
    result = PyBytes_FromStringAndSize(rev, size);
    PyMem_Free(rev); // no-warning: a PyMem_Malloc block
    return result;
}

/* ---- PyBytes_AsString ---- */

static PyObject *
bytes_checksum(PyObject *self, PyObject *obj)
{
    char *data;
    Py_ssize_t n, i;
    unsigned long sum = 0;

    data = PyBytes_AsString(obj);
    if (data == NULL)
        return NULL;
    n = PyBytes_GET_SIZE(obj);
    for (i = 0; i < n; i++)
        sum = (sum * 31 + (unsigned char)data[i]) & 0xFFFFFFFFUL;
    PyMem_Free(data); // expected-warning {{[PML012]}}
    return PyLong_FromUnsignedLong(sum);
}

/* Borrowed first, then the variable is given a fresh allocation. */
static PyObject *
bytes_title(PyObject *self, PyObject *obj)
{
    char *data;
    Py_ssize_t n, i;
    PyObject *result;

    data = PyBytes_AsString(obj);
    if (data == NULL)
        return NULL;
    n = PyBytes_GET_SIZE(obj);
    data = PyMem_Malloc(n + 1);
    if (data == NULL)
        return PyErr_NoMemory();
    memcpy(data, PyBytes_AS_STRING(obj), n + 1);
    for (i = 0; i < n; i++)
        data[i] = (i == 0 || data[i - 1] == ' ') ? Py_TOUPPER(data[i]) : data[i];
    result = PyBytes_FromStringAndSize(data, n);
    PyMem_Free(data); // no-warning: now a PyMem_Malloc block
    return result;
}

/* ---- PyBytes_AS_STRING ---- */

/* 'out' used to be a PyMem_Malloc scratch block copied into the result;
   the release survived the switch to writing into the bytes object. */
static PyObject *
fill_pattern(PyObject *self, PyObject *args)
{
    Py_ssize_t n, i;
    const char *pat;
    Py_ssize_t plen;
    PyObject *result;
    char *out;

    if (!PyArg_ParseTuple(args, "ny#:fill_pattern", &n, &pat, &plen))
        return NULL;
    if (n < 0 || plen == 0) {
        PyErr_SetString(PyExc_ValueError, "need n >= 0 and a non-empty pattern");
        return NULL;
    }
    result = PyBytes_FromStringAndSize(NULL, n);
    if (result == NULL)
        return NULL;
    out = PyBytes_AS_STRING(result);
    for (i = 0; i < n; i++)
        out[i] = pat[i % plen];
    PyMem_Free(out); // expected-warning {{[PML012]}}
    return result;
}

static PyObject *
header_name(PyObject *self, PyObject *obj)
{
    const char *raw, *colon;
    char *copy;
    Py_ssize_t n;
    PyObject *result;

    if (!PyBytes_Check(obj)) {
        PyErr_SetString(PyExc_TypeError, "expected bytes");
        return NULL;
    }
    raw = PyBytes_AS_STRING(obj);
    colon = memchr(raw, ':', PyBytes_GET_SIZE(obj));
    n = colon ? colon - raw : PyBytes_GET_SIZE(obj);
    copy = PyMem_Malloc(n + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, raw, n);
    copy[n] = '\0';
    result = PyUnicode_DecodeLatin1(copy, n, NULL);
    PyMem_Free(copy); // no-warning: the copy
    return result;
}

/* ---- PyBytes_AsStringAndSize out-argument ---- */

static PyObject *
count_lines(PyObject *self, PyObject *obj)
{
    char *buf;
    Py_ssize_t len, i, lines = 0;

    if (PyBytes_AsStringAndSize(obj, &buf, &len) < 0)
        return NULL;
    for (i = 0; i < len; i++)
        lines += buf[i] == '\n';
    if (len > 0 && buf[len - 1] != '\n')
        lines++;
    PyMem_Free(buf); // expected-warning {{[PML012]}}
    return PyLong_FromSsize_t(lines);
}

static PyObject *
count_lines_ok(PyObject *self, PyObject *obj)
{
    char *buf, *copy;
    Py_ssize_t len, i, lines = 0;

    if (PyBytes_AsStringAndSize(obj, &buf, &len) < 0)
        return NULL;
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, buf, len + 1);
    for (i = 0; i < len; i++)
        lines += copy[i] == '\n';
    if (len > 0 && copy[len - 1] != '\n')
        lines++;
    PyMem_Free(copy); // no-warning: the copy
    return PyLong_FromSsize_t(lines);
}

/* ---- PyByteArray_AsString ---- */

static PyObject *
bytearray_zero(PyObject *self, PyObject *obj)
{
    char *data;
    Py_ssize_t n;

    if (!PyByteArray_Check(obj)) {
        PyErr_SetString(PyExc_TypeError, "expected bytearray");
        return NULL;
    }
    n = PyByteArray_Size(obj);
    data = PyByteArray_AsString(obj);
    memset(data, 0, n);
    if (PyByteArray_Resize(obj, 0) < 0)
        return NULL;
    PyMem_Free(data); // expected-warning {{[PML012]}}
    Py_RETURN_NONE;
}

/* ---- PyByteArray_AS_STRING ---- */

static PyObject *
bytearray_strip(PyObject *self, PyObject *obj)
{
    char *data;
    Py_ssize_t n, start = 0, stop;
    PyObject *result;

    if (!PyByteArray_Check(obj)) {
        PyErr_SetString(PyExc_TypeError, "expected bytearray");
        return NULL;
    }
    data = PyByteArray_AS_STRING(obj);
    n = PyByteArray_GET_SIZE(obj);
    stop = n;
    while (start < stop && data[start] == ' ')
        start++;
    while (stop > start && data[stop - 1] == ' ')
        stop--;
    result = PyByteArray_FromStringAndSize(data + start, stop - start);
    PyObject_Free(data); // expected-warning {{[PML012]}}
    return result;
}

static PyObject *
bytearray_strip_ok(PyObject *self, PyObject *obj)
{
    const char *data;
    char *copy;
    Py_ssize_t n, start = 0, stop;
    PyObject *result;

    if (!PyByteArray_Check(obj)) {
        PyErr_SetString(PyExc_TypeError, "expected bytearray");
        return NULL;
    }
    n = PyByteArray_GET_SIZE(obj);
    copy = PyObject_Malloc(n + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    data = PyByteArray_AS_STRING(obj);
    memcpy(copy, data, n);
    stop = n;
    while (start < stop && copy[start] == ' ')
        start++;
    while (stop > start && copy[stop - 1] == ' ')
        stop--;
    result = PyByteArray_FromStringAndSize(copy + start, stop - start);
    PyObject_Free(copy); // no-warning: a PyObject_Malloc block
    return result;
}

static PyMethodDef unicode_bytes_methods[] = {
    {"count_char", count_char, METH_VARARGS, NULL},
    {"count_char_ok", count_char_ok, METH_VARARGS, NULL},
    {"env_flag", env_flag, METH_O, NULL},
    {"utf8_length", utf8_length, METH_O, NULL},
    {"reversed_utf8", reversed_utf8, METH_O, NULL},
    {"bytes_checksum", bytes_checksum, METH_O, NULL},
    {"bytes_title", bytes_title, METH_O, NULL},
    {"fill_pattern", fill_pattern, METH_VARARGS, NULL},
    {"header_name", header_name, METH_O, NULL},
    {"count_lines", count_lines, METH_O, NULL},
    {"count_lines_ok", count_lines_ok, METH_O, NULL},
    {"bytearray_zero", bytearray_zero, METH_O, NULL},
    {"bytearray_strip", bytearray_strip, METH_O, NULL},
    {"bytearray_strip_ok", bytearray_strip_ok, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef unicode_bytes_module = {
    PyModuleDef_HEAD_INIT, "unicode_bytes", NULL, -1, unicode_bytes_methods,
};

PyMODINIT_FUNC
PyInit_unicode_bytes(void)
{
    return PyModule_Create(&unicode_bytes_module);
}
