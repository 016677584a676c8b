/* realloc-loses-block/idioms.c: the correct ways to grow a block, which
 * must stay silent. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

// expected-no-diagnostics

typedef struct {
    PyObject_HEAD
    char *buf;
    Py_ssize_t len, cap;
    double *vals;
} Growable;

static int
grow_with_temporary(Growable *self, Py_ssize_t need)
{
    char *tmp = PyMem_Realloc(self->buf, need); // no-warning: temporary
    if (tmp == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->buf = tmp;
    self->cap = need;
    return 0;
}

static int
grow_saving_old(Growable *self, Py_ssize_t need)
{
    char *old = self->buf;
    self->buf = PyMem_Realloc(self->buf, need); // no-warning: old saved first
    if (self->buf == NULL) {
        self->buf = old;
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static PyObject *
local_temporary(PyObject *module, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    if (n <= 0 || n > 4096)
        return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_ValueError, "bad n");
    char *p = PyMem_Malloc(n);
    if (p == NULL)
        return PyErr_NoMemory();
    memset(p, 'a', n);
    char *q = PyMem_Realloc(p, n + n); // no-warning: into another variable
    if (q == NULL) {
        PyMem_Free(p);
        return PyErr_NoMemory();
    }
    memset(q + n, 'b', n);
    PyObject *res = PyBytes_FromStringAndSize(q, n + n);
    PyMem_Free(q);
    return res;
}

static PyObject *
alias_kept(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    char *p = PyMem_Malloc(8);
    if (p == NULL)
        return PyErr_NoMemory();
    char *keep = p;
    p = PyMem_Realloc(p, 64); // no-warning: 'keep' still holds the old block
    if (p == NULL) {
        PyMem_Free(keep);
        return PyErr_NoMemory();
    }
    PyObject *res = PyLong_FromLong(64);
    PyMem_Free(p);
    return res;
}

static PyObject *
from_null(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    char *p = NULL;
    p = PyMem_Realloc(p, 32); // no-warning: nothing to lose, p was NULL
    if (p == NULL)
        return PyErr_NoMemory();
    PyMem_Free(p);
    Py_RETURN_NONE;
}

static int
resize_copy(Growable *self, Py_ssize_t n)
{
    double *v = self->vals;
    PyMem_Resize(v, double, n); // no-warning: a copy, the field keeps the block
    if (v == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->vals = v;
    return 0;
}

static int
raw_temporary(Growable *self, Py_ssize_t need)
{
    char *tmp = PyMem_RawRealloc(self->buf, need); // no-warning: temporary
    if (tmp == NULL)
        return -1;
    self->buf = tmp;
    return 0;
}

static char *
libc_temporary(char *text, size_t cap)
{
    char *bigger = realloc(text, cap); // no-warning: temporary
    if (bigger == NULL) {
        free(text);
        return NULL;
    }
    return bigger;
}

static int
new_not_realloc(Growable *self, Py_ssize_t n)
{
    PyMem_Free(self->vals);
    self->vals = PyMem_New(double, n); // no-warning: a fresh block, not a realloc
    if (self->vals == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static int
other_field(Growable *self, Growable *other, Py_ssize_t need)
{
    self->buf = PyMem_Realloc(other->buf, need); // no-warning: another pointer
    if (self->buf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    other->buf = NULL;
    return 0;
}

static int
object_temporary(Growable *self, Py_ssize_t need)
{
    void *tmp = PyObject_Realloc(self->buf, need); // no-warning: temporary
    if (tmp == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->buf = tmp;
    return 0;
}
