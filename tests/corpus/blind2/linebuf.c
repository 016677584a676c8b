// known-to-fail: a helper that releases a field of its argument (reader_clear_buffer) is not summarized per field (linebuf.c:227)
/* linebuf.c - a buffered line reader over a file descriptor (heap type). */
#define PY_SSIZE_T_CLEAN
#include "Python.h"
#include <string.h>

#define LINEBUF_CHUNK 4096

typedef struct {
    PyTypeObject *reader_type;
} linebuf_state;

#define get_linebuf_state(module) ((linebuf_state *)PyModule_GetState(module))

typedef struct {
    PyObject_HEAD
    int fd;
    char *buf;
    Py_ssize_t len;     /* bytes held in buf */
    Py_ssize_t pos;     /* read position in buf */
    Py_ssize_t cap;     /* allocated size of buf */
    PyObject *name;
} LineReaderObject;

/* Make room for at least `need` bytes in self->buf. */
static int
reader_reserve(LineReaderObject *self, Py_ssize_t need)
{
    Py_ssize_t newcap;
    char *tmp;

    if (need <= self->cap) {
        return 0;
    }
    newcap = self->cap ? self->cap : LINEBUF_CHUNK;
    while (newcap < need) {
        if (newcap > PY_SSIZE_T_MAX / 2) {
            PyErr_NoMemory();
            return -1;
        }
        newcap += newcap;
    }
    tmp = PyMem_Realloc(self->buf, newcap); // no-warning: old block kept in self->buf
    if (tmp == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->buf = tmp;
    self->cap = newcap;
    return 0;
}

static void
reader_clear_buffer(LineReaderObject *self)
{
    if (self->buf != NULL) {
        PyMem_Free(self->buf);
        self->buf = NULL;
    }
    self->len = self->pos = self->cap = 0;
}

static PyObject *
LineReader_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    LineReaderObject *self;
    int fd;
    PyObject *name = Py_None;

    if (!PyArg_ParseTuple(args, "i|O:LineReader", &fd, &name)) {
        return NULL;
    }
    self = (LineReaderObject *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->fd = fd;
    self->name = Py_NewRef(name);
    self->buf = PyMem_Malloc(LINEBUF_CHUNK);
    self->buf[0] = '\0'; // expected-warning {{[PML001]}}
    if (self->buf == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    self->cap = LINEBUF_CHUNK;
    return (PyObject *)self;
}

/* Append raw bytes to the buffer (used by tests instead of a real fd). */
static PyObject *
LineReader_feed_impl(LineReaderObject *self, Py_buffer *data)
{
    if (self->pos > 0) {
        memmove(self->buf, self->buf + self->pos, self->len - self->pos);
        self->len -= self->pos;
        self->pos = 0;
    }
    if (reader_reserve(self, self->len + data->len) < 0) {
        return NULL;
    }
    memcpy(self->buf + self->len, data->buf, data->len);
    self->len += data->len;
    return PyLong_FromSsize_t(self->len);
}

/* Peek at the buffered data with CRLF folded to LF. */
static PyObject *
LineReader_peek_impl(LineReaderObject *self, Py_ssize_t limit)
{
    char small[128];
    char *out = small;
    Py_ssize_t avail = self->len - self->pos;
    Py_ssize_t i, j = 0;
    PyObject *res;

    if (limit < 0 || limit > avail) {
        limit = avail;
    }
    if (limit > (Py_ssize_t)sizeof(small)) {
        out = PyMem_Malloc(limit);
        if (out == NULL) {
            return PyErr_NoMemory();
        }
    }
    for (i = 0; i < limit; i++) {
        char c = self->buf[self->pos + i];
        if (c == '\r' && i + 1 < limit && self->buf[self->pos + i + 1] == '\n') {
            continue;
        }
        out[j++] = c;
    }
    res = PyBytes_FromStringAndSize(out, j);
    if (out != small) {
        PyMem_Free(out); // no-warning: only the heap copy is released
    }
    return res;
}

static PyObject *
LineReader_count_lines_impl(LineReaderObject *self)
{
    Py_ssize_t avail = self->len - self->pos;
    Py_ssize_t i, count = 0;
    char *snapshot;

    snapshot = PyMem_Malloc(avail + 1); // expected-warning {{[PML006]}}
    if (snapshot == NULL) {
        return PyErr_NoMemory();
    }
    if (avail > 0) {
        memcpy(snapshot, self->buf + self->pos, avail);
    }
    snapshot[avail] = '\0';
    for (i = 0; i < avail; i++) {
        if (snapshot[i] == '\n') {
            count++;
        }
    }
    if (count == 0 && avail > 0) {
        /* an unterminated line still counts as one */
        return PyLong_FromLong(1);
    }
    PyMem_Free(snapshot);
    return PyLong_FromSsize_t(count);
}

static PyObject *
LineReader_reset_impl(LineReaderObject *self)
{
    reader_clear_buffer(self);
    Py_RETURN_NONE;
}

static PyObject *
LineReader_feed(PyObject *self, PyObject *arg)
{
    Py_buffer data = {NULL, NULL};
    PyObject *res;

    if (PyObject_GetBuffer(arg, &data, PyBUF_SIMPLE) != 0) {
        return NULL;
    }
    res = LineReader_feed_impl((LineReaderObject *)self, &data);
    PyBuffer_Release(&data);
    return res;
}

static PyObject *
LineReader_peek(PyObject *self, PyObject *arg)
{
    Py_ssize_t limit = PyLong_AsSsize_t(arg);
    if (limit == -1 && PyErr_Occurred()) {
        return NULL;
    }
    return LineReader_peek_impl((LineReaderObject *)self, limit);
}

static PyObject *
LineReader_count_lines(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return LineReader_count_lines_impl((LineReaderObject *)self);
}

static PyObject *
LineReader_reset(PyObject *self, PyObject *Py_UNUSED(ignored))
{
    return LineReader_reset_impl((LineReaderObject *)self);
}

static int
LineReader_traverse(LineReaderObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->name);
    return 0;
}

static void
LineReader_dealloc(LineReaderObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    char *buf = self->buf;

    PyObject_GC_UnTrack(self);
    Py_CLEAR(self->name);
    reader_clear_buffer(self);
    PyMem_Free(buf); // expected-warning {{[PML003]}}
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyMethodDef LineReader_methods[] = {
    {"feed", LineReader_feed, METH_O, NULL},
    {"peek", LineReader_peek, METH_O, NULL},
    {"count_lines", LineReader_count_lines, METH_NOARGS, NULL},
    {"reset", LineReader_reset, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyType_Slot LineReader_slots[] = {
    {Py_tp_new, LineReader_new},
    {Py_tp_dealloc, LineReader_dealloc},
    {Py_tp_traverse, LineReader_traverse},
    {Py_tp_methods, LineReader_methods},
    {0, NULL}
};

static PyType_Spec LineReader_spec = {
    .name = "linebuf.LineReader",
    .basicsize = sizeof(LineReaderObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = LineReader_slots,
};

static int
linebuf_exec(PyObject *module)
{
    linebuf_state *st = get_linebuf_state(module);
    st->reader_type = (PyTypeObject *)PyType_FromModuleAndSpec(
        module, &LineReader_spec, NULL);
    if (st->reader_type == NULL) {
        return -1;
    }
    return PyModule_AddType(module, st->reader_type);
}

static int
linebuf_traverse(PyObject *module, visitproc visit, void *arg)
{
    Py_VISIT(get_linebuf_state(module)->reader_type);
    return 0;
}

static int
linebuf_clear(PyObject *module)
{
    Py_CLEAR(get_linebuf_state(module)->reader_type);
    return 0;
}

static PyModuleDef_Slot linebuf_slots[] = {
    {Py_mod_exec, linebuf_exec},
    {0, NULL}
};

static struct PyModuleDef linebuf_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "linebuf",
    .m_size = sizeof(linebuf_state),
    .m_slots = linebuf_slots,
    .m_traverse = linebuf_traverse,
    .m_clear = linebuf_clear,
};

PyMODINIT_FUNC
PyInit_linebuf(void)
{
    return PyModuleDef_Init(&linebuf_module);
}
