/*
 * use-after-free/ordering.c - PML004 when the release comes one statement
 * too early: the block is read, scrubbed or copied after it was released,
 * or the old block of a successful realloc is still used. The corrected
 * order stays silent.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ---- copied out after the release ---- */

static PyObject *
to_bytes(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    char *buf;

    if (!PyArg_ParseTuple(args, "s#:to_bytes", &text, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        buf[i] = text[i] == '_' ? ' ' : text[i];
    PyMem_Free(buf);
    return PyBytes_FromStringAndSize(buf, len); // expected-warning {{[PML004]}}
}

static PyObject *
to_bytes_ok(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:to_bytes_ok", &text, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        buf[i] = text[i] == '_' ? ' ' : text[i];
    result = PyBytes_FromStringAndSize(buf, len); // no-warning: copied before the release
    PyMem_Free(buf);
    return result;
}

/* ---- secret scrubbed after the release ---- */

static PyObject *
derive_key(PyObject *self, PyObject *args)
{
    const unsigned char *secret;
    Py_ssize_t len, i;
    unsigned char *key;
    unsigned long h = 2166136261UL;

    if (!PyArg_ParseTuple(args, "y#:derive_key", &secret, &len))
        return NULL;
    key = PyMem_Malloc(len + 1);
    if (key == NULL)
        return PyErr_NoMemory();
    memcpy(key, secret, len);
    for (i = 0; i < len; i++)
        h = (h ^ key[i]) * 16777619UL;
    PyMem_Free(key);
    memset(key, 0, len); // expected-warning {{[PML004]}}
    return PyLong_FromUnsignedLong(h & 0xffffffffUL);
}

static PyObject *
derive_key_ok(PyObject *self, PyObject *args)
{
    const unsigned char *secret;
    Py_ssize_t len, i;
    unsigned char *key;
    unsigned long h = 2166136261UL;

    if (!PyArg_ParseTuple(args, "y#:derive_key_ok", &secret, &len))
        return NULL;
    key = PyMem_Malloc(len + 1);
    if (key == NULL)
        return PyErr_NoMemory();
    memcpy(key, secret, len);
    for (i = 0; i < len; i++)
        h = (h ^ key[i]) * 16777619UL;
    memset(key, 0, len); // no-warning: scrubbed before the release
    PyMem_Free(key);
    return PyLong_FromUnsignedLong(h & 0xffffffffUL);
}

/* ---- a byte read after the release ---- */

static PyObject *
strip_comment(PyObject *self, PyObject *args)
{
    const char *line;
    Py_ssize_t len, n = 0;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:strip_comment", &line, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    while (n < len && line[n] != '#') {
        buf[n] = line[n];
        n++;
    }
    result = PyUnicode_FromStringAndSize(buf, n);
    PyMem_Free(buf);
    if (result != NULL && n > 0 && buf[n - 1] == ' ') { // expected-warning {{[PML004]}}
        Py_SETREF(result, PyUnicode_FromStringAndSize(line, n - 1));
    }
    return result;
}

static PyObject *
strip_comment_ok(PyObject *self, PyObject *args)
{
    const char *line;
    Py_ssize_t len, n = 0;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:strip_comment_ok", &line, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    while (n < len && line[n] != '#') {
        buf[n] = line[n];
        n++;
    }
    if (n > 0 && buf[n - 1] == ' ') // no-warning: read before the release
        n--;
    result = PyUnicode_FromStringAndSize(buf, n);
    PyMem_Free(buf);
    return result;
}

/* ---- libc block ---- */

static PyObject *
count_upper(PyObject *self, PyObject *args)
{
    const char *text;
    char *copy;
    size_t i, n = 0;

    if (!PyArg_ParseTuple(args, "s:count_upper", &text))
        return NULL;
    copy = strdup(text);
    if (copy == NULL)
        return PyErr_NoMemory();
    for (i = 0; copy[i] != '\0'; i++)
        n += Py_ISUPPER(copy[i]) != 0;
    free(copy);
    return Py_BuildValue("(nn)", (Py_ssize_t)n, (Py_ssize_t)strlen(copy)); // expected-warning {{[PML004]}}
}

static PyObject *
count_upper_ok(PyObject *self, PyObject *args)
{
    const char *text;
    char *copy;
    size_t i, n = 0, len;

    if (!PyArg_ParseTuple(args, "s:count_upper_ok", &text))
        return NULL;
    copy = strdup(text);
    if (copy == NULL)
        return PyErr_NoMemory();
    for (i = 0; copy[i] != '\0'; i++)
        n += Py_ISUPPER(copy[i]) != 0;
    len = strlen(copy); // no-warning: measured before the release
    free(copy);
    return Py_BuildValue("(nn)", (Py_ssize_t)n, (Py_ssize_t)len);
}

/* ---- the variable gets a new block before the next use ---- */

static PyObject *
both_cases(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    char *buf;
    PyObject *lower, *upper;

    if (!PyArg_ParseTuple(args, "s#:both_cases", &text, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        buf[i] = Py_TOLOWER(text[i]);
    lower = PyUnicode_FromStringAndSize(buf, len);
    PyMem_Free(buf);
    if (lower == NULL)
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL) {
        Py_DECREF(lower);
        return PyErr_NoMemory();
    }
    for (i = 0; i < len; i++)
        buf[i] = Py_TOUPPER(text[i]); // no-warning: buf holds a new block
    upper = PyUnicode_FromStringAndSize(buf, len);
    PyMem_Free(buf);
    if (upper == NULL) {
        Py_DECREF(lower);
        return NULL;
    }
    return Py_BuildValue("(NN)", lower, upper);
}

/* ---- old block used after a successful realloc ---- */

static PyObject *
append_suffix(PyObject *self, PyObject *args)
{
    const char *text, *suffix;
    Py_ssize_t len, slen;
    char *buf, *tmp;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#s#:append_suffix", &text, &len, &suffix, &slen))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, text, len);
    tmp = PyMem_Realloc(buf, len + slen + 1);
    if (tmp == NULL) {
        PyMem_Free(buf);
        return PyErr_NoMemory();
    }
    memcpy(buf + len, suffix, slen); // expected-warning {{[PML004]}}
    buf = tmp;
    result = PyUnicode_FromStringAndSize(buf, len + slen);
    PyMem_Free(buf);
    return result;
}

static PyObject *
append_suffix_ok(PyObject *self, PyObject *args)
{
    const char *text, *suffix;
    Py_ssize_t len, slen;
    char *buf, *tmp;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#s#:append_suffix_ok", &text, &len, &suffix, &slen))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, text, len);
    tmp = PyMem_Realloc(buf, len + slen + 1);
    if (tmp == NULL) {
        PyMem_Free(buf); // no-warning: the old block survives a failed realloc
        return PyErr_NoMemory();
    }
    buf = tmp;
    memcpy(buf + len, suffix, slen); // no-warning: buf now holds the new block
    result = PyUnicode_FromStringAndSize(buf, len + slen);
    PyMem_Free(buf);
    return result;
}

static PyMethodDef ordering_methods[] = {
    {"to_bytes", to_bytes, METH_VARARGS, NULL},
    {"to_bytes_ok", to_bytes_ok, METH_VARARGS, NULL},
    {"derive_key", derive_key, METH_VARARGS, NULL},
    {"derive_key_ok", derive_key_ok, METH_VARARGS, NULL},
    {"strip_comment", strip_comment, METH_VARARGS, NULL},
    {"strip_comment_ok", strip_comment_ok, METH_VARARGS, NULL},
    {"count_upper", count_upper, METH_VARARGS, NULL},
    {"count_upper_ok", count_upper_ok, METH_VARARGS, NULL},
    {"both_cases", both_cases, METH_VARARGS, NULL},
    {"append_suffix", append_suffix, METH_VARARGS, NULL},
    {"append_suffix_ok", append_suffix_ok, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef ordering_module = {
    PyModuleDef_HEAD_INIT, "ordering", NULL, -1, ordering_methods,
};

PyMODINIT_FUNC
PyInit_ordering(void)
{
    return PyModule_Create(&ordering_module);
}
