/* iter_chunks.c: an iterator that re-chunks a stream of bytes objects into
 * fixed-size pieces, in the style of python-zstandard's read_to_iter and
 * CPython's itertools objects.  The carry-over buffer is owned by the
 * iterator object. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    PyObject *it;
    char *pending;
    Py_ssize_t pending_len;
    Py_ssize_t pending_cap;
    Py_ssize_t size;
    unsigned long expected_sum;
} ChunkIter;

static unsigned long
simple_sum(const char *p, Py_ssize_t n)
{
    unsigned long s = 0;
    Py_ssize_t i;
    for (i = 0; i < n; i++)
        s = s * 31u + (unsigned char)p[i];
    return s;
}

static PyObject *
chunks_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"source", "size", NULL};
    PyObject *source, *it;
    Py_ssize_t size = 65536;
    ChunkIter *self;
    char *pending;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|n:chunks", kwlist, &source, &size))
        return NULL;
    if (size <= 0) {
        PyErr_SetString(PyExc_ValueError, "size must be positive");
        return NULL;
    }
    pending = PyMem_Malloc(size); // expected-warning {{[PML005]}}
    if (pending == NULL)
        return PyErr_NoMemory();
    it = PyObject_GetIter(source);
    if (it == NULL)
        return NULL;
    self = (ChunkIter *)type->tp_alloc(type, 0);
    if (self == NULL) {
        Py_DECREF(it);
        PyMem_Free(pending);
        return NULL;
    }
    self->it = it;
    self->pending = pending;
    self->pending_len = 0;
    self->pending_cap = size;
    self->size = size;
    self->expected_sum = 0;
    return (PyObject *)self;
}

static void
chunks_dealloc(ChunkIter *self)
{
    Py_XDECREF(self->it);
    PyMem_Free(self->pending);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Append data to the carry-over buffer, growing it through a temporary. */
static int
pending_append(ChunkIter *self, const char *data, Py_ssize_t n)
{
    if (self->pending_len + n > self->pending_cap) {
        Py_ssize_t newcap = self->pending_len + n + self->size;
        char *tmp = PyMem_Realloc(self->pending, newcap); // no-warning: old block stays in self
        if (tmp == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        self->pending = tmp;
        self->pending_cap = newcap;
    }
    memcpy(self->pending + self->pending_len, data, (size_t)n);
    self->pending_len += n;
    return 0;
}

static PyObject *
chunks_next(ChunkIter *self)
{
    char *out;
    Py_ssize_t n;
    PyObject *res;

    out = PyMem_Malloc(self->size); // expected-warning {{[PML005]}}
    if (out == NULL)
        return PyErr_NoMemory();
    while (self->pending_len < self->size) {
        char *data;
        Py_ssize_t len;
        PyObject *item = PyIter_Next(self->it);
        if (item == NULL) {
            if (PyErr_Occurred()) {
                PyMem_Free(out);
                return NULL;
            }
            break;
        }
        if (PyBytes_AsStringAndSize(item, &data, &len) < 0 || pending_append(self, data, len) < 0) {
            Py_DECREF(item);
            PyMem_Free(out);
            return NULL;
        }
        Py_DECREF(item);
    }
    if (self->pending_len == 0)
        return NULL;        /* exhausted: StopIteration, but 'out' is lost */
    n = self->pending_len < self->size ? self->pending_len : self->size;
    memcpy(out, self->pending, (size_t)n);
    memmove(self->pending, self->pending + n, (size_t)(self->pending_len - n));
    self->pending_len -= n;
    res = PyBytes_FromStringAndSize(out, n);
    PyMem_Free(out);
    return res;
}

static PyObject *
chunks_verify_pending(ChunkIter *self, PyObject *args)
{
    unsigned long expected;

    if (!PyArg_ParseTuple(args, "k:verify_pending", &expected))
        return NULL;
    if (self->pending_len > 0) {
        /* checksum a private copy: pending may be reallocated by a callback */
        char *copy = PyMem_Malloc(self->pending_len); // expected-warning {{[PML006]}}
        if (copy == NULL)
            return PyErr_NoMemory();
        memcpy(copy, self->pending, (size_t)self->pending_len);
        if (simple_sum(copy, self->pending_len) != expected) {
            PyMem_Free(copy);
            PyErr_SetString(PyExc_ValueError, "checksum mismatch");
            return NULL;
        }
    }
    self->expected_sum = expected;
    Py_RETURN_TRUE;
}

static PyObject *
chunks_join_rest(ChunkIter *self, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t cap = self->pending_len + self->size, len;
    char *base, *cursor, *tmp;
    PyObject *item, *res;

    base = PyMem_Malloc(cap);
    if (base == NULL)
        return PyErr_NoMemory();
    memcpy(base, self->pending, (size_t)self->pending_len);
    cursor = base;
    len = self->pending_len;
    self->pending_len = 0;
    while ((item = PyIter_Next(self->it)) != NULL) {
        char *data;
        Py_ssize_t n;
        if (PyBytes_AsStringAndSize(item, &data, &n) < 0) {
            Py_DECREF(item);
            PyMem_Free(cursor);
            goto fail;
        }
        if (len + n > cap) {
            Py_ssize_t newcap = len + n + cap;
            tmp = PyMem_Realloc(base, newcap);
            if (tmp == NULL) {
                Py_DECREF(item);
                PyErr_NoMemory();
                goto fail;
            }
            base = cursor = tmp;
            cap = newcap;
        }
        memcpy(base + len, data, (size_t)n);
        len += n;
        Py_DECREF(item);
    }
    if (PyErr_Occurred())
        goto fail;
    res = PyBytes_FromStringAndSize(base, len);
    PyMem_Free(base);
    return res;

fail:
    PyMem_Free(base); // expected-warning {{[PML003]}}
    return NULL;
}

static PyObject *
chunks_peek(ChunkIter *self, PyObject *args)
{
    Py_ssize_t n = -1;
    char *copy;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "|n:peek", &n))
        return NULL;
    if (n < 0 || n > self->pending_len)
        n = self->pending_len;
    copy = PyMem_Malloc(n + 1); // no-warning
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, self->pending, (size_t)n);
    res = PyBytes_FromStringAndSize(copy, n);
    PyMem_Free(copy);
    return res;
}

static PyObject *
chunks_resize(ChunkIter *self, PyObject *args)
{
    Py_ssize_t newsize;
    char *fresh;

    if (!PyArg_ParseTuple(args, "n:resize", &newsize))
        return NULL;
    if (newsize <= 0) {
        PyErr_SetString(PyExc_ValueError, "size must be positive");
        return NULL;
    }
    if (newsize < self->pending_len) {
        PyErr_SetString(PyExc_ValueError, "pending data exceeds new size");
        return NULL;
    }
    fresh = PyMem_Malloc(newsize); // no-warning: replaces self->pending
    if (fresh == NULL)
        return PyErr_NoMemory();
    memcpy(fresh, self->pending, (size_t)self->pending_len);
    PyMem_Free(self->pending);
    self->pending = fresh;
    self->pending_cap = newsize;
    self->size = newsize;
    Py_RETURN_NONE;
}

static PyObject *
chunks_pending_hex(ChunkIter *self, PyObject *Py_UNUSED(ignored))
{
    static const char digits[] = "0123456789abcdef";
    Py_ssize_t i;
    char *hex;
    PyObject *res;

    if (self->pending_len > (PY_SSIZE_T_MAX - 1) / 2)
        return PyErr_NoMemory();
    hex = PyMem_Calloc((size_t)self->pending_len + 1, 2); // no-warning
    if (hex == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < self->pending_len; i++) {
        unsigned char c = (unsigned char)self->pending[i];
        hex[i + i] = digits[c >> 4];
        hex[i + i + 1] = digits[c & 0xf];
    }
    res = PyUnicode_FromStringAndSize(hex, self->pending_len + self->pending_len);
    PyMem_Free(hex);
    return res;
}

static PyMethodDef chunks_methods[] = {
    {"verify_pending", (PyCFunction)chunks_verify_pending, METH_VARARGS, NULL},
    {"join_rest", (PyCFunction)chunks_join_rest, METH_NOARGS, NULL},
    {"peek", (PyCFunction)chunks_peek, METH_VARARGS, NULL},
    {"resize", (PyCFunction)chunks_resize, METH_VARARGS, NULL},
    {"pending_hex", (PyCFunction)chunks_pending_hex, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject ChunkIter_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "iter_chunks.chunks",
    .tp_basicsize = sizeof(ChunkIter),
    .tp_dealloc = (destructor)chunks_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)chunks_next,
    .tp_methods = chunks_methods,
    .tp_new = chunks_new,
};

static struct PyModuleDef iter_chunks_module = {
    PyModuleDef_HEAD_INIT, "iter_chunks", NULL, -1, NULL,
};

PyMODINIT_FUNC
PyInit_iter_chunks(void)
{
    PyObject *m;
    if (PyType_Ready(&ChunkIter_Type) < 0)
        return NULL;
    m = PyModule_Create(&iter_chunks_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&ChunkIter_Type);
    if (PyModule_AddObject(m, "chunks", (PyObject *)&ChunkIter_Type) < 0) {
        Py_DECREF(&ChunkIter_Type);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
