/*
 * pg_escape.c - string/bytea/identifier quoting for a PostgreSQL adapter, in
 * the style of psycopg2 (psycopg/utils.c, adapter_qstring.c, adapter_binary.c).
 *
 * What this file tests:
 *   PML009  quote_bytea() allocates len * 4 + 3 bytes with no guard
 *   PML012  quote_string() frees PyBytes_AS_STRING() on the empty-string path
 *   PML006  quote_ident() returns the result without releasing its buffer
 *   PML002  normalize_encoding() releases a PyMem_Malloc block with free()
 *   PML007  quote_array() does buf = PyMem_Realloc(buf, cap)
 * Negatives: escape_string() guards len * 2 + 4, quote_string() releases the
 * escaped buffer on every path, quote_array_ok() grows through a temporary.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct pg_conn PGconn;
extern size_t PQescapeStringConn(PGconn *conn, char *to, const char *from,
                                 size_t length, int *error);

typedef struct {
    PyObject_HEAD
    PGconn *pgconn;
    int equote;
} connectionObject;

/* Internal: the caller owns the result; sets an exception on failure. */
static char *
escape_string(connectionObject *conn, const char *from, Py_ssize_t len, Py_ssize_t *tolen)
{
    char *to;
    int err = 0;
    Py_ssize_t ql;

    if (len > (PY_SSIZE_T_MAX - 4) / 2) {
        PyErr_NoMemory();
        return NULL;
    }
    to = PyMem_Malloc(len * 2 + 4); // no-warning: guarded above
    if (to == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    ql = (Py_ssize_t)PQescapeStringConn(conn->pgconn, to + conn->equote + 1, from, len, &err);
    if (err) {
        PyMem_Free(to);
        PyErr_SetString(PyExc_ValueError, "invalid string for the client encoding");
        return NULL;
    }
    if (conn->equote)
        to[0] = 'E';
    to[conn->equote] = '\'';
    to[ql + conn->equote + 1] = '\'';
    to[ql + conn->equote + 2] = '\0';
    *tolen = ql + conn->equote + 2;
    return to;
}

static PyObject *
quote_string(connectionObject *conn, PyObject *str)
{
    char *s, *buffer;
    Py_ssize_t len, qlen;
    PyObject *rv;

    if (PyBytes_AsStringAndSize(str, &s, &len) < 0)
        return NULL;
    if (len == 0) {
        buffer = PyBytes_AS_STRING(str);   /* nothing to escape */
        qlen = 0;
    }
    else {
        buffer = escape_string(conn, s, len, &qlen);
        if (buffer == NULL)
            return NULL;
    }
    rv = qlen ? PyBytes_FromStringAndSize(buffer, qlen) : PyBytes_FromString("''");
    PyMem_Free(buffer); // expected-warning {{[PML012]}}
    return rv;
}

static PyObject *
quote_string_ok(connectionObject *conn, PyObject *str)
{
    char *s, *buffer = NULL;
    Py_ssize_t len, qlen;
    PyObject *rv = NULL;

    if (PyBytes_AsStringAndSize(str, &s, &len) < 0)
        goto exit;
    buffer = escape_string(conn, s, len, &qlen);
    if (buffer == NULL)
        goto exit;
    rv = PyBytes_FromStringAndSize(buffer, qlen);
exit:
    PyMem_Free(buffer);
    return rv;
}

static PyObject *
quote_bytea(connectionObject *conn, PyObject *arg)
{
    Py_buffer view;
    unsigned char *src;
    char *to, *p;
    Py_ssize_t i;
    PyObject *rv;

    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    to = PyMem_Malloc(view.len * 4 + 3); // expected-warning {{[PML009]}}
    if (to == NULL) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    p = to;
    *p++ = '\'';
    *p++ = '\\';
    *p++ = 'x';
    src = view.buf;
    for (i = 0; i < view.len; i++) {
        static const char hex[] = "0123456789abcdef";
        *p++ = hex[src[i] >> 4];
        *p++ = hex[src[i] & 0xf];
    }
    *p++ = '\'';
    PyBuffer_Release(&view);
    rv = PyBytes_FromStringAndSize(to, p - to);
    PyMem_Free(to); // no-warning: to itself never moved
    return rv;
}

static PyObject *
quote_ident(connectionObject *conn, PyObject *arg)
{
    const char *s;
    Py_ssize_t len, i, j = 0;
    char *buf;
    PyObject *rv;

    s = PyUnicode_AsUTF8AndSize(arg, &len);
    if (s == NULL)
        return NULL;
    if (len > PY_SSIZE_T_MAX / 2 - 2)
        return PyErr_NoMemory();
    buf = PyMem_Malloc(len * 2 + 3); // expected-warning {{[PML006]}}
    if (buf == NULL)
        return PyErr_NoMemory();
    buf[j++] = '"';
    for (i = 0; i < len; i++) {
        if (s[i] == '"')
            buf[j++] = '"';
        buf[j++] = s[i];
    }
    buf[j++] = '"';
    rv = PyUnicode_FromStringAndSize(buf, j);
    if (rv == NULL) {
        PyMem_Free(buf);
        return NULL;
    }
    return rv;
}

/* Python-style encoding name -> PostgreSQL name: upper case, no '-' or '_'. */
static PyObject *
normalize_encoding(PyObject *self, PyObject *arg)
{
    const char *enc = PyUnicode_AsUTF8(arg);
    char *norm, *q;
    PyObject *rv;

    if (enc == NULL)
        return NULL;
    norm = PyMem_Malloc(strlen(enc) + 1);
    if (norm == NULL)
        return PyErr_NoMemory();
    for (q = norm; *enc; enc++) {
        if (*enc != '-' && *enc != '_')
            *q++ = (char)toupper((unsigned char)*enc);
    }
    *q = '\0';
    rv = PyUnicode_FromString(norm);
    free(norm); // expected-warning {{[PML002]}}
    return rv;
}

static PyObject *
quote_array(connectionObject *conn, PyObject *list)
{
    Py_ssize_t i, n, len = 0, cap = 64;
    char *buf;
    PyObject *rv;

    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "list expected");
        return NULL;
    }
    buf = PyMem_Malloc(cap);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, "ARRAY[", 6);
    len = 6;
    n = PyList_GET_SIZE(list);
    for (i = 0; i < n; i++) {
        Py_ssize_t qlen;
        const char *item = PyUnicode_AsUTF8AndSize(PyList_GET_ITEM(list, i), &qlen);
        if (item == NULL) {
            PyMem_Free(buf);
            return NULL;
        }
        if (len + qlen + 2 > cap) {
            cap = len + qlen + 64;
            buf = PyMem_Realloc(buf, cap); // expected-warning {{[PML007]}}
            if (buf == NULL)
                return PyErr_NoMemory();
        }
        if (i > 0)
            buf[len++] = ',';
        memcpy(buf + len, item, qlen);
        len += qlen;
    }
    buf[len++] = ']';
    rv = PyUnicode_FromStringAndSize(buf, len);
    PyMem_Free(buf);
    return rv;
}

static PyMethodDef conn_methods[] = {
    {"quote_string", (PyCFunction)quote_string, METH_O, NULL},
    {"quote_string_ok", (PyCFunction)quote_string_ok, METH_O, NULL},
    {"quote_bytea", (PyCFunction)quote_bytea, METH_O, NULL},
    {"quote_ident", (PyCFunction)quote_ident, METH_O, NULL},
    {"normalize_encoding", (PyCFunction)normalize_encoding, METH_O, NULL},
    {"quote_array", (PyCFunction)quote_array, METH_O, NULL},
    {NULL}
};
