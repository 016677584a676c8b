/* zstd_like.c: one-shot and streaming compression entry points modelled on
 * python-zstandard's compressor.c.  The codec itself is a toy run-length
 * encoder; what matters is where buffers come from and who frees them.
 * Work done without the GIL uses malloc/free or PyMem_Raw*. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_MAGIC 0xFD2FB528u
#define FRAME_HEADER_SIZE 18

typedef struct {
    int level;
    size_t window;
    unsigned char *dict;
    size_t dict_size;
} CCtx;

typedef struct {
    PyObject_HEAD
    CCtx *cctx;
    unsigned char *pending;
    size_t pending_size;
    size_t pending_cap;
} CompressorObject;

static size_t
compress_bound(size_t n)
{
    return n + (n >> 7) + 64;
}

static size_t
rle_encode(const unsigned char *src, size_t n, unsigned char *dst)
{
    size_t i = 0, o = 0;
    while (i < n) {
        unsigned char c = src[i];
        size_t run = 1;
        while (i + run < n && src[i + run] == c && run < 255)
            run++;
        dst[o++] = (unsigned char)run;
        dst[o++] = c;
        i += run;
    }
    return o;
}

static size_t
rle_decode(const unsigned char *src, size_t n, unsigned char *dst, size_t cap)
{
    size_t i, o = 0;
    for (i = 0; i + 1 < n; i += 2) {
        size_t run = src[i], k;
        if (o + run > cap)
            return (size_t)-1;
        for (k = 0; k < run; k++)
            dst[o++] = src[i + 1];
    }
    return o;
}

static PyObject *
zc_compress(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"data", "level", NULL};
    Py_buffer source;
    int level = 3;
    size_t bound, written;
    unsigned char *dest;
    PyObject *result;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*|i:compress", kwlist,
                                     &source, &level))
        return NULL;

    bound = compress_bound((size_t)source.len);
    dest = PyMem_Malloc(bound); // no-warning: freed on every path
    if (dest == NULL) {
        PyBuffer_Release(&source);
        return PyErr_NoMemory();
    }

    Py_BEGIN_ALLOW_THREADS
    written = rle_encode(source.buf, (size_t)source.len, dest);
    Py_END_ALLOW_THREADS

    result = PyBytes_FromStringAndSize((const char *)dest, (Py_ssize_t)written);
    PyMem_Free(dest);
    PyBuffer_Release(&source);
    return result;
}

static PyObject *
zc_compress_nogil(PyObject *module, PyObject *args)
{
    Py_buffer source;
    size_t written = 0;
    unsigned char *dest;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y*:compress_nogil", &source))
        return NULL;

    Py_BEGIN_ALLOW_THREADS
    dest = malloc(compress_bound((size_t)source.len)); // no-warning: checked after the region
    if (dest != NULL)
        written = rle_encode(source.buf, (size_t)source.len, dest);
    Py_END_ALLOW_THREADS

    PyBuffer_Release(&source);
    if (dest == NULL)
        return PyErr_NoMemory();
    result = PyBytes_FromStringAndSize((const char *)dest, (Py_ssize_t)written);
    free(dest);
    return result;
}

static PyObject *
zc_decompress(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"data", "max_output_size", NULL};
    Py_buffer source;
    Py_ssize_t max_output = 1 << 20;
    unsigned char *out;
    size_t got = 0;
    PyObject *result;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*|n:decompress", kwlist,
                                     &source, &max_output))
        return NULL;
    if (max_output <= 0) {
        PyBuffer_Release(&source);
        PyErr_SetString(PyExc_ValueError, "max_output_size must be positive");
        return NULL;
    }

    Py_BEGIN_ALLOW_THREADS
    out = malloc((size_t)max_output);
    if (out != NULL)
        got = rle_decode(source.buf, (size_t)source.len, out, (size_t)max_output);
    Py_END_ALLOW_THREADS

    PyBuffer_Release(&source);
    if (out == NULL)
        return PyErr_NoMemory();
    if (got == (size_t)-1) {
        free(out);
        PyErr_SetString(PyExc_ValueError, "output exceeds max_output_size");
        return NULL;
    }
    result = PyBytes_FromStringAndSize((const char *)out, (Py_ssize_t)got);
    PyMem_Free(out); // expected-warning {{[PML002]}}
    return result;
}

static PyObject *
zc_frame_header(PyObject *module, PyObject *args)
{
    Py_ssize_t content_size;
    unsigned char *hdr;
    PyObject *result;
    int i;

    if (!PyArg_ParseTuple(args, "n:frame_header", &content_size))
        return NULL;

    hdr = PyMem_Malloc(FRAME_HEADER_SIZE); // expected-warning {{[PML006]}}
    if (hdr == NULL)
        return PyErr_NoMemory();
    if (content_size == 0)
        Py_RETURN_NONE;     /* empty frames have no header; hdr is lost */

    hdr[0] = (unsigned char)(FRAME_MAGIC & 0xff);
    hdr[1] = (unsigned char)((FRAME_MAGIC >> 8) & 0xff);
    hdr[2] = (unsigned char)((FRAME_MAGIC >> 16) & 0xff);
    hdr[3] = (unsigned char)((FRAME_MAGIC >> 24) & 0xff);
    for (i = 0; i < 8; i++)
        hdr[4 + i] = (unsigned char)(((unsigned long long)content_size >> (8 * i)) & 0xff);
    memset(hdr + 12, 0, FRAME_HEADER_SIZE - 12);
    result = PyBytes_FromStringAndSize((const char *)hdr, FRAME_HEADER_SIZE);
    PyMem_Free(hdr);
    return result;
}

/* ---- streaming compressor object ---- */

static PyObject *
Compressor_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"level", "window", NULL};
    int level = 3;
    Py_ssize_t window = 1 << 17;
    CompressorObject *self;
    CCtx *cctx;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|in:Compressor", kwlist,
                                     &level, &window))
        return NULL;

    cctx = PyMem_RawCalloc(1, sizeof(CCtx)); // no-warning: owned by self below or freed
    if (cctx == NULL)
        return PyErr_NoMemory();
    cctx->level = level;
    cctx->window = (size_t)window;

    self = (CompressorObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        PyMem_RawFree(cctx);
        return NULL;
    }
    self->cctx = cctx;
    self->pending = NULL;
    self->pending_size = 0;
    self->pending_cap = 0;
    return (PyObject *)self;
}

static void
Compressor_dealloc(CompressorObject *self)
{
    if (self->cctx != NULL) {
        PyMem_RawFree(self->cctx->dict);
        PyMem_RawFree(self->cctx);
    }
    PyMem_RawFree(self->pending);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Compressor_load_dict(CompressorObject *self, PyObject *args)
{
    Py_buffer dict;
    unsigned char *copy;

    if (!PyArg_ParseTuple(args, "y*:load_dict", &dict))
        return NULL;
    copy = PyMem_RawMalloc((size_t)dict.len + 1);
    memcpy(copy, dict.buf, (size_t)dict.len); // expected-warning {{[PML001]}}
    PyMem_RawFree(self->cctx->dict);
    self->cctx->dict = copy;
    self->cctx->dict_size = (size_t)dict.len;
    PyBuffer_Release(&dict);
    Py_RETURN_NONE;
}

static PyObject *
Compressor_feed(CompressorObject *self, PyObject *args)
{
    Py_buffer chunk;
    size_t need;
    unsigned char *grown = NULL;
    int failed = 0;

    if (!PyArg_ParseTuple(args, "y*:feed", &chunk))
        return NULL;

    need = self->pending_size + (size_t)chunk.len;
    Py_BEGIN_ALLOW_THREADS
    if (need > self->pending_cap) {
        size_t newcap = need + (need >> 1) + 256;
        grown = PyMem_RawRealloc(self->pending, newcap); // no-warning: old block kept on failure
        if (grown == NULL) {
            failed = 1;
        }
        else {
            self->pending = grown;
            self->pending_cap = newcap;
        }
    }
    if (!failed) {
        memcpy(self->pending + self->pending_size, chunk.buf, (size_t)chunk.len);
        self->pending_size = need;
    }
    Py_END_ALLOW_THREADS

    PyBuffer_Release(&chunk);
    if (failed)
        return PyErr_NoMemory();
    return PyLong_FromSize_t(self->pending_size);
}

static PyObject *
Compressor_flush(CompressorObject *self, PyObject *Py_UNUSED(ignored))
{
    unsigned char *out;
    size_t written = 0;
    PyObject *result;

    if (self->pending_size == 0)
        return PyBytes_FromStringAndSize(NULL, 0);

    Py_BEGIN_ALLOW_THREADS
    out = PyMem_RawMalloc(compress_bound(self->pending_size)); // no-warning
    if (out != NULL) {
        written = rle_encode(self->pending, self->pending_size, out);
        self->pending_size = 0;
    }
    Py_END_ALLOW_THREADS

    if (out == NULL)
        return PyErr_NoMemory();
    result = PyBytes_FromStringAndSize((const char *)out, (Py_ssize_t)written);
    PyMem_RawFree(out);
    return result;
}

static PyObject *
zc_compress_many(PyObject *module, PyObject *args)
{
    PyObject *seq, *fast, *result;
    Py_ssize_t i, n;
    unsigned char *dest = NULL;
    size_t cap = 0;

    if (!PyArg_ParseTuple(args, "O:compress_many", &seq))
        return NULL;
    fast = PySequence_Fast(seq, "expected a sequence of bytes");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    result = PyList_New(n);
    if (result == NULL) {
        Py_DECREF(fast);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        char *src;
        Py_ssize_t len;
        size_t bound, written;
        PyObject *b;
        if (PyBytes_AsStringAndSize(PySequence_Fast_GET_ITEM(fast, i), &src, &len) < 0)
            goto error;
        bound = compress_bound((size_t)len);
        if (bound > cap) {
            /* the previous buffer is not needed: replace rather than grow */
            PyMem_Free(dest);
            dest = PyMem_Malloc(bound); // no-warning: reused, freed after the loop
            if (dest == NULL) {
                PyErr_NoMemory();
                goto error;
            }
            cap = bound;
        }
        written = rle_encode((const unsigned char *)src, (size_t)len, dest);
        b = PyBytes_FromStringAndSize((const char *)dest, (Py_ssize_t)written);
        if (b == NULL)
            goto error;
        PyList_SET_ITEM(result, i, b);
    }
    PyMem_Free(dest);
    Py_DECREF(fast);
    return result;

error:
    PyMem_Free(dest);
    Py_DECREF(fast);
    Py_DECREF(result);
    return NULL;
}

static PyMethodDef Compressor_methods[] = {
    {"load_dict", (PyCFunction)Compressor_load_dict, METH_VARARGS, NULL},
    {"feed", (PyCFunction)Compressor_feed, METH_VARARGS, NULL},
    {"flush", (PyCFunction)Compressor_flush, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject Compressor_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "zstd_like.Compressor",
    .tp_basicsize = sizeof(CompressorObject),
    .tp_dealloc = (destructor)Compressor_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Compressor_methods,
    .tp_new = Compressor_new,
};

static PyMethodDef zc_methods[] = {
    {"compress", (PyCFunction)(void (*)(void))zc_compress, METH_VARARGS | METH_KEYWORDS, NULL},
    {"compress_nogil", zc_compress_nogil, METH_VARARGS, NULL},
    {"decompress", (PyCFunction)(void (*)(void))zc_decompress, METH_VARARGS | METH_KEYWORDS, NULL},
    {"frame_header", zc_frame_header, METH_VARARGS, NULL},
    {"compress_many", zc_compress_many, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef zc_module = {
    PyModuleDef_HEAD_INIT, "zstd_like", NULL, -1, zc_methods,
};

PyMODINIT_FUNC
PyInit_zstd_like(void)
{
    PyObject *m;
    if (PyType_Ready(&Compressor_Type) < 0)
        return NULL;
    m = PyModule_Create(&zc_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&Compressor_Type);
    if (PyModule_AddObject(m, "Compressor", (PyObject *)&Compressor_Type) < 0) {
        Py_DECREF(&Compressor_Type);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
