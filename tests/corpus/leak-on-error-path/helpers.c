/*
 * leak-on-error-path/helpers.c - PML005 in helper functions (returning
 * char * or int) and through allocation wrappers, for every allocator
 * family. Blocks handed to a helper of this file that releases or keeps
 * them before the error return are not leaks.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static void *
xalloc(size_t n)
{
    return PyMem_Malloc(n);
}

static void
xfree(void *p)
{
    PyMem_Free(p);
}

struct parser {
    char *pending;
    Py_ssize_t lineno;
};

/* Takes ownership of 'buf': keeps it as the parser's pending input. */
static void
parser_adopt(struct parser *p, char *buf)
{
    PyMem_Free(p->pending);
    p->pending = buf;
}

/* Takes ownership of 'buf' and releases it. */
static void
discard(char *buf)
{
    if (buf != NULL)
        memset(buf, 0, 1);
    PyMem_Free(buf);
}

/* ---- helper returning char * ---- */

/* NUL-terminated copy of the item's UTF-8 text, NULL with an exception. */
static char *
item_text(PyObject *item)
{
    Py_ssize_t len;
    const char *s;
    char *out;

    out = PyMem_Malloc(128); // expected-warning {{[PML005]}}
    if (out == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    s = PyUnicode_AsUTF8AndSize(item, &len);
    if (s == NULL)
        return NULL;
    if (len > 127)
        len = 127;
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

static char *
item_text_ok(PyObject *item)
{
    Py_ssize_t len;
    const char *s;
    char *out;

    out = PyMem_Malloc(128); // no-warning: released before the error return
    if (out == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    s = PyUnicode_AsUTF8AndSize(item, &len);
    if (s == NULL) {
        PyMem_Free(out);
        return NULL;
    }
    if (len > 127)
        len = 127;
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

static PyObject *
first_text(PyObject *self, PyObject *args)
{
    PyObject *a, *b, *result;
    char *ta, *tb;

    if (!PyArg_ParseTuple(args, "OO:first_text", &a, &b))
        return NULL;
    ta = item_text(a);
    if (ta == NULL)
        return NULL;
    tb = item_text_ok(b);
    if (tb == NULL) {
        PyMem_Free(ta);
        return NULL;
    }
    result = Py_BuildValue("(ss)", ta, tb);
    PyMem_Free(ta);
    PyMem_Free(tb);
    return result;
}

/* ---- helper returning int ---- */

static int
sum_lengths(PyObject *seq, Py_ssize_t *out)
{
    Py_ssize_t n, i, total = 0;
    Py_ssize_t *lens;

    n = PySequence_Length(seq);
    if (n < 0)
        return -1;
    lens = PyMem_New(Py_ssize_t, n + 1); // expected-warning {{[PML005]}}
    if (lens == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < n; i++) {
        PyObject *item = PySequence_GetItem(seq, i);
        if (item == NULL)
            return -1;
        lens[i] = PyObject_Length(item);
        Py_DECREF(item);
        if (lens[i] < 0)
            return -1;
        total += lens[i];
    }
    PyMem_Free(lens);
    *out = total;
    return 0;
}

static int
sum_lengths_ok(PyObject *seq, Py_ssize_t *out)
{
    Py_ssize_t n, i, total = 0;
    Py_ssize_t *lens;

    n = PySequence_Length(seq);
    if (n < 0)
        return -1;
    lens = PyMem_New(Py_ssize_t, n + 1); // no-warning: released on both error returns
    if (lens == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < n; i++) {
        PyObject *item = PySequence_GetItem(seq, i);
        if (item == NULL) {
            PyMem_Free(lens);
            return -1;
        }
        lens[i] = PyObject_Length(item);
        Py_DECREF(item);
        if (lens[i] < 0) {
            PyMem_Free(lens);
            return -1;
        }
        total += lens[i];
    }
    PyMem_Free(lens);
    *out = total;
    return 0;
}

static PyObject *
total_length(PyObject *self, PyObject *seq)
{
    Py_ssize_t a, b;

    if (sum_lengths(seq, &a) < 0 || sum_lengths_ok(seq, &b) < 0)
        return NULL;
    return PyLong_FromSsize_t(a + b);
}

/* ---- through the xalloc wrapper ---- */

static PyObject *
tail(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, n;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#n:tail", &data, &len, &n))
        return NULL;
    buf = xalloc(len + 1); // expected-warning {{[PML005]}}
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    if (n < 0 || n > len) {
        PyErr_SetString(PyExc_ValueError, "bad tail length");
        return NULL;
    }
    result = PyBytes_FromStringAndSize(buf + len - n, n);
    xfree(buf);
    return result;
}

static PyObject *
tail_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, n;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#n:tail_ok", &data, &len, &n))
        return NULL;
    buf = xalloc(len + 1); // no-warning: xfree on the error path too
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    if (n < 0 || n > len) {
        PyErr_SetString(PyExc_ValueError, "bad tail length");
        xfree(buf);
        return NULL;
    }
    result = PyBytes_FromStringAndSize(buf + len - n, n);
    xfree(buf);
    return result;
}

/* ---- libc, RAW ---- */

static PyObject *
env_pair(PyObject *self, PyObject *args)
{
    const char *entry;
    char *copy;
    size_t eq;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s:env_pair", &entry))
        return NULL;
    copy = strdup(entry); // expected-warning {{[PML005]}}
    if (copy == NULL)
        return PyErr_NoMemory();
    for (eq = 0; copy[eq] != '\0' && copy[eq] != '='; eq++)
        ;
    if (copy[eq] != '=') {
        PyErr_SetString(PyExc_ValueError, "expected NAME=VALUE");
        return NULL;
    }
    copy[eq] = '\0';
    result = Py_BuildValue("(ss)", copy, copy + eq + 1);
    free(copy);
    return result;
}

static PyObject *
env_pair_ok(PyObject *self, PyObject *args)
{
    const char *entry;
    char *copy;
    size_t eq;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s:env_pair_ok", &entry))
        return NULL;
    copy = strdup(entry); // no-warning: freed before the error return
    if (copy == NULL)
        return PyErr_NoMemory();
    for (eq = 0; copy[eq] != '\0' && copy[eq] != '='; eq++)
        ;
    if (copy[eq] != '=') {
        PyErr_SetString(PyExc_ValueError, "expected NAME=VALUE");
        free(copy);
        return NULL;
    }
    copy[eq] = '\0';
    result = Py_BuildValue("(ss)", copy, copy + eq + 1);
    free(copy);
    return result;
}

static int
fill_raw(PyObject *seq, double *mean)
{
    Py_ssize_t n, i;
    double *vals, total = 0.0;

    n = PySequence_Length(seq);
    if (n <= 0) {
        *mean = 0.0;
        return n < 0 ? -1 : 0;
    }
    vals = PyMem_RawCalloc(n, sizeof(double)); // expected-warning {{[PML005]}}
    if (vals == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < n; i++) {
        PyObject *item = PySequence_GetItem(seq, i);
        if (item == NULL)
            return -1;
        vals[i] = PyFloat_AsDouble(item);
        Py_DECREF(item);
        total += vals[i];
    }
    PyMem_RawFree(vals);
    *mean = total / (double)n;
    return PyErr_Occurred() ? -1 : 0;
}

static PyObject *
raw_mean(PyObject *self, PyObject *seq)
{
    double m;

    if (fill_raw(seq, &m) < 0)
        return NULL;
    return PyFloat_FromDouble(m);
}

/* ---- handed to a helper of this file before the error return ---- */

static PyObject *
feed(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    int final;
    char *buf;
    static struct parser parser;

    if (!PyArg_ParseTuple(args, "y#p:feed", &data, &len, &final))
        return NULL;
    buf = PyMem_Malloc(len + 1); // no-warning: parser_adopt keeps it
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    buf[len] = '\0';
    parser_adopt(&parser, buf);
    if (final && len == 0) {
        PyErr_SetString(PyExc_EOFError, "no input");
        return NULL;
    }
    parser.lineno++;
    Py_RETURN_NONE;
}

static PyObject *
feed_discard(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *buf;

    if (!PyArg_ParseTuple(args, "y#:feed_discard", &data, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1); // no-warning: discard() releases it
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    buf[len] = '\0';
    if (strlen(buf) != (size_t)len) {
        discard(buf);
        PyErr_SetString(PyExc_ValueError, "embedded NUL");
        return NULL;
    }
    discard(buf);
    Py_RETURN_NONE;
}

static PyMethodDef helpers_methods[] = {
    {"first_text", first_text, METH_VARARGS, NULL},
    {"total_length", total_length, METH_O, NULL},
    {"tail", tail, METH_VARARGS, NULL},
    {"tail_ok", tail_ok, METH_VARARGS, NULL},
    {"env_pair", env_pair, METH_VARARGS, NULL},
    {"env_pair_ok", env_pair_ok, METH_VARARGS, NULL},
    {"raw_mean", raw_mean, METH_O, NULL},
    {"feed", feed, METH_VARARGS, NULL},
    {"feed_discard", feed_discard, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef helpers_module = {
    PyModuleDef_HEAD_INIT, "helpers", NULL, -1, helpers_methods,
};

PyMODINIT_FUNC
PyInit_helpers(void)
{
    return PyModule_Create(&helpers_module);
}
