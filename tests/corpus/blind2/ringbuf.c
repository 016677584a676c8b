/* ringbuf.c - fixed-capacity ring buffer of doubles (heap type Ring). */
#define PY_SSIZE_T_CLEAN
#include "Python.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    double *data;
    Py_ssize_t cap;
    Py_ssize_t head;
    Py_ssize_t count;
    int autogrow;
} RingObject;

static PyObject *
Ring_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"capacity", "autogrow", NULL};
    Py_ssize_t cap = 16;
    int autogrow = 0;
    RingObject *self;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|np:Ring", kwlist,
                                     &cap, &autogrow)) {
        return NULL;
    }
    if (cap < 1) {
        PyErr_SetString(PyExc_ValueError, "capacity must be positive");
        return NULL;
    }
    self = (RingObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->data = PyMem_New(double, cap);
    if (self->data == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    self->cap = cap;
    self->autogrow = autogrow;
    return (PyObject *)self;
}

static int
ring_grow(RingObject *self)
{
    Py_ssize_t newcap = self->cap + (self->cap >> 1) + 4;
    Py_ssize_t tail = self->cap - self->head;
    double *newdata;

    if (tail > self->count) {
        tail = self->count;
    }
    newdata = PyMem_New(double, newcap);
    memcpy(newdata, self->data + self->head, tail * sizeof(double)); // expected-warning {{[PML001]}}
    memcpy(newdata + tail, self->data, (self->count - tail) * sizeof(double));
    if (newdata == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyMem_Free(self->data);
    self->data = newdata;
    self->cap = newcap;
    self->head = 0;
    return 0;
}

static int
ring_push(RingObject *self, double v)
{
    if (self->count == self->cap) {
        if (!self->autogrow) {
            self->head = (self->head + 1) % self->cap;
            self->count--;
        }
        else if (ring_grow(self) < 0) {
            return -1;
        }
    }
    self->data[(self->head + self->count) % self->cap] = v;
    self->count++;
    return 0;
}

static PyObject *
Ring_extend_impl(RingObject *self, PyObject *iterable)
{
    PyObject *seq;
    double *vals;
    Py_ssize_t n, i;

    seq = PySequence_Fast(iterable, "extend() argument must be iterable");
    if (seq == NULL) {
        return NULL;
    }
    n = PySequence_Fast_GET_SIZE(seq);
    vals = PyMem_New(double, n ? n : 1); // expected-warning {{[PML005]}}
    if (vals == NULL) {
        Py_DECREF(seq);
        return PyErr_NoMemory();
    }
    /* convert everything first so that a bad item leaves the ring intact */
    for (i = 0; i < n; i++) {
        vals[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(seq, i));
        if (vals[i] == -1.0 && PyErr_Occurred()) {
            Py_DECREF(seq);
            return NULL;
        }
    }
    Py_DECREF(seq);
    for (i = 0; i < n; i++) {
        if (ring_push(self, vals[i]) < 0) {
            PyMem_Free(vals);
            return NULL;
        }
    }
    PyMem_Free(vals);
    Py_RETURN_NONE;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static PyObject *
Ring_percentile_impl(RingObject *self, double q)
{
    double *sorted, result;
    Py_ssize_t i, idx;

    if (self->count == 0 || q < 0.0 || q > 100.0) {
        PyErr_SetString(PyExc_ValueError, "empty ring or bad percentile");
        return NULL;
    }
    sorted = PyMem_New(double, self->count);
    if (sorted == NULL) {
        return PyErr_NoMemory();
    }
    for (i = 0; i < self->count; i++) {
        sorted[i] = self->data[(self->head + i) % self->cap];
    }
    qsort(sorted, self->count, sizeof(double), cmp_double);
    idx = (Py_ssize_t)(q / 100.0 * (double)(self->count - 1) + 0.5);
    result = sorted[idx];
    PyMem_Free(sorted);
    return PyFloat_FromDouble(result);
}

static PyObject *
Ring_resize_impl(RingObject *self, Py_ssize_t newcap)
{
    double *nd;
    PyObject *dropped = NULL;
    Py_ssize_t keep, i, first;

    if (newcap < 1) {
        PyErr_SetString(PyExc_ValueError, "capacity must be positive");
        return NULL;
    }
    nd = PyMem_New(double, newcap);
    if (nd == NULL) {
        return PyErr_NoMemory();
    }
    keep = Py_MIN(self->count, newcap);
    first = self->count - keep;
    dropped = PyList_New(0);
    if (dropped == NULL) {
        goto error;
    }
    for (i = 0; i < first; i++) {
        PyObject *f = PyFloat_FromDouble(self->data[(self->head + i) % self->cap]);
        if (f == NULL || PyList_Append(dropped, f) < 0) {
            Py_XDECREF(f);
            PyMem_Free(nd);
            goto error;
        }
        Py_DECREF(f);
    }
    for (i = 0; i < keep; i++) {
        nd[i] = self->data[(self->head + first + i) % self->cap];
    }
    PyMem_Free(self->data);
    self->data = nd; // no-warning: ownership moves into the object
    self->cap = newcap;
    self->head = 0;
    self->count = keep;
    return dropped;

error:
    Py_XDECREF(dropped);
    PyMem_Free(nd); // expected-warning {{[PML003]}}
    return NULL;
}

static PyObject *
Ring_extend(PyObject *self, PyObject *arg)
{
    return Ring_extend_impl((RingObject *)self, arg);
}

static PyObject *
Ring_percentile(PyObject *self, PyObject *arg)
{
    double q = PyFloat_AsDouble(arg);
    if (q == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    return Ring_percentile_impl((RingObject *)self, q);
}

static PyObject *
Ring_resize(PyObject *self, PyObject *arg)
{
    Py_ssize_t n = PyNumber_AsSsize_t(arg, PyExc_OverflowError);
    if (n == -1 && PyErr_Occurred()) {
        return NULL;
    }
    return Ring_resize_impl((RingObject *)self, n);
}

static Py_ssize_t
Ring_length(PyObject *self)
{
    return ((RingObject *)self)->count;
}

static void
Ring_dealloc(RingObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyMem_Free(self->data);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyMethodDef Ring_methods[] = {
    {"extend", Ring_extend, METH_O, NULL},
    {"percentile", Ring_percentile, METH_O, NULL},
    {"resize", Ring_resize, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static PyType_Slot Ring_slots[] = {
    {Py_tp_new, Ring_new},
    {Py_tp_dealloc, Ring_dealloc},
    {Py_tp_methods, Ring_methods},
    {Py_sq_length, Ring_length},
    {0, NULL}
};

static PyType_Spec Ring_spec = {
    "ringbuf.Ring", sizeof(RingObject), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE, Ring_slots
};

static int
ringbuf_exec(PyObject *module)
{
    PyTypeObject *tp = (PyTypeObject *)PyType_FromModuleAndSpec(module, &Ring_spec, NULL);
    int rc;
    if (tp == NULL) {
        return -1;
    }
    rc = PyModule_AddType(module, tp);
    Py_DECREF(tp);
    return rc;
}

static PyModuleDef_Slot ringbuf_slots[] = {
    {Py_mod_exec, ringbuf_exec},
    {0, NULL}
};

static struct PyModuleDef ringbuf_module = {
    PyModuleDef_HEAD_INIT, .m_name = "ringbuf", .m_slots = ringbuf_slots,
};

PyMODINIT_FUNC
PyInit_ringbuf(void)
{
    return PyModuleDef_Init(&ringbuf_module);
}
