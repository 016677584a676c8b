/* statecache.c - module-level caches kept in the module state. */
#define PY_SSIZE_T_CLEAN
#include "Python.h"
#include <string.h>

typedef struct {
    char *last;             /* copy of the last remembered value */
    Py_ssize_t last_len;
    char **names;           /* registered names, each a PyMem block */
    Py_ssize_t nnames;
    Py_ssize_t names_alloc;
    int verbose;
} cache_state;

static inline cache_state *
get_cache_state(PyObject *module)
{
    void *state = PyModule_GetState(module);
    assert(state != NULL);
    return (cache_state *)state;
}

static PyObject *
statecache_remember_impl(PyObject *module, Py_buffer *data)
{
    cache_state *st = get_cache_state(module);
    char *copy = PyMem_Malloc(data->len ? data->len : 1);

    if (copy == NULL) {
        return PyErr_NoMemory();
    }
    memcpy(copy, data->buf, data->len);
    PyMem_Free(st->last);
    st->last = copy; // no-warning: the module state owns the copy
    st->last_len = data->len;
    Py_RETURN_NONE;
}

static PyObject *
statecache_recall_impl(PyObject *module)
{
    cache_state *st = get_cache_state(module);
    if (st->last == NULL) {
        Py_RETURN_NONE;
    }
    return PyBytes_FromStringAndSize(st->last, st->last_len);
}

static PyObject *
statecache_forget_impl(PyObject *module)
{
    cache_state *st = get_cache_state(module);
    char *old = st->last;
    Py_ssize_t len = st->last_len;

    if (old == NULL) {
        Py_RETURN_FALSE;
    }
    st->last = NULL;
    st->last_len = 0;
    PyMem_Free(old);
    if (st->verbose) {
        PySys_WriteStderr("statecache: forgot %zd bytes (%.8s...)\n", len, old); // expected-warning {{[PML004]}}
    }
    Py_RETURN_TRUE;
}

static int
names_find(cache_state *st, const char *name)
{
    Py_ssize_t i;
    for (i = 0; i < st->nnames; i++) {
        if (strcmp(st->names[i], name) == 0) {
            return 1;
        }
    }
    return 0;
}

static PyObject *
statecache_register_impl(PyObject *module, const char *name, Py_ssize_t len)
{
    cache_state *st = get_cache_state(module);
    char *copy;

    copy = PyMem_Malloc(len + 1); // expected-warning {{[PML006]}}
    if (copy == NULL) {
        return PyErr_NoMemory();
    }
    memcpy(copy, name, len);
    copy[len] = '\0';
    if (names_find(st, copy)) {
        Py_RETURN_FALSE;
    }
    if (st->nnames == st->names_alloc) {
        Py_ssize_t newalloc = st->names_alloc + 16;
        char **tmp = st->names;

        PyMem_Resize(tmp, char *, newalloc); // no-warning: st->names keeps the old block
        if (tmp == NULL) {
            PyMem_Free(copy);
            return PyErr_NoMemory();
        }
        st->names = tmp;
        st->names_alloc = newalloc;
    }
    st->names[st->nnames++] = copy;
    Py_RETURN_TRUE;
}

static PyObject *
statecache_replace_names_impl(PyObject *module, PyObject *seq)
{
    cache_state *st = get_cache_state(module);
    char **newnames;
    Py_ssize_t n, i, k;

    seq = PySequence_Fast(seq, "names must be a sequence");
    if (seq == NULL) {
        return NULL;
    }
    n = PySequence_Fast_GET_SIZE(seq);
    newnames = PyMem_New(char *, n ? n : 1); // expected-warning {{[PML005]}}
    if (newnames == NULL) {
        Py_DECREF(seq);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        Py_ssize_t len;
        const char *s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(seq, i), &len);
        if (s == NULL) {
            goto error;
        }
        newnames[i] = PyMem_Malloc(len + 1);
        if (newnames[i] == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        memcpy(newnames[i], s, len + 1);
    }
    Py_DECREF(seq);
    for (k = 0; k < st->nnames; k++) {
        PyMem_Free(st->names[k]);
    }
    PyMem_Free(st->names);
    st->names = newnames; // no-warning: stored in the module state
    st->names_alloc = n ? n : 1;
    st->nnames = n;
    return PyLong_FromSsize_t(n);

error:
    Py_DECREF(seq);
    for (k = 0; k < i; k++) {
        PyMem_Free(newnames[k]);
    }
    return NULL;
}

/* Take private copies of the names, then build the tuple from them. */
static PyObject *
statecache_snapshot_impl(PyObject *module)
{
    cache_state *st = get_cache_state(module);
    Py_ssize_t i, n = st->nnames;
    char **copies;
    PyObject *res = NULL;

    copies = PyMem_New(char *, n ? n : 1);
    if (copies == NULL) {
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        size_t len = strlen(st->names[i]);
        copies[i] = PyMem_Malloc(len + 1);
        if (copies[i] == NULL) {
            PyErr_NoMemory();
            n = i;      /* only the first i entries were filled */
            goto done;
        }
        memcpy(copies[i], st->names[i], len + 1);
    }
    res = PyTuple_New(n);
    for (i = 0; res != NULL && i < n; i++) {
        PyObject *s = PyUnicode_FromString(copies[i]);
        if (s == NULL) {
            Py_CLEAR(res);
            break;
        }
        PyTuple_SET_ITEM(res, i, s);
    }
done:
    for (i = 0; i < n; i++) {
        PyMem_Free(copies[i]);
    }
    PyMem_Free(copies);
    return res;
}

static PyObject *
statecache_snapshot(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return statecache_snapshot_impl(module);
}

static PyObject *
statecache_remember(PyObject *module, PyObject *arg)
{
    Py_buffer data = {NULL, NULL};
    PyObject *res;
    if (PyObject_GetBuffer(arg, &data, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    res = statecache_remember_impl(module, &data);
    PyBuffer_Release(&data);
    return res;
}

static PyObject *
statecache_recall(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return statecache_recall_impl(module);
}

static PyObject *
statecache_forget(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return statecache_forget_impl(module);
}

static PyObject *
statecache_register(PyObject *module, PyObject *args)
{
    const char *name;
    Py_ssize_t len;
    if (!PyArg_ParseTuple(args, "s#:register", &name, &len)) {
        return NULL;
    }
    return statecache_register_impl(module, name, len);
}

static PyObject *
statecache_replace_names(PyObject *module, PyObject *arg)
{
    return statecache_replace_names_impl(module, arg);
}

static PyMethodDef statecache_methods[] = {
    {"remember", statecache_remember, METH_O, NULL},
    {"recall", statecache_recall, METH_NOARGS, NULL},
    {"forget", statecache_forget, METH_NOARGS, NULL},
    {"register", statecache_register, METH_VARARGS, NULL},
    {"replace_names", statecache_replace_names, METH_O, NULL},
    {"snapshot", statecache_snapshot, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static int
statecache_exec(PyObject *module)
{
    cache_state *st = get_cache_state(module);
    st->verbose = Py_GETENV("STATECACHE_VERBOSE") != NULL;
    return 0;
}

static void
statecache_free(void *module)
{
    cache_state *st = get_cache_state((PyObject *)module);
    Py_ssize_t i;
    PyMem_Free(st->last);
    st->last = NULL;
    for (i = 0; i < st->nnames; i++) {
        PyMem_Free(st->names[i]);
    }
    PyMem_Free(st->names);
    st->names = NULL;
    st->nnames = st->names_alloc = 0;
}

static PyModuleDef_Slot statecache_slots[] = {
    {Py_mod_exec, statecache_exec},
    {0, NULL}
};

static struct PyModuleDef statecache_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "statecache",
    .m_size = sizeof(cache_state),
    .m_methods = statecache_methods,
    .m_slots = statecache_slots,
    .m_free = statecache_free,
};

PyMODINIT_FUNC
PyInit_statecache(void)
{
    return PyModuleDef_Init(&statecache_module);
}
