/* wideconv.c - helpers converting str objects through wchar_t buffers. */
#define PY_SSIZE_T_CLEAN
#include "Python.h"
#include <wchar.h>
#include <wctype.h>

#define SMALL_WIDE 256

/* Return a new PyMem block holding `u` as wchar_t (not NUL-terminated).
   The caller owns the result and releases it with PyMem_Free(). */
static wchar_t *
wide_from_unicode(PyObject *u, Py_ssize_t *plen)
{
    Py_ssize_t n = PyUnicode_AsWideChar(u, NULL, 0);
    wchar_t *w;

    if (n < 0) {
        return NULL;
    }
    w = PyMem_New(wchar_t, n + 1);
    if (w == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    if (PyUnicode_AsWideChar(u, w, n) < 0) {
        PyMem_Free(w);
        return NULL;
    }
    w[n] = L'\0';
    *plen = n;
    return w;
}

static PyObject *
wideconv_casefold_impl(PyObject *module, PyObject *str)
{
    wchar_t small[SMALL_WIDE];
    wchar_t *w = small;
    int heap = 0;
    Py_ssize_t n, i;
    PyObject *res;

    n = PyUnicode_AsWideChar(str, NULL, 0);
    if (n < 0) {
        return NULL;
    }
    if (n > SMALL_WIDE) {
        w = PyMem_New(wchar_t, n);
        if (w == NULL) {
            return PyErr_NoMemory();
        }
        heap = 1;
    }
    if (PyUnicode_AsWideChar(str, w, n) < 0) {
        res = NULL;
        goto exit;
    }
    for (i = 0; i < n; i++) {
        w[i] = (wchar_t)towlower((wint_t)w[i]);
    }
    res = PyUnicode_FromWideChar(w, n);
exit:
    if (heap) {
        PyMem_Free(w); // no-warning: flag records that w is on the heap
    }
    return res;
}

static PyObject *
wideconv_interleave_impl(PyObject *module, PyObject *a, PyObject *b)
{
    Py_ssize_t la, lb, i, j, k = 0;
    wchar_t *wa = NULL, *wb = NULL, *out = NULL;
    PyObject *res = NULL;

    la = PyUnicode_AsWideChar(a, NULL, 0);
    lb = PyUnicode_AsWideChar(b, NULL, 0);
    if (la < 0 || lb < 0) {
        return NULL;
    }
    wa = PyMem_New(wchar_t, la + 1); // expected-warning {{[PML005]}}
    if (wa == NULL) {
        return PyErr_NoMemory();
    }
    wb = PyMem_New(wchar_t, lb + 1);
    if (wb == NULL) {
        return PyErr_NoMemory();
    }
    out = PyMem_New(wchar_t, la + lb + 1);
    if (out == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (PyUnicode_AsWideChar(a, wa, la) < 0 ||
        PyUnicode_AsWideChar(b, wb, lb) < 0) {
        goto done;
    }
    for (i = 0, j = 0; i < la || j < lb; ) {
        if (i < la) {
            out[k++] = wa[i++];
        }
        if (j < lb) {
            out[k++] = wb[j++];
        }
    }
    res = PyUnicode_FromWideChar(out, k);
done:
    PyMem_Free(out);
    PyMem_Free(wb);
    PyMem_Free(wa);
    return res;
}

static PyObject *
wideconv_display_width_impl(PyObject *module, PyObject *str)
{
    Py_ssize_t n, i;
    long width = 0;
    wchar_t *w;

    n = PyUnicode_AsWideChar(str, NULL, 0);
    if (n < 0) {
        return NULL;
    }
    w = PyMem_New(wchar_t, n);
    if (w == NULL) {
        return PyErr_NoMemory();
    }
    if (PyUnicode_AsWideChar(str, w, n) < 0) {
        PyMem_Free(w);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        int cw = wcwidth(w[i]);
        width += cw < 0 ? 1 : cw;
    }
    PyMem_RawFree(w); // expected-warning {{[PML002]}}
    return PyLong_FromLong(width);
}

static PyObject *
wideconv_rjust_impl(PyObject *module, PyObject *str, Py_ssize_t width)
{
    Py_ssize_t n, pad, i;
    wchar_t *w;
    PyObject *res;

    n = PyUnicode_AsWideChar(str, NULL, 0);
    if (n < 0) {
        return NULL;
    }
    if (width < n) {
        width = n;
    }
    w = PyMem_New(wchar_t, width + 1);
    w[width] = L'\0'; // expected-warning {{[PML001]}}
    if (w == NULL) {
        return PyErr_NoMemory();
    }
    pad = width - n;
    for (i = 0; i < pad; i++) {
        w[i] = L' ';
    }
    if (PyUnicode_AsWideChar(str, w + pad, n) < 0) {
        PyMem_Free(w);
        return NULL;
    }
    res = PyUnicode_FromWideChar(w, width);
    PyMem_Free(w);
    return res;
}

/* Split on a wide separator, converting each field back separately. */
static PyObject *
wideconv_fields_impl(PyObject *module, PyObject *str, int sep)
{
    Py_ssize_t n, i, start = 0, nfields = 0, k;
    wchar_t *w, **fields = NULL;
    PyObject *res = NULL;

    w = wide_from_unicode(str, &n);
    if (w == NULL) {
        return NULL;
    }
    fields = PyMem_New(wchar_t *, n + 1);
    if (fields == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (i = 0; i <= n; i++) {
        if (i == n || w[i] == (wchar_t)sep) {
            wchar_t *f = PyMem_New(wchar_t, i - start + 1);
            if (f == NULL) {
                PyErr_NoMemory();
                goto error;
            }
            wmemcpy(f, w + start, i - start);
            f[i - start] = L'\0';
            fields[nfields++] = f; // no-warning: owned by the fields array
            start = i + 1;
        }
    }
    res = PyList_New(nfields);
    if (res == NULL) {
        goto error;
    }
    for (k = 0; k < nfields; k++) {
        PyObject *item = PyUnicode_FromWideChar(fields[k], -1);
        if (item == NULL) {
            Py_CLEAR(res);
            goto error;
        }
        PyList_SET_ITEM(res, k, item);
    }
error:
    if (fields != NULL) {
        for (k = 0; k < nfields; k++) {
            PyMem_Free(fields[k]);
        }
        PyMem_Free(fields);
    }
    PyMem_Free(w);
    return res;
}

static PyObject *
wideconv_casefold(PyObject *module, PyObject *arg)
{
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "casefold() argument must be str");
        return NULL;
    }
    return wideconv_casefold_impl(module, arg);
}

static PyObject *
wideconv_interleave(PyObject *module, PyObject *args)
{
    PyObject *a, *b;
    if (!PyArg_ParseTuple(args, "UU:interleave", &a, &b)) {
        return NULL;
    }
    return wideconv_interleave_impl(module, a, b);
}

static PyObject *
wideconv_display_width(PyObject *module, PyObject *arg)
{
    return wideconv_display_width_impl(module, arg);
}

static PyObject *
wideconv_rjust(PyObject *module, PyObject *args)
{
    PyObject *s;
    Py_ssize_t width;
    if (!PyArg_ParseTuple(args, "Un:rjust", &s, &width)) {
        return NULL;
    }
    return wideconv_rjust_impl(module, s, width);
}

static PyObject *
wideconv_fields(PyObject *module, PyObject *args)
{
    PyObject *s;
    int sep = ',';
    if (!PyArg_ParseTuple(args, "U|C:fields", &s, &sep)) {
        return NULL;
    }
    return wideconv_fields_impl(module, s, sep);
}

static PyMethodDef wideconv_methods[] = {
    {"casefold", wideconv_casefold, METH_O, NULL},
    {"interleave", wideconv_interleave, METH_VARARGS, NULL},
    {"display_width", wideconv_display_width, METH_O, NULL},
    {"rjust", wideconv_rjust, METH_VARARGS, NULL},
    {"fields", wideconv_fields, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef wideconv_module = {
    PyModuleDef_HEAD_INIT, "wideconv", NULL, 0, wideconv_methods,
};

PyMODINIT_FUNC
PyInit_wideconv(void)
{
    return PyModuleDef_Init(&wideconv_module);
}
