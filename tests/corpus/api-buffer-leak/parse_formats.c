/*
 * api-buffer-leak/parse_formats.c - PML013 for PyArg_ParseTuple,
 * PyArg_ParseTupleAndKeywords and PyArg_Parse: the "es", "et", "es#" and
 * "et#" converters store a PyMem_Malloc buffer in their char** argument,
 * which the caller must PyMem_Free. A leak (on a normal path, an error
 * path, or through an error label that does not release it) is reported
 * on the line where the parsing call starts; a release with the wrong
 * family on the release call. "s#", "y#" and friends hand over nothing,
 * and when the parse itself fails there is nothing to release.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- "es" never released ---- */

static PyObject *
path_exists(PyObject *self, PyObject *args)
{
    char *path = NULL;
    FILE *fp;

    if (!PyArg_ParseTuple(args, "es:path_exists", "utf-8", &path)) // expected-warning {{[PML013]}}
        return NULL;
    fp = fopen(path, "rb");
    if (fp == NULL)
        Py_RETURN_FALSE;
    fclose(fp);
    Py_RETURN_TRUE;
}

static PyObject *
path_exists_ok(PyObject *self, PyObject *args)
{
    char *path = NULL;
    FILE *fp;

    if (!PyArg_ParseTuple(args, "es:path_exists_ok", "utf-8", &path)) // no-warning: nothing to release if the parse fails
        return NULL;
    fp = fopen(path, "rb");
    PyMem_Free(path);
    if (fp == NULL)
        Py_RETURN_FALSE;
    fclose(fp);
    Py_RETURN_TRUE;
}

/* ---- "et#" never released ---- */

static PyObject *
latin1_checksum(PyObject *self, PyObject *args)
{
    char *buf = NULL;
    Py_ssize_t len, i;
    unsigned long sum = 0;

    if (!PyArg_ParseTuple(args, "et#:latin1_checksum", "latin-1", &buf, &len)) // expected-warning {{[PML013]}}
        return NULL;
    for (i = 0; i < len; i++)
        sum = (sum + (unsigned char)buf[i]) % 65521;
    return PyLong_FromUnsignedLong(sum);
}

/* ---- "s#" and "y#" hand over nothing ---- */

static PyObject *
utf8_checksum(PyObject *self, PyObject *args)
{
    const char *buf;
    Py_ssize_t len, i;
    unsigned long sum = 0;

    if (!PyArg_ParseTuple(args, "s#:utf8_checksum", &buf, &len)) // no-warning: "s#" hands over no buffer
        return NULL;
    for (i = 0; i < len; i++)
        sum = (sum + (unsigned char)buf[i]) % 65521;
    return PyLong_FromUnsignedLong(sum);
}

static PyObject *
bytes_checksum(PyObject *self, PyObject *args)
{
    const char *buf;
    Py_ssize_t len, i;
    unsigned long sum = 0;

    if (!PyArg_ParseTuple(args, "y#:bytes_checksum", &buf, &len)) // no-warning: "y#" hands over no buffer
        return NULL;
    for (i = 0; i < len; i++)
        sum = (sum + (unsigned char)buf[i]) % 65521;
    return PyLong_FromUnsignedLong(sum);
}

/* ---- "es#" leaked on an error path after parsing ---- */

static PyObject *
byte_at(PyObject *self, PyObject *args)
{
    char *buf = NULL;
    Py_ssize_t len, index;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "es#n:byte_at", "ascii", &buf, &len, &index)) // expected-warning {{[PML013]}}
        return NULL;
    if (index < 0 || index >= len) {
        PyErr_SetString(PyExc_IndexError, "index out of range");
        return NULL;
    }
    result = PyLong_FromLong((unsigned char)buf[index]);
    PyMem_Free(buf);
    return result;
}

static PyObject *
byte_at_ok(PyObject *self, PyObject *args)
{
    char *buf = NULL;
    Py_ssize_t len, index;
    PyObject *result = NULL;

    if (!PyArg_ParseTuple(args, "es#n:byte_at_ok", "ascii", &buf, &len, &index)) // no-warning: released at 'done'
        return NULL;
    if (index < 0 || index >= len) {
        PyErr_SetString(PyExc_IndexError, "index out of range");
        goto done;
    }
    result = PyLong_FromLong((unsigned char)buf[index]);
done:
    PyMem_Free(buf);
    return result;
}

/* ---- "es" leaked through an error label that does not release it ---- */

static PyObject *
keyed_pair(PyObject *self, PyObject *args)
{
    char *key = NULL;
    PyObject *value, *k = NULL, *result;

    if (!PyArg_ParseTuple(args, "esO:keyed_pair", "utf-8", &key, &value)) // expected-warning {{[PML013]}}
        return NULL;
    k = PyBytes_FromString(key);
    if (k == NULL)
        goto error;
    result = PyTuple_Pack(2, k, value);
    if (result == NULL)
        goto error;
    Py_DECREF(k);
    PyMem_Free(key);
    return result;

error:
    Py_XDECREF(k);
    return NULL;
}

static PyObject *
keyed_pair_ok(PyObject *self, PyObject *args)
{
    char *key = NULL;
    PyObject *value, *k = NULL, *result;

    if (!PyArg_ParseTuple(args, "esO:keyed_pair_ok", "utf-8", &key, &value)) // no-warning: the error label releases it
        return NULL;
    k = PyBytes_FromString(key);
    if (k == NULL)
        goto error;
    result = PyTuple_Pack(2, k, value);
    if (result == NULL)
        goto error;
    Py_DECREF(k);
    PyMem_Free(key);
    return result;

error:
    Py_XDECREF(k);
    PyMem_Free(key);
    return NULL;
}

/* ---- PyArg_ParseTupleAndKeywords with "es|i" ---- */

static PyObject *
banner(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"text", "width", NULL};
    char *text = NULL;
    int width = 40;
    size_t n, pad;
    char *line;
    PyObject *result;

    // expected-warning@+1 {{[PML013]}}
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "es|i:banner", kwlist,
                                     "utf-8", &text, &width))
        return NULL;
    if (width < 0 || width > 200) {
        PyErr_SetString(PyExc_ValueError, "width must be in 0..200");
        return NULL;
    }
    n = strlen(text);
    pad = n < (size_t)width ? ((size_t)width - n) / 2 : 0;
    line = PyMem_Malloc(pad + n + 1);
    if (line == NULL)
        return PyErr_NoMemory();
    memset(line, ' ', pad);
    memcpy(line + pad, text, n + 1);
    result = PyUnicode_FromString(line);
    PyMem_Free(line);
    return result;
}

static PyObject *
banner_ok(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"text", "width", NULL};
    char *text = NULL;
    int width = 40;
    size_t n, pad;
    char *line;
    PyObject *result;

    // no-warning: (the call below) released on every path
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "es|i:banner_ok", kwlist,
                                     "utf-8", &text, &width))
        return NULL;
    if (width < 0 || width > 200) {
        PyMem_Free(text);
        PyErr_SetString(PyExc_ValueError, "width must be in 0..200");
        return NULL;
    }
    n = strlen(text);
    pad = n < (size_t)width ? ((size_t)width - n) / 2 : 0;
    line = PyMem_Malloc(pad + n + 1);
    if (line == NULL) {
        PyMem_Free(text);
        return PyErr_NoMemory();
    }
    memset(line, ' ', pad);
    memcpy(line + pad, text, n + 1);
    PyMem_Free(text);
    result = PyUnicode_FromString(line);
    PyMem_Free(line);
    return result;
}

/* ---- PyArg_Parse with "et" ---- */

static PyObject *
ascii_upper(PyObject *self, PyObject *arg)
{
    char *s = NULL;
    size_t i;

    if (!PyArg_Parse(arg, "et:ascii_upper", "ascii", &s)) // expected-warning {{[PML013]}}
        return NULL;
    for (i = 0; s[i] != '\0'; i++)
        s[i] = Py_TOUPPER(s[i]);
    return PyBytes_FromString(s);
}

static PyObject *
ascii_upper_ok(PyObject *self, PyObject *arg)
{
    char *s = NULL;
    size_t i;
    PyObject *result;

    if (!PyArg_Parse(arg, "et:ascii_upper_ok", "ascii", &s)) // no-warning: released after the copy
        return NULL;
    for (i = 0; s[i] != '\0'; i++)
        s[i] = Py_TOUPPER(s[i]);
    result = PyBytes_FromString(s);
    PyMem_Free(s);
    return result;
}

/* ---- released with the wrong family ---- */

static PyObject *
encoded_length(PyObject *self, PyObject *args)
{
    char *s = NULL;
    size_t n;

    if (!PyArg_ParseTuple(args, "es:encoded_length", "utf-8", &s))
        return NULL;
    n = strlen(s);
    PyMem_RawFree(s); // expected-warning {{[PML013]}}
    return PyLong_FromSize_t(n);
}

static PyObject *
count_nul(PyObject *self, PyObject *args)
{
    char *buf = NULL;
    Py_ssize_t len, i, nul = 0;

    if (!PyArg_ParseTuple(args, "es#:count_nul", "utf-16", &buf, &len))
        return NULL;
    for (i = 0; i < len; i++)
        nul += buf[i] == '\0';
    free(buf); // expected-warning {{[PML013]}}
    return PyLong_FromSsize_t(nul);
}

static PyObject *
count_nul_ok(PyObject *self, PyObject *args)
{
    char *buf = NULL;
    Py_ssize_t len, i, nul = 0;

    if (!PyArg_ParseTuple(args, "es#:count_nul_ok", "utf-16", &buf, &len))
        return NULL;
    for (i = 0; i < len; i++)
        nul += buf[i] == '\0';
    PyMem_Free(buf); // no-warning: PyMem_Free is the right family
    return PyLong_FromSsize_t(nul);
}

static PyMethodDef parse_formats_methods[] = {
    {"path_exists", path_exists, METH_VARARGS, NULL},
    {"path_exists_ok", path_exists_ok, METH_VARARGS, NULL},
    {"latin1_checksum", latin1_checksum, METH_VARARGS, NULL},
    {"utf8_checksum", utf8_checksum, METH_VARARGS, NULL},
    {"bytes_checksum", bytes_checksum, METH_VARARGS, NULL},
    {"byte_at", byte_at, METH_VARARGS, NULL},
    {"byte_at_ok", byte_at_ok, METH_VARARGS, NULL},
    {"keyed_pair", keyed_pair, METH_VARARGS, NULL},
    {"keyed_pair_ok", keyed_pair_ok, METH_VARARGS, NULL},
    {"banner", (PyCFunction)(void (*)(void))banner, METH_VARARGS | METH_KEYWORDS, NULL},
    {"banner_ok", (PyCFunction)(void (*)(void))banner_ok, METH_VARARGS | METH_KEYWORDS, NULL},
    {"ascii_upper", ascii_upper, METH_O, NULL},
    {"ascii_upper_ok", ascii_upper_ok, METH_O, NULL},
    {"encoded_length", encoded_length, METH_VARARGS, NULL},
    {"count_nul", count_nul, METH_VARARGS, NULL},
    {"count_nul_ok", count_nul_ok, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef parse_formats_module = {
    PyModuleDef_HEAD_INIT, "parse_formats", NULL, -1, parse_formats_methods,
};

PyMODINIT_FUNC
PyInit_parse_formats(void)
{
    return PyModule_Create(&parse_formats_module);
}
