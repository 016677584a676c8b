/*
 * linereader.c -- a buffered line reader over a raw file descriptor.
 * Tests: PML007 (self->buf = PyMem_Realloc(self->buf, ...)), PML010
 * (PyObject_Malloc inside Py_BEGIN_ALLOW_THREADS), PML004 (buffer read
 * after PyMem_Free in close()), PML011 (cursor advanced by 4 then freed).
 * Negatives: read() without the GIL into a buffer allocated beforehand,
 * PyObject_Free after the region, offset pointer moved back for bytes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    PyObject_HEAD
    int fd;
    char *buf;
    Py_ssize_t len, pos, cap, chunk;
} LineReaderObject;

static int
LR_init(LineReaderObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"fd", "chunk", NULL};
    int fd;
    Py_ssize_t chunk = 4096;
    char *buf;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "i|n:LineReader", kwlist, &fd, &chunk))
        return -1;
    if (chunk < 1 || chunk > (1 << 20)) {
        PyErr_SetString(PyExc_ValueError, "chunk must be in 1..1048576");
        return -1;
    }
    buf = PyMem_Malloc(chunk);
    if (buf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyMem_Free(self->buf);
    self->buf = buf;
    self->fd = fd;
    self->chunk = self->cap = chunk;
    self->len = self->pos = 0;
    return 0;
}

static void
LR_dealloc(LineReaderObject *self)
{
    PyMem_Free(self->buf);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
check_open(LineReaderObject *self)
{
    if (self->buf != NULL)
        return 0;
    PyErr_SetString(PyExc_ValueError, "reader is closed");
    return -1;
}

/* Internal: -1 with an exception set, 0 at EOF, 1 when data was added. */
static int
fill(LineReaderObject *self)
{
    ssize_t n;
    int err = 0;

    if (self->pos > 0) {
        memmove(self->buf, self->buf + self->pos, self->len - self->pos);
        self->len -= self->pos;
        self->pos = 0;
    }
    if (self->cap - self->len < self->chunk) {
        if (self->cap > PY_SSIZE_T_MAX - self->chunk) {
            PyErr_NoMemory();
            return -1;
        }
        self->buf = PyMem_Realloc(self->buf, self->cap + self->chunk); // expected-warning {{[PML007]}}
        if (self->buf == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        self->cap += self->chunk;
    }
    Py_BEGIN_ALLOW_THREADS
    n = read(self->fd, self->buf + self->len, (size_t)self->chunk);
    if (n < 0)
        err = errno;
    Py_END_ALLOW_THREADS
    if (n < 0) {
        errno = err;
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    self->len += n;
    return n > 0;
}

static PyObject *
LR_readline(LineReaderObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *res;
    int rc;

    if (check_open(self) < 0)
        return NULL;
    for (;;) {
        char *nl = memchr(self->buf + self->pos, '\n', self->len - self->pos);
        Py_ssize_t end = nl ? (nl - self->buf) + 1 : self->len;
        if (nl == NULL) {
            rc = fill(self);
            if (rc < 0)
                return NULL;
            if (rc > 0)
                continue;
            end = self->len;
        }
        res = PyBytes_FromStringAndSize(self->buf + self->pos, end - self->pos);
        if (res != NULL)
            self->pos = end;
        return res;
    }
}

static PyObject *
LR_read_raw(LineReaderObject *self, PyObject *Py_UNUSED(ignored))
{
    char *chunk;
    ssize_t n = -1;
    int err = 0;
    PyObject *res;

    if (check_open(self) < 0)
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    chunk = PyObject_Malloc(self->chunk); // expected-warning {{[PML010]}}
    if (chunk != NULL) {
        n = read(self->fd, chunk, (size_t)self->chunk);
        if (n < 0)
            err = errno;
    }
    Py_END_ALLOW_THREADS
    if (chunk == NULL)
        return PyErr_NoMemory();
    if (n < 0) {
        PyObject_Free(chunk);
        errno = err;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    res = PyBytes_FromStringAndSize(chunk, n);
    PyObject_Free(chunk); // no-warning: released with the GIL held
    return res;
}

static PyObject *
LR_close(LineReaderObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *rest;

    if (self->buf == NULL)
        return PyBytes_FromStringAndSize(NULL, 0);
    PyMem_Free(self->buf);
    rest = PyBytes_FromStringAndSize(self->buf + self->pos, self->len - self->pos); // expected-warning {{[PML004]}}
    self->buf = NULL;
    self->len = self->pos = self->cap = 0;
    return rest;
}

/* frame(data) -> 4-byte big-endian length prefix + data */
static PyObject *
linereader_frame(PyObject *module, PyObject *arg)
{
    char *data, *p;
    Py_ssize_t n;
    PyObject *res;

    if (PyBytes_AsStringAndSize(arg, &data, &n) < 0)
        return NULL;
    if (n > 0x7fffffff) {
        PyErr_SetString(PyExc_OverflowError, "record too long");
        return NULL;
    }
    p = PyMem_Malloc(n + 4);
    if (p == NULL)
        return PyErr_NoMemory();
    p[0] = (char)((n >> 24) & 0xff);
    p[1] = (char)((n >> 16) & 0xff);
    p[2] = (char)((n >> 8) & 0xff);
    p[3] = (char)(n & 0xff);
    p += 4;
    memcpy(p, data, n);
    res = PyBytes_FromStringAndSize(p - 4, n + 4);
    PyMem_Free(p); // expected-warning {{[PML011]}}
    return res;
}

static PyMethodDef LR_methods[] = {
    {"readline", (PyCFunction)LR_readline, METH_NOARGS, NULL},
    {"read_raw", (PyCFunction)LR_read_raw, METH_NOARGS, NULL},
    {"close", (PyCFunction)LR_close, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject LineReaderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "linereader.LineReader",
    .tp_basicsize = sizeof(LineReaderObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)LR_init,
    .tp_dealloc = (destructor)LR_dealloc,
    .tp_methods = LR_methods,
};

static PyMethodDef module_methods[] = {
    {"frame", linereader_frame, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef linereader_module = {
    PyModuleDef_HEAD_INIT, "linereader", NULL, -1, module_methods,
};

PyMODINIT_FUNC
PyInit_linereader(void)
{
    PyObject *m;
    if (PyType_Ready(&LineReaderType) < 0)
        return NULL;
    m = PyModule_Create(&linereader_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "LineReader", (PyObject *)&LineReaderType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
