/*
 * numfmt.c -- number formatting helpers: digit grouping, hex dumps,
 * padding, parsing.
 * Tests: PML008 (PyInit_numfmt returns NULL after PyMem_Malloc failure),
 * PML009 (n * 3 + n / width + 2 unguarded), PML012 (PyMem_Free of a
 * PyBytes_AsString pointer), PML006 (padding buffer never freed), PML002
 * (PyObject_Malloc block released with free()), PML011 (PyMem_Free of a
 * stack array).
 * Negatives: len + len / 3 + 1 (no multiplication), PyOS_double_to_string
 * released with PyMem_Free, width bounded by 1024 before allocation.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *group_sep = NULL;      /* heap, set at import */

static PyObject *
numfmt_group(PyObject *module, PyObject *arg)
{
    PyObject *str, *res;
    const char *s;
    Py_ssize_t len, i, j = 0, lead;
    char *out;

    if (!PyLong_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "expected int");
        return NULL;
    }
    str = PyObject_Str(arg);
    if (str == NULL)
        return NULL;
    s = PyUnicode_AsUTF8AndSize(str, &len);
    if (s == NULL) {
        Py_DECREF(str);
        return NULL;
    }
    lead = (s[0] == '-') ? 1 : 0;
    out = PyMem_Malloc(len + len / 3 + 1); // no-warning: no multiplication in the size
    if (out == NULL) {
        Py_DECREF(str);
        return PyErr_NoMemory();
    }
    for (i = 0; i < len; i++) {
        if (i > lead && (len - i) % 3 == 0)
            out[j++] = group_sep[0];
        out[j++] = s[i];
    }
    res = PyUnicode_FromStringAndSize(out, j);
    PyMem_Free(out);
    Py_DECREF(str);
    return res;
}

static PyObject *
numfmt_hexdump(PyObject *module, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t width = 16, n, i, j = 0;
    const unsigned char *p;
    char *out;
    PyObject *res;
    static const char hexdig[] = "0123456789abcdef";

    if (!PyArg_ParseTuple(args, "y*|n:hexdump", &view, &width))
        return NULL;
    if (width < 1) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "width must be positive");
        return NULL;
    }
    n = view.len;
    p = view.buf;
    out = PyMem_Malloc(n * 3 + n / width + 2); // expected-warning {{[PML009]}}
    if (out == NULL) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        out[j++] = hexdig[p[i] >> 4];
        out[j++] = hexdig[p[i] & 15];
        out[j++] = ((i + 1) % width == 0) ? '\n' : ' ';
    }
    PyBuffer_Release(&view);
    res = PyUnicode_FromStringAndSize(out, j);
    PyMem_Free(out);
    return res;
}

static PyObject *
numfmt_fixed(PyObject *module, PyObject *args)
{
    double x;
    int digits = 2;
    char *s;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "d|i:fixed", &x, &digits))
        return NULL;
    if (digits < 0 || digits > 40) {
        PyErr_SetString(PyExc_ValueError, "digits must be in 0..40");
        return NULL;
    }
    s = PyOS_double_to_string(x, 'f', digits, 0, NULL);
    if (s == NULL)
        return NULL;
    res = PyUnicode_FromString(s);
    PyMem_Free(s);
    return res;
}

static PyObject *
numfmt_parse(PyObject *module, PyObject *arg)
{
    char *s, *end;
    double v;

    s = PyBytes_AsString(arg);
    if (s == NULL)
        return NULL;
    v = PyOS_string_to_double(s, &end, PyExc_OverflowError);
    if (v == -1.0 && PyErr_Occurred())
        return NULL;
    if (*end != '\0') {
        PyErr_Format(PyExc_ValueError, "trailing characters: %.20s", end);
        return NULL;
    }
    PyMem_Free(s); // expected-warning {{[PML012]}}
    return PyFloat_FromDouble(v);
}

static PyObject *
numfmt_pad(PyObject *module, PyObject *args)
{
    const char *s;
    Py_ssize_t n, width;
    int fill = ' ';
    char *buf;

    if (!PyArg_ParseTuple(args, "s#n|C:pad", &s, &n, &width, &fill))
        return NULL;
    if (width > 1024 || fill > 127) {
        PyErr_SetString(PyExc_ValueError, "width > 1024 or non-ASCII fill");
        return NULL;
    }
    if (n >= width)
        return PyUnicode_FromStringAndSize(s, n);
    buf = PyMem_Malloc(width + 1); // expected-warning {{[PML006]}}
    if (buf == NULL)
        return PyErr_NoMemory();
    memset(buf, fill, width - n);
    memcpy(buf + (width - n), s, n);
    buf[width] = '\0';
    return PyUnicode_FromStringAndSize(buf, width);
}

static PyObject *
numfmt_rule(PyObject *module, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    char *buf;
    PyObject *res;

    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (n < 0 || n > 4096) {
        PyErr_SetString(PyExc_ValueError, "length must be in 0..4096");
        return NULL;
    }
    buf = PyObject_Malloc(n + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memset(buf, '-', n);
    res = PyUnicode_FromStringAndSize(buf, n);
    free(buf); // expected-warning {{[PML002]}}
    return res;
}

static PyObject *
numfmt_ordinal(PyObject *module, PyObject *arg)
{
    long v = PyLong_AsLong(arg);
    char buf[32];
    const char *suffix = "th";
    PyObject *res;

    if (v == -1 && PyErr_Occurred())
        return NULL;
    if (v < 0) {
        PyErr_SetString(PyExc_ValueError, "ordinal of a negative number");
        return NULL;
    }
    if (v % 100 < 11 || v % 100 > 13) {
        if (v % 10 == 1)
            suffix = "st";
        else if (v % 10 == 2)
            suffix = "nd";
        else if (v % 10 == 3)
            suffix = "rd";
    }
    snprintf(buf, sizeof(buf), "%ld%s", v, suffix);
    res = PyUnicode_FromString(buf);
    PyMem_Free(buf); // expected-warning {{[PML011]}}
    return res;
}

static PyMethodDef numfmt_methods[] = {
    {"group", numfmt_group, METH_O, NULL},
    {"hexdump", numfmt_hexdump, METH_VARARGS, NULL},
    {"fixed", numfmt_fixed, METH_VARARGS, NULL},
    {"parse", numfmt_parse, METH_O, NULL},
    {"pad", numfmt_pad, METH_VARARGS, NULL},
    {"rule", numfmt_rule, METH_O, NULL},
    {"ordinal", numfmt_ordinal, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef numfmt_module = {
    PyModuleDef_HEAD_INIT, "numfmt", NULL, -1, numfmt_methods,
};

PyMODINIT_FUNC
PyInit_numfmt(void)
{
    PyObject *m;

    if (group_sep == NULL) {
        group_sep = PyMem_Malloc(4);
        if (group_sep == NULL)
            return NULL; // expected-warning {{[PML008]}}
        strcpy(group_sep, ",");
    }
    m = PyModule_Create(&numfmt_module);
    if (m == NULL)
        return NULL;
    return m;
}
