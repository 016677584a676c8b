/* tokhelpers.c - a tiny tokenizer used by the config parser. */
#define PY_SSIZE_T_CLEAN
#include "Python.h"
#include <ctype.h>
#include <string.h>

typedef enum {
    TOK_WORD,
    TOK_NUMBER,
    TOK_STRING,
    TOK_PUNCT,
    TOK_NKINDS
} tokkind;

typedef struct {
    tokkind kind;
    char *text;         /* NUL-terminated copy of the token text */
    Py_ssize_t len;
} token;

static token *
token_new(tokkind kind, const char *s, Py_ssize_t len)
{
    token *t = PyMem_Malloc(sizeof(token));
    if (t == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    t->text = PyMem_Malloc(len + 1);
    if (t->text == NULL) {
        PyMem_Free(t);
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(t->text, s, len);
    t->text[len] = '\0';
    t->kind = kind;
    t->len = len;
    return t;
}

static void
token_free(token *t)
{
    if (t != NULL) {
        PyMem_Free(t->text);
        PyMem_Free(t);
    }
}

/* Return the next token, NULL at the end (no exception) or on error. */
static token *
next_token(const char *s, Py_ssize_t n, Py_ssize_t *pos)
{
    Py_ssize_t i = *pos, start;
    tokkind kind;

    while (i < n && isspace((unsigned char)s[i])) {
        i++;
    }
    if (i == n) {
        *pos = i;
        return NULL;
    }
    start = i;
    if (isalpha((unsigned char)s[i]) || s[i] == '_') {
        kind = TOK_WORD;
        while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_')) {
            i++;
        }
    }
    else if (isdigit((unsigned char)s[i])) {
        kind = TOK_NUMBER;
        while (i < n && (isdigit((unsigned char)s[i]) || s[i] == '_')) {
            i++;
        }
    }
    else if (s[i] == '"') {
        kind = TOK_STRING;
        i++;
        while (i < n && s[i] != '"') {
            i += (s[i] == '\\' && i + 1 < n) ? 2 : 1;
        }
        if (i < n) {
            i++;
        }
    }
    else {
        kind = TOK_PUNCT;
        i++;
    }
    *pos = i;
    return token_new(kind, s + start, i - start);
}

static PyObject *
token_to_object(token *t)
{
    PyObject *obj = NULL;
    Py_ssize_t i, j;

    switch (t->kind) {
    case TOK_WORD:
    case TOK_PUNCT:
        obj = PyUnicode_FromStringAndSize(t->text, t->len);
        break;
    case TOK_NUMBER: {
        char *digits = PyMem_Malloc(t->len + 1); // expected-warning {{[PML006]}}
        if (digits == NULL) {
            return PyErr_NoMemory();
        }
        for (i = 0, j = 0; i < t->len; i++) {
            if (t->text[i] != '_') {
                digits[j++] = t->text[i];
            }
        }
        digits[j] = '\0';
        if (j == t->len) {
            /* no separators: parse the token text directly */
            obj = PyLong_FromString(t->text, NULL, 10);
            break;
        }
        obj = PyLong_FromString(digits, NULL, 10);
        PyMem_Free(digits);
        break;
    }
    case TOK_STRING: {
        char *buf = PyMem_Malloc(t->len + 1);
        if (buf == NULL) {
            return PyErr_NoMemory();
        }
        for (i = 1, j = 0; i < t->len - 1; i++) {
            char c = t->text[i];
            if (c == '\\' && i + 1 < t->len - 1) {
                c = t->text[++i];
                c = (c == 'n') ? '\n' : (c == 't') ? '\t' : c;
            }
            buf[j++] = c;
        }
        obj = PyUnicode_DecodeUTF8(buf, j, "strict");
        PyMem_Free(buf); // no-warning: freed once after decoding
        break;
    }
    default:
        PyErr_Format(PyExc_SystemError, "bad token kind %d", (int)t->kind);
        break;
    }
    return obj;
}

/* Convert `t`, append it to `list` and release the token in all cases. */
static int
push_token(PyObject *list, token *t)
{
    PyObject *obj = token_to_object(t);
    int rc;

    token_free(t);
    if (obj == NULL) {
        return -1;
    }
    rc = PyList_Append(list, obj);
    Py_DECREF(obj);
    return rc;
}

static PyObject *
tokhelpers_tokenize_impl(PyObject *module, const char *s, Py_ssize_t n)
{
    Py_ssize_t pos = 0;
    PyObject *res = PyList_New(0);

    if (res == NULL) {
        return NULL;
    }
    for (;;) {
        token *t = next_token(s, n, &pos);
        if (t == NULL) {
            if (PyErr_Occurred()) {
                goto error;
            }
            break;
        }
        if (push_token(res, t) < 0) {
            token_free(t); // expected-warning {{[PML003]}}
            goto error;
        }
    }
    return res;

error:
    Py_DECREF(res);
    return NULL;
}

static PyObject *
tokhelpers_kind_counts_impl(PyObject *module, const char *s, Py_ssize_t n)
{
    Py_ssize_t counts[TOK_NKINDS] = {0};
    Py_ssize_t pos = 0;

    for (;;) {
        token *t = next_token(s, n, &pos);
        if (t == NULL) {
            if (PyErr_Occurred()) {
                return NULL;
            }
            break;
        }
        token_free(t);
        counts[t->kind]++; // expected-warning {{[PML004]}}
    }
    return Py_BuildValue("{sn,sn,sn,sn}",
                         "word", counts[TOK_WORD], "number", counts[TOK_NUMBER],
                         "string", counts[TOK_STRING], "punct", counts[TOK_PUNCT]);
}

/* Return the longest word token, or None. */
static PyObject *
tokhelpers_longest_word_impl(PyObject *module, const char *s, Py_ssize_t n)
{
    Py_ssize_t pos = 0;
    token *best = NULL;
    PyObject *res;

    for (;;) {
        token *t = next_token(s, n, &pos);
        if (t == NULL) {
            if (PyErr_Occurred()) {
                token_free(best);
                return NULL;
            }
            break;
        }
        if (t->kind == TOK_WORD && (best == NULL || t->len > best->len)) {
            token_free(best);
            best = t;
            t = NULL; // no-warning: ownership moved to best
        }
        token_free(t);
    }
    if (best == NULL) {
        Py_RETURN_NONE;
    }
    res = PyUnicode_FromStringAndSize(best->text, best->len);
    token_free(best);
    return res;
}

static PyObject *
tokhelpers_longest_word(PyObject *module, PyObject *args)
{
    const char *s;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "s#:longest_word", &s, &n)) {
        return NULL;
    }
    return tokhelpers_longest_word_impl(module, s, n);
}

static PyObject *
tokhelpers_tokenize(PyObject *module, PyObject *args)
{
    const char *s;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "s#:tokenize", &s, &n)) {
        return NULL;
    }
    return tokhelpers_tokenize_impl(module, s, n);
}

static PyObject *
tokhelpers_kind_counts(PyObject *module, PyObject *args)
{
    const char *s;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "s#:kind_counts", &s, &n)) {
        return NULL;
    }
    return tokhelpers_kind_counts_impl(module, s, n);
}

static PyMethodDef tokhelpers_methods[] = {
    {"tokenize", tokhelpers_tokenize, METH_VARARGS, NULL},
    {"kind_counts", tokhelpers_kind_counts, METH_VARARGS, NULL},
    {"longest_word", tokhelpers_longest_word, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef tokhelpers_module = {
    PyModuleDef_HEAD_INIT, "tokhelpers", NULL, 0, tokhelpers_methods,
};

PyMODINIT_FUNC
PyInit_tokhelpers(void)
{
    return PyModuleDef_Init(&tokhelpers_module);
}
