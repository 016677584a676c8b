/*
 * lz4_frame.c - size-prefixed LZ4 blocks in the style of python-lz4's _block.c
 * What this file tests:
 *   PML010  decompress() calls PyMem_Calloc inside Py_BEGIN_ALLOW_THREADS
 *   PML012  decompress_into() frees PyByteArray_AsString() on failure
 *   PML009  compress_chunks() sizes its table as nchunks * sizeof(int)
 *   PML007  compress_chunks() does out = PyMem_Realloc(out, ...)
 *   PML005  compress_hc() leaks dest when the level check fails
 * Negatives: compress() allocates before releasing the GIL and frees on all
 * paths; frame_header() bounds n by 16 before n * sizeof(uint32_t).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
extern int LZ4_compressBound(int inputSize);
extern int LZ4_compress_default(const char *src, char *dst, int srcSize, int dstCapacity);
extern int LZ4_compress_HC(const char *src, char *dst, int srcSize, int dstCapacity, int level);
extern int LZ4_decompress_safe(const char *src, char *dst, int compressedSize, int dstCapacity);

#define HDR 4
static void
store_le32(char *c, uint32_t x)
{
    c[0] = x & 0xff, c[1] = (x >> 8) & 0xff, c[2] = (x >> 16) & 0xff, c[3] = (x >> 24) & 0xff;
}

static uint32_t
load_le32(const char *c)
{
    const unsigned char *d = (const unsigned char *)c;
    return d[0] | (d[1] << 8) | (d[2] << 16) | ((uint32_t)d[3] << 24);
}

static PyObject *
compress(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *argnames[] = {"source", "acceleration", NULL};
    Py_buffer source;
    int acceleration = 1, bound, out;
    char *dest;
    PyObject *py_dest;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*|i", argnames, &source, &acceleration))
        return NULL;
    if (source.len > INT_MAX) {
        PyBuffer_Release(&source);
        return PyErr_Format(PyExc_OverflowError, "Input too large for LZ4 API");
    }
    bound = LZ4_compressBound((int)source.len);
    dest = PyMem_Malloc((size_t)bound + HDR);
    if (dest == NULL) {
        PyBuffer_Release(&source);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
    store_le32(dest, (uint32_t)source.len);
    out = LZ4_compress_default(source.buf, dest + HDR, (int)source.len, bound);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&source);
    if (out <= 0) {
        PyErr_SetString(PyExc_RuntimeError, "Compression failed");
        PyMem_Free(dest);
        return NULL;
    }
    py_dest = PyBytes_FromStringAndSize(dest, out + HDR);
    PyMem_Free(dest);
    return py_dest;
}

static PyObject *
compress_hc(PyObject *self, PyObject *args)
{
    Py_buffer source;
    int level = 9, bound, out;
    char *dest;
    PyObject *py_dest;

    if (!PyArg_ParseTuple(args, "y*|i:compress_hc", &source, &level))
        return NULL;
    if (source.len > INT_MAX) {
        PyBuffer_Release(&source);
        return PyErr_Format(PyExc_OverflowError, "Input too large for LZ4 API");
    }
    bound = LZ4_compressBound((int)source.len);
    dest = PyMem_Malloc((size_t)bound + HDR); // expected-warning {{[PML005]}}
    if (dest == NULL) {
        PyBuffer_Release(&source);
        return PyErr_NoMemory();
    }
    if (level < 1 || level > 12) {
        PyBuffer_Release(&source);
        return PyErr_Format(PyExc_ValueError, "invalid compression level %d", level);
    }
    store_le32(dest, (uint32_t)source.len);
    out = LZ4_compress_HC(source.buf, dest + HDR, (int)source.len, bound, level);
    PyBuffer_Release(&source);
    py_dest = out > 0 ? PyBytes_FromStringAndSize(dest, out + HDR)
                      : PyErr_Format(PyExc_RuntimeError, "Compression failed");
    PyMem_Free(dest);
    return py_dest;
}

static PyObject *
decompress(PyObject *self, PyObject *args)
{
    Py_buffer source;
    int dest_size, out = -1;
    char *dest;
    PyObject *py_dest;

    if (!PyArg_ParseTuple(args, "y*:decompress", &source))
        return NULL;
    if (source.len < HDR || source.len > INT_MAX) {
        PyBuffer_Release(&source);
        PyErr_SetString(PyExc_ValueError, "invalid input");
        return NULL;
    }
    dest_size = (int)(load_le32(source.buf) & 0x7fffffff);
    Py_BEGIN_ALLOW_THREADS
    dest = PyMem_Calloc(1, (size_t)dest_size + 1); // expected-warning {{[PML010]}}
    if (dest != NULL)
        out = LZ4_decompress_safe((char *)source.buf + HDR, dest, (int)source.len - HDR, dest_size);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&source);
    if (dest == NULL)
        return PyErr_NoMemory();
    if (out < 0 || out != dest_size) {
        PyMem_Free(dest);
        PyErr_Format(PyExc_ValueError, "Corrupt input at byte %d", -out);
        return NULL;
    }
    py_dest = PyBytes_FromStringAndSize(dest, out);
    PyMem_Free(dest);
    return py_dest;
}

static PyObject *
decompress_into(PyObject *self, PyObject *args)
{
    Py_buffer source;
    PyObject *target;
    char *dest;
    int out, cap;

    if (!PyArg_ParseTuple(args, "y*Y:decompress_into", &source, &target))
        return NULL;
    cap = (int)Py_MIN(PyByteArray_GET_SIZE(target), INT_MAX);
    dest = PyByteArray_AsString(target);
    if (dest == NULL || source.len < HDR || source.len > INT_MAX) {
        PyBuffer_Release(&source);
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "invalid input");
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    out = LZ4_decompress_safe((char *)source.buf + HDR, dest, (int)source.len - HDR, cap);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&source);
    if (out < 0) {
        PyMem_Free(dest); // expected-warning {{[PML012]}}
        PyErr_SetString(PyExc_ValueError, "Corrupt input");
        return NULL;
    }
    return PyLong_FromLong(out);
}

static PyObject *
compress_chunks(PyObject *self, PyObject *list)
{
    Py_ssize_t i, n, used = 0;
    int *sizes;
    char *out;
    PyObject *rv = NULL;

    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "list of buffers expected");
        return NULL;
    }
    n = PyList_GET_SIZE(list);
    sizes = PyMem_Malloc(n * sizeof(int) + 1); // expected-warning {{[PML009]}}
    if (sizes == NULL)
        return PyErr_NoMemory();
    out = PyMem_Malloc(1);
    if (out == NULL) {
        PyMem_Free(sizes);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        Py_buffer chunk;
        int bound;
        if (PyObject_GetBuffer(PyList_GET_ITEM(list, i), &chunk, PyBUF_SIMPLE) < 0)
            goto done;
        if (chunk.len > INT_MAX) {
            PyBuffer_Release(&chunk);
            PyErr_SetString(PyExc_OverflowError, "chunk too large");
            goto done;
        }
        bound = LZ4_compressBound((int)chunk.len);
        out = PyMem_Realloc(out, used + bound); // expected-warning {{[PML007]}}
        if (out == NULL) {
            PyBuffer_Release(&chunk);
            PyErr_NoMemory();
            goto done;
        }
        sizes[i] = LZ4_compress_default(chunk.buf, out + used, (int)chunk.len, bound);
        PyBuffer_Release(&chunk);
        if (sizes[i] <= 0) {
            PyErr_SetString(PyExc_RuntimeError, "Compression failed");
            goto done;
        }
        used += sizes[i];
    }
    rv = Py_BuildValue("(y#y#)", out, used, (char *)sizes, (Py_ssize_t)(n * sizeof(int)));
done:
    PyMem_Free(out);
    PyMem_Free(sizes);
    return rv;
}

/* A frame header holds at most 16 block checksums. */
static PyObject *
frame_header(PyObject *self, PyObject *args)
{
    Py_ssize_t i, n;
    uint32_t seed;
    char *tbl;
    PyObject *rv;
    if (!PyArg_ParseTuple(args, "nI:frame_header", &n, &seed))
        return NULL;
    if (n < 0 || n > 16) {
        PyErr_SetString(PyExc_ValueError, "between 0 and 16 blocks");
        return NULL;
    }
    tbl = PyMem_Malloc(n * sizeof(uint32_t) + 1); // no-warning: n <= 16
    if (tbl == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++)
        store_le32(tbl + i * sizeof(uint32_t), seed + (uint32_t)i);
    rv = PyBytes_FromStringAndSize(tbl, n * sizeof(uint32_t));
    PyMem_Free(tbl);
    return rv;
}

static PyMethodDef module_methods[] = {
    {"compress", (PyCFunction)(void (*)(void))compress, METH_VARARGS | METH_KEYWORDS, NULL},
    {"compress_hc", compress_hc, METH_VARARGS, NULL},
    {"decompress", decompress, METH_VARARGS, NULL},
    {"decompress_into", decompress_into, METH_VARARGS, NULL},
    {"compress_chunks", compress_chunks, METH_O, NULL},
    {"frame_header", frame_header, METH_VARARGS, NULL},
    {NULL}
};

static struct PyModuleDef moduledef = {PyModuleDef_HEAD_INIT, "lz4_frame", NULL, -1, module_methods};

PyMODINIT_FUNC
PyInit_lz4_frame(void)
{
    return PyModule_Create(&moduledef);
}
