/*
 * ringbuf.c -- a byte ring buffer type (RingBuffer) with write/peek.
 * Tests: PML008 (tp_init -1 after PyMem_Malloc failure), PML007
 * (PyMem_Resize on the only copy of a local array), PML012 (PyMem_Free of
 * PyBytes_AS_STRING), PML004 (old storage passed on after it was freed).
 * Negatives: doubling guarded against PY_SSIZE_T_MAX / 2, realloc through a
 * local while self->data still holds the old block, helper that raises.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    char *data;
    Py_ssize_t cap, head, size;
} RingObject;

static void
ring_copy(char *dst, const char *src, Py_ssize_t cap, Py_ssize_t head, Py_ssize_t n)
{
    Py_ssize_t i;
    for (i = 0; i < n; i++)
        dst[i] = src[(head + i) % cap];
}

/* Internal: returns -1 with MemoryError set. */
static int
ring_grow(RingObject *self, Py_ssize_t need)
{
    Py_ssize_t newcap = self->cap;
    char *nd;
    while (newcap < need) {
        if (newcap > PY_SSIZE_T_MAX / 2)
            goto nomem;
        newcap *= 2;
    }
    nd = PyMem_Malloc(newcap);
    if (nd == NULL)
        goto nomem;
    ring_copy(nd, self->data, self->cap, self->head, self->size);
    PyMem_Free(self->data);
    self->data = nd;
    self->cap = newcap;
    self->head = 0;
    return 0;
nomem:
    PyErr_NoMemory();
    return -1;
}

static int
Ring_init(RingObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"capacity", NULL};
    Py_ssize_t cap = 4096;
    char *data;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|n:RingBuffer", kwlist, &cap))
        return -1;
    if (cap <= 0) {
        PyErr_SetString(PyExc_ValueError, "capacity must be positive");
        return -1;
    }
    data = PyMem_Malloc(cap);
    if (data == NULL)
        return -1; // expected-warning {{[PML008]}}
    PyMem_Free(self->data);
    self->data = data;
    self->cap = cap;
    self->head = self->size = 0;
    return 0;
}

static void
Ring_dealloc(RingObject *self)
{
    PyMem_Free(self->data);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
check_ready(RingObject *self)
{
    if (self->data == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "RingBuffer not initialized");
        return -1;
    }
    return 0;
}

static PyObject *
Ring_write(RingObject *self, PyObject *arg)
{
    Py_buffer view;
    Py_ssize_t i, n;
    if (check_ready(self) < 0 || PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    n = view.len;
    if (n > PY_SSIZE_T_MAX - self->size) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    if (self->size + n > self->cap && ring_grow(self, self->size + n) < 0) {
        PyBuffer_Release(&view);
        return NULL;
    }
    for (i = 0; i < n; i++)
        self->data[(self->head + self->size + i) % self->cap] = ((char *)view.buf)[i];
    self->size += n;
    PyBuffer_Release(&view);
    return PyLong_FromSsize_t(n);
}

/* peek_hex(): hex dump of the stored bytes without consuming them. */
static PyObject *
Ring_peek_hex(RingObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *raw, *hex;
    char *s;
    if (check_ready(self) < 0)
        return NULL;
    raw = PyBytes_FromStringAndSize(NULL, self->size);
    if (raw == NULL)
        return NULL;
    s = PyBytes_AS_STRING(raw);
    ring_copy(s, self->data, self->cap, self->head, self->size);
    hex = PyObject_CallMethod(raw, "hex", NULL);
    PyMem_Free(s); // expected-warning {{[PML012]}}
    Py_DECREF(raw);
    return hex;
}

static PyObject *
Ring_reserve(RingObject *self, PyObject *arg)
{
    Py_ssize_t want = PyLong_AsSsize_t(arg), oldcap = self->cap, tail;
    char *data;

    if (want == -1 && PyErr_Occurred())
        return NULL;
    if (check_ready(self) < 0)
        return NULL;
    if (want <= oldcap)
        Py_RETURN_NONE;
    data = self->data;
    data = PyMem_Realloc(data, want); // no-warning: self->data still holds the old block
    if (data == NULL)
        return PyErr_NoMemory();
    if (self->head + self->size > oldcap) {
        tail = oldcap - self->head;
        memmove(data + want - tail, data + self->head, tail);
        self->head = want - tail;
    }
    self->data = data;
    self->cap = want;
    Py_RETURN_NONE;
}

static PyObject *
Ring_line_ends(RingObject *self, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t cap = 16, n = 0, i;
    Py_ssize_t *ends;
    PyObject *list;
    if (check_ready(self) < 0)
        return NULL;
    ends = PyMem_New(Py_ssize_t, cap);
    if (ends == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < self->size; i++) {
        if (self->data[(self->head + i) % self->cap] != '\n')
            continue;
        if (n == cap) {
            cap *= 2;
            PyMem_Resize(ends, Py_ssize_t, cap); // expected-warning {{[PML007]}}
            if (ends == NULL)
                return PyErr_NoMemory();
        }
        ends[n++] = i;
    }
    list = PyList_New(0);
    for (i = 0; list != NULL && i < n; i++) {
        PyObject *v = PyLong_FromSsize_t(ends[i]);
        if (v == NULL || PyList_Append(list, v) < 0)
            Py_CLEAR(list);
        Py_XDECREF(v);
    }
    PyMem_Free(ends);
    return list;
}

static PyObject *
Ring_shrink(RingObject *self, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t newcap;
    char *nd, *old;
    if (check_ready(self) < 0)
        return NULL;
    newcap = self->size > 0 ? self->size : 1;
    nd = PyMem_Malloc(newcap);
    if (nd == NULL)
        return PyErr_NoMemory();
    old = self->data;
    PyMem_Free(old);
    ring_copy(nd, old, self->cap, self->head, self->size); // expected-warning {{[PML004]}}
    self->data = nd;
    self->cap = newcap;
    self->head = 0;
    Py_RETURN_NONE;
}

static PyMethodDef Ring_methods[] = {
    {"write", (PyCFunction)Ring_write, METH_O, NULL},
    {"peek_hex", (PyCFunction)Ring_peek_hex, METH_NOARGS, NULL},
    {"reserve", (PyCFunction)Ring_reserve, METH_O, NULL},
    {"line_ends", (PyCFunction)Ring_line_ends, METH_NOARGS, NULL},
    {"shrink", (PyCFunction)Ring_shrink, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject RingType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "ringbuf.RingBuffer",
    .tp_basicsize = sizeof(RingObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Ring_init,
    .tp_dealloc = (destructor)Ring_dealloc,
    .tp_methods = Ring_methods,
};

static struct PyModuleDef ringbuf_module = {PyModuleDef_HEAD_INIT, "ringbuf", NULL, -1, NULL};

PyMODINIT_FUNC
PyInit_ringbuf(void)
{
    PyObject *m;
    if (PyType_Ready(&RingType) < 0)
        return NULL;
    m = PyModule_Create(&ringbuf_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "RingBuffer", (PyObject *)&RingType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
