/*
 * module_state_cache.c - per-module state cache (PyModule_GetState, Py_mod_exec,
 * m_free) plus a small heap type, as in multi-phase-init CPython modules.
 * What this file tests:
 *   PML008  the Py_mod_exec slot and an Entry setter return -1 after a
 *           failed PyMem_Malloc with no exception set
 *   PML012  m_free releases the PyModule_GetState() block itself
 *   PML007  intern_name() grows st->names with PyMem_Resize in place
 *   PML009  set_weights() allocates n * sizeof(double) unguarded
 *   PML004  drop_name() builds its result from the freed string
 * Negatives: names are released one by one in m_free, Entry's label is
 * replaced only after the copy succeeded, set_weights() frees on failure.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef struct {
    PyObject *error;
    PyObject *entry_type;
    char **names;
    Py_ssize_t nnames, allocated;
    double *weights;
    Py_ssize_t nweights;
} cache_state;

typedef struct {
    PyObject_HEAD
    char *label;
} EntryObject;

static int
Entry_set_label(EntryObject *self, PyObject *value, void *closure)
{
    const char *s;
    Py_ssize_t len;
    char *copy;

    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete label");
        return -1;
    }
    s = PyUnicode_AsUTF8AndSize(value, &len);
    if (s == NULL)
        return -1;
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL)
        return -1; // expected-warning {{[PML008]}}
    memcpy(copy, s, len + 1);
    PyMem_Free(self->label);
    self->label = copy;
    return 0;
}

static PyObject *
Entry_get_label(EntryObject *self, void *closure)
{
    return PyUnicode_FromString(self->label ? self->label : "");
}

static void
Entry_dealloc(EntryObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);

    PyMem_Free(self->label);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyGetSetDef Entry_getset[] = {
    {"label", (getter)Entry_get_label, (setter)Entry_set_label, NULL, NULL},
    {NULL}
};

static PyType_Slot Entry_slots[] = {
    {Py_tp_dealloc, Entry_dealloc},
    {Py_tp_getset, Entry_getset},
    {0, NULL}
};

static PyType_Spec Entry_spec = {
    "statecache.Entry", sizeof(EntryObject), 0, Py_TPFLAGS_DEFAULT, Entry_slots
};

static PyObject *
intern_name(PyObject *module, PyObject *arg)
{
    cache_state *st = PyModule_GetState(module);
    const char *s;
    Py_ssize_t len;
    char *copy;

    s = PyUnicode_AsUTF8AndSize(arg, &len);
    if (s == NULL)
        return NULL;
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, s, len + 1);
    if (st->nnames == st->allocated) {
        st->allocated += 16;
        PyMem_Resize(st->names, char *, st->allocated); // expected-warning {{[PML007]}}
        if (st->names == NULL) {
            st->nnames = st->allocated = 0;
            PyMem_Free(copy);
            return PyErr_NoMemory();
        }
    }
    st->names[st->nnames++] = copy;
    return PyLong_FromSsize_t(st->nnames - 1);
}

static PyObject *
drop_name(PyObject *module, PyObject *arg)
{
    cache_state *st = PyModule_GetState(module);
    Py_ssize_t i = PyLong_AsSsize_t(arg);
    char *victim;
    PyObject *res;

    if (i == -1 && PyErr_Occurred())
        return NULL;
    if (i < 0 || i >= st->nnames) {
        PyErr_SetString(PyExc_IndexError, "name index out of range");
        return NULL;
    }
    victim = st->names[i];
    memmove(&st->names[i], &st->names[i + 1], (st->nnames - i - 1) * sizeof(char *));
    st->nnames--;
    PyMem_Free(victim);
    res = PyUnicode_FromString(victim); // expected-warning {{[PML004]}}
    return res;
}

static int
fill_weights(PyObject *seq, double *w, Py_ssize_t n)
{
    Py_ssize_t i;

    for (i = 0; i < n; i++) {
        w[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(seq, i));
        if (w[i] == -1.0 && PyErr_Occurred())
            return -1;
    }
    return 0;
}

static PyObject *
set_weights(PyObject *module, PyObject *arg)
{
    cache_state *st = PyModule_GetState(module);
    PyObject *seq = PySequence_Fast(arg, "weights must be a sequence");
    Py_ssize_t n;
    double *w;

    if (seq == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(seq);
    w = PyMem_Malloc(n * sizeof(double) + 1); // expected-warning {{[PML009]}}
    if (w == NULL) {
        Py_DECREF(seq);
        return PyErr_NoMemory();
    }
    if (fill_weights(seq, w, n) < 0) {
        Py_DECREF(seq);
        PyMem_Free(w);
        return NULL;
    }
    Py_DECREF(seq);
    PyMem_Free(st->weights);
    st->weights = w;
    st->nweights = n;
    Py_RETURN_NONE;
}

static int
cache_traverse(PyObject *module, visitproc visit, void *arg)
{
    cache_state *st = PyModule_GetState(module);

    Py_VISIT(st->error);
    Py_VISIT(st->entry_type);
    return 0;
}

static int
cache_clear(PyObject *module)
{
    cache_state *st = PyModule_GetState(module);

    Py_CLEAR(st->error);
    Py_CLEAR(st->entry_type);
    return 0;
}

static void
cache_free(void *module)
{
    cache_state *st = PyModule_GetState((PyObject *)module);
    Py_ssize_t i;

    for (i = 0; i < st->nnames; i++)
        PyMem_Free(st->names[i]); // no-warning: each name was PyMem_Malloc'd
    PyMem_Free(st->names);
    PyMem_Free(st->weights);
    cache_clear((PyObject *)module);
    PyMem_Free(st); // expected-warning {{[PML012]}}
}

static int
cache_exec(PyObject *module)
{
    cache_state *st = PyModule_GetState(module);

    st->error = PyErr_NewException("statecache.CacheError", NULL, NULL);
    if (st->error == NULL || PyModule_AddObjectRef(module, "CacheError", st->error) < 0)
        return -1;
    st->entry_type = PyType_FromModuleAndSpec(module, &Entry_spec, NULL);
    if (st->entry_type == NULL || PyModule_AddType(module, (PyTypeObject *)st->entry_type) < 0)
        return -1;
    st->names = PyMem_Malloc(16 * sizeof(char *));
    if (st->names == NULL)
        return -1; // expected-warning {{[PML008]}}
    st->allocated = 16;
    return 0;
}

static PyMethodDef cache_methods[] = {
    {"intern_name", intern_name, METH_O, NULL},
    {"drop_name", drop_name, METH_O, NULL},
    {"set_weights", set_weights, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static PyModuleDef_Slot cache_slots[] = {{Py_mod_exec, cache_exec}, {0, NULL}};

static struct PyModuleDef cachemodule = {
    PyModuleDef_HEAD_INIT,
    .m_name = "statecache",
    .m_size = sizeof(cache_state),
    .m_methods = cache_methods,
    .m_slots = cache_slots,
    .m_traverse = cache_traverse,
    .m_clear = cache_clear,
    .m_free = cache_free,
};

PyMODINIT_FUNC
PyInit_statecache(void)
{
    return PyModuleDef_Init(&cachemodule);
}
