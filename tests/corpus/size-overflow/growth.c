/*
 * size-overflow/growth.c - PML009 in growing and variable-sized blocks:
 * PyMem_Realloc(p, cap * 2 * sizeof(T)), libc realloc, PyObject_Realloc,
 * PyMem_RawRealloc in a C helper, PyObject_Malloc(sizeof(H) + n *
 * sizeof(T)) and a tp_init sized from its arguments. Every reallocation
 * goes through a temporary, so PML007 stays silent. Each bad function is
 * followed by a twin with an overflow guard on the path, which must stay
 * silent.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    double *items;                 /* PyMem, cap entries */
    Py_ssize_t len, cap;
} DoubleVec;

/* ---- DoubleVec: doubling with PyMem_Realloc ---- */

static int
vec_grow(DoubleVec *self)
{
    Py_ssize_t cap = self->cap > 0 ? self->cap : 4;
    double *tmp;

    tmp = PyMem_Realloc(self->items, cap * 2 * sizeof(double)); // expected-warning {{[PML009]}}
    if (tmp == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->items = tmp;
    self->cap = cap * 2;
    return 0;
}

static int
vec_grow_ok(DoubleVec *self)
{
    Py_ssize_t cap = self->cap > 0 ? self->cap : 4;
    double *tmp;

    if (cap > PY_SSIZE_T_MAX / (2 * (Py_ssize_t)sizeof(double))) {
        PyErr_NoMemory();
        return -1;
    }
    tmp = PyMem_Realloc(self->items, cap * 2 * sizeof(double)); // no-warning: cap checked above
    if (tmp == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->items = tmp;
    self->cap = cap * 2;
    return 0;
}

static PyObject *
DoubleVec_append(DoubleVec *self, PyObject *arg)
{
    double v = PyFloat_AsDouble(arg);

    if (v == -1.0 && PyErr_Occurred())
        return NULL;
    if (self->len == self->cap && vec_grow(self) < 0)
        return NULL;
    self->items[self->len++] = v;
    Py_RETURN_NONE;
}

static PyObject *
DoubleVec_append_ok(DoubleVec *self, PyObject *arg)
{
    double v = PyFloat_AsDouble(arg);

    if (v == -1.0 && PyErr_Occurred())
        return NULL;
    if (self->len == self->cap && vec_grow_ok(self) < 0)
        return NULL;
    self->items[self->len++] = v;
    Py_RETURN_NONE;
}

/* ---- DoubleVec: tp_init sized by the caller ---- */

static int
DoubleVec_init(DoubleVec *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"capacity", NULL};
    Py_ssize_t cap = 8;
    double *items;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|n:DoubleVec", kwlist, &cap))
        return -1;
    if (cap < 1) {
        PyErr_SetString(PyExc_ValueError, "capacity must be positive");
        return -1;
    }
    items = PyMem_Malloc(cap * sizeof(double)); // expected-warning {{[PML009]}}
    if (items == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyMem_Free(self->items);
    self->items = items;
    self->len = 0;
    self->cap = cap;
    return 0;
}

static PyObject *
DoubleVec_reserve(DoubleVec *self, PyObject *arg)
{
    Py_ssize_t cap = PyLong_AsSsize_t(arg);
    double *tmp;

    if (cap == -1 && PyErr_Occurred())
        return NULL;
    if (cap <= self->cap)
        Py_RETURN_NONE;
    if ((size_t)cap > PY_SSIZE_T_MAX / sizeof(double))
        return PyErr_NoMemory();
    tmp = PyMem_Realloc(self->items, cap * sizeof(double)); // no-warning: guarded just above
    if (tmp == NULL)
        return PyErr_NoMemory();
    self->items = tmp;
    self->cap = cap;
    Py_RETURN_NONE;
}

static void
DoubleVec_dealloc(DoubleVec *self)
{
    PyMem_Free(self->items);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef DoubleVec_methods[] = {
    {"append", (PyCFunction)DoubleVec_append, METH_O, NULL},
    {"append_ok", (PyCFunction)DoubleVec_append_ok, METH_O, NULL},
    {"reserve", (PyCFunction)DoubleVec_reserve, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject DoubleVec_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pml009_growth.DoubleVec",
    .tp_basicsize = sizeof(DoubleVec),
    .tp_dealloc = (destructor)DoubleVec_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = DoubleVec_methods,
    .tp_init = (initproc)DoubleVec_init,
    .tp_new = PyType_GenericNew,
};

/* ---- libc realloc while parsing ---- */

static PyObject *
parse_ints(PyObject *self, PyObject *args)
{
    const char *s, *end;
    Py_ssize_t len;
    long *vals = NULL, *tmp;
    size_t n = 0, cap = 0, i;
    PyObject *list;

    if (!PyArg_ParseTuple(args, "s#:parse_ints", &s, &len))
        return NULL;
    end = s + len;
    while (s < end) {
        char *stop;
        long v = strtol(s, &stop, 10);

        if (stop == s) {
            s++;
            continue;
        }
        if (n == cap) {
            size_t newcap = cap ? cap + cap / 2 : 16;

            tmp = realloc(vals, newcap * sizeof(long)); // expected-warning {{[PML009]}}
            if (tmp == NULL) {
                free(vals);
                return PyErr_NoMemory();
            }
            vals = tmp;
            cap = newcap;
        }
        vals[n++] = v;
        s = stop;
    }
    list = PyList_New((Py_ssize_t)n);
    if (list == NULL) {
        free(vals);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        PyObject *o = PyLong_FromLong(vals[i]);
        if (o == NULL) {
            Py_DECREF(list);
            free(vals);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, o);
    }
    free(vals);
    return list;
}

static PyObject *
parse_ints_ok(PyObject *self, PyObject *args)
{
    const char *s, *end;
    Py_ssize_t len;
    long *vals = NULL, *tmp;
    size_t n = 0, cap = 0, i;
    PyObject *list;

    if (!PyArg_ParseTuple(args, "s#:parse_ints_ok", &s, &len))
        return NULL;
    end = s + len;
    while (s < end) {
        char *stop;
        long v = strtol(s, &stop, 10);

        if (stop == s) {
            s++;
            continue;
        }
        if (n == cap) {
            size_t newcap = cap ? cap + cap / 2 : 16;

            if (newcap > SIZE_MAX / sizeof(long)) {
                free(vals);
                return PyErr_NoMemory();
            }
            tmp = realloc(vals, newcap * sizeof(long)); // no-warning: newcap <= SIZE_MAX / sizeof(long)
            if (tmp == NULL) {
                free(vals);
                return PyErr_NoMemory();
            }
            vals = tmp;
            cap = newcap;
        }
        vals[n++] = v;
        s = stop;
    }
    list = PyList_New((Py_ssize_t)n);
    if (list == NULL) {
        free(vals);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        PyObject *o = PyLong_FromLong(vals[i]);
        if (o == NULL) {
            Py_DECREF(list);
            free(vals);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, o);
    }
    free(vals);
    return list;
}

/* ---- PyObject_Realloc to a size taken from the data ---- */

static PyObject *
bincount(PyObject *self, PyObject *arg)
{
    PyObject *fast, *result = NULL;
    Py_ssize_t *bins = NULL, *tmp, nbins = 0, n, i;

    fast = PySequence_Fast(arg, "bincount() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        Py_ssize_t v = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(fast, i));

        if (v == -1 && PyErr_Occurred())
            goto done;
        if (v < 0) {
            PyErr_SetString(PyExc_ValueError, "bincount() values must not be negative");
            goto done;
        }
        if (v >= nbins) {
            Py_ssize_t newlen = v + 1;

            tmp = PyObject_Realloc(bins, newlen * sizeof(Py_ssize_t)); // expected-warning {{[PML009]}}
            if (tmp == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            memset(tmp + nbins, 0, (newlen - nbins) * sizeof(Py_ssize_t));
            bins = tmp;
            nbins = newlen;
        }
        bins[v]++;
    }
    result = PyList_New(nbins);
    if (result == NULL)
        goto done;
    for (i = 0; i < nbins; i++) {
        PyObject *o = PyLong_FromSsize_t(bins[i]);
        if (o == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, i, o);
    }
done:
    PyObject_Free(bins);
    Py_DECREF(fast);
    return result;
}

static PyObject *
bincount_ok(PyObject *self, PyObject *arg)
{
    PyObject *fast, *result = NULL;
    Py_ssize_t *bins = NULL, *tmp, nbins = 0, n, i;

    fast = PySequence_Fast(arg, "bincount_ok() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        Py_ssize_t v = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(fast, i));

        if (v == -1 && PyErr_Occurred())
            goto done;
        if (v < 0) {
            PyErr_SetString(PyExc_ValueError, "bincount_ok() values must not be negative");
            goto done;
        }
        if (v >= nbins) {
            Py_ssize_t newlen = v + 1;

            if (newlen > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(Py_ssize_t)) {
                PyErr_NoMemory();
                goto done;
            }
            tmp = PyObject_Realloc(bins, newlen * sizeof(Py_ssize_t)); // no-warning: newlen checked above
            if (tmp == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            memset(tmp + nbins, 0, (newlen - nbins) * sizeof(Py_ssize_t));
            bins = tmp;
            nbins = newlen;
        }
        bins[v]++;
    }
    result = PyList_New(nbins);
    if (result == NULL)
        goto done;
    for (i = 0; i < nbins; i++) {
        PyObject *o = PyLong_FromSsize_t(bins[i]);
        if (o == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, i, o);
    }
done:
    PyObject_Free(bins);
    Py_DECREF(fast);
    return result;
}

/* ---- PyMem_RawRealloc in a plain C helper ---- */

struct offsets {
    Py_ssize_t *data;              /* PyMem_Raw, cap entries */
    size_t len, cap;
};

static int
offsets_reserve(struct offsets *o, size_t cap)
{
    Py_ssize_t *tmp;

    if (cap <= o->cap)
        return 0;
    tmp = PyMem_RawRealloc(o->data, cap * sizeof(Py_ssize_t)); // expected-warning {{[PML009]}}
    if (tmp == NULL)
        return -1;
    o->data = tmp;
    o->cap = cap;
    return 0;
}

static int
offsets_reserve_ok(struct offsets *o, size_t cap)
{
    Py_ssize_t *tmp;

    if (cap <= o->cap)
        return 0;
    if (cap > SIZE_MAX / sizeof(Py_ssize_t))
        return -1;
    tmp = PyMem_RawRealloc(o->data, cap * sizeof(Py_ssize_t)); // no-warning: cap checked above
    if (tmp == NULL)
        return -1;
    o->data = tmp;
    o->cap = cap;
    return 0;
}

static PyObject *
offsets_to_list(struct offsets *o)
{
    PyObject *list = PyList_New((Py_ssize_t)o->len);
    size_t i;

    if (list == NULL)
        return NULL;
    for (i = 0; i < o->len; i++) {
        PyObject *v = PyLong_FromSsize_t(o->data[i]);
        if (v == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, (Py_ssize_t)i, v);
    }
    return list;
}

static PyObject *
space_offsets(PyObject *self, PyObject *args)
{
    const char *s;
    Py_ssize_t len, i;
    struct offsets o = {NULL, 0, 0};
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:space_offsets", &s, &len))
        return NULL;
    for (i = 0; i < len; i++) {
        if (s[i] != ' ')
            continue;
        if (offsets_reserve(&o, o.len + o.len / 2 + 8) < 0) {
            PyMem_RawFree(o.data);
            return PyErr_NoMemory();
        }
        o.data[o.len++] = i;
    }
    result = offsets_to_list(&o);
    PyMem_RawFree(o.data);
    return result;
}

static PyObject *
space_offsets_ok(PyObject *self, PyObject *args)
{
    const char *s;
    Py_ssize_t len, i;
    struct offsets o = {NULL, 0, 0};
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:space_offsets_ok", &s, &len))
        return NULL;
    for (i = 0; i < len; i++) {
        if (s[i] != ' ')
            continue;
        if (offsets_reserve_ok(&o, o.len + o.len / 2 + 8) < 0) {
            PyMem_RawFree(o.data);
            return PyErr_NoMemory();
        }
        o.data[o.len++] = i;
    }
    result = offsets_to_list(&o);
    PyMem_RawFree(o.data);
    return result;
}

/* ---- header plus a variable number of items ---- */

typedef struct {
    Py_ssize_t count;
    double lo, hi;
    double items[];
} sample_block;

static PyObject *
block_range(PyObject *self, PyObject *arg)
{
    PyObject *fast, *result;
    Py_ssize_t n, i;
    sample_block *blk;

    fast = PySequence_Fast(arg, "block_range() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    blk = PyObject_Malloc(sizeof(sample_block) + n * sizeof(double)); // expected-warning {{[PML009]}}
    if (blk == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    blk->count = n;
    blk->lo = Py_HUGE_VAL;
    blk->hi = -Py_HUGE_VAL;
    for (i = 0; i < n; i++) {
        double v = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, i));
        if (v == -1.0 && PyErr_Occurred()) {
            PyObject_Free(blk);
            Py_DECREF(fast);
            return NULL;
        }
        blk->items[i] = v;
        if (v < blk->lo)
            blk->lo = v;
        if (v > blk->hi)
            blk->hi = v;
    }
    Py_DECREF(fast);
    result = Py_BuildValue("(ndd)", blk->count, blk->lo, blk->hi);
    PyObject_Free(blk);
    return result;
}

static PyObject *
block_range_ok(PyObject *self, PyObject *arg)
{
    PyObject *fast, *result;
    Py_ssize_t n, i;
    sample_block *blk;

    fast = PySequence_Fast(arg, "block_range_ok() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    if ((size_t)n > (PY_SSIZE_T_MAX - sizeof(sample_block)) / sizeof(double)) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    blk = PyObject_Malloc(sizeof(sample_block) + n * sizeof(double)); // no-warning: n checked above
    if (blk == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    blk->count = n;
    blk->lo = Py_HUGE_VAL;
    blk->hi = -Py_HUGE_VAL;
    for (i = 0; i < n; i++) {
        double v = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, i));
        if (v == -1.0 && PyErr_Occurred()) {
            PyObject_Free(blk);
            Py_DECREF(fast);
            return NULL;
        }
        blk->items[i] = v;
        if (v < blk->lo)
            blk->lo = v;
        if (v > blk->hi)
            blk->hi = v;
    }
    Py_DECREF(fast);
    result = Py_BuildValue("(ndd)", blk->count, blk->lo, blk->hi);
    PyObject_Free(blk);
    return result;
}

/* ---- module ---- */

static PyMethodDef growth_methods[] = {
    {"parse_ints", parse_ints, METH_VARARGS, NULL},
    {"parse_ints_ok", parse_ints_ok, METH_VARARGS, NULL},
    {"bincount", bincount, METH_O, NULL},
    {"bincount_ok", bincount_ok, METH_O, NULL},
    {"space_offsets", space_offsets, METH_VARARGS, NULL},
    {"space_offsets_ok", space_offsets_ok, METH_VARARGS, NULL},
    {"block_range", block_range, METH_O, NULL},
    {"block_range_ok", block_range_ok, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static int
growth_exec(PyObject *module)
{
    return PyModule_AddType(module, &DoubleVec_Type);
}

static PyModuleDef_Slot growth_slots[] = {
    {Py_mod_exec, growth_exec},
    {0, NULL}
};

static struct PyModuleDef growth_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pml009_growth",
    .m_size = 0,
    .m_methods = growth_methods,
    .m_slots = growth_slots,
};

PyMODINIT_FUNC
PyInit_pml009_growth(void)
{
    return PyModuleDef_Init(&growth_module);
}
