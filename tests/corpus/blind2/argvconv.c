// known-to-fail: array elements are not followed one by one (argvconv.c:186)
/* argvconv.c - convert sequences of str into C argv/envp arrays and back,
   as needed by the process launcher. */
#define PY_SSIZE_T_CLEAN
#include "Python.h"
#include <string.h>

static void
free_argv(char **argv)
{
    char **p;
    if (argv == NULL) {
        return;
    }
    for (p = argv; *p != NULL; p++) {
        PyMem_Free(*p);
    }
    PyMem_Free(argv);
}

/* Return a new NULL-terminated array of new UTF-8 strings. */
static char **
seq_to_argv(PyObject *seq, Py_ssize_t *pn)
{
    Py_ssize_t i, n;
    char **argv;

    seq = PySequence_Fast(seq, "argv must be a sequence");
    if (seq == NULL) {
        return NULL;
    }
    n = PySequence_Fast_GET_SIZE(seq);
    argv = PyMem_Calloc(n + 1, sizeof(char *));
    if (argv == NULL) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return NULL;
    }
    for (i = 0; i < n; i++) {
        Py_ssize_t len;
        const char *s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(seq, i), &len);
        if (s == NULL) {
            goto error;
        }
        if ((Py_ssize_t)strlen(s) != len) {
            PyErr_SetString(PyExc_ValueError, "embedded null character");
            goto error;
        }
        argv[i] = PyMem_Malloc(len + 1);
        if (argv[i] == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        memcpy(argv[i], s, len + 1);
    }
    Py_DECREF(seq);
    *pn = n;
    return argv;

error:
    Py_DECREF(seq);
    free_argv(argv); // no-warning: unused slots are still NULL (calloc)
    return NULL;
}

static int
needs_quoting(const char *s)
{
    if (*s == '\0') {
        return 1;
    }
    for (; *s; s++) {
        if (strchr(" \t\n'\"\\$`*?[]{}()<>|&;#~", *s) != NULL) {
            return 1;
        }
    }
    return 0;
}

static PyObject *
argvconv_join_impl(PyObject *module, PyObject *seq)
{
    char **argv, *out, *p;
    Py_ssize_t n, i, total = 1;
    PyObject *res;

    argv = seq_to_argv(seq, &n);
    if (argv == NULL) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        size_t len = strlen(argv[i]);
        if (len > (size_t)(PY_SSIZE_T_MAX - total) / 4 - 1) {
            free_argv(argv);
            return PyErr_NoMemory();
        }
        total += (Py_ssize_t)len * 4 + 3; /* worst case: every byte is a quote */
    }
    out = PyObject_Malloc(total);
    if (out == NULL) {
        free_argv(argv);
        return PyErr_NoMemory();
    }
    for (p = out, i = 0; i < n; i++) {
        const char *s = argv[i];
        if (i > 0) {
            *p++ = ' ';
        }
        if (!needs_quoting(s)) {
            size_t len = strlen(s);
            memcpy(p, s, len);
            p += len;
            continue;
        }
        *p++ = '\'';
        for (; *s; s++) {
            if (*s == '\'') {
                memcpy(p, "'\\''", 4);
                p += 4;
            }
            else {
                *p++ = *s;
            }
        }
        *p++ = '\'';
    }
    free_argv(argv);
    res = PyUnicode_FromStringAndSize(out, p - out);
    PyMem_Del(out); // expected-warning {{[PML002]}}
    return res;
}

static PyObject *
argvconv_env_names_impl(PyObject *module, PyObject *seq)
{
    char **argv, **names;
    Py_ssize_t n, i, j;
    PyObject *res = NULL;

    argv = seq_to_argv(seq, &n);
    if (argv == NULL) {
        return NULL;
    }
    names = PyMem_New(char *, n + 1);
    if (names == NULL) {
        free_argv(argv);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        const char *eq = strchr(argv[i], '=');
        size_t klen;
        if (eq == NULL || eq == argv[i]) {
            PyErr_Format(PyExc_ValueError, "bad environment entry '%s'", argv[i]);
            for (j = 0; j < i; j++) {
                PyMem_Free(names[j]);
            }
            goto error;
        }
        klen = (size_t)(eq - argv[i]);
        names[i] = PyMem_Malloc(klen + 1);
        if (names[i] == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        memcpy(names[i], argv[i], klen);
        names[i][klen] = '\0';
    }
    names[n] = NULL;
    res = PyList_New(n);
    if (res != NULL) {
        for (i = 0; i < n; i++) {
            PyObject *s = PyUnicode_FromString(names[i]);
            if (s == NULL) {
                Py_CLEAR(res);
                break;
            }
            PyList_SET_ITEM(res, i, s);
        }
    }
    free_argv(names);
    free_argv(argv);
    return res;

error:
    for (j = 0; j < i; j++) {
        PyMem_Free(names[j]); // expected-warning {{[PML003]}}
    }
    PyMem_Free(names);
    free_argv(argv);
    return NULL;
}

static PyObject *
argvconv_check_impl(PyObject *module, PyObject *seq)
{
    char **argv;
    Py_ssize_t n;
    int bad;

    argv = seq_to_argv(seq, &n);
    if (argv == NULL) {
        return NULL;
    }
    bad = (n == 0 || argv[0][0] == '\0' || argv[0][0] == '-');
    free_argv(argv);
    if (bad) {
        const char *prog = n ? argv[0] : ""; // expected-warning {{[PML004]}}
        PyErr_Format(PyExc_ValueError, "invalid program name: '%s'", prog);
        return NULL;
    }
    return PyLong_FromSsize_t(n);
}

/* Concatenate two argv sequences; the strings move into the new array. */
static PyObject *
argvconv_concat_impl(PyObject *module, PyObject *a, PyObject *b)
{
    char **av, **bv, **merged;
    Py_ssize_t na, nb, i;
    PyObject *res;

    av = seq_to_argv(a, &na);
    if (av == NULL) {
        return NULL;
    }
    bv = seq_to_argv(b, &nb);
    if (bv == NULL) {
        free_argv(av);
        return NULL;
    }
    merged = PyMem_New(char *, na + nb + 1);
    if (merged == NULL) {
        free_argv(bv);
        free_argv(av);
        return PyErr_NoMemory();
    }
    memcpy(merged, av, na * sizeof(char *));
    memcpy(merged + na, bv, (nb + 1) * sizeof(char *));
    /* the strings now belong to merged: release only the old arrays */
    PyMem_Free(av); // no-warning: elements were moved, not copied
    PyMem_Free(bv);
    res = PyList_New(na + nb);
    for (i = 0; res != NULL && i < na + nb; i++) {
        PyObject *s = PyUnicode_FromString(merged[i]);
        if (s == NULL) {
            Py_CLEAR(res);
            break;
        }
        PyList_SET_ITEM(res, i, s);
    }
    free_argv(merged);
    return res;
}

static PyObject *
argvconv_concat(PyObject *module, PyObject *args)
{
    PyObject *a, *b;
    if (!PyArg_ParseTuple(args, "OO:concat", &a, &b)) {
        return NULL;
    }
    return argvconv_concat_impl(module, a, b);
}

static PyObject *
argvconv_join(PyObject *module, PyObject *arg)
{
    return argvconv_join_impl(module, arg);
}

static PyObject *
argvconv_env_names(PyObject *module, PyObject *arg)
{
    return argvconv_env_names_impl(module, arg);
}

static PyObject *
argvconv_check(PyObject *module, PyObject *arg)
{
    return argvconv_check_impl(module, arg);
}

static PyMethodDef argvconv_methods[] = {
    {"join", argvconv_join, METH_O, NULL},
    {"env_names", argvconv_env_names, METH_O, NULL},
    {"check", argvconv_check, METH_O, NULL},
    {"concat", argvconv_concat, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef argvconv_module = {
    PyModuleDef_HEAD_INIT, "argvconv", NULL, 0, argvconv_methods,
};

PyMODINIT_FUNC
PyInit_argvconv(void)
{
    return PyModuleDef_Init(&argvconv_module);
}
