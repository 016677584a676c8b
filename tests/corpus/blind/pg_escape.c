/* pg_escape.c: string quoting helpers in the style of psycopg2's
 * psycopg/utils.c and adapter_qstring.c.  Buffers are PyMem_Malloc'd;
 * psyco_strdup-style helpers hand the result to the caller. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <ctype.h>

typedef struct {
    PyObject_HEAD
    char *encoding;
    char *dsn;
    int standard_conforming_strings;
} ConnObject;

static PyObject *InterfaceError;

/* Allocate a copy of 'from' (len bytes, or strlen if len < 0) with PyMem.
 * On failure set MemoryError and return NULL. */
static char *
psyco_strdup(const char *from, Py_ssize_t len)
{
    char *rv;

    if (len < 0)
        len = (Py_ssize_t)strlen(from);
    rv = PyMem_Malloc(len + 1); // no-warning: returned to the caller
    if (rv == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(rv, from, len);
    rv[len] = '\0';
    return rv;
}

/* Escape 'from' for use inside a standard SQL string literal. */
static Py_ssize_t
escape_into(char *to, const char *from, Py_ssize_t len, int e_prefix)
{
    Py_ssize_t i, o = 0;

    if (e_prefix)
        to[o++] = 'E';
    to[o++] = '\'';
    for (i = 0; i < len; i++) {
        switch (from[i]) {
        case '\'':
            to[o++] = '\'';
            to[o++] = '\'';
            break;
        case '\\':
            if (e_prefix)
                to[o++] = '\\';
            to[o++] = '\\';
            break;
        default:
            to[o++] = from[i];
            break;
        }
    }
    to[o++] = '\'';
    to[o] = '\0';
    return o;
}

static PyObject *
pg_escape_string(PyObject *self, PyObject *args)
{
    const char *from;
    Py_ssize_t len, cap, n;
    int e_prefix = 0;
    char *to;
    PyObject *rv;

    if (!PyArg_ParseTuple(args, "s#|p:escape_string", &from, &len, &e_prefix))
        return NULL;
    if (len > (PY_SSIZE_T_MAX - 4) / 2)
        return PyErr_NoMemory();
    cap = len + len + 4;
    to = PyMem_Malloc(cap); // no-warning
    if (to == NULL)
        return PyErr_NoMemory();
    n = escape_into(to, from, len, e_prefix);
    rv = PyBytes_FromStringAndSize(to, n);
    PyMem_Free(to);
    return rv;
}

static PyObject *
pg_quote_ident(PyObject *self, PyObject *args)
{
    const char *ident;
    Py_ssize_t len, i, o = 0, cap;
    char *buf;
    PyObject *rv;

    if (!PyArg_ParseTuple(args, "s#:quote_ident", &ident, &len))
        return NULL;
    if (len > (PY_SSIZE_T_MAX - 3) / 2)
        return PyErr_NoMemory();
    cap = len + len + 3;
    buf = PyMem_Malloc(cap);
    buf[o++] = '"'; // expected-warning {{[PML001]}}
    for (i = 0; i < len; i++) {
        if (ident[i] == '"')
            buf[o++] = '"';
        buf[o++] = ident[i];
    }
    buf[o++] = '"';
    rv = PyUnicode_FromStringAndSize(buf, o);
    PyMem_Free(buf);
    return rv;
}

static const char hexdigits[] = "0123456789abcdef";

static PyObject *
pg_escape_bytea(PyObject *self, PyObject *args)
{
    Py_buffer data;
    Py_ssize_t i, o = 0, cap;
    unsigned char *src;
    char *buf;
    PyObject *rv;

    if (!PyArg_ParseTuple(args, "y*:escape_bytea", &data))
        return NULL;
    if (data.len > (PY_SSIZE_T_MAX - 3) / 2) {
        PyBuffer_Release(&data);
        return PyErr_NoMemory();
    }
    cap = data.len + data.len + 3;
    buf = PyMem_Malloc(cap); // expected-warning {{[PML005]}}
    if (buf == NULL) {
        PyBuffer_Release(&data);
        return PyErr_NoMemory();
    }
    src = data.buf;
    buf[o++] = '\\';
    buf[o++] = 'x';
    for (i = 0; i < data.len; i++) {
        buf[o++] = hexdigits[src[i] >> 4];
        buf[o++] = hexdigits[src[i] & 0xf];
    }
    PyBuffer_Release(&data);

    rv = PyBytes_FromStringAndSize(buf, o);
    if (rv == NULL)
        return NULL;        /* buf is lost when the bytes object can't be made */
    PyMem_Free(buf);
    return rv;
}

/* Parse one "key=value" pair of a DSN into a (key, value) tuple. */
static PyObject *
pg_parse_dsn_option(PyObject *self, PyObject *args)
{
    const char *opt, *eq;
    Py_ssize_t len;
    char *key = NULL, *val = NULL;
    PyObject *rv = NULL;

    if (!PyArg_ParseTuple(args, "s#:parse_dsn_option", &opt, &len))
        return NULL;

    key = psyco_strdup(opt, len);
    if (key == NULL)
        goto exit;
    eq = strchr(key, '=');
    if (eq == NULL) {
        PyErr_Format(InterfaceError, "missing '=' in option: %s", key);
        PyMem_Free(key);
        goto exit;
    }
    val = psyco_strdup(eq + 1, -1);
    if (val == NULL)
        goto exit;
    key[eq - key] = '\0';
    rv = Py_BuildValue("(ss)", key, val);

exit:
    PyMem_Free(key); // expected-warning {{[PML003]}}
    PyMem_Free(val);
    return rv;
}

/* Normalise an encoding name the way psycopg does: keep alnum, upper-case. */
static char *
clean_encoding_name(const char *enc)
{
    char *buf, *j;
    const char *i;

    buf = PyMem_Malloc(strlen(enc) + 1); // no-warning: returned
    if (buf == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (i = enc, j = buf; *i; i++) {
        if (isalnum((unsigned char)*i))
            *j++ = (char)toupper((unsigned char)*i);
    }
    *j = '\0';
    return buf;
}

static PyObject *
conn_set_client_encoding(ConnObject *self, PyObject *args)
{
    const char *enc;
    char *clean;

    if (!PyArg_ParseTuple(args, "s:set_client_encoding", &enc))
        return NULL;
    clean = clean_encoding_name(enc);
    if (clean == NULL)
        return NULL;
    if (clean[0] == '\0') {
        PyErr_Format(InterfaceError, "invalid encoding name: '%s'", enc);
        PyMem_Free(clean);
        return NULL;
    }
    if (self->encoding && strcmp(self->encoding, clean) == 0) {
        PyMem_Free(clean);
        Py_RETURN_NONE;
    }
    PyMem_Free(self->encoding);
    self->encoding = clean; // no-warning: ownership moves to the connection
    Py_RETURN_NONE;
}

static int
conn_init(ConnObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"dsn", "encoding", NULL};
    const char *dsn;
    const char *enc = "UTF8";
    char *dsn_copy, *enc_copy;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s|s:connection", kwlist,
                                     &dsn, &enc))
        return -1;
    dsn_copy = psyco_strdup(dsn, -1);
    if (dsn_copy == NULL)
        return -1;
    enc_copy = clean_encoding_name(enc);
    if (enc_copy == NULL) {
        PyMem_Free(dsn_copy);
        return -1;
    }
    PyMem_Free(self->dsn);
    PyMem_Free(self->encoding);
    self->dsn = dsn_copy;
    self->encoding = enc_copy;
    self->standard_conforming_strings = 1;
    return 0;
}

static void
conn_dealloc(ConnObject *self)
{
    PyMem_Free(self->encoding);
    PyMem_Free(self->dsn);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
conn_quote(ConnObject *self, PyObject *args)
{
    const char *s;
    Py_ssize_t len, n;
    char *buf;
    PyObject *rv;

    if (!PyArg_ParseTuple(args, "s#:quote", &s, &len))
        return NULL;
    if (len > (PY_SSIZE_T_MAX - 4) / 2)
        return PyErr_NoMemory();
    buf = PyMem_Calloc(len + 2, 2); // no-warning: freed on both paths
    if (buf == NULL)
        return PyErr_NoMemory();
    n = escape_into(buf, s, len, !self->standard_conforming_strings);
    if (self->encoding && strcmp(self->encoding, "UTF8") == 0)
        rv = PyUnicode_DecodeUTF8(buf, n, "strict");
    else
        rv = PyBytes_FromStringAndSize(buf, n);
    PyMem_Free(buf);
    return rv;
}

static PyObject *
conn_get_dsn_parts(ConnObject *self, PyObject *Py_UNUSED(ignored))
{
    char *copy, *tok, *save = NULL;
    PyObject *list;

    if (self->dsn == NULL)
        return PyList_New(0);
    copy = psyco_strdup(self->dsn, -1); // no-warning: freed on both exits
    if (copy == NULL)
        return NULL;
    list = PyList_New(0);
    if (list == NULL)
        goto error;
    for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        PyObject *item = PyUnicode_FromString(tok);
        if (item == NULL)
            goto error;
        if (PyList_Append(list, item) < 0) {
            Py_DECREF(item);
            goto error;
        }
        Py_DECREF(item);
    }
    PyMem_Free(copy);
    return list;

error:
    Py_XDECREF(list);
    PyMem_Free(copy);
    return NULL;
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static PyObject *
pg_unescape_bytea(PyObject *self, PyObject *args)
{
    const char *s;
    Py_ssize_t len, i, o = 0;
    unsigned char *out;
    PyObject *rv;

    if (!PyArg_ParseTuple(args, "s#:unescape_bytea", &s, &len))
        return NULL;
    if (len < 2 || s[0] != '\\' || s[1] != 'x') {
        PyErr_SetString(InterfaceError, "bytea must use the hex format");
        return NULL;
    }
    out = PyMem_Malloc(len / 2 + 1); // no-warning: freed on every path
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 2; i + 1 < len; i += 2) {
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0) {
            PyMem_Free(out);
            PyErr_Format(InterfaceError, "invalid hex digit at position %zd", i);
            return NULL;
        }
        out[o++] = (unsigned char)((hi << 4) | lo);
    }
    rv = PyBytes_FromStringAndSize((const char *)out, o);
    PyMem_Free(out);
    return rv;
}

static PyObject *
pg_quote_array(PyObject *self, PyObject *args)
{
    PyObject *seq, *fast, *rv = NULL;
    Py_ssize_t i, n, o = 0, cap = 64;
    char *buf = NULL, *tmp;

    if (!PyArg_ParseTuple(args, "O:quote_array", &seq))
        return NULL;
    fast = PySequence_Fast(seq, "expected a sequence of str");
    if (fast == NULL)
        return NULL;
    buf = PyMem_Malloc(cap); // no-warning: grown through tmp, freed at exit
    if (buf == NULL) {
        PyErr_NoMemory();
        goto exit;
    }
    buf[o++] = '{';
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        Py_ssize_t len, k;
        const char *s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &len);
        if (s == NULL)
            goto exit;
        if (len > (PY_SSIZE_T_MAX - cap) / 4) {
            PyErr_NoMemory();
            goto exit;
        }
        if (o + len + len + 4 > cap) {
            Py_ssize_t newcap = o + len + len + 4 + cap;
            tmp = PyMem_Realloc(buf, newcap);
            if (tmp == NULL) {
                PyErr_NoMemory();
                goto exit;
            }
            buf = tmp;
            cap = newcap;
        }
        if (i > 0)
            buf[o++] = ',';
        buf[o++] = '"';
        for (k = 0; k < len; k++) {
            if (s[k] == '"' || s[k] == '\\')
                buf[o++] = '\\';
            buf[o++] = s[k];
        }
        buf[o++] = '"';
    }
    buf[o++] = '}';
    rv = PyUnicode_FromStringAndSize(buf, o);

exit:
    PyMem_Free(buf);
    Py_DECREF(fast);
    return rv;
}

static PyMethodDef conn_methods[] = {
    {"set_client_encoding", (PyCFunction)conn_set_client_encoding, METH_VARARGS, NULL},
    {"quote", (PyCFunction)conn_quote, METH_VARARGS, NULL},
    {"dsn_parts", (PyCFunction)conn_get_dsn_parts, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject ConnType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pg_escape.connection",
    .tp_basicsize = sizeof(ConnObject),
    .tp_dealloc = (destructor)conn_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = conn_methods,
    .tp_init = (initproc)conn_init,
    .tp_new = PyType_GenericNew,
};

static PyMethodDef pg_methods[] = {
    {"escape_string", pg_escape_string, METH_VARARGS, NULL},
    {"quote_ident", pg_quote_ident, METH_VARARGS, NULL},
    {"escape_bytea", pg_escape_bytea, METH_VARARGS, NULL},
    {"parse_dsn_option", pg_parse_dsn_option, METH_VARARGS, NULL},
    {"unescape_bytea", pg_unescape_bytea, METH_VARARGS, NULL},
    {"quote_array", pg_quote_array, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef pg_module = {
    PyModuleDef_HEAD_INIT, "pg_escape", NULL, -1, pg_methods,
};

PyMODINIT_FUNC
PyInit_pg_escape(void)
{
    PyObject *m;
    if (PyType_Ready(&ConnType) < 0)
        return NULL;
    m = PyModule_Create(&pg_module);
    if (m == NULL)
        return NULL;
    InterfaceError = PyErr_NewException("pg_escape.InterfaceError", NULL, NULL);
    if (InterfaceError == NULL || PyModule_AddObject(m, "InterfaceError", InterfaceError) < 0) {
        Py_XDECREF(InterfaceError);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(InterfaceError);
    Py_INCREF(&ConnType);
    if (PyModule_AddObject(m, "connection", (PyObject *)&ConnType) < 0) {
        Py_DECREF(&ConnType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
