/* realloc-loses-block/self_assign.c: PML007, a reallocation whose result
 * overwrites the only pointer to the old block. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    char *buf;
    Py_ssize_t len, cap;
    double *vals;
} Growable;

static int
grow_field(Growable *self, Py_ssize_t need)
{
    self->buf = PyMem_Realloc(self->buf, need); // expected-warning {{[PML007]}}
    if (self->buf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->cap = need;
    return 0;
}

static int
grow_param(char **out, char *data, size_t n)
{
    data = PyMem_Realloc(data, n); // expected-warning {{[PML007]}}
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *out = data;
    return 0;
}

static PyObject *
doubled(PyObject *module, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    if (n < 0 || n > 4096)
        return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_ValueError, "bad size");
    char *p = PyMem_Malloc(n + 1);
    if (p == NULL)
        return PyErr_NoMemory();
    memset(p, 'x', n);
    p = PyMem_Realloc(p, 2 * n + 1); // expected-warning {{[PML007]}}
    if (p == NULL)
        return PyErr_NoMemory();
    memset(p + n, 'y', n);
    PyObject *res = PyBytes_FromStringAndSize(p, 2 * n);
    PyMem_Free(p);
    return res;
}

static int
raw_grow(Growable *self, Py_ssize_t need)
{
    self->buf = PyMem_RawRealloc(self->buf, need); // expected-warning {{[PML007]}}
    return self->buf ? 0 : -1;
}

static int
obj_grow(Growable *self, Py_ssize_t need)
{
    self->buf = PyObject_Realloc(self->buf, need); // expected-warning {{[PML007]}}
    if (!self->buf) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static int
resize_field(Growable *self, Py_ssize_t n)
{
    PyMem_Resize(self->vals, double, n); // expected-warning {{[PML007]}}
    if (self->vals == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static PyObject *
resize_local(PyObject *module, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg), i;
    if (n <= 0 || n > 1000)
        return PyErr_Occurred() ? NULL : PyErr_Format(PyExc_ValueError, "bad n");
    long *v = PyMem_New(long, n);
    if (v == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++)
        v[i] = i;
    PyMem_Resize(v, long, 2 * n); // expected-warning {{[PML007]}}
    if (v == NULL)
        return PyErr_NoMemory();
    for (i = n; i < 2 * n; i++)
        v[i] = -i;
    PyObject *res = PyLong_FromLong(v[2 * n - 1]);
    PyMem_Free(v);
    return res;
}

static int
append_byte(Growable *self, char c)
{
    if (self->len == self->cap) {
        Py_ssize_t cap = self->cap ? 2 * self->cap : 16;
        self->buf = PyMem_Realloc(self->buf, cap); // expected-warning {{[PML007]}}
        if (self->buf == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        self->cap = cap;
    }
    self->buf[self->len++] = c;
    return 0;
}

static char *
read_all(FILE *fp)
{
    size_t cap = 256, len = 0;
    char *text = malloc(cap);
    if (text == NULL)
        return NULL;
    for (;;) {
        size_t got = fread(text + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
        if (len == cap) {
            cap *= 2;
            text = realloc(text, cap); // expected-warning {{[PML007]}}
            if (text == NULL)
                return NULL;
        }
    }
    text[len < cap ? len : cap - 1] = '\0';
    return text;
}

static int
shrink(Growable *self)
{
    if (self->len < self->cap) {
        self->buf = PyMem_Realloc(self->buf, self->len + 1); // expected-warning {{[PML007]}}
        if (self->buf == NULL)
            return -1;
        self->cap = self->len + 1;
    }
    return 0;
}

static PyObject *
twice(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    char *s = PyMem_Calloc(4, 1);
    if (s == NULL)
        return PyErr_NoMemory();
    s = PyMem_Realloc(s, 8); // expected-warning {{[PML007]}}
    if (s == NULL)
        return PyErr_NoMemory();
    s = PyMem_Realloc(s, 16); // expected-warning {{[PML007]}}
    if (s == NULL)
        return PyErr_NoMemory();
    PyObject *res = PyBytes_FromStringAndSize(s, 16);
    PyMem_Free(s);
    return res;
}
