/* argv_convert.c: sequence-to-char** conversion in the style of CPython's
 * Modules/_posixsubprocess.c and posixmodule.c (execv/execve argument
 * handling).  Arrays are PyMem_New'd, items PyMem_Malloc'd. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <unistd.h>

static void
free_string_array(char **array, Py_ssize_t count)
{
    Py_ssize_t i;
    for (i = 0; i < count; i++)
        PyMem_Free(array[i]);
    PyMem_Free(array);
}

static void
raw_release(void *p)
{
    PyMem_RawFree(p);
}

/* Copy a str or bytes object into a fresh PyMem buffer. */
static char *
dup_fsencoded(PyObject *o, Py_ssize_t *plen)
{
    PyObject *bytes = NULL;
    const char *s;
    Py_ssize_t len;
    char *res;

    if (!PyUnicode_FSConverter(o, &bytes))
        return NULL;
    s = PyBytes_AS_STRING(bytes);
    len = PyBytes_GET_SIZE(bytes);
    if ((Py_ssize_t)strlen(s) != len) {
        PyErr_SetString(PyExc_ValueError, "embedded null byte");
        Py_DECREF(bytes);
        return NULL;
    }
    res = PyMem_Malloc(len + 1); // no-warning: returned
    if (res == NULL) {
        Py_DECREF(bytes);
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(res, s, (size_t)len + 1);
    Py_DECREF(bytes);
    if (plen)
        *plen = len;
    return res;
}

/* Convert a sequence to a NULL-terminated argv; on success *out owns it. */
static int
seq_to_argv(PyObject *seq, char ***out, Py_ssize_t *count)
{
    PyObject *fast;
    Py_ssize_t i, n;
    char **argv;

    fast = PySequence_Fast(seq, "argv must be a sequence");
    if (fast == NULL)
        return -1;
    n = PySequence_Fast_GET_SIZE(fast);
    argv = PyMem_New(char *, n + 1); // no-warning: handed out through *out
    if (argv == NULL) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < n; i++) {
        argv[i] = dup_fsencoded(PySequence_Fast_GET_ITEM(fast, i), NULL);
        if (argv[i] == NULL) {
            free_string_array(argv, i);
            Py_DECREF(fast);
            return -1;
        }
    }
    argv[n] = NULL;
    Py_DECREF(fast);
    *out = argv;
    *count = n;
    return 0;
}

static char **
env_to_envp(PyObject *env, Py_ssize_t *count)
{
    PyObject *keys = NULL, *values = NULL;
    Py_ssize_t i, n;
    char **envp;

    keys = PyMapping_Keys(env);
    if (keys == NULL)
        return NULL;
    values = PyMapping_Values(env);
    if (values == NULL) {
        Py_DECREF(keys);
        return NULL;
    }
    n = PyList_GET_SIZE(keys);
    envp = PyMem_New(char *, n + 1); // expected-warning {{[PML005]}}
    if (envp == NULL) {
        Py_DECREF(keys);
        Py_DECREF(values);
        PyErr_NoMemory();
        return NULL;
    }
    for (i = 0; i < n; i++) {
        char *k, *v;
        Py_ssize_t klen, vlen;
        k = dup_fsencoded(PyList_GET_ITEM(keys, i), &klen);
        if (k == NULL)
            goto error;
        v = dup_fsencoded(PyList_GET_ITEM(values, i), &vlen);
        if (v == NULL) {
            PyMem_Free(k);
            goto error;
        }
        envp[i] = PyMem_Malloc(klen + vlen + 2); // no-warning: stored in envp
        if (envp[i] == NULL) {
            PyMem_Free(k);
            PyMem_Free(v);
            PyErr_NoMemory();
            goto error;
        }
        PyOS_snprintf(envp[i], (size_t)(klen + vlen + 2), "%s=%s", k, v);
        PyMem_Free(k);
        PyMem_Free(v);
    }
    envp[n] = NULL;
    Py_DECREF(keys);
    Py_DECREF(values);
    *count = n;
    return envp;

error:
    /* frees the strings made so far but not the array itself */
    while (--i >= 0)
        PyMem_Free(envp[i]);
    Py_DECREF(keys);
    Py_DECREF(values);
    return NULL;
}

static int
fake_spawn(char *const argv[], char *const envp[], const char *cwd)
{
    return argv[0] != NULL && (cwd == NULL || cwd[0] != '\0') ? 4242 : -1;
}

static PyObject *
spawn(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"argv", "env", "cwd", NULL};
    PyObject *argv_obj, *env_obj = Py_None, *cwd_obj = Py_None;
    char **argv = NULL, **envp = NULL, *cwd = NULL;
    Py_ssize_t argc = 0, envc = 0;
    PyObject *result = NULL;
    int pid;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|OO:spawn", kwlist,
                                     &argv_obj, &env_obj, &cwd_obj))
        return NULL;
    if (seq_to_argv(argv_obj, &argv, &argc) < 0)
        goto cleanup;
    if (argc == 0) {
        PyErr_SetString(PyExc_ValueError, "argv must not be empty");
        goto cleanup;
    }
    if (env_obj != Py_None) {
        envp = env_to_envp(env_obj, &envc);
        if (envp == NULL)
            goto cleanup;
    }
    if (cwd_obj != Py_None) {
        cwd = dup_fsencoded(cwd_obj, NULL);
        if (cwd == NULL)
            goto cleanup;
    }
    pid = fake_spawn(argv, envp, cwd);
    if (pid < 0) {
        PyMem_Free(cwd);
        PyErr_SetString(PyExc_OSError, "spawn failed");
        goto cleanup;
    }
    result = PyLong_FromLong(pid);

cleanup:
    if (argv)
        free_string_array(argv, argc);
    if (envp)
        free_string_array(envp, envc);
    PyMem_Free(cwd); // expected-warning {{[PML003]}}
    return result;
}

static PyObject *
join_args(PyObject *module, PyObject *args)
{
    PyObject *seq, *res = NULL;
    char **argv = NULL;
    Py_ssize_t argc = 0, i, total = 0, pos = 0;
    char *line;

    if (!PyArg_ParseTuple(args, "O:join_args", &seq))
        return NULL;
    if (seq_to_argv(seq, &argv, &argc) < 0)
        return NULL;
    for (i = 0; i < argc; i++)
        total += (Py_ssize_t)strlen(argv[i]) + 3;
    line = PyMem_Malloc(total + 1); // no-warning
    if (line == NULL) {
        free_string_array(argv, argc);
        return PyErr_NoMemory();
    }
    for (i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]);
        int quote = strchr(argv[i], ' ') != NULL || n == 0;
        if (i > 0)
            line[pos++] = ' ';
        if (quote)
            line[pos++] = '"';
        memcpy(line + pos, argv[i], n);
        pos += (Py_ssize_t)n;
        if (quote)
            line[pos++] = '"';
    }
    line[pos] = '\0';
    res = PyUnicode_DecodeFSDefaultAndSize(line, pos);
    PyMem_Free(line);
    free_string_array(argv, argc);
    return res;
}

static PyObject *
split_path_list(PyObject *module, PyObject *args)
{
    const char *path;
    Py_ssize_t len;
    PyObject *list;
    const char *start, *end;

    if (!PyArg_ParseTuple(args, "s#:split_path_list", &path, &len))
        return NULL;
    list = PyList_New(0);
    if (list == NULL)
        return NULL;
    start = path;
    for (;;) {
        Py_ssize_t n;
        char *piece;
        PyObject *item;

        end = strchr(start, ':');
        n = end ? end - start : (Py_ssize_t)strlen(start);
        piece = PyMem_Malloc(n + 1); // expected-warning {{[PML006]}}
        if (piece == NULL) {
            Py_DECREF(list);
            return PyErr_NoMemory();
        }
        if (n == 0) {
            /* empty entries are skipped */
            if (end == NULL)
                break;
            start = end + 1;
            continue;
        }
        memcpy(piece, start, (size_t)n);
        piece[n] = '\0';
        item = PyUnicode_DecodeFSDefault(piece);
        PyMem_Free(piece);
        if (item == NULL || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(item);
        if (end == NULL)
            break;
        start = end + 1;
    }
    return list;
}

static PyObject *
getenv_copy(PyObject *module, PyObject *args)
{
    const char *name;
    const char *val;
    char *copy;
    size_t n;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "s:getenv_copy", &name))
        return NULL;
    val = getenv(name);
    if (val == NULL)
        Py_RETURN_NONE;
    n = strlen(val);
    /* the environment may change under us once the GIL is released */
    copy = PyMem_Malloc(n + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, val, n + 1);
    res = PyUnicode_DecodeFSDefault(copy);
    raw_release(copy); // expected-warning {{[PML002]}}
    return res;
}

static PyObject *
which(PyObject *module, PyObject *args)
{
    const char *name, *path, *start;
    Py_ssize_t nlen;

    if (!PyArg_ParseTuple(args, "s#:which", &name, &nlen))
        return NULL;
    path = getenv("PATH");
    if (path == NULL)
        Py_RETURN_NONE;
    start = path;
    while (*start) {
        const char *end = strchr(start, ':');
        Py_ssize_t dlen = end ? end - start : (Py_ssize_t)strlen(start);
        char *candidate;

        if (dlen == 0) {
            start = end ? end + 1 : start + dlen;
            continue;
        }
        candidate = PyMem_Malloc(dlen + nlen + 2); // no-warning: freed or turned into the result
        if (candidate == NULL)
            return PyErr_NoMemory();
        memcpy(candidate, start, (size_t)dlen);
        candidate[dlen] = '/';
        memcpy(candidate + dlen + 1, name, (size_t)nlen);
        candidate[dlen + 1 + nlen] = '\0';
        if (access(candidate, X_OK) == 0) {
            PyObject *res = PyUnicode_DecodeFSDefault(candidate);
            PyMem_Free(candidate);
            return res;
        }
        PyMem_Free(candidate);
        if (end == NULL)
            break;
        start = end + 1;
    }
    Py_RETURN_NONE;
}

static PyObject *
argv_roundtrip(PyObject *module, PyObject *args)
{
    PyObject *seq, *res;
    char **argv;
    Py_ssize_t argc, i;

    if (!PyArg_ParseTuple(args, "O:argv_roundtrip", &seq))
        return NULL;
    if (seq_to_argv(seq, &argv, &argc) < 0)
        return NULL;
    res = PyList_New(argc);
    if (res == NULL) {
        free_string_array(argv, argc);
        return NULL;
    }
    for (i = 0; i < argc; i++) {
        PyObject *s = PyUnicode_DecodeFSDefault(argv[i]);
        if (s == NULL) {
            Py_DECREF(res);
            free_string_array(argv, argc);
            return NULL;
        }
        PyList_SET_ITEM(res, i, s);
    }
    free_string_array(argv, argc);
    return res;
}

static PyMethodDef argv_methods[] = {
    {"spawn", (PyCFunction)(void (*)(void))spawn, METH_VARARGS | METH_KEYWORDS, NULL},
    {"join_args", join_args, METH_VARARGS, NULL},
    {"split_path_list", split_path_list, METH_VARARGS, NULL},
    {"getenv_copy", getenv_copy, METH_VARARGS, NULL},
    {"which", which, METH_VARARGS, NULL},
    {"argv_roundtrip", argv_roundtrip, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef argv_module = {
    PyModuleDef_HEAD_INIT, "argv_convert", NULL, -1, argv_methods,
};

PyMODINIT_FUNC
PyInit_argv_convert(void)
{
    return PyModule_Create(&argv_module);
}
