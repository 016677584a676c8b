/*
 * mismatched-free/wrappers.c - PML002 through allocation and release
 * wrappers defined in this file. The finding is on the release call (the
 * call of the wrapper when the wrapper releases).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ---- wrappers ---- */

static void *
xalloc(size_t n)
{
    return PyMem_Malloc(n);
}

static void
xfree(void *p)
{
    PyMem_Free(p);
}

static void *
raw_alloc(size_t n)
{
    return PyMem_RawMalloc(n);
}

static void
raw_release(void *p)
{
    PyMem_RawFree(p);
}

/* Copy 's' into a PyObject_Malloc block; sets MemoryError on failure. */
static char *
obj_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = PyObject_Malloc(n);

    if (p == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(p, s, n);
    return p;
}

struct buffer {
    char *data;
    Py_ssize_t len;
};

/* Ownership: the caller releases the result with buffer_free(). */
static struct buffer *
buffer_new(Py_ssize_t len)
{
    struct buffer *b = PyMem_Malloc(sizeof(struct buffer));

    if (b == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    b->data = PyMem_Malloc(len + 1);
    if (b->data == NULL) {
        PyMem_Free(b);
        PyErr_NoMemory();
        return NULL;
    }
    b->len = len;
    return b;
}

static void
buffer_free(struct buffer *b)
{
    if (b != NULL) {
        PyMem_Free(b->data);
        PyMem_Free(b);
    }
}

/* ---- MEM wrapper released by libc, and the reverse ---- */

static PyObject *
hexdump_line(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i;
    char *line;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:hexdump_line", &data, &len))
        return NULL;
    if (len > 16)
        len = 16;
    line = xalloc(64);
    if (line == NULL)
        return PyErr_NoMemory();
    line[0] = '\0';
    for (i = 0; i < len; i++)
        sprintf(line + strlen(line), "%02x ", data[i]);
    result = PyUnicode_FromString(line);
    free(line); // expected-warning {{[PML002]}}
    return result;
}

static PyObject *
hexdump_line_ok(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i;
    char *line;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:hexdump_line_ok", &data, &len))
        return NULL;
    if (len > 16)
        len = 16;
    line = xalloc(64);
    if (line == NULL)
        return PyErr_NoMemory();
    line[0] = '\0';
    for (i = 0; i < len; i++)
        sprintf(line + strlen(line), "%02x ", data[i]);
    result = PyUnicode_FromString(line);
    xfree(line); // no-warning: xalloc / xfree, both MEM
    return result;
}

static PyObject *
hexdump_line_direct(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i;
    char *line;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:hexdump_line_direct", &data, &len))
        return NULL;
    if (len > 16)
        len = 16;
    line = xalloc(64);
    if (line == NULL)
        return PyErr_NoMemory();
    line[0] = '\0';
    for (i = 0; i < len; i++)
        sprintf(line + strlen(line), "%02x ", data[i]);
    result = PyUnicode_FromString(line);
    PyMem_Free(line); // no-warning: xalloc wraps PyMem_Malloc
    return result;
}

static PyObject *
quote(PyObject *self, PyObject *args)
{
    const char *text;
    size_t n;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s:quote", &text))
        return NULL;
    n = strlen(text);
    out = malloc(n + 3);
    if (out == NULL)
        return PyErr_NoMemory();
    out[0] = '"';
    memcpy(out + 1, text, n);
    out[n + 1] = '"';
    out[n + 2] = '\0';
    result = PyUnicode_FromString(out);
    xfree(out); // expected-warning {{[PML002]}}
    return result;
}

static PyObject *
quote_ok(PyObject *self, PyObject *args)
{
    const char *text;
    size_t n;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s:quote_ok", &text))
        return NULL;
    n = strlen(text);
    out = xalloc(n + 3);
    if (out == NULL)
        return PyErr_NoMemory();
    out[0] = '"';
    memcpy(out + 1, text, n);
    out[n + 1] = '"';
    out[n + 2] = '\0';
    result = PyUnicode_FromString(out);
    xfree(out); // no-warning: MEM / MEM through both wrappers
    return result;
}

/* ---- RAW wrappers ---- */

static PyObject *
raw_reverse(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:raw_reverse", &data, &len))
        return NULL;
    buf = raw_alloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        buf[i] = data[len - 1 - i];
    result = PyBytes_FromStringAndSize(buf, len);
    PyMem_Free(buf); // expected-warning {{[PML002]}}
    return result;
}

static PyObject *
raw_reverse_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:raw_reverse_ok", &data, &len))
        return NULL;
    buf = raw_alloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        buf[i] = data[len - 1 - i];
    result = PyBytes_FromStringAndSize(buf, len);
    raw_release(buf); // no-warning: RAW / RAW
    return result;
}

static PyObject *
mem_to_raw(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:mem_to_raw", &data, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    buf[len] = '\0';
    result = PyBytes_FromString(buf);
    raw_release(buf); // expected-warning {{[PML002]}}
    return result;
}

/* ---- OBJ wrapper ---- */

static PyObject *
label_length(PyObject *self, PyObject *args)
{
    const char *label;
    char *copy;
    Py_ssize_t n;

    if (!PyArg_ParseTuple(args, "s:label_length", &label))
        return NULL;
    copy = obj_strdup(label);
    if (copy == NULL)
        return NULL;
    n = (Py_ssize_t)strlen(copy);
    xfree(copy); // expected-warning {{[PML002]}}
    return PyLong_FromSsize_t(n);
}

static PyObject *
label_length_ok(PyObject *self, PyObject *args)
{
    const char *label;
    char *copy;
    Py_ssize_t n;

    if (!PyArg_ParseTuple(args, "s:label_length_ok", &label))
        return NULL;
    copy = obj_strdup(label);
    if (copy == NULL)
        return NULL;
    n = (Py_ssize_t)strlen(copy);
    PyObject_Free(copy); // no-warning: obj_strdup returns an OBJ block
    return PyLong_FromSsize_t(n);
}

/* ---- a struct with its own constructor and destructor ---- */

static PyObject *
buffer_roundtrip(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    struct buffer *b;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:buffer_roundtrip", &data, &len))
        return NULL;
    b = buffer_new(len);
    if (b == NULL)
        return NULL;
    memcpy(b->data, data, len);
    result = PyBytes_FromStringAndSize(b->data, b->len);
    buffer_free(b); // no-warning: buffer_new / buffer_free, both MEM
    return result;
}

static PyObject *
buffer_from_obj(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    struct buffer *b;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:buffer_from_obj", &data, &len))
        return NULL;
    b = PyObject_Malloc(sizeof(struct buffer));
    if (b == NULL)
        return PyErr_NoMemory();
    b->data = PyMem_Malloc(len + 1);
    if (b->data == NULL) {
        PyObject_Free(b);
        return PyErr_NoMemory();
    }
    b->len = len;
    memcpy(b->data, data, len);
    result = PyBytes_FromStringAndSize(b->data, b->len);
    buffer_free(b); // expected-warning {{[PML002]}}
    return result;
}

static PyMethodDef wrappers_methods[] = {
    {"hexdump_line", hexdump_line, METH_VARARGS, NULL},
    {"hexdump_line_ok", hexdump_line_ok, METH_VARARGS, NULL},
    {"hexdump_line_direct", hexdump_line_direct, METH_VARARGS, NULL},
    {"quote", quote, METH_VARARGS, NULL},
    {"quote_ok", quote_ok, METH_VARARGS, NULL},
    {"raw_reverse", raw_reverse, METH_VARARGS, NULL},
    {"raw_reverse_ok", raw_reverse_ok, METH_VARARGS, NULL},
    {"mem_to_raw", mem_to_raw, METH_VARARGS, NULL},
    {"label_length", label_length, METH_VARARGS, NULL},
    {"label_length_ok", label_length_ok, METH_VARARGS, NULL},
    {"buffer_roundtrip", buffer_roundtrip, METH_VARARGS, NULL},
    {"buffer_from_obj", buffer_from_obj, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef wrappers_module = {
    PyModuleDef_HEAD_INIT, "wrappers", NULL, -1, wrappers_methods,
};

PyMODINIT_FUNC
PyInit_wrappers(void)
{
    return PyModule_Create(&wrappers_module);
}
