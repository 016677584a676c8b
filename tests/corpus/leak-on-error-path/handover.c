/*
 * leak-on-error-path/handover.c - PML005 against the hand-over rules: a
 * block that reached an object field, a global, an out-parameter, a
 * capsule or an external function before the error return is not lost;
 * one that fails before it gets there is. Also flag-correlated releases.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Defined in another file of the extension: takes ownership of 'msg'. */
extern int log_queue_put(char *msg);

static char *last_input;

/* ---- object field ---- */

typedef struct {
    PyObject_HEAD
    char *data;
    Py_ssize_t size;
} BufferObject;

static int
Buffer_init(BufferObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"size", "fill", NULL};
    Py_ssize_t size;
    int fill = 0;
    char *data;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "n|i:Buffer", kwlist, &size, &fill))
        return -1;
    if (size < 0) {
        PyErr_SetString(PyExc_ValueError, "negative size");
        return -1;
    }
    data = PyMem_Malloc(size + 1); // no-warning: owned by self before the error return
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyMem_Free(self->data);
    self->data = data;
    self->size = size;
    if (fill < 0 || fill > 255) {
        PyErr_SetString(PyExc_ValueError, "fill must be a byte");
        return -1;
    }
    memset(self->data, fill, size);
    return 0;
}

static PyObject *
Buffer_resize(BufferObject *self, PyObject *args)
{
    Py_ssize_t size;
    int fill = 0;
    char *data;

    if (!PyArg_ParseTuple(args, "n|i:resize", &size, &fill))
        return NULL;
    if (size < 0) {
        PyErr_SetString(PyExc_ValueError, "negative size");
        return NULL;
    }
    data = PyMem_Malloc(size + 1); // expected-warning {{[PML005]}}
    if (data == NULL)
        return PyErr_NoMemory();
    if (fill < 0 || fill > 255) {
        PyErr_SetString(PyExc_ValueError, "fill must be a byte");
        return NULL;
    }
    memset(data, fill, size);
    PyMem_Free(self->data);
    self->data = data;
    self->size = size;
    Py_RETURN_NONE;
}

static void
Buffer_dealloc(BufferObject *self)
{
    PyMem_Free(self->data);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef Buffer_methods[] = {
    {"resize", (PyCFunction)Buffer_resize, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject BufferType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "handover.Buffer",
    .tp_basicsize = sizeof(BufferObject),
    .tp_dealloc = (destructor)Buffer_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Buffer_methods,
    .tp_init = (initproc)Buffer_init,
    .tp_new = PyType_GenericNew,
};

/* ---- global ---- */

static PyObject *
remember(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len;
    char *copy;

    if (!PyArg_ParseTuple(args, "s#:remember", &text, &len))
        return NULL;
    copy = PyMem_Malloc(len + 1); // no-warning: kept in a global before the error return
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, text, len + 1);
    PyMem_Free(last_input);
    last_input = copy;
    if (len == 0) {
        PyErr_SetString(PyExc_ValueError, "empty input remembered");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
remember_checked(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len;
    char *copy;

    if (!PyArg_ParseTuple(args, "s#:remember_checked", &text, &len))
        return NULL;
    copy = PyMem_Malloc(len + 1); // expected-warning {{[PML005]}}
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, text, len + 1);
    if (len == 0) {
        PyErr_SetString(PyExc_ValueError, "empty input");
        return NULL;
    }
    PyMem_Free(last_input);
    last_input = copy;
    Py_RETURN_NONE;
}

/* ---- out-parameter ---- */

/* On return *out owns a block (also on failure); release with PyMem_Free. */
static int
read_name(PyObject *obj, char **out)
{
    Py_ssize_t len;
    const char *s = PyUnicode_AsUTF8AndSize(obj, &len);
    char *buf;

    *out = NULL;
    if (s == NULL)
        return -1;
    buf = PyMem_Malloc(len + 1); // no-warning: stored through the out-parameter first
    if (buf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(buf, s, len + 1);
    *out = buf;
    if (len == 0) {
        PyErr_SetString(PyExc_ValueError, "empty name");
        return -1;
    }
    return 0;
}

static int
read_name_late(PyObject *obj, char **out)
{
    Py_ssize_t len;
    const char *s = PyUnicode_AsUTF8AndSize(obj, &len);
    char *buf;

    if (s == NULL)
        return -1;
    buf = PyMem_Malloc(len + 1); // expected-warning {{[PML005]}}
    if (buf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(buf, s, len + 1);
    if (len == 0) {
        PyErr_SetString(PyExc_ValueError, "empty name");
        return -1;
    }
    *out = buf;
    return 0;
}

static PyObject *
names(PyObject *self, PyObject *args)
{
    PyObject *a, *b, *result;
    char *na = NULL, *nb = NULL;

    if (!PyArg_ParseTuple(args, "OO:names", &a, &b))
        return NULL;
    if (read_name(a, &na) < 0) {
        PyMem_Free(na);
        return NULL;
    }
    if (read_name_late(b, &nb) < 0) {
        PyMem_Free(na);
        PyMem_Free(nb);
        return NULL;
    }
    result = Py_BuildValue("(ss)", na, nb);
    PyMem_Free(na);
    PyMem_Free(nb);
    return result;
}

/* ---- capsule ---- */

static void
blob_destructor(PyObject *capsule)
{
    PyMem_Free(PyCapsule_GetPointer(capsule, "handover.blob"));
}

static PyObject *
make_blob(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *blob;
    PyObject *cap;

    if (!PyArg_ParseTuple(args, "y#:make_blob", &data, &len))
        return NULL;
    blob = PyMem_Malloc(len + 1); // no-warning: freed if the capsule fails, then owned by it
    if (blob == NULL)
        return PyErr_NoMemory();
    memcpy(blob, data, len);
    cap = PyCapsule_New(blob, "handover.blob", blob_destructor);
    if (cap == NULL) {
        PyMem_Free(blob);
        return NULL;
    }
    if (PyCapsule_SetContext(cap, NULL) < 0) {
        Py_DECREF(cap);
        return NULL;
    }
    return cap;
}

static PyObject *
make_blob_checked(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *blob;

    if (!PyArg_ParseTuple(args, "y#:make_blob_checked", &data, &len))
        return NULL;
    blob = PyMem_Malloc(len + 1); // expected-warning {{[PML005]}}
    if (blob == NULL)
        return PyErr_NoMemory();
    memcpy(blob, data, len);
    if (len > 0 && data[0] == '\0') {
        PyErr_SetString(PyExc_ValueError, "blob starts with NUL");
        return NULL;
    }
    return PyCapsule_New(blob, "handover.blob", blob_destructor);
}

/* ---- external function takes it ---- */

static PyObject *
log_message(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len;
    char *msg;

    if (!PyArg_ParseTuple(args, "s#:log_message", &text, &len))
        return NULL;
    msg = PyMem_Malloc(len + 2); // no-warning: log_queue_put owns it, even when it fails
    if (msg == NULL)
        return PyErr_NoMemory();
    memcpy(msg, text, len);
    msg[len] = '\n';
    msg[len + 1] = '\0';
    if (log_queue_put(msg) < 0) {
        PyErr_SetString(PyExc_RuntimeError, "log queue full");
        return NULL;
    }
    Py_RETURN_NONE;
}

/* ---- copied by the error API, then lost ---- */

static PyObject *
reject(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len;
    char *quoted;

    if (!PyArg_ParseTuple(args, "s#:reject", &text, &len))
        return NULL;
    quoted = PyMem_Malloc(len + 3); // expected-warning {{[PML005]}}
    if (quoted == NULL)
        return PyErr_NoMemory();
    quoted[0] = '\'';
    memcpy(quoted + 1, text, len);
    quoted[len + 1] = '\'';
    quoted[len + 2] = '\0';
    PyErr_Format(PyExc_ValueError, "rejected %s", quoted);
    return NULL;
}

/* ---- released under the same flag that allocated ---- */

static PyObject *
normalize(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    int fold;
    char *tmp = NULL;
    const char *src;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#p:normalize", &text, &len, &fold))
        return NULL;
    src = text;
    if (fold) {
        tmp = PyMem_Malloc(len + 1); // no-warning: released under the same flag on error
        if (tmp == NULL)
            return PyErr_NoMemory();
        for (i = 0; i < len; i++)
            tmp[i] = Py_TOLOWER(text[i]);
        tmp[len] = '\0';
        src = tmp;
    }
    if (len > 0 && src[0] == ' ') {
        if (fold)
            PyMem_Free(tmp);
        PyErr_SetString(PyExc_ValueError, "leading space");
        return NULL;
    }
    result = PyUnicode_FromStringAndSize(src, len);
    if (fold)
        PyMem_Free(tmp);
    return result;
}

static PyMethodDef handover_methods[] = {
    {"remember", remember, METH_VARARGS, NULL},
    {"remember_checked", remember_checked, METH_VARARGS, NULL},
    {"names", names, METH_VARARGS, NULL},
    {"make_blob", make_blob, METH_VARARGS, NULL},
    {"make_blob_checked", make_blob_checked, METH_VARARGS, NULL},
    {"log_message", log_message, METH_VARARGS, NULL},
    {"reject", reject, METH_VARARGS, NULL},
    {"normalize", normalize, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef handover_module = {
    PyModuleDef_HEAD_INIT, "handover", NULL, -1, handover_methods,
};

PyMODINIT_FUNC
PyInit_handover(void)
{
    PyObject *m;

    if (PyType_Ready(&BufferType) < 0)
        return NULL;
    m = PyModule_Create(&handover_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&BufferType);
    if (PyModule_AddObject(m, "Buffer", (PyObject *)&BufferType) < 0) {
        Py_DECREF(&BufferType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
