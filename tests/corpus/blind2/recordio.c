/* recordio.c - length-prefixed key/payload records:
 *   [u16 key length][u32 payload length][u8 checksum][key][payload] */
#define PY_SSIZE_T_CLEAN
#include "Python.h"
#include <stdint.h>
#include <string.h>

#define HEADER_SIZE 7
#define MAX_PAYLOAD (16 * 1024 * 1024)

typedef struct {
    char *key;
    char *payload;
    Py_ssize_t klen;
    Py_ssize_t plen;
} record_t;

static uint8_t
checksum(const char *p, Py_ssize_t n)
{
    uint8_t c = 0;
    while (n-- > 0) {
        c = (uint8_t)((c << 1 | c >> 7) ^ (uint8_t)*p++);
    }
    return c;
}

static int
read_header(const unsigned char *b, Py_ssize_t len, Py_ssize_t *klen,
            Py_ssize_t *plen, uint8_t *sum)
{
    if (len < HEADER_SIZE) {
        PyErr_SetString(PyExc_ValueError, "truncated record header");
        return -1;
    }
    *klen = (Py_ssize_t)b[0] << 8 | b[1];
    *plen = (Py_ssize_t)b[2] << 24 | (Py_ssize_t)b[3] << 16 | b[4] << 8 | b[5];
    *sum = b[6];
    if (HEADER_SIZE + *klen + *plen > len) {
        PyErr_SetString(PyExc_ValueError, "truncated record body");
        return -1;
    }
    return 0;
}

/* Fill *rec with new copies of the key and payload. */
static int
record_parse(const char *buf, Py_ssize_t len, record_t *rec)
{
    uint8_t sum;

    if (read_header((const unsigned char *)buf, len, &rec->klen, &rec->plen, &sum) < 0) {
        return -1;
    }
    rec->key = PyMem_Malloc(rec->klen + 1);
    if (rec->key == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    rec->payload = PyMem_Malloc(rec->plen + 1);
    if (rec->payload == NULL) {
        PyMem_Free(rec->key);
        rec->key = NULL;
        PyErr_NoMemory();
        return -1;
    }
    memcpy(rec->key, buf + HEADER_SIZE, rec->klen);
    rec->key[rec->klen] = '\0';
    memcpy(rec->payload, buf + HEADER_SIZE + rec->klen, rec->plen);
    rec->payload[rec->plen] = '\0';
    return 0;
}

static void
record_release(record_t *rec)
{
    PyMem_Free(rec->key);
    PyMem_Free(rec->payload);
    rec->key = rec->payload = NULL;
}

static PyObject *
recordio_decode_impl(PyObject *module, Py_buffer *data)
{
    const unsigned char *b = data->buf;
    Py_ssize_t klen, plen;
    uint8_t sum;
    char *key = NULL, *payload = NULL;
    PyObject *res = NULL;

    if (read_header(b, data->len, &klen, &plen, &sum) < 0) {
        goto exit;
    }
    key = PyMem_Malloc(klen + 1); // expected-warning {{[PML005]}}
    if (key == NULL) {
        PyErr_NoMemory();
        goto exit;
    }
    memcpy(key, b + HEADER_SIZE, klen);
    key[klen] = '\0';
    if (plen > MAX_PAYLOAD) {
        PyErr_Format(PyExc_ValueError, "payload of %zd bytes is too large", plen);
        goto exit;
    }
    payload = PyMem_Malloc(plen + 1);
    if (payload == NULL) {
        PyErr_NoMemory();
        goto free_key;
    }
    memcpy(payload, b + HEADER_SIZE + klen, plen);
    if (checksum(payload, plen) != sum) {
        PyErr_SetString(PyExc_ValueError, "bad record checksum");
        goto done;
    }
    res = Py_BuildValue("(y#y#)", key, klen, payload, plen);
done:
    PyMem_Free(payload);
free_key:
    PyMem_Free(key);
exit:
    return res;
}

static PyObject *
recordio_encode_impl(PyObject *module, Py_buffer *key, Py_buffer *payload)
{
    Py_ssize_t total;
    unsigned char *buf;
    PyObject *res;

    if (key->len > 0xffff || payload->len > MAX_PAYLOAD) {
        PyErr_SetString(PyExc_ValueError, "key or payload too large");
        return NULL;
    }
    total = HEADER_SIZE + key->len + payload->len;
    buf = PyMem_Malloc(total);
    if (buf == NULL) {
        return PyErr_NoMemory();
    }
    buf[0] = (unsigned char)(key->len >> 8);
    buf[1] = (unsigned char)key->len;
    buf[2] = (unsigned char)(payload->len >> 24);
    buf[3] = (unsigned char)(payload->len >> 16);
    buf[4] = (unsigned char)(payload->len >> 8);
    buf[5] = (unsigned char)payload->len;
    buf[6] = checksum(payload->buf, payload->len);
    memcpy(buf + HEADER_SIZE, key->buf, key->len);
    memcpy(buf + HEADER_SIZE + key->len, payload->buf, payload->len);
    if (memchr(key->buf, '\0', key->len) != NULL) {
        PyErr_SetString(PyExc_ValueError, "embedded NUL in key");
        goto error;
    }
    res = PyBytes_FromStringAndSize((const char *)buf, total);
    PyMem_Free(buf);
    if (res == NULL) {
        goto error;
    }
    return res;

error:
    PyMem_Free(buf); // expected-warning {{[PML003]}}
    return NULL;
}

static PyObject *
recordio_payload_text_impl(PyObject *module, Py_buffer *data)
{
    record_t rec = {NULL, NULL, 0, 0};
    PyObject *res;

    if (record_parse(data->buf, data->len, &rec) < 0) {
        return NULL;
    }
    res = PyUnicode_DecodeUTF8(rec.payload, rec.plen, "replace");
    record_release(&rec); // no-warning: both fields released once
    return res;
}

static PyObject *
recordio_key_of_impl(PyObject *module, Py_buffer *data)
{
    const unsigned char *b = data->buf;
    Py_ssize_t klen, plen;
    uint8_t sum;
    char *key;
    PyObject *res;

    if (read_header(b, data->len, &klen, &plen, &sum) < 0) {
        return NULL;
    }
    key = PyMem_Malloc(klen + 1); // expected-warning {{[PML006]}}
    if (key == NULL) {
        return PyErr_NoMemory();
    }
    memcpy(key, b + HEADER_SIZE, klen);
    key[klen] = '\0';
    if (klen == 0 || key[0] == '\0') {
        Py_RETURN_NONE;
    }
    res = PyUnicode_DecodeUTF8(key, klen, "surrogateescape");
    PyMem_Free(key);
    return res;
}

/* Walk a buffer of concatenated records and return their keys. */
static PyObject *
recordio_keys_impl(PyObject *module, Py_buffer *data)
{
    const unsigned char *b = data->buf;
    Py_ssize_t off = 0, klen, plen;
    uint8_t sum;
    PyObject *keys = PyList_New(0);

    if (keys == NULL) {
        return NULL;
    }
    while (off < data->len) {
        PyObject *k;
        char *key;
        int rc;

        if (read_header(b + off, data->len - off, &klen, &plen, &sum) < 0) {
            goto error;
        }
        key = PyMem_RawMalloc(klen + 1);
        if (key == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        memcpy(key, b + off + HEADER_SIZE, klen);
        key[klen] = '\0';
        k = PyUnicode_DecodeUTF8(key, klen, "surrogateescape");
        PyMem_DEL(key); // expected-warning {{[PML002]}}
        if (k == NULL) {
            goto error;
        }
        rc = PyList_Append(keys, k);
        Py_DECREF(k);
        if (rc < 0) {
            goto error;
        }
        off += HEADER_SIZE + klen + plen;
    }
    return keys;

error:
    Py_DECREF(keys);
    return NULL;
}

#define RECORDIO_WRAPPER(name)                                          \
    static PyObject *                                                   \
    recordio_##name(PyObject *module, PyObject *arg)                    \
    {                                                                   \
        Py_buffer view = {NULL, NULL};                                  \
        PyObject *res;                                                  \
        if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)           \
            return NULL;                                                \
        res = recordio_##name##_impl(module, &view);                    \
        PyBuffer_Release(&view);                                        \
        return res;                                                     \
    }

RECORDIO_WRAPPER(decode)
RECORDIO_WRAPPER(payload_text)
RECORDIO_WRAPPER(key_of)
RECORDIO_WRAPPER(keys)

static PyObject *
recordio_encode(PyObject *module, PyObject *args)
{
    Py_buffer key = {NULL, NULL}, payload = {NULL, NULL};
    PyObject *res;
    if (!PyArg_ParseTuple(args, "y*y*:encode", &key, &payload)) {
        return NULL;
    }
    res = recordio_encode_impl(module, &key, &payload);
    PyBuffer_Release(&key);
    PyBuffer_Release(&payload);
    return res;
}

static PyMethodDef recordio_methods[] = {
    {"decode", recordio_decode, METH_O, NULL},
    {"encode", recordio_encode, METH_VARARGS, NULL},
    {"payload_text", recordio_payload_text, METH_O, NULL},
    {"key_of", recordio_key_of, METH_O, NULL},
    {"keys", recordio_keys, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef recordio_module = {
    PyModuleDef_HEAD_INIT, "recordio", NULL, 0, recordio_methods,
};

PyMODINIT_FUNC
PyInit_recordio(void)
{
    return PyModuleDef_Init(&recordio_module);
}
