/* clean_types.c: two extension types whose slots own several heap blocks,
 * written the careful way: partial construction is unwound, setters swap
 * before freeing, and every block has exactly one owner.  Modelled on
 * CPython's Modules/_decimal context objects and arraymodule.c. */
// expected-no-diagnostics
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    Py_ssize_t nrows;
    Py_ssize_t ncols;
    double **rows;
    char *name;
} MatrixObject;

typedef struct {
    PyObject_HEAD
    char **fields;
    Py_ssize_t nfields;
    unsigned char *flags;
} RecordObject;

static PyTypeObject Matrix_Type;
static PyTypeObject Record_Type;

static void
free_rows(double **rows, Py_ssize_t n)
{
    Py_ssize_t i;
    if (rows == NULL)
        return;
    for (i = 0; i < n; i++)
        PyMem_Free(rows[i]);
    PyMem_Free(rows);
}

static double **
alloc_rows(Py_ssize_t nrows, Py_ssize_t ncols)
{
    double **rows;
    Py_ssize_t i;

    rows = PyMem_New(double *, nrows + 1); // no-warning: returned
    if (rows == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (i = 0; i < nrows; i++) {
        rows[i] = PyMem_New(double, ncols + 1); // no-warning: stored in rows
        if (rows[i] == NULL) {
            free_rows(rows, i);
            PyErr_NoMemory();
            return NULL;
        }
        memset(rows[i], 0, (size_t)(ncols + 1) * sizeof(double));
    }
    rows[nrows] = NULL;
    return rows;
}

static PyObject *
Matrix_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    MatrixObject *self = (MatrixObject *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->nrows = 0;
    self->ncols = 0;
    self->rows = NULL;
    self->name = NULL;
    return (PyObject *)self;
}

static int
Matrix_init(MatrixObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"rows", "cols", "name", NULL};
    Py_ssize_t nrows, ncols;
    const char *name = "M";
    double **rows;
    char *name_copy;
    size_t nlen;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "nn|s:Matrix", kwlist,
                                     &nrows, &ncols, &name))
        return -1;
    if (nrows < 0 || ncols < 0) {
        PyErr_SetString(PyExc_ValueError, "dimensions must be non-negative");
        return -1;
    }
    rows = alloc_rows(nrows, ncols);
    if (rows == NULL)
        return -1;
    nlen = strlen(name);
    name_copy = PyMem_Malloc(nlen + 1); // no-warning: owned by self
    if (name_copy == NULL) {
        free_rows(rows, nrows);
        PyErr_NoMemory();
        return -1;
    }
    memcpy(name_copy, name, nlen + 1);

    free_rows(self->rows, self->nrows);
    PyMem_Free(self->name);
    self->rows = rows;
    self->nrows = nrows;
    self->ncols = ncols;
    self->name = name_copy;
    return 0;
}

static void
Matrix_dealloc(MatrixObject *self)
{
    free_rows(self->rows, self->nrows);
    self->rows = NULL;
    PyMem_Free(self->name);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Matrix_transpose(MatrixObject *self, PyObject *Py_UNUSED(ignored))
{
    MatrixObject *res;
    double **rows;
    char *name;
    size_t nlen = self->name ? strlen(self->name) : 0;
    Py_ssize_t i, j;

    rows = alloc_rows(self->ncols, self->nrows);
    if (rows == NULL)
        return NULL;
    for (i = 0; i < self->nrows; i++)
        for (j = 0; j < self->ncols; j++)
            rows[j][i] = self->rows[i][j];
    name = PyMem_Malloc(nlen + 3); // no-warning: owned by res or freed
    if (name == NULL) {
        free_rows(rows, self->ncols);
        return PyErr_NoMemory();
    }
    if (self->name)
        memcpy(name, self->name, nlen);
    memcpy(name + nlen, ".T", 3);
    res = (MatrixObject *)Matrix_new(Py_TYPE(self), NULL, NULL);
    if (res == NULL) {
        PyMem_Free(name);
        free_rows(rows, self->ncols);
        return NULL;
    }
    res->rows = rows;
    res->nrows = self->ncols;
    res->ncols = self->nrows;
    res->name = name;
    return (PyObject *)res;
}

static PyObject *
Matrix_add_row(MatrixObject *self, PyObject *args)
{
    PyObject *seq, *fast;
    Py_ssize_t j;
    double *row;
    double **tmp;

    if (!PyArg_ParseTuple(args, "O:add_row", &seq))
        return NULL;
    fast = PySequence_Fast(seq, "row must be a sequence");
    if (fast == NULL)
        return NULL;
    if (PySequence_Fast_GET_SIZE(fast) != self->ncols) {
        Py_DECREF(fast);
        PyErr_SetString(PyExc_ValueError, "wrong row length");
        return NULL;
    }
    row = PyMem_New(double, self->ncols + 1); // no-warning: stored in self->rows
    if (row == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (j = 0; j < self->ncols; j++) {
        row[j] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, j));
        if (row[j] == -1.0 && PyErr_Occurred()) {
            PyMem_Free(row);
            Py_DECREF(fast);
            return NULL;
        }
    }
    Py_DECREF(fast);
    tmp = self->rows;
    PyMem_Resize(tmp, double *, self->nrows + 2); // no-warning: self->rows keeps the old block
    if (tmp == NULL) {
        PyMem_Free(row);
        return PyErr_NoMemory();
    }
    self->rows = tmp;
    self->rows[self->nrows++] = row;
    self->rows[self->nrows] = NULL;
    Py_RETURN_NONE;
}

static PyObject *
Matrix_row_sums(MatrixObject *self, PyObject *Py_UNUSED(ignored))
{
    double *sums;
    Py_ssize_t i, j;
    PyObject *res = NULL;

    sums = PyMem_Calloc((size_t)self->nrows + 1, sizeof(double)); // no-warning
    if (sums == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < self->nrows; i++)
        for (j = 0; j < self->ncols; j++)
            sums[i] += self->rows[i][j];
    res = PyList_New(self->nrows);
    if (res == NULL)
        goto done;
    for (i = 0; i < self->nrows; i++) {
        PyObject *f = PyFloat_FromDouble(sums[i]);
        if (f == NULL) {
            Py_CLEAR(res);
            goto done;
        }
        PyList_SET_ITEM(res, i, f);
    }
done:
    PyMem_Free(sums);
    return res;
}

static PyObject *
Matrix_get_name(MatrixObject *self, void *closure)
{
    return PyUnicode_FromString(self->name ? self->name : "");
}

static int
Matrix_set_name(MatrixObject *self, PyObject *value, void *closure)
{
    const char *s;
    Py_ssize_t n;
    char *copy, *old;

    if (value == NULL) {
        PyErr_SetString(PyExc_TypeError, "cannot delete name");
        return -1;
    }
    s = PyUnicode_AsUTF8AndSize(value, &n);
    if (s == NULL)
        return -1;
    copy = PyMem_Malloc(n + 1); // no-warning: swapped into self->name
    if (copy == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(copy, s, (size_t)n + 1);
    old = self->name;
    self->name = copy;
    PyMem_Free(old);
    return 0;
}

/* ---- Record ---- */

static void
record_clear_fields(RecordObject *self)
{
    Py_ssize_t i;
    if (self->fields != NULL) {
        for (i = 0; i < self->nfields; i++)
            PyMem_Free(self->fields[i]);
        PyMem_Free(self->fields);
        self->fields = NULL;
    }
    PyObject_Free(self->flags);
    self->flags = NULL;
    self->nfields = 0;
}

static int
Record_init(RecordObject *self, PyObject *args, PyObject *kwds)
{
    PyObject *fast;
    Py_ssize_t i, n;
    char **fields = NULL;
    unsigned char *flags = NULL;

    if (kwds != NULL && PyDict_GET_SIZE(kwds) > 0) {
        PyErr_SetString(PyExc_TypeError, "Record takes no keyword arguments");
        return -1;
    }
    fast = PySequence_Fast(args, "bad args");
    if (fast == NULL)
        return -1;
    n = PySequence_Fast_GET_SIZE(fast);
    fields = PyMem_New(char *, n + 1); // no-warning: owned by self after success
    if (fields == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (i = 0; i <= n; i++)
        fields[i] = NULL;
    flags = PyObject_Calloc((size_t)n + 1, 1); // no-warning: owned by self after success
    if (flags == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
        const char *s;
        Py_ssize_t len;
        if (item == Py_None) {
            flags[i] = 1;
            continue;
        }
        s = PyUnicode_AsUTF8AndSize(item, &len);
        if (s == NULL)
            goto error;
        fields[i] = PyMem_Malloc(len + 1); // no-warning: stored in fields
        if (fields[i] == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        memcpy(fields[i], s, (size_t)len + 1);
    }
    Py_DECREF(fast);
    record_clear_fields(self);
    self->fields = fields;
    self->flags = flags;
    self->nfields = n;
    return 0;

error:
    if (fields != NULL) {
        for (i = 0; i < n; i++)
            PyMem_Free(fields[i]);
        PyMem_Free(fields);
    }
    PyObject_Free(flags);
    Py_DECREF(fast);
    return -1;
}

static void
Record_dealloc(RecordObject *self)
{
    record_clear_fields(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Record_getitem(RecordObject *self, Py_ssize_t i)
{
    if (i < 0 || i >= self->nfields) {
        PyErr_SetString(PyExc_IndexError, "record index out of range");
        return NULL;
    }
    if (self->flags[i])
        Py_RETURN_NONE;
    return PyUnicode_FromString(self->fields[i]);
}

static Py_ssize_t
Record_length(RecordObject *self)
{
    return self->nfields;
}

static PyObject *
Record_encode(RecordObject *self, PyObject *args)
{
    char sep = '|';
    Py_ssize_t i, total = 1, o = 0;
    char *buf;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "|c:encode", &sep))
        return NULL;
    for (i = 0; i < self->nfields; i++)
        total += (self->fields[i] ? (Py_ssize_t)strlen(self->fields[i]) : 0) + 1;
    buf = PyMem_Malloc(total); // no-warning
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < self->nfields; i++) {
        if (i > 0)
            buf[o++] = sep;
        if (self->fields[i]) {
            size_t n = strlen(self->fields[i]);
            memcpy(buf + o, self->fields[i], n);
            o += (Py_ssize_t)n;
        }
    }
    res = PyBytes_FromStringAndSize(buf, o);
    PyMem_Free(buf);
    return res;
}

static PyObject *
Record_replace(RecordObject *self, PyObject *args)
{
    Py_ssize_t idx, len;
    const char *s;
    char *copy;

    if (!PyArg_ParseTuple(args, "ns#:replace", &idx, &s, &len))
        return NULL;
    if (idx < 0 || idx >= self->nfields) {
        PyErr_SetString(PyExc_IndexError, "record index out of range");
        return NULL;
    }
    copy = PyMem_Malloc(len + 1); // no-warning: replaces fields[idx]
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, s, (size_t)len);
    copy[len] = '\0';
    if (self->fields[idx] != NULL)
        PyMem_Free(self->fields[idx]);
    self->fields[idx] = copy;
    self->flags[idx] = 0;
    Py_RETURN_NONE;
}

static PyMethodDef Matrix_methods[] = {
    {"transpose", (PyCFunction)Matrix_transpose, METH_NOARGS, NULL},
    {"add_row", (PyCFunction)Matrix_add_row, METH_VARARGS, NULL},
    {"row_sums", (PyCFunction)Matrix_row_sums, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef Matrix_getset[] = {
    {"name", (getter)Matrix_get_name, (setter)Matrix_set_name, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyTypeObject Matrix_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "clean_types.Matrix",
    .tp_basicsize = sizeof(MatrixObject),
    .tp_dealloc = (destructor)Matrix_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Matrix_methods,
    .tp_getset = Matrix_getset,
    .tp_init = (initproc)Matrix_init,
    .tp_new = Matrix_new,
};

static PySequenceMethods Record_as_sequence = {
    .sq_length = (lenfunc)Record_length,
    .sq_item = (ssizeargfunc)Record_getitem,
};

static PyMethodDef Record_methods[] = {
    {"encode", (PyCFunction)Record_encode, METH_VARARGS, NULL},
    {"replace", (PyCFunction)Record_replace, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject Record_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "clean_types.Record",
    .tp_basicsize = sizeof(RecordObject),
    .tp_dealloc = (destructor)Record_dealloc,
    .tp_as_sequence = &Record_as_sequence,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Record_methods,
    .tp_init = (initproc)Record_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef clean_types_module = {
    PyModuleDef_HEAD_INIT, "clean_types", NULL, -1, NULL,
};

PyMODINIT_FUNC
PyInit_clean_types(void)
{
    PyObject *m;
    if (PyType_Ready(&Matrix_Type) < 0 || PyType_Ready(&Record_Type) < 0)
        return NULL;
    m = PyModule_Create(&clean_types_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&Matrix_Type);
    if (PyModule_AddObject(m, "Matrix", (PyObject *)&Matrix_Type) < 0) {
        Py_DECREF(&Matrix_Type);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&Record_Type);
    if (PyModule_AddObject(m, "Record", (PyObject *)&Record_Type) < 0) {
        Py_DECREF(&Record_Type);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
