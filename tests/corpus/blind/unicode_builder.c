/* unicode_builder.c: code-point level text transforms in the style of
 * CPython's Modules/unicodedata.c (nfd_nfkd / nfc_nfkc) and _codecs helpers:
 * work buffers of Py_UCS4 are PyMem_New'd and grown with PyMem_Resize or
 * PyMem_Realloc through a temporary. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define MAX_EXPANSION 3

typedef struct {
    Py_UCS4 *buf;
    Py_ssize_t len;
    Py_ssize_t cap;
} UCS4Builder;

static int
builder_init(UCS4Builder *b, Py_ssize_t hint)
{
    b->cap = hint > 0 ? hint : 16;
    b->len = 0;
    b->buf = PyMem_New(Py_UCS4, b->cap); // no-warning: owned by the builder
    if (b->buf == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static int
builder_append(UCS4Builder *b, Py_UCS4 ch)
{
    if (b->len == b->cap) {
        Py_ssize_t newcap = b->cap + (b->cap >> 1) + 8;
        Py_UCS4 *tmp = b->buf;
        PyMem_Resize(tmp, Py_UCS4, newcap); // no-warning: b->buf keeps the old block
        if (tmp == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        b->buf = tmp;
        b->cap = newcap;
    }
    b->buf[b->len++] = ch;
    return 0;
}

static PyObject *
builder_finish(UCS4Builder *b)
{
    PyObject *res = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, b->buf, b->len);
    PyMem_Free(b->buf);
    b->buf = NULL;
    return res;
}

static void
builder_discard(UCS4Builder *b)
{
    PyMem_Free(b->buf);
    b->buf = NULL;
}

static PyObject *
expand_ligatures(PyObject *module, PyObject *args)
{
    PyObject *input;
    Py_ssize_t i, n;
    UCS4Builder b;

    if (!PyArg_ParseTuple(args, "U:expand_ligatures", &input))
        return NULL;
    n = PyUnicode_GET_LENGTH(input);
    if (builder_init(&b, n + 8) < 0)
        return NULL;
    for (i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ_CHAR(input, i);
        int rc;
        switch (ch) {
        case 0xFB00:    /* ff */
            rc = builder_append(&b, 'f');
            if (rc == 0)
                rc = builder_append(&b, 'f');
            break;
        case 0xFB01:    /* fi */
            rc = builder_append(&b, 'f');
            if (rc == 0)
                rc = builder_append(&b, 'i');
            break;
        case 0xFB02:    /* fl */
            rc = builder_append(&b, 'f');
            if (rc == 0)
                rc = builder_append(&b, 'l');
            break;
        default:
            rc = builder_append(&b, ch);
            break;
        }
        if (rc < 0) {
            builder_discard(&b);
            return NULL;
        }
    }
    return builder_finish(&b);
}

static PyObject *
decode_escapes(PyObject *module, PyObject *args)
{
    const char *s;
    Py_ssize_t len, i, o = 0;
    Py_UCS4 *work;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "s#:decode_escapes", &s, &len))
        return NULL;
    work = PyMem_New(Py_UCS4, len + 1);
    if (work == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (s[i] != '\\') {
            work[o++] = (unsigned char)s[i];
            continue;
        }
        if (i + 1 >= len) {
            PyMem_Free(work);
            PyErr_Format(PyExc_ValueError, "trailing backslash after U+%04X", o ? (unsigned int)work[o - 1] : 0u); // expected-warning {{[PML004]}}
            return NULL;
        }
        i++;
        switch (s[i]) {
        case 'n': work[o++] = '\n'; break;
        case 't': work[o++] = '\t'; break;
        case '\\': work[o++] = '\\'; break;
        case '0': work[o++] = 0; break;
        default:
            PyMem_Free(work);
            PyErr_Format(PyExc_ValueError, "unknown escape \\%c", s[i]);
            return NULL;
        }
    }
    res = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, work, o);
    PyMem_Free(work);
    return res;
}

static PyObject *
to_utf8_quoted(PyObject *module, PyObject *args)
{
    PyObject *input;
    const char *utf8;
    Py_ssize_t len, i, o = 0, cap;
    char *out, *tmp;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "U:to_utf8_quoted", &input))
        return NULL;
    utf8 = PyUnicode_AsUTF8AndSize(input, &len);
    if (utf8 == NULL)
        return NULL;
    cap = len + 3;
    out = PyMem_Malloc(cap); // expected-warning {{[PML005]}}
    if (out == NULL)
        return PyErr_NoMemory();
    out[o++] = '"';
    for (i = 0; i < len; i++) {
        if (utf8[i] == '"' || utf8[i] == '\\')
            break;
        out[o++] = utf8[i];
    }
    if (i < len) {
        /* slow path: something needs escaping, so grow once to the worst case */
        Py_ssize_t need = o + (len - i) + (len - i) + 2;
        tmp = PyMem_Realloc(out, need);
        if (tmp == NULL)
            return PyErr_NoMemory();
        out = tmp;
        for (; i < len; i++) {
            if (utf8[i] == '"' || utf8[i] == '\\')
                out[o++] = '\\';
            out[o++] = utf8[i];
        }
    }
    out[o++] = '"';
    res = PyUnicode_DecodeUTF8(out, o, "strict");
    PyMem_Free(out);
    return res;
}

static PyObject *
casefold_ascii(PyObject *module, PyObject *args)
{
    PyObject *input;
    Py_ssize_t i, n;
    Py_UCS4 *buf;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "U:casefold_ascii", &input))
        return NULL;
    n = PyUnicode_GET_LENGTH(input);
    buf = PyMem_Calloc(n + 1, sizeof(Py_UCS4)); // no-warning
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ_CHAR(input, i);
        buf[i] = (ch >= 'A' && ch <= 'Z') ? ch + 32 : ch;
    }
    res = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, n);
    PyMem_Free(buf);
    return res;
}

static PyObject *
interleave(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"a", "b", "sep", NULL};
    PyObject *a, *b;
    int sep = '-';
    Py_ssize_t na, nb, i;
    UCS4Builder bld;
    Py_UCS4 *scratch = NULL;
    PyObject *res = NULL;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "UU|C:interleave", kwlist, &a, &b, &sep))
        return NULL;
    na = PyUnicode_GET_LENGTH(a);
    nb = PyUnicode_GET_LENGTH(b);
    if (builder_init(&bld, na + nb + 1) < 0)
        return NULL;
    scratch = PyMem_New(Py_UCS4, nb + 1); // no-warning: freed at 'done'
    if (scratch == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (i = 0; i < nb; i++)
        scratch[i] = PyUnicode_READ_CHAR(b, i);
    for (i = 0; i < na || i < nb; i++) {
        if (i < na && builder_append(&bld, PyUnicode_READ_CHAR(a, i)) < 0)
            goto error;
        if (i < nb && builder_append(&bld, scratch[i]) < 0)
            goto error;
        if (i + 1 < na && builder_append(&bld, (Py_UCS4)sep) < 0)
            goto error;
    }
    res = builder_finish(&bld);
    goto done;

error:
    builder_discard(&bld);
done:
    PyMem_Free(scratch);
    return res;
}

/* Strip combining marks (a crude NFD + filter): the expansion buffer may
 * need up to MAX_EXPANSION code points per input character. */
static PyObject *
strip_marks(PyObject *module, PyObject *args)
{
    PyObject *input, *res = NULL;
    Py_ssize_t i, n, o = 0;
    Py_UCS4 *out = NULL;

    if (!PyArg_ParseTuple(args, "U:strip_marks", &input))
        return NULL;
    n = PyUnicode_GET_LENGTH(input);
    out = PyMem_New(Py_UCS4, n + MAX_EXPANSION);
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ_CHAR(input, i);
        if (ch >= 0x0300 && ch <= 0x036F)
            continue;
        if (ch >= 0xD800 && ch <= 0xDFFF) {
            PyErr_SetString(PyExc_ValueError, "lone surrogate");
            PyMem_Free(out);
            goto finally;
        }
        out[o++] = ch;
    }
    res = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, o);

finally:
    PyMem_Free(out); // expected-warning {{[PML003]}}
    return res;
}

static PyObject *
title_words(PyObject *module, PyObject *args)
{
    PyObject *input;
    Py_ssize_t i, n;
    int at_start = 1;
    UCS4Builder b;

    if (!PyArg_ParseTuple(args, "U:title_words", &input))
        return NULL;
    n = PyUnicode_GET_LENGTH(input);
    if (builder_init(&b, n + 1) < 0)
        return NULL;
    for (i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ_CHAR(input, i);
        if (at_start && ch >= 'a' && ch <= 'z')
            ch -= 32;
        else if (!at_start && ch >= 'A' && ch <= 'Z')
            ch += 32;
        at_start = (ch == ' ' || ch == '-');
        if (builder_append(&b, ch) < 0) {
            builder_discard(&b);
            return NULL;
        }
    }
    return builder_finish(&b);
}

static PyObject *
ascii_escape(PyObject *module, PyObject *args)
{
    PyObject *input, *res;
    Py_ssize_t i, n, o = 0;
    char *out;

    if (!PyArg_ParseTuple(args, "U:ascii_escape", &input))
        return NULL;
    n = PyUnicode_GET_LENGTH(input);
    if (n > (PY_SSIZE_T_MAX - 1) / 10)
        return PyErr_NoMemory();
    out = PyObject_Calloc((size_t)n + 1, 10); // no-warning
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++) {
        Py_UCS4 ch = PyUnicode_READ_CHAR(input, i);
        if (ch < 0x80)
            out[o++] = (char)ch;
        else if (ch < 0x10000)
            o += PyOS_snprintf(out + o, 7, "\\u%04x", (unsigned int)ch);
        else
            o += PyOS_snprintf(out + o, 11, "\\U%08x", (unsigned int)ch);
    }
    res = PyUnicode_FromStringAndSize(out, o);
    PyObject_Free(out);
    return res;
}

static PyMethodDef unicode_builder_methods[] = {
    {"expand_ligatures", expand_ligatures, METH_VARARGS, NULL},
    {"decode_escapes", decode_escapes, METH_VARARGS, NULL},
    {"to_utf8_quoted", to_utf8_quoted, METH_VARARGS, NULL},
    {"casefold_ascii", casefold_ascii, METH_VARARGS, NULL},
    {"interleave", (PyCFunction)(void (*)(void))interleave, METH_VARARGS | METH_KEYWORDS, NULL},
    {"strip_marks", strip_marks, METH_VARARGS, NULL},
    {"title_words", title_words, METH_VARARGS, NULL},
    {"ascii_escape", ascii_escape, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef unicode_builder_module = {
    PyModuleDef_HEAD_INIT, "unicode_builder", NULL, -1, unicode_builder_methods,
};

PyMODINIT_FUNC
PyInit_unicode_builder(void)
{
    return PyModule_Create(&unicode_builder_module);
}
