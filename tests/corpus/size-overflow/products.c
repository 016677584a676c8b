/*
 * size-overflow/products.c - PML009: an allocation size that multiplies a
 * non-constant operand (n * sizeof(T), sizeof(T) * n, rows * cols,
 * w * h * 4, (n + 1) * sizeof(T), a count from a Python int) with no
 * overflow guard and no small bound on that path, for PyMem_Malloc,
 * PyMem_RawMalloc, PyObject_Malloc and malloc. Each bad function is
 * followed by a twin that guards the product or uses a safe form
 * (PyMem_New, PyMem_Calloc, PyMem_RawCalloc), which must stay silent.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- n * sizeof(T), n from a sequence length ---- */

static PyObject *
mean_of(PyObject *self, PyObject *arg)
{
    PyObject *fast;
    Py_ssize_t n, i;
    double *vals, sum = 0.0;

    fast = PySequence_Fast(arg, "mean_of() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    if (n == 0) {
        Py_DECREF(fast);
        PyErr_SetString(PyExc_ValueError, "mean_of() of an empty sequence");
        return NULL;
    }
    vals = PyMem_Malloc(n * sizeof(double)); // expected-warning {{[PML009]}}
    if (vals == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        vals[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, i));
        if (vals[i] == -1.0 && PyErr_Occurred()) {
            PyMem_Free(vals);
            Py_DECREF(fast);
            return NULL;
        }
    }
    Py_DECREF(fast);
    for (i = 0; i < n; i++)
        sum += vals[i];
    PyMem_Free(vals);
    return PyFloat_FromDouble(sum / (double)n);
}

static PyObject *
mean_of_ok(PyObject *self, PyObject *arg)
{
    PyObject *fast;
    Py_ssize_t n, i;
    double *vals, sum = 0.0;

    fast = PySequence_Fast(arg, "mean_of_ok() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    if (n == 0) {
        Py_DECREF(fast);
        PyErr_SetString(PyExc_ValueError, "mean_of_ok() of an empty sequence");
        return NULL;
    }
    vals = PyMem_New(double, n); // no-warning: PyMem_New checks the product
    if (vals == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        vals[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, i));
        if (vals[i] == -1.0 && PyErr_Occurred()) {
            PyMem_Free(vals);
            Py_DECREF(fast);
            return NULL;
        }
    }
    Py_DECREF(fast);
    for (i = 0; i < n; i++)
        sum += vals[i];
    PyMem_Free(vals);
    return PyFloat_FromDouble(sum / (double)n);
}

/* ---- rows * cols with libc malloc ---- */

static PyObject *
identity(PyObject *self, PyObject *args)
{
    Py_ssize_t rows, cols, i;
    unsigned char *m;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "nn:identity", &rows, &cols))
        return NULL;
    if (rows < 1 || cols < 1) {
        PyErr_SetString(PyExc_ValueError, "rows and cols must be positive");
        return NULL;
    }
    m = malloc(rows * cols); // expected-warning {{[PML009]}}
    if (m == NULL)
        return PyErr_NoMemory();
    memset(m, 0, rows * cols);
    for (i = 0; i < rows && i < cols; i++)
        m[i * cols + i] = 1;
    result = PyBytes_FromStringAndSize((const char *)m, rows * cols);
    free(m);
    return result;
}

static PyObject *
identity_ok(PyObject *self, PyObject *args)
{
    Py_ssize_t rows, cols, i;
    unsigned char *m;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "nn:identity_ok", &rows, &cols))
        return NULL;
    if (rows < 1 || cols < 1) {
        PyErr_SetString(PyExc_ValueError, "rows and cols must be positive");
        return NULL;
    }
    if (cols > PY_SSIZE_T_MAX / rows)
        return PyErr_NoMemory();
    m = malloc(rows * cols); // no-warning: cols <= PY_SSIZE_T_MAX / rows checked above
    if (m == NULL)
        return PyErr_NoMemory();
    memset(m, 0, rows * cols);
    for (i = 0; i < rows && i < cols; i++)
        m[i * cols + i] = 1;
    result = PyBytes_FromStringAndSize((const char *)m, rows * cols);
    free(m);
    return result;
}

/* ---- a count straight from a Python int, only checked for sign ---- */

static PyObject *
fib_table(PyObject *self, PyObject *arg)
{
    Py_ssize_t n, i;
    unsigned long long *fib;
    PyObject *list;

    n = PyLong_AsSsize_t(arg);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (n < 2) {
        PyErr_SetString(PyExc_ValueError, "n must be at least 2");
        return NULL;
    }
    fib = PyMem_Malloc(n * sizeof(unsigned long long)); // expected-warning {{[PML009]}}
    if (fib == NULL)
        return PyErr_NoMemory();
    fib[0] = 0;
    fib[1] = 1;
    for (i = 2; i < n; i++)
        fib[i] = fib[i - 1] + fib[i - 2];
    list = PyList_New(n);
    if (list == NULL) {
        PyMem_Free(fib);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        PyObject *v = PyLong_FromUnsignedLongLong(fib[i]);
        if (v == NULL) {
            Py_DECREF(list);
            PyMem_Free(fib);
            return NULL;
        }
        PyList_SET_ITEM(list, i, v);
    }
    PyMem_Free(fib);
    return list;
}

static PyObject *
fib_table_ok(PyObject *self, PyObject *arg)
{
    Py_ssize_t n, i;
    unsigned long long *fib;
    PyObject *list;

    n = PyLong_AsSsize_t(arg);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (n < 2 || n > 94) {
        PyErr_SetString(PyExc_ValueError, "n must be in 2..94");
        return NULL;
    }
    fib = PyMem_Malloc(n * sizeof(unsigned long long)); // no-warning: n <= 94 on this path
    if (fib == NULL)
        return PyErr_NoMemory();
    fib[0] = 0;
    fib[1] = 1;
    for (i = 2; i < n; i++)
        fib[i] = fib[i - 1] + fib[i - 2];
    list = PyList_New(n);
    if (list == NULL) {
        PyMem_Free(fib);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        PyObject *v = PyLong_FromUnsignedLongLong(fib[i]);
        if (v == NULL) {
            Py_DECREF(list);
            PyMem_Free(fib);
            return NULL;
        }
        PyList_SET_ITEM(list, i, v);
    }
    PyMem_Free(fib);
    return list;
}

/* ---- sizeof(T) * n, PyMem_RawMalloc ---- */

static PyObject *
pack_u32(PyObject *self, PyObject *arg)
{
    PyObject *fast, *result;
    Py_ssize_t count, i;
    uint32_t *words;

    fast = PySequence_Fast(arg, "pack_u32() expects a sequence");
    if (fast == NULL)
        return NULL;
    count = PySequence_Fast_GET_SIZE(fast);
    words = PyMem_RawMalloc(sizeof(uint32_t) * count); // expected-warning {{[PML009]}}
    if (words == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < count; i++) {
        unsigned long v = PyLong_AsUnsignedLong(PySequence_Fast_GET_ITEM(fast, i));
        if (v == (unsigned long)-1 && PyErr_Occurred()) {
            PyMem_RawFree(words);
            Py_DECREF(fast);
            return NULL;
        }
        words[i] = (uint32_t)v;
    }
    Py_DECREF(fast);
    result = PyBytes_FromStringAndSize((const char *)words, count * (Py_ssize_t)sizeof(uint32_t));
    PyMem_RawFree(words);
    return result;
}

static PyObject *
pack_u32_ok(PyObject *self, PyObject *arg)
{
    PyObject *fast, *result;
    Py_ssize_t count, i;
    uint32_t *words;

    fast = PySequence_Fast(arg, "pack_u32_ok() expects a sequence");
    if (fast == NULL)
        return NULL;
    count = PySequence_Fast_GET_SIZE(fast);
    words = PyMem_RawCalloc(count, sizeof(uint32_t)); // no-warning: calloc form
    if (words == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < count; i++) {
        unsigned long v = PyLong_AsUnsignedLong(PySequence_Fast_GET_ITEM(fast, i));
        if (v == (unsigned long)-1 && PyErr_Occurred()) {
            PyMem_RawFree(words);
            Py_DECREF(fast);
            return NULL;
        }
        words[i] = (uint32_t)v;
    }
    Py_DECREF(fast);
    result = PyBytes_FromStringAndSize((const char *)words, count * (Py_ssize_t)sizeof(uint32_t));
    PyMem_RawFree(words);
    return result;
}

/* ---- width * height * 4 ---- */

static PyObject *
blank_image(PyObject *self, PyObject *args)
{
    Py_ssize_t w, h, i;
    unsigned int rgba = 0xffffffffU;
    unsigned char *px;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "nn|I:blank_image", &w, &h, &rgba))
        return NULL;
    if (w <= 0 || h <= 0) {
        PyErr_SetString(PyExc_ValueError, "image size must be positive");
        return NULL;
    }
    px = malloc(w * h * 4); // expected-warning {{[PML009]}}
    if (px == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < w * h; i++) {
        px[4 * i] = (unsigned char)(rgba >> 24);
        px[4 * i + 1] = (unsigned char)(rgba >> 16);
        px[4 * i + 2] = (unsigned char)(rgba >> 8);
        px[4 * i + 3] = (unsigned char)rgba;
    }
    result = PyBytes_FromStringAndSize((const char *)px, w * h * 4);
    free(px);
    return result;
}

static PyObject *
blank_image_ok(PyObject *self, PyObject *args)
{
    Py_ssize_t w, h, i;
    unsigned int rgba = 0xffffffffU;
    unsigned char *px;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "nn|I:blank_image_ok", &w, &h, &rgba))
        return NULL;
    if (w <= 0 || h <= 0 || w > 16384 || h > 16384) {
        PyErr_SetString(PyExc_ValueError, "image size must be in 1..16384");
        return NULL;
    }
    px = malloc(w * h * 4); // no-warning: w and h are at most 16384 here
    if (px == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < w * h; i++) {
        px[4 * i] = (unsigned char)(rgba >> 24);
        px[4 * i + 1] = (unsigned char)(rgba >> 16);
        px[4 * i + 2] = (unsigned char)(rgba >> 8);
        px[4 * i + 3] = (unsigned char)rgba;
    }
    result = PyBytes_FromStringAndSize((const char *)px, w * h * 4);
    free(px);
    return result;
}

/* ---- the guard is only on one branch ---- */

static PyObject *
tile(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, count, i;
    int checked = 1;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#n|p:tile", &data, &len, &count, &checked))
        return NULL;
    if (count < 0) {
        PyErr_SetString(PyExc_ValueError, "count must not be negative");
        return NULL;
    }
    if (checked) {
        if (len > 0 && count > (PY_SSIZE_T_MAX - 1) / len)
            return PyErr_NoMemory();
    }
    out = PyMem_Malloc(len * count + 1); // expected-warning {{[PML009]}}
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < count; i++)
        memcpy(out + i * len, data, len);
    result = PyBytes_FromStringAndSize(out, len * count);
    PyMem_Free(out);
    return result;
}

static PyObject *
tile_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, count, i;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#n:tile_ok", &data, &len, &count))
        return NULL;
    if (count < 0) {
        PyErr_SetString(PyExc_ValueError, "count must not be negative");
        return NULL;
    }
    if (len == 0 || count == 0)
        return PyBytes_FromStringAndSize("", 0);
    if (count > (PY_SSIZE_T_MAX - 1) / len)
        return PyErr_NoMemory();
    out = PyMem_Malloc(len * count + 1); // no-warning: count <= (PY_SSIZE_T_MAX - 1) / len
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < count; i++)
        memcpy(out + i * len, data, len);
    result = PyBytes_FromStringAndSize(out, len * count);
    PyMem_Free(out);
    return result;
}

/* ---- n * itemlen with PyObject_Malloc, both from the arguments ---- */

static PyObject *
repeat_item(PyObject *self, PyObject *args)
{
    const char *item;
    Py_ssize_t itemlen, n, i;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#n:repeat_item", &item, &itemlen, &n))
        return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "n must not be negative");
        return NULL;
    }
    out = PyObject_Malloc(n * itemlen + 1); // expected-warning {{[PML009]}}
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++)
        memcpy(out + i * itemlen, item, itemlen);
    result = PyUnicode_DecodeUTF8(out, n * itemlen, "strict");
    PyObject_Free(out);
    return result;
}

static PyObject *
repeat_item_ok(PyObject *self, PyObject *args)
{
    const char *item;
    Py_ssize_t itemlen, n, i;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#n:repeat_item_ok", &item, &itemlen, &n))
        return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "n must not be negative");
        return NULL;
    }
    if (itemlen == 0 || n == 0)
        return PyUnicode_FromStringAndSize("", 0);
    if ((size_t)n > (size_t)(PY_SSIZE_T_MAX - 1) / (size_t)itemlen)
        return PyErr_NoMemory();
    out = PyObject_Malloc(n * itemlen + 1); // no-warning: n <= (PY_SSIZE_T_MAX - 1) / itemlen checked above
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++)
        memcpy(out + i * itemlen, item, itemlen);
    result = PyUnicode_DecodeUTF8(out, n * itemlen, "strict");
    PyObject_Free(out);
    return result;
}

/* ---- (n + 1) * sizeof(T): a NULL-terminated pointer array ---- */

static PyObject *
common_prefix(PyObject *self, PyObject *arg)
{
    PyObject *fast, *result = NULL;
    Py_ssize_t n, i, plen = 0;
    const char **strs;

    fast = PySequence_Fast(arg, "common_prefix() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    strs = PyMem_RawMalloc((n + 1) * sizeof(const char *)); // expected-warning {{[PML009]}}
    if (strs == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        strs[i] = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(fast, i));
        if (strs[i] == NULL)
            goto done;
    }
    strs[n] = NULL;
    if (n > 0) {
        for (;;) {
            char c = strs[0][plen];
            for (i = 1; i < n && c != '\0' && strs[i][plen] == c; i++)
                ;
            if (c == '\0' || i < n)
                break;
            plen++;
        }
    }
    result = PyUnicode_FromStringAndSize(n > 0 ? strs[0] : "", plen);
done:
    PyMem_RawFree(strs);
    Py_DECREF(fast);
    return result;
}

static PyObject *
common_prefix_ok(PyObject *self, PyObject *arg)
{
    PyObject *fast, *result = NULL;
    Py_ssize_t n, i, plen = 0;
    const char **strs;

    fast = PySequence_Fast(arg, "common_prefix_ok() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    strs = PyMem_RawCalloc(n + 1, sizeof(const char *)); // no-warning: calloc form
    if (strs == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        strs[i] = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(fast, i));
        if (strs[i] == NULL)
            goto done;
    }
    if (n > 0) {
        for (;;) {
            char c = strs[0][plen];
            for (i = 1; i < n && c != '\0' && strs[i][plen] == c; i++)
                ;
            if (c == '\0' || i < n)
                break;
            plen++;
        }
    }
    result = PyUnicode_FromStringAndSize(n > 0 ? strs[0] : "", plen);
done:
    PyMem_RawFree(strs);
    Py_DECREF(fast);
    return result;
}

/* ---- module ---- */

static PyMethodDef products_methods[] = {
    {"mean_of", mean_of, METH_O, NULL},
    {"mean_of_ok", mean_of_ok, METH_O, NULL},
    {"identity", identity, METH_VARARGS, NULL},
    {"identity_ok", identity_ok, METH_VARARGS, NULL},
    {"fib_table", fib_table, METH_O, NULL},
    {"fib_table_ok", fib_table_ok, METH_O, NULL},
    {"pack_u32", pack_u32, METH_O, NULL},
    {"pack_u32_ok", pack_u32_ok, METH_O, NULL},
    {"blank_image", blank_image, METH_VARARGS, NULL},
    {"blank_image_ok", blank_image_ok, METH_VARARGS, NULL},
    {"tile", tile, METH_VARARGS, NULL},
    {"tile_ok", tile_ok, METH_VARARGS, NULL},
    {"repeat_item", repeat_item, METH_VARARGS, NULL},
    {"repeat_item_ok", repeat_item_ok, METH_VARARGS, NULL},
    {"common_prefix", common_prefix, METH_O, NULL},
    {"common_prefix_ok", common_prefix_ok, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef products_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pml009_products",
    .m_size = 0,
    .m_methods = products_methods,
};

PyMODINIT_FUNC
PyInit_pml009_products(void)
{
    return PyModuleDef_Init(&products_module);
}
