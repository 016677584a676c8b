/*
 * localehelp.c -- locale-aware encode/collate/format helpers.
 * Tests: PML013 (Py_EncodeLocale buffer released with free();
 * PyUnicode_AsWideCharString buffer leaked when the second conversion
 * fails), PML008 (saved-locale copy failing with no exception), PML010
 * (PyMem_Malloc between PyEval_SaveThread and PyEval_RestoreThread).
 * Negatives: Py_EncodeLocale + PyMem_Free, PyMem_RawCalloc without the
 * GIL, internal strdup helper whose caller raises MemoryError.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static PyObject *LocaleError = NULL;

/* Internal helper: NULL without an exception on failure. */
static char *
dup_cstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = PyMem_Malloc(n);
    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

static PyObject *
localehelp_encode(PyObject *module, PyObject *arg)
{
    wchar_t *w;
    char *b;
    size_t errpos;
    PyObject *res;

    w = PyUnicode_AsWideCharString(arg, NULL);
    if (w == NULL)
        return NULL;
    b = Py_EncodeLocale(w, &errpos);
    PyMem_Free(w);
    if (b == NULL) {
        if (errpos == (size_t)-1)
            return PyErr_NoMemory();
        PyErr_Format(LocaleError, "cannot encode character at %zu", errpos);
        return NULL;
    }
    res = PyBytes_FromString(b);
    PyMem_Free(b); // no-warning: Py_EncodeLocale result released with PyMem_Free
    return res;
}

static PyObject *
localehelp_encode_cstr(PyObject *module, PyObject *arg)
{
    wchar_t *w;
    char *b;
    PyObject *res;

    w = PyUnicode_AsWideCharString(arg, NULL);
    if (w == NULL)
        return NULL;
    b = Py_EncodeLocale(w, NULL);
    PyMem_Free(w);
    if (b == NULL) {
        PyErr_SetString(LocaleError, "cannot encode string");
        return NULL;
    }
    res = PyBytes_FromString(b);
    free(b); // expected-warning {{[PML013]}}
    return res;
}

static PyObject *
localehelp_strcoll(PyObject *module, PyObject *args)
{
    PyObject *a, *b;
    wchar_t *wa, *wb;
    int r;

    if (!PyArg_ParseTuple(args, "UU:strcoll", &a, &b))
        return NULL;
    wa = PyUnicode_AsWideCharString(a, NULL); // expected-warning {{[PML013]}}
    if (wa == NULL)
        return NULL;
    wb = PyUnicode_AsWideCharString(b, NULL);
    if (wb == NULL)
        return NULL;
    r = wcscoll(wa, wb);
    PyMem_Free(wa);
    PyMem_Free(wb);
    return PyLong_FromLong(r);
}

static PyObject *
localehelp_strxfrm(PyObject *module, PyObject *arg)
{
    wchar_t *w, *out = NULL;
    size_t n;
    PyThreadState *ts;
    PyObject *res;

    w = PyUnicode_AsWideCharString(arg, NULL);
    if (w == NULL)
        return NULL;
    ts = PyEval_SaveThread();
    n = wcsxfrm(NULL, w, 0);
    out = PyMem_RawCalloc(n + 1, sizeof(wchar_t)); // no-warning: raw allocator is fine without the GIL
    if (out != NULL)
        wcsxfrm(out, w, n + 1);
    PyEval_RestoreThread(ts);
    PyMem_Free(w);
    if (out == NULL)
        return PyErr_NoMemory();
    res = PyUnicode_FromWideChar(out, (Py_ssize_t)wcslen(out));
    PyMem_RawFree(out);
    return res;
}

static PyObject *
localehelp_format_grouped(PyObject *module, PyObject *arg)
{
    double v = PyFloat_AsDouble(arg);
    char *buf;
    PyThreadState *ts;
    PyObject *res;

    if (v == -1.0 && PyErr_Occurred())
        return NULL;
    ts = PyEval_SaveThread();
    buf = PyMem_Malloc(128); // expected-warning {{[PML010]}}
    if (buf != NULL)
        snprintf(buf, 128, "%'.2f", v);
    PyEval_RestoreThread(ts);
    if (buf == NULL)
        return PyErr_NoMemory();
    res = PyUnicode_DecodeLocale(buf, NULL);
    PyMem_Free(buf);
    return res;
}

/* with_locale(category, name, func): call func() under a temporary locale. */
static PyObject *
localehelp_with_locale(PyObject *module, PyObject *args)
{
    int category;
    const char *name, *old;
    PyObject *func, *res;
    char *saved;

    if (!PyArg_ParseTuple(args, "isO:with_locale", &category, &name, &func))
        return NULL;
    old = setlocale(category, NULL);
    if (old == NULL) {
        PyErr_SetString(LocaleError, "invalid locale category");
        return NULL;
    }
    saved = PyMem_Malloc(strlen(old) + 1);
    if (saved == NULL)
        return NULL; // expected-warning {{[PML008]}}
    strcpy(saved, old);
    if (setlocale(category, name) == NULL) {
        PyMem_Free(saved);
        PyErr_SetString(LocaleError, "unsupported locale setting");
        return NULL;
    }
    res = PyObject_CallNoArgs(func);
    setlocale(category, saved);
    PyMem_Free(saved);
    return res;
}

static PyObject *
localehelp_current(PyObject *module, PyObject *args)
{
    int category = LC_ALL;
    const char *cur;
    char *copy;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "|i:current", &category))
        return NULL;
    cur = setlocale(category, NULL);
    if (cur == NULL) {
        PyErr_SetString(LocaleError, "invalid locale category");
        return NULL;
    }
    copy = dup_cstr(cur);
    if (copy == NULL)
        return PyErr_NoMemory();
    res = PyUnicode_DecodeLocale(copy, NULL);
    PyMem_Free(copy);
    return res;
}

static PyMethodDef localehelp_methods[] = {
    {"encode", localehelp_encode, METH_O, NULL},
    {"encode_cstr", localehelp_encode_cstr, METH_O, NULL},
    {"strcoll", localehelp_strcoll, METH_VARARGS, NULL},
    {"strxfrm", localehelp_strxfrm, METH_O, NULL},
    {"format_grouped", localehelp_format_grouped, METH_O, NULL},
    {"with_locale", localehelp_with_locale, METH_VARARGS, NULL},
    {"current", localehelp_current, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef localehelp_module = {
    PyModuleDef_HEAD_INIT, "localehelp", NULL, -1, localehelp_methods,
};

PyMODINIT_FUNC
PyInit_localehelp(void)
{
    PyObject *m = PyModule_Create(&localehelp_module);
    if (m == NULL)
        return NULL;
    LocaleError = PyErr_NewException("localehelp.Error", PyExc_ValueError, NULL);
    if (LocaleError == NULL || PyModule_AddObjectRef(m, "Error", LocaleError) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
