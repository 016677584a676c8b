/*
 * use-after-free/calls.c - PML004 when a released block is passed to a
 * function: CPython API, libc, a helper of this file, an external function,
 * or released through a wrapper first. Calls made before the release, or
 * after the variable got a new value, stay silent.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Defined elsewhere in the extension: logs a state snapshot (borrows it). */
extern void trace_state(const void *state, Py_ssize_t size);

static void
xfree(void *p)
{
    PyMem_Free(p);
}

struct record {
    Py_ssize_t size;
    char name[32];
};

static void
record_destroy(struct record *r)
{
    PyMem_Free(r);
}

static unsigned int
sum_bytes(const unsigned char *p, Py_ssize_t n)
{
    unsigned int s = 0;
    Py_ssize_t i;

    for (i = 0; i < n; i++)
        s += p[i];
    return s;
}

/* ---- libc after a wrapper release ---- */

static PyObject *
trimmed_length(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len;
    char *buf;
    size_t n;

    if (!PyArg_ParseTuple(args, "s#:trimmed_length", &text, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, text, len);
    buf[len] = '\0';
    while (len > 0 && buf[len - 1] == ' ')
        buf[--len] = '\0';
    xfree(buf);
    n = strlen(buf); // expected-warning {{[PML004]}}
    return PyLong_FromSize_t(n);
}

static PyObject *
trimmed_length_ok(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len;
    char *buf;
    size_t n;

    if (!PyArg_ParseTuple(args, "s#:trimmed_length_ok", &text, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, text, len);
    buf[len] = '\0';
    while (len > 0 && buf[len - 1] == ' ')
        buf[--len] = '\0';
    n = strlen(buf); // no-warning: measured before the release
    xfree(buf);
    return PyLong_FromSize_t(n);
}

/* ---- external function ---- */

static PyObject *
snapshot(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *state;

    if (!PyArg_ParseTuple(args, "y#:snapshot", &data, &len))
        return NULL;
    state = PyMem_Malloc(len + 1);
    if (state == NULL)
        return PyErr_NoMemory();
    memcpy(state, data, len);
    PyMem_Free(state);
    trace_state(state, len); // expected-warning {{[PML004]}}
    Py_RETURN_NONE;
}

static PyObject *
snapshot_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *state;

    if (!PyArg_ParseTuple(args, "y#:snapshot_ok", &data, &len))
        return NULL;
    state = PyMem_Malloc(len + 1);
    if (state == NULL)
        return PyErr_NoMemory();
    memcpy(state, data, len);
    PyMem_Free(state);
    state = NULL;
    trace_state(state, 0); // no-warning: state is NULL now, not a released block
    Py_RETURN_NONE;
}

/* ---- helper of this file ---- */

static PyObject *
bytes_sum(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    unsigned char *copy;
    unsigned int s;

    if (!PyArg_ParseTuple(args, "y#:bytes_sum", &data, &len))
        return NULL;
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, data, len);
    PyMem_Free(copy);
    s = sum_bytes(copy, len); // expected-warning {{[PML004]}}
    return PyLong_FromUnsignedLong(s);
}

static PyObject *
bytes_sum_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    unsigned char *copy;
    unsigned int s;

    if (!PyArg_ParseTuple(args, "y#:bytes_sum_ok", &data, &len))
        return NULL;
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, data, len);
    s = sum_bytes(copy, len); // no-warning: before the release
    PyMem_Free(copy);
    return PyLong_FromUnsignedLong(s);
}

/* ---- CPython API after libc, OBJ and RAW releases ---- */

static PyObject *
greet(PyObject *self, PyObject *args)
{
    const char *name;
    char *msg;
    size_t n;

    if (!PyArg_ParseTuple(args, "s:greet", &name))
        return NULL;
    n = strlen(name);
    msg = malloc(n + 8);
    if (msg == NULL)
        return PyErr_NoMemory();
    memcpy(msg, "hello, ", 7);
    memcpy(msg + 7, name, n + 1);
    free(msg);
    return Py_BuildValue("s", msg); // expected-warning {{[PML004]}}
}

static PyObject *
greet_ok(PyObject *self, PyObject *args)
{
    const char *name;
    char *msg;
    size_t n;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s:greet_ok", &name))
        return NULL;
    n = strlen(name);
    msg = malloc(n + 8);
    if (msg == NULL)
        return PyErr_NoMemory();
    memcpy(msg, "hello, ", 7);
    memcpy(msg + 7, name, n + 1);
    result = Py_BuildValue("s", msg); // no-warning: built before the release
    free(msg);
    return result;
}

static PyObject *
parse_hex(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, n = 0;
    char *digits;

    if (!PyArg_ParseTuple(args, "s#:parse_hex", &text, &len))
        return NULL;
    digits = PyObject_Malloc(len + 1);
    if (digits == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (text[i] != '_')
            digits[n++] = text[i];
    }
    digits[n] = '\0';
    PyObject_Free(digits);
    return PyLong_FromString(digits, NULL, 16); // expected-warning {{[PML004]}}
}

static PyObject *
parse_hex_ok(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, n = 0;
    char *digits;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:parse_hex_ok", &text, &len))
        return NULL;
    digits = PyObject_Malloc(len + 1);
    if (digits == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (text[i] != '_')
            digits[n++] = text[i];
    }
    digits[n] = '\0';
    result = PyLong_FromString(digits, NULL, 16); // no-warning: parsed before the release
    PyObject_Free(digits);
    return result;
}

static PyObject *
decode_latin(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i;
    char *utf8;
    Py_ssize_t n = 0;

    if (!PyArg_ParseTuple(args, "y#:decode_latin", &data, &len))
        return NULL;
    if (len > PY_SSIZE_T_MAX / 2 - 1)
        return PyErr_NoMemory();
    utf8 = PyMem_RawMalloc(len + len + 1);
    if (utf8 == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (data[i] < 0x80) {
            utf8[n++] = (char)data[i];
        }
        else {
            utf8[n++] = (char)(0xc0 | (data[i] >> 6));
            utf8[n++] = (char)(0x80 | (data[i] & 0x3f));
        }
    }
    PyMem_RawFree(utf8);
    return PyUnicode_DecodeUTF8(utf8, n, "strict"); // expected-warning {{[PML004]}}
}

/* ---- struct released by its destructor ---- */

static PyObject *
record_len(PyObject *self, PyObject *args)
{
    const char *name;
    Py_ssize_t size;
    struct record *r;

    if (!PyArg_ParseTuple(args, "sn:record_len", &name, &size))
        return NULL;
    r = PyMem_Malloc(sizeof(struct record));
    if (r == NULL)
        return PyErr_NoMemory();
    r->size = size;
    strncpy(r->name, name, sizeof(r->name) - 1);
    r->name[sizeof(r->name) - 1] = '\0';
    record_destroy(r);
    return PyLong_FromSsize_t(r->size + (Py_ssize_t)strlen(r->name)); // expected-warning {{[PML004]}}
}

static PyObject *
record_len_ok(PyObject *self, PyObject *args)
{
    const char *name;
    Py_ssize_t size;
    struct record *r;

    if (!PyArg_ParseTuple(args, "sn:record_len_ok", &name, &size))
        return NULL;
    r = PyMem_Malloc(sizeof(struct record));
    if (r == NULL)
        return PyErr_NoMemory();
    r->size = size;
    strncpy(r->name, name, sizeof(r->name) - 1);
    r->name[sizeof(r->name) - 1] = '\0';
    size = r->size + (Py_ssize_t)strlen(r->name); // no-warning: read before the destructor
    record_destroy(r);
    return PyLong_FromSsize_t(size);
}

static PyMethodDef calls_methods[] = {
    {"trimmed_length", trimmed_length, METH_VARARGS, NULL},
    {"trimmed_length_ok", trimmed_length_ok, METH_VARARGS, NULL},
    {"snapshot", snapshot, METH_VARARGS, NULL},
    {"snapshot_ok", snapshot_ok, METH_VARARGS, NULL},
    {"bytes_sum", bytes_sum, METH_VARARGS, NULL},
    {"bytes_sum_ok", bytes_sum_ok, METH_VARARGS, NULL},
    {"greet", greet, METH_VARARGS, NULL},
    {"greet_ok", greet_ok, METH_VARARGS, NULL},
    {"parse_hex", parse_hex, METH_VARARGS, NULL},
    {"parse_hex_ok", parse_hex_ok, METH_VARARGS, NULL},
    {"decode_latin", decode_latin, METH_VARARGS, NULL},
    {"record_len", record_len, METH_VARARGS, NULL},
    {"record_len_ok", record_len_ok, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef calls_module = {
    PyModuleDef_HEAD_INIT, "calls", NULL, -1, calls_methods,
};

PyMODINIT_FUNC
PyInit_calls(void)
{
    return PyModule_Create(&calls_module);
}
