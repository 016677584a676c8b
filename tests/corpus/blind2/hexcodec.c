/* hexcodec.c - hex encoding and decoding helpers (binascii-like). */
#define PY_SSIZE_T_CLEAN
#include "Python.h"
#include <string.h>

static const char hexdigits[] = "0123456789abcdef";

static int
hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Write 2*len hex digits to dst; dst must have room for them. */
static void
hex_encode_into(char *dst, const unsigned char *src, Py_ssize_t len)
{
    Py_ssize_t i;
    for (i = 0; i < len; i++) {
        *dst++ = hexdigits[src[i] >> 4];
        *dst++ = hexdigits[src[i] & 0xf];
    }
}

static PyObject *
hexcodec_hexlify_impl(PyObject *module, Py_buffer *data)
{
    Py_ssize_t outlen;
    char *out;
    PyObject *res;

    if (data->len > PY_SSIZE_T_MAX / 2 - 1) {
        return PyErr_NoMemory();
    }
    outlen = data->len + data->len;
    out = PyMem_Malloc(outlen + 1);
    if (out == NULL) {
        return PyErr_NoMemory();
    }
    hex_encode_into(out, data->buf, data->len);
    res = PyBytes_FromStringAndSize(out, outlen);
    PyMem_Free(out);
    return res;
}

static PyObject *
hexcodec_unhexlify_impl(PyObject *module, Py_buffer *data)
{
    const char *src = data->buf;
    Py_ssize_t i, j = 0;
    unsigned char *out;
    PyObject *res = NULL;

    out = PyMem_Malloc(data->len / 2 + 1);
    if (out == NULL) {
        return PyErr_NoMemory();
    }
    for (i = 0; i < data->len; ) {
        int hi, lo;
        if (src[i] == ' ' || src[i] == ':') {
            i++;
            continue;
        }
        if (i + 1 >= data->len) {
            PyErr_SetString(PyExc_ValueError, "odd-length hex string");
            goto error;
        }
        hi = hexval(src[i]);
        lo = hexval(src[i + 1]);
        if (hi < 0 || lo < 0) {
            PyErr_Format(PyExc_ValueError, "non-hex digit at %zd", i);
            goto error;
        }
        out[j++] = (unsigned char)((hi << 4) | lo);
        i += 2;
    }
    res = PyBytes_FromStringAndSize((const char *)out, j);
error:
    PyMem_Free(out); // no-warning: shared exit frees on both paths
    return res;
}

static PyObject *
hexcodec_prefixed_impl(PyObject *module, Py_buffer *data, const char *prefix)
{
    size_t plen = strlen(prefix);
    Py_ssize_t hexlen;
    char *buf;
    PyObject *res;

    if (data->len > PY_SSIZE_T_MAX / 2 - 64 || plen > 64) {
        return PyErr_NoMemory();
    }
    hexlen = data->len + data->len;
    buf = PyMem_Malloc(plen + hexlen + 1);
    memcpy(buf, prefix, plen); // expected-warning {{[PML001]}}
    if (buf == NULL) {
        return PyErr_NoMemory();
    }
    hex_encode_into(buf + plen, data->buf, data->len);
    buf[plen + hexlen] = '\0';
    res = PyUnicode_FromStringAndSize(buf, plen + hexlen);
    PyMem_Free(buf);
    return res;
}

/* XOR the data into `width` lanes and return the lanes as hex text. */
static PyObject *
hexcodec_checksum_impl(PyObject *module, Py_buffer *data, int width)
{
    const unsigned char *src = data->buf;
    unsigned char *acc;
    char text[129];
    Py_ssize_t i;

    if (width < 1 || width > 64) {
        PyErr_SetString(PyExc_ValueError, "width must be in 1..64");
        return NULL;
    }
    acc = PyMem_Calloc(width, 1); // expected-warning {{[PML006]}}
    if (acc == NULL) {
        return PyErr_NoMemory();
    }
    if (data->len == 0) {
        memset(text, '0', 2 * width);
        return PyUnicode_FromStringAndSize(text, 2 * width);
    }
    for (i = 0; i < data->len; i++) {
        acc[i % width] ^= src[i];
    }
    hex_encode_into(text, acc, width);
    PyMem_Free(acc);
    return PyUnicode_FromStringAndSize(text, 2 * width);
}

static PyObject *
hexcodec_dump_impl(PyObject *module, Py_buffer *data)
{
    const unsigned char *src = data->buf;
    PyObject *lines, *item;
    Py_ssize_t off, i;
    char *line;

    lines = PyList_New(0);
    if (lines == NULL) {
        return NULL;
    }
    line = PyObject_Malloc(80);
    if (line == NULL) {
        Py_DECREF(lines);
        return PyErr_NoMemory();
    }
    for (off = 0; off < data->len; off += 16) {
        Py_ssize_t n = Py_MIN(16, data->len - off);
        int k = PyOS_snprintf(line, 80, "%08zx  ", off);
        hex_encode_into(line + k, src + off, n);
        k += (int)(2 * n);
        line[k++] = ' ';
        for (i = 0; i < n; i++) {
            line[k++] = (src[off + i] >= 32 && src[off + i] < 127) ? src[off + i] : '.';
        }
        item = PyUnicode_FromStringAndSize(line, k);
        if (item == NULL || PyList_Append(lines, item) < 0) {
            Py_XDECREF(item);
            Py_CLEAR(lines);
            break;
        }
        Py_DECREF(item);
    }
    PyMem_Free(line); // expected-warning {{[PML002]}}
    return lines;
}

/* XOR two hex strings of the same length; the result is hex too. */
static PyObject *
hexcodec_xor_hex_impl(PyObject *module, const char *a, const char *b, Py_ssize_t n)
{
    unsigned char *da, *db = NULL;
    char *out = NULL;
    Py_ssize_t i;
    PyObject *res = NULL;

    if (n % 2) {
        PyErr_SetString(PyExc_ValueError, "odd-length hex string");
        return NULL;
    }
    da = PyMem_Malloc(n / 2 + 1);
    if (da == NULL) {
        return PyErr_NoMemory();
    }
    db = PyMem_Malloc(n / 2 + 1);
    out = PyMem_Malloc(n + 1);
    if (db == NULL || out == NULL) {
        PyErr_NoMemory();
        goto exit;
    }
    for (i = 0; i < n / 2; i++) {
        int a1 = hexval(a[i + i]), a2 = hexval(a[i + i + 1]);
        int b1 = hexval(b[i + i]), b2 = hexval(b[i + i + 1]);
        if ((a1 | a2 | b1 | b2) < 0) {
            PyErr_SetString(PyExc_ValueError, "non-hex digit");
            goto exit;
        }
        da[i] = (unsigned char)(a1 << 4 | a2);
        db[i] = (unsigned char)(b1 << 4 | b2);
        da[i] ^= db[i];
    }
    hex_encode_into(out, da, n / 2);
    res = PyUnicode_FromStringAndSize(out, n);
exit:
    PyMem_Free(out);
    PyMem_Free(db);
    PyMem_Free(da); // no-warning: every path through exit owns all three
    return res;
}

static PyObject *
hexcodec_xor_hex(PyObject *module, PyObject *args)
{
    const char *a, *b;
    Py_ssize_t na, nb;
    if (!PyArg_ParseTuple(args, "s#s#:xor_hex", &a, &na, &b, &nb)) {
        return NULL;
    }
    if (na != nb) {
        PyErr_SetString(PyExc_ValueError, "length mismatch");
        return NULL;
    }
    return hexcodec_xor_hex_impl(module, a, b, na);
}

#define BUFFER_WRAPPER(name)                                              \
    static PyObject *                                                     \
    hexcodec_##name(PyObject *module, PyObject *arg)                      \
    {                                                                     \
        Py_buffer view = {NULL, NULL};                                    \
        PyObject *res;                                                    \
        if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) {           \
            return NULL;                                                  \
        }                                                                 \
        res = hexcodec_##name##_impl(module, &view);                      \
        PyBuffer_Release(&view);                                          \
        return res;                                                       \
    }

BUFFER_WRAPPER(hexlify)
BUFFER_WRAPPER(unhexlify)
BUFFER_WRAPPER(dump)

static PyObject *
hexcodec_checksum(PyObject *module, PyObject *args)
{
    Py_buffer view = {NULL, NULL};
    int width = 2;
    PyObject *res;
    if (!PyArg_ParseTuple(args, "y*|i:checksum", &view, &width)) {
        return NULL;
    }
    res = hexcodec_checksum_impl(module, &view, width);
    PyBuffer_Release(&view);
    return res;
}

static PyObject *
hexcodec_prefixed(PyObject *module, PyObject *args)
{
    Py_buffer view = {NULL, NULL};
    const char *prefix = "0x";
    PyObject *res;
    if (!PyArg_ParseTuple(args, "y*|s:prefixed", &view, &prefix)) {
        return NULL;
    }
    res = hexcodec_prefixed_impl(module, &view, prefix);
    PyBuffer_Release(&view);
    return res;
}

static PyMethodDef hexcodec_methods[] = {
    {"hexlify", hexcodec_hexlify, METH_O, NULL},
    {"unhexlify", hexcodec_unhexlify, METH_O, NULL},
    {"prefixed", hexcodec_prefixed, METH_VARARGS, NULL},
    {"checksum", hexcodec_checksum, METH_VARARGS, NULL},
    {"dump", hexcodec_dump, METH_O, NULL},
    {"xor_hex", hexcodec_xor_hex, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef hexcodec_module = {
    PyModuleDef_HEAD_INIT, "hexcodec", NULL, 0, hexcodec_methods,
};

PyMODINIT_FUNC
PyInit_hexcodec(void)
{
    return PyModuleDef_Init(&hexcodec_module);
}
