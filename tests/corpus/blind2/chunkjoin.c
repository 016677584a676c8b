/* chunkjoin.c - accumulate byte chunks and join them (heap type Joiner). */
#include "Python.h"
#include <string.h>
#include <unistd.h>

#define READ_CHUNK 65536

typedef struct {
    char **chunks;
    Py_ssize_t *sizes;
    Py_ssize_t n;
    Py_ssize_t allocated;
} chunklist;

typedef struct {
    PyObject_HEAD
    chunklist cl;
    Py_ssize_t total;
} JoinerObject;

static int
chunklist_init(chunklist *cl)
{
    cl->chunks = PyMem_New(char *, 8);
    if (cl->chunks == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    cl->sizes = PyMem_New(Py_ssize_t, 8);
    if (cl->sizes == NULL) {
        PyMem_Free(cl->chunks);
        cl->chunks = NULL;
        PyErr_NoMemory();
        return -1;
    }
    cl->n = 0;
    cl->allocated = 8;
    return 0;
}

static void
chunklist_clear(chunklist *cl)
{
    Py_ssize_t i;
    for (i = 0; i < cl->n; i++) {
        PyMem_Free(cl->chunks[i]); // no-warning: each chunk freed once
    }
    PyMem_Free(cl->chunks);
    PyMem_Free(cl->sizes);
    cl->chunks = NULL;
    cl->sizes = NULL;
    cl->n = cl->allocated = 0;
}

static int
chunklist_append(chunklist *cl, const char *data, Py_ssize_t len)
{
    char *copy = PyMem_Malloc(len ? len : 1);
    if (copy == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(copy, data, len);
    if (cl->n == cl->allocated) {
        Py_ssize_t newalloc = cl->allocated + (cl->allocated >> 1) + 8;
        char **chunks = cl->chunks;
        Py_ssize_t *sizes = cl->sizes;

        PyMem_Resize(chunks, char *, newalloc);
        if (chunks == NULL) {
            PyMem_Free(copy);
            PyErr_NoMemory();
            return -1;
        }
        cl->chunks = chunks;
        PyMem_Resize(sizes, Py_ssize_t, newalloc);
        if (sizes == NULL) {
            PyMem_Free(copy);
            PyErr_NoMemory();
            return -1;
        }
        cl->sizes = sizes;
        cl->allocated = newalloc;
    }
    cl->chunks[cl->n] = copy; // no-warning: ownership moves into the list
    cl->sizes[cl->n] = len;
    cl->n++;
    return 0;
}

static PyObject *
Joiner_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    JoinerObject *self = (JoinerObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    if (chunklist_init(&self->cl) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    self->total = 0;
    return (PyObject *)self;
}

static PyObject *
Joiner_append_impl(JoinerObject *self, Py_buffer *data)
{
    if (chunklist_append(&self->cl, data->buf, data->len) < 0) {
        return NULL;
    }
    self->total += data->len;
    Py_RETURN_NONE;
}

static PyObject *
Joiner_readfd_impl(JoinerObject *self, int fd)
{
    Py_ssize_t n, got = 0;
    char *raw = PyMem_RawMalloc(READ_CHUNK); // expected-warning {{[PML005]}}

    if (raw == NULL) {
        return PyErr_NoMemory();
    }
    while (1) {
        Py_BEGIN_ALLOW_THREADS
        n = read(fd, raw, READ_CHUNK);
        Py_END_ALLOW_THREADS
        if (n < 0) {
            PyMem_RawFree(raw);
            return PyErr_SetFromErrno(PyExc_OSError);
        }
        if (n == 0) {
            break;
        }
        if (chunklist_append(&self->cl, raw, n) < 0) {
            return NULL;
        }
        got += n;
        self->total += n;
    }
    PyMem_RawFree(raw);
    return PyLong_FromSsize_t(got);
}

static PyObject *
Joiner_drain_impl(JoinerObject *self)
{
    chunklist *cl = &self->cl;
    PyObject *res;
    char *p;
    Py_ssize_t i, nlines = 0;

    res = PyBytes_FromStringAndSize(NULL, self->total);
    if (res == NULL) {
        return NULL;
    }
    p = PyBytes_AS_STRING(res);
    for (i = 0; i < cl->n; i++) {
        char *chunk = cl->chunks[i];
        Py_ssize_t size = cl->sizes[i];

        memcpy(p, chunk, size);
        p += size;
        PyMem_Free(chunk);
        cl->chunks[i] = NULL;
        if (size > 0 && chunk[size - 1] == '\n') { // expected-warning {{[PML004]}}
            nlines++;
        }
    }
    cl->n = 0;
    self->total = 0;
    return Py_BuildValue("(Nn)", res, nlines);
}

static PyObject *
Joiner_size_report_impl(JoinerObject *self)
{
    chunklist *cl = &self->cl;
    Py_ssize_t i, smallest = PY_SSIZE_T_MAX, largest = 0;
    char *line;
    PyObject *res;

    line = PyMem_Malloc(64); // expected-warning {{[PML006]}}
    if (line == NULL) {
        return PyErr_NoMemory();
    }
    PyOS_snprintf(line, 64, "%zd chunks", cl->n);
    for (i = 0; i < cl->n; i++) {
        if (cl->sizes[i] < smallest) {
            smallest = cl->sizes[i];
        }
        if (cl->sizes[i] > largest) {
            largest = cl->sizes[i];
        }
    }
    line = PyMem_Malloc(128);
    if (line == NULL) {
        return PyErr_NoMemory();
    }
    PyOS_snprintf(line, 128, "%zd chunks, %zd..%zd bytes", cl->n,
                  cl->n ? smallest : 0, largest);
    res = PyUnicode_FromString(line);
    PyMem_Free(line);
    return res;
}

static PyObject *
Joiner_append(PyObject *self, PyObject *arg)
{
    Py_buffer data = {NULL, NULL};
    PyObject *res;
    if (PyObject_GetBuffer(arg, &data, PyBUF_SIMPLE) != 0) {
        return NULL;
    }
    res = Joiner_append_impl((JoinerObject *)self, &data);
    PyBuffer_Release(&data);
    return res;
}

static PyObject *
Joiner_readfd(PyObject *self, PyObject *arg)
{
    int fd = PyObject_AsFileDescriptor(arg);
    if (fd < 0) {
        return NULL;
    }
    return Joiner_readfd_impl((JoinerObject *)self, fd);
}

static PyObject *
Joiner_drain(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return Joiner_drain_impl((JoinerObject *)self);
}

static PyObject *
Joiner_size_report(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return Joiner_size_report_impl((JoinerObject *)self);
}

static void
Joiner_dealloc(JoinerObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    chunklist_clear(&self->cl);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyMethodDef Joiner_methods[] = {
    {"append", Joiner_append, METH_O, NULL},
    {"readfd", Joiner_readfd, METH_O, NULL},
    {"drain", Joiner_drain, METH_NOARGS, NULL},
    {"size_report", Joiner_size_report, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyType_Slot Joiner_slots[] = {
    {Py_tp_new, Joiner_new},
    {Py_tp_dealloc, Joiner_dealloc},
    {Py_tp_methods, Joiner_methods},
    {0, NULL}
};

static PyType_Spec Joiner_spec = {
    "chunkjoin.Joiner", sizeof(JoinerObject), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE, Joiner_slots
};

static int
chunkjoin_exec(PyObject *module)
{
    PyObject *tp = PyType_FromModuleAndSpec(module, &Joiner_spec, NULL);
    if (tp == NULL) {
        return -1;
    }
    if (PyModule_AddObjectRef(module, "Joiner", tp) < 0) {
        Py_DECREF(tp);
        return -1;
    }
    Py_DECREF(tp);
    return 0;
}

static PyModuleDef_Slot chunkjoin_slots[] = {
    {Py_mod_exec, chunkjoin_exec},
    {0, NULL}
};

static struct PyModuleDef chunkjoin_module = {
    PyModuleDef_HEAD_INIT, .m_name = "chunkjoin", .m_slots = chunkjoin_slots,
};

PyMODINIT_FUNC
PyInit_chunkjoin(void)
{
    return PyModuleDef_Init(&chunkjoin_module);
}
