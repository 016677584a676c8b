/*
 * api-buffer-leak/conversions.c - PML013: buffers that a CPython API
 * function allocates and hands to the caller - PyUnicode_AsWideCharString,
 * PyUnicode_AsUCS4Copy, Py_EncodeLocale, PyOS_double_to_string,
 * _PyMem_Strdup (release with PyMem_Free), Py_DecodeLocale and
 * _PyMem_RawStrdup (release with PyMem_RawFree) - leaked on an error
 * path or a normal path (finding on the API call), or released with the
 * wrong deallocator (finding on the release call, and no PML002). Each
 * positive has a correct twin (..._ok) that must stay silent.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

/* ---- PyUnicode_AsWideCharString leaked on an error path ---- */

static PyObject *
wide_strcoll(PyObject *self, PyObject *args)
{
    PyObject *a, *b;
    wchar_t *wa, *wb;
    int r;

    if (!PyArg_ParseTuple(args, "UU:wide_strcoll", &a, &b))
        return NULL;
    wa = PyUnicode_AsWideCharString(a, NULL); // expected-warning {{[PML013]}}
    if (wa == NULL)
        return NULL;
    wb = PyUnicode_AsWideCharString(b, NULL); // no-warning: released below
    if (wb == NULL)
        return NULL;
    r = wcscoll(wa, wb);
    PyMem_Free(wb);
    PyMem_Free(wa);
    return PyLong_FromLong(r);
}

static PyObject *
wide_strcoll_ok(PyObject *self, PyObject *args)
{
    PyObject *a, *b, *result = NULL;
    wchar_t *wa = NULL, *wb = NULL;

    if (!PyArg_ParseTuple(args, "UU:wide_strcoll_ok", &a, &b))
        return NULL;
    wa = PyUnicode_AsWideCharString(a, NULL); // no-warning: released at 'done'
    if (wa == NULL)
        goto done;
    wb = PyUnicode_AsWideCharString(b, NULL); // no-warning: released at 'done'
    if (wb == NULL)
        goto done;
    result = PyLong_FromLong(wcscoll(wa, wb));
done:
    PyMem_Free(wa);
    PyMem_Free(wb);
    return result;
}

/* ---- PyUnicode_AsWideCharString leaked on the normal path ---- */

static PyObject *
wide_strxfrm(PyObject *self, PyObject *text)
{
    wchar_t *s, *buf;
    size_t n;
    PyObject *result;

    s = PyUnicode_AsWideCharString(text, NULL); // expected-warning {{[PML013]}}
    if (s == NULL)
        return NULL;
    n = wcsxfrm(NULL, s, 0) + 1;
    buf = PyMem_New(wchar_t, n);
    if (buf == NULL) {
        PyMem_Free(s);
        return PyErr_NoMemory();
    }
    wcsxfrm(buf, s, n);
    result = PyUnicode_FromWideChar(buf, -1);
    PyMem_Free(buf);
    return result;
}

static PyObject *
wide_strxfrm_ok(PyObject *self, PyObject *text)
{
    wchar_t *s, *buf;
    size_t n;
    PyObject *result;

    s = PyUnicode_AsWideCharString(text, NULL); // no-warning: released on both paths
    if (s == NULL)
        return NULL;
    n = wcsxfrm(NULL, s, 0) + 1;
    buf = PyMem_New(wchar_t, n);
    if (buf == NULL) {
        PyMem_Free(s);
        return PyErr_NoMemory();
    }
    wcsxfrm(buf, s, n);
    PyMem_Free(s);
    result = PyUnicode_FromWideChar(buf, -1);
    PyMem_Free(buf);
    return result;
}

/* ---- PyUnicode_AsWideCharString released with the wrong family ---- */

static PyObject *
wide_count_spaces(PyObject *self, PyObject *text)
{
    wchar_t *w;
    Py_ssize_t n, i, spaces = 0;

    w = PyUnicode_AsWideCharString(text, &n);
    if (w == NULL)
        return NULL;
    for (i = 0; i < n; i++)
        spaces += iswspace((wint_t)w[i]) != 0;
    PyMem_RawFree(w); // expected-warning {{[PML013]}}
    return PyLong_FromSsize_t(spaces);
}

static PyObject *
wide_count_upper(PyObject *self, PyObject *text)
{
    wchar_t *w;
    Py_ssize_t n, i, upper = 0;

    w = PyUnicode_AsWideCharString(text, &n);
    if (w == NULL)
        return NULL;
    for (i = 0; i < n; i++)
        upper += iswupper((wint_t)w[i]) != 0;
    free(w); // expected-warning {{[PML013]}}
    return PyLong_FromSsize_t(upper);
}

static PyObject *
wide_count_spaces_ok(PyObject *self, PyObject *text)
{
    wchar_t *w;
    Py_ssize_t n, i, spaces = 0;

    w = PyUnicode_AsWideCharString(text, &n);
    if (w == NULL)
        return NULL;
    for (i = 0; i < n; i++)
        spaces += iswspace((wint_t)w[i]) != 0;
    PyMem_Free(w); // no-warning: PyMem_Free is the right family
    return PyLong_FromSsize_t(spaces);
}

/* ---- Py_DecodeLocale ---- */

static PyObject *
decode_locale(PyObject *self, PyObject *args)
{
    const char *raw;
    size_t size;
    wchar_t *w;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y:decode_locale", &raw))
        return NULL;
    w = Py_DecodeLocale(raw, &size);
    if (w == NULL) {
        if (size == (size_t)-2)
            PyErr_SetString(PyExc_ValueError, "undecodable bytes in the locale encoding");
        else
            PyErr_NoMemory();
        return NULL;
    }
    result = PyUnicode_FromWideChar(w, (Py_ssize_t)size);
    PyMem_Free(w); // expected-warning {{[PML013]}}
    return result;
}

static PyObject *
decode_locale_ok(PyObject *self, PyObject *args)
{
    const char *raw;
    size_t size;
    wchar_t *w;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y:decode_locale_ok", &raw))
        return NULL;
    w = Py_DecodeLocale(raw, &size);
    if (w == NULL) {
        if (size == (size_t)-2)
            PyErr_SetString(PyExc_ValueError, "undecodable bytes in the locale encoding");
        else
            PyErr_NoMemory();
        return NULL;
    }
    result = PyUnicode_FromWideChar(w, (Py_ssize_t)size);
    PyMem_RawFree(w); // no-warning: Py_DecodeLocale needs PyMem_RawFree
    return result;
}

static PyObject *
decode_env_path(PyObject *self, PyObject *args)
{
    const char *name, *value;
    size_t size;
    wchar_t *w;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s:decode_env_path", &name))
        return NULL;
    value = getenv(name);
    if (value == NULL)
        Py_RETURN_NONE;
    w = Py_DecodeLocale(value, &size); // expected-warning {{[PML013]}}
    if (w == NULL) {
        if (size == (size_t)-2)
            PyErr_SetString(PyExc_ValueError, "undecodable environment value");
        else
            PyErr_NoMemory();
        return NULL;
    }
    if (size > 4096) {
        PyErr_SetString(PyExc_ValueError, "path in the environment is too long");
        return NULL;
    }
    result = PyUnicode_FromWideChar(w, (Py_ssize_t)size);
    PyMem_RawFree(w);
    return result;
}

static PyObject *
decode_env_path_ok(PyObject *self, PyObject *args)
{
    const char *name, *value;
    size_t size;
    wchar_t *w;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s:decode_env_path_ok", &name))
        return NULL;
    value = getenv(name);
    if (value == NULL)
        Py_RETURN_NONE;
    w = Py_DecodeLocale(value, &size); // no-warning: released on both paths
    if (w == NULL) {
        if (size == (size_t)-2)
            PyErr_SetString(PyExc_ValueError, "undecodable environment value");
        else
            PyErr_NoMemory();
        return NULL;
    }
    if (size > 4096) {
        PyMem_RawFree(w);
        PyErr_SetString(PyExc_ValueError, "path in the environment is too long");
        return NULL;
    }
    result = PyUnicode_FromWideChar(w, (Py_ssize_t)size);
    PyMem_RawFree(w);
    return result;
}

/* ---- Py_EncodeLocale ---- */

static PyObject *
encode_locale(PyObject *self, PyObject *text)
{
    wchar_t *w;
    char *s;
    size_t err;

    w = PyUnicode_AsWideCharString(text, NULL); // no-warning: released below
    if (w == NULL)
        return NULL;
    s = Py_EncodeLocale(w, &err); // expected-warning {{[PML013]}}
    PyMem_Free(w);
    if (s == NULL) {
        if (err == (size_t)-1)
            return PyErr_NoMemory();
        PyErr_Format(PyExc_ValueError, "unencodable character at index %zu", err);
        return NULL;
    }
    return PyBytes_FromString(s);
}

static PyObject *
encode_locale_ok(PyObject *self, PyObject *text)
{
    wchar_t *w;
    char *s;
    size_t err;
    PyObject *result;

    w = PyUnicode_AsWideCharString(text, NULL); // no-warning: released below
    if (w == NULL)
        return NULL;
    s = Py_EncodeLocale(w, &err); // no-warning: released after the copy
    PyMem_Free(w);
    if (s == NULL) {
        if (err == (size_t)-1)
            return PyErr_NoMemory();
        PyErr_Format(PyExc_ValueError, "unencodable character at index %zu", err);
        return NULL;
    }
    result = PyBytes_FromString(s);
    PyMem_Free(s);
    return result;
}

/* ---- PyUnicode_AsUCS4Copy ---- */

static PyObject *
max_codepoint(PyObject *self, PyObject *text)
{
    Py_UCS4 *u;
    Py_ssize_t n, i;
    Py_UCS4 m = 0;

    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "expected str");
        return NULL;
    }
    n = PyUnicode_GET_LENGTH(text);
    u = PyUnicode_AsUCS4Copy(text); // expected-warning {{[PML013]}}
    if (u == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        if (u[i] > m)
            m = u[i];
    }
    return PyLong_FromUnsignedLong(m);
}

static PyObject *
max_codepoint_ok(PyObject *self, PyObject *text)
{
    Py_UCS4 *u;
    Py_ssize_t n, i;
    Py_UCS4 m = 0;

    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "expected str");
        return NULL;
    }
    n = PyUnicode_GET_LENGTH(text);
    u = PyUnicode_AsUCS4Copy(text); // no-warning: released after the scan
    if (u == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        if (u[i] > m)
            m = u[i];
    }
    PyMem_Free(u);
    return PyLong_FromUnsignedLong(m);
}

/* ---- PyOS_double_to_string ---- */

static PyObject *
float_repr(PyObject *self, PyObject *arg)
{
    double x = PyFloat_AsDouble(arg);
    char *s;

    if (x == -1.0 && PyErr_Occurred())
        return NULL;
    s = PyOS_double_to_string(x, 'r', 0, Py_DTSF_ADD_DOT_0, NULL); // expected-warning {{[PML013]}}
    if (s == NULL)
        return NULL;
    return PyUnicode_FromString(s);
}

static PyObject *
float_fixed(PyObject *self, PyObject *args)
{
    double x;
    int digits;
    char *s;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "di:float_fixed", &x, &digits))
        return NULL;
    if (digits < 0 || digits > 30) {
        PyErr_SetString(PyExc_ValueError, "digits must be in 0..30");
        return NULL;
    }
    s = PyOS_double_to_string(x, 'f', digits, 0, NULL);
    if (s == NULL)
        return NULL;
    result = PyUnicode_FromString(s);
    free(s); // expected-warning {{[PML013]}}
    return result;
}

static PyObject *
float_fixed_ok(PyObject *self, PyObject *args)
{
    double x;
    int digits;
    char *s;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "di:float_fixed_ok", &x, &digits))
        return NULL;
    if (digits < 0 || digits > 30) {
        PyErr_SetString(PyExc_ValueError, "digits must be in 0..30");
        return NULL;
    }
    s = PyOS_double_to_string(x, 'f', digits, 0, NULL); // no-warning: released below
    if (s == NULL)
        return NULL;
    result = PyUnicode_FromString(s);
    PyMem_Free(s); // no-warning: PyMem_Free is the right family
    return result;
}

/* ---- _PyMem_RawStrdup / _PyMem_Strdup ---- */

static PyObject *
raw_dup_length(PyObject *self, PyObject *args)
{
    const char *name;
    char *copy;
    size_t n;

    if (!PyArg_ParseTuple(args, "s:raw_dup_length", &name))
        return NULL;
    copy = _PyMem_RawStrdup(name);
    if (copy == NULL)
        return PyErr_NoMemory();
    n = strlen(copy);
    PyMem_Free(copy); // expected-warning {{[PML013]}}
    return PyLong_FromSize_t(n);
}

static PyObject *
raw_dup_length_ok(PyObject *self, PyObject *args)
{
    const char *name;
    char *copy;
    size_t n;

    if (!PyArg_ParseTuple(args, "s:raw_dup_length_ok", &name))
        return NULL;
    copy = _PyMem_RawStrdup(name);
    if (copy == NULL)
        return PyErr_NoMemory();
    n = strlen(copy);
    PyMem_RawFree(copy); // no-warning: _PyMem_RawStrdup needs PyMem_RawFree
    return PyLong_FromSize_t(n);
}

static PyObject *
dup_first_word(PyObject *self, PyObject *args)
{
    const char *text;
    char *copy, *sp;

    if (!PyArg_ParseTuple(args, "s:dup_first_word", &text))
        return NULL;
    copy = _PyMem_Strdup(text); // expected-warning {{[PML013]}}
    if (copy == NULL)
        return PyErr_NoMemory();
    sp = strchr(copy, ' ');
    if (sp != NULL)
        *sp = '\0';
    return PyUnicode_FromString(copy);
}

static PyMethodDef conversions_methods[] = {
    {"wide_strcoll", wide_strcoll, METH_VARARGS, NULL},
    {"wide_strcoll_ok", wide_strcoll_ok, METH_VARARGS, NULL},
    {"wide_strxfrm", wide_strxfrm, METH_O, NULL},
    {"wide_strxfrm_ok", wide_strxfrm_ok, METH_O, NULL},
    {"wide_count_spaces", wide_count_spaces, METH_O, NULL},
    {"wide_count_upper", wide_count_upper, METH_O, NULL},
    {"wide_count_spaces_ok", wide_count_spaces_ok, METH_O, NULL},
    {"decode_locale", decode_locale, METH_VARARGS, NULL},
    {"decode_locale_ok", decode_locale_ok, METH_VARARGS, NULL},
    {"decode_env_path", decode_env_path, METH_VARARGS, NULL},
    {"decode_env_path_ok", decode_env_path_ok, METH_VARARGS, NULL},
    {"encode_locale", encode_locale, METH_O, NULL},
    {"encode_locale_ok", encode_locale_ok, METH_O, NULL},
    {"max_codepoint", max_codepoint, METH_O, NULL},
    {"max_codepoint_ok", max_codepoint_ok, METH_O, NULL},
    {"float_repr", float_repr, METH_O, NULL},
    {"float_fixed", float_fixed, METH_VARARGS, NULL},
    {"float_fixed_ok", float_fixed_ok, METH_VARARGS, NULL},
    {"raw_dup_length", raw_dup_length, METH_VARARGS, NULL},
    {"raw_dup_length_ok", raw_dup_length_ok, METH_VARARGS, NULL},
    {"dup_first_word", dup_first_word, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef conversions_module = {
    PyModuleDef_HEAD_INIT, "conversions", NULL, -1, conversions_methods,
};

PyMODINIT_FUNC
PyInit_conversions(void)
{
    return PyModule_Create(&conversions_module);
}
