/* lrucache.c -- a small least-recently-used cache of bytes values keyed by
 * str (LRUCache type), with linear lookup.
 * Tests: PML004 (value read after PyMem_Free through an alias), PML003
 * (key copy freed before goto fail and again at fail), PML012 (PyMem_Free
 * of PyByteArray_AS_STRING).
 * Negatives: PyMem_New(entry_t, maxsize), evicted entries freed once in a
 * helper, keys/values owned by the entries table, helper that raises.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef struct {
    char *key, *val;
    Py_ssize_t klen, vlen;
    unsigned long stamp;
} entry_t;

typedef struct {
    PyObject_HEAD
    entry_t *entries;
    Py_ssize_t n, cap, maxsize;
    unsigned long clock;
} LRUObject;

static char *
dup_mem(const char *s, Py_ssize_t n)        /* NULL without exception */
{
    char *p = PyMem_Malloc(n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static entry_t *
find(LRUObject *self, const char *k, Py_ssize_t klen)
{
    Py_ssize_t i;
    for (i = 0; i < self->n; i++)
        if (self->entries[i].klen == klen && memcmp(self->entries[i].key, k, klen) == 0)
            return &self->entries[i];
    return NULL;
}

static void
remove_at(LRUObject *self, Py_ssize_t i)
{
    PyMem_Free(self->entries[i].key);
    PyMem_Free(self->entries[i].val);
    self->entries[i] = self->entries[--self->n];
}

static int
LRU_init(LRUObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"maxsize", NULL};
    Py_ssize_t maxsize = 128;
    entry_t *e;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|n:LRUCache", kwlist, &maxsize))
        return -1;
    if (maxsize < 1 || maxsize > (1 << 20)) {
        PyErr_SetString(PyExc_ValueError, "maxsize must be in 1..1048576");
        return -1;
    }
    if (self->entries != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "already initialized");
        return -1;
    }
    e = PyMem_New(entry_t, maxsize); // no-warning: PyMem_New checks the element count
    if (e == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->entries = e;
    self->cap = self->maxsize = maxsize;
    return 0;
}

static void
LRU_dealloc(LRUObject *self)
{
    while (self->n > 0)
        remove_at(self, self->n - 1);
    PyMem_Free(self->entries);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Internal: copies key/value; returns -1 with an exception set. */
static int
store(LRUObject *self, const char *k, Py_ssize_t klen, const char *v, Py_ssize_t vlen)
{
    entry_t *e;
    char *kcopy, *vcopy;
    Py_ssize_t i, oldest = 0;

    if (self->entries == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "not initialized");
        return -1;
    }
    e = find(self, k, klen);
    vcopy = dup_mem(v, vlen);
    if (vcopy == NULL)
        goto nomem;
    if (e != NULL) {
        PyMem_Free(e->val);
        e->val = vcopy, e->vlen = vlen;
        e->stamp = ++self->clock;
        return 0;
    }
    kcopy = dup_mem(k, klen);
    if (kcopy == NULL) {
        PyMem_Free(vcopy);
        goto nomem;
    }
    if (self->n == self->maxsize) {
        for (i = 1; i < self->n; i++)
            if (self->entries[i].stamp < self->entries[oldest].stamp)
                oldest = i;
        remove_at(self, oldest);
    }
    e = &self->entries[self->n++];
    e->key = kcopy, e->klen = klen;
    e->val = vcopy, e->vlen = vlen;
    e->stamp = ++self->clock;
    return 0;
nomem:
    PyErr_NoMemory();
    return -1;
}

static PyObject *
LRU_put(LRUObject *self, PyObject *args)
{
    const char *k, *v;
    Py_ssize_t klen, vlen;

    if (!PyArg_ParseTuple(args, "s#y#:put", &k, &klen, &v, &vlen))
        return NULL;
    if (store(self, k, klen, v, vlen) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
LRU_put_bytearray(LRUObject *self, PyObject *args)
{
    const char *k;
    char *src;
    Py_ssize_t klen;
    PyObject *ba;
    int rc;

    if (!PyArg_ParseTuple(args, "s#Y:put_bytearray", &k, &klen, &ba))
        return NULL;
    src = PyByteArray_AS_STRING(ba);
    rc = store(self, k, klen, src, PyByteArray_GET_SIZE(ba));
    PyMem_Free(src); // expected-warning {{[PML012]}}
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
LRU_pop(LRUObject *self, PyObject *args)
{
    const char *k;
    Py_ssize_t klen, vlen;
    entry_t *e;
    char *val;

    if (!PyArg_ParseTuple(args, "s#:pop", &k, &klen))
        return NULL;
    e = self->entries ? find(self, k, klen) : NULL;
    if (e == NULL) {
        PyErr_SetString(PyExc_KeyError, k);
        return NULL;
    }
    val = e->val, vlen = e->vlen;
    PyMem_Free(e->key);
    PyMem_Free(val);
    *e = self->entries[--self->n];
    return PyBytes_FromStringAndSize(val, vlen); // expected-warning {{[PML004]}}
}

static PyObject *
LRU_rename(LRUObject *self, PyObject *args)
{
    const char *old, *new;
    Py_ssize_t olen, nlen;
    entry_t *e;
    char *kcopy;
    if (!PyArg_ParseTuple(args, "s#s#:rename", &old, &olen, &new, &nlen))
        return NULL;
    kcopy = PyMem_Malloc(nlen + 1);
    if (kcopy == NULL)
        return PyErr_NoMemory();
    memcpy(kcopy, new, nlen + 1);
    e = self->entries ? find(self, old, olen) : NULL;
    if (e == NULL) {
        PyErr_SetString(PyExc_KeyError, old);
        goto fail;
    }
    if (find(self, new, nlen) != NULL) {
        PyMem_Free(kcopy);
        PyErr_Format(PyExc_KeyError, "%s already present", new);
        goto fail;
    }
    PyMem_Free(e->key);
    e->key = kcopy, e->klen = nlen;
    Py_RETURN_NONE;
fail:
    PyMem_Free(kcopy); // expected-warning {{[PML003]}}
    return NULL;
}

static PyMethodDef LRU_methods[] = {
    {"put", (PyCFunction)LRU_put, METH_VARARGS, NULL},
    {"put_bytearray", (PyCFunction)LRU_put_bytearray, METH_VARARGS, NULL},
    {"pop", (PyCFunction)LRU_pop, METH_VARARGS, NULL},
    {"rename", (PyCFunction)LRU_rename, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject LRUType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "lrucache.LRUCache",
    .tp_basicsize = sizeof(LRUObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)LRU_init,
    .tp_dealloc = (destructor)LRU_dealloc,
    .tp_methods = LRU_methods,
};

static struct PyModuleDef lru_module = {PyModuleDef_HEAD_INIT, "lrucache", NULL, -1, NULL};

PyMODINIT_FUNC
PyInit_lrucache(void)
{
    PyObject *m;
    if (PyType_Ready(&LRUType) < 0)
        return NULL;
    m = PyModule_Create(&lru_module);
    if (m != NULL && PyModule_AddObjectRef(m, "LRUCache", (PyObject *)&LRUType) < 0)
        Py_CLEAR(m);
    return m;
}
