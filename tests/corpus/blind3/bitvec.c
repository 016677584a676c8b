/*
 * bitvec.c -- a growable bit vector type (BitVec).
 * Tests: PML008 (property setter returns -1 after PyMem_Calloc failure),
 * PML007 (bytes = PyMem_Realloc(bytes, ...) in from_iterable), PML004
 * (detached storage read after PyMem_Free), PML009 (nwords * k * 8 bytes).
 * Negatives: PyMem_Calloc(nwords, sizeof(uint64_t)) in tp_init, append()
 * resizing a local copy while self->words keeps the old block.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define WORDS_FOR(n) (((n) + 63) / 64)

typedef struct {
    PyObject_HEAD
    uint64_t *words;
    Py_ssize_t nbits, nwords;
} BitVecObject;

static PyTypeObject BitVecType;

static int
BitVec_init(BitVecObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"nbits", NULL};
    Py_ssize_t nbits = 0, nwords;
    uint64_t *w;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|n:BitVec", kwlist, &nbits))
        return -1;
    if (nbits < 0) {
        PyErr_SetString(PyExc_ValueError, "nbits must be >= 0");
        return -1;
    }
    nwords = WORDS_FOR(nbits);
    w = PyMem_Calloc(nwords ? nwords : 1, sizeof(uint64_t));
    if (w == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyMem_Free(self->words);
    self->words = w;
    self->nbits = nbits;
    self->nwords = nwords ? nwords : 1;
    return 0;
}

static void
BitVec_dealloc(BitVecObject *self)
{
    PyMem_Free(self->words);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
BitVec_get_size(BitVecObject *self, void *closure)
{
    return PyLong_FromSsize_t(self->nbits);
}

static int
BitVec_set_size(BitVecObject *self, PyObject *value, void *closure)
{
    Py_ssize_t nbits, nwords, i;
    uint64_t *w;

    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete size");
        return -1;
    }
    nbits = PyLong_AsSsize_t(value);
    if (nbits == -1 && PyErr_Occurred())
        return -1;
    if (nbits < 0) {
        PyErr_SetString(PyExc_ValueError, "size must be >= 0");
        return -1;
    }
    nwords = WORDS_FOR(nbits);
    w = PyMem_Calloc(nwords ? nwords : 1, sizeof(uint64_t));
    if (w == NULL)
        return -1; // expected-warning {{[PML008]}}
    for (i = 0; i < nwords && i < self->nwords && self->words != NULL; i++)
        w[i] = self->words[i];
    if (nbits % 64)
        w[nwords - 1] &= ((uint64_t)1 << (nbits % 64)) - 1;
    PyMem_Free(self->words);
    self->words = w;
    self->nbits = nbits;
    self->nwords = nwords ? nwords : 1;
    return 0;
}

static PyObject *
BitVec_append(BitVecObject *self, PyObject *arg)
{
    int bit = PyObject_IsTrue(arg);
    uint64_t *w;

    if (bit < 0)
        return NULL;
    if (self->words == NULL || self->nbits == self->nwords * 64) {
        w = self->words;
        PyMem_Resize(w, uint64_t, self->nwords + 1); // no-warning: self->words still holds the old block
        if (w == NULL)
            return PyErr_NoMemory();
        w[self->nwords] = 0;
        self->words = w;
        self->nwords += 1;
    }
    if (bit)
        self->words[self->nbits / 64] |= (uint64_t)1 << (self->nbits % 64);
    self->nbits++;
    Py_RETURN_NONE;
}

static PyObject *
BitVec_from_iterable(PyObject *cls, PyObject *iterable)
{
    PyObject *it, *item;
    unsigned char *bytes = NULL;
    Py_ssize_t nbits = 0, capbytes = 0;
    BitVecObject *bv;

    it = PyObject_GetIter(iterable);
    if (it == NULL)
        return NULL;
    while ((item = PyIter_Next(it)) != NULL) {
        int bit = PyObject_IsTrue(item);
        Py_DECREF(item);
        if (bit < 0)
            goto error;
        if (nbits / 8 == capbytes) {
            capbytes += 64;
            bytes = PyMem_Realloc(bytes, capbytes); // expected-warning {{[PML007]}}
            if (bytes == NULL) {
                PyErr_NoMemory();
                goto error;
            }
            memset(bytes + capbytes - 64, 0, 64);
        }
        if (bit)
            bytes[nbits / 8] |= (unsigned char)(1u << (nbits % 8));
        nbits++;
    }
    if (PyErr_Occurred())
        goto error;
    Py_DECREF(it);
    bv = (BitVecObject *)PyObject_CallFunction(cls, "n", nbits);
    if (bv != NULL && nbits > 0)
        memcpy(bv->words, bytes, (size_t)((nbits + 7) / 8));   /* little-endian hosts */
    PyMem_Free(bytes);
    return (PyObject *)bv;
error:
    PyMem_Free(bytes);
    Py_DECREF(it);
    return NULL;
}

/* take_words() -> bytes: detach the storage and reset to an empty vector. */
static PyObject *
BitVec_take_words(BitVecObject *self, PyObject *Py_UNUSED(ignored))
{
    uint64_t *old = self->words;
    Py_ssize_t nw = self->nwords;
    uint64_t *fresh = PyMem_Calloc(1, sizeof(uint64_t));
    PyObject *res;

    if (fresh == NULL)
        return PyErr_NoMemory();
    self->words = fresh;
    self->nbits = 0;
    self->nwords = 1;
    PyMem_Free(old);
    res = PyBytes_FromStringAndSize((const char *)old, nw * (Py_ssize_t)sizeof(uint64_t)); // expected-warning {{[PML004]}}
    return res;
}

static PyObject *
BitVec_repeat(BitVecObject *self, PyObject *arg)
{
    Py_ssize_t k = PyLong_AsSsize_t(arg), i;
    uint64_t *w;
    BitVecObject *res;

    if (k == -1 && PyErr_Occurred())
        return NULL;
    if (k <= 0 || self->words == NULL || self->nbits % 64 != 0) {
        PyErr_SetString(PyExc_ValueError, "need k > 0 and a word-aligned vector");
        return NULL;
    }
    w = PyMem_Malloc(self->nwords * k * sizeof(uint64_t)); // expected-warning {{[PML009]}}
    if (w == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < k; i++)
        memcpy(w + i * self->nwords, self->words, self->nwords * sizeof(uint64_t));
    res = PyObject_New(BitVecObject, &BitVecType);
    if (res == NULL) {
        PyMem_Free(w);
        return NULL;
    }
    res->words = w;
    res->nwords = self->nwords * k;
    res->nbits = self->nbits * k;
    return (PyObject *)res;
}

static PyGetSetDef BitVec_getset[] = {
    {"size", (getter)BitVec_get_size, (setter)BitVec_set_size, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyMethodDef BitVec_methods[] = {
    {"append", (PyCFunction)BitVec_append, METH_O, NULL},
    {"from_iterable", (PyCFunction)BitVec_from_iterable, METH_O | METH_CLASS, NULL},
    {"take_words", (PyCFunction)BitVec_take_words, METH_NOARGS, NULL},
    {"repeat", (PyCFunction)BitVec_repeat, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject BitVecType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "bitvec.BitVec",
    .tp_basicsize = sizeof(BitVecObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)BitVec_init,
    .tp_dealloc = (destructor)BitVec_dealloc,
    .tp_methods = BitVec_methods,
    .tp_getset = BitVec_getset,
};

static struct PyModuleDef bitvec_module = {PyModuleDef_HEAD_INIT, "bitvec", NULL, -1, NULL};

PyMODINIT_FUNC
PyInit_bitvec(void)
{
    PyObject *m;
    if (PyType_Ready(&BitVecType) < 0)
        return NULL;
    m = PyModule_Create(&bitvec_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "BitVec", (PyObject *)&BitVecType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
