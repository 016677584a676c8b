/*
 * escape.c -- C / HTML / shell string escaping helpers.
 * Tests: PML012 (PyMem_Free of an "s" out-argument), PML011 (PyMem_Free of
 * copy + 1), PML005 (output buffer lost on an invalid-escape ValueError),
 * PML013 (_PyMem_RawStrdup copy released with PyMem_Free).
 * Negatives: len * 4 + 1 and len * 6 + 1 after PY_SSIZE_T_MAX / k guards,
 * a stack buffer that is only released when it was replaced by a heap one,
 * the static _PyMem_RawStrdup copy replaced and released with PyMem_RawFree.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static char *quote_chars = NULL;    /* _PyMem_RawStrdup copy, usable without the GIL */

static PyObject *
escape_c(PyObject *module, PyObject *arg)
{
    static const char hexdig[] = "0123456789abcdef";
    char stackbuf[256], *buf = stackbuf;
    const char *s;
    Py_ssize_t len, i, j = 0;
    PyObject *res;

    s = PyUnicode_AsUTF8AndSize(arg, &len);
    if (s == NULL)
        return NULL;
    if (len >= PY_SSIZE_T_MAX / 4)
        return PyErr_NoMemory();
    if (len * 4 + 1 > (Py_ssize_t)sizeof(stackbuf)) {
        buf = PyMem_Malloc(len * 4 + 1); // no-warning: len guarded against PY_SSIZE_T_MAX / 4
        if (buf == NULL)
            return PyErr_NoMemory();
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == '"') {
            buf[j++] = '\\';
            buf[j++] = (char)c;
        }
        else if (c < 0x20 || c == 0x7f) {
            buf[j++] = '\\';
            buf[j++] = 'x';
            buf[j++] = hexdig[c >> 4];
            buf[j++] = hexdig[c & 15];
        }
        else
            buf[j++] = (char)c;
    }
    res = PyUnicode_FromStringAndSize(buf, j);
    if (buf != stackbuf)
        PyMem_Free(buf); // no-warning: only reached when buf is the heap block
    return res;
}

static PyObject *
escape_html(PyObject *module, PyObject *arg)
{
    const char *s;
    Py_ssize_t len, i, j = 0;
    char *out;
    PyObject *res;

    s = PyUnicode_AsUTF8AndSize(arg, &len);
    if (s == NULL)
        return NULL;
    if (len >= PY_SSIZE_T_MAX / 6)
        return PyErr_NoMemory();
    out = PyMem_Malloc(len * 6 + 1); // no-warning: len guarded against PY_SSIZE_T_MAX / 6
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        }
        if (rep != NULL) {
            size_t rl = strlen(rep);
            memcpy(out + j, rep, rl);
            j += (Py_ssize_t)rl;
        }
        else
            out[j++] = s[i];
    }
    res = PyUnicode_FromStringAndSize(out, j);
    PyMem_Free(out);
    return res;
}

static PyObject *
escape_shell(PyObject *module, PyObject *args)
{
    const char *s;
    Py_ssize_t len, i, j = 0;
    char *out;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "s:shell", &s))
        return NULL;
    len = (Py_ssize_t)strlen(s);
    if (len >= PY_SSIZE_T_MAX / 4)
        return PyErr_NoMemory();
    out = PyMem_Malloc(len * 4 + 3);
    if (out == NULL)
        return PyErr_NoMemory();
    out[j++] = '\'';
    for (i = 0; i < len; i++) {
        if (s[i] == '\'') {
            memcpy(out + j, "'\\''", 4);
            j += 4;
        }
        else
            out[j++] = s[i];
    }
    out[j++] = '\'';
    res = PyUnicode_FromStringAndSize(out, j);
    PyMem_Free(out);
    PyMem_Free((void *)s); // expected-warning {{[PML012]}}
    return res;
}

static PyObject *
escape_strip_quotes(PyObject *module, PyObject *arg)
{
    const char *s;
    Py_ssize_t len;
    char *copy;
    PyObject *res;

    s = PyUnicode_AsUTF8AndSize(arg, &len);
    if (s == NULL)
        return NULL;
    if (len < 2 || s[0] != s[len - 1] || strchr(quote_chars ? quote_chars : "\"'", s[0]) == NULL)
        return Py_NewRef(arg);
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, s, len - 1);
    copy[len - 1] = '\0';
    res = PyUnicode_FromStringAndSize(copy + 1, len - 2);
    PyMem_Free(copy + 1); // expected-warning {{[PML011]}}
    return res;
}

static PyObject *
unescape_c(PyObject *module, PyObject *arg)
{
    const char *s;
    Py_ssize_t len, i, j = 0;
    char *out;
    PyObject *res;

    s = PyUnicode_AsUTF8AndSize(arg, &len);
    if (s == NULL)
        return NULL;
    out = PyMem_Malloc(len + 1); // expected-warning {{[PML005]}}
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (s[i] != '\\') {
            out[j++] = s[i];
            continue;
        }
        if (++i == len) {
            PyErr_SetString(PyExc_ValueError, "trailing backslash");
            return NULL;
        }
        switch (s[i]) {
        case 'n': out[j++] = '\n'; break;
        case 't': out[j++] = '\t'; break;
        default: out[j++] = s[i]; break;
        }
    }
    res = PyUnicode_FromStringAndSize(out, j);
    PyMem_Free(out);
    return res;
}

static PyObject *
escape_set_quote_chars(PyObject *module, PyObject *args)
{
    const char *s;
    char *copy, *old;

    if (!PyArg_ParseTuple(args, "s:set_quote_chars", &s))
        return NULL;
    copy = _PyMem_RawStrdup(s);
    if (copy == NULL)
        return PyErr_NoMemory();
    if (copy[0] == '\0' || strlen(copy) > 4) {
        PyErr_SetString(PyExc_ValueError, "expected 1 to 4 quote characters");
        PyMem_Free(copy); // expected-warning {{[PML013]}}
        return NULL;
    }
    old = quote_chars;
    quote_chars = copy;
    PyMem_RawFree(old); // no-warning: previous _PyMem_RawStrdup copy (or NULL)
    Py_RETURN_NONE;
}

static PyMethodDef escape_methods[] = {
    {"c", escape_c, METH_O, NULL},
    {"html", escape_html, METH_O, NULL},
    {"shell", escape_shell, METH_VARARGS, NULL},
    {"strip_quotes", escape_strip_quotes, METH_O, NULL},
    {"unescape_c", unescape_c, METH_O, NULL},
    {"set_quote_chars", escape_set_quote_chars, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef escape_module = {
    PyModuleDef_HEAD_INIT, "escape", NULL, -1, escape_methods,
};

PyMODINIT_FUNC
PyInit_escape(void)
{
    return PyModule_Create(&escape_module);
}
