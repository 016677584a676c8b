/*
 * clean/rawwork.c - a module that works on byte buffers without the GIL:
 * PyMem_RawMalloc inside Py_BEGIN_ALLOW_THREADS, RAW blocks in capsules,
 * out-parameters and module-level statics. Everything here is correct.
 */
// expected-no-diagnostics
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>

#define BLOB_NAME "rawwork.blob"

static Py_ssize_t *byte_table;   /* PyMem_Calloc'd at import, 256 entries */
static char *last_name;          /* PyMem copy of the last name set */

struct blob {
    size_t size;
    unsigned char data[];
};

/* ---- work done without the GIL ---- */

static PyObject *
sort_bytes(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *work = NULL;
    size_t counts[256];
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:sort_bytes", &data, &len))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    work = PyMem_RawMalloc(len + 1);
    if (work != NULL) {
        Py_ssize_t i, pos = 0;
        int b;

        memset(counts, 0, sizeof(counts));
        for (i = 0; i < len; i++)
            counts[(unsigned char)data[i]]++;
        for (b = 0; b < 256; b++) {
            size_t k;
            for (k = 0; k < counts[b]; k++)
                work[pos++] = (char)b;
        }
    }
    Py_END_ALLOW_THREADS
    if (work == NULL)
        return PyErr_NoMemory();
    result = PyBytes_FromStringAndSize(work, len);
    PyMem_RawFree(work);
    return result;
}

static PyObject *
checksum(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len;
    unsigned long sum = 0;
    int ok = 1;

    if (!PyArg_ParseTuple(args, "y#:checksum", &data, &len))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    unsigned char *scratch = PyMem_RawMalloc(4096);
    if (scratch == NULL) {
        ok = 0;
    }
    else {
        Py_ssize_t off = 0;
        while (off < len) {
            Py_ssize_t i, n = len - off < 4096 ? len - off : 4096;
            memcpy(scratch, data + off, n);
            for (i = 0; i < n; i++)
                sum = (sum << 1 | sum >> 31) ^ scratch[i];
            off += n;
        }
        PyMem_RawFree(scratch);
    }
    Py_END_ALLOW_THREADS
    if (!ok)
        return PyErr_NoMemory();
    return PyLong_FromUnsignedLong(sum & 0xffffffffUL);
}

/* ---- escaping, with a fall-through switch ---- */

static PyObject *
escape(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i, n = 0;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:escape", &data, &len))
        return NULL;
    if (len > PY_SSIZE_T_MAX / 2 - 1)
        return PyErr_NoMemory();
    out = PyMem_RawMalloc(len + len + 1);
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        char c = data[i];

        switch (c) {
        case '\n':
            out[n++] = '\\';
            out[n++] = 'n';
            break;
        case '\t':
            out[n++] = '\\';
            out[n++] = 't';
            break;
        case '"':
        case '\\':
            out[n++] = '\\';
            /* fall through */
        default:
            out[n++] = c;
            break;
        }
    }
    result = PyUnicode_FromStringAndSize(out, n);
    PyMem_RawFree(out);
    return result;
}

/* ---- capsule holding a RAW block ---- */

static void
blob_destructor(PyObject *capsule)
{
    PyMem_RawFree(PyCapsule_GetPointer(capsule, BLOB_NAME));
}

static PyObject *
blob_new(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    struct blob *blob;
    PyObject *cap;

    if (!PyArg_ParseTuple(args, "y#:blob_new", &data, &len))
        return NULL;
    blob = PyMem_RawMalloc(offsetof(struct blob, data) + len + 1);
    if (NULL == blob)
        return PyErr_NoMemory();
    blob->size = (size_t)len;
    memcpy(blob->data, data, len);
    cap = PyCapsule_New(blob, BLOB_NAME, blob_destructor);
    if (cap == NULL) {
        PyMem_RawFree(blob);
        return NULL;
    }
    return cap;
}

static PyObject *
blob_size(PyObject *self, PyObject *cap)
{
    struct blob *b = PyCapsule_GetPointer(cap, BLOB_NAME);

    if (b == NULL)
        return NULL;
    return PyLong_FromSize_t(b->size);
}

/* ---- out-parameter ---- */

/* On success *out owns a RAW block of *outlen bytes (PyMem_RawFree);
   on failure *out is NULL. */
static int
encode_varint(unsigned long long v, unsigned char **out, Py_ssize_t *outlen)
{
    unsigned char *buf = PyMem_RawMalloc(10);
    Py_ssize_t n = 0;

    *out = NULL;
    *outlen = 0;
    if (buf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    do {
        unsigned char byte = v & 0x7f;
        v >>= 7;
        if (v)
            byte |= 0x80;
        buf[n++] = byte;
    } while (v);
    *out = buf;
    *outlen = n;
    return 0;
}

static PyObject *
varint(PyObject *self, PyObject *arg)
{
    unsigned long long v = PyLong_AsUnsignedLongLong(arg);
    unsigned char *buf;
    Py_ssize_t n;
    PyObject *result;

    if (v == (unsigned long long)-1 && PyErr_Occurred())
        return NULL;
    if (encode_varint(v, &buf, &n) < 0)
        return NULL;
    result = PyBytes_FromStringAndSize((char *)buf, n);
    PyMem_RawFree(buf);
    return result;
}

/* ---- module statics ---- */

static PyObject *
set_name(PyObject *self, PyObject *args)
{
    const char *name;
    Py_ssize_t len;
    char *copy;

    if (!PyArg_ParseTuple(args, "s#:set_name", &name, &len))
        return NULL;
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, name, len + 1);
    PyMem_Free(last_name);
    last_name = copy;
    Py_RETURN_NONE;
}

static PyObject *
tally(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i;

    if (!PyArg_ParseTuple(args, "y#:tally", &data, &len))
        return NULL;
    for (i = 0; i < len; i++)
        byte_table[data[i]]++;
    return PyLong_FromSsize_t(byte_table[len ? data[0] : 0]);
}

static PyMethodDef rawwork_methods[] = {
    {"sort_bytes", sort_bytes, METH_VARARGS, NULL},
    {"checksum", checksum, METH_VARARGS, NULL},
    {"escape", escape, METH_VARARGS, NULL},
    {"blob_new", blob_new, METH_VARARGS, NULL},
    {"blob_size", blob_size, METH_O, NULL},
    {"varint", varint, METH_O, NULL},
    {"set_name", set_name, METH_VARARGS, NULL},
    {"tally", tally, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static void
rawwork_free(void *module)
{
    PyMem_Free(byte_table);
    byte_table = NULL;
    PyMem_Free(last_name);
    last_name = NULL;
}

static struct PyModuleDef rawwork_module = {
    PyModuleDef_HEAD_INIT, "rawwork", NULL, -1, rawwork_methods,
    NULL, NULL, NULL, rawwork_free,
};

PyMODINIT_FUNC
PyInit_rawwork(void)
{
    PyObject *m;

    byte_table = PyMem_Calloc(256, sizeof(Py_ssize_t));
    if (byte_table == NULL)
        return PyErr_NoMemory();
    m = PyModule_Create(&rawwork_module);
    if (m == NULL) {
        PyMem_Free(byte_table);
        byte_table = NULL;
        return NULL;
    }
    return m;
}
