/*
 * io_fileio.c - raw file object reads in the style of Modules/_io/fileio.c.
 *
 * What this file tests:
 *   PML010  readall_nogil() calls a same-file helper that allocates with
 *           PyMem_Malloc/PyMem_Realloc between Py_BEGIN/END_ALLOW_THREADS
 *   PML007  readall() does buf = PyMem_Realloc(buf, ...)
 *   PML008  readall() impl, returned directly by its wrapper, returns NULL
 *           after the first PyMem_Malloc fails
 *   PML011  peek() frees its on-stack small buffer
 *   PML003  read() frees buf and then jumps to a label that frees it again
 * Negatives: readline() frees only when buf != small, read()/write() release
 * the GIL only around read(2)/write(2), write() uses PyBuffer_Release.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <unistd.h>

#define SMALLCHUNK 8192

typedef struct {
    PyObject_HEAD
    int fd;
} fileio;

/* Read to EOF.  Runs without the GIL; on failure returns -1 and sets *err. */
static Py_ssize_t
_read_all_chunks(int fd, char **pbuf, int *err)
{
    size_t cap = SMALLCHUNK, len = 0;
    char *buf = PyMem_Malloc(cap), *tmp;
    ssize_t n;

    if (buf == NULL) {
        *err = ENOMEM;
        return -1;
    }
    for (;;) {
        if (len == cap) {
            tmp = PyMem_Realloc(buf, cap + SMALLCHUNK);
            if (tmp == NULL) {
                PyMem_Free(buf);
                *err = ENOMEM;
                return -1;
            }
            buf = tmp;
            cap += SMALLCHUNK;
        }
        n = read(fd, buf + len, cap - len);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            *err = errno;
            PyMem_Free(buf);
            return -1;
        }
        len += (size_t)n;
    }
    *pbuf = buf;
    return (Py_ssize_t)len;
}

static PyObject *
fileio_readall_nogil(fileio *self, PyObject *Py_UNUSED(ignored))
{
    char *buf = NULL;
    Py_ssize_t n;
    int err = 0;
    PyObject *res;

    Py_BEGIN_ALLOW_THREADS
    n = _read_all_chunks(self->fd, &buf, &err); // expected-warning {{[PML010]}}
    Py_END_ALLOW_THREADS
    if (n < 0) {
        errno = err;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    res = PyBytes_FromStringAndSize(buf, n);
    PyMem_Free(buf);
    return res;
}

static PyObject *
_io_FileIO_readall_impl(fileio *self)
{
    char *buf;
    size_t bufsize = SMALLCHUNK, len = 0;
    Py_ssize_t n;
    PyObject *res;

    buf = PyMem_Malloc(bufsize);
    if (buf == NULL)
        return NULL; // expected-warning {{[PML008]}}
    for (;;) {
        if (len == bufsize) {
            bufsize += SMALLCHUNK;
            buf = PyMem_Realloc(buf, bufsize); // expected-warning {{[PML007]}}
            if (buf == NULL)
                return PyErr_NoMemory();
        }
        Py_BEGIN_ALLOW_THREADS
        n = read(self->fd, buf + len, bufsize - len);
        Py_END_ALLOW_THREADS
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR && PyErr_CheckSignals() == 0)
                continue;
            if (!PyErr_Occurred())
                PyErr_SetFromErrno(PyExc_OSError);
            PyMem_Free(buf);
            return NULL;
        }
        len += (size_t)n;
    }
    res = PyBytes_FromStringAndSize(buf, (Py_ssize_t)len);
    PyMem_Free(buf);
    return res;
}

static PyObject *
_io_FileIO_readall(fileio *self, PyObject *Py_UNUSED(ignored))
{
    return _io_FileIO_readall_impl(self);
}

static PyObject *
fileio_read(fileio *self, PyObject *args)
{
    Py_ssize_t size = -1, n;
    char *buf;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "|n:read", &size))
        return NULL;
    if (size < 0)
        return _io_FileIO_readall_impl(self);
    buf = PyMem_Malloc(size + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    Py_BEGIN_ALLOW_THREADS
    n = read(self->fd, buf, (size_t)size);
    Py_END_ALLOW_THREADS
    if (n < 0) {
        int saved_errno = errno;
        PyMem_Free(buf);
        if (saved_errno == EAGAIN)
            Py_RETURN_NONE;
        errno = saved_errno;
        goto error;
    }
    res = PyBytes_FromStringAndSize(buf, n);
    PyMem_Free(buf);
    return res;

error:
    PyMem_Free(buf); // expected-warning {{[PML003]}}
    return PyErr_SetFromErrno(PyExc_OSError);
}

/* Read one byte at a time up to a newline; small requests stay on the stack. */
static PyObject *
fileio_readline(fileio *self, PyObject *args)
{
    Py_ssize_t limit = 256, len = 0, n = 1;
    char small[256];
    char *buf = small;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "|n:readline", &limit))
        return NULL;
    if (limit < 0) {
        PyErr_SetString(PyExc_ValueError, "negative limit");
        return NULL;
    }
    if ((size_t)limit > sizeof(small)) {
        buf = PyMem_Malloc(limit);
        if (buf == NULL)
            return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
    while (len < limit && (n = read(self->fd, buf + len, 1)) == 1 && buf[len++] != '\n')
        ;
    Py_END_ALLOW_THREADS
    if (n < 0)
        res = PyErr_SetFromErrno(PyExc_OSError);
    else
        res = PyBytes_FromStringAndSize(buf, len);
    if (buf != small)
        PyMem_Free(buf); // no-warning: only the heap buffer is released
    return res;
}

static PyObject *
fileio_peek(fileio *self, PyObject *args)
{
    Py_ssize_t size = 128, n;
    char small[256];
    char *buf = small;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "|n:peek", &size))
        return NULL;
    if (size < 0)
        size = 0;
    if ((size_t)size > sizeof(small)) {
        buf = PyMem_Malloc(size);
        if (buf == NULL)
            return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
    n = pread(self->fd, buf, (size_t)size, lseek(self->fd, 0, SEEK_CUR));
    Py_END_ALLOW_THREADS
    if (n < 0)
        res = PyErr_SetFromErrno(PyExc_OSError);
    else
        res = PyBytes_FromStringAndSize(buf, n);
    PyMem_Free(buf); // expected-warning {{[PML011]}}
    return res;
}

static PyMethodDef fileio_methods[] = {
    {"readall_nogil", (PyCFunction)fileio_readall_nogil, METH_NOARGS, NULL},
    {"readall", (PyCFunction)_io_FileIO_readall, METH_NOARGS, NULL},
    {"read", (PyCFunction)fileio_read, METH_VARARGS, NULL},
    {"readline", (PyCFunction)fileio_readline, METH_VARARGS, NULL},
    {"peek", (PyCFunction)fileio_peek, METH_VARARGS, NULL},
    {NULL}
};

static PyType_Slot fileio_slots[] = {
    {Py_tp_methods, fileio_methods},
    {0, NULL}
};

static PyType_Spec fileio_spec = {
    "io_fileio.FileIO", sizeof(fileio), 0, Py_TPFLAGS_DEFAULT, fileio_slots
};
