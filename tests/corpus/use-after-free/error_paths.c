/*
 * use-after-free/error_paths.c - PML004 on error paths: a released buffer
 * used for the exception message, returned to the caller, read by an
 * O& converter or under a cleanup label. Error paths that finish with the
 * buffer before releasing it stay silent.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static const struct {
    const char *name;
    long value;
} options[] = {
    {"fast", 1},
    {"safe", 2},
    {"verbose", 4},
};

static int
find_option(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
        if (strcmp(options[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

/* Lower-cased copy of 'text'; sets MemoryError and returns NULL on failure. */
static char *
lower_dup(const char *text, Py_ssize_t len)
{
    Py_ssize_t i;
    char *out = PyMem_Malloc(len + 1);

    if (out == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (i = 0; i < len; i++)
        out[i] = Py_TOLOWER(text[i]);
    out[len] = '\0';
    return out;
}

/* ---- exception message built from a released buffer ---- */

static PyObject *
option_value(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len;
    char *name;
    int idx;

    if (!PyArg_ParseTuple(args, "s#:option_value", &text, &len))
        return NULL;
    name = lower_dup(text, len);
    if (name == NULL)
        return NULL;
    idx = find_option(name);
    if (idx < 0) {
        PyMem_Free(name);
        PyErr_Format(PyExc_KeyError, "unknown option '%s'", name); // expected-warning {{[PML004]}}
        return NULL;
    }
    PyMem_Free(name);
    return PyLong_FromLong(options[idx].value);
}

static PyObject *
option_value_ok(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len;
    char *name;
    int idx;

    if (!PyArg_ParseTuple(args, "s#:option_value_ok", &text, &len))
        return NULL;
    name = lower_dup(text, len);
    if (name == NULL)
        return NULL;
    idx = find_option(name);
    if (idx < 0) {
        PyErr_Format(PyExc_KeyError, "unknown option '%s'", name); // no-warning: formatted before the release
        PyMem_Free(name);
        return NULL;
    }
    PyMem_Free(name);
    return PyLong_FromLong(options[idx].value);
}

static PyObject *
check_range(PyObject *self, PyObject *args)
{
    long lo, hi, v;
    char *msg;

    if (!PyArg_ParseTuple(args, "lll:check_range", &lo, &hi, &v))
        return NULL;
    if (v >= lo && v <= hi)
        Py_RETURN_NONE;
    msg = PyMem_Malloc(96);
    if (msg == NULL)
        return PyErr_NoMemory();
    sprintf(msg, "%ld is outside [%ld, %ld]", v, lo, hi);
    PyMem_Free(msg);
    PyErr_SetString(PyExc_ValueError, msg); // expected-warning {{[PML004]}}
    return NULL;
}

static PyObject *
check_range_ok(PyObject *self, PyObject *args)
{
    long lo, hi, v;
    char *msg;

    if (!PyArg_ParseTuple(args, "lll:check_range_ok", &lo, &hi, &v))
        return NULL;
    if (v >= lo && v <= hi)
        Py_RETURN_NONE;
    msg = PyMem_Malloc(96);
    if (msg == NULL)
        return PyErr_NoMemory();
    sprintf(msg, "%ld is outside [%ld, %ld]", v, lo, hi);
    PyErr_SetString(PyExc_ValueError, msg); // no-warning: the message is copied first
    PyMem_Free(msg);
    return NULL;
}

/* ---- helper returns a released buffer ---- */

/* Exported for the tokenizer in another file of the extension. */
char *
read_token(const char *text, Py_ssize_t len)
{
    Py_ssize_t n = 0;
    char *tok = PyMem_Malloc(len + 1);

    if (tok == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    while (n < len && !Py_ISSPACE(text[n])) {
        tok[n] = text[n];
        n++;
    }
    tok[n] = '\0';
    if (n == 0) {
        PyMem_Free(tok);
        PyErr_SetString(PyExc_ValueError, "empty token");
        return tok; // expected-warning {{[PML004]}}
    }
    return tok;
}

static char *
read_token_ok(const char *text, Py_ssize_t len)
{
    Py_ssize_t n = 0;
    char *tok = PyMem_Malloc(len + 1);

    if (tok == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    while (n < len && !Py_ISSPACE(text[n])) {
        tok[n] = text[n];
        n++;
    }
    tok[n] = '\0';
    if (n == 0) {
        PyMem_Free(tok);
        PyErr_SetString(PyExc_ValueError, "empty token");
        return NULL; // no-warning: the released pointer is not returned
    }
    return tok;
}

static PyObject *
first_token(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len;
    char *tok;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:first_token", &text, &len))
        return NULL;
    tok = read_token_ok(text, len);
    if (tok == NULL)
        return NULL;
    result = PyUnicode_FromString(tok);
    PyMem_Free(tok);
    return result;
}

/* ---- O& converter ---- */

static int
sign_converter(PyObject *obj, void *addr)
{
    Py_ssize_t len;
    const char *s = PyUnicode_AsUTF8AndSize(obj, &len);
    char *copy;

    if (s == NULL)
        return 0;
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL) {
        PyErr_NoMemory();
        return 0;
    }
    memcpy(copy, s, len + 1);
    PyMem_Free(copy);
    *(int *)addr = copy[0] == '-'; // expected-warning {{[PML004]}}
    return 1;
}

static int
sign_converter_ok(PyObject *obj, void *addr)
{
    Py_ssize_t len;
    const char *s = PyUnicode_AsUTF8AndSize(obj, &len);
    char *copy;

    if (s == NULL)
        return 0;
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL) {
        PyErr_NoMemory();
        return 0;
    }
    memcpy(copy, s, len + 1);
    *(int *)addr = copy[0] == '-'; // no-warning: read before the release
    PyMem_Free(copy);
    return 1;
}

static PyObject *
is_negative(PyObject *self, PyObject *args)
{
    int neg, neg2;

    if (!PyArg_ParseTuple(args, "O&O&:is_negative", sign_converter, &neg,
                          sign_converter_ok, &neg2))
        return NULL;
    return PyBool_FromLong(neg && neg2);
}

/* ---- the cleanup label reads what the jump released ---- */

static PyObject *
parse_record(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *rec;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:parse_record", &data, &len))
        return NULL;
    rec = PyMem_Malloc(len + 1);
    if (rec == NULL)
        return PyErr_NoMemory();
    memcpy(rec, data, len);
    rec[len] = '\0';
    if (len < 2 || rec[0] != '{' || rec[len - 1] != '}') {
        PyMem_Free(rec);
        goto fail;
    }
    result = PyUnicode_FromStringAndSize(rec + 1, len - 2);
    PyMem_Free(rec);
    return result;

fail:
    PyErr_Format(PyExc_ValueError, "bad record: %.20s", rec); // expected-warning {{[PML004]}}
    return NULL;
}

static PyObject *
parse_record_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *rec;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:parse_record_ok", &data, &len))
        return NULL;
    rec = PyMem_Malloc(len + 1);
    if (rec == NULL)
        return PyErr_NoMemory();
    memcpy(rec, data, len);
    rec[len] = '\0';
    if (len < 2 || rec[0] != '{' || rec[len - 1] != '}')
        goto fail;
    result = PyUnicode_FromStringAndSize(rec + 1, len - 2);
    PyMem_Free(rec);
    return result;

fail:
    PyErr_Format(PyExc_ValueError, "bad record: %.20s", rec); // no-warning: released after the message
    PyMem_Free(rec);
    return NULL;
}

/* ---- released early under a flag, used only when not released ---- */

static PyObject *
frame(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    int empty;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:frame", &data, &len))
        return NULL;
    buf = PyMem_Malloc(len + 2);
    if (buf == NULL)
        return PyErr_NoMemory();
    empty = len == 0;
    if (empty)
        PyMem_Free(buf);
    buf[0] = '['; // expected-warning {{[PML004]}}
    memcpy(buf + 1, data, len);
    buf[len + 1] = ']';
    result = PyBytes_FromStringAndSize(buf, len + 2);
    if (!empty)
        PyMem_Free(buf);
    return result;
}

static PyObject *
frame_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    int empty;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:frame_ok", &data, &len))
        return NULL;
    buf = PyMem_Malloc(len + 2);
    if (buf == NULL)
        return PyErr_NoMemory();
    empty = len == 0;
    if (empty)
        PyMem_Free(buf);
    if (empty)
        return PyBytes_FromStringAndSize("[]", 2);
    buf[0] = '['; // no-warning: the released path returned above
    memcpy(buf + 1, data, len);
    buf[len + 1] = ']';
    result = PyBytes_FromStringAndSize(buf, len + 2);
    PyMem_Free(buf);
    return result;
}

static PyMethodDef error_paths_methods[] = {
    {"option_value", option_value, METH_VARARGS, NULL},
    {"option_value_ok", option_value_ok, METH_VARARGS, NULL},
    {"check_range", check_range, METH_VARARGS, NULL},
    {"check_range_ok", check_range_ok, METH_VARARGS, NULL},
    {"first_token", first_token, METH_VARARGS, NULL},
    {"is_negative", is_negative, METH_VARARGS, NULL},
    {"parse_record", parse_record, METH_VARARGS, NULL},
    {"parse_record_ok", parse_record_ok, METH_VARARGS, NULL},
    {"frame", frame, METH_VARARGS, NULL},
    {"frame_ok", frame_ok, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef error_paths_module = {
    PyModuleDef_HEAD_INIT, "error_paths", NULL, -1, error_paths_methods,
};

PyMODINIT_FUNC
PyInit_error_paths(void)
{
    return PyModule_Create(&error_paths_module);
}
