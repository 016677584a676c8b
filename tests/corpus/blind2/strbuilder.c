// known-to-fail: helpers that release a field of a struct passed by pointer (builder_finish, builder_dealloc) are not summarized per field (strbuilder.c:103, :168)
/* strbuilder.c - a small UTF-8 string builder with an inline buffer. */
#define PY_SSIZE_T_CLEAN
#include "Python.h"
#include <ctype.h>
#include <string.h>

typedef struct {
    char *buf;
    Py_ssize_t len;
    Py_ssize_t cap;
    int on_stack;
    char small[256];
} builder;

#define builder_init(b) ((b)->buf = (b)->small, (b)->len = 0, \
                         (b)->cap = (Py_ssize_t)sizeof((b)->small), (b)->on_stack = 1)

static int
builder_grow(builder *b, Py_ssize_t extra)
{
    Py_ssize_t newcap = b->cap;
    char *nb;

    if (extra > PY_SSIZE_T_MAX - b->len) {
        PyErr_NoMemory();
        return -1;
    }
    while (newcap < b->len + extra) {
        newcap = newcap > PY_SSIZE_T_MAX / 2 ? PY_SSIZE_T_MAX : newcap + newcap;
    }
    /* the inline buffer is never passed to PyMem_Realloc */
    nb = b->on_stack ? PyMem_Malloc(newcap) : PyMem_Realloc(b->buf, newcap);
    if (nb == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (b->on_stack) {
        memcpy(nb, b->small, b->len);
        b->on_stack = 0;
    }
    b->buf = nb; // no-warning: the builder owns the block
    b->cap = newcap;
    return 0;
}

static int
builder_append(builder *b, const char *s, Py_ssize_t n)
{
    if (b->len + n > b->cap && builder_grow(b, n) < 0) {
        return -1;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    return 0;
}

static void
builder_dealloc(builder *b)
{
    if (!b->on_stack) {
        PyMem_Free(b->buf);
    }
}

static PyObject *
builder_finish(builder *b)
{
    PyObject *res = PyUnicode_DecodeUTF8(b->buf, b->len, "strict");
    builder_dealloc(b);
    return res;
}

static PyObject *
strbuilder_join_impl(PyObject *module, PyObject *seq, const char *sep,
                     Py_ssize_t seplen)
{
    builder b;
    Py_ssize_t i, n;
    PyObject *res;

    seq = PySequence_Fast(seq, "join() needs a sequence");
    if (seq == NULL) {
        return NULL;
    }
    builder_init(&b);
    n = PySequence_Fast_GET_SIZE(seq);
    for (i = 0; i < n; i++) {
        Py_ssize_t len;
        const char *s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(seq, i), &len);
        if (s == NULL ||
            (i > 0 && builder_append(&b, sep, seplen) < 0) ||
            builder_append(&b, s, len) < 0) {
            builder_dealloc(&b);
            Py_DECREF(seq);
            return NULL;
        }
    }
    Py_DECREF(seq);
    res = builder_finish(&b);
    if (res == NULL && PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) {
        /* the items were str, so the separator must be at fault */
        int lead = b.len > 0 ? (unsigned char)b.buf[0] : 0; // expected-warning {{[PML004]}}
        PyErr_Format(PyExc_ValueError, "separator is not UTF-8 (result starts 0x%02x)", lead);
    }
    return res;
}

static PyObject *
strbuilder_repeat_impl(PyObject *module, const char *s, Py_ssize_t n,
                       Py_ssize_t count, int upper)
{
    builder b;
    char *piece;
    Py_ssize_t i;

    piece = PyMem_Malloc(n + 1); // expected-warning {{[PML006]}}
    if (piece == NULL) {
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        piece[i] = upper ? (char)toupper((unsigned char)s[i]) : s[i];
    }
    piece[n] = '\0';
    if (count <= 0) {
        return PyUnicode_New(0, 0);
    }
    builder_init(&b);
    for (i = 0; i < count; i++) {
        if (builder_append(&b, piece, n) < 0) {
            builder_dealloc(&b);
            PyMem_Free(piece);
            return NULL;
        }
    }
    PyMem_Free(piece);
    return builder_finish(&b);
}

static PyObject *
strbuilder_wrap_impl(PyObject *module, const char *s, Py_ssize_t n,
                     Py_ssize_t width)
{
    builder b;
    Py_ssize_t i, col = 0;

    if (width < 1) {
        PyErr_SetString(PyExc_ValueError, "width must be positive");
        return NULL;
    }
    builder_init(&b);
    for (i = 0; i < n; i++) {
        if (col == width) {
            if (builder_append(&b, "\n", 1) < 0) {
                goto error;
            }
            col = 0;
        }
        if (builder_append(&b, s + i, 1) < 0) {
            builder_dealloc(&b);
            goto error;
        }
        col = (s[i] == '\n') ? 0 : col + 1;
    }
    return builder_finish(&b);

error:
    builder_dealloc(&b); // expected-warning {{[PML003]}}
    return NULL;
}

static PyObject *
strbuilder_escape_impl(PyObject *module, const char *s, Py_ssize_t n)
{
    char *out, *p;
    Py_ssize_t i;
    PyObject *res;

    out = PyMem_Calloc(n + 1, 4); // no-warning: calloc checks the product
    if (out == NULL) {
        return PyErr_NoMemory();
    }
    for (p = out, i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            p += PyOS_snprintf(p, 5, "\\x%02x", c);
        }
        else {
            *p++ = (char)c;
        }
    }
    res = PyUnicode_FromStringAndSize(out, p - out);
    PyMem_Free(out);
    return res;
}

static PyObject *
strbuilder_reverse_words_impl(PyObject *module, const char *s, Py_ssize_t n)
{
    Py_ssize_t *starts, nwords = 0, i, k, pos = 0;
    char *out;
    PyObject *res;

    starts = PyMem_New(Py_ssize_t, n / 2 + 1);
    if (starts == NULL) {
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        if (s[i] != ' ' && (i == 0 || s[i - 1] == ' ')) {
            starts[nwords++] = i;
        }
    }
    out = PyMem_Malloc(n + 1);
    if (out == NULL) {
        PyMem_Free(starts);
        return PyErr_NoMemory();
    }
    for (k = nwords - 1; k >= 0; k--) {
        const char *sp = memchr(s + starts[k], ' ', n - starts[k]);
        Py_ssize_t e = sp ? sp - s : n;
        if (pos > 0) {
            out[pos++] = ' ';
        }
        memcpy(out + pos, s + starts[k], e - starts[k]);
        pos += e - starts[k];
    }
    PyMem_Free(starts);
    res = PyUnicode_DecodeUTF8(out, pos, "strict");
    PyMem_Free(out);
    return res;
}

static PyObject *
strbuilder_join(PyObject *module, PyObject *args)
{
    PyObject *seq;
    const char *sep = "";
    Py_ssize_t seplen = 0;
    if (!PyArg_ParseTuple(args, "O|s#:join", &seq, &sep, &seplen)) {
        return NULL;
    }
    return strbuilder_join_impl(module, seq, sep, seplen);
}

static PyObject *
strbuilder_repeat(PyObject *module, PyObject *args)
{
    const char *s;
    Py_ssize_t n, count;
    int upper = 0;
    if (!PyArg_ParseTuple(args, "s#n|p:repeat", &s, &n, &count, &upper)) {
        return NULL;
    }
    return strbuilder_repeat_impl(module, s, n, count, upper);
}

static PyObject *
strbuilder_wrap(PyObject *module, PyObject *args)
{
    const char *s;
    Py_ssize_t n, width;
    if (!PyArg_ParseTuple(args, "s#n:wrap", &s, &n, &width)) {
        return NULL;
    }
    return strbuilder_wrap_impl(module, s, n, width);
}

#define STRING_FUNC(name)                                               \
    static PyObject *                                                   \
    strbuilder_##name(PyObject *module, PyObject *args)                 \
    {                                                                   \
        const char *s;                                                  \
        Py_ssize_t n;                                                   \
        if (!PyArg_ParseTuple(args, "s#:" #name, &s, &n))               \
            return NULL;                                                \
        return strbuilder_##name##_impl(module, s, n);                  \
    }

STRING_FUNC(escape)
STRING_FUNC(reverse_words)

static PyMethodDef strbuilder_methods[] = {
    {"join", strbuilder_join, METH_VARARGS, NULL},
    {"repeat", strbuilder_repeat, METH_VARARGS, NULL},
    {"wrap", strbuilder_wrap, METH_VARARGS, NULL},
    {"escape", strbuilder_escape, METH_VARARGS, NULL},
    {"reverse_words", strbuilder_reverse_words, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef strbuilder_module = {
    PyModuleDef_HEAD_INIT, "strbuilder", NULL, 0, strbuilder_methods,
};

PyMODINIT_FUNC
PyInit_strbuilder(void)
{
    return PyModuleDef_Init(&strbuilder_module);
}
