/*
 * use-after-free/structs_lists.c - PML004 on structs and linked lists: a
 * struct released before its members are read, list nodes released before
 * the link to the next node is followed.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

struct entry {
    PyObject *key;
    PyObject *value;
    char *tag;
    struct entry *next;
};

/* ---- struct released before its members ---- */

static PyObject *
entry_roundtrip(PyObject *self, PyObject *args)
{
    PyObject *key, *value, *result;
    struct entry *e;

    if (!PyArg_ParseTuple(args, "OO:entry_roundtrip", &key, &value))
        return NULL;
    e = PyMem_Malloc(sizeof(struct entry));
    if (e == NULL)
        return PyErr_NoMemory();
    Py_INCREF(key);
    Py_INCREF(value);
    e->key = key;
    e->value = value;
    e->tag = NULL;
    e->next = NULL;
    result = PyTuple_Pack(2, e->value, e->key);
    Py_DECREF(e->key);
    PyMem_Free(e);
    Py_DECREF(e->value); // expected-warning {{[PML004]}}
    return result;
}

static PyObject *
entry_roundtrip_ok(PyObject *self, PyObject *args)
{
    PyObject *key, *value, *result;
    struct entry *e;

    if (!PyArg_ParseTuple(args, "OO:entry_roundtrip_ok", &key, &value))
        return NULL;
    e = PyMem_Malloc(sizeof(struct entry));
    if (e == NULL)
        return PyErr_NoMemory();
    Py_INCREF(key);
    Py_INCREF(value);
    e->key = key;
    e->value = value;
    e->tag = NULL;
    e->next = NULL;
    result = PyTuple_Pack(2, e->value, e->key);
    Py_DECREF(e->key);
    Py_DECREF(e->value); // no-warning: members released before the struct
    PyMem_Free(e);
    return result;
}

static PyObject *
tagged(PyObject *self, PyObject *args)
{
    const char *tag;
    Py_ssize_t len;
    struct entry *e;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:tagged", &tag, &len))
        return NULL;
    e = PyObject_Malloc(sizeof(struct entry));
    if (e == NULL)
        return PyErr_NoMemory();
    e->tag = PyObject_Malloc(len + 1);
    if (e->tag == NULL) {
        PyObject_Free(e);
        return PyErr_NoMemory();
    }
    memcpy(e->tag, tag, len + 1);
    result = PyUnicode_FromStringAndSize(e->tag, len);
    PyObject_Free(e);
    PyObject_Free(e->tag); // expected-warning {{[PML004]}}
    return result;
}

static PyObject *
tagged_ok(PyObject *self, PyObject *args)
{
    const char *tag;
    Py_ssize_t len;
    struct entry *e;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:tagged_ok", &tag, &len))
        return NULL;
    e = PyObject_Malloc(sizeof(struct entry));
    if (e == NULL)
        return PyErr_NoMemory();
    e->tag = PyObject_Malloc(len + 1);
    if (e->tag == NULL) {
        PyObject_Free(e);
        return PyErr_NoMemory();
    }
    memcpy(e->tag, tag, len + 1);
    result = PyUnicode_FromStringAndSize(e->tag, len);
    PyObject_Free(e->tag); // no-warning: member first
    PyObject_Free(e);
    return result;
}

/* ---- a chain of entries owned by an object ---- */

typedef struct {
    PyObject_HEAD
    struct entry *head;
    Py_ssize_t size;
} ChainObject;

static void
chain_clear_bad(struct entry *head)
{
    struct entry *e;

    for (e = head; e != NULL; e = e->next) { // expected-warning {{[PML004]}}
        Py_XDECREF(e->key);
        Py_XDECREF(e->value);
        PyMem_Free(e);
    }
}

static void
chain_clear(struct entry *head)
{
    struct entry *e = head, *next;

    while (e != NULL) {
        next = e->next; // no-warning: link read before the release
        Py_XDECREF(e->key);
        Py_XDECREF(e->value);
        PyMem_Free(e);
        e = next;
    }
}

static void
chain_drop_bad(struct entry *head)
{
    struct entry *e = head;

    while (e != NULL) {
        PyMem_Free(e);
        e = e->next; // expected-warning {{[PML004]}}
    }
}

/* Releases 'e' and returns the node that followed it. */
static struct entry *
entry_release_one(struct entry *e)
{
    struct entry *next = e->next;

    Py_XDECREF(e->key);
    Py_XDECREF(e->value);
    PyMem_Free(e);
    return next; // no-warning: the saved link, not the released node
}

static struct entry *
entry_release_one_bad(struct entry *e)
{
    Py_XDECREF(e->key);
    Py_XDECREF(e->value);
    PyMem_Free(e);
    return e->next; // expected-warning {{[PML004]}}
}

static void
Chain_dealloc(ChainObject *self)
{
    chain_clear(self->head);
    self->head = NULL;
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Chain_push(ChainObject *self, PyObject *args)
{
    PyObject *key, *value;
    struct entry *e;

    if (!PyArg_ParseTuple(args, "OO:push", &key, &value))
        return NULL;
    e = PyMem_Malloc(sizeof(struct entry));
    if (e == NULL)
        return PyErr_NoMemory();
    Py_INCREF(key);
    Py_INCREF(value);
    e->key = key;
    e->value = value;
    e->tag = NULL;
    e->next = self->head;
    self->head = e;
    self->size++;
    Py_RETURN_NONE;
}

static PyObject *
Chain_pop_bad(ChainObject *self, PyObject *Py_UNUSED(ignored))
{
    struct entry *e = self->head;
    PyObject *result;

    if (e == NULL) {
        PyErr_SetString(PyExc_KeyError, "pop from empty chain");
        return NULL;
    }
    result = PyTuple_Pack(2, e->key, e->value);
    Py_DECREF(e->key);
    Py_DECREF(e->value);
    PyMem_Free(e);
    self->head = e->next; // expected-warning {{[PML004]}}
    self->size--;
    return result;
}

static PyObject *
Chain_pop(ChainObject *self, PyObject *Py_UNUSED(ignored))
{
    struct entry *e = self->head;
    PyObject *result;

    if (e == NULL) {
        PyErr_SetString(PyExc_KeyError, "pop from empty chain");
        return NULL;
    }
    result = PyTuple_Pack(2, e->key, e->value);
    self->head = e->next; // no-warning: unlinked before the release
    self->size--;
    Py_DECREF(e->key);
    Py_DECREF(e->value);
    PyMem_Free(e);
    return result;
}

static PyObject *
Chain_clear(ChainObject *self, PyObject *Py_UNUSED(ignored))
{
    struct entry *head = self->head;

    self->head = NULL;
    self->size = 0;
    chain_clear(head);
    Py_RETURN_NONE;
}

static PyObject *
Chain_clear_bad(ChainObject *self, PyObject *Py_UNUSED(ignored))
{
    struct entry *head = self->head;

    self->head = NULL;
    self->size = 0;
    chain_clear_bad(head);
    Py_RETURN_NONE;
}

static PyObject *
Chain_drop_bad(ChainObject *self, PyObject *Py_UNUSED(ignored))
{
    struct entry *head = self->head;

    self->head = NULL;
    self->size = 0;
    chain_drop_bad(head);
    Py_RETURN_NONE;
}

static PyObject *
Chain_discard(ChainObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->head != NULL) {
        self->head = entry_release_one(self->head);
        self->size--;
    }
    Py_RETURN_NONE;
}

static PyObject *
Chain_discard_bad(ChainObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->head != NULL) {
        self->head = entry_release_one_bad(self->head);
        self->size--;
    }
    Py_RETURN_NONE;
}

static PyMethodDef Chain_methods[] = {
    {"push", (PyCFunction)Chain_push, METH_VARARGS, NULL},
    {"pop", (PyCFunction)Chain_pop, METH_NOARGS, NULL},
    {"pop_bad", (PyCFunction)Chain_pop_bad, METH_NOARGS, NULL},
    {"clear", (PyCFunction)Chain_clear, METH_NOARGS, NULL},
    {"clear_bad", (PyCFunction)Chain_clear_bad, METH_NOARGS, NULL},
    {"drop_bad", (PyCFunction)Chain_drop_bad, METH_NOARGS, NULL},
    {"discard", (PyCFunction)Chain_discard, METH_NOARGS, NULL},
    {"discard_bad", (PyCFunction)Chain_discard_bad, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject ChainType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "structs_lists.Chain",
    .tp_basicsize = sizeof(ChainObject),
    .tp_dealloc = (destructor)Chain_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Chain_methods,
    .tp_new = PyType_GenericNew,
};

static PyMethodDef structs_lists_methods[] = {
    {"entry_roundtrip", entry_roundtrip, METH_VARARGS, NULL},
    {"entry_roundtrip_ok", entry_roundtrip_ok, METH_VARARGS, NULL},
    {"tagged", tagged, METH_VARARGS, NULL},
    {"tagged_ok", tagged_ok, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef structs_lists_module = {
    PyModuleDef_HEAD_INIT, "structs_lists", NULL, -1, structs_lists_methods,
};

PyMODINIT_FUNC
PyInit_structs_lists(void)
{
    PyObject *m;

    if (PyType_Ready(&ChainType) < 0)
        return NULL;
    m = PyModule_Create(&structs_lists_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&ChainType);
    if (PyModule_AddObject(m, "Chain", (PyObject *)&ChainType) < 0) {
        Py_DECREF(&ChainType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
