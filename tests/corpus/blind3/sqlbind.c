/*
 * sqlbind.c -- sqlite-style parameter binding: expands '?' placeholders
 * with SQL literals, quotes identifiers, formats REAL values.
 * Tests: PML008 (helper returned directly by a method returns NULL after a
 * failed PyMem_Malloc), PML005 (offset table lost on a ValueError path),
 * PML012 (PyMem_Free of PyUnicode_AsUTF8AndSize storage), PML013
 * (PyOS_double_to_string result leaked on the NaN error path).
 * Negatives: n * 3 after "n > 999" bound, n * 2 + 3 after a PY_SSIZE_T_MAX / 2
 * guard, PyOS_double_to_string released with PyMem_Free.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

/* Internal (also exposed as quote()): returns NULL with an exception set. */
static PyObject *
quote_text(PyObject *v)
{
    Py_ssize_t n, i, j = 0;
    const char *s = PyUnicode_AsUTF8AndSize(v, &n);
    char *out;
    PyObject *r;

    if (s == NULL)
        return NULL;
    if (n >= PY_SSIZE_T_MAX / 2)
        return PyErr_NoMemory();
    out = PyMem_Malloc(n * 2 + 3); // no-warning: n guarded against PY_SSIZE_T_MAX / 2
    if (out == NULL)
        return PyErr_NoMemory();
    out[j++] = '\'';
    for (i = 0; i < n; i++) {
        if (s[i] == '\'')
            out[j++] = '\'';
        out[j++] = s[i];
    }
    out[j++] = '\'';
    r = PyUnicode_FromStringAndSize(out, j);
    PyMem_Free(out);
    return r;
}

static PyObject *
literal(PyObject *v)
{
    if (v == Py_None)
        return PyUnicode_FromString("NULL");
    if (PyLong_Check(v))
        return PyObject_Str(v);
    if (PyFloat_Check(v)) {
        char *s = PyOS_double_to_string(PyFloat_AS_DOUBLE(v), 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
        PyObject *r;
        if (s == NULL)
            return NULL;
        r = PyUnicode_FromString(s);
        PyMem_Free(s); // no-warning: PyOS_double_to_string needs PyMem_Free
        return r;
    }
    if (PyUnicode_Check(v))
        return quote_text(v);
    PyErr_Format(PyExc_TypeError, "cannot bind %.100s", Py_TYPE(v)->tp_name);
    return NULL;
}

static PyObject *
sqlbind_quote(PyObject *module, PyObject *arg)
{
    return quote_text(arg);
}

static PyObject *
sqlbind_bind(PyObject *module, PyObject *args)
{
    const char *sql;
    Py_ssize_t sqllen, i, nq = 0, start = 0;
    Py_ssize_t *offs;
    PyObject *params, *pieces, *piece, *empty, *res = NULL;

    if (!PyArg_ParseTuple(args, "s#O!:bind", &sql, &sqllen, &PyTuple_Type, &params))
        return NULL;
    offs = PyMem_Calloc(sqllen + 1, sizeof(Py_ssize_t)); // expected-warning {{[PML005]}}
    if (offs == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < sqllen; i++)
        if (sql[i] == '?')
            offs[nq++] = i;
    if (nq != PyTuple_GET_SIZE(params)) {
        PyErr_Format(PyExc_ValueError, "expected %zd parameters, got %zd",
                     nq, PyTuple_GET_SIZE(params));
        return NULL;
    }
    pieces = PyList_New(0);
    for (i = 0; pieces != NULL && i <= nq; i++) {
        Py_ssize_t end = (i < nq) ? offs[i] : sqllen;
        piece = PyUnicode_FromStringAndSize(sql + start, end - start);
        if (piece == NULL || PyList_Append(pieces, piece) < 0)
            Py_CLEAR(pieces);
        Py_XDECREF(piece);
        if (pieces == NULL || i == nq)
            break;
        piece = literal(PyTuple_GET_ITEM(params, i));
        if (piece == NULL || PyList_Append(pieces, piece) < 0)
            Py_CLEAR(pieces);
        Py_XDECREF(piece);
        start = offs[i] + 1;
    }
    PyMem_Free(offs);
    if (pieces == NULL)
        return NULL;
    empty = PyUnicode_FromString("");
    if (empty != NULL)
        res = PyUnicode_Join(empty, pieces);
    Py_XDECREF(empty);
    Py_DECREF(pieces);
    return res;
}

static PyObject *
sqlbind_quote_ident(PyObject *module, PyObject *name)
{
    Py_ssize_t n, i, j = 0;
    const char *s;
    char *out;
    PyObject *res;

    s = PyUnicode_AsUTF8AndSize(name, &n);
    if (s == NULL)
        return NULL;
    if (n >= PY_SSIZE_T_MAX / 2)
        return PyErr_NoMemory();
    out = PyMem_Malloc(n * 2 + 3);
    if (out == NULL)
        return PyErr_NoMemory();
    out[j++] = '"';
    for (i = 0; i < n; i++) {
        if (s[i] == '"')
            out[j++] = '"';
        out[j++] = s[i];
    }
    out[j++] = '"';
    res = PyUnicode_FromStringAndSize(out, j);
    PyMem_Free(out);
    PyMem_Free((void *)s); // expected-warning {{[PML012]}}
    return res;
}

static PyObject *
sqlbind_format_real(PyObject *module, PyObject *arg)
{
    double x = PyFloat_AsDouble(arg);
    char *s;
    PyObject *res;

    if (x == -1.0 && PyErr_Occurred())
        return NULL;
    s = PyOS_double_to_string(x, 'r', 0, Py_DTSF_ADD_DOT_0, NULL); // expected-warning {{[PML013]}}
    if (s == NULL)
        return NULL;
    if (strchr(s, 'n') != NULL) {
        PyErr_SetString(PyExc_ValueError, "cannot bind NaN or infinity");
        return NULL;
    }
    res = PyUnicode_FromString(s);
    PyMem_Free(s);
    return res;
}

/* Builds "?, ?, ?"; returned directly by sqlbind_placeholders. */
static PyObject *
build_placeholders(Py_ssize_t n)
{
    char *buf;
    Py_ssize_t i, j = 0;
    PyObject *res;

    if (n <= 0 || n > 999) {
        PyErr_SetString(PyExc_ValueError, "between 1 and 999 placeholders");
        return NULL;
    }
    buf = PyMem_Malloc(n * 3); // no-warning: n <= 999 checked above
    if (buf == NULL)
        return NULL; // expected-warning {{[PML008]}}
    for (i = 0; i < n; i++) {
        if (i > 0) {
            buf[j++] = ',';
            buf[j++] = ' ';
        }
        buf[j++] = '?';
    }
    res = PyUnicode_FromStringAndSize(buf, j);
    PyMem_Free(buf);
    return res;
}

static PyObject *
sqlbind_placeholders(PyObject *module, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    return build_placeholders(n);
}

static PyMethodDef sqlbind_methods[] = {
    {"quote", sqlbind_quote, METH_O, NULL},
    {"bind", sqlbind_bind, METH_VARARGS, NULL},
    {"quote_ident", sqlbind_quote_ident, METH_O, NULL},
    {"format_real", sqlbind_format_real, METH_O, NULL},
    {"placeholders", sqlbind_placeholders, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef sqlbind_module = {
    PyModuleDef_HEAD_INIT, "sqlbind", NULL, -1, sqlbind_methods,
};

PyMODINIT_FUNC
PyInit_sqlbind(void)
{
    return PyModule_Create(&sqlbind_module);
}
