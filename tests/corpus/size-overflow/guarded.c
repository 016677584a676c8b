/*
 * size-overflow/guarded.c - PML009 negatives: safe allocation forms
 * (PyMem_New, PyMem_Resize, PyMem_Calloc, PyMem_RawCalloc, calloc),
 * products guarded against PY_SSIZE_T_MAX or SIZE_MAX on every path
 * (also through a goto label and before a branch), counts with a small
 * bound checked earlier on the path, loop indexes bounded by a constant,
 * and constant products. Nothing here may be reported.
 */
// expected-no-diagnostics
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NSLOTS 32
#define MAX_ROWS 16

struct slot {
    PyObject *key;
    Py_ssize_t hits;
};

/* ---- PyMem_New / PyMem_Resize (on a copy) ---- */

static PyObject *
cumsum(PyObject *self, PyObject *arg)
{
    PyObject *fast, *list;
    Py_ssize_t n, i;
    double *acc, total = 0.0;

    fast = PySequence_Fast(arg, "cumsum() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    acc = PyMem_New(double, n ? n : 1); // no-warning: PyMem_New checks the product
    if (acc == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        double v = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, i));
        if (v == -1.0 && PyErr_Occurred()) {
            PyMem_Free(acc);
            Py_DECREF(fast);
            return NULL;
        }
        total += v;
        acc[i] = total;
    }
    Py_DECREF(fast);
    list = PyList_New(n);
    if (list == NULL) {
        PyMem_Free(acc);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        PyObject *f = PyFloat_FromDouble(acc[i]);
        if (f == NULL) {
            Py_DECREF(list);
            PyMem_Free(acc);
            return NULL;
        }
        PyList_SET_ITEM(list, i, f);
    }
    PyMem_Free(acc);
    return list;
}

static PyObject *
collect_words(PyObject *self, PyObject *args)
{
    const char *s;
    Py_ssize_t len, i, start = 0, n = 0, cap = 8;
    Py_ssize_t *starts, *grown;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:collect_words", &s, &len))
        return NULL;
    starts = PyMem_New(Py_ssize_t, cap);
    if (starts == NULL)
        return PyErr_NoMemory();
    for (i = 0; i <= len; i++) {
        if (i < len && s[i] != ' ')
            continue;
        if (i > start) {
            if (n == cap) {
                grown = starts;
                cap += cap / 2;
                PyMem_Resize(grown, Py_ssize_t, cap); // no-warning: PyMem_Resize checks the product
                if (grown == NULL) {
                    PyMem_Free(starts);
                    return PyErr_NoMemory();
                }
                starts = grown;
            }
            starts[n++] = start;
        }
        start = i + 1;
    }
    result = PyLong_FromSsize_t(n > 0 ? starts[n - 1] : -1);
    PyMem_Free(starts);
    return result;
}

/* ---- calloc forms ---- */

static PyObject *
zero_matrix(PyObject *self, PyObject *args)
{
    Py_ssize_t rows, cols;
    unsigned char *m;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "nn:zero_matrix", &rows, &cols))
        return NULL;
    if (rows < 1 || cols < 1) {
        PyErr_SetString(PyExc_ValueError, "rows and cols must be positive");
        return NULL;
    }
    if (cols > PY_SSIZE_T_MAX / rows)
        return PyErr_NoMemory();
    m = calloc(rows, cols); // no-warning: calloc checks the product itself
    if (m == NULL)
        return PyErr_NoMemory();
    result = PyBytes_FromStringAndSize((const char *)m, rows * cols);
    free(m);
    return result;
}

static PyObject *
count_chars(PyObject *self, PyObject *arg)
{
    const char *s;
    Py_ssize_t len, i, distinct = 0, *counts;

    s = PyUnicode_AsUTF8AndSize(arg, &len);
    if (s == NULL)
        return NULL;
    counts = PyMem_Calloc(256, sizeof(Py_ssize_t)); // no-warning: calloc form, constant count
    if (counts == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (counts[(unsigned char)s[i]]++ == 0)
            distinct++;
    }
    PyMem_Free(counts);
    return PyLong_FromSsize_t(distinct);
}

/* ---- explicit guards ---- */

static PyObject *
squares(PyObject *self, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg), i;
    double *sq;
    PyObject *result;

    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "n must not be negative");
        return NULL;
    }
    if (n > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(double))
        return PyErr_NoMemory();
    sq = PyMem_Malloc(n * sizeof(double)); // no-warning: n <= PY_SSIZE_T_MAX / sizeof(double)
    if (sq == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++)
        sq[i] = (double)i * (double)i;
    result = PyBytes_FromStringAndSize((const char *)sq, n * (Py_ssize_t)sizeof(double));
    PyMem_Free(sq);
    return result;
}

static PyObject *
pack_shorts(PyObject *self, PyObject *arg)
{
    PyObject *fast, *result;
    Py_ssize_t n, i;
    int16_t *out;

    fast = PySequence_Fast(arg, "pack_shorts() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    if ((size_t)n > SIZE_MAX / sizeof(int16_t)) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    out = malloc((size_t)n * sizeof(int16_t)); // no-warning: n <= SIZE_MAX / sizeof(int16_t)
    if (out == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
        if (v == -1 && PyErr_Occurred()) {
            free(out);
            Py_DECREF(fast);
            return NULL;
        }
        if (v < INT16_MIN || v > INT16_MAX) {
            free(out);
            Py_DECREF(fast);
            PyErr_SetString(PyExc_OverflowError, "value does not fit in 16 bits");
            return NULL;
        }
        out[i] = (int16_t)v;
    }
    Py_DECREF(fast);
    result = PyBytes_FromStringAndSize((const char *)out, n * (Py_ssize_t)sizeof(int16_t));
    free(out);
    return result;
}

static PyObject *
interleave(PyObject *self, PyObject *args)
{
    Py_buffer a, b;
    Py_ssize_t n, i;
    char *out = NULL;
    PyObject *result = NULL;

    if (!PyArg_ParseTuple(args, "y*y*:interleave", &a, &b))
        return NULL;
    n = a.len < b.len ? a.len : b.len;
    if (n >= PY_SSIZE_T_MAX / 2)
        goto nomem;
    out = PyObject_Malloc(n * 2 + 1); // no-warning: n < PY_SSIZE_T_MAX / 2, checked before
    if (out == NULL)
        goto nomem;
    for (i = 0; i < n; i++) {
        out[2 * i] = ((const char *)a.buf)[i];
        out[2 * i + 1] = ((const char *)b.buf)[i];
    }
    result = PyBytes_FromStringAndSize(out, 2 * n);
    PyObject_Free(out);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    return result;

nomem:
    PyErr_NoMemory();
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    return NULL;
}

static PyObject *
widen(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i;
    int as_words = 0;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#|p:widen", &data, &len, &as_words))
        return NULL;
    if ((size_t)len > PY_SSIZE_T_MAX / sizeof(uint32_t))
        return PyErr_NoMemory();
    if (as_words) {
        uint32_t *w = PyMem_Malloc(len * sizeof(uint32_t)); // no-warning: guarded before the branch
        if (w == NULL)
            return PyErr_NoMemory();
        for (i = 0; i < len; i++)
            w[i] = data[i];
        result = PyBytes_FromStringAndSize((const char *)w, len * (Py_ssize_t)sizeof(uint32_t));
        PyMem_Free(w);
    }
    else {
        uint16_t *h = PyMem_Malloc(len * sizeof(uint16_t)); // no-warning: guarded before the branch
        if (h == NULL)
            return PyErr_NoMemory();
        for (i = 0; i < len; i++)
            h[i] = data[i];
        result = PyBytes_FromStringAndSize((const char *)h, len * (Py_ssize_t)sizeof(uint16_t));
        PyMem_Free(h);
    }
    return result;
}

/* ---- small bounds known on the path ---- */

static PyObject *
make_slots(PyObject *self, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    struct slot *slots;
    PyObject *result;

    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (n < 1 || n > 256) {
        PyErr_SetString(PyExc_ValueError, "n must be in 1..256");
        return NULL;
    }
    slots = PyMem_Malloc(n * sizeof(struct slot)); // no-warning: n <= 256 on this path
    if (slots == NULL)
        return PyErr_NoMemory();
    memset(slots, 0, n * sizeof(struct slot));
    result = PyLong_FromSsize_t(n * (Py_ssize_t)sizeof(struct slot));
    PyMem_Free(slots);
    return result;
}

static PyObject *
window_sums(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, width, i;
    long *win, sum = 0;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#n:window_sums", &data, &len, &width))
        return NULL;
    if (width >= 1 && width <= 4096) {
        win = PyMem_Malloc(width * sizeof(long)); // no-warning: width <= 4096 in this branch
        if (win == NULL)
            return PyErr_NoMemory();
        for (i = 0; i < width; i++)
            win[i] = 0;
        for (i = 0; i < len; i++) {
            sum += (long)data[i] - win[i % width];
            win[i % width] = data[i];
        }
        PyMem_Free(win);
        result = PyLong_FromLong(sum);
    }
    else {
        PyErr_SetString(PyExc_ValueError, "width must be in 1..4096");
        result = NULL;
    }
    return result;
}

static PyObject *
pascal_row(PyObject *self, PyObject *arg)
{
    long long *rows[MAX_ROWS];
    long want = PyLong_AsLong(arg);
    int r, k;
    PyObject *result = NULL;

    if (want == -1 && PyErr_Occurred())
        return NULL;
    if (want < 0 || want >= MAX_ROWS) {
        PyErr_Format(PyExc_ValueError, "row must be in 0..%d", MAX_ROWS - 1);
        return NULL;
    }
    for (r = 0; r < MAX_ROWS; r++)
        rows[r] = NULL;
    for (r = 0; r < MAX_ROWS; r++) {
        rows[r] = PyMem_Malloc((r + 1) * sizeof(long long)); // no-warning: r < MAX_ROWS, a constant
        if (rows[r] == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        rows[r][0] = rows[r][r] = 1;
        for (k = 1; k < r; k++)
            rows[r][k] = rows[r - 1][k - 1] + rows[r - 1][k];
    }
    result = PyList_New(want + 1);
    if (result == NULL)
        goto done;
    for (k = 0; k <= want; k++) {
        PyObject *v = PyLong_FromLongLong(rows[want][k]);
        if (v == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, k, v);
    }
done:
    for (r = 0; r < MAX_ROWS; r++)
        PyMem_Free(rows[r]);
    return result;
}

/* ---- constant products ---- */

static PyObject *
slot_table_size(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    struct slot *table;
    double *ring;
    Py_ssize_t bytes;

    table = PyMem_Malloc(NSLOTS * sizeof(struct slot)); // no-warning: constant size
    if (table == NULL)
        return PyErr_NoMemory();
    ring = PyObject_Malloc(16 * sizeof(double)); // no-warning: constant size
    if (ring == NULL) {
        PyMem_Free(table);
        return PyErr_NoMemory();
    }
    memset(table, 0, NSLOTS * sizeof(struct slot));
    memset(ring, 0, 16 * sizeof(double));
    bytes = NSLOTS * (Py_ssize_t)sizeof(struct slot) + 16 * (Py_ssize_t)sizeof(double);
    PyObject_Free(ring);
    PyMem_Free(table);
    return PyLong_FromSsize_t(bytes);
}

static PyObject *
hex_digest(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i;
    unsigned char digest[20];
    char *hex;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:hex_digest", &data, &len))
        return NULL;
    memset(digest, 0, sizeof(digest));
    for (i = 0; i < len; i++)
        digest[i % 20] = (unsigned char)(digest[i % 20] * 31 + data[i]);
    hex = PyMem_Malloc(sizeof(digest) * 2 + 1); // no-warning: constant size
    if (hex == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < (Py_ssize_t)sizeof(digest); i++)
        sprintf(hex + 2 * i, "%02x", digest[i]);
    result = PyUnicode_FromStringAndSize(hex, 2 * (Py_ssize_t)sizeof(digest));
    PyMem_Free(hex);
    return result;
}

/* ---- module ---- */

static PyMethodDef guarded_methods[] = {
    {"cumsum", cumsum, METH_O, NULL},
    {"collect_words", collect_words, METH_VARARGS, NULL},
    {"zero_matrix", zero_matrix, METH_VARARGS, NULL},
    {"count_chars", count_chars, METH_O, NULL},
    {"squares", squares, METH_O, NULL},
    {"pack_shorts", pack_shorts, METH_O, NULL},
    {"interleave", interleave, METH_VARARGS, NULL},
    {"widen", widen, METH_VARARGS, NULL},
    {"make_slots", make_slots, METH_O, NULL},
    {"window_sums", window_sums, METH_VARARGS, NULL},
    {"pascal_row", pascal_row, METH_O, NULL},
    {"slot_table_size", slot_table_size, METH_NOARGS, NULL},
    {"hex_digest", hex_digest, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef guarded_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pml009_guarded",
    .m_size = 0,
    .m_methods = guarded_methods,
};

PyMODINIT_FUNC
PyInit_pml009_guarded(void)
{
    return PyModuleDef_Init(&guarded_module);
}
