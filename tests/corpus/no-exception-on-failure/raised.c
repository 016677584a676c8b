/*
 * no-exception-on-failure/raised.c - PML008 negatives: every allocation
 * failure that reaches a Python-facing error return has an exception set
 * (PyErr_NoMemory, PyErr_SetString, PyErr_Format, PyErr_SetFromErrno, a
 * label that raises), is reported by an internal helper to a caller that
 * raises, or is not an error at all (fallback to a stack buffer or to a
 * slower CPython API path). Nothing here may be reported.
 */
// expected-no-diagnostics
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    PyTypeObject *record_type;
    char *sep;                     /* PyMem, NUL-terminated field separator */
} raised_state;

typedef struct {
    PyObject_HEAD
    char *key;                     /* PyMem, NUL-terminated */
    double *values;                /* PyMem, nvalues entries */
    Py_ssize_t nvalues;
    Py_ssize_t exports;
} Record;

/* ---- a plain C string builder: not Python-facing, -1 means "no memory" ---- */

struct strbuf {
    char *data;                    /* malloc */
    size_t len, cap;
};

static int
strbuf_reserve(struct strbuf *sb, size_t extra)
{
    char *tmp;
    size_t cap;

    if (sb->len + extra <= sb->cap)
        return 0;
    if (extra > SIZE_MAX / 4 || sb->len > SIZE_MAX / 4)
        return -1;
    cap = sb->len + extra + sb->len / 2 + 32;
    tmp = realloc(sb->data, cap);
    if (tmp == NULL)
        return -1; // no-warning: plain C helper, every caller raises MemoryError
    sb->data = tmp;
    sb->cap = cap;
    return 0;
}

static int
strbuf_append(struct strbuf *sb, const char *s, size_t n)
{
    if (strbuf_reserve(sb, n + 1) < 0)
        return -1; // no-warning: plain C helper
    memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
    return 0;
}

static PyObject *
join_keys(PyObject *module, PyObject *arg)
{
    raised_state *st = PyModule_GetState(module);
    struct strbuf sb = {NULL, 0, 0};
    PyObject *fast, *result;
    Py_ssize_t i, n;

    fast = PySequence_Fast(arg, "join_keys() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        Py_ssize_t len;
        const char *s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &len);

        if (s == NULL)
            goto error;
        if ((i > 0 && strbuf_append(&sb, st->sep, strlen(st->sep)) < 0)
            || strbuf_append(&sb, s, (size_t)len) < 0) {
            PyErr_NoMemory();
            goto error;
        }
    }
    result = PyUnicode_FromStringAndSize(sb.data ? sb.data : "", (Py_ssize_t)sb.len);
    free(sb.data);
    Py_DECREF(fast);
    return result;

error:
    free(sb.data);
    Py_DECREF(fast);
    return NULL; // no-warning: every jump here has an exception set
}

/* ---- internal helper returning NULL, the caller raises ---- */

static char *
dup_lower(const char *s, Py_ssize_t len)
{
    Py_ssize_t i;
    char *out = PyMem_Malloc(len + 1);

    if (out == NULL)
        return NULL; // no-warning: internal helper, its callers raise
    for (i = 0; i < len; i++)
        out[i] = Py_TOLOWER(s[i]);
    out[len] = '\0';
    return out;
}

static PyObject *
lower_key(PyObject *module, PyObject *args)
{
    const char *s;
    Py_ssize_t len;
    char *low;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:lower_key", &s, &len))
        return NULL;
    low = dup_lower(s, len);
    if (low == NULL)
        return PyErr_NoMemory(); // no-warning: MemoryError set
    result = PyUnicode_FromStringAndSize(low, len);
    PyMem_Free(low);
    return result;
}

/* ---- PyErr_SetFromErrno after a libc failure ---- */

static PyObject *
reversed_words(PyObject *module, PyObject *args)
{
    const char *s;
    Py_ssize_t len, i, n = 0, end;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:reversed_words", &s, &len))
        return NULL;
    errno = 0;
    out = malloc(len + 1);
    if (out == NULL) {
        if (errno == 0)
            errno = ENOMEM;
        return PyErr_SetFromErrno(PyExc_MemoryError); // no-warning: exception set from errno
    }
    end = len;
    for (i = len - 1; i >= -1; i--) {
        if (i < 0 || s[i] == ' ') {
            memcpy(out + n, s + i + 1, end - i - 1);
            n += end - i - 1;
            if (i >= 0)
                out[n++] = ' ';
            end = i;
        }
    }
    result = PyUnicode_DecodeUTF8(out, n, "replace");
    free(out);
    return result;
}

/* ---- allocation failure is not an error: fall back to a stack buffer ---- */

static PyObject *
crc_bytes(PyObject *module, PyObject *args)
{
    Py_buffer view;
    char stackbuf[512];
    char *heap, *work;
    Py_ssize_t off, worksize, bufsize = 1 << 16;
    unsigned long crc = 0xffffffffUL;

    if (!PyArg_ParseTuple(args, "y*:crc_bytes", &view))
        return NULL;
    heap = PyMem_Malloc(bufsize);
    if (heap != NULL) {
        work = heap;
        worksize = bufsize;
    }
    else {
        work = stackbuf; // no-warning: no error return, the work goes on in smaller chunks
        worksize = (Py_ssize_t)sizeof(stackbuf);
    }
    for (off = 0; off < view.len; off += worksize) {
        Py_ssize_t i, n = view.len - off < worksize ? view.len - off : worksize;

        memcpy(work, (const char *)view.buf + off, n);
        for (i = 0; i < n; i++) {
            int bit;

            crc ^= (unsigned char)work[i];
            for (bit = 0; bit < 8; bit++)
                crc = (crc >> 1) ^ (0xedb88320UL & (0UL - (crc & 1)));
        }
    }
    PyMem_Free(heap);
    PyBuffer_Release(&view);
    return PyLong_FromUnsignedLong(crc ^ 0xffffffffUL);
}

/* ---- allocation failure falls back to a slower CPython path ---- */

static PyObject *
join_fast(PyObject *module, PyObject *args)
{
    PyObject *sep, *seq, *fast, *result;
    Py_ssize_t i, n, seplen, total = 0;
    char *buf, *p;

    if (!PyArg_ParseTuple(args, "SO:join_fast", &sep, &seq))
        return NULL;
    fast = PySequence_Fast(seq, "join_fast() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    seplen = PyBytes_GET_SIZE(sep);
    for (i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(fast, i);

        if (!PyBytes_Check(item)) {
            PyErr_Format(PyExc_TypeError, "item %zd is not bytes", i);
            Py_DECREF(fast);
            return NULL;
        }
        if (i > 0) {
            if (seplen > PY_SSIZE_T_MAX - 1 - total)
                goto too_big;
            total += seplen;
        }
        if (PyBytes_GET_SIZE(item) > PY_SSIZE_T_MAX - 1 - total)
            goto too_big;
        total += PyBytes_GET_SIZE(item);
    }
    buf = PyMem_Malloc(total + 1);
    if (buf == NULL) {
        /* no scratch buffer: let bytes.join() do it (it raises if it fails too) */
        result = PyObject_CallMethod(sep, "join", "(O)", fast); // no-warning: slower path, not an error return
        Py_DECREF(fast);
        return result;
    }
    p = buf;
    for (i = 0; i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(fast, i);

        if (i > 0) {
            memcpy(p, PyBytes_AS_STRING(sep), seplen);
            p += seplen;
        }
        memcpy(p, PyBytes_AS_STRING(item), PyBytes_GET_SIZE(item));
        p += PyBytes_GET_SIZE(item);
    }
    result = PyBytes_FromStringAndSize(buf, total);
    PyMem_Free(buf);
    Py_DECREF(fast);
    return result;

too_big:
    Py_DECREF(fast);
    return PyErr_NoMemory();
}

/* ---- Record: tp_new, tp_init, getters/setters, getbuffer ---- */

static PyObject *
Record_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    Record *self;
    char *key = PyMem_Malloc(1);

    if (key == NULL)
        return PyErr_NoMemory(); // no-warning: MemoryError set
    key[0] = '\0';
    self = (Record *)type->tp_alloc(type, 0);
    if (self == NULL) {
        PyMem_Free(key);
        return NULL;
    }
    self->key = key;
    self->values = NULL;
    self->nvalues = 0;
    self->exports = 0;
    return (PyObject *)self;
}

/* tp_init returns this helper's result directly: it must raise itself. */
static int
record_set_values(Record *self, PyObject *seq)
{
    PyObject *fast;
    Py_ssize_t i, n;
    double *values;

    if (self->exports > 0) {
        PyErr_SetString(PyExc_BufferError, "cannot replace exported values");
        return -1;
    }
    fast = PySequence_Fast(seq, "values must be a sequence");
    if (fast == NULL)
        return -1;
    n = PySequence_Fast_GET_SIZE(fast);
    values = PyMem_New(double, n ? n : 1);
    if (values == NULL) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return -1; // no-warning: MemoryError set before the return
    }
    for (i = 0; i < n; i++) {
        values[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, i));
        if (values[i] == -1.0 && PyErr_Occurred()) {
            PyMem_Free(values);
            Py_DECREF(fast);
            return -1;
        }
    }
    Py_DECREF(fast);
    PyMem_Free(self->values);
    self->values = values;
    self->nvalues = n;
    return 0;
}

static int
Record_init(Record *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"values", NULL};
    PyObject *seq;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:Record", kwlist, &seq))
        return -1;
    return record_set_values(self, seq); // no-warning: the helper raises on failure
}

static void
Record_dealloc(Record *self)
{
    PyTypeObject *tp = Py_TYPE(self);

    PyMem_Free(self->key);
    PyMem_Free(self->values);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyObject *
Record_get_key(Record *self, void *closure)
{
    return PyUnicode_FromString(self->key);
}

static int
Record_set_key(Record *self, PyObject *value, void *closure)
{
    const char *utf8;
    Py_ssize_t len;
    char *copy;

    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete key");
        return -1;
    }
    utf8 = PyUnicode_AsUTF8AndSize(value, &len);
    if (utf8 == NULL)
        return -1; // no-warning: PyUnicode_AsUTF8AndSize raised
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL) {
        PyErr_NoMemory();
        return -1; // no-warning: MemoryError set
    }
    memcpy(copy, utf8, len + 1);
    PyMem_Free(self->key);
    self->key = copy;
    return 0;
}

static PyObject *
Record_get_sorted(Record *self, void *closure)
{
    double *tmp;
    Py_ssize_t i, j;
    PyObject *result;

    tmp = PyMem_New(double, self->nvalues ? self->nvalues : 1);
    if (tmp == NULL)
        return PyErr_NoMemory(); // no-warning: MemoryError set
    for (i = 0; i < self->nvalues; i++) {
        double v = self->values[i];

        for (j = i; j > 0 && tmp[j - 1] > v; j--)
            tmp[j] = tmp[j - 1];
        tmp[j] = v;
    }
    result = PyList_New(self->nvalues);
    if (result == NULL) {
        PyMem_Free(tmp);
        return NULL;
    }
    for (i = 0; i < self->nvalues; i++) {
        PyObject *f = PyFloat_FromDouble(tmp[i]);

        if (f == NULL) {
            Py_DECREF(result);
            PyMem_Free(tmp);
            return NULL;
        }
        PyList_SET_ITEM(result, i, f);
    }
    PyMem_Free(tmp);
    return result;
}

static int
Record_getbuffer(Record *self, Py_buffer *view, int flags)
{
    Py_ssize_t *shape;

    if ((flags & PyBUF_WRITABLE) == PyBUF_WRITABLE) {
        PyErr_SetString(PyExc_BufferError, "Record is read-only");
        view->obj = NULL;
        return -1;
    }
    shape = PyMem_New(Py_ssize_t, 1);
    if (shape == NULL) {
        view->obj = NULL;
        PyErr_NoMemory();
        return -1; // no-warning: MemoryError set
    }
    shape[0] = self->nvalues;
    view->buf = self->values;
    view->obj = Py_NewRef(self);
    view->len = self->nvalues * (Py_ssize_t)sizeof(double);
    view->readonly = 1;
    view->itemsize = sizeof(double);
    view->format = (flags & PyBUF_FORMAT) == PyBUF_FORMAT ? "d" : NULL;
    view->ndim = 1;
    view->shape = (flags & PyBUF_ND) == PyBUF_ND ? shape : NULL;
    view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? &view->itemsize : NULL;
    view->suboffsets = NULL;
    view->internal = shape;
    self->exports++;
    return 0;
}

static void
Record_releasebuffer(Record *self, Py_buffer *view)
{
    PyMem_Free(view->internal);
    view->internal = NULL;
    self->exports--;
}

static PyGetSetDef Record_getset[] = {
    {"key", (getter)Record_get_key, (setter)Record_set_key, NULL, NULL},
    {"sorted", (getter)Record_get_sorted, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyType_Slot Record_slots[] = {
    {Py_tp_new, Record_new},
    {Py_tp_init, Record_init},
    {Py_tp_dealloc, Record_dealloc},
    {Py_tp_getset, Record_getset},
    {Py_bf_getbuffer, Record_getbuffer},
    {Py_bf_releasebuffer, Record_releasebuffer},
    {0, NULL}
};

static PyType_Spec Record_spec = {
    "pml008_raised.Record", sizeof(Record), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE, Record_slots
};

/* ---- module ---- */

static int
raised_exec(PyObject *module)
{
    raised_state *st = PyModule_GetState(module);

    st->sep = PyMem_Malloc(2);
    if (st->sep == NULL) {
        PyErr_NoMemory();
        return -1; // no-warning: MemoryError set
    }
    st->sep[0] = ',';
    st->sep[1] = '\0';
    st->record_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &Record_spec, NULL);
    if (st->record_type == NULL)
        return -1;
    return PyModule_AddType(module, st->record_type);
}

static int
raised_traverse(PyObject *module, visitproc visit, void *arg)
{
    raised_state *st = PyModule_GetState(module);

    if (st != NULL)
        Py_VISIT(st->record_type);
    return 0;
}

static int
raised_clear(PyObject *module)
{
    raised_state *st = PyModule_GetState(module);

    if (st != NULL)
        Py_CLEAR(st->record_type);
    return 0;
}

static void
raised_free(void *module)
{
    raised_state *st = PyModule_GetState((PyObject *)module);

    if (st == NULL)
        return;
    Py_CLEAR(st->record_type);
    PyMem_Free(st->sep);
    st->sep = NULL;
}

static PyMethodDef raised_methods[] = {
    {"join_keys", join_keys, METH_O, NULL},
    {"lower_key", lower_key, METH_VARARGS, NULL},
    {"reversed_words", reversed_words, METH_VARARGS, NULL},
    {"crc_bytes", crc_bytes, METH_VARARGS, NULL},
    {"join_fast", join_fast, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyModuleDef_Slot raised_slots[] = {
    {Py_mod_exec, raised_exec},
    {0, NULL}
};

static struct PyModuleDef raised_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pml008_raised",
    .m_size = sizeof(raised_state),
    .m_methods = raised_methods,
    .m_slots = raised_slots,
    .m_traverse = raised_traverse,
    .m_clear = raised_clear,
    .m_free = raised_free,
};

PyMODINIT_FUNC
PyInit_pml008_raised(void)
{
    return PyModuleDef_Init(&raised_module);
}
