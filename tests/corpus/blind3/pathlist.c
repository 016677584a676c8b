/*
 * pathlist.c -- helpers converting PATH-style strings to and from lists.
 * Tests: PML013 ("es" buffer leaked on an error path; Py_DecodeLocale
 * result released with PyMem_Free), PML011 (static fallback array freed),
 * PML005 (scratch buffer lost on a ValueError path), PML009 (n * sizeof).
 * Negatives: "es#" buffer freed right after use, Py_DecodeLocale released
 * with PyMem_RawFree, a static pointer holding a heap block being freed,
 * a heap array of borrowed UTF-8 pointers (only the array is freed).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static char default_dirs[] = "/usr/local/lib:/usr/lib:/lib";
static char *cached_sep = NULL;     /* heap copy set by set_separator() */

static const char *
current_sep(void)
{
    return cached_sep != NULL ? cached_sep : ":";
}

static PyObject *
pathlist_split(PyObject *module, PyObject *args)
{
    char *path = NULL;
    const char *sep, *p, *q;
    PyObject *list, *item;

    if (!PyArg_ParseTuple(args, "es:split", "utf-8", &path)) // expected-warning {{[PML013]}}
        return NULL;
    list = PyList_New(0);
    if (list == NULL)
        return NULL;
    sep = current_sep();
    p = path;
    for (;;) {
        q = strstr(p, sep);
        item = PyUnicode_DecodeFSDefaultAndSize(p, q ? q - p : (Py_ssize_t)strlen(p));
        if (item == NULL || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(list);
            PyMem_Free(path);
            return NULL;
        }
        Py_DECREF(item);
        if (q == NULL)
            break;
        p = q + strlen(sep);
    }
    PyMem_Free(path);
    return list;
}

static PyObject *
pathlist_join(PyObject *module, PyObject *args)
{
    PyObject *seq, *sepobj, *res;
    char *sep = NULL;
    Py_ssize_t seplen;

    if (!PyArg_ParseTuple(args, "Oes#:join", &seq, "utf-8", &sep, &seplen))
        return NULL;
    sepobj = PyUnicode_DecodeUTF8(sep, seplen, "strict");
    PyMem_Free(sep); // no-warning: es# buffer released with PyMem_Free
    if (sepobj == NULL)
        return NULL;
    res = PyUnicode_Join(sepobj, seq);
    Py_DECREF(sepobj);
    return res;
}

static PyObject *
pathlist_decode(PyObject *module, PyObject *arg)
{
    wchar_t *w;
    PyObject *res;

    if (!PyBytes_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "expected bytes");
        return NULL;
    }
    w = Py_DecodeLocale(PyBytes_AS_STRING(arg), NULL);
    if (w == NULL) {
        PyErr_SetString(PyExc_ValueError, "cannot decode path");
        return NULL;
    }
    res = PyUnicode_FromWideChar(w, -1);
    PyMem_Free(w); // expected-warning {{[PML013]}}
    return res;
}

static PyObject *
pathlist_decode_raw(PyObject *module, PyObject *arg)
{
    const char *s = PyBytes_AsString(arg);
    wchar_t *w;
    PyObject *res;

    if (s == NULL)
        return NULL;
    w = Py_DecodeLocale(s, NULL);
    if (w == NULL)
        return PyErr_NoMemory();
    res = PyUnicode_FromWideChar(w, -1);
    PyMem_RawFree(w); // no-warning: Py_DecodeLocale needs PyMem_RawFree
    return res;
}

static PyObject *
pathlist_set_separator(PyObject *module, PyObject *args)
{
    const char *s;
    size_t n;
    char *copy;

    if (!PyArg_ParseTuple(args, "s:set_separator", &s))
        return NULL;
    n = strlen(s);
    if (n == 0 || n > 8) {
        PyErr_SetString(PyExc_ValueError, "separator must be 1-8 bytes");
        return NULL;
    }
    copy = PyMem_Malloc(n + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, s, n + 1);
    PyMem_Free(cached_sep); // no-warning: static pointer to a heap block (or NULL)
    cached_sep = copy;
    Py_RETURN_NONE;
}

static PyObject *
pathlist_expand(PyObject *module, PyObject *args)
{
    PyObject *arg = Py_None, *res;
    char *dirs, *p;

    if (!PyArg_ParseTuple(args, "|O:expand", &arg))
        return NULL;
    if (arg == Py_None) {
        dirs = default_dirs;
    }
    else {
        const char *s = PyUnicode_AsUTF8(arg);
        if (s == NULL)
            return NULL;
        dirs = _PyMem_Strdup(s);
        if (dirs == NULL)
            return PyErr_NoMemory();
    }
    for (p = dirs; *p; p++)
        if (*p == ';')
            *p = ':';
    res = PyUnicode_DecodeFSDefault(dirs);
    PyMem_Free(dirs); // expected-warning {{[PML011]}}
    return res;
}

static PyObject *
pathlist_normalize(PyObject *module, PyObject *arg)
{
    const char *s;
    Py_ssize_t n, i, j = 0;
    char *buf;
    PyObject *res;

    s = PyUnicode_AsUTF8AndSize(arg, &n);
    if (s == NULL)
        return NULL;
    buf = PyMem_Malloc(n + 1); // expected-warning {{[PML005]}}
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++) {
        if (s[i] == '\0') {
            PyErr_SetString(PyExc_ValueError, "embedded null character in path");
            return NULL;
        }
        if (s[i] == '/' && j > 0 && buf[j - 1] == '/')
            continue;
        buf[j++] = s[i];
    }
    res = PyUnicode_FromStringAndSize(buf, j);
    PyMem_Free(buf);
    return res;
}

static PyObject *
pathlist_common_prefix(PyObject *module, PyObject *seq)
{
    Py_ssize_t n, i;
    size_t k, plen;
    const char **items;
    PyObject *fast, *res;

    fast = PySequence_Fast(seq, "expected a sequence of str");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    if (n == 0) {
        Py_DECREF(fast);
        return PyUnicode_FromString("");
    }
    items = PyMem_Malloc(n * sizeof(const char *)); // expected-warning {{[PML009]}}
    if (items == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        items[i] = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(fast, i));
        if (items[i] == NULL) {
            PyMem_Free(items);
            Py_DECREF(fast);
            return NULL;
        }
    }
    plen = strlen(items[0]);
    for (i = 1; i < n; i++) {
        for (k = 0; k < plen && items[i][k] == items[0][k]; k++)
            ;
        plen = k;
    }
    res = PyUnicode_FromStringAndSize(items[0], (Py_ssize_t)plen);
    PyMem_Free(items); // no-warning: the array is ours; its elements are borrowed and not freed
    Py_DECREF(fast);
    return res;
}

static PyMethodDef pathlist_methods[] = {
    {"split", pathlist_split, METH_VARARGS, NULL},
    {"join", pathlist_join, METH_VARARGS, NULL},
    {"decode", pathlist_decode, METH_O, NULL},
    {"decode_raw", pathlist_decode_raw, METH_O, NULL},
    {"set_separator", pathlist_set_separator, METH_VARARGS, NULL},
    {"expand", pathlist_expand, METH_VARARGS, NULL},
    {"normalize", pathlist_normalize, METH_O, NULL},
    {"common_prefix", pathlist_common_prefix, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef pathlist_module = {
    PyModuleDef_HEAD_INIT, "pathlist", NULL, -1, pathlist_methods,
};

PyMODINIT_FUNC
PyInit_pathlist(void)
{
    return PyModule_Create(&pathlist_module);
}
