/*
 * tokenizer.c -- a small expression tokenizer exposed as the Tokenizer type.
 * Tests: PML008 (tp_init returns -1 after a failed PyMem_Calloc), PML009
 * (header + n * sizeof(token_t)), PML011 (free after p++), PML001.
 * Negatives: internal helper returning NULL whose callers raise MemoryError,
 * a pointer moved back with p -= 1 before it is freed.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <ctype.h>
#include <string.h>

enum { TK_NAME = 1, TK_NUMBER = 2, TK_OP = 3 };

typedef struct { int kind; Py_ssize_t start; Py_ssize_t len; } token_t;

typedef struct { Py_ssize_t count; Py_ssize_t srclen; } block_header;

typedef struct {
    PyObject_HEAD
    char *src;
    Py_ssize_t srclen;
    token_t *toks;
    Py_ssize_t ntoks;
} TokenizerObject;

/* Internal helper: NULL on failure, no exception; every caller raises. */
static char *
copy_source(const char *s, Py_ssize_t n)
{
    char *p = PyMem_Malloc(n + 1);
    if (p == NULL)
        return NULL; // no-warning: internal helper, callers call PyErr_NoMemory
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static Py_ssize_t
scan(const char *s, Py_ssize_t n, token_t *out, Py_ssize_t max)
{
    Py_ssize_t i = 0, k = 0;
    while (i < n && k < max) {
        unsigned char c = (unsigned char)s[i];
        Py_ssize_t j = i + 1;
        if (isspace(c)) { i++; continue; }
        if (isalpha(c) || c == '_') {
            while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '_'))
                j++;
            out[k].kind = TK_NAME;
        }
        else if (isdigit(c)) {
            while (j < n && isdigit((unsigned char)s[j]))
                j++;
            out[k].kind = TK_NUMBER;
        }
        else
            out[k].kind = TK_OP;
        out[k].start = i;
        out[k].len = j - i;
        k++;
        i = j;
    }
    return k;
}

static int
Tokenizer_init(TokenizerObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"source", NULL};
    const char *s;
    Py_ssize_t n;
    char *copy;
    token_t *toks;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s#:Tokenizer", kwlist, &s, &n))
        return -1;
    PyMem_Free(self->src);
    PyMem_Free(self->toks);
    self->src = NULL;
    self->toks = NULL;
    self->ntoks = 0;

    copy = copy_source(s, n);
    if (copy == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->src = copy;
    self->srclen = n;
    toks = PyMem_Calloc(n + 1, sizeof(token_t));
    if (toks == NULL)
        return -1; // expected-warning {{[PML008]}}
    self->ntoks = scan(copy, n, toks, n + 1);
    self->toks = toks;
    return 0;
}

static void
Tokenizer_dealloc(TokenizerObject *self)
{
    PyMem_Free(self->src);
    PyMem_Free(self->toks);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Tokenizer_tokens(TokenizerObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *list = PyList_New(self->ntoks);
    Py_ssize_t i;
    if (list == NULL)
        return NULL;
    for (i = 0; i < self->ntoks; i++) {
        token_t *t = &self->toks[i];
        PyObject *item = Py_BuildValue("(is#)", t->kind,
                                       self->src + t->start, t->len);
        if (item == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, item);
    }
    return list;
}

static PyObject *
Tokenizer_pack(TokenizerObject *self, PyObject *Py_UNUSED(ignored))
{
    block_header *blk;
    Py_ssize_t size = (Py_ssize_t)sizeof(block_header)
                      + self->ntoks * (Py_ssize_t)sizeof(token_t);
    PyObject *res;

    blk = PyMem_Malloc(sizeof(block_header) + self->ntoks * sizeof(token_t)); // expected-warning {{[PML009]}}
    if (blk == NULL)
        return PyErr_NoMemory();
    blk->count = self->ntoks;
    blk->srclen = self->srclen;
    if (self->ntoks > 0)
        memcpy(blk + 1, self->toks, self->ntoks * sizeof(token_t));
    res = PyBytes_FromStringAndSize((const char *)blk, size);
    PyMem_Free(blk);
    return res;
}

static PyObject *
Tokenizer_upper(TokenizerObject *self, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t i, n = self->srclen;
    char *buf = PyMem_Malloc(n + 1);
    PyObject *res;

    memcpy(buf, self->src, n); // expected-warning {{[PML001]}}
    for (i = 0; i < n; i++)
        buf[i] = (char)toupper((unsigned char)buf[i]);
    res = PyUnicode_FromStringAndSize(buf, n);
    PyMem_Free(buf);
    return res;
}

/* Returns the source with its first character (a sigil) removed. */
static PyObject *
Tokenizer_strip_sigil(TokenizerObject *self, PyObject *Py_UNUSED(ignored))
{
    char *p;
    PyObject *res;

    if (self->srclen < 1) {
        PyErr_SetString(PyExc_ValueError, "empty source");
        return NULL;
    }
    p = PyMem_Malloc(self->srclen + 1);
    if (p == NULL)
        return PyErr_NoMemory();
    memcpy(p, self->src, self->srclen + 1);
    p++;                        /* skip the sigil */
    res = PyUnicode_FromString(p);
    PyMem_Free(p); // expected-warning {{[PML011]}}
    return res;
}

static PyObject *
Tokenizer_quoted(TokenizerObject *self, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t len = self->srclen;
    char *p;
    PyObject *res;

    if (len > PY_SSIZE_T_MAX - 3) {
        PyErr_SetString(PyExc_OverflowError, "source too long");
        return NULL;
    }
    p = PyMem_Malloc(len + 3);
    if (p == NULL)
        return PyErr_NoMemory();
    p += 1;                     /* room for the opening quote */
    memcpy(p, self->src, len);
    p[len] = '"';
    p[len + 1] = '\0';
    p -= 1;
    p[0] = '"';
    res = PyUnicode_FromStringAndSize(p, len + 2);
    PyMem_Free(p); // no-warning: p was moved back to the block start by p -= 1
    return res;
}

static PyMethodDef Tokenizer_methods[] = {
    {"tokens", (PyCFunction)Tokenizer_tokens, METH_NOARGS, NULL},
    {"pack", (PyCFunction)Tokenizer_pack, METH_NOARGS, NULL},
    {"upper", (PyCFunction)Tokenizer_upper, METH_NOARGS, NULL},
    {"strip_sigil", (PyCFunction)Tokenizer_strip_sigil, METH_NOARGS, NULL},
    {"quoted", (PyCFunction)Tokenizer_quoted, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject TokenizerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "tokenizer.Tokenizer",
    .tp_basicsize = sizeof(TokenizerObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Tokenizer_init,
    .tp_dealloc = (destructor)Tokenizer_dealloc,
    .tp_methods = Tokenizer_methods,
};

static struct PyModuleDef tokenizer_module = {
    PyModuleDef_HEAD_INIT, "tokenizer", NULL, -1, NULL,
};

PyMODINIT_FUNC
PyInit_tokenizer(void)
{
    PyObject *m;
    if (PyType_Ready(&TokenizerType) < 0)
        return NULL;
    m = PyModule_Create(&tokenizer_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObjectRef(m, "Tokenizer", (PyObject *)&TokenizerType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
