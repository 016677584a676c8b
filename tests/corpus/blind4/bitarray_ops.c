/*
 * bitarray_ops.c - a bit array with byte storage, in the style of the
 * bitarray package (bitarray/_bitarray.c: resize(), frombytes(), tobytes()).
 *
 * What this file tests:
 *   PML007  resize() does self->ob_item = PyMem_Realloc(self->ob_item, ...)
 *   PML009  from_indices() allocates n * sizeof(Py_ssize_t) unguarded
 *   PML011  invert_copy() may free the static zero page
 *   PML004  tobytes() reads the freed buffer to check the pad bits
 *   PML012  extend_bytearray() frees PyByteArray_AS_STRING()
 * Negatives: frombytes() frees its reversed copy only when it made one,
 * count_runs() guards n * sizeof(Py_ssize_t), shrink() resizes via a temp.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define ENDIAN_LITTLE 0
#define ENDIAN_BIG 1
#define BYTES(bits) (((bits) + 7) >> 3)

typedef struct {
    PyObject_HEAD
    char *ob_item;
    Py_ssize_t nbytes, allocated, nbits;
    int endian;
} bitarrayobject;

static char zero_page[256];

static unsigned char
reverse_byte(unsigned char c)
{
    c = (unsigned char)((c & 0xf0) >> 4 | (c & 0x0f) << 4);
    c = (unsigned char)((c & 0xcc) >> 2 | (c & 0x33) << 2);
    return (unsigned char)((c & 0xaa) >> 1 | (c & 0x55) << 1);
}

static int
resize(bitarrayobject *self, Py_ssize_t nbits)
{
    Py_ssize_t newsize = BYTES(nbits);
    size_t new_allocated;

    if (self->allocated >= newsize && newsize >= (self->allocated >> 1)) {
        self->nbytes = newsize;
        self->nbits = nbits;
        return 0;
    }
    new_allocated = (size_t)newsize + (newsize >> 4) + (newsize < 8 ? 3 : 7);
    self->ob_item = PyMem_Realloc(self->ob_item, new_allocated); // expected-warning {{[PML007]}}
    if (self->ob_item == NULL) {
        self->nbytes = self->allocated = self->nbits = 0;
        PyErr_NoMemory();
        return -1;
    }
    self->nbytes = newsize;
    self->allocated = (Py_ssize_t)new_allocated;
    self->nbits = nbits;
    return 0;
}

static PyObject *
shrink(bitarrayobject *self, PyObject *Py_UNUSED(ignored))
{
    char *tmp;

    if (self->nbytes == 0 || self->allocated == self->nbytes)
        Py_RETURN_NONE;
    tmp = PyMem_Realloc(self->ob_item, self->nbytes); // no-warning: via a temporary
    if (tmp == NULL)
        return PyErr_NoMemory();
    self->ob_item = tmp;
    self->allocated = self->nbytes;
    Py_RETURN_NONE;
}

static PyObject *
frombytes(bitarrayobject *self, PyObject *bytes)
{
    char *src, *data;
    Py_ssize_t n, i, old = self->nbytes;

    if (PyBytes_AsStringAndSize(bytes, &src, &n) < 0)
        return NULL;
    data = src;
    if (self->endian == ENDIAN_BIG) {
        data = PyMem_Malloc(n + 1);
        if (data == NULL)
            return PyErr_NoMemory();
        for (i = 0; i < n; i++)
            data[i] = (char)reverse_byte((unsigned char)src[i]);
    }
    if (resize(self, 8 * (old + n)) == 0)
        memcpy(self->ob_item + old, data, n);
    if (data != src)
        PyMem_Free(data); // no-warning: only the reversed copy is released
    if (PyErr_Occurred())
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
extend_bytearray(bitarrayobject *self, PyObject *ba)
{
    char *data;
    Py_ssize_t n, old = self->nbytes;

    if (!PyByteArray_Check(ba)) {
        PyErr_SetString(PyExc_TypeError, "bytearray expected");
        return NULL;
    }
    n = PyByteArray_GET_SIZE(ba);
    data = PyByteArray_AS_STRING(ba);
    if (resize(self, 8 * (old + n)) < 0)
        return NULL;
    memcpy(self->ob_item + old, data, n);
    PyMem_Free(data); // expected-warning {{[PML012]}}
    Py_RETURN_NONE;
}

static PyObject *
tobytes(bitarrayobject *self, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t n = self->nbytes;
    char *buf;
    PyObject *res;

    buf = PyMem_Malloc(n + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    if (n)
        memcpy(buf, self->ob_item, n);
    if (self->nbits % 8)
        buf[n - 1] &= (char)(0xff >> (8 - self->nbits % 8));
    res = PyBytes_FromStringAndSize(buf, n);
    PyMem_Free(buf);
    if (res != NULL && n > 0 && buf[n - 1] == 0) // expected-warning {{[PML004]}}
        PyErr_WarnEx(PyExc_RuntimeWarning, "trailing zero byte", 1);
    return res;
}

static PyObject *
from_indices(bitarrayobject *self, PyObject *list)
{
    Py_ssize_t i, n, maxbit = -1;
    Py_ssize_t *idx;

    n = PySequence_Length(list);
    if (n < 0)
        return NULL;
    idx = PyMem_Malloc(n * sizeof(Py_ssize_t) + 1); // expected-warning {{[PML009]}}
    if (idx == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++) {
        PyObject *item = PySequence_GetItem(list, i);
        idx[i] = item ? PyNumber_AsSsize_t(item, PyExc_IndexError) : -1;
        Py_XDECREF(item);
        if (idx[i] < 0) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_IndexError, "negative bit index");
            PyMem_Free(idx);
            return NULL;
        }
        maxbit = Py_MAX(maxbit, idx[i]);
    }
    if (resize(self, maxbit + 1) < 0) {
        PyMem_Free(idx);
        return NULL;
    }
    memset(self->ob_item, 0, self->nbytes);
    for (i = 0; i < n; i++)
        self->ob_item[idx[i] >> 3] |= (char)(1 << (idx[i] & 7));
    PyMem_Free(idx);
    Py_RETURN_NONE;
}

static PyObject *
count_runs(bitarrayobject *self, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t i, nruns = 0, n = self->nbits;
    Py_ssize_t *runs;
    PyObject *res;

    if (n >= PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(Py_ssize_t))
        return PyErr_NoMemory();
    runs = PyMem_Malloc(n * sizeof(Py_ssize_t) + 1); // no-warning: guarded above
    if (runs == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++) {
        int bit = (self->ob_item[i >> 3] >> (i & 7)) & 1;
        if (i == 0 || bit != ((self->ob_item[(i - 1) >> 3] >> ((i - 1) & 7)) & 1))
            runs[nruns++] = i;
    }
    res = PyLong_FromSsize_t(nruns);
    PyMem_Free(runs);
    return res;
}

static PyObject *
invert_copy(bitarrayobject *self, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t i, n = self->nbytes;
    char *buf = zero_page;
    PyObject *res;

    if ((size_t)n > sizeof(zero_page)) {
        buf = PyMem_Calloc(n, 1);
        if (buf == NULL)
            return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++)
        buf[i] = (char)~self->ob_item[i];
    res = PyBytes_FromStringAndSize(buf, n);
    memset(buf, 0, n);
    PyMem_Free(buf); // expected-warning {{[PML011]}}
    return res;
}

static PyMethodDef bitarray_methods[] = {
    {"shrink", (PyCFunction)shrink, METH_NOARGS, NULL},
    {"frombytes", (PyCFunction)frombytes, METH_O, NULL},
    {"extend_bytearray", (PyCFunction)extend_bytearray, METH_O, NULL},
    {"tobytes", (PyCFunction)tobytes, METH_NOARGS, NULL},
    {"from_indices", (PyCFunction)from_indices, METH_O, NULL},
    {"count_runs", (PyCFunction)count_runs, METH_NOARGS, NULL},
    {"invert_copy", (PyCFunction)invert_copy, METH_NOARGS, NULL},
    {NULL}
};

static void
bitarray_dealloc(bitarrayobject *self)
{
    PyTypeObject *tp = Py_TYPE(self);

    PyMem_Free(self->ob_item);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyType_Slot bitarray_slots[] = {
    {Py_tp_dealloc, bitarray_dealloc},
    {Py_tp_methods, bitarray_methods},
    {0, NULL}
};
