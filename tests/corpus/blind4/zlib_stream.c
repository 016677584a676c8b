/*
 * zlib_stream.c - one-shot (de)compression in the style of Modules/zlibmodule.c
 * What this file tests:
 *   PML010  compress_fast() grows its output with PyMem_Realloc without the GIL
 *   PML007  decompress() does out = PyMem_Realloc(out, ...)
 *   PML009  decompress() sizes its first buffer as data.len * 4
 *   PML011  compress_raw() frees out + 2
 *   PML006  inflate_peek() returns None without releasing its window
 * Negatives: compress() uses PyMem_RawMalloc/RawRealloc (via tmp) sans GIL.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <zlib.h>
#define DEF_BUF_SIZE (16 * 1024)

static PyObject *
zlib_compress(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"data", "level", NULL};
    Py_buffer data;
    int level = Z_DEFAULT_COMPRESSION, err;
    Byte *out, *tmp;
    size_t outcap = DEF_BUF_SIZE;
    z_stream zst;
    PyObject *res = NULL;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*|i:compress", kwlist, &data, &level))
        return NULL;
    memset(&zst, 0, sizeof(zst));
    if (deflateInit(&zst, level) != Z_OK) {
        PyErr_SetString(PyExc_ValueError, "bad compression level");
        PyBuffer_Release(&data);
        return NULL;
    }
    out = PyMem_RawMalloc(outcap);
    if (out == NULL) {
        deflateEnd(&zst);
        PyBuffer_Release(&data);
        return PyErr_NoMemory();
    }
    zst.next_in = data.buf;
    zst.avail_in = (uInt)data.len;
    Py_BEGIN_ALLOW_THREADS
    do {
        if (zst.total_out == outcap) {
            tmp = PyMem_RawRealloc(out, outcap + DEF_BUF_SIZE); // no-warning: raw allocator, via tmp
            if (tmp == NULL) {
                err = Z_MEM_ERROR;
                break;
            }
            out = tmp;
            outcap += DEF_BUF_SIZE;
        }
        zst.next_out = out + zst.total_out;
        zst.avail_out = (uInt)(outcap - zst.total_out);
        err = deflate(&zst, Z_FINISH);
    } while (err == Z_OK || err == Z_BUF_ERROR);
    Py_END_ALLOW_THREADS
    if (err == Z_STREAM_END)
        res = PyBytes_FromStringAndSize((char *)out, (Py_ssize_t)zst.total_out);
    else
        PyErr_NoMemory();
    deflateEnd(&zst);
    PyMem_RawFree(out);
    PyBuffer_Release(&data);
    return res;
}

static PyObject *
zlib_compress_fast(PyObject *module, PyObject *args)
{
    Py_buffer data;
    int err;
    Byte *out, *tmp;
    size_t outcap = DEF_BUF_SIZE;
    z_stream zst;
    PyObject *res = NULL;

    if (!PyArg_ParseTuple(args, "y*:compress_fast", &data))
        return NULL;
    memset(&zst, 0, sizeof(zst));
    if (deflateInit(&zst, Z_BEST_SPEED) != Z_OK) {
        PyBuffer_Release(&data);
        return PyErr_NoMemory();
    }
    out = PyMem_Malloc(outcap);
    if (out == NULL) {
        deflateEnd(&zst);
        PyBuffer_Release(&data);
        return PyErr_NoMemory();
    }
    zst.next_in = data.buf;
    zst.avail_in = (uInt)data.len;
    Py_BEGIN_ALLOW_THREADS
    do {
        if (zst.total_out == outcap) {
            tmp = PyMem_Realloc(out, outcap + DEF_BUF_SIZE); // expected-warning {{[PML010]}}
            if (tmp == NULL) {
                err = Z_MEM_ERROR;
                break;
            }
            out = tmp;
            outcap += DEF_BUF_SIZE;
        }
        zst.next_out = out + zst.total_out;
        zst.avail_out = (uInt)(outcap - zst.total_out);
        err = deflate(&zst, Z_FINISH);
    } while (err == Z_OK || err == Z_BUF_ERROR);
    Py_END_ALLOW_THREADS
    if (err == Z_STREAM_END)
        res = PyBytes_FromStringAndSize((char *)out, (Py_ssize_t)zst.total_out);
    else
        PyErr_NoMemory();
    deflateEnd(&zst);
    PyMem_Free(out);
    PyBuffer_Release(&data);
    return res;
}

/* Raw deflate: drop the 2-byte zlib header and the 4-byte adler32 trailer. */
static PyObject *
zlib_compress_raw(PyObject *module, PyObject *args)
{
    Py_buffer data;
    uLongf outlen;
    Byte *out;
    PyObject *res;
    if (!PyArg_ParseTuple(args, "y*:compress_raw", &data))
        return NULL;
    outlen = compressBound((uLong)data.len);
    out = PyMem_Malloc(outlen);
    if (out == NULL) {
        PyBuffer_Release(&data);
        return PyErr_NoMemory();
    }
    if (compress2(out, &outlen, data.buf, (uLong)data.len, 6) != Z_OK || outlen < 6) {
        PyMem_Free(out);
        PyBuffer_Release(&data);
        PyErr_SetString(PyExc_ValueError, "compression failed");
        return NULL;
    }
    PyBuffer_Release(&data);
    res = PyBytes_FromStringAndSize((char *)out + 2, (Py_ssize_t)outlen - 6);
    PyMem_Free(out + 2); // expected-warning {{[PML011]}}
    return res;
}

static PyObject *
zlib_decompress(PyObject *module, PyObject *args)
{
    Py_buffer data;
    Byte *out;
    size_t outcap;
    int err;
    z_stream zst;
    PyObject *res = NULL;

    if (!PyArg_ParseTuple(args, "y*:decompress", &data))
        return NULL;
    memset(&zst, 0, sizeof(zst));
    if (inflateInit(&zst) != Z_OK) {
        PyBuffer_Release(&data);
        return PyErr_NoMemory();
    }
    out = PyMem_Malloc(data.len * 4 + 64); // expected-warning {{[PML009]}}
    if (out == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    outcap = data.len * 4 + 64;
    zst.next_in = data.buf;
    zst.avail_in = (uInt)data.len;
    for (;;) {
        zst.next_out = out + zst.total_out;
        zst.avail_out = (uInt)(outcap - zst.total_out);
        Py_BEGIN_ALLOW_THREADS
        err = inflate(&zst, Z_SYNC_FLUSH);
        Py_END_ALLOW_THREADS
        if (err == Z_STREAM_END)
            break;
        if (err != Z_OK && err != Z_BUF_ERROR) {
            PyErr_Format(PyExc_ValueError, "Error %d while decompressing data", err);
            goto done;
        }
        if (zst.avail_in == 0 && zst.avail_out != 0) {
            PyErr_SetString(PyExc_ValueError, "incomplete or truncated stream");
            goto done;
        }
        outcap += DEF_BUF_SIZE;
        out = PyMem_Realloc(out, outcap); // expected-warning {{[PML007]}}
        if (out == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    }
    res = PyBytes_FromStringAndSize((char *)out, (Py_ssize_t)zst.total_out);
done:
    inflateEnd(&zst);
    PyMem_Free(out);
    PyBuffer_Release(&data);
    return res;
}

static PyObject *
zlib_inflate_peek(PyObject *module, PyObject *args)
{
    Py_buffer data;
    Byte *window;
    z_stream zst;
    int err;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "y*:inflate_peek", &data))
        return NULL;
    memset(&zst, 0, sizeof(zst));
    if (inflateInit(&zst) != Z_OK) {
        PyBuffer_Release(&data);
        return PyErr_NoMemory();
    }
    window = PyMem_Malloc(DEF_BUF_SIZE); // expected-warning {{[PML006]}}
    if (window == NULL) {
        inflateEnd(&zst);
        PyBuffer_Release(&data);
        return PyErr_NoMemory();
    }
    zst.next_in = data.buf;
    zst.avail_in = (uInt)data.len;
    zst.next_out = window;
    zst.avail_out = DEF_BUF_SIZE;
    err = inflate(&zst, Z_SYNC_FLUSH);
    inflateEnd(&zst);
    PyBuffer_Release(&data);
    if (zst.total_out == 0)
        Py_RETURN_NONE;
    if (err != Z_OK && err != Z_STREAM_END && err != Z_BUF_ERROR) {
        PyMem_Free(window);
        PyErr_Format(PyExc_ValueError, "Error %d while decompressing data", err);
        return NULL;
    }
    res = PyBytes_FromStringAndSize((char *)window, (Py_ssize_t)zst.total_out);
    PyMem_Free(window);
    return res;
}

static PyMethodDef zlib_methods[] = {
    {"compress", (PyCFunction)(void (*)(void))zlib_compress, METH_VARARGS | METH_KEYWORDS, NULL},
    {"compress_fast", zlib_compress_fast, METH_VARARGS, NULL},
    {"compress_raw", zlib_compress_raw, METH_VARARGS, NULL},
    {"decompress", zlib_decompress, METH_VARARGS, NULL},
    {"inflate_peek", zlib_inflate_peek, METH_VARARGS, NULL},
    {NULL}
};

static struct PyModuleDef zlibmodule = {PyModuleDef_HEAD_INIT, "zlib_stream", NULL, -1, zlib_methods};

PyMODINIT_FUNC
PyInit_zlib_stream(void)
{
    return PyModule_Create(&zlibmodule);
}
