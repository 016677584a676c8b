/*
 * locale_conv.c - locale helpers in the style of CPython's Modules/_localemodule.c
 *
 * What this file tests:
 *   PML013  buffers handed out by PyUnicode_AsWideCharString, Py_DecodeLocale
 *           and Py_EncodeLocale that leak or go back to the wrong allocator
 *   PML007  PyMem_Resize of the wcsxfrm buffer with no surviving copy
 *   PML009  unguarded n * sizeof(int) for the grouping table
 *   PML008  Python-facing impl returning NULL after a failed PyMem_Malloc
 * Negatives: strxfrm growth with the old block kept in `old`, Py_DecodeLocale
 * released with PyMem_RawFree, Py_EncodeLocale released with PyMem_Free.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <string.h>
#include <wchar.h>

/* ---- strxfrm: the embedded-NUL path leaks s, the growth loses buf ---- */

static PyObject *
_locale_strxfrm(PyObject *module, PyObject *str)
{
    Py_ssize_t n1;
    wchar_t *s = NULL, *buf = NULL;
    size_t n2;
    PyObject *result = NULL;

    s = PyUnicode_AsWideCharString(str, &n1); // expected-warning {{[PML013]}}
    if (s == NULL)
        return NULL;
    if (wcslen(s) != (size_t)n1) {
        PyErr_SetString(PyExc_ValueError, "embedded null character");
        return NULL;
    }

    /* assume no change in size, first */
    n1 = n1 + 1;
    buf = PyMem_New(wchar_t, n1);
    if (buf == NULL) {
        PyErr_NoMemory();
        goto exit;
    }
    errno = 0;
    n2 = wcsxfrm(buf, s, (size_t)n1);
    if (errno && errno != ERANGE) {
        PyErr_SetFromErrno(PyExc_OSError);
        goto exit;
    }
    if (n2 >= (size_t)n1) {
        /* more space needed */
        PyMem_Resize(buf, wchar_t, n2 + 1); // expected-warning {{[PML007]}}
        if (buf == NULL) {
            PyErr_NoMemory();
            goto exit;
        }
        errno = 0;
        n2 = wcsxfrm(buf, s, n2 + 1);
        if (errno) {
            PyErr_SetFromErrno(PyExc_OSError);
            goto exit;
        }
    }
    result = PyUnicode_FromWideChar(buf, (Py_ssize_t)n2);
exit:
    PyMem_Free(buf);
    PyMem_Free(s);
    return result;
}

/* ---- sort key: same algorithm done right, `old` survives the resize ---- */

static PyObject *
_locale_sortkey(PyObject *module, PyObject *str)
{
    Py_ssize_t len;
    wchar_t *s, *buf, *old;
    size_t need;
    PyObject *result;

    s = PyUnicode_AsWideCharString(str, &len);
    if (s == NULL)
        return NULL;
    buf = PyMem_New(wchar_t, len + 1);
    if (buf == NULL) {
        PyMem_Free(s);
        return PyErr_NoMemory();
    }
    need = wcsxfrm(buf, s, (size_t)len + 1);
    if (need >= (size_t)len + 1) {
        old = buf;
        PyMem_Resize(buf, wchar_t, need + 1); // no-warning: old still owns the block
        if (buf == NULL) {
            PyMem_Free(old);
            PyMem_Free(s);
            return PyErr_NoMemory();
        }
        need = wcsxfrm(buf, s, need + 1);
    }
    result = PyUnicode_FromWideChar(buf, (Py_ssize_t)need);
    PyMem_Free(buf);
    PyMem_Free(s);
    return result;
}

static PyObject *
grouping_to_list(const int *vals, size_t n)
{
    PyObject *list = PyList_New(0);
    size_t i;

    for (i = 0; list != NULL && i < n && vals[i] != CHAR_MAX; i++) {
        PyObject *v = PyLong_FromLong(vals[i]);
        if (v == NULL || PyList_Append(list, v) < 0)
            Py_CLEAR(list);
        Py_XDECREF(v);
    }
    return list;
}

static PyObject *
_locale_grouping_impl(PyObject *module)
{
    const char *g = localeconv()->grouping;
    size_t i, n = strlen(g);
    int *vals;
    PyObject *list;

    vals = PyMem_Malloc(n * sizeof(int)); // expected-warning {{[PML009]}}
    if (vals == NULL)
        return NULL; // expected-warning {{[PML008]}}
    for (i = 0; i < n; i++)
        vals[i] = (unsigned char)g[i];
    list = grouping_to_list(vals, n);
    PyMem_Free(vals);
    return list;
}

static PyObject *
_locale_grouping(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return _locale_grouping_impl(module);
}

static PyObject *
_locale_nl_langinfo(PyObject *module, PyObject *args)
{
    int item;
    const char *val;
    wchar_t *w;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "i:nl_langinfo", &item))
        return NULL;
    val = nl_langinfo(item);
    w = Py_DecodeLocale(val != NULL ? val : "", NULL);
    if (w == NULL)
        return PyErr_NoMemory();
    res = PyUnicode_FromWideChar(w, -1);
    PyMem_RawFree(w); // no-warning: raw family
    return res;
}

static PyObject *
_locale_setlocale(PyObject *module, PyObject *args)
{
    int category;
    const char *locale = NULL, *result;
    wchar_t *wres;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "i|z:setlocale", &category, &locale))
        return NULL;
    result = setlocale(category, locale);
    if (result == NULL) {
        PyErr_SetString(PyExc_ValueError, "unsupported locale setting");
        return NULL;
    }
    wres = Py_DecodeLocale(result, NULL);
    if (wres == NULL)
        return PyErr_NoMemory();
    res = PyUnicode_FromWideChar(wres, -1);
    PyMem_Free(wres); // expected-warning {{[PML013]}}
    return res;
}

static PyObject *
_locale_encode(PyObject *module, PyObject *arg)
{
    wchar_t *w;
    char *b;
    size_t error_pos;
    PyObject *res;

    w = PyUnicode_AsWideCharString(arg, NULL);
    if (w == NULL)
        return NULL;
    b = Py_EncodeLocale(w, &error_pos);
    PyMem_Free(w);
    if (b == NULL) {
        if (error_pos == (size_t)-1)
            return PyErr_NoMemory();
        PyErr_Format(PyExc_ValueError,
                     "cannot encode character at position %zu", error_pos);
        return NULL;
    }
    res = PyBytes_FromString(b);
    PyMem_Free(b); // no-warning: Py_EncodeLocale needs PyMem_Free
    return res;
}

/* Like _locale_encode but the encoded copy is never released. */
static PyObject *
_locale_encode_strict(PyObject *module, PyObject *arg)
{
    wchar_t *w;
    char *b;
    PyObject *res;

    w = PyUnicode_AsWideCharString(arg, NULL);
    if (w == NULL)
        return NULL;
    b = Py_EncodeLocale(w, NULL); // expected-warning {{[PML013]}}
    PyMem_Free(w);
    if (b == NULL) {
        PyErr_SetString(PyExc_ValueError, "cannot encode string for the locale");
        return NULL;
    }
    res = PyBytes_FromString(b);
    return res;
}

static PyMethodDef _locale_methods[] = {
    {"strxfrm", _locale_strxfrm, METH_O, NULL},
    {"sortkey", _locale_sortkey, METH_O, NULL},
    {"grouping", _locale_grouping, METH_NOARGS, NULL},
    {"nl_langinfo", _locale_nl_langinfo, METH_VARARGS, NULL},
    {"setlocale", _locale_setlocale, METH_VARARGS, NULL},
    {"encode", _locale_encode, METH_O, NULL},
    {"encode_strict", _locale_encode_strict, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef _localemodule = {
    PyModuleDef_HEAD_INIT,
    "locale_conv",
    "Locale conversion helpers.",
    0,
    _locale_methods,
};

PyMODINIT_FUNC
PyInit_locale_conv(void)
{
    return PyModuleDef_Init(&_localemodule);
}
