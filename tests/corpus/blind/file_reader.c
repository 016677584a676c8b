/* file_reader.c: a buffered reader over a file descriptor in the style of
 * CPython's Modules/_io/fileio.c readall() and mmapmodule.c.  Reads happen
 * with the GIL released, so the buffers used there come from malloc or
 * PyMem_Raw*; the object's own line buffer is PyMem_Raw as well. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

#define SMALLCHUNK 8192

typedef struct {
    PyObject_HEAD
    int fd;
    char *linebuf;
    Py_ssize_t linebuf_len;
    Py_ssize_t linebuf_pos;
    char *path;
} ReaderObject;

static PyObject *
Reader_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"fd", "path", NULL};
    int fd;
    const char *path = NULL;
    ReaderObject *self;
    char *path_copy = NULL;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "i|z:Reader", kwlist, &fd, &path))
        return NULL;
    if (path != NULL) {
        path_copy = PyMem_Malloc(strlen(path) + 1); // no-warning: owned by self or freed
        if (path_copy == NULL)
            return PyErr_NoMemory();
        strcpy(path_copy, path);
    }
    self = (ReaderObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        PyMem_Free(path_copy);
        return NULL;
    }
    self->fd = fd;
    self->path = path_copy;
    self->linebuf = NULL;
    self->linebuf_len = 0;
    self->linebuf_pos = 0;
    return (PyObject *)self;
}

static void
Reader_dealloc(ReaderObject *self)
{
    PyMem_RawFree(self->linebuf);
    PyMem_Free(self->path);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Reader_read(ReaderObject *self, PyObject *args)
{
    Py_ssize_t size;
    ssize_t n;
    char *buf;
    int err = 0;

    if (!PyArg_ParseTuple(args, "n:read", &size))
        return NULL;
    if (size < 0) {
        PyErr_SetString(PyExc_ValueError, "size must be >= 0");
        return NULL;
    }
    buf = PyMem_RawMalloc((size_t)size + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    Py_BEGIN_ALLOW_THREADS
    n = read(self->fd, buf, (size_t)size);
    if (n < 0)
        err = errno;
    Py_END_ALLOW_THREADS
    if (n < 0) {
        PyMem_RawFree(buf);
        errno = err;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    PyMem_RawFree(buf);
    return PyBytes_FromStringAndSize(buf, n); // expected-warning {{[PML004]}}
}

static PyObject *
Reader_readall(ReaderObject *self, PyObject *Py_UNUSED(ignored))
{
    char *buf = NULL, *tmp;
    size_t cap = 0, len = 0;
    ssize_t n = 0;
    int err = 0, nomem = 0;
    PyObject *res;

    Py_BEGIN_ALLOW_THREADS
    for (;;) {
        if (len == cap) {
            size_t newcap = cap + (cap >> 1) + SMALLCHUNK;
            tmp = realloc(buf, newcap); // no-warning: buf kept on failure
            if (tmp == NULL) {
                nomem = 1;
                break;
            }
            buf = tmp;
            cap = newcap;
        }
        n = read(self->fd, buf + len, cap - len);
        if (n < 0) {
            err = errno;
            if (err == EINTR)
                continue;
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    Py_END_ALLOW_THREADS

    if (nomem) {
        free(buf);
        return PyErr_NoMemory();
    }
    if (n < 0) {
        free(buf);
        errno = err;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    res = PyBytes_FromStringAndSize(buf, (Py_ssize_t)len);
    free(buf);
    return res;
}

static int
fill_linebuf(ReaderObject *self)
{
    char *chunk;
    ssize_t n;
    int err = 0;

    Py_BEGIN_ALLOW_THREADS
    chunk = PyMem_RawMalloc(SMALLCHUNK); // no-warning: becomes self->linebuf
    if (chunk != NULL) {
        n = read(self->fd, chunk, SMALLCHUNK);
        if (n < 0)
            err = errno;
    }
    else {
        n = -1;
    }
    Py_END_ALLOW_THREADS

    if (chunk == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (n < 0) {
        PyMem_RawFree(chunk);
        errno = err;
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    PyMem_RawFree(self->linebuf);
    self->linebuf = chunk;
    self->linebuf_len = n;
    self->linebuf_pos = 0;
    return 0;
}

static PyObject *
Reader_readline(ReaderObject *self, PyObject *Py_UNUSED(ignored))
{
    char *line;
    Py_ssize_t n = 0, cap = 256;
    PyObject *res;

    line = PyMem_Malloc(cap); // expected-warning {{[PML006]}}
    if (line == NULL)
        return PyErr_NoMemory();
    if (self->linebuf_pos >= self->linebuf_len) {
        if (fill_linebuf(self) < 0) {
            PyMem_Free(line);
            return NULL;
        }
        if (self->linebuf_len == 0)
            return PyBytes_FromStringAndSize("", 0);   /* EOF: 'line' is not released */
    }
    for (;;) {
        char c;
        if (self->linebuf_pos >= self->linebuf_len) {
            if (fill_linebuf(self) < 0) {
                PyMem_Free(line);
                return NULL;
            }
            if (self->linebuf_len == 0)
                break;
        }
        c = self->linebuf[self->linebuf_pos++];
        if (n + 1 >= cap) {
            char *tmp = PyMem_Realloc(line, cap + cap);
            if (tmp == NULL) {
                PyMem_Free(line);
                return PyErr_NoMemory();
            }
            line = tmp;
            cap += cap;
        }
        line[n++] = c;
        if (c == '\n')
            break;
    }
    res = PyBytes_FromStringAndSize(line, n);
    PyMem_Free(line);
    return res;
}

static PyObject *
Reader_pread_many(ReaderObject *self, PyObject *args)
{
    PyObject *offsets, *fast, *result = NULL;
    Py_ssize_t i, count, chunk = 512;
    char *block;

    if (!PyArg_ParseTuple(args, "O|n:pread_many", &offsets, &chunk))
        return NULL;
    if (chunk <= 0) {
        PyErr_SetString(PyExc_ValueError, "chunk must be positive");
        return NULL;
    }
    fast = PySequence_Fast(offsets, "offsets must be a sequence");
    if (fast == NULL)
        return NULL;
    count = PySequence_Fast_GET_SIZE(fast);
    result = PyList_New(count);
    if (result == NULL) {
        Py_DECREF(fast);
        return NULL;
    }
    block = calloc((size_t)chunk, 1);
    if (block == NULL) {
        Py_DECREF(result);
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < count; i++) {
        Py_ssize_t off = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(fast, i));
        ssize_t n;
        PyObject *b;
        if (off == -1 && PyErr_Occurred())
            goto error;
        Py_BEGIN_ALLOW_THREADS
        n = pread(self->fd, block, (size_t)chunk, (off_t)off);
        Py_END_ALLOW_THREADS
        if (n < 0) {
            PyErr_SetFromErrno(PyExc_OSError);
            goto error;
        }
        b = PyBytes_FromStringAndSize(block, n);
        if (b == NULL)
            goto error;
        PyList_SET_ITEM(result, i, b);
    }
    PyMem_RawFree(block); // expected-warning {{[PML002]}}
    Py_DECREF(fast);
    return result;

error:
    free(block);
    Py_DECREF(fast);
    Py_DECREF(result);
    return NULL;
}

static PyObject *
Reader_checksum(ReaderObject *self, PyObject *args)
{
    Py_ssize_t length;
    unsigned char *data;
    unsigned long sum = 0;
    ssize_t n = 0, i;
    int failed = 0, nomem = 0;

    if (!PyArg_ParseTuple(args, "n:checksum", &length))
        return NULL;
    if (length < 0) {
        PyErr_SetString(PyExc_ValueError, "length must be >= 0");
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    data = malloc((size_t)length + 1);
    if (data != NULL) {
        n = read(self->fd, data, (size_t)length);
        if (n < 0) {
            free(data);
            failed = 1;
        }
        else {
            for (i = 0; i < n; i++)
                sum = (sum << 1 | sum >> 31) + data[i];
        }
        free(data); // expected-warning {{[PML003]}}
    }
    else {
        nomem = 1;
    }
    Py_END_ALLOW_THREADS
    if (nomem)
        return PyErr_NoMemory();
    if (failed)
        return PyErr_SetFromErrno(PyExc_OSError);
    return PyLong_FromUnsignedLong(sum & 0xffffffffUL);
}

static PyObject *
Reader_get_path(ReaderObject *self, void *closure)
{
    if (self->path == NULL)
        Py_RETURN_NONE;
    return PyUnicode_DecodeFSDefault(self->path);
}

static PyObject *
Reader_readlines(ReaderObject *self, PyObject *args)
{
    Py_ssize_t hint = -1, total = 0;
    PyObject *list, *line;
    char *scratch;

    if (!PyArg_ParseTuple(args, "|n:readlines", &hint))
        return NULL;
    list = PyList_New(0);
    if (list == NULL)
        return NULL;
    /* a scratch copy of each line is kept for the length statistics */
    scratch = PyMem_RawMalloc(SMALLCHUNK); // no-warning: freed on every exit
    if (scratch == NULL) {
        Py_DECREF(list);
        return PyErr_NoMemory();
    }
    for (;;) {
        Py_ssize_t n;
        line = Reader_readline(self, NULL);
        if (line == NULL)
            goto error;
        n = PyBytes_GET_SIZE(line);
        if (n == 0) {
            Py_DECREF(line);
            break;
        }
        memcpy(scratch, PyBytes_AS_STRING(line), (size_t)(n < SMALLCHUNK ? n : SMALLCHUNK));
        if (PyList_Append(list, line) < 0) {
            Py_DECREF(line);
            goto error;
        }
        Py_DECREF(line);
        total += n;
        if (hint > 0 && total >= hint)
            break;
    }
    PyMem_RawFree(scratch);
    return list;

error:
    PyMem_RawFree(scratch);
    Py_DECREF(list);
    return NULL;
}

static PyMethodDef Reader_methods[] = {
    {"read", (PyCFunction)Reader_read, METH_VARARGS, NULL},
    {"readall", (PyCFunction)Reader_readall, METH_NOARGS, NULL},
    {"readline", (PyCFunction)Reader_readline, METH_NOARGS, NULL},
    {"pread_many", (PyCFunction)Reader_pread_many, METH_VARARGS, NULL},
    {"checksum", (PyCFunction)Reader_checksum, METH_VARARGS, NULL},
    {"readlines", (PyCFunction)Reader_readlines, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef Reader_getset[] = {
    {"path", (getter)Reader_get_path, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyTypeObject Reader_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "file_reader.Reader",
    .tp_basicsize = sizeof(ReaderObject),
    .tp_dealloc = (destructor)Reader_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Reader_methods,
    .tp_getset = Reader_getset,
    .tp_new = Reader_new,
};

static struct PyModuleDef file_reader_module = {
    PyModuleDef_HEAD_INIT, "file_reader", NULL, -1, NULL,
};

PyMODINIT_FUNC
PyInit_file_reader(void)
{
    PyObject *m;
    if (PyType_Ready(&Reader_Type) < 0)
        return NULL;
    m = PyModule_Create(&file_reader_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&Reader_Type);
    if (PyModule_AddObject(m, "Reader", (PyObject *)&Reader_Type) < 0) {
        Py_DECREF(&Reader_Type);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
