/* matrix.c -- a dense double Matrix type (zeros, outer, from_bytes, inverse).
 * Tests: PML008 (tp_init -1 after PyMem_Calloc failure), PML009
 * (nu * nv * sizeof(double) unguarded), PML012 (PyMem_Free of
 * Py_buffer.buf), PML003 (copy freed before goto error, freed again there).
 * Negatives: rows guarded with PY_SSIZE_T_MAX / sizeof(double) / cols
 * before PyMem_Calloc, PyMem_New on a validated element count, internal
 * constructor helper that always sets the exception.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    Py_ssize_t rows, cols, size;
    double *data;
} MatrixObject;

static PyTypeObject MatrixType;

/* Internal: returns NULL with an exception set. */
static MatrixObject *
new_matrix(Py_ssize_t rows, Py_ssize_t cols)
{
    MatrixObject *m;
    Py_ssize_t size;
    if (rows <= 0 || cols <= 0) {
        PyErr_SetString(PyExc_ValueError, "dimensions must be positive");
        return NULL;
    }
    if (rows > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(double) / cols) {
        PyErr_SetString(PyExc_OverflowError, "matrix too large");
        return NULL;
    }
    size = rows * cols;
    m = PyObject_New(MatrixObject, &MatrixType);
    if (m == NULL)
        return NULL;
    m->rows = rows, m->cols = cols, m->size = size;
    m->data = PyMem_Calloc(size, sizeof(double));
    if (m->data == NULL) {
        Py_DECREF(m);
        PyErr_NoMemory();
        return NULL;
    }
    return m;
}

static int
Matrix_init(MatrixObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"rows", "cols", NULL};
    Py_ssize_t rows, cols;
    double *data;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "nn:Matrix", kwlist, &rows, &cols))
        return -1;
    if (rows <= 0 || cols <= 0) {
        PyErr_SetString(PyExc_ValueError, "dimensions must be positive");
        return -1;
    }
    if (rows > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(double) / cols) {
        PyErr_SetString(PyExc_OverflowError, "matrix too large");
        return -1;
    }
    data = PyMem_Calloc(rows * cols, sizeof(double));
    if (data == NULL)
        return -1; // expected-warning {{[PML008]}}
    PyMem_Free(self->data);
    self->data = data;
    self->rows = rows, self->cols = cols, self->size = rows * cols;
    return 0;
}

static void
Matrix_dealloc(MatrixObject *self)
{
    PyMem_Free(self->data);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Matrix_outer(PyObject *unused, PyObject *args)
{
    PyObject *u, *v, *fu, *fv;
    MatrixObject *m = NULL;
    double *data;
    Py_ssize_t nu, nv, i, j;
    if (!PyArg_ParseTuple(args, "OO:outer", &u, &v))
        return NULL;
    if ((fu = PySequence_Fast(u, "u must be a sequence")) == NULL)
        return NULL;
    if ((fv = PySequence_Fast(v, "v must be a sequence")) == NULL) {
        Py_DECREF(fu);
        return NULL;
    }
    nu = PySequence_Fast_GET_SIZE(fu);
    nv = PySequence_Fast_GET_SIZE(fv);
    if (nu == 0 || nv == 0) {
        PyErr_SetString(PyExc_ValueError, "empty vector");
        goto done;
    }
    data = PyMem_Malloc(nu * nv * sizeof(double)); // expected-warning {{[PML009]}}
    if (data == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < nu; i++) {
        double x = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fu, i));
        for (j = 0; j < nv; j++) {
            double y = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fv, j));
            if (PyErr_Occurred()) {
                PyMem_Free(data);
                goto done;
            }
            data[i * nv + j] = x * y;
        }
    }
    m = PyObject_New(MatrixObject, &MatrixType);
    if (m == NULL) {
        PyMem_Free(data);
        goto done;
    }
    m->rows = nu, m->cols = nv, m->size = nu * nv;
    m->data = data;
done:
    Py_DECREF(fu);
    Py_DECREF(fv);
    return (PyObject *)m;
}

static PyObject *
Matrix_from_bytes(PyObject *unused, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t rows, cols;
    MatrixObject *m;
    if (!PyArg_ParseTuple(args, "y*nn:from_bytes", &view, &rows, &cols))
        return NULL;
    m = new_matrix(rows, cols);
    if (m != NULL && view.len != m->size * (Py_ssize_t)sizeof(double)) {
        PyErr_SetString(PyExc_ValueError, "buffer size does not match shape");
        Py_CLEAR(m);
    }
    if (m != NULL)
        memcpy(m->data, view.buf, view.len);
    PyBuffer_Release(&view);
    PyMem_Free(view.buf); // expected-warning {{[PML012]}}
    return (PyObject *)m;
}

static void
swap_rows(double *a, Py_ssize_t n, Py_ssize_t r1, Py_ssize_t r2)
{
    Py_ssize_t j;
    double t;
    for (j = 0; j < n; j++)
        t = a[r1 * n + j], a[r1 * n + j] = a[r2 * n + j], a[r2 * n + j] = t;
}

static PyObject *
Matrix_inverse(MatrixObject *self, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t n = self->rows, i, j, k, piv;
    double *a, *b, p;
    MatrixObject *inv;
    if (self->data == NULL || self->rows != self->cols) {
        PyErr_SetString(PyExc_ValueError, "square matrix required");
        return NULL;
    }
    a = PyMem_New(double, self->size);
    if (a == NULL)
        return PyErr_NoMemory();
    memcpy(a, self->data, self->size * sizeof(double));
    inv = new_matrix(n, n);
    if (inv == NULL)
        goto error;
    b = inv->data;
    for (i = 0; i < n; i++)
        b[i * n + i] = 1.0;
    for (k = 0; k < n; k++) {
        for (piv = k, i = k + 1; i < n; i++)
            if (fabs(a[i * n + k]) > fabs(a[piv * n + k]))
                piv = i;
        if (fabs(a[piv * n + k]) < 1e-12) {
            PyMem_Free(a);
            PyErr_SetString(PyExc_ZeroDivisionError, "matrix is singular");
            goto error;
        }
        swap_rows(a, n, k, piv);
        swap_rows(b, n, k, piv);
        p = a[k * n + k];
        for (j = 0; j < n; j++) {
            a[k * n + j] /= p;
            b[k * n + j] /= p;
        }
        for (i = 0; i < n; i++) {
            double f = a[i * n + k];
            if (i == k || f == 0.0)
                continue;
            for (j = 0; j < n; j++) {
                a[i * n + j] -= f * a[k * n + j];
                b[i * n + j] -= f * b[k * n + j];
            }
        }
    }
    PyMem_Free(a);
    return (PyObject *)inv;
error:
    PyMem_Free(a); // expected-warning {{[PML003]}}
    Py_XDECREF(inv);
    return NULL;
}

static PyMethodDef Matrix_methods[] = {
    {"outer", (PyCFunction)Matrix_outer, METH_VARARGS | METH_STATIC, NULL},
    {"from_bytes", (PyCFunction)Matrix_from_bytes, METH_VARARGS | METH_STATIC, NULL},
    {"inverse", (PyCFunction)Matrix_inverse, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject MatrixType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "matrix.Matrix",
    .tp_basicsize = sizeof(MatrixObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Matrix_init,
    .tp_dealloc = (destructor)Matrix_dealloc,
    .tp_methods = Matrix_methods,
};

static struct PyModuleDef matrix_module = {PyModuleDef_HEAD_INIT, "matrix", NULL, -1, NULL};

PyMODINIT_FUNC
PyInit_matrix(void)
{
    PyObject *m;
    if (PyType_Ready(&MatrixType) < 0)
        return NULL;
    m = PyModule_Create(&matrix_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Matrix", (PyObject *)&MatrixType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
