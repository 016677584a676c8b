/*
 * mismatched-free/aliases.c - PML002 through the macro spellings:
 * PyMem_New/NEW/MALLOC allocate MEM blocks, PyMem_Del/DEL/FREE release MEM,
 * PyObject_Del/DEL release OBJ. Matching spellings stay silent.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

struct span {
    Py_ssize_t start, stop;
};

/* ---- PyMem_New ---- */

static PyObject *
word_spans(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, n = 0, start = -1;
    struct span *spans;
    PyObject *list;

    if (!PyArg_ParseTuple(args, "s#:word_spans", &text, &len))
        return NULL;
    spans = PyMem_New(struct span, len / 2 + 1);
    if (spans == NULL)
        return PyErr_NoMemory();
    for (i = 0; i <= len; i++) {
        int blank = i == len || text[i] == ' ';
        if (!blank && start < 0)
            start = i;
        else if (blank && start >= 0) {
            spans[n].start = start;
            spans[n].stop = i;
            n++;
            start = -1;
        }
    }
    list = PyList_New(0);
    for (i = 0; list != NULL && i < n; i++) {
        PyObject *t = Py_BuildValue("(nn)", spans[i].start, spans[i].stop);
        if (t == NULL || PyList_Append(list, t) < 0) {
            Py_XDECREF(t);
            Py_CLEAR(list);
            break;
        }
        Py_DECREF(t);
    }
    PyObject_Del(spans); // expected-warning {{[PML002]}}
    return list;
}

static PyObject *
word_count(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, n = 0;
    char *marks;

    if (!PyArg_ParseTuple(args, "s#:word_count", &text, &len))
        return NULL;
    marks = PyMem_New(char, len + 1);
    if (marks == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        marks[i] = text[i] != ' ' && (i == 0 || text[i - 1] == ' ');
        n += marks[i];
    }
    PyMem_Del(marks); // no-warning: PyMem_New / PyMem_Del
    return PyLong_FromSsize_t(n);
}

static PyObject *
line_count(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, n = 0;
    Py_ssize_t *offsets;

    if (!PyArg_ParseTuple(args, "s#:line_count", &text, &len))
        return NULL;
    offsets = PyMem_NEW(Py_ssize_t, len + 1);
    if (offsets == NULL)
        return PyErr_NoMemory();
    offsets[n++] = 0;
    for (i = 0; i < len; i++) {
        if (text[i] == '\n')
            offsets[n++] = i + 1;
    }
    // expected-warning@+1 {{[PML002]}}
    free(offsets);
    return PyLong_FromSsize_t(n);
}

static PyObject *
line_count_ok(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, n = 0;
    Py_ssize_t *offsets;

    if (!PyArg_ParseTuple(args, "s#:line_count_ok", &text, &len))
        return NULL;
    offsets = PyMem_NEW(Py_ssize_t, len + 1);
    if (offsets == NULL)
        return PyErr_NoMemory();
    offsets[n++] = 0;
    for (i = 0; i < len; i++) {
        if (text[i] == '\n')
            offsets[n++] = i + 1;
    }
    PyMem_DEL(offsets); // no-warning: PyMem_NEW / PyMem_DEL
    return PyLong_FromSsize_t(n);
}

/* ---- PyMem_MALLOC / PyMem_FREE ---- */

static PyObject *
squeeze(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, n = 0;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:squeeze", &text, &len))
        return NULL;
    out = PyMem_MALLOC(len + 1);
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (n == 0 || out[n - 1] != text[i])
            out[n++] = text[i];
    }
    result = PyUnicode_FromStringAndSize(out, n);
    PyMem_FREE(out); // no-warning: PyMem_MALLOC / PyMem_FREE
    return result;
}

static PyObject *
squeeze_obj(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, n = 0;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:squeeze_obj", &text, &len))
        return NULL;
    out = PyMem_MALLOC(len + 1);
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (n == 0 || out[n - 1] != text[i])
            out[n++] = text[i];
    }
    result = PyUnicode_FromStringAndSize(out, n);
    // expected-warning@+1 {{[PML002]}}
    PyObject_DEL(out);
    return result;
}

/* ---- PyObject_Malloc released with the MEM spellings ---- */

static PyObject *
pair_sum(PyObject *self, PyObject *args)
{
    long *pair;
    long a, b;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "ll:pair_sum", &a, &b))
        return NULL;
    pair = PyObject_Malloc(sizeof(long[2]));
    if (pair == NULL)
        return PyErr_NoMemory();
    pair[0] = a;
    pair[1] = b;
    result = PyLong_FromLong(pair[0] + pair[1]);
    PyMem_Del(pair); // expected-warning {{[PML002]}}
    return result;
}

static PyObject *
pair_diff(PyObject *self, PyObject *args)
{
    long *pair;
    long a, b;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "ll:pair_diff", &a, &b))
        return NULL;
    pair = PyObject_Malloc(sizeof(long[2]));
    if (pair == NULL)
        return PyErr_NoMemory();
    pair[0] = a;
    pair[1] = b;
    result = PyLong_FromLong(pair[0] - pair[1]);
    PyObject_Del(pair); // no-warning: OBJ / PyObject_Del
    return result;
}

static PyObject *
pair_max(PyObject *self, PyObject *args)
{
    long *pair;
    long a, b;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "ll:pair_max", &a, &b))
        return NULL;
    pair = PyObject_Calloc(2, sizeof(long));
    if (pair == NULL)
        return PyErr_NoMemory();
    pair[0] = a;
    pair[1] = b;
    result = PyLong_FromLong(pair[0] > pair[1] ? pair[0] : pair[1]);
    PyMem_FREE(pair); // expected-warning {{[PML002]}}
    return result;
}

static PyObject *
pair_min(PyObject *self, PyObject *args)
{
    long *pair;
    long a, b;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "ll:pair_min", &a, &b))
        return NULL;
    pair = PyObject_Calloc(2, sizeof(long));
    if (pair == NULL)
        return PyErr_NoMemory();
    pair[0] = a;
    pair[1] = b;
    result = PyLong_FromLong(pair[0] < pair[1] ? pair[0] : pair[1]);
    PyObject_DEL(pair); // no-warning: OBJ / PyObject_DEL
    return result;
}

/* ---- libc and RAW released with the MEM spellings ---- */

static PyObject *
tokens(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, start = 0;
    char *copy;
    PyObject *list;

    if (!PyArg_ParseTuple(args, "s#:tokens", &text, &len))
        return NULL;
    copy = calloc(len + 1, 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, text, len);
    list = PyList_New(0);
    for (i = 0; list != NULL && i <= len; i++) {
        PyObject *s;

        if (i < len && copy[i] != ',')
            continue;
        copy[i] = '\0';
        s = PyUnicode_FromString(copy + start);
        if (s == NULL || PyList_Append(list, s) < 0) {
            Py_XDECREF(s);
            Py_CLEAR(list);
            break;
        }
        Py_DECREF(s);
        start = i + 1;
    }
    PyMem_DEL(copy); // expected-warning {{[PML002]}}
    return list;
}

static PyObject *
tokens_ok(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, start = 0;
    char *copy;
    PyObject *list;

    if (!PyArg_ParseTuple(args, "s#:tokens_ok", &text, &len))
        return NULL;
    copy = calloc(len + 1, 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, text, len);
    list = PyList_New(0);
    for (i = 0; list != NULL && i <= len; i++) {
        PyObject *s;

        if (i < len && copy[i] != ',')
            continue;
        copy[i] = '\0';
        s = PyUnicode_FromString(copy + start);
        if (s == NULL || PyList_Append(list, s) < 0) {
            Py_XDECREF(s);
            Py_CLEAR(list);
            break;
        }
        Py_DECREF(s);
        start = i + 1;
    }
    free(copy); // no-warning: calloc / free
    return list;
}

static PyObject *
raw_scratch(PyObject *self, PyObject *args)
{
    Py_ssize_t n;
    char *scratch;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "n:raw_scratch", &n))
        return NULL;
    if (n < 0 || n > 4096) {
        PyErr_SetString(PyExc_ValueError, "size out of range");
        return NULL;
    }
    scratch = PyMem_RawMalloc(n + 1);
    if (scratch == NULL)
        return PyErr_NoMemory();
    memset(scratch, 'x', n);
    result = PyBytes_FromStringAndSize(scratch, n);
    PyMem_Del(scratch); // expected-warning {{[PML002]}}
    return result;
}

static PyMethodDef aliases_methods[] = {
    {"word_spans", word_spans, METH_VARARGS, NULL},
    {"word_count", word_count, METH_VARARGS, NULL},
    {"line_count", line_count, METH_VARARGS, NULL},
    {"line_count_ok", line_count_ok, METH_VARARGS, NULL},
    {"squeeze", squeeze, METH_VARARGS, NULL},
    {"squeeze_obj", squeeze_obj, METH_VARARGS, NULL},
    {"pair_sum", pair_sum, METH_VARARGS, NULL},
    {"pair_diff", pair_diff, METH_VARARGS, NULL},
    {"pair_max", pair_max, METH_VARARGS, NULL},
    {"pair_min", pair_min, METH_VARARGS, NULL},
    {"tokens", tokens, METH_VARARGS, NULL},
    {"tokens_ok", tokens_ok, METH_VARARGS, NULL},
    {"raw_scratch", raw_scratch, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef aliases_module = {
    PyModuleDef_HEAD_INIT, "aliases", NULL, -1, aliases_methods,
};

PyMODINIT_FUNC
PyInit_aliases(void)
{
    return PyModule_Create(&aliases_module);
}
