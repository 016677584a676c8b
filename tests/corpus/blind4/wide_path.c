/*
 * wide_path.c - wide-character and locale conversions around OS path calls,
 * in the style of Modules/posixmodule.c and Python/fileutils.c helpers.
 *
 * What this file tests:
 *   PML013  PyUnicode_AsWideCharString released with free(),
 *           PyUnicode_AsUCS4Copy never released, _PyMem_RawStrdup released
 *           with PyMem_Free
 *   PML002  a strdup() copy released with PyMem_Free
 *   PML006  join_wide() returns its result without freeing the wide buffer
 * Negatives: wide_len() and casefold_path() release with PyMem_Free,
 * realpath()'s malloc'd result is freed with free() after the GIL is back,
 * _PyMem_Strdup released with PyMem_Free, _PyMem_RawStrdup with PyMem_RawFree.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

static PyObject *
wide_len(PyObject *self, PyObject *arg)
{
    Py_ssize_t size;
    wchar_t *w = PyUnicode_AsWideCharString(arg, &size);
    size_t n;

    if (w == NULL)
        return NULL;
    n = wcslen(w);
    PyMem_Free(w); // no-warning: right family
    if ((Py_ssize_t)n != size) {
        PyErr_SetString(PyExc_ValueError, "embedded null character in path");
        return NULL;
    }
    return PyLong_FromSize_t(n);
}

static PyObject *
casefold_path(PyObject *self, PyObject *arg)
{
    Py_ssize_t i, size;
    wchar_t *w = PyUnicode_AsWideCharString(arg, &size);
    PyObject *res;

    if (w == NULL)
        return NULL;
    for (i = 0; i < size; i++)
        w[i] = (wchar_t)towlower((wint_t)w[i]);
    res = PyUnicode_FromWideChar(w, size);
    PyMem_Free(w);
    return res;
}

static PyObject *
upper_path(PyObject *self, PyObject *arg)
{
    Py_ssize_t i, size;
    wchar_t *w = PyUnicode_AsWideCharString(arg, &size);
    PyObject *res;

    if (w == NULL)
        return NULL;
    for (i = 0; i < size; i++)
        w[i] = (wchar_t)towupper((wint_t)w[i]);
    res = PyUnicode_FromWideChar(w, size);
    free(w); // expected-warning {{[PML013]}}
    return res;
}

static PyObject *
reverse_path(PyObject *self, PyObject *arg)
{
    Py_UCS4 *u, tmp;
    Py_ssize_t i, n;

    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "str expected");
        return NULL;
    }
    n = PyUnicode_GetLength(arg);
    u = PyUnicode_AsUCS4Copy(arg); // expected-warning {{[PML013]}}
    if (u == NULL)
        return NULL;
    for (i = 0; i < n / 2; i++) {
        tmp = u[i];
        u[i] = u[n - 1 - i];
        u[n - 1 - i] = tmp;
    }
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, u, n);
}

static PyObject *
resolve_path(PyObject *self, PyObject *arg)
{
    PyObject *bytes, *res;
    char *resolved;

    if (!PyUnicode_FSConverter(arg, &bytes))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    resolved = realpath(PyBytes_AS_STRING(bytes), NULL);
    Py_END_ALLOW_THREADS
    Py_DECREF(bytes);
    if (resolved == NULL)
        return PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, arg);
    res = PyUnicode_DecodeFSDefault(resolved);
    free(resolved); // no-warning: realpath() allocates with malloc
    return res;
}

static PyObject *
normalize_sep(PyObject *self, PyObject *arg)
{
    const char *s = PyUnicode_AsUTF8(arg);
    char *copy, *p;
    PyObject *res;

    if (s == NULL)
        return NULL;
    copy = strdup(s);
    if (copy == NULL)
        return PyErr_NoMemory();
    for (p = copy; *p; p++) {
        if (*p == '\\')
            *p = '/';
    }
    res = PyUnicode_FromString(copy);
    PyMem_Free(copy); // expected-warning {{[PML002]}}
    return res;
}

/* Keep a process-wide default directory; it may be read without the GIL. */
static char *default_dir_raw = NULL;
static char *last_dir = NULL;

static PyObject *
set_default_dir(PyObject *self, PyObject *arg)
{
    const char *s = PyUnicode_AsUTF8(arg);
    char *raw, *copy;

    if (s == NULL)
        return NULL;
    raw = _PyMem_RawStrdup(s);
    if (raw == NULL)
        return PyErr_NoMemory();
    copy = _PyMem_Strdup(s);
    if (copy == NULL) {
        PyMem_RawFree(raw); // no-warning: raw family
        return PyErr_NoMemory();
    }
    PyMem_RawFree(default_dir_raw);
    default_dir_raw = raw;
    PyMem_Free(last_dir);
    last_dir = copy;
    Py_RETURN_NONE;
}

static PyObject *
check_dir(PyObject *self, PyObject *arg)
{
    const char *s = PyUnicode_AsUTF8(arg);
    char *raw;
    int ok;

    if (s == NULL)
        return NULL;
    raw = _PyMem_RawStrdup(s);
    if (raw == NULL)
        return PyErr_NoMemory();
    Py_BEGIN_ALLOW_THREADS
    ok = strlen(raw) < PATH_MAX && access(raw, F_OK) == 0;
    Py_END_ALLOW_THREADS
    PyMem_Free(raw); // expected-warning {{[PML013]}}
    return PyBool_FromLong(ok);
}

static PyObject *
join_wide(PyObject *self, PyObject *args)
{
    PyObject *head, *tail, *res;
    wchar_t *wh, *wt, *joined;
    Py_ssize_t lh, lt;

    if (!PyArg_ParseTuple(args, "UU:join_wide", &head, &tail))
        return NULL;
    wh = PyUnicode_AsWideCharString(head, &lh);
    if (wh == NULL)
        return NULL;
    wt = PyUnicode_AsWideCharString(tail, &lt);
    if (wt == NULL) {
        PyMem_Free(wh);
        return NULL;
    }
    joined = PyMem_Calloc(lh + lt + 2, sizeof(wchar_t)); // expected-warning {{[PML006]}}
    if (joined == NULL) {
        PyMem_Free(wh);
        PyMem_Free(wt);
        return PyErr_NoMemory();
    }
    wmemcpy(joined, wh, lh);
    joined[lh] = L'/';
    wmemcpy(joined + lh + 1, wt, lt);
    PyMem_Free(wh);
    PyMem_Free(wt);
    res = PyUnicode_FromWideChar(joined, lh + lt + 1);
    if (res == NULL) {
        PyMem_Free(joined);
        return NULL;
    }
    return res;
}

static PyMethodDef wide_methods[] = {
    {"wide_len", wide_len, METH_O, NULL},
    {"casefold_path", casefold_path, METH_O, NULL},
    {"upper_path", upper_path, METH_O, NULL},
    {"reverse_path", reverse_path, METH_O, NULL},
    {"resolve_path", resolve_path, METH_O, NULL},
    {"normalize_sep", normalize_sep, METH_O, NULL},
    {"set_default_dir", set_default_dir, METH_O, NULL},
    {"check_dir", check_dir, METH_O, NULL},
    {"join_wide", join_wide, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};
