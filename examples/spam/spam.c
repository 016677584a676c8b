/*
 * examples/spam/spam.c - the spam extension module: spam.TextBuf, a
 * growable byte buffer of text with a few str-returning views.
 * Contains three planted bugs (see README.md): PML002, PML003 and PML005.
 *
 * Build:  python3 setup.py build_ext --inplace
 *    or:  cc -shared -fPIC $(python3-config --includes) spam.c textutil.c \
 *            -o spam$(python3-config --extension-suffix)
 * Check:  pymem-lint examples/spam
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string.h>

#include "textutil.h"

typedef struct {
    PyObject_HEAD
    char *data; /* PyMem block of 'cap' bytes, 'len' used */
    Py_ssize_t len;
    Py_ssize_t cap;
} TextBufObject;

/* ---- storage ---- */

/* Make room for 'need' bytes.  Return 0, or -1 with MemoryError set. */
static int tb_reserve(TextBufObject *self, Py_ssize_t need)
{
    Py_ssize_t cap = self->cap ? self->cap : 16;
    char *data;

    if (need <= self->cap)
        return 0;
    while (cap < need)
        cap += cap / 2 + 16;
    data = PyMem_Realloc(self->data, (size_t)cap);
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->data = data;
    self->cap = cap;
    return 0;
}

static void TextBuf_dealloc(TextBufObject *self)
{
    PyTypeObject *type = Py_TYPE(self);

    PyMem_Free(self->data);
    type->tp_free((PyObject *)self);
    Py_DECREF(type); /* instances of heap types own a reference */
}

static int TextBuf_init(TextBufObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"text", NULL};
    const char *text = "";
    Py_ssize_t len = 0;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|s#:TextBuf", kwlist, &text,
                                     &len))
        return -1;
    self->len = 0;
    if (tb_reserve(self, len + 1) < 0)
        return -1;
    memcpy(self->data, text, (size_t)len);
    self->len = len;
    return 0;
}

static Py_ssize_t TextBuf_length(TextBufObject *self)
{
    return self->len;
}

static PyObject *TextBuf_str(TextBufObject *self)
{
    return PyUnicode_DecodeUTF8(self->data, self->len, "replace");
}

/* ---- methods ---- */

static PyObject *TextBuf_append(TextBufObject *self, PyObject *args)
{
    const char *s;
    Py_ssize_t n;

    if (!PyArg_ParseTuple(args, "s#:append", &s, &n))
        return NULL;
    if (tb_reserve(self, self->len + n + 1) < 0)
        return NULL;
    memcpy(self->data + self->len, s, (size_t)n);
    self->len += n;
    Py_RETURN_NONE;
}

/* TextBuf.line(i): line i decoded from the locale encoding. */
static PyObject *TextBuf_line(TextBufObject *self, PyObject *args)
{
    Py_ssize_t index, start, end;
    char *line;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "n:line", &index))
        return NULL;
    if (tu_find_line(self->data, self->len, index, &start, &end) < 0) {
        PyErr_SetString(PyExc_IndexError, "line index out of range");
        return NULL;
    }
    line = tu_dup_range(self->data, start, end); /* needs a NUL */
    if (line == NULL)
        return NULL;
    result = PyUnicode_DecodeLocale(line, "surrogateescape");
    PyMem_Free(line);
    return result;
}

static PyObject *TextBuf_upper(TextBufObject *self, PyObject *Py_UNUSED(ign))
{
    char *tmp = PyMem_Malloc((size_t)self->len + 1);
    PyObject *result;

    if (tmp == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < self->len; i++)
        tmp[i] = (char)Py_TOUPPER(self->data[i]);
    result = PyUnicode_DecodeUTF8(tmp, self->len, "replace");
    PyObject_Free(tmp); // expected-warning {{[PML002]}}
    return result;
}

/* TextBuf.title(): every word capitalized. */
static PyObject *TextBuf_title(TextBufObject *self, PyObject *Py_UNUSED(ign))
{
    PyObject *result = NULL;
    char *out = PyMem_Malloc((size_t)self->len + 1);
    int at_start = 1;

    if (out == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (Py_ssize_t i = 0; i < self->len; i++) {
        char c = self->data[i];
        out[i] = (char)(at_start ? Py_TOUPPER(c) : Py_TOLOWER(c));
        at_start = Py_ISSPACE(c);
    }
    result = PyUnicode_DecodeUTF8(out, self->len, "strict");
    if (result == NULL) {
        PyMem_Free(out); /* BUG: 'error' releases it again */
        goto error;
    }
    PyMem_Free(out);
    return result;

error:
    PyMem_Free(out); // expected-warning {{[PML003]}}
    return NULL;
}

/* TextBuf.tokens(): the lower-cased words as a list of str. */
static PyObject *TextBuf_tokens(TextBufObject *self, PyObject *Py_UNUSED(ign))
{
    PyObject *list, *word;
    Py_ssize_t i = 0, start;
    char *low;

    low = PyMem_Malloc((size_t)self->len + 1); // expected-warning {{[PML005]}}
    if (low == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t k = 0; k < self->len; k++)
        low[k] = (char)Py_TOLOWER(self->data[k]);
    list = PyList_New(0);
    if (list == NULL)
        return NULL; /* BUG: 'low' is not released */
    for (;;) {
        while (i < self->len && Py_ISSPACE(low[i]))
            i++;
        if (i == self->len)
            break;
        for (start = i; i < self->len && !Py_ISSPACE(low[i]); i++)
            ;
        word = PyUnicode_DecodeUTF8(low + start, i - start, "replace");
        if (word == NULL || PyList_Append(list, word) < 0) {
            Py_XDECREF(word);
            Py_DECREF(list);
            PyMem_Free(low);
            return NULL;
        }
        Py_DECREF(word);
    }
    PyMem_Free(low);
    return list;
}

/* TextBuf.count(word): occurrences of 'word', ignoring ASCII case. */
static PyObject *TextBuf_count(TextBufObject *self, PyObject *args)
{
    const char *word;
    Py_ssize_t wlen, n;

    if (!PyArg_ParseTuple(args, "s#:count", &word, &wlen))
        return NULL;
    if (wlen == 0) {
        PyErr_SetString(PyExc_ValueError, "empty word");
        return NULL;
    }
    n = tu_count_fold(self->data, self->len, word, wlen);
    return n < 0 ? NULL : PyLong_FromSsize_t(n);
}

/* ---- type and module ---- */

static PyMethodDef TextBuf_methods[] = {
    {"append", (PyCFunction)TextBuf_append, METH_VARARGS, "Append a str."},
    {"line", (PyCFunction)TextBuf_line, METH_VARARGS, "Return line i."},
    {"upper", (PyCFunction)TextBuf_upper, METH_NOARGS, "Upper-cased text."},
    {"title", (PyCFunction)TextBuf_title, METH_NOARGS, "Title-cased text."},
    {"tokens", (PyCFunction)TextBuf_tokens, METH_NOARGS, "Lower-cased words."},
    {"count", (PyCFunction)TextBuf_count, METH_VARARGS, "Count a word."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot TextBuf_slots[] = {
    {Py_tp_doc, "A growable text buffer."},
    {Py_tp_new, PyType_GenericNew},
    {Py_tp_init, TextBuf_init},
    {Py_tp_dealloc, TextBuf_dealloc},
    {Py_tp_str, TextBuf_str},
    {Py_sq_length, TextBuf_length},
    {Py_tp_methods, TextBuf_methods},
    {0, NULL},
};

static PyType_Spec TextBuf_spec = {
    .name = "spam.TextBuf",
    .basicsize = sizeof(TextBufObject),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = TextBuf_slots,
};

static struct PyModuleDef spam_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "spam",
    .m_doc = "Text buffers (an example for pymem-lint, with planted bugs).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit_spam(void)
{
    PyObject *m = PyModule_Create(&spam_module);
    PyObject *type;

    if (m == NULL)
        return NULL;
    type = PyType_FromSpec(&TextBuf_spec);
    if (type == NULL || PyModule_AddObject(m, "TextBuf", type) < 0) {
        Py_XDECREF(type);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
