/* envblock.c - build C environment blocks from mappings, without the GIL
   where possible.  All buffers handed to code running without the GIL are
   allocated with the PyMem_Raw* family. */
#define PY_SSIZE_T_CLEAN
#include "Python.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void
free_string_array(char **arr, Py_ssize_t n)
{
    Py_ssize_t i;
    if (arr == NULL) {
        return;
    }
    for (i = 0; i < n; i++) {
        PyMem_RawFree(arr[i]);
    }
    PyMem_RawFree(arr);
}

/* Return a NULL-terminated "KEY=VALUE" array; the caller releases it with
   free_string_array(). */
static char **
build_envp(PyObject *env, Py_ssize_t *count)
{
    PyObject *items;
    char **envp;
    Py_ssize_t i, n;

    items = PyMapping_Items(env);
    if (items == NULL) {
        return NULL;
    }
    n = PyList_GET_SIZE(items);
    envp = PyMem_RawCalloc(n + 1, sizeof(char *));
    if (envp == NULL) {
        Py_DECREF(items);
        PyErr_NoMemory();
        return NULL;
    }
    for (i = 0; i < n; i++) {
        PyObject *kv = PyList_GET_ITEM(items, i);
        const char *k, *v;
        Py_ssize_t klen, vlen;
        char *entry;

        if (!PyArg_ParseTuple(kv, "s#s#", &k, &klen, &v, &vlen)) {
            goto error;
        }
        entry = PyMem_RawMalloc(klen + vlen + 2);
        if (entry == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        memcpy(entry, k, klen);
        entry[klen] = '=';
        memcpy(entry + klen + 1, v, vlen);
        entry[klen + vlen + 1] = '\0';
        envp[i] = entry; // no-warning: stored in the returned array
    }
    Py_DECREF(items);
    *count = n;
    return envp;

error:
    Py_DECREF(items);
    free_string_array(envp, i);
    return NULL;
}

static PyObject *
envblock_pack_impl(PyObject *module, PyObject *env)
{
    char **envp;
    char *block = NULL;
    Py_ssize_t n, i, total = 1;
    PyObject *res;

    envp = build_envp(env, &n);
    if (envp == NULL) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        total += (Py_ssize_t)strlen(envp[i]) + 1;
    }
    Py_BEGIN_ALLOW_THREADS
    block = PyMem_RawMalloc(total);
    if (block != NULL) {
        char *p = block;
        for (i = 0; i < n; i++) {
            size_t len = strlen(envp[i]) + 1;
            memcpy(p, envp[i], len);
            p += len;
        }
        *p = '\0';
    }
    Py_END_ALLOW_THREADS
    free_string_array(envp, n);
    if (block == NULL) {
        return PyErr_NoMemory();
    }
    res = PyBytes_FromStringAndSize(block, total);
    PyMem_RawFree(block);
    return res;
}

static PyObject *
envblock_getenv_impl(PyObject *module, PyObject *name)
{
    Py_ssize_t len;
    const char *s = PyUnicode_AsUTF8AndSize(name, &len);
    char *cname, *value;
    PyObject *res;

    if (s == NULL) {
        return NULL;
    }
    cname = PyMem_RawMalloc(len + 1);
    if (cname == NULL) {
        return PyErr_NoMemory();
    }
    memcpy(cname, s, len + 1);
    Py_BEGIN_ALLOW_THREADS
    value = getenv(cname);
    Py_END_ALLOW_THREADS
    res = value ? PyUnicode_DecodeFSDefault(value) : Py_NewRef(Py_None);
    PyMem_Free(cname); // expected-warning {{[PML002]}}
    return res;
}

static PyObject *
envblock_keys_impl(PyObject *module, PyObject *env)
{
    char **envp;
    Py_ssize_t n, i;
    PyObject *keys;

    envp = build_envp(env, &n);
    if (envp == NULL) {
        return NULL;
    }
    keys = PyList_New(0);
    if (keys == NULL) {
        free_string_array(envp, n);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        const char *eq = strchr(envp[i], '=');
        size_t klen = eq ? (size_t)(eq - envp[i]) : strlen(envp[i]);
        char *key = PyMem_RawMalloc(klen + 1); // expected-warning {{[PML006]}}
        PyObject *item;
        int rc;

        if (key == NULL) {
            Py_DECREF(keys);
            free_string_array(envp, n);
            return PyErr_NoMemory();
        }
        memcpy(key, envp[i], klen);
        key[klen] = '\0';
        if (klen == 0 || key[0] == '#') {
            continue;   /* skip empty and comment-like keys */
        }
        item = PyUnicode_DecodeFSDefault(key);
        PyMem_RawFree(key);
        if (item == NULL) {
            goto error;
        }
        rc = PyList_Append(keys, item);
        Py_DECREF(item);
        if (rc < 0) {
            goto error;
        }
    }
    free_string_array(envp, n);
    return keys;

error:
    Py_DECREF(keys);
    free_string_array(envp, n);
    return NULL;
}

static PyObject *
envblock_check_path_impl(PyObject *module, PyObject *dir, PyObject *name)
{
    Py_ssize_t dlen, nlen;
    const char *d = PyUnicode_AsUTF8AndSize(dir, &dlen);
    const char *f = PyUnicode_AsUTF8AndSize(name, &nlen);
    char *path;
    struct stat st;
    int rc;

    if (d == NULL || f == NULL) {
        return NULL;
    }
    path = PyMem_RawMalloc(dlen + nlen + 2);
    if (path == NULL) {
        return PyErr_NoMemory();
    }
    memcpy(path, d, dlen);
    path[dlen] = '/';
    memcpy(path + dlen + 1, f, nlen + 1);
    Py_BEGIN_ALLOW_THREADS
    rc = stat(path, &st);
    Py_END_ALLOW_THREADS
    PyMem_RawFree(path);
    if (rc != 0) {
        PyErr_Format(PyExc_FileNotFoundError, "no such file: %s", path); // expected-warning {{[PML004]}}
        return NULL;
    }
    return PyLong_FromLongLong((long long)st.st_size);
}

static PyObject *
envblock_unset_impl(PyObject *module, PyObject *name)
{
    Py_ssize_t len;
    const char *s = PyUnicode_AsUTF8AndSize(name, &len);
    char *cname;
    int err;

    if (s == NULL) {
        return NULL;
    }
    if (len == 0 || strchr(s, '=') != NULL) {
        PyErr_SetString(PyExc_ValueError, "illegal environment variable name");
        return NULL;
    }
    cname = PyMem_RawMalloc(len + 1);
    if (cname == NULL) {
        return PyErr_NoMemory();
    }
    memcpy(cname, s, len + 1);
    Py_BEGIN_ALLOW_THREADS
    err = unsetenv(cname) == 0 ? 0 : errno;
    PyMem_RawFree(cname); // no-warning: the raw family needs no GIL
    Py_END_ALLOW_THREADS
    if (err != 0) {
        errno = err;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    Py_RETURN_NONE;
}

static PyObject *
envblock_count_impl(PyObject *module, PyObject *env)
{
    Py_ssize_t n;
    char **envp = build_envp(env, &n);

    if (envp == NULL) {
        return NULL;
    }
    free_string_array(envp, n);
    return PyLong_FromSsize_t(n);
}

static PyObject *
envblock_getenv(PyObject *module, PyObject *arg)
{
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "name must be str");
        return NULL;
    }
    return envblock_getenv_impl(module, arg);
}

static PyObject *
envblock_check_path(PyObject *module, PyObject *args)
{
    PyObject *dir, *name;
    if (!PyArg_ParseTuple(args, "UU:check_path", &dir, &name)) {
        return NULL;
    }
    return envblock_check_path_impl(module, dir, name);
}

static PyMethodDef envblock_methods[] = {
    {"pack", envblock_pack_impl, METH_O, NULL},
    {"getenv", envblock_getenv, METH_O, NULL},
    {"keys", envblock_keys_impl, METH_O, NULL},
    {"check_path", envblock_check_path, METH_VARARGS, NULL},
    {"unset", envblock_unset_impl, METH_O, NULL},
    {"count", envblock_count_impl, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef envblock_module = {
    PyModuleDef_HEAD_INIT, "envblock", NULL, 0, envblock_methods,
};

PyMODINIT_FUNC
PyInit_envblock(void)
{
    return PyModuleDef_Init(&envblock_module);
}
