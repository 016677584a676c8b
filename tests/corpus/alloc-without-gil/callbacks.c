/*
 * alloc-without-gil/callbacks.c - PML010 in C callbacks that manage the GIL
 * with PyGILState_Ensure/PyGILState_Release (a PyMem call after the
 * Release, before the next Ensure), and through same-file helpers called
 * inside Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS (reported on the
 * helper call). Silent twins: PyMem calls while the GIL state is held, raw
 * allocation after the Release, helpers that only copy or use the raw
 * allocator, and helpers called outside the region.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

/* A C event library that calls back on its own threads, without the GIL. */
typedef void (*evlib_callback)(void *ctx, const char *data, size_t len);
extern int evlib_subscribe(const char *topic, evlib_callback cb, void *ctx);
extern void evlib_unsubscribe(int handle);

typedef struct {
    PyObject_HEAD
    PyObject *callback;
    int handle;
    Py_ssize_t received;
} Listener;

/* ---- PyGILState: PyMem_Free after the Release ---- */

static void
on_message(void *ctx, const char *data, size_t len)
{
    Listener *self = ctx;
    PyGILState_STATE gs;
    char *copy;
    PyObject *r;

    gs = PyGILState_Ensure();
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL) {
        PyErr_NoMemory();
        PyErr_WriteUnraisable((PyObject *)self);
        PyGILState_Release(gs);
        return;
    }
    memcpy(copy, data, len);
    copy[len] = '\0';
    r = PyObject_CallFunction(self->callback, "s", copy);
    if (r == NULL)
        PyErr_WriteUnraisable(self->callback);
    else
        Py_DECREF(r);
    self->received++;
    PyGILState_Release(gs);
    PyMem_Free(copy); // expected-warning {{[PML010]}}
}

static void
on_message_ok(void *ctx, const char *data, size_t len)
{
    Listener *self = ctx;
    PyGILState_STATE gs;
    char *copy;
    PyObject *r;

    gs = PyGILState_Ensure();
    copy = PyMem_Malloc(len + 1); // no-warning: between Ensure and Release
    if (copy == NULL) {
        PyErr_NoMemory();
        PyErr_WriteUnraisable((PyObject *)self);
        PyGILState_Release(gs);
        return;
    }
    memcpy(copy, data, len);
    copy[len] = '\0';
    r = PyObject_CallFunction(self->callback, "s", copy);
    if (r == NULL)
        PyErr_WriteUnraisable(self->callback);
    else
        Py_DECREF(r);
    self->received++;
    PyMem_Free(copy); // no-warning: before the Release
    PyGILState_Release(gs);
}

/* ---- PyGILState: PyMem_Malloc between a Release and the next Ensure ---- */

static void
on_upper(void *ctx, const char *data, size_t len)
{
    Listener *self = ctx;
    PyGILState_STATE gs;
    int enabled;
    char *upper;
    size_t i;
    PyObject *r;

    gs = PyGILState_Ensure();
    enabled = self->callback != Py_None;
    PyGILState_Release(gs);
    if (!enabled)
        return;
    upper = PyMem_Malloc(len + 1); // expected-warning {{[PML010]}}
    if (upper != NULL) {
        for (i = 0; i < len; i++)
            upper[i] = Py_TOUPPER(data[i]);
        upper[len] = '\0';
    }
    gs = PyGILState_Ensure();
    if (upper == NULL) {
        PyErr_NoMemory();
        PyErr_WriteUnraisable((PyObject *)self);
        PyGILState_Release(gs);
        return;
    }
    r = PyObject_CallFunction(self->callback, "s", upper);
    if (r == NULL)
        PyErr_WriteUnraisable(self->callback);
    else
        Py_DECREF(r);
    self->received++;
    PyMem_Free(upper);
    PyGILState_Release(gs);
}

static void
on_upper_ok(void *ctx, const char *data, size_t len)
{
    Listener *self = ctx;
    PyGILState_STATE gs;
    int enabled;
    char *upper;
    size_t i;
    PyObject *r;

    gs = PyGILState_Ensure();
    enabled = self->callback != Py_None;
    PyGILState_Release(gs);
    if (!enabled)
        return;
    upper = PyMem_RawMalloc(len + 1); // no-warning: raw allocator after the Release
    if (upper != NULL) {
        for (i = 0; i < len; i++)
            upper[i] = Py_TOUPPER(data[i]);
        upper[len] = '\0';
    }
    gs = PyGILState_Ensure();
    if (upper == NULL) {
        PyErr_NoMemory();
        PyErr_WriteUnraisable((PyObject *)self);
        PyGILState_Release(gs);
        return;
    }
    r = PyObject_CallFunction(self->callback, "s", upper);
    if (r == NULL)
        PyErr_WriteUnraisable(self->callback);
    else
        Py_DECREF(r);
    self->received++;
    PyGILState_Release(gs);
    PyMem_RawFree(upper); // no-warning: raw allocator after the Release
}

/* ---- Listener type ---- */

static PyObject *
Listener_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"callback", "topic", "mode", NULL};
    static const evlib_callback handlers[] = {
        on_message, on_message_ok, on_upper, on_upper_ok,
    };
    PyObject *callback;
    const char *topic;
    int mode = 1;
    Listener *self;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "Os|i:Listener", kwlist,
                                     &callback, &topic, &mode))
        return NULL;
    if (mode < 0 || mode > 3) {
        PyErr_SetString(PyExc_ValueError, "mode must be in 0..3");
        return NULL;
    }
    self = (Listener *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->callback = Py_NewRef(callback);
    self->received = 0;
    self->handle = evlib_subscribe(topic, handlers[mode], self);
    if (self->handle < 0) {
        PyErr_SetString(PyExc_RuntimeError, "evlib_subscribe() failed");
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static void
Listener_dealloc(Listener *self)
{
    if (self->handle >= 0) {
        Py_BEGIN_ALLOW_THREADS
        evlib_unsubscribe(self->handle);
        Py_END_ALLOW_THREADS
    }
    Py_XDECREF(self->callback);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject Listener_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pml010_callbacks.Listener",
    .tp_basicsize = sizeof(Listener),
    .tp_dealloc = (destructor)Listener_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = Listener_new,
};

/* ---- same-file helpers called while the GIL is released ---- */

/* Scratch space for a job: PyMem, so it needs the GIL. */
static char *
scratch_new(Py_ssize_t n)
{
    return PyMem_Malloc(n + 64);
}

static void
scratch_drop(char *scratch)
{
    PyMem_Free(scratch);
}

/* The same from the raw allocator: no GIL needed. */
static char *
raw_scratch_new(Py_ssize_t n)
{
    return PyMem_RawMalloc(n + 64);
}

/* Only copies. */
static void
copy_folded(char *dst, const char *src, Py_ssize_t n)
{
    Py_ssize_t i;

    memcpy(dst, src, n);
    for (i = 0; i < n; i++)
        dst[i] = Py_TOLOWER(dst[i]);
}

static unsigned long
fnv1a(const char *p, Py_ssize_t n)
{
    unsigned long h = 2166136261UL;
    Py_ssize_t i;

    for (i = 0; i < n; i++)
        h = ((h ^ (unsigned char)p[i]) * 16777619UL) & 0xffffffffUL;
    return h;
}

static PyObject *
fold_case(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *out = NULL;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:fold_case", &data, &len))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    out = scratch_new(len); // expected-warning {{[PML010]}}
    if (out != NULL)
        copy_folded(out, data, len);
    Py_END_ALLOW_THREADS
    if (out == NULL)
        return PyErr_NoMemory();
    result = PyBytes_FromStringAndSize(out, len);
    PyMem_Free(out);
    return result;
}

static PyObject *
fold_case_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *out = NULL;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:fold_case_ok", &data, &len))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    out = raw_scratch_new(len); // no-warning: the helper uses the raw allocator
    if (out != NULL)
        copy_folded(out, data, len); // no-warning: the helper only copies
    Py_END_ALLOW_THREADS
    if (out == NULL)
        return PyErr_NoMemory();
    result = PyBytes_FromStringAndSize(out, len);
    PyMem_RawFree(out);
    return result;
}

static PyObject *
folded_hash(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *scratch;
    unsigned long h;

    if (!PyArg_ParseTuple(args, "y#:folded_hash", &data, &len))
        return NULL;
    scratch = scratch_new(len); // no-warning: called before the region
    if (scratch == NULL)
        return PyErr_NoMemory();
    Py_BEGIN_ALLOW_THREADS
    copy_folded(scratch, data, len); // no-warning: the helper only copies
    h = fnv1a(scratch, len);
    scratch_drop(scratch); // expected-warning {{[PML010]}}
    Py_END_ALLOW_THREADS
    return PyLong_FromUnsignedLong(h);
}

static PyObject *
folded_hash_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *scratch;
    unsigned long h;

    if (!PyArg_ParseTuple(args, "y#:folded_hash_ok", &data, &len))
        return NULL;
    scratch = scratch_new(len); // no-warning: called before the region
    if (scratch == NULL)
        return PyErr_NoMemory();
    Py_BEGIN_ALLOW_THREADS
    copy_folded(scratch, data, len); // no-warning: the helper only copies
    h = fnv1a(scratch, len);
    Py_END_ALLOW_THREADS
    scratch_drop(scratch); // no-warning: called after the region
    return PyLong_FromUnsignedLong(h);
}

/* ---- module ---- */

static PyMethodDef callbacks_methods[] = {
    {"fold_case", fold_case, METH_VARARGS, NULL},
    {"fold_case_ok", fold_case_ok, METH_VARARGS, NULL},
    {"folded_hash", folded_hash, METH_VARARGS, NULL},
    {"folded_hash_ok", folded_hash_ok, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static int
callbacks_exec(PyObject *module)
{
    return PyModule_AddType(module, &Listener_Type);
}

static PyModuleDef_Slot callbacks_slots[] = {
    {Py_mod_exec, callbacks_exec},
    {0, NULL}
};

static struct PyModuleDef callbacks_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pml010_callbacks",
    .m_size = 0,
    .m_methods = callbacks_methods,
    .m_slots = callbacks_slots,
};

PyMODINIT_FUNC
PyInit_pml010_callbacks(void)
{
    return PyModuleDef_Init(&callbacks_module);
}
