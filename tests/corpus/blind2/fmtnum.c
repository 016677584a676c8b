/* fmtnum.c - integer formatting helpers (digit grouping, padding, bases). */
#define PY_SSIZE_T_CLEAN
#include "Python.h"
#include <string.h>

#define SMALL_FMT 64

/* Write the decimal digits of v into the END of buf[0..size); return the
   start of the text. */
static char *
write_digits(char *buf, Py_ssize_t size, unsigned long long v, char sep)
{
    char *p = buf + size;
    int group = 0;
    *--p = '\0';
    do {
        if (sep && group == 3) {
            *--p = sep;
            group = 0;
        }
        *--p = (char)('0' + v % 10);
        v /= 10;
        group++;
    } while (v != 0);
    return p;
}

static PyObject *
fmtnum_group_impl(PyObject *module, long long v, Py_ssize_t width, char sep)
{
    char small[SMALL_FMT];
    char *buf = small, *p;
    Py_ssize_t size = SMALL_FMT;
    unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    PyObject *res;

    if (width < 0 || width > 4096) {
        PyErr_SetString(PyExc_ValueError, "width out of range");
        return NULL;
    }
    if (width + 2 > SMALL_FMT) {
        size = width + SMALL_FMT;
        buf = PyMem_Malloc(size);
        if (buf == NULL) {
            return PyErr_NoMemory();
        }
    }
    p = write_digits(buf, size, mag, sep);
    if (v < 0) {
        *--p = '-';
    }
    while (buf + size - 1 - p < width) {
        *--p = ' ';
    }
    res = PyUnicode_FromString(p);
    if (buf != small) {
        PyMem_Free(buf); // no-warning: only the heap buffer is released
    }
    return res;
}

static PyObject *
fmtnum_zfill_impl(PyObject *module, PyObject *num, Py_ssize_t width)
{
    PyObject *text, *res;
    const char *s;
    Py_ssize_t len;
    char *buf;

    text = PyObject_Str(num);
    if (text == NULL) {
        return NULL;
    }
    s = PyUnicode_AsUTF8AndSize(text, &len);
    if (s == NULL) {
        Py_DECREF(text);
        return NULL;
    }
    if (width < len) {
        width = len;
    }
    buf = PyMem_Malloc(width + 1);
    memset(buf, '0', width - len); // expected-warning {{[PML001]}}
    if (buf == NULL) {
        Py_DECREF(text);
        return PyErr_NoMemory();
    }
    memcpy(buf + width - len, s, len + 1);
    if (s[0] == '-' && width > len) {
        buf[0] = '-';
        buf[width - len] = '0';
    }
    Py_DECREF(text);
    res = PyUnicode_FromStringAndSize(buf, width);
    PyMem_Free(buf);
    return res;
}

/* On success store a new PyMem buffer in *out; on failure return -1. */
static int
format_base(PyObject *num, int base, char **out, Py_ssize_t *outlen)
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    char *buf = PyMem_Malloc(SMALL_FMT + 2); // expected-warning {{[PML005]}}
    char *p;
    unsigned long long v;

    if (buf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    v = PyLong_AsUnsignedLongLong(num);
    if (v == (unsigned long long)-1 && PyErr_Occurred()) {
        return -1;
    }
    p = buf + SMALL_FMT + 1;
    *p = '\0';
    do {
        *--p = digits[v % base];
        v /= base;
    } while (v != 0);
    *outlen = buf + SMALL_FMT + 1 - p;
    memmove(buf, p, *outlen + 1);
    *out = buf; // no-warning: handed to the caller through the out-parameter
    return 0;
}

static PyObject *
fmtnum_tobase_impl(PyObject *module, PyObject *num, int base)
{
    char *text;
    Py_ssize_t len;
    PyObject *res;

    if (base < 2 || base > 36) {
        PyErr_SetString(PyExc_ValueError, "base must be in 2..36");
        return NULL;
    }
    if (format_base(num, base, &text, &len) < 0) {
        return NULL;
    }
    res = PyUnicode_FromStringAndSize(text, len);
    PyMem_Free(text); // no-warning: allocated by format_base with PyMem_Malloc
    return res;
}

static PyObject *
fmtnum_columns_impl(PyObject *module, PyObject *nums, Py_ssize_t colwidth)
{
    char small[SMALL_FMT], *line = small;
    int heap = 0;
    Py_ssize_t n, i, need;
    PyObject *res;

    n = PyList_Size(nums);
    if (n < 0) {
        return NULL;
    }
    if (colwidth < 1 || colwidth > 64) {
        PyErr_SetString(PyExc_ValueError, "bad column width");
        return NULL;
    }
    need = (n + 1) * (colwidth + 1);
    if (need > SMALL_FMT) {
        line = PyMem_Calloc(n + 1, colwidth + 1); // expected-warning {{[PML006]}}
        if (line == NULL) {
            return PyErr_NoMemory();
        }
    }
    line[0] = '\0';
    for (i = 0; i < n; i++) {
        long long v = PyLong_AsLongLong(PyList_GET_ITEM(nums, i));
        if (v == -1 && PyErr_Occurred()) {
            res = NULL;
            goto done;
        }
        PyOS_snprintf(line + strlen(line), colwidth + 2, "%*lld ", (int)colwidth, v);
    }
    res = PyUnicode_FromString(line);
done:
    if (heap) {
        PyMem_Free(line);
    }
    return res;
}

static PyObject *
fmtnum_hexpair_impl(PyObject *module, long long a, long long b)
{
    char small[SMALL_FMT], *buf = small;
    Py_ssize_t size = SMALL_FMT;
    PyObject *res;

    if (a > 0xFFFFFFFFLL || b > 0xFFFFFFFFLL) {
        size = 4 * SMALL_FMT;
        buf = PyMem_Malloc(size);
        if (buf == NULL) {
            return PyErr_NoMemory();
        }
    }
    PyOS_snprintf(buf, size, "0x%llx:0x%llx", a, b);
    res = PyUnicode_FromString(buf);
    if (buf != small) {
        PyObject_Free(buf); // expected-warning {{[PML002]}}
    }
    return res;
}

static PyObject *
fmtnum_group(PyObject *module, PyObject *args)
{
    long long v;
    Py_ssize_t width = 0;
    int sep = ',';
    if (!PyArg_ParseTuple(args, "L|nC:group", &v, &width, &sep)) {
        return NULL;
    }
    return fmtnum_group_impl(module, v, width, (char)sep);
}

static PyObject *
fmtnum_zfill(PyObject *module, PyObject *args)
{
    PyObject *num;
    Py_ssize_t width;
    if (!PyArg_ParseTuple(args, "On:zfill", &num, &width)) {
        return NULL;
    }
    return fmtnum_zfill_impl(module, num, width);
}

static PyObject *
fmtnum_tobase(PyObject *module, PyObject *args)
{
    PyObject *num;
    int base;
    if (!PyArg_ParseTuple(args, "Oi:tobase", &num, &base)) {
        return NULL;
    }
    return fmtnum_tobase_impl(module, num, base);
}

static PyObject *
fmtnum_columns(PyObject *module, PyObject *args)
{
    PyObject *nums;
    Py_ssize_t colwidth = 8;
    if (!PyArg_ParseTuple(args, "O|n:columns", &nums, &colwidth)) {
        return NULL;
    }
    return fmtnum_columns_impl(module, nums, colwidth);
}

static PyObject *
fmtnum_hexpair(PyObject *module, PyObject *args)
{
    long long a, b;
    if (!PyArg_ParseTuple(args, "LL:hexpair", &a, &b)) {
        return NULL;
    }
    return fmtnum_hexpair_impl(module, a, b);
}

static PyMethodDef fmtnum_methods[] = {
    {"group", fmtnum_group, METH_VARARGS, NULL},
    {"zfill", fmtnum_zfill, METH_VARARGS, NULL},
    {"tobase", fmtnum_tobase, METH_VARARGS, NULL},
    {"columns", fmtnum_columns, METH_VARARGS, NULL},
    {"hexpair", fmtnum_hexpair, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef fmtnum_module = {
    PyModuleDef_HEAD_INIT, "fmtnum", NULL, 0, fmtnum_methods,
};

PyMODINIT_FUNC
PyInit_fmtnum(void)
{
    return PyModuleDef_Init(&fmtnum_module);
}
