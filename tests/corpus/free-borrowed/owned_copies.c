/*
 * free-borrowed/owned_copies.c - PML012 negatives only: borrowed buffers
 * (str/bytes/bytearray internals, Py_buffer, module state, capsule
 * pointers, "s"/"y" out-arguments) are only read or copied, and only the
 * copies, the heap blocks hanging off the state or the capsule struct,
 * and buffers the API hands over ("es", "et#", _PyMem_Strdup) are
 * released. The capsule pointer itself is released only in the capsule's
 * destructor.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

// expected-no-diagnostics

/* ---- module state with heap blocks in it ---- */

typedef struct {
    char *prefix;
    Py_ssize_t prefix_len;
    PyObject *error;
} tagstate;

static int
tag_exec(PyObject *module)
{
    tagstate *st = PyModule_GetState(module);

    st->prefix = PyMem_Malloc(1);
    if (st->prefix == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    st->prefix[0] = '\0';
    st->prefix_len = 0;
    st->error = PyErr_NewException("owned_copies.TagError", NULL, NULL);
    if (st->error == NULL)
        return -1;
    if (PyModule_AddObjectRef(module, "TagError", st->error) < 0)
        return -1;
    return 0;
}

static int
tag_traverse(PyObject *module, visitproc visit, void *arg)
{
    tagstate *st = PyModule_GetState(module);

    Py_VISIT(st->error);
    return 0;
}

static int
tag_clear(PyObject *module)
{
    tagstate *st = PyModule_GetState(module);

    Py_CLEAR(st->error);
    return 0;
}

static void
tag_free(void *module)
{
    tagstate *st = PyModule_GetState((PyObject *)module);

    tag_clear((PyObject *)module);
    PyMem_Free(st->prefix); // no-warning: a heap block held by the state
    st->prefix = NULL;
}

/* Copies the str's UTF-8 into the state; the str keeps its own buffer. */
static PyObject *
set_prefix(PyObject *module, PyObject *text)
{
    tagstate *st = PyModule_GetState(module);
    const char *s;
    Py_ssize_t n;
    char *copy;

    s = PyUnicode_AsUTF8AndSize(text, &n);
    if (s == NULL)
        return NULL;
    copy = PyMem_Malloc(n + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, s, n + 1);
    PyMem_Free(st->prefix); // no-warning: the previous copy
    st->prefix = copy;
    st->prefix_len = n;
    Py_RETURN_NONE;
}

static PyObject *
tag(PyObject *module, PyObject *args)
{
    tagstate *st = PyModule_GetState(module);
    const char *name;
    Py_ssize_t len;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:tag", &name, &len))
        return NULL;
    if (len == 0) {
        PyErr_SetString(st->error, "empty tag");
        return NULL;
    }
    if (len > PY_SSIZE_T_MAX - st->prefix_len - 1)
        return PyErr_NoMemory();
    out = PyMem_Malloc(st->prefix_len + len + 1);
    if (out == NULL)
        return PyErr_NoMemory();
    memcpy(out, st->prefix, st->prefix_len);
    memcpy(out + st->prefix_len, name, len);
    out[st->prefix_len + len] = '\0';
    result = PyUnicode_FromStringAndSize(out, st->prefix_len + len);
    PyMem_Free(out); // no-warning: the local copy; 'name' is left alone
    return result;
}

/* ---- capsules: the pointer is released by the destructor only ---- */

#define COUNTER_NAME "owned_copies.counter"

struct counter {
    Py_ssize_t *counts;
    Py_ssize_t n;
};

static void
counter_destroy(PyObject *capsule)
{
    struct counter *c = PyCapsule_GetPointer(capsule, COUNTER_NAME);

    if (c == NULL) {
        PyErr_WriteUnraisable(capsule);
        return;
    }
    PyMem_Free(c->counts); // no-warning: a heap block held by the struct
    PyMem_Free(c); // no-warning: the capsule's own destructor
}

static PyObject *
counter_new(PyObject *module, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    struct counter *c;
    PyObject *capsule;

    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (n < 1 || n > 65536) {
        PyErr_SetString(PyExc_ValueError, "size must be in 1..65536");
        return NULL;
    }
    c = PyMem_Malloc(sizeof(struct counter));
    if (c == NULL)
        return PyErr_NoMemory();
    c->counts = PyMem_Calloc(n, sizeof(Py_ssize_t));
    if (c->counts == NULL) {
        PyMem_Free(c);
        return PyErr_NoMemory();
    }
    c->n = n;
    capsule = PyCapsule_New(c, COUNTER_NAME, counter_destroy);
    if (capsule == NULL) {
        PyMem_Free(c->counts);
        PyMem_Free(c);
        return NULL;
    }
    return capsule;
}

static PyObject *
counter_reset(PyObject *module, PyObject *capsule)
{
    struct counter *c = PyCapsule_GetPointer(capsule, COUNTER_NAME);
    Py_ssize_t *fresh;

    if (c == NULL)
        return NULL;
    fresh = PyMem_Calloc(c->n, sizeof(Py_ssize_t));
    if (fresh == NULL)
        return PyErr_NoMemory();
    PyMem_Free(c->counts); // no-warning: a heap block held by the struct
    c->counts = fresh;
    Py_RETURN_NONE;
}

static PyObject *
counter_add(PyObject *module, PyObject *args)
{
    PyObject *capsule;
    const char *data;
    Py_ssize_t len, i;
    struct counter *c;

    if (!PyArg_ParseTuple(args, "Oy#:counter_add", &capsule, &data, &len))
        return NULL;
    c = PyCapsule_GetPointer(capsule, COUNTER_NAME);
    if (c == NULL)
        return NULL;
    for (i = 0; i < len; i++)
        c->counts[(unsigned char)data[i] % c->n]++;
    Py_RETURN_NONE; // no-warning: neither 'c' nor 'data' is released
}

/* ---- Py_buffer: released with PyBuffer_Release, copied when kept ---- */

static PyObject *
buffer_upper(PyObject *module, PyObject *obj)
{
    Py_buffer view;
    char *copy;
    Py_ssize_t len, i;
    PyObject *result;

    if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    len = view.len;
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    memcpy(copy, view.buf, len);
    PyBuffer_Release(&view); // no-warning: the view goes back to its exporter
    for (i = 0; i < len; i++)
        copy[i] = Py_TOUPPER(copy[i]);
    result = PyBytes_FromStringAndSize(copy, len);
    PyMem_Free(copy); // no-warning: the copy
    return result;
}

/* ---- bytes and bytearray internals only read or resized ---- */

static PyObject *
bytes_copy_cstring(PyObject *module, PyObject *obj)
{
    char *data, *copy;
    Py_ssize_t len;
    PyObject *result;

    if (PyBytes_AsStringAndSize(obj, &data, &len) < 0)
        return NULL;
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, data, len + 1);
    result = PyUnicode_DecodeASCII(copy, len, "replace");
    PyMem_Free(copy); // no-warning: the copy
    return result;
}

static PyObject *
bytearray_append_nul(PyObject *module, PyObject *obj)
{
    Py_ssize_t n;
    char *data;

    if (!PyByteArray_Check(obj)) {
        PyErr_SetString(PyExc_TypeError, "expected bytearray");
        return NULL;
    }
    n = PyByteArray_GET_SIZE(obj);
    if (PyByteArray_Resize(obj, n + 1) < 0)
        return NULL;
    data = PyByteArray_AS_STRING(obj);
    data[n] = '\0';
    Py_RETURN_NONE; // no-warning: the bytearray keeps its buffer
}

/* ---- buffers the API hands over are the caller's to release ---- */

static PyObject *
latin1_length(PyObject *module, PyObject *args)
{
    char *buf = NULL;
    Py_ssize_t len;

    if (!PyArg_ParseTuple(args, "et#:latin1_length", "latin-1", &buf, &len))
        return NULL;
    PyMem_Free(buf); // no-warning: "et#" hands over a PyMem_Malloc buffer
    return PyLong_FromSsize_t(len);
}

static PyObject *
utf8_dup_length(PyObject *module, PyObject *text)
{
    const char *s = PyUnicode_AsUTF8(text);
    char *dup;
    size_t n;

    if (s == NULL)
        return NULL;
    dup = _PyMem_Strdup(s);
    if (dup == NULL)
        return PyErr_NoMemory();
    n = strlen(dup);
    PyMem_Free(dup); // no-warning: _PyMem_Strdup's copy, not the str's buffer
    return PyLong_FromSize_t(n);
}

static PyMethodDef owned_copies_methods[] = {
    {"set_prefix", set_prefix, METH_O, NULL},
    {"tag", tag, METH_VARARGS, NULL},
    {"counter_new", counter_new, METH_O, NULL},
    {"counter_reset", counter_reset, METH_O, NULL},
    {"counter_add", counter_add, METH_VARARGS, NULL},
    {"buffer_upper", buffer_upper, METH_O, NULL},
    {"bytes_copy_cstring", bytes_copy_cstring, METH_O, NULL},
    {"bytearray_append_nul", bytearray_append_nul, METH_O, NULL},
    {"latin1_length", latin1_length, METH_VARARGS, NULL},
    {"utf8_dup_length", utf8_dup_length, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static PyModuleDef_Slot owned_copies_slots[] = {
    {Py_mod_exec, tag_exec},
    {0, NULL}
};

static struct PyModuleDef owned_copies_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "owned_copies",
    .m_size = sizeof(tagstate),
    .m_methods = owned_copies_methods,
    .m_slots = owned_copies_slots,
    .m_traverse = tag_traverse,
    .m_clear = tag_clear,
    .m_free = tag_free,
};

PyMODINIT_FUNC
PyInit_owned_copies(void)
{
    return PyModuleDef_Init(&owned_copies_module);
}
