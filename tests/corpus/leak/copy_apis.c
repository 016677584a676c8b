/*
 * leak/copy_apis.c - PML006: CPython and C functions that only copy a
 * buffer (PyBytes_FromStringAndSize, PyUnicode_FromString, Py_BuildValue,
 * PyLong_FromString, PyUnicode_DecodeUTF8, memcpy, printf, ...) do not
 * take ownership, so a block passed only to them and not released leaks.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ---- PyUnicode_FromString ---- */

static PyObject *
strip_newline(PyObject *self, PyObject *args)
{
    const char *line;
    Py_ssize_t len;
    char *copy;

    if (!PyArg_ParseTuple(args, "s#:strip_newline", &line, &len))
        return NULL;
    copy = PyMem_Malloc(len + 1); // expected-warning {{[PML006]}}
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, line, len + 1);
    if (len > 0 && copy[len - 1] == '\n')
        copy[len - 1] = '\0';
    return PyUnicode_FromString(copy);
}

static PyObject *
strip_newline_ok(PyObject *self, PyObject *args)
{
    const char *line;
    Py_ssize_t len;
    char *copy;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:strip_newline_ok", &line, &len))
        return NULL;
    copy = PyMem_Malloc(len + 1); // no-warning: released after the copy
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, line, len + 1);
    if (len > 0 && copy[len - 1] == '\n')
        copy[len - 1] = '\0';
    result = PyUnicode_FromString(copy);
    PyMem_Free(copy);
    return result;
}

/* ---- Py_BuildValue ---- */

static PyObject *
key_value(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:key_value", &text, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1); // expected-warning {{[PML006]}}
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, text, len + 1);
    for (i = 0; i < len && buf[i] != ':'; i++)
        ;
    if (i < len)
        buf[i] = '\0';
    result = Py_BuildValue("(s#s)", buf, i, i < len ? buf + i + 1 : "");
    return result;
}

static PyObject *
key_value_ok(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:key_value_ok", &text, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1); // no-warning: Py_BuildValue copied it, then released
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, text, len + 1);
    for (i = 0; i < len && buf[i] != ':'; i++)
        ;
    if (i < len)
        buf[i] = '\0';
    result = Py_BuildValue("(s#s)", buf, i, i < len ? buf + i + 1 : "");
    PyMem_Free(buf);
    return result;
}

/* ---- PyLong_FromString ---- */

static PyObject *
parse_grouped(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, n = 0;
    char *digits;

    if (!PyArg_ParseTuple(args, "s#:parse_grouped", &text, &len))
        return NULL;
    digits = PyMem_Malloc(len + 1); // expected-warning {{[PML006]}}
    if (digits == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (text[i] != ',')
            digits[n++] = text[i];
    }
    digits[n] = '\0';
    return PyLong_FromString(digits, NULL, 10);
}

static PyObject *
parse_grouped_ok(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, n = 0;
    char *digits;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:parse_grouped_ok", &text, &len))
        return NULL;
    digits = PyMem_Malloc(len + 1); // no-warning: released after parsing
    if (digits == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (text[i] != ',')
            digits[n++] = text[i];
    }
    digits[n] = '\0';
    result = PyLong_FromString(digits, NULL, 10);
    PyMem_Free(digits);
    return result;
}

/* ---- PyUnicode_DecodeUTF8 ---- */

static PyObject *
decode_unescaped(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i, n = 0;
    char *out;

    if (!PyArg_ParseTuple(args, "y#:decode_unescaped", &data, &len))
        return NULL;
    out = PyObject_Malloc(len + 1); // expected-warning {{[PML006]}}
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (data[i] == '\\' && i + 1 < len)
            i++;
        out[n++] = data[i];
    }
    return PyUnicode_DecodeUTF8(out, n, "replace");
}

static PyObject *
decode_unescaped_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i, n = 0;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:decode_unescaped_ok", &data, &len))
        return NULL;
    out = PyObject_Malloc(len + 1); // no-warning: released after decoding
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (data[i] == '\\' && i + 1 < len)
            i++;
        out[n++] = data[i];
    }
    result = PyUnicode_DecodeUTF8(out, n, "replace");
    PyObject_Free(out);
    return result;
}

/* ---- PyBytes_FromString, libc block ---- */

static PyObject *
c_string(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *z;

    if (!PyArg_ParseTuple(args, "y#:c_string", &data, &len))
        return NULL;
    z = calloc(len + 1, 1); // expected-warning {{[PML006]}}
    if (z == NULL)
        return PyErr_NoMemory();
    memcpy(z, data, len);
    return PyBytes_FromString(z);
}

static PyObject *
c_string_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *z;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:c_string_ok", &data, &len))
        return NULL;
    z = calloc(len + 1, 1); // no-warning: freed after the copy
    if (z == NULL)
        return PyErr_NoMemory();
    memcpy(z, data, len);
    result = PyBytes_FromString(z);
    free(z);
    return result;
}

/* ---- memcpy into another block ---- */

static PyObject *
double_up(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *src, *dst;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:double_up", &data, &len))
        return NULL;
    if (len > PY_SSIZE_T_MAX / 2 - 1)
        return PyErr_NoMemory();
    src = PyMem_Malloc(len + 1); // expected-warning {{[PML006]}}
    if (src == NULL)
        return PyErr_NoMemory();
    memcpy(src, data, len);
    dst = PyMem_Malloc(len + len + 1); // no-warning: released at the end
    if (dst == NULL) {
        PyMem_Free(src);
        return PyErr_NoMemory();
    }
    memcpy(dst, src, len);
    memcpy(dst + len, src, len);
    result = PyBytes_FromStringAndSize(dst, len + len);
    PyMem_Free(dst);
    return result;
}

/* ---- printf in a void helper ---- */

static void
warn_line(const char *file, long lineno)
{
    char *msg = PyMem_RawMalloc(strlen(file) + 32); // expected-warning {{[PML006]}}

    if (msg == NULL)
        return;
    sprintf(msg, "%s:%ld: warning", file, lineno);
    printf("%s\n", msg);
}

static void
warn_line_ok(const char *file, long lineno)
{
    char *msg = PyMem_RawMalloc(strlen(file) + 32); // no-warning: released after printing

    if (msg == NULL)
        return;
    sprintf(msg, "%s:%ld: warning", file, lineno);
    printf("%s\n", msg);
    PyMem_RawFree(msg);
}

static PyObject *
warn(PyObject *self, PyObject *args)
{
    const char *file;
    long lineno;

    if (!PyArg_ParseTuple(args, "sl:warn", &file, &lineno))
        return NULL;
    warn_line(file, lineno);
    warn_line_ok(file, lineno);
    Py_RETURN_NONE;
}

/* ---- PyUnicode_FromStringAndSize, returns True/False ---- */

static PyObject *
is_title(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    char *t;
    PyObject *u;
    int same;

    if (!PyArg_ParseTuple(args, "s#:is_title", &text, &len))
        return NULL;
    t = PyMem_Malloc(len + 1); // expected-warning {{[PML006]}}
    if (t == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        t[i] = (i == 0 || text[i - 1] == ' ') ? Py_TOUPPER(text[i]) : Py_TOLOWER(text[i]);
    u = PyUnicode_FromStringAndSize(t, len);
    if (u == NULL) {
        PyMem_Free(t);
        return NULL;
    }
    same = PyUnicode_CompareWithASCIIString(u, text) == 0;
    Py_DECREF(u);
    return PyBool_FromLong(same);
}

static PyMethodDef copy_apis_methods[] = {
    {"strip_newline", strip_newline, METH_VARARGS, NULL},
    {"strip_newline_ok", strip_newline_ok, METH_VARARGS, NULL},
    {"key_value", key_value, METH_VARARGS, NULL},
    {"key_value_ok", key_value_ok, METH_VARARGS, NULL},
    {"parse_grouped", parse_grouped, METH_VARARGS, NULL},
    {"parse_grouped_ok", parse_grouped_ok, METH_VARARGS, NULL},
    {"decode_unescaped", decode_unescaped, METH_VARARGS, NULL},
    {"decode_unescaped_ok", decode_unescaped_ok, METH_VARARGS, NULL},
    {"c_string", c_string, METH_VARARGS, NULL},
    {"c_string_ok", c_string_ok, METH_VARARGS, NULL},
    {"double_up", double_up, METH_VARARGS, NULL},
    {"warn", warn, METH_VARARGS, NULL},
    {"is_title", is_title, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef copy_apis_module = {
    PyModuleDef_HEAD_INIT, "copy_apis", NULL, -1, copy_apis_methods,
};

PyMODINIT_FUNC
PyInit_copy_apis(void)
{
    return PyModule_Create(&copy_apis_module);
}
