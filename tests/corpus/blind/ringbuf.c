/* ringbuf.c: a growable ring buffer of doubles, in the style of the deque
 * and array objects in CPython's Modules/.  Storage is PyMem_New'd and owned
 * by the object; tp_dealloc releases it. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    double *data;
    Py_ssize_t capacity;
    Py_ssize_t head;
    Py_ssize_t size;
    char *label;
} RingObject;

static PyTypeObject Ring_Type;

static Py_ssize_t
ring_index(RingObject *self, Py_ssize_t i)
{
    return (self->head + i) % self->capacity;
}

static PyObject *
Ring_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    RingObject *self = (RingObject *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->data = NULL;
    self->capacity = 0;
    self->head = 0;
    self->size = 0;
    self->label = NULL;
    return (PyObject *)self;
}

static int
Ring_init(RingObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"capacity", "label", NULL};
    Py_ssize_t capacity = 16;
    const char *label = "ring";
    size_t label_len;
    double *data;
    char *label_copy;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|ns:Ring", kwlist,
                                     &capacity, &label))
        return -1;
    if (capacity <= 0) {
        PyErr_SetString(PyExc_ValueError, "capacity must be positive");
        return -1;
    }
    data = PyMem_New(double, capacity); // expected-warning {{[PML005]}}
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    label_len = strlen(label);
    label_copy = PyMem_Malloc(label_len + 1);
    if (label_copy == NULL) {
        /* 'data' is lost here: it has not been stored in self yet */
        PyErr_NoMemory();
        return -1;
    }
    memcpy(label_copy, label, label_len + 1);

    PyMem_Free(self->data);
    PyMem_Free(self->label);
    self->data = data;
    self->label = label_copy;
    self->capacity = capacity;
    self->head = 0;
    self->size = 0;
    return 0;
}

static void
Ring_dealloc(RingObject *self)
{
    PyMem_Free(self->data);
    PyMem_Free(self->label);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
ring_grow(RingObject *self)
{
    Py_ssize_t i, newcap;
    double *newdata;

    newcap = self->capacity + self->capacity / 2 + 8;
    newdata = PyMem_New(double, newcap); // no-warning: checked, then owned by self
    if (newdata == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < self->size; i++)
        newdata[i] = self->data[ring_index(self, i)];
    PyMem_Free(self->data);
    self->data = newdata;
    self->capacity = newcap;
    self->head = 0;
    return 0;
}

static PyObject *
Ring_push(RingObject *self, PyObject *args)
{
    double value;

    if (!PyArg_ParseTuple(args, "d:push", &value))
        return NULL;
    if (self->data == NULL || self->size == self->capacity) {
        if (self->data == NULL) {
            double *fresh = PyMem_New(double, 16); // no-warning
            if (fresh == NULL)
                return PyErr_NoMemory();
            self->data = fresh;
            self->capacity = 16;
            self->head = 0;
            self->size = 0;
        }
        else if (ring_grow(self) < 0) {
            return NULL;
        }
    }
    self->data[ring_index(self, self->size)] = value;
    self->size++;
    Py_RETURN_NONE;
}

static PyObject *
Ring_reserve(RingObject *self, PyObject *args)
{
    Py_ssize_t want;
    double *tmp;

    if (!PyArg_ParseTuple(args, "n:reserve", &want))
        return NULL;
    if (want <= self->capacity)
        Py_RETURN_NONE;
    if (self->head != 0 && ring_grow(self) < 0)
        return NULL;
    if (want <= self->capacity)
        Py_RETURN_NONE;
    /* head is 0 here: a plain resize keeps the order */
    tmp = self->data;
    PyMem_Resize(tmp, double, want); // no-warning: self->data still holds the old block
    if (tmp == NULL)
        return PyErr_NoMemory();
    self->data = tmp;
    self->capacity = want;
    Py_RETURN_NONE;
}

static PyObject *
Ring_drain(RingObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *list;
    double *old = self->data;
    Py_ssize_t i, n = self->size, cap = self->capacity, head = self->head;
    double *fresh;

    fresh = PyMem_New(double, 16); // no-warning
    if (fresh == NULL)
        return PyErr_NoMemory();
    self->data = fresh;
    self->capacity = 16;
    self->head = 0;
    self->size = 0;
    PyMem_Free(old);

    list = PyList_New(n);
    if (list == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        PyObject *v = PyFloat_FromDouble(old[(head + i) % cap]); // expected-warning {{[PML004]}}
        if (v == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, v);
    }
    return list;
}

static Py_ssize_t
ring_copy_out(RingObject *self, double *out, Py_ssize_t limit)
{
    Py_ssize_t i, n = self->size < limit ? self->size : limit;
    for (i = 0; i < n; i++)
        out[i] = self->data[ring_index(self, self->size - n + i)];
    return n;
}

static PyObject *
Ring_last(RingObject *self, PyObject *args)
{
    Py_ssize_t count = 1, i, n;
    double *tmp;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "|n:last", &count))
        return NULL;
    if (count < 0) {
        PyErr_SetString(PyExc_ValueError, "count must be >= 0");
        return NULL;
    }
    tmp = PyMem_New(double, count + 1); // expected-warning {{[PML006]}}
    if (tmp == NULL)
        return PyErr_NoMemory();
    n = ring_copy_out(self, tmp, count);
    if (n == 0)
        return PyList_New(0);   /* fast path forgets the scratch array */

    result = PyList_New(n);
    if (result == NULL) {
        PyMem_Free(tmp);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        PyObject *v = PyFloat_FromDouble(tmp[i]);
        if (v == NULL) {
            Py_DECREF(result);
            PyMem_Free(tmp);
            return NULL;
        }
        PyList_SET_ITEM(result, i, v);
    }
    PyMem_Free(tmp);
    return result;
}

static PyObject *
Ring_sum(RingObject *self, PyObject *Py_UNUSED(ignored))
{
    /* Kahan summation over a linearised copy */
    double *lin, s = 0.0, c = 0.0;
    Py_ssize_t i, n = self->size;

    lin = PyMem_New(double, n + 1); // no-warning
    if (lin == NULL)
        return PyErr_NoMemory();
    ring_copy_out(self, lin, n);
    for (i = 0; i < n; i++) {
        double y = lin[i] - c;
        double t = s + y;
        c = (t - s) - y;
        s = t;
    }
    PyMem_Free(lin);
    return PyFloat_FromDouble(s);
}

static PyObject *
Ring_get_label(RingObject *self, void *closure)
{
    return PyUnicode_FromString(self->label ? self->label : "");
}

static int
Ring_set_label(RingObject *self, PyObject *value, void *closure)
{
    const char *s;
    Py_ssize_t n;
    char *copy;

    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete label");
        return -1;
    }
    s = PyUnicode_AsUTF8AndSize(value, &n);
    if (s == NULL)
        return -1;
    copy = PyMem_Malloc(n + 1); // no-warning: replaces self->label
    if (copy == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(copy, s, n + 1);
    PyMem_Free(self->label);
    self->label = copy;
    return 0;
}

static PyObject *
Ring_repr(RingObject *self)
{
    char *buf;
    PyObject *r;

    buf = PyMem_Malloc(128); // no-warning
    if (buf == NULL)
        return PyErr_NoMemory();
    PyOS_snprintf(buf, 128, "<Ring %s size=%zd capacity=%zd>",
                  self->label ? self->label : "?", self->size, self->capacity);
    r = PyUnicode_FromString(buf);
    PyMem_Free(buf);
    return r;
}

static PyObject *
Ring_rotate(RingObject *self, PyObject *args)
{
    Py_ssize_t k, i;
    double *tmp;

    if (!PyArg_ParseTuple(args, "n:rotate", &k))
        return NULL;
    if (self->size == 0)
        Py_RETURN_NONE;
    k %= self->size;
    if (k < 0)
        k += self->size;
    tmp = PyMem_New(double, self->capacity); // no-warning: becomes self->data
    if (tmp == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < self->size; i++)
        tmp[(i + k) % self->size] = self->data[ring_index(self, i)];
    PyMem_Free(self->data);
    self->data = tmp;
    self->head = 0;
    Py_RETURN_NONE;
}

static PyMethodDef Ring_methods[] = {
    {"push", (PyCFunction)Ring_push, METH_VARARGS, NULL},
    {"reserve", (PyCFunction)Ring_reserve, METH_VARARGS, NULL},
    {"drain", (PyCFunction)Ring_drain, METH_NOARGS, NULL},
    {"last", (PyCFunction)Ring_last, METH_VARARGS, NULL},
    {"sum", (PyCFunction)Ring_sum, METH_NOARGS, NULL},
    {"rotate", (PyCFunction)Ring_rotate, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef Ring_getset[] = {
    {"label", (getter)Ring_get_label, (setter)Ring_set_label, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyTypeObject Ring_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "ringbuf.Ring",
    .tp_basicsize = sizeof(RingObject),
    .tp_dealloc = (destructor)Ring_dealloc,
    .tp_repr = (reprfunc)Ring_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_methods = Ring_methods,
    .tp_getset = Ring_getset,
    .tp_init = (initproc)Ring_init,
    .tp_new = Ring_new,
};

static struct PyModuleDef ringbuf_module = {
    PyModuleDef_HEAD_INIT, "ringbuf", NULL, -1, NULL,
};

PyMODINIT_FUNC
PyInit_ringbuf(void)
{
    PyObject *m;
    if (PyType_Ready(&Ring_Type) < 0)
        return NULL;
    m = PyModule_Create(&ringbuf_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&Ring_Type);
    if (PyModule_AddObject(m, "Ring", (PyObject *)&Ring_Type) < 0) {
        Py_DECREF(&Ring_Type);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
