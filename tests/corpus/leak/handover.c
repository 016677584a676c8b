/*
 * leak/handover.c - PML006 stays silent when the block is handed over:
 * stored in an object field, a static, an out-parameter or a capsule,
 * returned, passed to a helper of this file that keeps or releases it, or
 * passed to an external function. It also stays silent when allocation and
 * release are under the same flag. A helper that only reads the block
 * takes nothing over.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Defined in another file of the extension: takes ownership of 'blk'. */
extern void pool_put(void *blk);

static char *default_sep;

struct frame {
    char *payload;
    Py_ssize_t size;
};

/* ---- helpers ---- */

/* Takes ownership of 'payload'. */
static void
frame_attach(struct frame *f, char *payload, Py_ssize_t size)
{
    f->payload = payload;
    f->size = size;
}

/* Takes ownership of 'buf' and releases it. */
static void
buf_release(char *buf)
{
    PyMem_Free(buf);
}

/* Borrows 'buf'. */
static Py_ssize_t
count_spaces(const char *buf, Py_ssize_t len)
{
    Py_ssize_t i, n = 0;

    for (i = 0; i < len; i++)
        n += buf[i] == ' ';
    return n;
}

/* Ownership: the caller releases the result with PyMem_Free(). */
static char *
dup_upper(const char *s, Py_ssize_t len)
{
    Py_ssize_t i;
    char *out = PyMem_Malloc(len + 1); // no-warning: returned to the caller

    if (out == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (i = 0; i < len; i++)
        out[i] = Py_TOUPPER(s[i]);
    out[len] = '\0';
    return out;
}

/* Ownership: on success *out owns a block (release with PyMem_Free()),
   on failure *out is NULL. */
static int
dup_lower(const char *s, Py_ssize_t len, char **out)
{
    Py_ssize_t i;
    char *buf = PyMem_Malloc(len + 1); // no-warning: stored through the out-parameter

    *out = NULL;
    if (buf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (i = 0; i < len; i++)
        buf[i] = Py_TOLOWER(s[i]);
    buf[len] = '\0';
    *out = buf;
    return 0;
}

/* Ownership: the caller releases the result and its payload. */
static struct frame *
frame_new(const char *data, Py_ssize_t len)
{
    struct frame *f = PyMem_Malloc(sizeof(struct frame)); // no-warning: returned to the caller
    char *payload;

    if (f == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    payload = PyMem_Malloc(len + 1); // no-warning: stored in the returned frame
    if (payload == NULL) {
        PyMem_Free(f);
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(payload, data, len);
    f->payload = payload;
    f->size = len;
    return f;
}

/* ---- object field ---- */

typedef struct {
    PyObject_HEAD
    char *label;
} TagObject;

static PyObject *
Tag_set(TagObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len;
    char *label;

    if (!PyArg_ParseTuple(args, "s#:set", &text, &len))
        return NULL;
    label = PyMem_Malloc(len + 1); // no-warning: owned by self
    if (label == NULL)
        return PyErr_NoMemory();
    memcpy(label, text, len + 1);
    PyMem_Free(self->label);
    self->label = label;
    Py_RETURN_NONE;
}

static void
Tag_dealloc(TagObject *self)
{
    PyMem_Free(self->label);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef Tag_methods[] = {
    {"set", (PyCFunction)Tag_set, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject TagType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "handover.Tag",
    .tp_basicsize = sizeof(TagObject),
    .tp_dealloc = (destructor)Tag_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Tag_methods,
    .tp_new = PyType_GenericNew,
};

/* ---- static ---- */

static PyObject *
set_separator(PyObject *self, PyObject *args)
{
    const char *sep;
    Py_ssize_t len;
    char *copy;

    if (!PyArg_ParseTuple(args, "s#:set_separator", &sep, &len))
        return NULL;
    copy = PyMem_Malloc(len + 1); // no-warning: kept in a static
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, sep, len + 1);
    PyMem_Free(default_sep);
    default_sep = copy;
    Py_RETURN_NONE;
}

/* ---- capsule ---- */

static void
frame_capsule_destructor(PyObject *capsule)
{
    struct frame *f = PyCapsule_GetPointer(capsule, "handover.frame");

    if (f != NULL) {
        PyMem_Free(f->payload);
        PyMem_Free(f);
    }
}

static PyObject *
frame_capsule(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    struct frame *f;
    PyObject *cap;

    if (!PyArg_ParseTuple(args, "y#:frame_capsule", &data, &len))
        return NULL;
    f = frame_new(data, len);
    if (f == NULL)
        return NULL;
    cap = PyCapsule_New(f, "handover.frame", frame_capsule_destructor); // no-warning: the capsule owns f
    if (cap == NULL) {
        PyMem_Free(f->payload);
        PyMem_Free(f);
        return NULL;
    }
    return cap;
}

/* ---- helpers of this file ---- */

static PyObject *
frame_size(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *payload;
    struct frame *f;
    Py_ssize_t size;

    if (!PyArg_ParseTuple(args, "y#:frame_size", &data, &len))
        return NULL;
    f = PyMem_Malloc(sizeof(struct frame));
    if (f == NULL)
        return PyErr_NoMemory();
    payload = PyMem_Malloc(len + 1); // no-warning: frame_attach keeps it in f
    if (payload == NULL) {
        PyMem_Free(f);
        return PyErr_NoMemory();
    }
    memcpy(payload, data, len);
    frame_attach(f, payload, len);
    size = f->size;
    PyMem_Free(f->payload);
    PyMem_Free(f);
    return PyLong_FromSsize_t(size);
}

static PyObject *
spaces(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, n;
    char *buf;

    if (!PyArg_ParseTuple(args, "s#:spaces", &data, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1); // no-warning: buf_release releases it
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    n = count_spaces(buf, len);
    buf_release(buf);
    return PyLong_FromSsize_t(n);
}

static PyObject *
spaces_leaky(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, n;
    char *buf;

    if (!PyArg_ParseTuple(args, "s#:spaces_leaky", &data, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1); // expected-warning {{[PML006]}}
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    n = count_spaces(buf, len);
    return PyLong_FromSsize_t(n);
}

static PyObject *
upper_lower(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *up, *low = NULL;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:upper_lower", &data, &len))
        return NULL;
    up = dup_upper(data, len); // no-warning: released below
    if (up == NULL)
        return NULL;
    if (dup_lower(data, len, &low) < 0) {
        PyMem_Free(up);
        return NULL;
    }
    result = Py_BuildValue("(ss)", up, low);
    PyMem_Free(up);
    PyMem_Free(low);
    return result;
}

static PyObject *
upper_only(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *up;

    if (!PyArg_ParseTuple(args, "s#:upper_only", &data, &len))
        return NULL;
    up = dup_upper(data, len); // expected-warning {{[PML006]}}
    if (up == NULL)
        return NULL;
    return PyUnicode_FromString(up);
}

/* ---- external function ---- */

static PyObject *
recycle(PyObject *self, PyObject *args)
{
    Py_ssize_t n;
    void *blk;

    if (!PyArg_ParseTuple(args, "n:recycle", &n))
        return NULL;
    if (n < 1 || n > 4096) {
        PyErr_SetString(PyExc_ValueError, "size out of range");
        return NULL;
    }
    blk = PyMem_Malloc(n); // no-warning: pool_put takes it
    if (blk == NULL)
        return PyErr_NoMemory();
    memset(blk, 0, n);
    pool_put(blk);
    Py_RETURN_NONE;
}

/* ---- allocated and released under the same flag ---- */

static PyObject *
maybe_copy(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    int copy;
    char *buf = NULL;
    const char *src;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#p:maybe_copy", &data, &len, &copy))
        return NULL;
    if (copy)
        buf = PyMem_Malloc(len + 1); // no-warning: released under the same flag
    if (copy && buf == NULL)
        return PyErr_NoMemory();
    if (copy) {
        memcpy(buf, data, len);
        src = buf;
    }
    else {
        src = data;
    }
    result = PyBytes_FromStringAndSize(src, len);
    if (copy)
        PyMem_Free(buf);
    return result;
}

static PyMethodDef handover_methods[] = {
    {"set_separator", set_separator, METH_VARARGS, NULL},
    {"frame_capsule", frame_capsule, METH_VARARGS, NULL},
    {"frame_size", frame_size, METH_VARARGS, NULL},
    {"spaces", spaces, METH_VARARGS, NULL},
    {"spaces_leaky", spaces_leaky, METH_VARARGS, NULL},
    {"upper_lower", upper_lower, METH_VARARGS, NULL},
    {"upper_only", upper_only, METH_VARARGS, NULL},
    {"recycle", recycle, METH_VARARGS, NULL},
    {"maybe_copy", maybe_copy, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef handover_module = {
    PyModuleDef_HEAD_INIT, "handover", NULL, -1, handover_methods,
};

PyMODINIT_FUNC
PyInit_handover(void)
{
    PyObject *m;

    if (PyType_Ready(&TagType) < 0)
        return NULL;
    m = PyModule_Create(&handover_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&TagType);
    if (PyModule_AddObject(m, "Tag", (PyObject *)&TagType) < 0) {
        Py_DECREF(&TagType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
