/*
 * zcompress.c -- a run-length "compression" wrapper releasing the GIL.
 * Tests: PML010 (PyMem_Malloc directly inside Py_BEGIN_ALLOW_THREADS, and a
 * same-file helper that allocates with PyMem_Malloc called in that region),
 * PML009 (realloc growth cap * 2 + 64 unguarded), PML008 (goto error label
 * returning NULL after a failed scratch allocation).
 * Negatives: libc malloc inside the region, allocation after
 * Py_END_ALLOW_THREADS, the PyMem helper called with the GIL held,
 * a doubled size guarded against PY_SSIZE_T_MAX / 2.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

static size_t
rle_encode(const unsigned char *in, size_t n, unsigned char *out)
{
    size_t i = 0, o = 0;
    while (i < n) {
        unsigned char c = in[i];
        size_t run = 1;
        while (i + run < n && in[i + run] == c && run < 255)
            run++;
        out[o++] = (unsigned char)run;
        out[o++] = c;
        i += run;
    }
    return o;
}

/* Decodes into a PyMem block; must be called with the GIL held. */
static int
rle_decode(const unsigned char *in, size_t n, unsigned char **outp, size_t *outlen)
{
    size_t i, total = 0, o = 0;
    unsigned char *out;

    for (i = 0; i + 1 < n; i += 2)
        total += in[i];
    out = PyMem_Malloc(total ? total : 1);
    if (out == NULL)
        return -1;
    for (i = 0; i + 1 < n; i += 2) {
        memset(out + o, in[i + 1], in[i]);
        o += in[i];
    }
    *outp = out;
    *outlen = o;
    return 0;
}

static PyObject *
zc_compress(PyObject *module, PyObject *arg)
{
    Py_buffer view;
    unsigned char *out = NULL;
    size_t outlen = 0;
    PyObject *res;

    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    if (view.len >= PY_SSIZE_T_MAX / 2) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
    out = malloc(view.len * 2 + 1); // no-warning: libc malloc without the GIL, size guarded
    if (out != NULL)
        outlen = rle_encode(view.buf, view.len, out);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (out == NULL)
        return PyErr_NoMemory();
    res = PyBytes_FromStringAndSize((char *)out, outlen);
    free(out);
    return res;
}

static PyObject *
zc_compress_pymem(PyObject *module, PyObject *arg)
{
    Py_buffer view;
    unsigned char *out = NULL;
    size_t outlen = 0;
    PyObject *res;

    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    if (view.len >= PY_SSIZE_T_MAX / 2) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
    out = PyMem_Malloc(view.len * 2 + 1); // expected-warning {{[PML010]}}
    if (out != NULL)
        outlen = rle_encode(view.buf, view.len, out);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (out == NULL)
        return PyErr_NoMemory();
    res = PyBytes_FromStringAndSize((char *)out, outlen);
    PyMem_Free(out);
    return res;
}

static PyObject *
zc_decompress(PyObject *module, PyObject *arg)
{
    Py_buffer view;
    unsigned char *out = NULL;
    size_t outlen = 0;
    int rc;
    PyObject *res;

    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = rle_decode(view.buf, view.len, &out, &outlen); // expected-warning {{[PML010]}}
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    if (rc < 0)
        return PyErr_NoMemory();
    res = PyBytes_FromStringAndSize((char *)out, outlen);
    PyMem_Free(out);
    return res;
}

static PyObject *
zc_decode_stream(PyObject *module, PyObject *iterable)
{
    PyObject *it, *chunk, *res = NULL;
    unsigned char *acc = NULL, *piece, *tmp;
    size_t len = 0, cap = 0, plen;
    char *data;
    Py_ssize_t dlen;
    int rc;

    it = PyObject_GetIter(iterable);
    if (it == NULL)
        return NULL;
    while ((chunk = PyIter_Next(it)) != NULL) {
        if (PyBytes_AsStringAndSize(chunk, &data, &dlen) < 0) {
            Py_DECREF(chunk);
            goto done;
        }
        rc = rle_decode((unsigned char *)data, (size_t)dlen, &piece, &plen);
        Py_DECREF(chunk);
        if (rc < 0) {
            PyErr_NoMemory();
            goto done;
        }
        while (len + plen > cap) {
            tmp = PyMem_Realloc(acc, cap * 2 + 64); // expected-warning {{[PML009]}}
            if (tmp == NULL) {
                PyMem_Free(piece);
                PyErr_NoMemory();
                goto done;
            }
            acc = tmp;
            cap = cap * 2 + 64;
        }
        if (plen > 0)
            memcpy(acc + len, piece, plen);
        len += plen;
        PyMem_Free(piece);
    }
    if (!PyErr_Occurred())
        res = PyBytes_FromStringAndSize((char *)acc, (Py_ssize_t)len);
done:
    PyMem_Free(acc);
    Py_DECREF(it);
    return res;
}

static PyObject *
zc_compress_many(PyObject *module, PyObject *seq)
{
    PyObject *fast = NULL, *result = NULL;
    unsigned char *scratch = NULL;
    Py_ssize_t n, i, maxlen = 0;

    fast = PySequence_Fast(seq, "expected a sequence of bytes");
    if (fast == NULL)
        goto error;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
        if (!PyBytes_Check(item)) {
            PyErr_SetString(PyExc_TypeError, "items must be bytes");
            goto error;
        }
        if (PyBytes_GET_SIZE(item) > maxlen)
            maxlen = PyBytes_GET_SIZE(item);
    }
    if (maxlen >= PY_SSIZE_T_MAX / 2) {
        PyErr_NoMemory();
        goto error;
    }
    scratch = PyMem_Malloc(maxlen * 2 + 2);
    if (scratch == NULL)
        goto error;
    result = PyList_New(n);
    if (result == NULL)
        goto error;
    for (i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
        size_t k = rle_encode((unsigned char *)PyBytes_AS_STRING(item),
                              (size_t)PyBytes_GET_SIZE(item), scratch);
        PyObject *b = PyBytes_FromStringAndSize((char *)scratch, (Py_ssize_t)k);
        if (b == NULL)
            goto error;
        PyList_SET_ITEM(result, i, b);
    }
    PyMem_Free(scratch);
    Py_DECREF(fast);
    return result;
error:
    PyMem_Free(scratch);
    Py_XDECREF(result);
    Py_XDECREF(fast);
    return NULL; // expected-warning {{[PML008]}}
}

static PyMethodDef zc_methods[] = {
    {"compress", zc_compress, METH_O, NULL},
    {"compress_pymem", zc_compress_pymem, METH_O, NULL},
    {"decompress", zc_decompress, METH_O, NULL},
    {"decode_stream", zc_decode_stream, METH_O, NULL},
    {"compress_many", zc_compress_many, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef zc_module = {
    PyModuleDef_HEAD_INIT, "zcompress", NULL, -1, zc_methods,
};

PyMODINIT_FUNC
PyInit_zcompress(void)
{
    return PyModule_Create(&zc_module);
}
