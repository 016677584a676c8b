/*
 * free-non-heap/correct_idioms.c - PML011 negatives only: code that keeps
 * stack buffers, static storage and string literals next to heap blocks
 * but only ever releases the heap blocks: the small-buffer idiom with a
 * guarded release, heap blocks held by statics, globals and object fields,
 * NULL, literal defaults released only when replaced, pointers moved back
 * or reset to the start before the release, zero offsets.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <string.h>

// expected-no-diagnostics

/* ---- an object with a heap buffer in a field ---- */

typedef struct {
    PyObject_HEAD
    char *data;
    Py_ssize_t len;
    char small[16]; /* inline storage, never released */
} LineObject;

static int
Line_init(LineObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"text", NULL};
    const char *text;
    Py_ssize_t len;
    char *copy;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s#:Line", kwlist, &text, &len))
        return -1;
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(copy, text, len + 1);
    PyMem_Free(self->data); // no-warning: the previous heap block, or NULL
    self->data = copy;
    self->len = len;
    memcpy(self->small, copy, len < 15 ? len : 15);
    self->small[len < 15 ? len : 15] = '\0';
    return 0;
}

static void
Line_dealloc(LineObject *self)
{
    PyMem_Free(self->data); // no-warning: a heap block held by a field
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Line_clear(LineObject *self, PyObject *Py_UNUSED(ignored))
{
    PyMem_Free(self->data); // no-warning: a heap block held by a field
    self->data = NULL;
    self->len = 0;
    self->small[0] = '\0';
    Py_RETURN_NONE;
}

static PyObject *
Line_prefix(LineObject *self, PyObject *Py_UNUSED(ignored))
{
    return PyUnicode_FromString(self->small);
}

/* The small-buffer idiom: the release is guarded by a comparison with
   the stack buffer. */
static PyObject *
Line_upper(LineObject *self, PyObject *Py_UNUSED(ignored))
{
    char stackbuf[128];
    char *buf = stackbuf;
    Py_ssize_t i;
    PyObject *result;

    if (self->data == NULL)
        return PyUnicode_FromStringAndSize(NULL, 0);
    if (self->len >= (Py_ssize_t)sizeof(stackbuf)) {
        buf = PyMem_Malloc(self->len + 1);
        if (buf == NULL)
            return PyErr_NoMemory();
    }
    for (i = 0; i < self->len; i++)
        buf[i] = Py_TOUPPER(self->data[i]);
    result = PyUnicode_FromStringAndSize(buf, self->len);
    if (buf != stackbuf)
        PyMem_Free(buf); // no-warning: only when it is the heap block
    return result;
}

/* The same idiom, chosen with ?: and released at a cleanup label. */
static PyObject *
Line_words(LineObject *self, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t inline_starts[8];
    Py_ssize_t *starts;
    Py_ssize_t i, n = 0;
    PyObject *list = NULL;

    if (self->data == NULL)
        return PyList_New(0);
    starts = self->len < 8 ? inline_starts : PyMem_New(Py_ssize_t, self->len + 1);
    if (starts == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < self->len; i++) {
        if (self->data[i] != ' ' && (i == 0 || self->data[i - 1] == ' '))
            starts[n++] = i;
    }
    list = PyList_New(n);
    if (list == NULL)
        goto done;
    for (i = 0; i < n; i++) {
        PyObject *v = PyLong_FromSsize_t(starts[i]);
        if (v == NULL) {
            Py_CLEAR(list);
            goto done;
        }
        PyList_SET_ITEM(list, i, v);
    }
done:
    if (starts != inline_starts)
        PyMem_Free(starts); // no-warning: only when it is the heap block
    return list;
}

static PyMethodDef Line_methods[] = {
    {"clear", (PyCFunction)Line_clear, METH_NOARGS, NULL},
    {"prefix", (PyCFunction)Line_prefix, METH_NOARGS, NULL},
    {"upper", (PyCFunction)Line_upper, METH_NOARGS, NULL},
    {"words", (PyCFunction)Line_words, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject LineType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "correct_idioms.Line",
    .tp_basicsize = sizeof(LineObject),
    .tp_dealloc = (destructor)Line_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Line_methods,
    .tp_init = (initproc)Line_init,
    .tp_new = PyType_GenericNew,
};

/* ---- a heap table held by a static pointer ---- */

static double *g_powers;
static Py_ssize_t g_npowers;

static PyObject *
powers_of_two(PyObject *module, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg), i;
    double *table;

    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (n < 1 || n > 1024) {
        PyErr_SetString(PyExc_ValueError, "n must be in 1..1024");
        return NULL;
    }
    table = PyMem_New(double, n);
    if (table == NULL)
        return PyErr_NoMemory();
    table[0] = 1.0;
    for (i = 1; i < n; i++)
        table[i] = table[i - 1] * 2.0;
    PyMem_Free(g_powers); // no-warning: a static pointer to a heap block
    g_powers = table;
    g_npowers = n;
    return PyFloat_FromDouble(g_powers[n - 1]);
}

static void
module_free(void *module)
{
    PyMem_Free(g_powers); // no-warning: a static pointer to a heap block
    g_powers = NULL;
    g_npowers = 0;
}

/* ---- NULL ---- */

static PyObject *
pad(PyObject *module, PyObject *args)
{
    const char *text;
    Py_ssize_t len, width = 0;
    char *padded = NULL;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#|n:pad", &text, &len, &width))
        return NULL;
    if (width > len) {
        padded = PyMem_Malloc(width + 1);
        if (padded == NULL)
            return PyErr_NoMemory();
        memset(padded, ' ', width - len);
        memcpy(padded + (width - len), text, len + 1);
        text = padded;
        len = width;
    }
    result = PyUnicode_FromStringAndSize(text, len);
    PyMem_Free(padded); // no-warning: NULL when no padding was needed
    return result;
}

/* ---- a literal default, released only when it was replaced ---- */

static const char default_sep[] = ", ";

static PyObject *
join_pair(PyObject *module, PyObject *args)
{
    const char *a, *b;
    PyObject *sep_obj = NULL, *result;
    const char *sep = default_sep;

    if (!PyArg_ParseTuple(args, "ss|O:join_pair", &a, &b, &sep_obj))
        return NULL;
    if (sep_obj != NULL && sep_obj != Py_None) {
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(sep_obj, &n);
        char *copy;

        if (s == NULL)
            return NULL;
        copy = PyMem_Malloc(n + 1);
        if (copy == NULL)
            return PyErr_NoMemory();
        memcpy(copy, s, n + 1);
        sep = copy;
    }
    result = PyUnicode_FromFormat("%s%s%s", a, sep, b);
    if (sep != default_sep)
        PyMem_Free((char *)sep); // no-warning: only the replacement copy
    return result;
}

static PyObject *
label_or_default(PyObject *module, PyObject *args)
{
    PyObject *obj = Py_None, *result;
    const char *label = "<unnamed>";
    char *owned = NULL;

    if (!PyArg_ParseTuple(args, "|O:label_or_default", &obj))
        return NULL;
    if (obj != Py_None) {
        PyObject *s = PyObject_Str(obj);
        const char *u;
        size_t n;

        if (s == NULL)
            return NULL;
        u = PyUnicode_AsUTF8(s);
        if (u == NULL) {
            Py_DECREF(s);
            return NULL;
        }
        n = strlen(u) + 1;
        owned = PyMem_Malloc(n);
        if (owned == NULL) {
            Py_DECREF(s);
            return PyErr_NoMemory();
        }
        memcpy(owned, u, n);
        Py_DECREF(s);
        label = owned;
    }
    result = PyUnicode_FromFormat("[%s]", label);
    PyMem_Free(owned); // no-warning: the owned copy or NULL, never the literal
    return result;
}

/* ---- moved, then back to the start ---- */

#define LEN_PREFIX 4

static PyObject *
framed_payload(PyObject *module, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *frame;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:framed_payload", &data, &len))
        return NULL;
    if (len > 0x7FFFFFFF - LEN_PREFIX) {
        PyErr_SetString(PyExc_OverflowError, "payload too large");
        return NULL;
    }
    frame = PyMem_Malloc(len + LEN_PREFIX);
    if (frame == NULL)
        return PyErr_NoMemory();
    frame[0] = (char)((len >> 24) & 0xFF);
    frame[1] = (char)((len >> 16) & 0xFF);
    frame[2] = (char)((len >> 8) & 0xFF);
    frame[3] = (char)(len & 0xFF);
    frame += LEN_PREFIX;
    memcpy(frame, data, len);
    result = PyBytes_FromStringAndSize(frame - LEN_PREFIX, len + LEN_PREFIX);
    frame -= LEN_PREFIX;
    PyMem_Free(frame); // no-warning: moved back to the start
    return result;
}

static PyObject *
count_runs(PyObject *module, PyObject *args)
{
    const char *data;
    Py_ssize_t len, runs = 0;
    char *copy, *p, *start;

    if (!PyArg_ParseTuple(args, "y#:count_runs", &data, &len))
        return NULL;
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, data, len);
    copy[len] = '\0';
    start = copy;
    for (p = copy; p < start + len; p++) {
        if (p == start || p[0] != p[-1])
            runs++;
    }
    p = start;
    PyMem_Free(p); // no-warning: reset to the start
    return PyLong_FromSsize_t(runs);
}

static PyObject *
first_byte(PyObject *module, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len;
    unsigned char *copy;
    long first;

    if (!PyArg_ParseTuple(args, "y#:first_byte", &data, &len))
        return NULL;
    if (len == 0) {
        PyErr_SetString(PyExc_ValueError, "empty input");
        return NULL;
    }
    copy = PyMem_Malloc(len);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, data, len);
    first = copy[0];
    PyMem_Free(&copy[0]); // no-warning: the address of element 0 is the block
    return PyLong_FromLong(first);
}

/* ---- a static scratch array next to a heap copy ---- */

static PyObject *
describe(PyObject *module, PyObject *args)
{
    static char scratch[64];
    const char *name;
    int count;
    char *copy;
    size_t n;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "si:describe", &name, &count))
        return NULL;
    PyOS_snprintf(scratch, sizeof(scratch), " (%d)", count);
    n = strlen(name);
    copy = PyMem_Malloc(n + sizeof(scratch));
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, name, n);
    strcpy(copy + n, scratch);
    result = PyUnicode_FromString(copy);
    PyMem_Free(copy); // no-warning: the heap copy, not the static scratch
    return result;
}

static PyMethodDef correct_idioms_methods[] = {
    {"powers_of_two", powers_of_two, METH_O, NULL},
    {"pad", pad, METH_VARARGS, NULL},
    {"join_pair", join_pair, METH_VARARGS, NULL},
    {"label_or_default", label_or_default, METH_VARARGS, NULL},
    {"framed_payload", framed_payload, METH_VARARGS, NULL},
    {"count_runs", count_runs, METH_VARARGS, NULL},
    {"first_byte", first_byte, METH_VARARGS, NULL},
    {"describe", describe, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef correct_idioms_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "correct_idioms",
    .m_size = -1,
    .m_methods = correct_idioms_methods,
    .m_free = module_free,
};

PyMODINIT_FUNC
PyInit_correct_idioms(void)
{
    PyObject *m;

    if (PyType_Ready(&LineType) < 0)
        return NULL;
    m = PyModule_Create(&correct_idioms_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&LineType);
    if (PyModule_AddObject(m, "Line", (PyObject *)&LineType) < 0) {
        Py_DECREF(&LineType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
