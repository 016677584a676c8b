/* lzwtable.c - 12-bit LZW compression used by the legacy archive reader. */
#define PY_SSIZE_T_CLEAN
#include "Python.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CODES 4096
#define HSIZE 5003
#define FIRST_CODE 256

typedef struct {
    int32_t *keys;      /* (prefix << 8 | byte), -1 when empty */
    uint16_t *vals;
} lzw_hash;

static int
lzw_hash_init(lzw_hash *h)
{
    Py_ssize_t i;
    h->keys = PyMem_New(int32_t, HSIZE);
    h->vals = PyMem_New(uint16_t, HSIZE);
    if (h->keys == NULL || h->vals == NULL) {
        PyMem_Free(h->keys);
        PyMem_Free(h->vals);
        h->keys = NULL;
        h->vals = NULL;
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < HSIZE; i++) {
        h->keys[i] = -1;
    }
    return 0;
}

static void
lzw_hash_fini(lzw_hash *h)
{
    PyMem_Free(h->keys);
    PyMem_Free(h->vals);
    h->keys = NULL;
    h->vals = NULL;
}

static Py_ssize_t
lzw_hash_slot(lzw_hash *h, int32_t key)
{
    Py_ssize_t i = (Py_ssize_t)(((uint32_t)key * 2654435761u) % HSIZE);
    while (h->keys[i] != -1 && h->keys[i] != key) {
        i = (i + 1) % HSIZE;
    }
    return i;
}

static PyObject *
lzwtable_compress_impl(PyObject *module, Py_buffer *data, int maxbits)
{
    const unsigned char *src = data->buf;
    uint16_t *codes;
    lzw_hash h;
    Py_ssize_t i, ncodes = 0;
    int prefix, next = FIRST_CODE, limit;
    PyObject *res = NULL;

    codes = PyMem_New(uint16_t, data->len + 1); // expected-warning {{[PML005]}}
    if (codes == NULL) {
        return PyErr_NoMemory();
    }
    if (maxbits < 9 || maxbits > 12) {
        PyErr_Format(PyExc_ValueError, "maxbits must be 9..12, not %d", maxbits);
        return NULL;
    }
    limit = 1 << maxbits;
    if (lzw_hash_init(&h) < 0) {
        PyMem_Free(codes);
        return NULL;
    }
    if (data->len == 0) {
        goto finish;
    }
    prefix = src[0];
    for (i = 1; i < data->len; i++) {
        int32_t key = (int32_t)(prefix << 8 | src[i]);
        Py_ssize_t slot = lzw_hash_slot(&h, key);
        if (h.keys[slot] == key) {
            prefix = h.vals[slot];
            continue;
        }
        codes[ncodes++] = (uint16_t)prefix;
        if (next < limit) {
            h.keys[slot] = key;
            h.vals[slot] = (uint16_t)next++;
        }
        prefix = src[i];
    }
    codes[ncodes++] = (uint16_t)prefix;
finish:
    lzw_hash_fini(&h);
    res = PyList_New(ncodes);
    if (res != NULL) {
        for (i = 0; i < ncodes; i++) {
            PyObject *v = PyLong_FromLong(codes[i]);
            if (v == NULL) {
                Py_CLEAR(res);
                break;
            }
            PyList_SET_ITEM(res, i, v);
        }
    }
    PyMem_Free(codes);
    return res;
}

/* Append the string for `code` to out[*pos]; the table must be valid. */
static void
emit_code(const int *prefix, const unsigned char *suffix, unsigned char *stack,
          int code, unsigned char *out, Py_ssize_t *pos)
{
    int sp = 0;
    while (code >= FIRST_CODE) {
        stack[sp++] = suffix[code];
        code = prefix[code];
    }
    stack[sp++] = (unsigned char)code;
    while (sp > 0) {
        out[(*pos)++] = stack[--sp];
    }
}

static PyObject *
lzwtable_decompress_impl(PyObject *module, PyObject *seq)
{
    int *prefix = NULL, *lengths = NULL;
    unsigned char *suffix = NULL, *stack = NULL, *out = NULL;
    Py_ssize_t n, i, pos = 0, outcap = 0;
    int prev = -1, next = FIRST_CODE;
    PyObject *res = NULL;

    seq = PySequence_Fast(seq, "codes must be a sequence");
    if (seq == NULL) {
        return NULL;
    }
    n = PySequence_Fast_GET_SIZE(seq);
    lengths = PyMem_Calloc(MAX_CODES, sizeof(int));
    for (i = 0; i < FIRST_CODE; i++) {
        lengths[i] = 1; // expected-warning {{[PML001]}}
    }
    prefix = PyMem_New(int, MAX_CODES);
    suffix = PyMem_New(unsigned char, MAX_CODES);
    stack = PyMem_Malloc(MAX_CODES);
    if (lengths == NULL || prefix == NULL || suffix == NULL || stack == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (i = 0; i < n; i++) {
        long code = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, i));
        Py_ssize_t need, start;
        if (code == -1 && PyErr_Occurred()) {
            goto done;
        }
        if (code < 0 || code > next || (code == next && prev < 0) || code >= MAX_CODES) {
            PyErr_Format(PyExc_ValueError, "bad LZW code %ld at %zd", code, i);
            goto done;
        }
        need = (code == next) ? lengths[prev] + 1 : lengths[code];
        if (pos + need > outcap) {
            unsigned char *tmp = PyMem_Realloc(out, outcap + need + MAX_CODES);
            if (tmp == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            out = tmp; // no-warning: realloc through a temporary
            outcap += need + MAX_CODES;
        }
        start = pos;
        if (code == next) {
            /* KwKwK case: the string is prev + first byte of prev */
            emit_code(prefix, suffix, stack, prev, out, &pos);
            out[pos++] = out[start];
        }
        else {
            emit_code(prefix, suffix, stack, (int)code, out, &pos);
        }
        if (prev >= 0 && next < MAX_CODES) {
            prefix[next] = prev;
            suffix[next] = out[start];
            lengths[next] = lengths[prev] + 1;
            next++;
        }
        prev = (int)code;
    }
    res = PyBytes_FromStringAndSize((const char *)out, pos);
done:
    Py_DECREF(seq);
    PyMem_Free(out);
    PyObject_Free(stack); // expected-warning {{[PML002]}}
    PyMem_Free(suffix);
    PyMem_Free(prefix);
    PyMem_Free(lengths);
    return res;
}

/* Pack 12-bit codes, two codes per three bytes. */
static PyObject *
lzwtable_pack_impl(PyObject *module, PyObject *seq)
{
    uint16_t *codes;
    unsigned char *out;
    Py_ssize_t n, i, j = 0;
    PyObject *res = NULL;

    seq = PySequence_Fast(seq, "codes must be a sequence");
    if (seq == NULL) {
        return NULL;
    }
    n = PySequence_Fast_GET_SIZE(seq);
    codes = PyMem_New(uint16_t, n + 1);
    if (codes == NULL) {
        Py_DECREF(seq);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        long c = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, i));
        if (c < 0 || c >= MAX_CODES) {
            if (!PyErr_Occurred()) {
                PyErr_Format(PyExc_ValueError, "code %ld out of range", c);
            }
            goto exit;
        }
        codes[i] = (uint16_t)c;
    }
    codes[n] = 0;
    out = PyMem_RawMalloc(n + n / 2 + 2);
    if (out == NULL) {
        PyErr_NoMemory();
        goto exit;
    }
    Py_BEGIN_ALLOW_THREADS
    for (i = 0; i < n; i += 2) {
        out[j++] = (unsigned char)(codes[i] >> 4);
        out[j++] = (unsigned char)((codes[i] & 0xf) << 4 | codes[i + 1] >> 8);
        out[j++] = (unsigned char)codes[i + 1];
    }
    Py_END_ALLOW_THREADS
    res = PyBytes_FromStringAndSize((const char *)out, j);
    PyMem_RawFree(out);
exit:
    PyMem_Free(codes);
    Py_DECREF(seq);
    return res;
}

static PyObject *
lzwtable_pack(PyObject *module, PyObject *arg)
{
    return lzwtable_pack_impl(module, arg);
}

static PyObject *
lzwtable_compress(PyObject *module, PyObject *args)
{
    Py_buffer data = {NULL, NULL};
    int maxbits = 12;
    PyObject *res;
    if (!PyArg_ParseTuple(args, "y*|i:compress", &data, &maxbits)) {
        return NULL;
    }
    res = lzwtable_compress_impl(module, &data, maxbits);
    PyBuffer_Release(&data);
    return res;
}

static PyObject *
lzwtable_decompress(PyObject *module, PyObject *arg)
{
    return lzwtable_decompress_impl(module, arg);
}

static PyMethodDef lzwtable_methods[] = {
    {"compress", lzwtable_compress, METH_VARARGS, NULL},
    {"decompress", lzwtable_decompress, METH_O, NULL},
    {"pack", lzwtable_pack, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef lzwtable_module = {
    PyModuleDef_HEAD_INIT, "lzwtable", NULL, 0, lzwtable_methods,
};

PyMODINIT_FUNC
PyInit_lzwtable(void)
{
    return PyModuleDef_Init(&lzwtable_module);
}
