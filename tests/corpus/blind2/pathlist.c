// known-to-fail: array elements are not followed one by one (pathlist.c:41, :221)
/* pathlist.c - manipulate PATH-like strings ("a:b:c"). */
#define PY_SSIZE_T_CLEAN
#include "Python.h"
#include <string.h>
#include <unistd.h>

#define PATHSEP ':'

static void
free_paths(char **parts, Py_ssize_t n)
{
    Py_ssize_t i;
    for (i = 0; i < n; i++) {
        PyMem_Free(parts[i]); // no-warning: PyMem_Free(NULL) is a no-op
    }
    PyMem_Free(parts);
}

/* Split `s` on PATHSEP.  Returns a new array of new strings. */
static char **
split_paths(const char *s, Py_ssize_t *count)
{
    Py_ssize_t n = 1, i;
    const char *p;
    char **parts;

    for (p = s; *p; p++) {
        if (*p == PATHSEP) {
            n++;
        }
    }
    parts = PyMem_New(char *, n);
    if (parts == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (i = 0; i < n; i++) {
        const char *end = strchr(s, PATHSEP);
        size_t len = end ? (size_t)(end - s) : strlen(s);
        char *part = PyMem_Malloc(len + 1); // expected-warning {{[PML005]}}
        if (part == NULL) {
            PyMem_Free(parts);
            PyErr_NoMemory();
            return NULL;
        }
        memcpy(part, s, len);
        part[len] = '\0';
        parts[i] = part;
        s = end ? end + 1 : s + len;
    }
    *count = n;
    return parts;
}

static PyObject *
pathlist_dedupe_impl(PyObject *module, const char *pathstr)
{
    char **parts;
    char *out = NULL;
    Py_ssize_t n, i, j, total = 0, pos = 0;
    PyObject *res = NULL;

    parts = split_paths(pathstr, &n);
    if (parts == NULL) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        for (j = 0; j < i; j++) {
            if (parts[j] != NULL && strcmp(parts[i], parts[j]) == 0) {
                break;
            }
        }
        if (j < i || parts[i][0] == '\0') {
            PyMem_Free(parts[i]);
            parts[i] = NULL; // no-warning: slot cleared after release
            continue;
        }
        total += (Py_ssize_t)strlen(parts[i]) + 1;
    }
    out = PyMem_Malloc(total + 1);
    if (out == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < n; i++) {
        size_t len;
        if (parts[i] == NULL) {
            continue;
        }
        if (pos > 0) {
            out[pos++] = PATHSEP;
        }
        len = strlen(parts[i]);
        memcpy(out + pos, parts[i], len);
        pos += len;
    }
    out[pos] = '\0';
    res = PyUnicode_DecodeFSDefaultAndSize(out, pos);
done:
    PyMem_Free(out);
    free_paths(parts, n);
    return res;
}

static PyObject *
pathlist_which_impl(PyObject *module, const char *name, const char *pathstr)
{
    char **parts;
    Py_ssize_t n, i;
    size_t nlen = strlen(name);

    parts = split_paths(pathstr, &n);
    if (parts == NULL) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        size_t dlen = strlen(parts[i]);
        char *candidate;
        int ok;

        if (dlen == 0) {
            continue;
        }
        candidate = PyMem_Malloc(dlen + nlen + 2);
        if (candidate == NULL) {
            free_paths(parts, n);
            return PyErr_NoMemory();
        }
        memcpy(candidate, parts[i], dlen);
        candidate[dlen] = '/';
        memcpy(candidate + dlen + 1, name, nlen + 1);
        Py_BEGIN_ALLOW_THREADS
        ok = access(candidate, X_OK) == 0;
        Py_END_ALLOW_THREADS
        if (ok) {
            PyMem_Free(candidate);
            free_paths(parts, n);
            return PyUnicode_DecodeFSDefault(candidate); // expected-warning {{[PML004]}}
        }
        PyMem_Free(candidate);
    }
    free_paths(parts, n);
    Py_RETURN_NONE;
}

static PyObject *
pathlist_prepend_impl(PyObject *module, const char *dir, const char *pathstr)
{
    size_t dlen = strlen(dir), plen = strlen(pathstr);
    char *out;
    PyObject *res;

    if (dlen > (size_t)PY_SSIZE_T_MAX / 2 || plen > (size_t)PY_SSIZE_T_MAX / 2) {
        return PyErr_NoMemory();
    }
    out = PyMem_Malloc(dlen + plen + 2);
    strcpy(out, dir); // expected-warning {{[PML001]}}
    if (out == NULL) {
        return PyErr_NoMemory();
    }
    if (plen > 0) {
        out[dlen] = PATHSEP;
        memcpy(out + dlen + 1, pathstr, plen + 1);
    }
    res = PyUnicode_DecodeFSDefault(out);
    PyMem_Free(out);
    return res;
}

static PyObject *
pathlist_count_impl(PyObject *module, const char *pathstr)
{
    char **parts;
    Py_ssize_t n, i, nonempty = 0;

    parts = split_paths(pathstr, &n);
    if (parts == NULL) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        if (parts[i][0] != '\0') {
            nonempty++;
        }
    }
    free_paths(parts, n);
    return PyLong_FromSsize_t(nonempty);
}

static PyObject *
pathlist_remove_impl(PyObject *module, const char *pathstr, const char *dir)
{
    char **parts;
    Py_ssize_t n, i, removed = 0;
    PyObject *kept, *item, *res = NULL;

    parts = split_paths(pathstr, &n);
    if (parts == NULL) {
        return NULL;
    }
    kept = PyList_New(0);
    if (kept == NULL) {
        goto done;
    }
    for (i = 0; i < n; i++) {
        if (strcmp(parts[i], dir) == 0) {
            PyMem_Free(parts[i]);
            removed++;
            continue;
        }
        item = PyUnicode_DecodeFSDefault(parts[i]);
        if (item == NULL || PyList_Append(kept, item) < 0) {
            Py_XDECREF(item);
            goto done;
        }
        Py_DECREF(item);
    }
    res = Py_BuildValue("(On)", kept, removed);
done:
    Py_XDECREF(kept);
    free_paths(parts, n); // expected-warning {{[PML003]}}
    return res;
}

static PyObject *
pathlist_dedupe(PyObject *module, PyObject *args)
{
    const char *s;
    if (!PyArg_ParseTuple(args, "s:dedupe", &s)) {
        return NULL;
    }
    return pathlist_dedupe_impl(module, s);
}

static PyObject *
pathlist_which(PyObject *module, PyObject *args)
{
    const char *name, *s;
    if (!PyArg_ParseTuple(args, "ss:which", &name, &s)) {
        return NULL;
    }
    return pathlist_which_impl(module, name, s);
}

static PyObject *
pathlist_prepend(PyObject *module, PyObject *args)
{
    const char *dir, *s;
    if (!PyArg_ParseTuple(args, "ss:prepend", &dir, &s)) {
        return NULL;
    }
    return pathlist_prepend_impl(module, dir, s);
}

static PyObject *
pathlist_count(PyObject *module, PyObject *args)
{
    const char *s;
    if (!PyArg_ParseTuple(args, "s:count", &s)) {
        return NULL;
    }
    return pathlist_count_impl(module, s);
}

static PyObject *
pathlist_remove(PyObject *module, PyObject *args)
{
    const char *s, *dir;
    if (!PyArg_ParseTuple(args, "ss:remove", &s, &dir)) {
        return NULL;
    }
    return pathlist_remove_impl(module, s, dir);
}

static PyMethodDef pathlist_methods[] = {
    {"dedupe", pathlist_dedupe, METH_VARARGS, NULL},
    {"which", pathlist_which, METH_VARARGS, NULL},
    {"prepend", pathlist_prepend, METH_VARARGS, NULL},
    {"count", pathlist_count, METH_VARARGS, NULL},
    {"remove", pathlist_remove, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef pathlist_module = {
    PyModuleDef_HEAD_INIT, "pathlist", NULL, 0, pathlist_methods,
};

PyMODINIT_FUNC
PyInit_pathlist(void)
{
    return PyModuleDef_Init(&pathlist_module);
}
