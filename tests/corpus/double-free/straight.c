/*
 * double-free/straight.c - PML003 without labels or loops: a block
 * released in a branch and again after it, or released twice in a row by
 * cleanup code. Resetting the pointer to NULL after the first release makes
 * the second one harmless.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define FREE_AND_CLEAR(p) \
    do {                  \
        PyMem_Free(p);    \
        (p) = NULL;       \
    } while (0)

/* ---- release, then release again on the failure branch ---- */

static PyObject *
title_case(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:title_case", &text, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        buf[i] = (i == 0 || text[i - 1] == ' ') ? Py_TOUPPER(text[i]) : text[i];
    result = PyUnicode_FromStringAndSize(buf, len);
    PyMem_Free(buf);
    if (result == NULL) {
        PyMem_Free(buf); // expected-warning {{[PML003]}}
        return NULL;
    }
    return result;
}

static PyObject *
title_case_ok(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:title_case_ok", &text, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        buf[i] = (i == 0 || text[i - 1] == ' ') ? Py_TOUPPER(text[i]) : text[i];
    result = PyUnicode_FromStringAndSize(buf, len);
    if (result == NULL) {
        PyMem_Free(buf); // no-warning: the only release on this path
        return NULL;
    }
    PyMem_Free(buf); // no-warning: the only release on this path
    return result;
}

/* ---- released in the branch, then unconditionally ---- */

static PyObject *
swap_case(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:swap_case", &text, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        buf[i] = Py_ISUPPER(text[i]) ? Py_TOLOWER(text[i]) : Py_TOUPPER(text[i]);
    result = PyUnicode_FromStringAndSize(buf, len);
    if (result == NULL)
        PyMem_Free(buf);
    PyMem_Free(buf); // expected-warning {{[PML003]}}
    return result;
}

static PyObject *
swap_case_ok(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:swap_case_ok", &text, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        buf[i] = Py_ISUPPER(text[i]) ? Py_TOLOWER(text[i]) : Py_TOUPPER(text[i]);
    result = PyUnicode_FromStringAndSize(buf, len);
    if (result == NULL) {
        PyMem_Free(buf);
        buf = NULL;
    }
    PyMem_Free(buf); // no-warning: buf was reset to NULL after the first release
    return result;
}

/* ---- both branches release, then the common tail releases ---- */

static PyObject *
parse_flag(PyObject *self, PyObject *args)
{
    const char *text;
    int strict;
    char *copy;
    long value;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "sp:parse_flag", &text, &strict))
        return NULL;
    copy = strdup(text);
    if (copy == NULL)
        return PyErr_NoMemory();
    if (strict) {
        value = strcmp(copy, "1") == 0;
        free(copy);
    }
    else {
        value = copy[0] != '\0' && copy[0] != '0';
        free(copy);
    }
    result = PyBool_FromLong(value);
    free(copy); // expected-warning {{[PML003]}}
    return result;
}

static PyObject *
parse_flag_ok(PyObject *self, PyObject *args)
{
    const char *text;
    int strict;
    char *copy;
    long value;

    if (!PyArg_ParseTuple(args, "sp:parse_flag_ok", &text, &strict))
        return NULL;
    copy = strdup(text);
    if (copy == NULL)
        return PyErr_NoMemory();
    if (strict) {
        value = strcmp(copy, "1") == 0;
        free(copy); // no-warning: exclusive branches
    }
    else {
        value = copy[0] != '\0' && copy[0] != '0';
        free(copy); // no-warning: exclusive branches
    }
    return PyBool_FromLong(value);
}

/* ---- two spellings of the same release ---- */

static PyObject *
checksum16(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i;
    unsigned char *copy;
    unsigned int sum = 0;

    if (!PyArg_ParseTuple(args, "y#:checksum16", &data, &len))
        return NULL;
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, data, len);
    for (i = 0; i < len; i++)
        sum = (sum + copy[i]) & 0xffff;
    PyMem_Free(copy);
    // expected-warning@+1 {{[PML003]}}
    PyMem_Del(copy);
    return PyLong_FromUnsignedLong(sum);
}

static PyObject *
checksum8(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i;
    unsigned char *copy;
    unsigned int sum = 0;

    if (!PyArg_ParseTuple(args, "y#:checksum8", &data, &len))
        return NULL;
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, data, len);
    for (i = 0; i < len; i++)
        sum = (sum + copy[i]) & 0xff;
    PyMem_Del(copy); // no-warning: released once
    return PyLong_FromUnsignedLong(sum);
}

/* ---- RAW and OBJ ---- */

static PyObject *
raw_twice(PyObject *self, PyObject *args)
{
    Py_ssize_t n;
    char *scratch;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "n:raw_twice", &n))
        return NULL;
    if (n < 0 || n > 1024) {
        PyErr_SetString(PyExc_ValueError, "size out of range");
        return NULL;
    }
    scratch = PyMem_RawMalloc(n + 1);
    if (scratch == NULL)
        return PyErr_NoMemory();
    memset(scratch, '-', n);
    scratch[n] = '\0';
    result = PyUnicode_FromString(scratch);
    PyMem_RawFree(scratch);
    if (result == NULL) {
        PyMem_RawFree(scratch); // expected-warning {{[PML003]}}
        return NULL;
    }
    return result;
}

struct pair {
    PyObject *first;
    PyObject *second;
};

static PyObject *
pair_swap(PyObject *self, PyObject *args)
{
    struct pair *p;
    PyObject *a, *b, *result;

    if (!PyArg_ParseTuple(args, "OO:pair_swap", &a, &b))
        return NULL;
    p = PyObject_Malloc(sizeof(struct pair));
    if (p == NULL)
        return PyErr_NoMemory();
    p->first = b;
    p->second = a;
    result = PyTuple_Pack(2, p->first, p->second);
    PyObject_Free(p);
    if (result == NULL)
        PyObject_Free(p); // expected-warning {{[PML003]}}
    return result;
}

static PyObject *
pair_keep(PyObject *self, PyObject *args)
{
    struct pair *p;
    PyObject *a, *b, *result;

    if (!PyArg_ParseTuple(args, "OO:pair_keep", &a, &b))
        return NULL;
    p = PyObject_Malloc(sizeof(struct pair));
    if (p == NULL)
        return PyErr_NoMemory();
    p->first = a;
    p->second = b;
    result = PyTuple_Pack(2, p->first, p->second);
    PyObject_Free(p); // no-warning: released once
    return result;
}

/* ---- free-and-clear macro, used twice ---- */

static PyObject *
two_scratches(PyObject *self, PyObject *args)
{
    Py_ssize_t n;
    char *a = NULL, *b = NULL;
    PyObject *result = NULL;

    if (!PyArg_ParseTuple(args, "n:two_scratches", &n))
        return NULL;
    if (n < 0 || n > 1024) {
        PyErr_SetString(PyExc_ValueError, "size out of range");
        return NULL;
    }
    a = PyMem_Malloc(n + 1);
    b = PyMem_Malloc(n + 1);
    if (a == NULL || b == NULL) {
        PyErr_NoMemory();
        FREE_AND_CLEAR(a);
        FREE_AND_CLEAR(b);
    }
    else {
        memset(a, 'a', n);
        memset(b, 'b', n);
        result = Py_BuildValue("(y#y#)", a, n, b, n);
    }
    FREE_AND_CLEAR(a); // no-warning: the macro resets the pointer
    FREE_AND_CLEAR(b); // no-warning: the macro resets the pointer
    return result;
}

static PyMethodDef straight_methods[] = {
    {"title_case", title_case, METH_VARARGS, NULL},
    {"title_case_ok", title_case_ok, METH_VARARGS, NULL},
    {"swap_case", swap_case, METH_VARARGS, NULL},
    {"swap_case_ok", swap_case_ok, METH_VARARGS, NULL},
    {"parse_flag", parse_flag, METH_VARARGS, NULL},
    {"parse_flag_ok", parse_flag_ok, METH_VARARGS, NULL},
    {"checksum16", checksum16, METH_VARARGS, NULL},
    {"checksum8", checksum8, METH_VARARGS, NULL},
    {"raw_twice", raw_twice, METH_VARARGS, NULL},
    {"pair_swap", pair_swap, METH_VARARGS, NULL},
    {"pair_keep", pair_keep, METH_VARARGS, NULL},
    {"two_scratches", two_scratches, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef straight_module = {
    PyModuleDef_HEAD_INIT, "straight", NULL, -1, straight_methods,
};

PyMODINIT_FUNC
PyInit_straight(void)
{
    return PyModule_Create(&straight_module);
}
