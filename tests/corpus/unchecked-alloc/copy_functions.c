/*
 * unchecked-alloc/copy_functions.c - PML001: a new block handed to a C
 * memory or string function (memcpy, strcpy, memset, ...) before its NULL
 * check. Each positive is followed by its corrected twin, which is silent.
 * Every block is released on every path, so nothing here also leaks.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ---- memcpy ---- */

static PyObject *
copy_bytes(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *copy;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:copy_bytes", &data, &len))
        return NULL;
    copy = PyMem_Malloc(len + 1);
    memcpy(copy, data, len); // expected-warning {{[PML001]}}
    copy[len] = '\0';
    result = PyBytes_FromStringAndSize(copy, len);
    PyMem_Free(copy);
    return result;
}

static PyObject *
copy_bytes_checked(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *copy;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:copy_bytes_checked", &data, &len))
        return NULL;
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, data, len); // no-warning: checked with == NULL just above
    copy[len] = '\0';
    result = PyBytes_FromStringAndSize(copy, len);
    PyMem_Free(copy);
    return result;
}

/* ---- strcpy / strcat on a malloc() block ---- */

static PyObject *
make_key(PyObject *self, PyObject *args)
{
    const char *prefix, *name;
    char *key;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "ss:make_key", &prefix, &name))
        return NULL;
    key = malloc(strlen(prefix) + strlen(name) + 2);
    strcpy(key, prefix); // expected-warning {{[PML001]}}
    strcat(key, ".");
    strcat(key, name);
    result = PyUnicode_FromString(key);
    free(key);
    return result;
}

static PyObject *
make_key_checked(PyObject *self, PyObject *args)
{
    const char *prefix, *name;
    char *key;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "ss:make_key_checked", &prefix, &name))
        return NULL;
    key = malloc(strlen(prefix) + strlen(name) + 2);
    if (!key)
        return PyErr_NoMemory();
    strcpy(key, prefix); // no-warning: checked with !key
    strcat(key, ".");
    strcat(key, name);
    result = PyUnicode_FromString(key);
    free(key);
    return result;
}

/* ---- memset on a PyObject_Malloc block ---- */

static PyObject *
count_distinct(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i, distinct = 0;
    Py_ssize_t *counts;

    if (!PyArg_ParseTuple(args, "y#:count_distinct", &data, &len))
        return NULL;
    counts = PyObject_Malloc(sizeof(Py_ssize_t[256]));
    memset(counts, 0, sizeof(Py_ssize_t[256])); // expected-warning {{[PML001]}}
    for (i = 0; i < len; i++) {
        if (counts[data[i]]++ == 0)
            distinct++;
    }
    PyObject_Free(counts);
    return PyLong_FromSsize_t(distinct);
}

static PyObject *
count_distinct_checked(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i, distinct = 0;
    Py_ssize_t *counts;

    if (!PyArg_ParseTuple(args, "y#:count_distinct_checked", &data, &len))
        return NULL;
    counts = PyObject_Malloc(sizeof(Py_ssize_t[256]));
    if (NULL == counts)
        return PyErr_NoMemory();
    memset(counts, 0, sizeof(Py_ssize_t[256])); // no-warning: NULL == counts checked
    for (i = 0; i < len; i++) {
        if (counts[data[i]]++ == 0)
            distinct++;
    }
    PyObject_Free(counts);
    return PyLong_FromSsize_t(distinct);
}

/* ---- strlen on a strdup() result ---- */

static PyObject *
normalize_name(PyObject *self, PyObject *args)
{
    const char *name;
    char *work;
    size_t n, i;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s:normalize_name", &name))
        return NULL;
    work = strdup(name);
    n = strlen(work); // expected-warning {{[PML001]}}
    for (i = 0; i < n; i++) {
        if (work[i] == '-')
            work[i] = '_';
    }
    result = PyUnicode_FromStringAndSize(work, (Py_ssize_t)n);
    free(work);
    return result;
}

static PyObject *
normalize_name_checked(PyObject *self, PyObject *args)
{
    const char *name;
    char *work;
    size_t n, i;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s:normalize_name_checked", &name))
        return NULL;
    if ((work = strdup(name)) == NULL)
        return PyErr_NoMemory();
    n = strlen(work); // no-warning: assignment inside the NULL test
    for (i = 0; i < n; i++) {
        if (work[i] == '-')
            work[i] = '_';
    }
    result = PyUnicode_FromStringAndSize(work, (Py_ssize_t)n);
    free(work);
    return result;
}

/* ---- sprintf into a raw block ---- */

static PyObject *
format_id(PyObject *self, PyObject *args)
{
    unsigned long id;
    char *text;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "k:format_id", &id))
        return NULL;
    text = PyMem_RawMalloc(32);
    sprintf(text, "id-%08lx", id & 0xffffffffUL); // expected-warning {{[PML001]}}
    result = PyUnicode_FromString(text);
    PyMem_RawFree(text);
    return result;
}

static PyObject *
format_id_checked(PyObject *self, PyObject *args)
{
    unsigned long id;
    char *text;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "k:format_id_checked", &id))
        return NULL;
    text = PyMem_RawMalloc(32);
    if (text) {
        sprintf(text, "id-%08lx", id & 0xffffffffUL); // no-warning: inside if (text)
        result = PyUnicode_FromString(text);
        PyMem_RawFree(text);
    }
    else {
        result = PyErr_NoMemory();
    }
    return result;
}

/* ---- memmove ---- */

static PyObject *
rotate_left(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:rotate_left", &data, &len))
        return NULL;
    if (len < 2)
        return PyBytes_FromStringAndSize(data, len);
    buf = PyMem_Malloc(len);
    memmove(buf, data + 1, len - 1); // expected-warning {{[PML001]}}
    buf[len - 1] = data[0];
    result = PyBytes_FromStringAndSize(buf, len);
    PyMem_Free(buf);
    return result;
}

static PyObject *
rotate_left_checked(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:rotate_left_checked", &data, &len))
        return NULL;
    if (len < 1)
        return PyBytes_FromStringAndSize(data, len);
    buf = PyMem_Malloc(len);
    if (buf != NULL && len > 1)
        memmove(buf, data + 1, len - 1); // no-warning: guarded by buf != NULL &&
    if (buf == NULL)
        return PyErr_NoMemory();
    buf[len - 1] = data[0];
    result = PyBytes_FromStringAndSize(buf, len);
    PyMem_Free(buf);
    return result;
}

/* ---- strncpy into a zeroed block ---- */

static PyObject *
truncate_name(PyObject *self, PyObject *args)
{
    const char *name;
    Py_ssize_t width;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "sn:truncate_name", &name, &width))
        return NULL;
    if (width < 0) {
        PyErr_SetString(PyExc_ValueError, "width must be >= 0");
        return NULL;
    }
    out = PyMem_Calloc(width + 1, 1);
    strncpy(out, name, width); // expected-warning {{[PML001]}}
    result = PyUnicode_FromString(out);
    PyMem_Free(out);
    return result;
}

static PyObject *
truncate_name_checked(PyObject *self, PyObject *args)
{
    const char *name;
    Py_ssize_t width;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "sn:truncate_name_checked", &name, &width))
        return NULL;
    if (width < 0) {
        PyErr_SetString(PyExc_ValueError, "width must be >= 0");
        return NULL;
    }
    out = PyMem_Calloc(width + 1, 1);
    if (out == NULL)
        return PyErr_NoMemory();
    strncpy(out, name, width); // no-warning: checked
    result = PyUnicode_FromString(out);
    PyMem_Free(out);
    return result;
}

/* ---- strcat as the first use ---- */

static PyObject *
join_pair(PyObject *self, PyObject *args)
{
    const char *a, *b;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "ss:join_pair", &a, &b))
        return NULL;
    out = PyMem_Calloc(strlen(a) + strlen(b) + 1, 1);
    strcat(out, a); // expected-warning {{[PML001]}}
    strcat(out, b);
    result = PyUnicode_FromString(out);
    PyMem_Free(out);
    return result;
}

static PyObject *
join_pair_checked(PyObject *self, PyObject *args)
{
    const char *a, *b;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "ss:join_pair_checked", &a, &b))
        return NULL;
    out = PyMem_Calloc(strlen(a) + strlen(b) + 1, 1);
    if (!out) {
        PyErr_NoMemory();
        goto error;
    }
    strcat(out, a); // no-warning: the NULL branch jumps to error
    strcat(out, b);
    result = PyUnicode_FromString(out);
    PyMem_Free(out);
    return result;

error:
    return NULL;
}

static PyMethodDef copy_functions_methods[] = {
    {"copy_bytes", copy_bytes, METH_VARARGS, NULL},
    {"copy_bytes_checked", copy_bytes_checked, METH_VARARGS, NULL},
    {"make_key", make_key, METH_VARARGS, NULL},
    {"make_key_checked", make_key_checked, METH_VARARGS, NULL},
    {"count_distinct", count_distinct, METH_VARARGS, NULL},
    {"count_distinct_checked", count_distinct_checked, METH_VARARGS, NULL},
    {"normalize_name", normalize_name, METH_VARARGS, NULL},
    {"normalize_name_checked", normalize_name_checked, METH_VARARGS, NULL},
    {"format_id", format_id, METH_VARARGS, NULL},
    {"format_id_checked", format_id_checked, METH_VARARGS, NULL},
    {"rotate_left", rotate_left, METH_VARARGS, NULL},
    {"rotate_left_checked", rotate_left_checked, METH_VARARGS, NULL},
    {"truncate_name", truncate_name, METH_VARARGS, NULL},
    {"truncate_name_checked", truncate_name_checked, METH_VARARGS, NULL},
    {"join_pair", join_pair, METH_VARARGS, NULL},
    {"join_pair_checked", join_pair_checked, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef copy_functions_module = {
    PyModuleDef_HEAD_INIT, "copy_functions", NULL, -1, copy_functions_methods,
};

PyMODINIT_FUNC
PyInit_copy_functions(void)
{
    return PyModule_Create(&copy_functions_module);
}
