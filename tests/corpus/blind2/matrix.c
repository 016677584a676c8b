/* matrix.c - a minimal dense matrix of doubles (heap type Matrix). */
#define PY_SSIZE_T_CLEAN
#include "Python.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    Py_ssize_t rows;
    Py_ssize_t cols;
    double *data;       /* rows * cols values, row-major */
} MatrixObject;

static MatrixObject *
matrix_alloc(PyTypeObject *type, Py_ssize_t rows, Py_ssize_t cols)
{
    MatrixObject *m;
    Py_ssize_t n;

    if (rows < 0 || cols < 0 || (cols != 0 && rows > PY_SSIZE_T_MAX / cols)) {
        PyErr_SetString(PyExc_ValueError, "bad matrix shape");
        return NULL;
    }
    n = rows * cols;
    m = (MatrixObject *)type->tp_alloc(type, 0);
    if (m == NULL) {
        return NULL;
    }
    m->data = PyMem_New(double, n ? n : 1);
    if (m->data == NULL) {
        Py_DECREF(m);
        PyErr_NoMemory();
        return NULL;
    }
    memset(m->data, 0, (n ? n : 1) * sizeof(double));
    m->rows = rows;
    m->cols = cols;
    return m;
}

static PyObject *
Matrix_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    Py_ssize_t rows, cols;
    if (!PyArg_ParseTuple(args, "nn:Matrix", &rows, &cols)) {
        return NULL;
    }
    return (PyObject *)matrix_alloc(type, rows, cols);
}

#define AT(m, r, c) ((m)->data[(r) * (m)->cols + (c)])

static PyObject *
Matrix_transpose_impl(MatrixObject *self)
{
    MatrixObject *t = matrix_alloc(Py_TYPE(self), self->cols, self->rows);
    Py_ssize_t r, c;
    if (t == NULL) {
        return NULL;
    }
    for (r = 0; r < self->rows; r++) {
        for (c = 0; c < self->cols; c++) {
            AT(t, c, r) = AT(self, r, c);
        }
    }
    return (PyObject *)t;
}

static PyObject *
Matrix_matmul_impl(MatrixObject *self, MatrixObject *other)
{
    MatrixObject *res;
    double *col;
    Py_ssize_t i, j, k;

    if (self->cols != other->rows) {
        PyErr_SetString(PyExc_ValueError, "shape mismatch");
        return NULL;
    }
    res = matrix_alloc(Py_TYPE(self), self->rows, other->cols);
    if (res == NULL) {
        return NULL;
    }
    /* copy each column of `other` once so the inner loop is contiguous */
    col = PyObject_Calloc(self->cols ? self->cols : 1, sizeof(double));
    if (col == NULL) {
        Py_DECREF(res);
        return PyErr_NoMemory();
    }
    for (j = 0; j < other->cols; j++) {
        for (k = 0; k < other->rows; k++) {
            col[k] = AT(other, k, j);
        }
        for (i = 0; i < self->rows; i++) {
            double s = 0.0;
            for (k = 0; k < self->cols; k++) {
                s += AT(self, i, k) * col[k];
            }
            AT(res, i, j) = s;
        }
    }
    PyMem_Free(col); // expected-warning {{[PML002]}}
    return (PyObject *)res;
}

static PyObject *
Matrix_resize_impl(MatrixObject *self, Py_ssize_t rows, Py_ssize_t cols)
{
    Py_ssize_t n, r, c;
    double *nd;

    if (rows < 0 || cols < 0 || (cols != 0 && rows > PY_SSIZE_T_MAX / cols)) {
        PyErr_SetString(PyExc_ValueError, "bad matrix shape");
        return NULL;
    }
    n = rows * cols;
    nd = PyMem_New(double, n ? n : 1);
    if (nd == NULL) {
        return PyErr_NoMemory();
    }
    memset(nd, 0, (n ? n : 1) * sizeof(double));
    PyMem_Free(self->data);
    for (r = 0; r < Py_MIN(rows, self->rows); r++) {
        for (c = 0; c < Py_MIN(cols, self->cols); c++) {
            nd[r * cols + c] = self->data[r * self->cols + c]; // expected-warning {{[PML004]}}
        }
    }
    self->data = nd;
    self->rows = rows;
    self->cols = cols;
    Py_RETURN_NONE;
}

static PyObject *
Matrix_format_impl(MatrixObject *self)
{
    PyObject *lines, *item;
    char *rowbuf = NULL;
    Py_ssize_t r, c;

    lines = PyList_New(0);
    if (lines == NULL) {
        return NULL;
    }
    for (r = 0; r < self->rows; r++) {
        Py_ssize_t cap = (self->cols + 1) * 24, pos = 0;
        rowbuf = PyMem_Calloc(self->cols + 1, 24); // expected-warning {{[PML006]}}
        if (rowbuf == NULL) {
            Py_DECREF(lines);
            return PyErr_NoMemory();
        }
        for (c = 0; c < self->cols; c++) {
            pos += PyOS_snprintf(rowbuf + pos, cap - pos, c ? " %10.4g" : "%10.4g",
                                 AT(self, r, c));
        }
        item = PyUnicode_FromStringAndSize(rowbuf, pos);
        if (item == NULL || PyList_Append(lines, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(lines);
            PyMem_Free(rowbuf);
            return NULL;
        }
        Py_DECREF(item);
    }
    PyMem_Free(rowbuf);
    return lines;
}

static PyObject *
Matrix_scale_rows_impl(MatrixObject *self, PyObject *factors)
{
    double *f;
    Py_ssize_t r, c;

    if (PyList_Size(factors) != self->rows) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "need one factor per row");
        }
        return NULL;
    }
    f = PyMem_RawCalloc(self->rows ? self->rows : 1, sizeof(double));
    if (f == NULL) {
        return PyErr_NoMemory();
    }
    for (r = 0; r < self->rows; r++) {
        f[r] = PyFloat_AsDouble(PyList_GET_ITEM(factors, r));
        if (f[r] == -1.0 && PyErr_Occurred()) {
            PyMem_RawFree(f);
            return NULL;
        }
    }
    for (r = 0; r < self->rows; r++) {
        for (c = 0; c < self->cols; c++) {
            AT(self, r, c) *= f[r];
        }
    }
    free(f); // expected-warning {{[PML002]}}
    Py_RETURN_NONE;
}

static PyObject *
Matrix_method_transpose(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return Matrix_transpose_impl((MatrixObject *)self);
}

static PyObject *
Matrix_method_matmul(PyObject *self, PyObject *other)
{
    if (!PyObject_TypeCheck(other, Py_TYPE(self))) {
        PyErr_SetString(PyExc_TypeError, "matmul() needs a Matrix");
        return NULL;
    }
    return Matrix_matmul_impl((MatrixObject *)self, (MatrixObject *)other);
}

static PyObject *
Matrix_method_resize(PyObject *self, PyObject *args)
{
    Py_ssize_t rows, cols;
    if (!PyArg_ParseTuple(args, "nn:resize", &rows, &cols)) {
        return NULL;
    }
    return Matrix_resize_impl((MatrixObject *)self, rows, cols);
}

static PyObject *
Matrix_method_format(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return Matrix_format_impl((MatrixObject *)self);
}

static PyObject *
Matrix_method_scale_rows(PyObject *self, PyObject *arg)
{
    return Matrix_scale_rows_impl((MatrixObject *)self, arg);
}

static void
Matrix_dealloc(MatrixObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyMem_Free(self->data);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyMethodDef Matrix_methods[] = {
    {"transpose", Matrix_method_transpose, METH_NOARGS, NULL},
    {"matmul", Matrix_method_matmul, METH_O, NULL},
    {"resize", Matrix_method_resize, METH_VARARGS, NULL},
    {"format", Matrix_method_format, METH_NOARGS, NULL},
    {"scale_rows", Matrix_method_scale_rows, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static PyType_Slot Matrix_slots[] = {
    {Py_tp_new, Matrix_new},
    {Py_tp_dealloc, Matrix_dealloc},
    {Py_tp_methods, Matrix_methods},
    {0, NULL}
};

static PyType_Spec Matrix_spec = {
    "matrix.Matrix", sizeof(MatrixObject), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE, Matrix_slots
};

static int
matrix_exec(PyObject *module)
{
    PyObject *tp = PyType_FromModuleAndSpec(module, &Matrix_spec, NULL);
    int rc;
    if (tp == NULL) {
        return -1;
    }
    rc = PyModule_AddObjectRef(module, "Matrix", tp);
    Py_DECREF(tp);
    return rc;
}

static PyModuleDef_Slot matrix_slots[] = {
    {Py_mod_exec, matrix_exec},
    {0, NULL}
};

static struct PyModuleDef matrix_module = {
    PyModuleDef_HEAD_INIT, .m_name = "matrix", .m_slots = matrix_slots,
};

PyMODINIT_FUNC
PyInit_matrix(void)
{
    return PyModuleDef_Init(&matrix_module);
}
