/*
 * csvrow.c -- CSV row builder / splitter.
 * Tests: PML009 (len * 2 + 3 for a quoted copy), PML007 (text =
 * PyMem_Realloc(text, ...) with no other copy), PML006 (scratch copy never
 * freed on the success path), PML013 ("et" buffer from
 * PyArg_ParseTupleAndKeywords never released).
 * Negatives: growable buffer reallocating through a temporary, es# buffer
 * freed on every path, doubling guarded before use.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef struct {
    char *buf;
    Py_ssize_t len, cap;
} sbuf;

/* Internal: returns -1 with MemoryError set. */
static int
sbuf_reserve(sbuf *b, Py_ssize_t extra)
{
    Py_ssize_t need;
    char *nb;

    if (extra > PY_SSIZE_T_MAX - b->len) {
        PyErr_NoMemory();
        return -1;
    }
    need = b->len + extra;
    if (need <= b->cap)
        return 0;
    if (need < PY_SSIZE_T_MAX / 2)
        need += need;
    nb = PyMem_Realloc(b->buf, need); // no-warning: b->buf keeps the old block on failure
    if (nb == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->buf = nb;
    b->cap = need;
    return 0;
}

static int
append_field(sbuf *b, const char *s, Py_ssize_t n, char delim)
{
    Py_ssize_t i;
    int quote = memchr(s, delim, n) || memchr(s, '"', n) || memchr(s, '\n', n);

    if (n >= PY_SSIZE_T_MAX / 2) {
        PyErr_NoMemory();
        return -1;
    }
    if (sbuf_reserve(b, n + n + 3) < 0)
        return -1;
    if (quote)
        b->buf[b->len++] = '"';
    for (i = 0; i < n; i++) {
        if (s[i] == '"')
            b->buf[b->len++] = '"';
        b->buf[b->len++] = s[i];
    }
    if (quote)
        b->buf[b->len++] = '"';
    return 0;
}

static PyObject *
csv_format_row(PyObject *module, PyObject *args)
{
    PyObject *seq, *fast, *res = NULL;
    int delim = ',';
    sbuf b = {NULL, 0, 0};
    Py_ssize_t i, n;

    if (!PyArg_ParseTuple(args, "O|C:format_row", &seq, &delim))
        return NULL;
    fast = PySequence_Fast(seq, "fields must be a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        Py_ssize_t len;
        const char *s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &len);
        if (s == NULL || (i > 0 && sbuf_reserve(&b, 1) < 0))
            goto done;
        if (i > 0)
            b.buf[b.len++] = (char)delim;
        if (append_field(&b, s, len, (char)delim) < 0)
            goto done;
    }
    res = PyUnicode_FromStringAndSize(b.buf, b.len);
done:
    PyMem_Free(b.buf);
    Py_DECREF(fast);
    return res;
}

static PyObject *
csv_quote(PyObject *module, PyObject *args)
{
    char *text = NULL, *out;
    Py_ssize_t len, i, j = 0;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "es#:quote", "utf-8", &text, &len))
        return NULL;
    out = PyMem_Malloc(len * 2 + 3); // expected-warning {{[PML009]}}
    if (out == NULL) {
        PyMem_Free(text);
        return PyErr_NoMemory();
    }
    out[j++] = '"';
    for (i = 0; i < len; i++) {
        if (text[i] == '"')
            out[j++] = '"';
        out[j++] = text[i];
    }
    out[j++] = '"';
    PyMem_Free(text); // no-warning: es# buffer released with PyMem_Free
    res = PyUnicode_FromStringAndSize(out, j);
    PyMem_Free(out);
    return res;
}

static PyObject *
csv_join_lines(PyObject *module, PyObject *seq)
{
    PyObject *fast, *res;
    char *text = NULL;
    Py_ssize_t len = 0, i, n;

    fast = PySequence_Fast(seq, "expected a sequence of str");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        Py_ssize_t slen;
        const char *s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &slen);
        if (s == NULL) {
            PyMem_Free(text);
            Py_DECREF(fast);
            return NULL;
        }
        text = PyMem_Realloc(text, len + slen + 2); // expected-warning {{[PML007]}}
        if (text == NULL) {
            Py_DECREF(fast);
            return PyErr_NoMemory();
        }
        memcpy(text + len, s, slen);
        len += slen;
        text[len++] = '\r';
        text[len++] = '\n';
    }
    Py_DECREF(fast);
    res = PyUnicode_FromStringAndSize(text, len);
    PyMem_Free(text);
    return res;
}

static PyObject *
csv_count_fields(PyObject *module, PyObject *args)
{
    const char *line;
    Py_ssize_t n, i, count = 1;
    int delim = ',', inq = 0;
    char *copy;

    if (!PyArg_ParseTuple(args, "s#|C:count_fields", &line, &n, &delim))
        return NULL;
    copy = PyMem_Malloc(n + 1); // expected-warning {{[PML006]}}
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, line, n);
    copy[n] = '\0';
    for (i = 0; i < n; i++) {
        if (copy[i] == '"')
            inq = !inq;
        else if (copy[i] == delim && !inq)
            count++;
    }
    return PyLong_FromSsize_t(count);
}

static PyObject *
csv_split_row(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"data", "delimiter", NULL};
    char *data = NULL, *start, *p;
    int delim = ',';
    PyObject *list, *item;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "et|C:split_row", kwlist, // expected-warning {{[PML013]}}
                                     "utf-8", &data, &delim))
        return NULL;
    list = PyList_New(0);
    if (list == NULL)
        return NULL;
    for (start = p = data;; p++) {
        if (*p != (char)delim && *p != '\0')
            continue;
        item = PyUnicode_FromStringAndSize(start, p - start);
        if (item == NULL || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            Py_CLEAR(list);
            break;
        }
        Py_DECREF(item);
        if (*p == '\0')
            break;
        start = p + 1;
    }
    return list;
}

static PyMethodDef csv_methods[] = {
    {"format_row", csv_format_row, METH_VARARGS, NULL},
    {"quote", csv_quote, METH_VARARGS, NULL},
    {"join_lines", csv_join_lines, METH_O, NULL},
    {"count_fields", csv_count_fields, METH_VARARGS, NULL},
    {"split_row", (PyCFunction)(void (*)(void))csv_split_row, METH_VARARGS | METH_KEYWORDS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef csv_module = {
    PyModuleDef_HEAD_INIT, "csvrow", NULL, -1, csv_methods,
};

PyMODINIT_FUNC
PyInit_csvrow(void)
{
    return PyModule_Create(&csv_module);
}
