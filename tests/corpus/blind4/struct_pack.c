/*
 * struct_pack.c - a cut-down Struct type in the style of Modules/_struct.c.
 *
 * What this file tests:
 *   PML008  prepare_s() is returned directly from tp_init, so its -1 after a
 *           failed PyMem_Calloc leaves Python with no exception
 *   PML005  pack_seq() leaks its scratch buffer when an item fails to pack
 *   PML003  pack_many() frees the output buffer in the loop and at the label
 * Negatives: pack() with a single error label, PyMem_Calloc(n, size) for the
 * pack_many buffer, s_codes replaced only after the new table is built.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef struct {
    char code;
    Py_ssize_t offset;
    Py_ssize_t size;
} formatcode;

typedef struct {
    PyObject_HEAD
    Py_ssize_t s_size;          /* bytes in a packed record */
    Py_ssize_t s_len;           /* number of items */
    formatcode *s_codes;
    PyObject *s_format;
} PyStructObject;

static Py_ssize_t
code_size(char c)
{
    switch (c) {
    case 'b': case 'B': case '?': return 1;
    case 'h': case 'H': return 2;
    case 'i': case 'I': case 'f': return 4;
    case 'q': case 'Q': case 'd': return 8;
    default: return -1;
    }
}

static int
prepare_s(PyStructObject *self)
{
    const char *fmt = PyBytes_AS_STRING(self->s_format);
    const char *s;
    Py_ssize_t ncodes = 0, size = 0;
    formatcode *codes, *c;

    for (s = fmt; *s; s++) {
        if (Py_ISSPACE(*s))
            continue;
        if (code_size(*s) < 0) {
            PyErr_Format(PyExc_ValueError, "bad char in struct format: %c", *s);
            return -1;
        }
        ncodes++;
    }
    codes = PyMem_Calloc(ncodes + 1, sizeof(formatcode));
    if (codes == NULL)
        return -1; // expected-warning {{[PML008]}}
    for (s = fmt, c = codes; *s; s++) {
        if (Py_ISSPACE(*s))
            continue;
        c->code = *s;
        c->size = code_size(*s);
        c->offset = size;
        size += c->size;
        c++;
    }
    PyMem_Free(self->s_codes);
    self->s_codes = codes;
    self->s_len = ncodes;
    self->s_size = size;
    return 0;
}

static int
Struct_init(PyStructObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"format", NULL};
    PyObject *format;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:Struct", kwlist, &format))
        return -1;
    if (PyUnicode_Check(format)) {
        format = PyUnicode_AsASCIIString(format);
        if (format == NULL)
            return -1;
    }
    else if (PyBytes_Check(format)) {
        Py_INCREF(format);
    }
    else {
        PyErr_SetString(PyExc_TypeError, "Struct() argument must be str or bytes");
        return -1;
    }
    Py_XSETREF(self->s_format, format);
    return prepare_s(self);
}

/* Pack the items of `items` (a tuple) into res; -1 with an exception set. */
static int
pack_items(PyStructObject *self, PyObject *items, char *res)
{
    Py_ssize_t i;

    if (!PyTuple_Check(items) || PyTuple_GET_SIZE(items) != self->s_len) {
        PyErr_Format(PyExc_TypeError, "pack expected %zd items", self->s_len);
        return -1;
    }
    for (i = 0; i < self->s_len; i++) {
        const formatcode *c = &self->s_codes[i];
        PyObject *v = PyTuple_GET_ITEM(items, i);
        if (c->code == 'f' || c->code == 'd') {
            double x = PyFloat_AsDouble(v);
            if (x == -1.0 && PyErr_Occurred())
                return -1;
            if (c->code == 'f') {
                float f = (float)x;
                memcpy(res + c->offset, &f, sizeof(f));
            }
            else
                memcpy(res + c->offset, &x, sizeof(x));
        }
        else {
            long long x = PyLong_AsLongLong(v);
            if (x == -1 && PyErr_Occurred())
                return -1;
            memcpy(res + c->offset, &x, (size_t)c->size);  /* little-endian */
        }
    }
    return 0;
}

static PyObject *
s_pack(PyStructObject *self, PyObject *args)
{
    char *buf;
    PyObject *result = NULL;

    buf = PyMem_Calloc(1, self->s_size + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    if (pack_items(self, args, buf) < 0)
        goto error;
    result = PyBytes_FromStringAndSize(buf, self->s_size);
error:
    PyMem_Free(buf);
    return result;
}

static PyObject *
s_pack_seq(PyStructObject *self, PyObject *seq)
{
    char *buf;
    PyObject *tuple, *result;

    buf = PyMem_Malloc(self->s_size + 1); // expected-warning {{[PML005]}}
    if (buf == NULL)
        return PyErr_NoMemory();
    tuple = PySequence_Tuple(seq);
    if (tuple == NULL)
        return NULL;
    if (pack_items(self, tuple, buf) < 0) {
        Py_DECREF(tuple);
        PyMem_Free(buf);
        return NULL;
    }
    Py_DECREF(tuple);
    result = PyBytes_FromStringAndSize(buf, self->s_size);
    PyMem_Free(buf);
    return result;
}

static PyObject *
s_pack_many(PyStructObject *self, PyObject *list)
{
    Py_ssize_t i, n;
    char *buf;
    PyObject *result;

    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "pack_many() expects a list");
        return NULL;
    }
    n = PyList_GET_SIZE(list);
    buf = PyMem_Calloc(n + 1, self->s_size + 1); // no-warning: calloc form
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++) {
        if (pack_items(self, PyList_GET_ITEM(list, i), buf + i * self->s_size) < 0) {
            PyMem_Free(buf);
            goto error;
        }
    }
    result = PyBytes_FromStringAndSize(buf, n * self->s_size);
    PyMem_Free(buf);
    return result;
error:
    PyMem_Free(buf); // expected-warning {{[PML003]}}
    return NULL;
}

static void
s_dealloc(PyStructObject *s)
{
    PyTypeObject *tp = Py_TYPE(s);

    PyMem_Free(s->s_codes);
    Py_XDECREF(s->s_format);
    tp->tp_free((PyObject *)s);
    Py_DECREF(tp);
}

static PyMethodDef s_methods[] = {
    {"pack", (PyCFunction)s_pack, METH_VARARGS, NULL},
    {"pack_seq", (PyCFunction)s_pack_seq, METH_O, NULL},
    {"pack_many", (PyCFunction)s_pack_many, METH_O, NULL},
    {NULL}
};

static PyType_Slot PyStructType_slots[] = {
    {Py_tp_dealloc, s_dealloc},
    {Py_tp_init, Struct_init},
    {Py_tp_methods, s_methods},
    {0, NULL}
};

static PyType_Spec PyStructType_spec = {
    "struct_pack.Struct", sizeof(PyStructObject), 0,
    Py_TPFLAGS_DEFAULT, PyStructType_slots
};

static struct PyModuleDef structmodule = {PyModuleDef_HEAD_INIT, "struct_pack", NULL, -1, NULL};

PyMODINIT_FUNC
PyInit_struct_pack(void)
{
    PyObject *m = PyModule_Create(&structmodule), *tp;

    if (m == NULL)
        return NULL;
    tp = PyType_FromSpec(&PyStructType_spec);
    if (tp == NULL || PyModule_AddObject(m, "Struct", tp) < 0) {
        Py_XDECREF(tp);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
