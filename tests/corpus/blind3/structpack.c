/*
 * structpack.c -- a tiny struct packer type: Packer("<codes>").pack(...).
 * Tests: PML009 (count * self->size), PML012 (PyMem_Free of a "y"
 * out-argument), PML002 (PyObject_Malloc block released with PyMem_Free),
 * PML008 (getter returning NULL after PyMem_Malloc failure).
 * Negatives: PyMem_New for the field table (n <= 64), helper that sets
 * the exception itself, PyObject_Malloc sized without multiplication.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

typedef struct { char code; Py_ssize_t size, offset; } field_t;

typedef struct {
    PyObject_HEAD
    field_t *fields;
    Py_ssize_t nfields, size;
} PackerObject;

static Py_ssize_t
code_size(char c)
{
    static const char codes[] = "bBhHiIqQd";
    static const Py_ssize_t sizes[] = {1, 1, 2, 2, 4, 4, 8, 8, 8};
    const char *p = c ? strchr(codes, c) : NULL;
    return p ? sizes[p - codes] : -1;
}

/* Returns -1 with an exception set. */
static int
store_value(const field_t *f, char *dst, PyObject *v)
{
    if (f->code == 'd') {
        double x = PyFloat_AsDouble(v);
        if (x == -1.0 && PyErr_Occurred())
            return -1;
        memcpy(dst, &x, sizeof(x));
    }
    else {
        long long x = PyLong_AsLongLong(v);
        if (x == -1 && PyErr_Occurred())
            return -1;
        memcpy(dst, &x, (size_t)f->size);   /* little-endian hosts only */
    }
    return 0;
}

static int
Packer_init(PackerObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"format", NULL};
    const char *fmt;
    Py_ssize_t n, i, off = 0;
    field_t *fields;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s:Packer", kwlist, &fmt))
        return -1;
    n = (Py_ssize_t)strlen(fmt);
    if (n == 0 || n > 64) {
        PyErr_SetString(PyExc_ValueError, "format must have 1..64 codes");
        return -1;
    }
    fields = PyMem_New(field_t, n);
    if (fields == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < n; i++) {
        Py_ssize_t sz = code_size(fmt[i]);
        if (sz < 0) {
            PyErr_Format(PyExc_ValueError, "bad format code '%c'", fmt[i]);
            PyMem_Free(fields);
            return -1;
        }
        fields[i].code = fmt[i];
        fields[i].size = sz;
        fields[i].offset = off;
        off += sz;
    }
    PyMem_Free(self->fields);
    self->fields = fields;
    self->nfields = n;
    self->size = off;
    return 0;
}

static void
Packer_dealloc(PackerObject *self)
{
    PyMem_Free(self->fields);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Packer_pack(PackerObject *self, PyObject *args)
{
    char *buf;
    Py_ssize_t i;
    PyObject *res = NULL;
    if (PyTuple_GET_SIZE(args) != self->nfields) {
        PyErr_Format(PyExc_TypeError, "pack expected %zd items", self->nfields);
        return NULL;
    }
    buf = PyObject_Malloc(self->size > 0 ? self->size : 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < self->nfields; i++) {
        const field_t *f = &self->fields[i];
        if (store_value(f, buf + f->offset, PyTuple_GET_ITEM(args, i)) < 0)
            goto done;
    }
    res = PyBytes_FromStringAndSize(buf, self->size);
done:
    PyMem_Free(buf); // expected-warning {{[PML002]}}
    return res;
}

static PyObject *
Packer_pack_many(PackerObject *self, PyObject *seq)
{
    PyObject *fast, *res = NULL;
    Py_ssize_t count, i, j;
    char *buf;
    fast = PySequence_Fast(seq, "expected a sequence of tuples");
    if (fast == NULL)
        return NULL;
    count = PySequence_Fast_GET_SIZE(fast);
    buf = PyMem_Malloc(count * self->size + 1); // expected-warning {{[PML009]}}
    if (buf == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < count; i++) {
        PyObject *row = PySequence_Fast_GET_ITEM(fast, i);
        if (!PyTuple_Check(row) || PyTuple_GET_SIZE(row) != self->nfields) {
            PyErr_SetString(PyExc_TypeError, "each row must match the format");
            goto done;
        }
        for (j = 0; j < self->nfields; j++) {
            const field_t *f = &self->fields[j];
            if (store_value(f, buf + i * self->size + f->offset, PyTuple_GET_ITEM(row, j)) < 0)
                goto done;
        }
    }
    res = PyBytes_FromStringAndSize(buf, count * self->size);
done:
    PyMem_Free(buf);
    Py_DECREF(fast);
    return res;
}

/* pack_text(b"1,2,3"): parse comma separated integers and pack them. */
static PyObject *
Packer_pack_text(PackerObject *self, PyObject *args)
{
    const char *text, *p;
    char *end;
    PyObject *values, *res;
    Py_ssize_t i;
    if (!PyArg_ParseTuple(args, "y:pack_text", &text))
        return NULL;
    values = PyTuple_New(self->nfields);
    if (values == NULL)
        return NULL;
    for (i = 0, p = text; i < self->nfields; i++) {
        PyObject *v = PyLong_FromLong(strtol(p, &end, 10));
        if (v == NULL) {
            Py_DECREF(values);
            return NULL;
        }
        PyTuple_SET_ITEM(values, i, v);
        p = (*end == ',') ? end + 1 : end;
    }
    res = Packer_pack(self, values);
    Py_DECREF(values);
    PyMem_Free((void *)text); // expected-warning {{[PML012]}}
    return res;
}

static PyObject *
Packer_get_codes(PackerObject *self, void *closure)
{
    char *buf;
    Py_ssize_t i;
    PyObject *res;
    buf = PyMem_Malloc(self->nfields + 1);
    if (buf == NULL)
        return NULL; // expected-warning {{[PML008]}}
    for (i = 0; i < self->nfields; i++)
        buf[i] = self->fields[i].code;
    res = PyUnicode_FromStringAndSize(buf, self->nfields);
    PyMem_Free(buf);
    return res;
}

static PyGetSetDef Packer_getset[] = {
    {"codes", (getter)Packer_get_codes, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyMethodDef Packer_methods[] = {
    {"pack", (PyCFunction)Packer_pack, METH_VARARGS, NULL},
    {"pack_many", (PyCFunction)Packer_pack_many, METH_O, NULL},
    {"pack_text", (PyCFunction)Packer_pack_text, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject PackerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "structpack.Packer",
    .tp_basicsize = sizeof(PackerObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Packer_init,
    .tp_dealloc = (destructor)Packer_dealloc,
    .tp_methods = Packer_methods,
    .tp_getset = Packer_getset,
};

static struct PyModuleDef structpack_module = {PyModuleDef_HEAD_INIT, "structpack", NULL, -1, NULL};

PyMODINIT_FUNC
PyInit_structpack(void)
{
    PyObject *m;
    if (PyType_Ready(&PackerType) < 0)
        return NULL;
    m = PyModule_Create(&structpack_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Packer", (PyObject *)&PackerType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
