/*
 * RingBuffer: a growable FIFO of bytes.
 *
 * The live bytes start at data[head] and run for len bytes, wrapping
 * around the end of the cap-byte block.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    char *data;
    Py_ssize_t cap;
    Py_ssize_t head;
    Py_ssize_t len;
} RingBuffer;

/* Make room for 'extra' more bytes, doubling the capacity. */
static int
ringbuf_reserve(RingBuffer *self, Py_ssize_t extra)
{
    Py_ssize_t need, newcap, oldcap;

    if (extra > PY_SSIZE_T_MAX - self->len) {
        PyErr_NoMemory();
        return -1;
    }
    need = self->len + extra;
    if (need <= self->cap)
        return 0;
    oldcap = self->cap;
    newcap = oldcap > 0 ? oldcap : 16;
    while (newcap < need) {
        if (newcap > PY_SSIZE_T_MAX / 2) {
            newcap = need;
            break;
        }
        newcap *= 2;
    }
    self->data = PyMem_Realloc(self->data, newcap);  // BUG PML007 reached
    if (self->data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    /* If the contents wrapped, move the part at the old end to the new end. */
    if (self->head + self->len > oldcap) {
        Py_ssize_t tail = oldcap - self->head;
        memmove(self->data + newcap - tail, self->data + self->head, tail);
        self->head = newcap - tail;
    }
    self->cap = newcap;
    return 0;
}

/* Copy the first n live bytes into dst (n <= len). */
static void
ringbuf_copy_out(RingBuffer *self, char *dst, Py_ssize_t n)
{
    Py_ssize_t first = self->cap - self->head;
    if (first > n)
        first = n;
    memcpy(dst, self->data + self->head, first);
    memcpy(dst + first, self->data, n - first);
}

static int
ringbuf_init(RingBuffer *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"capacity", NULL};
    Py_ssize_t capacity = 64;
    char *buf;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|n:RingBuffer", kwlist,
                                     &capacity))
        return -1;
    if (capacity <= 0) {
        PyErr_SetString(PyExc_ValueError, "capacity must be positive");
        return -1;
    }
    buf = PyMem_Malloc(capacity);
    if (buf == NULL)
        return -1;  // BUG PML008 reached
    PyMem_Free(self->data);
    self->data = buf;
    self->cap = capacity;
    self->head = 0;
    self->len = 0;
    return 0;
}

static void
ringbuf_dealloc(RingBuffer *self)
{
    PyObject_Free(self->data);  // BUG PML002 reached
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
ringbuf_write(RingBuffer *self, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t tailpos, first;

    if (!PyArg_ParseTuple(args, "y*:write", &view))
        return NULL;
    if (ringbuf_reserve(self, view.len) < 0) {
        PyBuffer_Release(&view);
        return NULL;
    }
    if (view.len > 0) {
        tailpos = (self->head + self->len) % self->cap;
        first = self->cap - tailpos;
        if (first > view.len)
            first = view.len;
        memcpy(self->data + tailpos, view.buf, first);
        memcpy(self->data, (const char *)view.buf + first, view.len - first);
        self->len += view.len;
    }
    PyBuffer_Release(&view);
    return PyLong_FromSsize_t(self->len);
}

static PyObject *
ringbuf_read(RingBuffer *self, PyObject *args)
{
    Py_ssize_t n = -1;
    char *tmp;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "|n:read", &n))
        return NULL;
    if (n < 0 || n > self->len)
        n = self->len;
    tmp = PyMem_Malloc(n > 0 ? n : 1);
    if (tmp == NULL)
        return PyErr_NoMemory();
    if (n > 0)
        ringbuf_copy_out(self, tmp, n);
    res = PyBytes_FromStringAndSize(tmp, n);
    PyMem_Free(tmp);
    if (res == NULL)
        return NULL;
    if (n > 0)
        self->head = (self->head + n) % self->cap;
    self->len -= n;
    if (self->len == 0)
        self->head = 0;
    return res;
}

static PyObject *
ringbuf_peek(RingBuffer *self, PyObject *args)
{
    Py_ssize_t n = -1, first;
    char *tmp;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "|n:peek", &n))
        return NULL;
    if (n < 0 || n > self->len)
        n = self->len;
    tmp = PyMem_Malloc(n + 1);
    first = self->cap - self->head;
    if (first > n)
        first = n;
    memcpy(tmp, self->data + self->head, first);  // BUG PML001 unreached
    memcpy(tmp + first, self->data, n - first);
    res = PyBytes_FromStringAndSize(tmp, n);
    PyMem_Free(tmp);
    return res;
}

/* Search for a byte string in the live contents (Knuth-Morris-Pratt). */
static PyObject *
ringbuf_find(RingBuffer *self, PyObject *args)
{
    Py_buffer needle;
    const char *pat;
    Py_ssize_t *fail;
    Py_ssize_t m, i, k;

    if (!PyArg_ParseTuple(args, "y*:find", &needle))
        return NULL;
    m = needle.len;
    pat = needle.buf;
    if (m == 0) {
        PyBuffer_Release(&needle);
        return PyLong_FromLong(0);
    }
    if (m > self->len) {
        PyBuffer_Release(&needle);
        return PyLong_FromLong(-1);
    }
    fail = PyMem_New(Py_ssize_t, m);  // BUG PML006 reached
    if (fail == NULL) {
        PyBuffer_Release(&needle);
        return PyErr_NoMemory();
    }
    fail[0] = 0;
    for (i = 1, k = 0; i < m; i++) {
        while (k > 0 && pat[i] != pat[k])
            k = fail[k - 1];
        if (pat[i] == pat[k])
            k++;
        fail[i] = k;
    }
    for (i = 0, k = 0; i < self->len; i++) {
        char c = self->data[(self->head + i) % self->cap];
        while (k > 0 && c != pat[k])
            k = fail[k - 1];
        if (c == pat[k])
            k++;
        if (k == m) {
            PyBuffer_Release(&needle);
            return PyLong_FromSsize_t(i - m + 1);
        }
    }
    PyMem_Free(fail);
    PyBuffer_Release(&needle);
    return PyLong_FromLong(-1);
}

/* Move the contents to the start of a block just big enough for them. */
static PyObject *
ringbuf_compact(RingBuffer *self, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t newcap = self->len > 16 ? self->len : 16;
    char *block;

    block = PyMem_Malloc(newcap);
    if (block == NULL)
        return PyErr_NoMemory();
    if (self->len > 0)
        ringbuf_copy_out(self, block, self->len);
    PyMem_Free(self->data);
    self->data = block;
    self->cap = newcap;
    self->head = 0;
    Py_RETURN_NONE;
}

static PyObject *
ringbuf_clear(RingBuffer *self, PyObject *Py_UNUSED(ignored))
{
    self->head = 0;
    self->len = 0;
    Py_RETURN_NONE;
}

static Py_ssize_t
ringbuf_length(RingBuffer *self)
{
    return self->len;
}

static PyObject *
ringbuf_get_capacity(RingBuffer *self, void *Py_UNUSED(closure))
{
    return PyLong_FromSsize_t(self->cap);
}

static PyMethodDef ringbuf_methods[] = {
    {"write", (PyCFunction)ringbuf_write, METH_VARARGS,
     "write(data) -> number of buffered bytes"},
    {"read", (PyCFunction)ringbuf_read, METH_VARARGS,
     "read(n=-1) -> bytes, removing them"},
    {"peek", (PyCFunction)ringbuf_peek, METH_VARARGS,
     "peek(n=-1) -> bytes, without removing them"},
    {"find", (PyCFunction)ringbuf_find, METH_VARARGS,
     "find(sub) -> offset of sub in the buffered bytes, or -1"},
    {"compact", (PyCFunction)ringbuf_compact, METH_NOARGS,
     "compact() -> shrink the storage to fit the contents"},
    {"clear", (PyCFunction)ringbuf_clear, METH_NOARGS,
     "clear() -> drop all buffered bytes"},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef ringbuf_getset[] = {
    {"capacity", (getter)ringbuf_get_capacity, NULL,
     "size of the storage block", NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PySequenceMethods ringbuf_as_sequence = {
    .sq_length = (lenfunc)ringbuf_length,
};

PyTypeObject blindmod_RingBufferType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "blindmod.RingBuffer",
    .tp_basicsize = sizeof(RingBuffer),
    .tp_dealloc = (destructor)ringbuf_dealloc,
    .tp_as_sequence = &ringbuf_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "RingBuffer(capacity=64) -- growable FIFO of bytes",
    .tp_methods = ringbuf_methods,
    .tp_getset = ringbuf_getset,
    .tp_init = (initproc)ringbuf_init,
    .tp_new = PyType_GenericNew,
};
