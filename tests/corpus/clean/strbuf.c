/*
 * clean/strbuf.c - a growable string builder type with correct memory
 * handling throughout: PyMem_Resize on a temporary copy, blocks owned by
 * object fields, NULL checks before every use, one release per block.
 */
// expected-no-diagnostics
#define PY_SSIZE_T_CLEAN
#include <Python.h>

typedef struct {
    PyObject_HEAD
    char *data;          /* PyMem block of 'cap' bytes, or NULL */
    Py_ssize_t len;
    Py_ssize_t cap;
    Py_ssize_t *marks;   /* PyMem_New array of 'nmarks' offsets, or NULL */
    Py_ssize_t nmarks;
} StrBufObject;

/* ---- growth ---- */

/* Make room for 'extra' more bytes plus a NUL. 0 on success, -1 with
   MemoryError set. The old block stays valid if growing fails. */
static int
strbuf_reserve(StrBufObject *self, Py_ssize_t extra)
{
    Py_ssize_t need, newcap;
    char *tmp;

    if (extra > PY_SSIZE_T_MAX - self->len - 1) {
        PyErr_NoMemory();
        return -1;
    }
    need = self->len + extra + 1;
    if (need <= self->cap)
        return 0;
    newcap = need;
    if (newcap < PY_SSIZE_T_MAX - newcap / 2)
        newcap += newcap / 2;
    tmp = self->data;
    PyMem_Resize(tmp, char, newcap);
    if (tmp == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->data = tmp;
    self->cap = newcap;
    return 0;
}

static int
strbuf_add_mark(StrBufObject *self)
{
    Py_ssize_t *tmp = self->marks;

    PyMem_Resize(tmp, Py_ssize_t, self->nmarks + 1);
    if (tmp == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    tmp[self->nmarks] = self->len;
    self->marks = tmp;
    self->nmarks++;
    return 0;
}

/* ---- type slots ---- */

static int
StrBuf_init(StrBufObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"capacity", NULL};
    Py_ssize_t cap = 64;
    char *data;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|n:StrBuf", kwlist, &cap))
        return -1;
    if (cap < 1)
        cap = 1;
    data = PyMem_Malloc(cap);
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    data[0] = '\0';
    PyMem_Free(self->data);
    self->data = data;
    self->cap = cap;
    self->len = 0;
    PyMem_Free(self->marks);
    self->marks = NULL;
    self->nmarks = 0;
    return 0;
}

static void
StrBuf_dealloc(StrBufObject *self)
{
    PyMem_Free(self->data);
    PyMem_Free(self->marks);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* ---- methods ---- */

static PyObject *
StrBuf_append(StrBufObject *self, PyObject *arg)
{
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(arg, &n);

    if (s == NULL)
        return NULL;
    if (strbuf_reserve(self, n) < 0)
        return NULL;
    memcpy(self->data + self->len, s, n);
    self->len += n;
    self->data[self->len] = '\0';
    Py_RETURN_NONE;
}

static PyObject *
StrBuf_mark(StrBufObject *self, PyObject *Py_UNUSED(ignored))
{
    if (strbuf_add_mark(self) < 0)
        return NULL;
    return PyLong_FromSsize_t(self->nmarks - 1);
}

static PyObject *
StrBuf_getvalue(StrBufObject *self, PyObject *Py_UNUSED(ignored))
{
    if (self->data == NULL)
        return PyUnicode_FromString("");
    return PyUnicode_FromStringAndSize(self->data, self->len);
}

static PyObject *
StrBuf_pieces(StrBufObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *list;
    Py_ssize_t i, start = 0;

    list = PyList_New(0);
    if (list == NULL)
        return NULL;
    for (i = 0; i <= self->nmarks; i++) {
        Py_ssize_t stop = i < self->nmarks ? self->marks[i] : self->len;
        PyObject *piece;

        if (stop == start)
            continue;
        piece = PyUnicode_FromStringAndSize(self->data + start, stop - start);
        if (piece == NULL || PyList_Append(list, piece) < 0) {
            Py_XDECREF(piece);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(piece);
        start = stop;
    }
    return list;
}

static PyObject *
StrBuf_reversed(StrBufObject *self, PyObject *Py_UNUSED(ignored))
{
    char *rev;
    Py_ssize_t i;
    PyObject *result;

    rev = PyMem_Malloc(self->len + 1);
    if (!rev)
        return PyErr_NoMemory();
    for (i = 0; i < self->len; i++)
        rev[i] = self->data[self->len - 1 - i];
    rev[self->len] = '\0';
    result = PyUnicode_DecodeUTF8(rev, self->len, "replace");
    PyMem_Free(rev);
    return result;
}

static PyObject *
StrBuf_clear(StrBufObject *self, PyObject *Py_UNUSED(ignored))
{
    PyMem_Free(self->marks);
    self->marks = NULL;
    self->nmarks = 0;
    self->len = 0;
    if (self->data != NULL)
        self->data[0] = '\0';
    Py_RETURN_NONE;
}

static PyMethodDef StrBuf_methods[] = {
    {"append", (PyCFunction)StrBuf_append, METH_O, NULL},
    {"mark", (PyCFunction)StrBuf_mark, METH_NOARGS, NULL},
    {"getvalue", (PyCFunction)StrBuf_getvalue, METH_NOARGS, NULL},
    {"pieces", (PyCFunction)StrBuf_pieces, METH_NOARGS, NULL},
    {"reversed", (PyCFunction)StrBuf_reversed, METH_NOARGS, NULL},
    {"clear", (PyCFunction)StrBuf_clear, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject StrBufType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "strbuf.StrBuf",
    .tp_basicsize = sizeof(StrBufObject),
    .tp_dealloc = (destructor)StrBuf_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = StrBuf_methods,
    .tp_init = (initproc)StrBuf_init,
    .tp_new = PyType_GenericNew,
};

/* ---- module functions ---- */

static PyObject *
join(PyObject *self, PyObject *args)
{
    PyObject *seq, *fast = NULL, *result = NULL;
    const char *sep;
    Py_ssize_t seplen, n, i, total = 0, pos = 0;
    Py_ssize_t *lens = NULL;
    char *out = NULL;

    if (!PyArg_ParseTuple(args, "Os#:join", &seq, &sep, &seplen))
        return NULL;
    fast = PySequence_Fast(seq, "join() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    lens = PyMem_New(Py_ssize_t, n + 1);
    if (lens == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (i = 0; i < n; i++) {
        Py_ssize_t len;

        if (PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &len) == NULL)
            goto error;
        if (len > PY_SSIZE_T_MAX - total - seplen - 1) {
            PyErr_NoMemory();
            goto error;
        }
        lens[i] = len;
        total += len + (i > 0 ? seplen : 0);
    }
    if ((out = PyMem_Malloc(total + 1)) == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (i = 0; i < n; i++) {
        const char *s = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(fast, i));
        if (s == NULL)
            goto error;
        if (i > 0) {
            memcpy(out + pos, sep, seplen);
            pos += seplen;
        }
        memcpy(out + pos, s, lens[i]);
        pos += lens[i];
    }
    out[pos] = '\0';
    result = PyUnicode_FromStringAndSize(out, pos);

error:
    PyMem_Free(out);
    PyMem_Free(lens);
    Py_DECREF(fast);
    return result;
}

static PyMethodDef strbuf_methods[] = {
    {"join", join, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef strbuf_module = {
    PyModuleDef_HEAD_INIT, "strbuf", NULL, -1, strbuf_methods,
};

PyMODINIT_FUNC
PyInit_strbuf(void)
{
    PyObject *m;

    if (PyType_Ready(&StrBufType) < 0)
        return NULL;
    m = PyModule_Create(&strbuf_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&StrBufType);
    if (PyModule_AddObject(m, "StrBuf", (PyObject *)&StrBufType) < 0) {
        Py_DECREF(&StrBufType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
