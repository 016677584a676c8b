/* dict_cache.c: a bytes-keyed LRU cache with open hashing, in the style of
 * CPython's Modules/_functoolsmodule.c lru_cache and _sre's small caches.
 * Entries are single PyObject_Malloc blocks (header + key bytes); the bucket
 * table is PyMem_Calloc'd. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

typedef struct Entry {
    struct Entry *next;        /* bucket chain */
    struct Entry *lru_prev;
    struct Entry *lru_next;
    Py_hash_t hash;
    PyObject *value;
    Py_ssize_t key_len;
    char key[1];
} Entry;

typedef struct {
    PyObject_HEAD
    Entry **table;
    Py_ssize_t mask;
    Py_ssize_t used;
    Py_ssize_t maxsize;
    Entry lru_root;
    Py_ssize_t hits;
    Py_ssize_t misses;
} CacheObject;

static Py_hash_t
hash_bytes(const char *p, Py_ssize_t n)
{
    Py_uhash_t h = 5381;
    Py_ssize_t i;
    for (i = 0; i < n; i++)
        h = (h << 5) + h + (unsigned char)p[i];
    return (Py_hash_t)(h & 0x7fffffffffffffffULL);
}

static void
lru_unlink(Entry *e)
{
    e->lru_prev->lru_next = e->lru_next;
    e->lru_next->lru_prev = e->lru_prev;
}

static void
lru_push_front(CacheObject *self, Entry *e)
{
    e->lru_next = self->lru_root.lru_next;
    e->lru_prev = &self->lru_root;
    self->lru_root.lru_next->lru_prev = e;
    self->lru_root.lru_next = e;
}

static Entry **
find_slot(CacheObject *self, const char *key, Py_ssize_t n, Py_hash_t h)
{
    Entry **slot = &self->table[h & self->mask];
    while (*slot != NULL) {
        Entry *e = *slot;
        if (e->hash == h && e->key_len == n && memcmp(e->key, key, (size_t)n) == 0)
            break;
        slot = &e->next;
    }
    return slot;
}

static int
cache_resize(CacheObject *self)
{
    Py_ssize_t newsize = (self->mask + 1) << 1, i;
    Entry **newtable;

    newtable = PyMem_Calloc((size_t)newsize, sizeof(Entry *)); // no-warning: becomes self->table
    if (newtable == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i <= self->mask; i++) {
        Entry *e = self->table[i];
        while (e != NULL) {
            Entry *next = e->next;
            Entry **dst = &newtable[e->hash & (newsize - 1)];
            e->next = *dst;
            *dst = e;
            e = next;
        }
    }
    PyMem_Free(self->table);
    self->table = newtable;
    self->mask = newsize - 1;
    return 0;
}

static void
cache_evict(CacheObject *self)
{
    Entry *e = self->lru_root.lru_prev, **slot;
    if (e == &self->lru_root)
        return;
    slot = find_slot(self, e->key, e->key_len, e->hash);
    *slot = e->next;
    lru_unlink(e);
    Py_XDECREF(e->value);
    PyObject_Free(e);
    self->used--;
}

static PyObject *
Cache_put(CacheObject *self, PyObject *args)
{
    const char *key;
    Py_ssize_t n;
    PyObject *value;
    Entry **slot, *e;
    Py_hash_t h;

    if (!PyArg_ParseTuple(args, "y#O:put", &key, &n, &value))
        return NULL;
    h = hash_bytes(key, n);
    slot = find_slot(self, key, n, h);
    if (*slot != NULL) {
        e = *slot;
        Py_INCREF(value);
        Py_SETREF(e->value, value);
        lru_unlink(e);
        lru_push_front(self, e);
        Py_RETURN_NONE;
    }
    e = PyObject_Malloc(sizeof(Entry) + (size_t)n);
    e->hash = h; // expected-warning {{[PML001]}}
    e->key_len = n;
    memcpy(e->key, key, (size_t)n);
    e->key[n] = '\0';
    Py_INCREF(value);
    e->value = value;
    e->next = NULL;
    *slot = e;
    lru_push_front(self, e);
    self->used++;
    if (self->used > self->maxsize)
        cache_evict(self);
    if (self->used + self->used > self->mask + 1 && cache_resize(self) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
Cache_get(CacheObject *self, PyObject *args)
{
    const char *key;
    Py_ssize_t n;
    PyObject *dflt = Py_None;
    Entry **slot;

    if (!PyArg_ParseTuple(args, "y#|O:get", &key, &n, &dflt))
        return NULL;
    slot = find_slot(self, key, n, hash_bytes(key, n));
    if (*slot == NULL) {
        self->misses++;
        Py_INCREF(dflt);
        return dflt;
    }
    self->hits++;
    lru_unlink(*slot);
    lru_push_front(self, *slot);
    Py_INCREF((*slot)->value);
    return (*slot)->value;
}

static PyObject *
Cache_pop(CacheObject *self, PyObject *args)
{
    const char *key;
    Py_ssize_t n;
    Entry **slot, *e;
    PyObject *value;

    if (!PyArg_ParseTuple(args, "y#:pop", &key, &n))
        return NULL;
    slot = find_slot(self, key, n, hash_bytes(key, n));
    e = *slot;
    if (e == NULL) {
        PyErr_SetObject(PyExc_KeyError, PyTuple_GetItem(args, 0));
        return NULL;
    }
    *slot = e->next;
    lru_unlink(e);
    PyObject_Free(e);
    self->used--;
    value = e->value; // expected-warning {{[PML004]}}
    return value;       /* the entry's reference is transferred */
}

static PyObject *
Cache_keys(CacheObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *list;
    Entry *e;
    Py_ssize_t i = 0;

    list = PyList_New(self->used);
    if (list == NULL)
        return NULL;
    for (e = self->lru_root.lru_next; e != &self->lru_root; e = e->lru_next) {
        PyObject *k = PyBytes_FromStringAndSize(e->key, e->key_len);
        if (k == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i++, k);
    }
    return list;
}

static PyObject *
Cache_dump_keys(CacheObject *self, PyObject *args)
{
    char sep = '\n';
    Py_ssize_t total = 1, o = 0;
    Entry *e;
    char *buf;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "|c:dump_keys", &sep))
        return NULL;
    for (e = self->lru_root.lru_next; e != &self->lru_root; e = e->lru_next)
        total += e->key_len + 1;
    /* assembled with the C allocator so it can be handed to a C logger */
    buf = malloc((size_t)total);
    if (buf == NULL)
        return PyErr_NoMemory();
    for (e = self->lru_root.lru_next; e != &self->lru_root; e = e->lru_next) {
        memcpy(buf + o, e->key, (size_t)e->key_len);
        o += e->key_len;
        buf[o++] = sep;
    }
    res = PyBytes_FromStringAndSize(buf, o);
    PyObject_Free(buf); // expected-warning {{[PML002]}}
    return res;
}

static PyObject *
Cache_clear(CacheObject *self, PyObject *Py_UNUSED(ignored))
{
    Entry *e = self->lru_root.lru_next;
    while (e != &self->lru_root) {
        Entry *next = e->lru_next;
        Py_XDECREF(e->value);
        PyObject_Free(e);
        e = next;
    }
    memset(self->table, 0, (size_t)(self->mask + 1) * sizeof(Entry *));
    self->lru_root.lru_next = self->lru_root.lru_prev = &self->lru_root;
    self->used = 0;
    Py_RETURN_NONE;
}

static PyObject *
Cache_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"maxsize", NULL};
    Py_ssize_t maxsize = 128;
    CacheObject *self;
    Entry **table;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|n:Cache", kwlist, &maxsize))
        return NULL;
    if (maxsize < 1) {
        PyErr_SetString(PyExc_ValueError, "maxsize must be >= 1");
        return NULL;
    }
    table = PyMem_Calloc(8, sizeof(Entry *)); // no-warning: owned by self or freed
    if (table == NULL)
        return PyErr_NoMemory();
    self = (CacheObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        PyMem_Free(table);
        return NULL;
    }
    self->table = table;
    self->mask = 7;
    self->used = 0;
    self->maxsize = maxsize;
    self->lru_root.lru_next = self->lru_root.lru_prev = &self->lru_root;
    self->hits = self->misses = 0;
    return (PyObject *)self;
}

static void
Cache_dealloc(CacheObject *self)
{
    Entry *e = self->lru_root.lru_next;
    while (e != NULL && e != &self->lru_root) {
        Entry *next = e->lru_next;
        Py_XDECREF(e->value);
        PyObject_Free(e);
        e = next;
    }
    PyMem_Free(self->table);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Cache_info(CacheObject *self, PyObject *Py_UNUSED(ignored))
{
    return Py_BuildValue("{s:n,s:n,s:n,s:n}", "hits", self->hits, "misses",
                         self->misses, "maxsize", self->maxsize, "currsize", self->used);
}

static PyObject *
Cache_get_many(CacheObject *self, PyObject *args)
{
    PyObject *seq, *fast, *res = NULL;
    Py_ssize_t i, n;
    Entry **found;

    if (!PyArg_ParseTuple(args, "O:get_many", &seq))
        return NULL;
    fast = PySequence_Fast(seq, "expected a sequence of bytes");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    found = PyMem_New(Entry *, n + 1); // no-warning: freed at done
    if (found == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        char *key;
        Py_ssize_t klen;
        if (PyBytes_AsStringAndSize(PySequence_Fast_GET_ITEM(fast, i), &key, &klen) < 0)
            goto done;
        found[i] = *find_slot(self, key, klen, hash_bytes(key, klen));
    }
    res = PyList_New(n);
    if (res == NULL)
        goto done;
    for (i = 0; i < n; i++) {
        PyObject *v = found[i] ? found[i]->value : Py_None;
        Py_INCREF(v);
        PyList_SET_ITEM(res, i, v);
    }
done:
    PyMem_Free(found);
    Py_DECREF(fast);
    return res;
}

static PyObject *
Cache_rehash(CacheObject *self, PyObject *args)
{
    Py_ssize_t want, size = 8, i;
    Entry **table, *e;

    if (!PyArg_ParseTuple(args, "n:rehash", &want))
        return NULL;
    while (size < want && size < ((Py_ssize_t)1 << 40))
        size <<= 1;
    table = PyMem_Calloc((size_t)size, sizeof(Entry *)); // no-warning: becomes self->table
    if (table == NULL)
        return PyErr_NoMemory();
    for (i = 0; i <= self->mask; i++) {
        e = self->table[i];
        while (e != NULL) {
            Entry *next = e->next;
            e->next = table[e->hash & (size - 1)];
            table[e->hash & (size - 1)] = e;
            e = next;
        }
    }
    PyMem_Free(self->table);
    self->table = table;
    self->mask = size - 1;
    Py_RETURN_NONE;
}

static PyObject *
Cache_key_lengths(CacheObject *self, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t *lens, i = 0, j;
    Entry *e;
    PyObject *res;

    lens = PyObject_Calloc((size_t)self->used + 1, sizeof(Py_ssize_t)); // no-warning
    if (lens == NULL)
        return PyErr_NoMemory();
    for (e = self->lru_root.lru_next; e != &self->lru_root && i < self->used; e = e->lru_next)
        lens[i++] = e->key_len;
    res = PyTuple_New(i);
    if (res == NULL) {
        PyObject_Free(lens);
        return NULL;
    }
    for (j = 0; j < i; j++) {
        PyObject *v = PyLong_FromSsize_t(lens[j]);
        if (v == NULL) {
            Py_DECREF(res);
            PyObject_Free(lens);
            return NULL;
        }
        PyTuple_SET_ITEM(res, j, v);
    }
    PyObject_Free(lens);
    return res;
}

static PyMethodDef Cache_methods[] = {
    {"put", (PyCFunction)Cache_put, METH_VARARGS, NULL},
    {"get", (PyCFunction)Cache_get, METH_VARARGS, NULL},
    {"pop", (PyCFunction)Cache_pop, METH_VARARGS, NULL},
    {"keys", (PyCFunction)Cache_keys, METH_NOARGS, NULL},
    {"dump_keys", (PyCFunction)Cache_dump_keys, METH_VARARGS, NULL},
    {"clear", (PyCFunction)Cache_clear, METH_NOARGS, NULL},
    {"info", (PyCFunction)Cache_info, METH_NOARGS, NULL},
    {"get_many", (PyCFunction)Cache_get_many, METH_VARARGS, NULL},
    {"rehash", (PyCFunction)Cache_rehash, METH_VARARGS, NULL},
    {"key_lengths", (PyCFunction)Cache_key_lengths, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject Cache_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "dict_cache.Cache",
    .tp_basicsize = sizeof(CacheObject),
    .tp_dealloc = (destructor)Cache_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Cache_methods,
    .tp_new = Cache_new,
};

static struct PyModuleDef dict_cache_module = {
    PyModuleDef_HEAD_INIT, "dict_cache", NULL, -1, NULL,
};

PyMODINIT_FUNC
PyInit_dict_cache(void)
{
    PyObject *m;
    if (PyType_Ready(&Cache_Type) < 0)
        return NULL;
    m = PyModule_Create(&dict_cache_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&Cache_Type);
    if (PyModule_AddObject(m, "Cache", (PyObject *)&Cache_Type) < 0) {
        Py_DECREF(&Cache_Type);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
