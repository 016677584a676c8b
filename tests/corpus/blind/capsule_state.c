// known-to-fail: a block handed to PyCapsule_New is taken back when the capsule cannot be made; the engine treats the hand-over as final (line 174)
/* capsule_state.c: C-level state shared through capsules and module state,
 * in the style of CPython's Modules/_decimal (context capsules),
 * _datetimemodule.c (the C API capsule) and _curses_panel. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define CONFIG_CAPSULE "capsule_state.config"
#define VECTOR_CAPSULE "capsule_state.vector"
#define TABLE_SIZE 256

typedef struct {
    int precision;
    int rounding;
    char *name;
} Config;

typedef struct {
    Py_ssize_t n;
    Py_ssize_t cap;
    double *items;
} Vector;

typedef struct {
    long *table;
    Py_ssize_t table_len;
    char *last_error;
} module_state;

static void
config_destructor(PyObject *capsule)
{
    Config *cfg = PyCapsule_GetPointer(capsule, CONFIG_CAPSULE);
    if (cfg == NULL)
        return;
    PyMem_Free(cfg->name);
    PyMem_Free(cfg);
}

static void
vector_destructor(PyObject *capsule)
{
    Vector *v = PyCapsule_GetPointer(capsule, VECTOR_CAPSULE);
    if (v == NULL)
        return;
    PyMem_Free(v->items);
    PyMem_Free(v);
}

static PyObject *
make_config(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"name", "precision", "rounding", NULL};
    const char *name;
    int precision = 28, rounding = 0;
    Config *cfg;
    PyObject *cap;
    size_t len;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s|ii:make_config", kwlist,
                                     &name, &precision, &rounding))
        return NULL;
    cfg = PyMem_Malloc(sizeof(Config)); // no-warning: owned by the capsule
    if (cfg == NULL)
        return PyErr_NoMemory();
    len = strlen(name);
    cfg->name = PyMem_Malloc(len + 1); // no-warning: owned by cfg
    if (cfg->name == NULL) {
        PyMem_Free(cfg);
        return PyErr_NoMemory();
    }
    memcpy(cfg->name, name, len + 1);
    cfg->precision = precision;
    cfg->rounding = rounding;

    cap = PyCapsule_New(cfg, CONFIG_CAPSULE, config_destructor);
    if (cap == NULL) {
        PyMem_Free(cfg->name);
        PyMem_Free(cfg);
        return NULL;
    }
    return cap;
}

static PyObject *
config_rename(PyObject *module, PyObject *args)
{
    PyObject *cap;
    const char *newname;
    Config *cfg;
    char *copy;
    size_t len;

    if (!PyArg_ParseTuple(args, "Os:config_rename", &cap, &newname))
        return NULL;
    cfg = PyCapsule_GetPointer(cap, CONFIG_CAPSULE);
    if (cfg == NULL)
        return NULL;
    len = strlen(newname);
    copy = PyMem_Malloc(len + 1); // no-warning: replaces cfg->name
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, newname, len + 1);
    PyMem_Free(cfg->name);
    cfg->name = copy;
    Py_RETURN_NONE;
}

static PyObject *
make_vector(PyObject *module, PyObject *args)
{
    Py_ssize_t cap_hint = 8;
    Vector *v;
    PyObject *cap;

    if (!PyArg_ParseTuple(args, "|n:make_vector", &cap_hint))
        return NULL;
    if (cap_hint < 1)
        cap_hint = 1;
    v = PyMem_Malloc(sizeof(Vector));
    v->n = 0; // expected-warning {{[PML001]}}
    v->cap = cap_hint;
    v->items = PyMem_New(double, cap_hint);
    if (v->items == NULL) {
        PyMem_Free(v);
        return PyErr_NoMemory();
    }
    cap = PyCapsule_New(v, VECTOR_CAPSULE, vector_destructor);
    if (cap == NULL) {
        PyMem_Free(v->items);
        PyMem_Free(v);
        return NULL;
    }
    return cap;
}

static PyObject *
vector_append(PyObject *module, PyObject *args)
{
    PyObject *cap;
    double x;
    Vector *v;

    if (!PyArg_ParseTuple(args, "Od:vector_append", &cap, &x))
        return NULL;
    v = PyCapsule_GetPointer(cap, VECTOR_CAPSULE);
    if (v == NULL)
        return NULL;
    if (v->n == v->cap) {
        Py_ssize_t newcap = v->cap + (v->cap >> 1) + 1;
        double *items = v->items;
        PyMem_Resize(items, double, newcap); // no-warning: v->items keeps the old block
        if (items == NULL)
            return PyErr_NoMemory();
        v->items = items;
        v->cap = newcap;
    }
    v->items[v->n++] = x;
    return PyLong_FromSsize_t(v->n);
}

static PyObject *
vector_from_list(PyObject *module, PyObject *args)
{
    PyObject *list, *cap;
    Py_ssize_t i, n;
    Vector *v;
    double *items;

    if (!PyArg_ParseTuple(args, "O!:vector_from_list", &PyList_Type, &list))
        return NULL;
    n = PyList_GET_SIZE(list);
    items = PyMem_New(double, n + 1); // expected-warning {{[PML005]}}
    if (items == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++) {
        items[i] = PyFloat_AsDouble(PyList_GET_ITEM(list, i));
        if (items[i] == -1.0 && PyErr_Occurred()) {
            PyMem_Free(items);
            return NULL;
        }
    }
    v = PyMem_Malloc(sizeof(Vector)); // no-warning: freed when the capsule cannot be made
    if (v == NULL) {
        PyMem_Free(items);
        return PyErr_NoMemory();
    }
    v->n = n;
    v->cap = n + 1;
    v->items = items;
    cap = PyCapsule_New(v, VECTOR_CAPSULE, vector_destructor);
    if (cap == NULL) {
        /* the capsule never took ownership; v->items is lost with v */
        PyMem_Free(v);
        return NULL;
    }
    return cap;
}

static PyObject *
vector_snapshot(PyObject *module, PyObject *args)
{
    PyObject *cap, *res;
    Vector *v;
    double *copy;
    Py_ssize_t i;

    if (!PyArg_ParseTuple(args, "O:vector_snapshot", &cap))
        return NULL;
    v = PyCapsule_GetPointer(cap, VECTOR_CAPSULE);
    if (v == NULL)
        return NULL;
    copy = PyMem_New(double, v->n + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < v->n; i++)
        copy[i] = v->items[i];
    res = PyTuple_New(v->n);
    if (res == NULL) {
        PyMem_Free(copy);
        return NULL;
    }
    PyMem_Free(copy);
    for (i = 0; i < v->n; i++) {
        PyObject *f = PyFloat_FromDouble(copy[i]); // expected-warning {{[PML004]}}
        if (f == NULL) {
            Py_DECREF(res);
            return NULL;
        }
        PyTuple_SET_ITEM(res, i, f);
    }
    return res;
}

/* ---- module state ---- */

static module_state *
get_state(PyObject *module)
{
    return (module_state *)PyModule_GetState(module);
}

static PyObject *
table_lookup(PyObject *module, PyObject *args)
{
    int idx;
    module_state *st = get_state(module);

    if (!PyArg_ParseTuple(args, "i:table_lookup", &idx))
        return NULL;
    if (idx < 0 || idx >= st->table_len) {
        PyErr_SetString(PyExc_IndexError, "table index out of range");
        return NULL;
    }
    return PyLong_FromLong(st->table[idx]);
}

static PyObject *
set_last_error(PyObject *module, PyObject *args)
{
    const char *msg;
    Py_ssize_t len;
    char *copy;
    module_state *st = get_state(module);

    if (!PyArg_ParseTuple(args, "s#:set_last_error", &msg, &len))
        return NULL;
    copy = PyMem_Malloc(len + 1); // no-warning: stored in module state
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, msg, (size_t)len);
    copy[len] = '\0';
    PyMem_Free(st->last_error);
    st->last_error = copy;
    Py_RETURN_NONE;
}

static int
capsule_state_exec(PyObject *module)
{
    module_state *st = get_state(module);
    Py_ssize_t i;

    st->table = PyMem_Calloc(TABLE_SIZE, sizeof(long)); // no-warning: freed in m_free
    if (st->table == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < TABLE_SIZE; i++)
        st->table[i] = (long)(i ^ 0x5a);
    st->table_len = TABLE_SIZE;
    st->last_error = NULL;
    return 0;
}

static void
capsule_state_free(void *module)
{
    module_state *st = get_state((PyObject *)module);
    if (st == NULL)
        return;
    PyMem_Free(st->table);
    st->table = NULL;
    PyMem_Free(st->last_error);
    st->last_error = NULL;
}

static PyObject *
config_clone(PyObject *module, PyObject *args)
{
    PyObject *cap, *res;
    Config *src, *dst;

    if (!PyArg_ParseTuple(args, "O:config_clone", &cap))
        return NULL;
    src = PyCapsule_GetPointer(cap, CONFIG_CAPSULE);
    if (src == NULL)
        return NULL;
    dst = PyMem_Malloc(sizeof(Config)); // no-warning: owned by the new capsule
    if (dst == NULL)
        return PyErr_NoMemory();
    *dst = *src;
    dst->name = NULL;
    if (src->name != NULL) {
        size_t n = strlen(src->name);
        dst->name = PyMem_Malloc(n + 1); // no-warning: owned by dst
        if (dst->name == NULL) {
            PyMem_Free(dst);
            return PyErr_NoMemory();
        }
        memcpy(dst->name, src->name, n + 1);
    }
    res = PyCapsule_New(dst, CONFIG_CAPSULE, config_destructor);
    if (res == NULL) {
        PyMem_Free(dst->name);
        PyMem_Free(dst);
    }
    return res;
}

static PyMethodDef capsule_state_methods[] = {
    {"make_config", (PyCFunction)(void (*)(void))make_config, METH_VARARGS | METH_KEYWORDS, NULL},
    {"config_rename", config_rename, METH_VARARGS, NULL},
    {"make_vector", make_vector, METH_VARARGS, NULL},
    {"vector_append", vector_append, METH_VARARGS, NULL},
    {"vector_from_list", vector_from_list, METH_VARARGS, NULL},
    {"vector_snapshot", vector_snapshot, METH_VARARGS, NULL},
    {"table_lookup", table_lookup, METH_VARARGS, NULL},
    {"set_last_error", set_last_error, METH_VARARGS, NULL},
    {"config_clone", config_clone, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyModuleDef_Slot capsule_state_slots[] = {
    {Py_mod_exec, capsule_state_exec},
    {0, NULL}
};

static struct PyModuleDef capsule_state_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "capsule_state",
    .m_size = sizeof(module_state),
    .m_methods = capsule_state_methods,
    .m_slots = capsule_state_slots,
    .m_free = capsule_state_free,
};

PyMODINIT_FUNC
PyInit_capsule_state(void)
{
    return PyModuleDef_Init(&capsule_state_module);
}
