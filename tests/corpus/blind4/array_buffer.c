/*
 * array_buffer.c - growable C-double array heap type (after arraymodule.c).
 * What this file tests:
 *   PML007  append() resizes self->items in place with PyMem_RESIZE
 *   PML009  sq_repeat multiplies two runtime sizes in the PyMem_Malloc size
 *   PML008  tp_init, bf_getbuffer: -1 after a failed allocation, no exception
 *   PML004  fromstring() formats its error message from the freed copy
 * Negatives: array_resize() resizes a local copy of self->items, sq_concat
 * uses PyMem_New, releasebuffer frees view->internal, fromstring() frees the
 * copy rather than the cursor.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject_HEAD
    double *items;
    Py_ssize_t size, allocated, exports;
} DArrayObject;

static int
array_resize(DArrayObject *self, Py_ssize_t newsize)
{
    double *items;
    Py_ssize_t _new_size;
    if (self->exports > 0 && newsize != self->size) {
        PyErr_SetString(PyExc_BufferError, "array is exporting buffers");
        return -1;
    }
    if (self->allocated >= newsize && self->size < newsize + 16 && self->items) {
        self->size = newsize;
        return 0;
    }
    _new_size = (newsize >> 4) + (self->size < 8 ? 3 : 7) + newsize;
    items = self->items;
    PyMem_Resize(items, double, _new_size); // no-warning: self->items keeps the old block
    if (items == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->items = items;
    self->size = newsize, self->allocated = _new_size;
    return 0;
}

static PyObject *
darray_append(DArrayObject *self, PyObject *v)
{
    double x = PyFloat_AsDouble(v);
    if (x == -1.0 && PyErr_Occurred())
        return NULL;
    if (self->size == self->allocated) {
        if (self->exports > 0) {
            PyErr_SetString(PyExc_BufferError, "array is exporting buffers");
            return NULL;
        }
        Py_ssize_t newalloc = self->allocated + (self->allocated >> 1) + 4;
        PyMem_RESIZE(self->items, double, newalloc); // expected-warning {{[PML007]}}
        if (self->items == NULL) {
            self->size = self->allocated = 0;
            return PyErr_NoMemory();
        }
        self->allocated = newalloc;
    }
    self->items[self->size++] = x;
    Py_RETURN_NONE;
}

static PyObject *
darray_fromstring(DArrayObject *self, PyObject *arg)
{
    Py_ssize_t len;
    char *copy, *p, *end;
    const char *s = PyUnicode_AsUTF8AndSize(arg, &len);

    if (s == NULL)
        return NULL;
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, s, len + 1);
    p = copy;
    while (*p != '\0') {
        double x = strtod(p, &end);
        if (end == p) {
            PyMem_Free(copy);
            PyErr_Format(PyExc_ValueError, "invalid number in '%.100s'", copy); // expected-warning {{[PML004]}}
            return NULL;
        }
        if (array_resize(self, self->size + 1) < 0) {
            PyMem_Free(copy);
            return NULL;
        }
        self->items[self->size - 1] = x;
        p = end;
        while (*p == ' ' || *p == ',')
            p++;
    }
    PyMem_Free(copy); // no-warning: the cursor p moved, copy did not
    Py_RETURN_NONE;
}

static PyObject *
darray_from_items(PyTypeObject *type, double *items, Py_ssize_t size)
{
    DArrayObject *np = (DArrayObject *)type->tp_alloc(type, 0);
    if (np == NULL) {
        PyMem_Free(items);
        return NULL;
    }
    np->items = items;
    np->size = np->allocated = size;
    return (PyObject *)np;
}

static PyObject *
darray_repeat(DArrayObject *a, Py_ssize_t n)
{
    double *items;
    Py_ssize_t i;
    n = Py_MAX(n, 0);
    items = PyMem_Malloc(a->size * n * sizeof(double) + 1); // expected-warning {{[PML009]}}
    if (items == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++)
        memcpy(items + i * a->size, a->items, a->size * sizeof(double));
    return darray_from_items(Py_TYPE(a), items, a->size * n);
}

static PyObject *
darray_concat(DArrayObject *a, PyObject *bb)
{
    DArrayObject *b = (DArrayObject *)bb;
    double *items;

    if (!PyObject_TypeCheck(bb, Py_TYPE(a))) {
        PyErr_SetString(PyExc_TypeError, "can only concatenate DArray to DArray");
        return NULL;
    }
    if (a->size >= PY_SSIZE_T_MAX - b->size)
        return PyErr_NoMemory();
    items = PyMem_New(double, a->size + b->size + 1);
    if (items == NULL)
        return PyErr_NoMemory();
    memcpy(items, a->items, a->size * sizeof(double));
    memcpy(items + a->size, b->items, b->size * sizeof(double));
    return darray_from_items(Py_TYPE(a), items, a->size + b->size);
}

static int
darray_init(DArrayObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"size", "fill", NULL};
    Py_ssize_t size = 0, i;
    double fill = 0.0;
    double *items;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|nd:DArray", kwlist, &size, &fill))
        return -1;
    if (size < 0) {
        PyErr_SetString(PyExc_ValueError, "negative size");
        return -1;
    }
    items = PyMem_Calloc(size + 1, sizeof(double));
    if (items == NULL)
        return -1; // expected-warning {{[PML008]}}
    for (i = 0; i < size; i++)
        items[i] = fill;
    PyMem_Free(self->items);
    self->items = items;
    self->size = self->allocated = size;
    return 0;
}

static int
darray_getbuffer(DArrayObject *self, Py_buffer *view, int flags)
{
    Py_ssize_t *info = PyMem_Malloc(2 * sizeof(Py_ssize_t));

    if (info == NULL)
        return -1; // expected-warning {{[PML008]}}
    info[0] = self->size;
    info[1] = sizeof(double);
    view->buf = self->items;
    view->obj = Py_NewRef(self);
    view->len = self->size * sizeof(double);
    view->readonly = 0;
    view->itemsize = sizeof(double);
    view->format = (flags & PyBUF_FORMAT) ? "d" : NULL;
    view->ndim = 1;
    view->shape = (flags & PyBUF_ND) ? &info[0] : NULL;
    view->strides = ((flags & PyBUF_STRIDES) == PyBUF_STRIDES) ? &info[1] : NULL;
    view->suboffsets = NULL;
    view->internal = info;
    self->exports++;
    return 0;
}

static void
darray_releasebuffer(DArrayObject *self, Py_buffer *view)
{
    PyMem_Free(view->internal); // no-warning: allocated in getbuffer
    self->exports--;
}

static void
darray_dealloc(DArrayObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);

    PyMem_Free(self->items);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyMethodDef darray_methods[] = {
    {"append", (PyCFunction)darray_append, METH_O, NULL},
    {"fromstring", (PyCFunction)darray_fromstring, METH_O, NULL},
    {NULL}
};

static PyType_Slot darray_slots[] = {
    {Py_tp_dealloc, darray_dealloc},
    {Py_tp_init, darray_init},
    {Py_tp_methods, darray_methods},
    {Py_sq_repeat, darray_repeat},
    {Py_sq_concat, darray_concat},
    {Py_bf_getbuffer, darray_getbuffer},
    {Py_bf_releasebuffer, darray_releasebuffer},
    {0, NULL}
};

static PyType_Spec darray_spec = {
    "array_buffer.DArray", sizeof(DArrayObject), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, darray_slots
};

static int
darray_exec(PyObject *m)
{
    PyObject *tp = PyType_FromModuleAndSpec(m, &darray_spec, NULL);
    int rc;
    if (tp == NULL)
        return -1;
    rc = PyModule_AddType(m, (PyTypeObject *)tp);
    Py_DECREF(tp);
    return rc;
}

static PyModuleDef_Slot darray_mod_slots[] = {{Py_mod_exec, darray_exec}, {0, NULL}};

static struct PyModuleDef darray_module = {
    PyModuleDef_HEAD_INIT, "array_buffer", NULL, 0, NULL, darray_mod_slots,
};

PyMODINIT_FUNC
PyInit_array_buffer(void)
{
    return PyModuleDef_Init(&darray_module);
}
