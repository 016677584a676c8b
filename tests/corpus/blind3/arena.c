/*
 * arena.c -- a bump-pointer Arena type for a parser's short-lived strings,
 * with a one-chunk static cache shared by all arenas.
 * Tests: PML001 (first chunk written through before its NULL check),
 * PML003 (temporary freed, then freed again at the error label), PML006
 * (snapshot buffer never freed), PML011 (free of a base pointer after p++).
 * Negatives: heap chunk parked in a static and freed later, a counts
 * pointer moved back with p -= 1 before PyMem_Free, internal helpers that
 * return NULL to callers raising MemoryError.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <string.h>

typedef struct chunk {
    struct chunk *next;
    size_t used, size;
    char data[1];
} chunk_t;

typedef struct {
    PyObject_HEAD
    chunk_t *head;
    size_t chunk_size;
} ArenaObject;

static chunk_t *spare_chunk = NULL;     /* one heap chunk kept for reuse */

static chunk_t *
chunk_new(size_t size)
{
    chunk_t *c;
    if (spare_chunk != NULL && spare_chunk->size >= size) {
        c = spare_chunk;
        spare_chunk = NULL;
    }
    else {
        c = PyMem_Malloc(offsetof(chunk_t, data) + size);
        if (c == NULL)
            return NULL;
        c->size = size;
    }
    c->next = NULL, c->used = 0;
    return c;
}

static void
arena_clear(ArenaObject *self)
{
    while (self->head != NULL) {
        chunk_t *next = self->head->next;
        if (spare_chunk == NULL)
            spare_chunk = self->head;
        else
            PyMem_Free(self->head);
        self->head = next;
    }
}

static char *
arena_alloc(ArenaObject *self, size_t n)
{
    chunk_t *c = self->head;
    char *p;
    if (c == NULL || c->size - c->used < n) {
        c = chunk_new(n > self->chunk_size ? n : self->chunk_size);
        if (c == NULL)
            return NULL;
        c->next = self->head;
        self->head = c;
    }
    p = c->data + c->used;
    c->used += n;
    return p;
}

static int
Arena_init(ArenaObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"chunk_size", NULL};
    Py_ssize_t size = 4096;
    chunk_t *c;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|n:Arena", kwlist, &size))
        return -1;
    if (size < 64 || size > (1 << 24)) {
        PyErr_SetString(PyExc_ValueError, "chunk_size must be in 64..16M");
        return -1;
    }
    arena_clear(self);
    c = PyMem_Malloc(offsetof(chunk_t, data) + (size_t)size);
    c->next = NULL; // expected-warning {{[PML001]}}
    c->used = 0, c->size = (size_t)size;
    self->head = c;
    self->chunk_size = (size_t)size;
    return 0;
}

static void
Arena_dealloc(ArenaObject *self)
{
    arena_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Arena_store_pair(ArenaObject *self, PyObject *args)
{
    const char *a, *b;
    Py_ssize_t la, lb;
    char *tmp, *dst;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "y#y#:store_pair", &a, &la, &b, &lb))
        return NULL;
    if (la > PY_SSIZE_T_MAX - lb - 1)
        return PyErr_NoMemory();
    tmp = PyMem_Malloc(la + lb + 1);
    if (tmp == NULL)
        return PyErr_NoMemory();
    memcpy(tmp, a, la);
    memcpy(tmp + la, b, lb);
    tmp[la + lb] = '\0';
    dst = arena_alloc(self, (size_t)(la + lb + 1));
    if (dst == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    memcpy(dst, tmp, la + lb + 1);
    PyMem_Free(tmp);
    res = PyLong_FromSsize_t(la + lb);
    if (res == NULL)
        goto error;
    return res;
error:
    PyMem_Free(tmp); // expected-warning {{[PML003]}}
    return NULL;
}

static PyObject *
Arena_snapshot(ArenaObject *self, PyObject *Py_UNUSED(ignored))
{
    size_t total = 0, pos = 0;
    chunk_t *c;
    char *buf;

    for (c = self->head; c != NULL; c = c->next)
        total += c->used;
    buf = PyMem_Malloc(total ? total : 1); // expected-warning {{[PML006]}}
    if (buf == NULL)
        return PyErr_NoMemory();
    for (c = self->head; c != NULL; c = c->next) {
        memcpy(buf + pos, c->data, c->used);
        pos += c->used;
    }
    return PyBytes_FromStringAndSize(buf, (Py_ssize_t)total);
}

/* Chunk fill histogram in 10% buckets; slot -1 counts empty chunks. */
static PyObject *
Arena_fill_histogram(ArenaObject *self, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t *counts, i;
    chunk_t *c;
    PyObject *res;
    counts = PyMem_Calloc(12, sizeof(Py_ssize_t));
    if (counts == NULL)
        return PyErr_NoMemory();
    counts++;
    for (c = self->head; c != NULL; c = c->next)
        counts[c->used == 0 ? -1 : (Py_ssize_t)(c->used * 10 / c->size)]++;
    res = PyList_New(12);
    for (i = 0; res != NULL && i < 12; i++) {
        PyObject *v = PyLong_FromSsize_t(counts[i - 1]);
        if (v == NULL)
            Py_CLEAR(res);
        else
            PyList_SET_ITEM(res, i, v);
    }
    PyMem_Free(counts); // expected-warning {{[PML011]}}
    return res;
}

static PyObject *
Arena_empty_chunks(ArenaObject *self, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t *counts, n;
    chunk_t *c;
    counts = PyMem_Calloc(12, sizeof(Py_ssize_t));
    if (counts == NULL)
        return PyErr_NoMemory();
    counts += 1;
    for (c = self->head; c != NULL; c = c->next)
        counts[c->used == 0 ? -1 : (Py_ssize_t)(c->used * 10 / c->size)]++;
    n = counts[-1];
    counts -= 1;
    PyMem_Free(counts); // no-warning: counts was moved back to the block start
    return PyLong_FromSsize_t(n);
}

static PyObject *
arena_purge_cache(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    PyMem_Free(spare_chunk); // no-warning: a heap chunk parked in a static pointer
    spare_chunk = NULL;
    Py_RETURN_NONE;
}

static PyMethodDef Arena_methods[] = {
    {"store_pair", (PyCFunction)Arena_store_pair, METH_VARARGS, NULL},
    {"snapshot", (PyCFunction)Arena_snapshot, METH_NOARGS, NULL},
    {"fill_histogram", (PyCFunction)Arena_fill_histogram, METH_NOARGS, NULL},
    {"empty_chunks", (PyCFunction)Arena_empty_chunks, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject ArenaType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "arena.Arena",
    .tp_basicsize = sizeof(ArenaObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Arena_init,
    .tp_dealloc = (destructor)Arena_dealloc,
    .tp_methods = Arena_methods,
};

static PyMethodDef module_methods[] = {
    {"purge_cache", arena_purge_cache, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef arena_module = {PyModuleDef_HEAD_INIT, "arena", NULL, -1, module_methods};

PyMODINIT_FUNC
PyInit_arena(void)
{
    PyObject *m;
    if (PyType_Ready(&ArenaType) < 0)
        return NULL;
    m = PyModule_Create(&arena_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Arena", (PyObject *)&ArenaType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
