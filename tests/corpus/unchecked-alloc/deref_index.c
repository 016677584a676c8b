/*
 * unchecked-alloc/deref_index.c - PML001: a new block dereferenced
 * (*p, p->f, p[i]) before its NULL check: in a type's method, in loops and
 * in switch cases. Positives come with a checked twin that stays silent.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

struct node {
    long value;
    struct node *next;
};

typedef struct {
    PyObject_HEAD
    struct node *top;
    Py_ssize_t depth;
} StackObject;

static void
Stack_dealloc(StackObject *self)
{
    struct node *n = self->top;

    while (n != NULL) {
        struct node *next = n->next;
        PyMem_Free(n);
        n = next;
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* ---- p->field ---- */

static PyObject *
Stack_push(StackObject *self, PyObject *arg)
{
    long v = PyLong_AsLong(arg);
    struct node *n;

    if (v == -1 && PyErr_Occurred())
        return NULL;
    n = PyMem_Malloc(sizeof(struct node));
    n->value = v; // expected-warning {{[PML001]}}
    n->next = self->top;
    self->top = n;
    self->depth++;
    Py_RETURN_NONE;
}

static PyObject *
Stack_push_checked(StackObject *self, PyObject *arg)
{
    long v = PyLong_AsLong(arg);
    struct node *n;

    if (v == -1 && PyErr_Occurred())
        return NULL;
    n = PyMem_Malloc(sizeof(struct node));
    if (!n)
        return PyErr_NoMemory();
    n->value = v; // no-warning: checked with !n
    n->next = self->top;
    self->top = n;
    self->depth++;
    Py_RETURN_NONE;
}

static PyObject *
Stack_pop(StackObject *self, PyObject *Py_UNUSED(ignored))
{
    struct node *n = self->top;
    long v;

    if (n == NULL) {
        PyErr_SetString(PyExc_IndexError, "pop from empty stack");
        return NULL;
    }
    v = n->value;
    self->top = n->next;
    self->depth--;
    PyMem_Free(n);
    return PyLong_FromLong(v);
}

static PyMethodDef Stack_methods[] = {
    {"push", (PyCFunction)Stack_push, METH_O, NULL},
    {"push_checked", (PyCFunction)Stack_push_checked, METH_O, NULL},
    {"pop", (PyCFunction)Stack_pop, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject StackType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "deref_index.Stack",
    .tp_basicsize = sizeof(StackObject),
    .tp_dealloc = (destructor)Stack_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Stack_methods,
    .tp_new = PyType_GenericNew,
};

/* ---- *p on a string being built ---- */

static PyObject *
join_words(PyObject *self, PyObject *args)
{
    const char *a, *b, *c;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "sss:join_words", &a, &b, &c))
        return NULL;
    out = PyMem_Malloc(strlen(a) + strlen(b) + strlen(c) + 3);
    *out = '\0'; // expected-warning {{[PML001]}}
    strcat(out, a);
    strcat(out, " ");
    strcat(out, b);
    strcat(out, " ");
    strcat(out, c);
    result = PyUnicode_FromString(out);
    PyMem_Free(out);
    return result;
}

static PyObject *
join_words_checked(PyObject *self, PyObject *args)
{
    const char *a, *b, *c;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "sss:join_words_checked", &a, &b, &c))
        return NULL;
    out = PyMem_Malloc(strlen(a) + strlen(b) + strlen(c) + 3);
    if (out == NULL)
        return PyErr_NoMemory();
    *out = '\0'; // no-warning: checked
    strcat(out, a);
    strcat(out, " ");
    strcat(out, b);
    strcat(out, " ");
    strcat(out, c);
    result = PyUnicode_FromString(out);
    PyMem_Free(out);
    return result;
}

/* ---- p[0] on a PyMem_New array, then a loop ---- */

static PyObject *
cumulative(PyObject *self, PyObject *seq)
{
    PyObject *fast, *list;
    Py_ssize_t n, i;
    long *sums;

    fast = PySequence_Fast(seq, "cumulative() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    sums = PyMem_New(long, n + 1);
    sums[0] = 0; // expected-warning {{[PML001]}}
    for (i = 0; i < n; i++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
        if (v == -1 && PyErr_Occurred()) {
            PyMem_Free(sums);
            Py_DECREF(fast);
            return NULL;
        }
        sums[i + 1] = sums[i] + v;
    }
    Py_DECREF(fast);
    list = PyList_New(n);
    if (list == NULL) {
        PyMem_Free(sums);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        PyObject *item = PyLong_FromLong(sums[i + 1]);
        if (item == NULL) {
            Py_DECREF(list);
            PyMem_Free(sums);
            return NULL;
        }
        PyList_SET_ITEM(list, i, item);
    }
    PyMem_Free(sums);
    return list;
}

static PyObject *
cumulative_checked(PyObject *self, PyObject *seq)
{
    PyObject *fast, *list;
    Py_ssize_t n, i;
    long *sums;

    fast = PySequence_Fast(seq, "cumulative() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    sums = PyMem_New(long, n + 1);
    if (sums == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    sums[0] = 0; // no-warning: PyMem_New result checked
    for (i = 0; i < n; i++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
        if (v == -1 && PyErr_Occurred()) {
            PyMem_Free(sums);
            Py_DECREF(fast);
            return NULL;
        }
        sums[i + 1] = sums[i] + v;
    }
    Py_DECREF(fast);
    list = PyList_New(n);
    if (list == NULL) {
        PyMem_Free(sums);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        PyObject *item = PyLong_FromLong(sums[i + 1]);
        if (item == NULL) {
            Py_DECREF(list);
            PyMem_Free(sums);
            return NULL;
        }
        PyList_SET_ITEM(list, i, item);
    }
    PyMem_Free(sums);
    return list;
}

/* ---- p[i] inside the only loop that touches the block ---- */

static PyObject *
distinct_bytes(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i, distinct = 0;
    unsigned char *seen;

    if (!PyArg_ParseTuple(args, "y#:distinct_bytes", &data, &len))
        return NULL;
    seen = PyMem_Calloc(256, 1);
    for (i = 0; i < len; i++) {
        if (seen[data[i]]++ == 0) // expected-warning {{[PML001]}}
            distinct++;
    }
    PyMem_Free(seen);
    return PyLong_FromSsize_t(distinct);
}

static PyObject *
distinct_bytes_checked(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i, distinct = 0;
    unsigned char *seen;

    if (!PyArg_ParseTuple(args, "y#:distinct_bytes_checked", &data, &len))
        return NULL;
    seen = PyMem_Calloc(256, 1);
    if (seen == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (seen[data[i]] == 0) // no-warning: checked before the loop
            distinct++;
        seen[data[i]] = 1;
    }
    PyMem_Free(seen);
    return PyLong_FromSsize_t(distinct);
}

/* ---- raw block, p->field ---- */

struct job {
    int refs;
    Py_ssize_t size;
};

static PyObject *
job_probe(PyObject *self, PyObject *args)
{
    Py_ssize_t size;
    struct job *job;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "n:job_probe", &size))
        return NULL;
    job = PyMem_RawCalloc(1, sizeof(struct job));
    job->refs = 1; // expected-warning {{[PML001]}}
    job->size = size;
    result = PyLong_FromSsize_t(job->size);
    PyMem_RawFree(job);
    return result;
}

static PyObject *
job_probe_checked(PyObject *self, PyObject *args)
{
    Py_ssize_t size;
    struct job *job;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "n:job_probe_checked", &size))
        return NULL;
    job = PyMem_RawCalloc(1, sizeof(struct job));
    if (job == NULL)
        return PyErr_NoMemory();
    job->refs = 1; // no-warning: checked
    job->size = size;
    result = PyLong_FromSsize_t(job->size);
    PyMem_RawFree(job);
    return result;
}

/* ---- one case checks, the other does not ---- */

static PyObject *
encode_header(PyObject *self, PyObject *args)
{
    int kind;
    Py_ssize_t size;
    unsigned char *hdr;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "in:encode_header", &kind, &size))
        return NULL;
    switch (kind) {
    case 1:
        hdr = PyMem_Malloc(2);
        if (hdr == NULL)
            return PyErr_NoMemory();
        hdr[0] = 1; // no-warning: checked in this case
        hdr[1] = (unsigned char)(size & 0xff);
        result = PyBytes_FromStringAndSize((char *)hdr, 2);
        break;
    case 2:
        hdr = PyMem_Malloc(3);
        hdr[0] = 2; // expected-warning {{[PML001]}}
        hdr[1] = (unsigned char)((size >> 8) & 0xff);
        hdr[2] = (unsigned char)(size & 0xff);
        result = PyBytes_FromStringAndSize((char *)hdr, 3);
        break;
    default:
        PyErr_SetString(PyExc_ValueError, "unknown header kind");
        return NULL;
    }
    PyMem_Free(hdr);
    return result;
}

/* ---- checked in the then-branch, not in the else-branch ---- */

static PyObject *
pad_right(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, width, size;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#n:pad_right", &data, &len, &width))
        return NULL;
    if (len < width) {
        size = width;
        buf = PyMem_Malloc(size);
        if (buf == NULL)
            return PyErr_NoMemory();
    }
    else {
        size = len;
        buf = PyMem_Malloc(size + 1);
    }
    memcpy(buf, data, len); // expected-warning {{[PML001]}}
    memset(buf + len, ' ', size - len);
    result = PyBytes_FromStringAndSize(buf, size);
    PyMem_Free(buf);
    return result;
}

static PyObject *
pad_right_checked(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, width, size;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#n:pad_right_checked", &data, &len, &width))
        return NULL;
    if (len < width) {
        size = width;
        buf = PyMem_Malloc(size);
    }
    else {
        size = len;
        buf = PyMem_Malloc(size + 1);
    }
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len); // no-warning: both allocations checked after the join
    memset(buf + len, ' ', size - len);
    result = PyBytes_FromStringAndSize(buf, size);
    PyMem_Free(buf);
    return result;
}

static PyMethodDef deref_index_methods[] = {
    {"join_words", join_words, METH_VARARGS, NULL},
    {"join_words_checked", join_words_checked, METH_VARARGS, NULL},
    {"cumulative", cumulative, METH_O, NULL},
    {"cumulative_checked", cumulative_checked, METH_O, NULL},
    {"distinct_bytes", distinct_bytes, METH_VARARGS, NULL},
    {"distinct_bytes_checked", distinct_bytes_checked, METH_VARARGS, NULL},
    {"job_probe", job_probe, METH_VARARGS, NULL},
    {"job_probe_checked", job_probe_checked, METH_VARARGS, NULL},
    {"encode_header", encode_header, METH_VARARGS, NULL},
    {"pad_right", pad_right, METH_VARARGS, NULL},
    {"pad_right_checked", pad_right_checked, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef deref_index_module = {
    PyModuleDef_HEAD_INIT, "deref_index", NULL, -1, deref_index_methods,
};

PyMODINIT_FUNC
PyInit_deref_index(void)
{
    PyObject *m;

    if (PyType_Ready(&StackType) < 0)
        return NULL;
    m = PyModule_Create(&deref_index_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&StackType);
    if (PyModule_AddObject(m, "Stack", (PyObject *)&StackType) < 0) {
        Py_DECREF(&StackType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
