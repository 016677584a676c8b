/* scanner.c - delimiter/quote aware field scanner (heap type Scanner). */
#define PY_SSIZE_T_CLEAN
#include "Python.h"
#include <string.h>

#define FIELD_INIT 64

#define CLEAR_BUF(p)            \
    do {                        \
        PyMem_Free(p);          \
        (p) = NULL;             \
    } while (0)

#define ZERO_FILL(p, nbytes)            \
    do {                                \
        memset((p), 0, (nbytes));       \
    } while (0)

#define REQUIRE(cond, msg)                                  \
    do {                                                    \
        if (!(cond)) {                                      \
            PyErr_SetString(PyExc_ValueError, (msg));       \
            return NULL;                                    \
        }                                                   \
    } while (0)

typedef struct {
    PyObject_HEAD
    Py_UCS4 delim;
    Py_UCS4 quote;
    Py_UCS4 *field;
    Py_ssize_t field_len;
    Py_ssize_t field_size;
} ScannerObject;

static int
scanner_add_char(ScannerObject *self, Py_UCS4 c)
{
    if (self->field_len == self->field_size) {
        Py_ssize_t newsize = self->field_size + (self->field_size >> 1) + FIELD_INIT;
        Py_UCS4 *tmp = self->field;
        PyMem_Resize(tmp, Py_UCS4, newsize); // no-warning: self->field keeps the old block
        if (tmp == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        self->field = tmp;
        self->field_size = newsize;
    }
    self->field[self->field_len++] = c;
    return 0;
}

static PyObject *
Scanner_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"delimiter", "quotechar", NULL};
    int delim = ',', quote = '"';
    ScannerObject *self;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|CC:Scanner", kwlist,
                                     &delim, &quote)) {
        return NULL;
    }
    self = (ScannerObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->delim = (Py_UCS4)delim;
    self->quote = (Py_UCS4)quote;
    self->field = PyMem_New(Py_UCS4, FIELD_INIT);
    if (self->field == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    self->field_size = FIELD_INIT;
    return (PyObject *)self;
}

static PyObject *
Scanner_split_impl(ScannerObject *self, PyObject *line)
{
    Py_ssize_t i, n = PyUnicode_GET_LENGTH(line);
    int kind = PyUnicode_KIND(line), in_quotes = 0;
    const void *data = PyUnicode_DATA(line);
    PyObject *fields, *f;

    fields = PyList_New(0);
    if (fields == NULL) {
        return NULL;
    }
    self->field_len = 0;
    for (i = 0; i <= n; i++) {
        Py_UCS4 c = i < n ? PyUnicode_READ(kind, data, i) : self->delim;
        if (c == self->quote) {
            in_quotes = !in_quotes;
            continue;
        }
        if (c == self->delim && !in_quotes) {
            f = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, self->field,
                                          self->field_len);
            if (f == NULL || PyList_Append(fields, f) < 0) {
                Py_XDECREF(f);
                Py_DECREF(fields);
                return NULL;
            }
            Py_DECREF(f);
            self->field_len = 0;
            continue;
        }
        if (scanner_add_char(self, c) < 0) {
            Py_DECREF(fields);
            return NULL;
        }
    }
    return fields;
}

static PyObject *
Scanner_count_fields_impl(ScannerObject *self, PyObject *lines)
{
    Py_ssize_t nlines, i, *counts;
    PyObject *res;

    nlines = PyList_Size(lines);
    if (nlines < 0) {
        return NULL;
    }
    counts = PyMem_New(Py_ssize_t, nlines + 1);
    ZERO_FILL(counts, (nlines + 1) * sizeof(Py_ssize_t)); // expected-warning {{[PML001]}}
    if (counts == NULL) {
        return PyErr_NoMemory();
    }
    for (i = 0; i < nlines; i++) {
        PyObject *line = PyList_GET_ITEM(lines, i), *fields = NULL;
        if (PyUnicode_Check(line)) {
            fields = Scanner_split_impl(self, line);
        }
        else {
            PyErr_SetString(PyExc_TypeError, "lines must be str");
        }
        if (fields == NULL) {
            CLEAR_BUF(counts);
            return NULL;
        }
        counts[i] = PyList_GET_SIZE(fields);
        Py_DECREF(fields);
    }
    res = PyTuple_New(nlines);
    for (i = 0; res != NULL && i < nlines; i++) {
        PyObject *v = PyLong_FromSsize_t(counts[i]);
        if (v == NULL) {
            Py_CLEAR(res);
            break;
        }
        PyTuple_SET_ITEM(res, i, v);
    }
    CLEAR_BUF(counts);
    return res;
}

static PyObject *
Scanner_quote_impl(ScannerObject *self, PyObject *field)
{
    Py_ssize_t i, j = 0, n = PyUnicode_GET_LENGTH(field);
    Py_UCS4 *out;
    PyObject *res;

    out = PyMem_New(Py_UCS4, n + n + 2); // expected-warning {{[PML005]}}
    if (out == NULL) {
        return PyErr_NoMemory();
    }
    REQUIRE(self->quote != 0, "scanner has no quote character");
    out[j++] = self->quote;
    for (i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ_CHAR(field, i);
        if (c == self->quote) {
            out[j++] = c;
        }
        out[j++] = c;
    }
    out[j++] = self->quote;
    res = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, j);
    CLEAR_BUF(out);
    return res;
}

static PyObject *
Scanner_strip_impl(ScannerObject *self, PyObject *field)
{
    Py_ssize_t i, j = 0, n = PyUnicode_GET_LENGTH(field);
    Py_UCS4 *ucs;
    PyObject *res;

    ucs = PyMem_New(Py_UCS4, n + 1);
    if (ucs == NULL) {
        return PyErr_NoMemory();
    }
    if (PyUnicode_AsUCS4(field, ucs, n + 1, 1) == NULL) {
        goto error;
    }
    for (i = 0; i < n; i++) {
        if (ucs[i] != self->quote) {
            ucs[j++] = ucs[i];
        }
    }
    res = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, ucs, j);
    PyMem_Free(ucs);
    if (res == NULL) {
        goto error;
    }
    return res;

error:
    CLEAR_BUF(ucs); // expected-warning {{[PML003]}}
    return NULL;
}

#define STR_METHOD(name)                                                \
    static PyObject *                                                   \
    Scanner_##name(PyObject *self, PyObject *arg)                       \
    {                                                                   \
        if (!PyUnicode_Check(arg)) {                                    \
            PyErr_SetString(PyExc_TypeError, #name "() needs a str");   \
            return NULL;                                                \
        }                                                               \
        return Scanner_##name##_impl((ScannerObject *)self, arg);       \
    }

STR_METHOD(split)
STR_METHOD(quote)
STR_METHOD(strip)

static PyObject *
Scanner_count_fields(PyObject *self, PyObject *arg)
{
    return Scanner_count_fields_impl((ScannerObject *)self, arg);
}

static void
Scanner_dealloc(ScannerObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    CLEAR_BUF(self->field);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyMethodDef Scanner_methods[] = {
    {"split", Scanner_split, METH_O, NULL},
    {"count_fields", Scanner_count_fields, METH_O, NULL},
    {"quote", Scanner_quote, METH_O, NULL},
    {"strip", Scanner_strip, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static PyType_Slot Scanner_slots[] = {
    {Py_tp_new, Scanner_new},
    {Py_tp_dealloc, Scanner_dealloc},
    {Py_tp_methods, Scanner_methods},
    {0, NULL}
};

static PyType_Spec Scanner_spec = {
    "scanner.Scanner", sizeof(ScannerObject), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE, Scanner_slots
};

static int
scanner_exec(PyObject *module)
{
    PyObject *tp = PyType_FromModuleAndSpec(module, &Scanner_spec, NULL);
    int rc;
    if (tp == NULL) {
        return -1;
    }
    rc = PyModule_AddObjectRef(module, "Scanner", tp);
    Py_DECREF(tp);
    return rc;
}

static PyModuleDef_Slot scanner_slots[] = {
    {Py_mod_exec, scanner_exec},
    {0, NULL}
};

static struct PyModuleDef scanner_module = {
    PyModuleDef_HEAD_INIT, .m_name = "scanner", .m_slots = scanner_slots,
};

PyMODINIT_FUNC
PyInit_scanner(void)
{
    return PyModuleDef_Init(&scanner_module);
}
