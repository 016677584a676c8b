/* bitset.c - a growable bit set of non-negative integers (heap type). */
// expected-no-diagnostics
#include "Python.h"
#include <stdint.h>
#include <string.h>

#define WORD_BITS 64

typedef struct {
    PyTypeObject *bitset_type;
} bitset_state;

typedef struct {
    PyObject_HEAD
    uint64_t *words;
    Py_ssize_t nwords;
} BitSetObject;

#define get_bitset_state(module) ((bitset_state *)PyModule_GetState(module))

static int
bitset_ensure(BitSetObject *self, Py_ssize_t bit)
{
    Py_ssize_t need = bit / WORD_BITS + 1, n = self->nwords;
    uint64_t *words = self->words;

    if (need <= n) {
        return 0;
    }
    PyMem_Resize(words, uint64_t, need); // no-warning: self->words still holds the old block
    if (words == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(words + n, 0, (need - n) * sizeof(uint64_t));
    self->words = words;
    self->nwords = need;
    return 0;
}

static BitSetObject *
bitset_alloc(PyTypeObject *type, Py_ssize_t nwords)
{
    BitSetObject *self;
    uint64_t *words = PyMem_Calloc(nwords ? nwords : 1, sizeof(uint64_t));

    if (words == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    self = (BitSetObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        PyMem_Free(words);
        return NULL;
    }
    self->words = words; // no-warning: ownership moves into the new object
    self->nwords = nwords ? nwords : 1;
    return self;
}

static PyObject *
BitSet_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *iterable = NULL, *it, *item;
    BitSetObject *self;

    if (!PyArg_ParseTuple(args, "|O:BitSet", &iterable)) {
        return NULL;
    }
    self = bitset_alloc(type, 1);
    if (self == NULL || iterable == NULL) {
        return (PyObject *)self;
    }
    it = PyObject_GetIter(iterable);
    if (it == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    while ((item = PyIter_Next(it)) != NULL) {
        Py_ssize_t bit = PyLong_AsSsize_t(item);
        Py_DECREF(item);
        if (bit < 0) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_ValueError, "negative bit index");
            }
            break;
        }
        if (bitset_ensure(self, bit) < 0) {
            break;
        }
        self->words[bit / WORD_BITS] |= (uint64_t)1 << (bit % WORD_BITS);
    }
    Py_DECREF(it);
    if (PyErr_Occurred()) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static PyObject *
BitSet_union_impl(BitSetObject *self, BitSetObject *other)
{
    Py_ssize_t n = Py_MAX(self->nwords, other->nwords), i;
    BitSetObject *res = bitset_alloc(Py_TYPE(self), n);

    if (res == NULL) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        uint64_t a = i < self->nwords ? self->words[i] : 0;
        uint64_t b = i < other->nwords ? other->words[i] : 0;
        res->words[i] = a | b;
    }
    return (PyObject *)res;
}

static PyObject *
BitSet_tolist(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    BitSetObject *self = (BitSetObject *)op;
    Py_ssize_t stack[32];
    Py_ssize_t *idx = stack, cap = 32, count = 0, i, b;
    PyObject *list = NULL;

    for (i = 0; i < self->nwords; i++) {
        for (b = 0; b < WORD_BITS; b++) {
            if (!(self->words[i] & ((uint64_t)1 << b))) {
                continue;
            }
            if (count == cap) {
                Py_ssize_t *bigger;
                Py_ssize_t newcap = cap + cap;
                if (idx == stack) {
                    bigger = PyMem_New(Py_ssize_t, newcap);
                    if (bigger != NULL) {
                        memcpy(bigger, stack, sizeof(stack));
                    }
                }
                else {
                    bigger = idx;
                    PyMem_Resize(bigger, Py_ssize_t, newcap); // no-warning: idx keeps the old block
                }
                if (bigger == NULL) {
                    PyErr_NoMemory();
                    goto exit;
                }
                idx = bigger;
                cap = newcap;
            }
            idx[count++] = i * WORD_BITS + b;
        }
    }
    list = PyList_New(count);
    if (list == NULL) {
        goto exit;
    }
    for (i = 0; i < count; i++) {
        PyObject *v = PyLong_FromSsize_t(idx[i]);
        if (v == NULL) {
            Py_CLEAR(list);
            goto exit;
        }
        PyList_SET_ITEM(list, i, v);
    }
exit:
    if (idx != stack) {
        PyMem_Free(idx); // no-warning: heap copy only
    }
    return list;
}

static PyObject *
BitSet_count(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    BitSetObject *self = (BitSetObject *)op;
    uint64_t *snapshot;
    Py_ssize_t n = self->nwords, i, total = 0;

    snapshot = PyMem_RawCalloc(n, sizeof(uint64_t));
    if (snapshot == NULL) {
        return PyErr_NoMemory();
    }
    memcpy(snapshot, self->words, n * sizeof(uint64_t));
    Py_BEGIN_ALLOW_THREADS
    for (i = 0; i < n; i++) {
        total += __builtin_popcountll(snapshot[i]);
    }
    PyMem_RawFree(snapshot);
    Py_END_ALLOW_THREADS
    return PyLong_FromSsize_t(total);
}

static PyObject *
BitSet_union(PyObject *self, PyObject *other)
{
    if (!PyObject_TypeCheck(other, Py_TYPE(self))) {
        PyErr_SetString(PyExc_TypeError, "union() needs a BitSet");
        return NULL;
    }
    return BitSet_union_impl((BitSetObject *)self, (BitSetObject *)other);
}

static PyObject *
BitSet_copy(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    BitSetObject *self = (BitSetObject *)op;
    BitSetObject *c = bitset_alloc(Py_TYPE(self), self->nwords);

    if (c == NULL) {
        return NULL;
    }
    memcpy(c->words, self->words, self->nwords * sizeof(uint64_t));
    return (PyObject *)c;
}

static PyObject *
BitSet_to_bytes(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    BitSetObject *self = (BitSetObject *)op;
    Py_ssize_t i, b;
    unsigned char *out = PyMem_Calloc(self->nwords, 8);
    PyObject *res;

    if (out == NULL) {
        return PyErr_NoMemory();
    }
    for (i = 0; i < self->nwords; i++) {
        for (b = 0; b < 8; b++) {
            out[i * 8 + b] = (unsigned char)(self->words[i] >> (8 * b));
        }
    }
    res = PyBytes_FromStringAndSize((const char *)out, self->nwords * 8);
    PyMem_Free(out);
    return res;
}

static void
BitSet_dealloc(BitSetObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyMem_Free(self->words);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyMethodDef BitSet_methods[] = {
    {"union", BitSet_union, METH_O, NULL},
    {"tolist", BitSet_tolist, METH_NOARGS, NULL},
    {"count", BitSet_count, METH_NOARGS, NULL},
    {"copy", BitSet_copy, METH_NOARGS, NULL},
    {"to_bytes", BitSet_to_bytes, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyType_Slot BitSet_slots[] = {
    {Py_tp_new, BitSet_new},
    {Py_tp_dealloc, BitSet_dealloc},
    {Py_tp_methods, BitSet_methods},
    {0, NULL}
};

static PyType_Spec BitSet_spec = {
    "bitset.BitSet", sizeof(BitSetObject), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE, BitSet_slots
};

static int
bitset_exec(PyObject *module)
{
    bitset_state *st = get_bitset_state(module);
    st->bitset_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &BitSet_spec, NULL);
    if (st->bitset_type == NULL) {
        return -1;
    }
    return PyModule_AddType(module, st->bitset_type);
}

static int
bitset_clear(PyObject *module)
{
    Py_CLEAR(get_bitset_state(module)->bitset_type);
    return 0;
}

static PyModuleDef_Slot bitset_slots[] = {
    {Py_mod_exec, bitset_exec},
    {0, NULL}
};

static struct PyModuleDef bitset_module = {
    PyModuleDef_HEAD_INIT, .m_name = "bitset", .m_size = sizeof(bitset_state),
    .m_slots = bitset_slots, .m_clear = bitset_clear,
};

PyMODINIT_FUNC
PyInit_bitset(void)
{
    return PyModuleDef_Init(&bitset_module);
}
