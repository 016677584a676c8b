/*
 * envblock.c -- builds NUL-separated environment blocks for a spawner.
 * Tests: PML009 (malloc((n + 1) * sizeof(char *)) unguarded), PML002
 * (malloc'd entry released with PyMem_Free), PML011 (PyMem_Free of a string
 * literal default), PML013 (Py_DecodeLocale result leaked on a ValueError
 * path), PML004 (name passed to PyErr_Format after PyMem_Free).
 * Negatives: libc entries released with free() through a helper, the
 * Py_DecodeLocale buffer released with PyMem_RawFree on the success path,
 * _PyMem_Strdup copy released with PyMem_Free.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static void
free_envp(char **envp, Py_ssize_t n)
{
    Py_ssize_t i;
    for (i = 0; i < n; i++)
        free(envp[i]);
    free(envp);
}

/* Returns a malloc'd "KEY=VALUE" string, or NULL with an exception set. */
static char *
make_entry(PyObject *key, PyObject *value)
{
    PyObject *k = NULL, *v = NULL;
    char *entry = NULL;

    if (PyUnicode_FSConverter(key, &k) && PyUnicode_FSConverter(value, &v)) {
        size_t kl = (size_t)PyBytes_GET_SIZE(k), vl = (size_t)PyBytes_GET_SIZE(v);
        entry = malloc(kl + vl + 2);
        if (entry == NULL) {
            PyErr_NoMemory();
        }
        else {
            memcpy(entry, PyBytes_AS_STRING(k), kl);
            entry[kl] = '=';
            memcpy(entry + kl + 1, PyBytes_AS_STRING(v), vl + 1);
        }
    }
    Py_XDECREF(k);
    Py_XDECREF(v);
    return entry;
}

static PyObject *
env_block(PyObject *module, PyObject *mapping)
{
    PyObject *items, *res;
    char **envp, *block;
    Py_ssize_t n, i, total = 1, pos = 0;

    items = PyMapping_Items(mapping);
    if (items == NULL)
        return NULL;
    n = PyList_GET_SIZE(items);
    envp = malloc((n + 1) * sizeof(char *)); // expected-warning {{[PML009]}}
    if (envp == NULL) {
        Py_DECREF(items);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        PyObject *kv = PyList_GET_ITEM(items, i);
        char *entry = make_entry(PyTuple_GET_ITEM(kv, 0), PyTuple_GET_ITEM(kv, 1));
        if (entry == NULL) {
            free_envp(envp, i);
            Py_DECREF(items);
            return NULL;
        }
        envp[i] = entry;
        total += (Py_ssize_t)strlen(entry) + 1;
    }
    envp[n] = NULL;
    Py_DECREF(items);
    res = PyBytes_FromStringAndSize(NULL, total);
    if (res != NULL) {
        block = PyBytes_AS_STRING(res);
        for (i = 0; i < n; i++) {
            size_t l = strlen(envp[i]) + 1;
            memcpy(block + pos, envp[i], l);
            pos += (Py_ssize_t)l;
        }
        block[pos] = '\0';
    }
    free_envp(envp, n); // no-warning: helper releases each entry and the array with free()
    return res;
}

static PyObject *
env_entry(PyObject *module, PyObject *args)
{
    PyObject *k, *v, *res;
    char *entry;
    size_t kl, vl;

    if (!PyArg_ParseTuple(args, "O&O&:entry", PyUnicode_FSConverter, &k,
                          PyUnicode_FSConverter, &v))
        return NULL;
    kl = (size_t)PyBytes_GET_SIZE(k);
    vl = (size_t)PyBytes_GET_SIZE(v);
    entry = malloc(kl + vl + 2);
    if (entry == NULL) {
        Py_DECREF(k);
        Py_DECREF(v);
        return PyErr_NoMemory();
    }
    memcpy(entry, PyBytes_AS_STRING(k), kl);
    entry[kl] = '=';
    memcpy(entry + kl + 1, PyBytes_AS_STRING(v), vl + 1);
    res = PyBytes_FromStringAndSize(entry, (Py_ssize_t)(kl + vl + 1));
    PyMem_Free(entry); // expected-warning {{[PML002]}}
    Py_DECREF(k);
    Py_DECREF(v);
    return res;
}

static PyObject *
env_shell_command(PyObject *module, PyObject *mapping)
{
    PyObject *v, *res;
    const char *s;
    char *shell;

    v = PyMapping_GetItemString(mapping, "SHELL");
    if (v == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_KeyError))
            return NULL;
        PyErr_Clear();
        shell = "/bin/sh";
    }
    else {
        s = PyUnicode_AsUTF8(v);
        if (s == NULL) {
            Py_DECREF(v);
            return NULL;
        }
        shell = _PyMem_Strdup(s);
        Py_DECREF(v);
        if (shell == NULL)
            return PyErr_NoMemory();
    }
    res = PyUnicode_FromFormat("exec %s -l", shell);
    PyMem_Free(shell); // expected-warning {{[PML011]}}
    return res;
}

static PyObject *
env_split_entry(PyObject *module, PyObject *arg)
{
    const char *s;
    wchar_t *w, *eq;
    PyObject *key, *val;

    s = PyBytes_AsString(arg);
    if (s == NULL)
        return NULL;
    w = Py_DecodeLocale(s, NULL); // expected-warning {{[PML013]}}
    if (w == NULL)
        return PyErr_NoMemory();
    eq = wcschr(w, L'=');
    if (eq == NULL) {
        PyErr_SetString(PyExc_ValueError, "environment entry has no '='");
        return NULL;
    }
    key = PyUnicode_FromWideChar(w, eq - w);
    val = key ? PyUnicode_FromWideChar(eq + 1, -1) : NULL;
    PyMem_RawFree(w);
    if (val == NULL) {
        Py_XDECREF(key);
        return NULL;
    }
    return Py_BuildValue("(NN)", key, val);
}

static PyObject *
env_check_name(PyObject *module, PyObject *arg)
{
    PyObject *b;
    char *name;
    Py_ssize_t n;

    if (!PyUnicode_FSConverter(arg, &b))
        return NULL;
    n = PyBytes_GET_SIZE(b);
    name = PyMem_Malloc(n + 1);
    if (name == NULL) {
        Py_DECREF(b);
        return PyErr_NoMemory();
    }
    memcpy(name, PyBytes_AS_STRING(b), n + 1);
    Py_DECREF(b);
    if (n == 0 || strchr(name, '=') != NULL) {
        PyMem_Free(name);
        PyErr_Format(PyExc_ValueError, "invalid environment variable name: '%s'", name); // expected-warning {{[PML004]}}
        return NULL;
    }
    PyMem_Free(name);
    Py_RETURN_NONE;
}

static PyMethodDef env_methods[] = {
    {"block", env_block, METH_O, NULL},
    {"entry", env_entry, METH_VARARGS, NULL},
    {"shell_command", env_shell_command, METH_O, NULL},
    {"split_entry", env_split_entry, METH_O, NULL},
    {"check_name", env_check_name, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef env_module = {
    PyModuleDef_HEAD_INIT, "envblock", NULL, -1, env_methods,
};

PyMODINIT_FUNC
PyInit_envblock(void)
{
    return PyModule_Create(&env_module);
}
