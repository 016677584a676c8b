/*
 * double-free/loops_switch.c - PML003 across loop exits, switch cases
 * (with and without fall-through) and the do { ... } while (0) idiom.
 * Blocks allocated and released inside one iteration, or reset to NULL
 * before leaving, stay silent.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ---- release before break, release after the loop ---- */

static PyObject *
sum_small(PyObject *self, PyObject *seq)
{
    PyObject *fast;
    Py_ssize_t n, i;
    long total = 0;
    int failed = 0;
    char *seen;

    fast = PySequence_Fast(seq, "sum_small() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    seen = PyMem_Calloc(256, 1);
    if (seen == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
        if (v == -1 && PyErr_Occurred()) {
            PyMem_Free(seen);
            failed = 1;
            break;
        }
        if (v >= 0 && v < 256 && !seen[v]) {
            seen[v] = 1;
            total += v;
        }
    }
    PyMem_Free(seen); // expected-warning {{[PML003]}}
    Py_DECREF(fast);
    if (failed)
        return NULL;
    return PyLong_FromLong(total);
}

static PyObject *
sum_small_ok(PyObject *self, PyObject *seq)
{
    PyObject *fast;
    Py_ssize_t n, i;
    long total = 0;
    int failed = 0;
    char *seen;

    fast = PySequence_Fast(seq, "sum_small_ok() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    seen = PyMem_Calloc(256, 1);
    if (seen == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(fast, i));
        if (v == -1 && PyErr_Occurred()) {
            PyMem_Free(seen);
            seen = NULL;
            failed = 1;
            break;
        }
        if (v >= 0 && v < 256 && !seen[v]) {
            seen[v] = 1;
            total += v;
        }
    }
    PyMem_Free(seen); // no-warning: reset to NULL before the break
    Py_DECREF(fast);
    if (failed)
        return NULL;
    return PyLong_FromLong(total);
}

/* ---- nested loops left with goto ---- */

static PyObject *
grid_max(PyObject *self, PyObject *rows)
{
    Py_ssize_t nrows, i, j;
    long best = 0;
    long *row;

    nrows = PyObject_Length(rows);
    if (nrows < 0)
        return NULL;
    row = PyMem_New(long, 64);
    if (row == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < nrows; i++) {
        for (j = 0; j < 64; j++) {
            row[j] = i + j;
            if (row[j] > 100) {
                PyMem_Free(row);
                goto out;
            }
            if (row[j] > best)
                best = row[j];
        }
    }

out:
    PyMem_Free(row); // expected-warning {{[PML003]}}
    return PyLong_FromLong(best);
}

/* ---- a fresh block per iteration ---- */

static PyObject *
upper_all(PyObject *self, PyObject *seq)
{
    PyObject *fast, *list;
    Py_ssize_t n, i, j;

    fast = PySequence_Fast(seq, "upper_all() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    list = PyList_New(n);
    if (list == NULL) {
        Py_DECREF(fast);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        Py_ssize_t size;
        const char *s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &size);
        char *buf;
        PyObject *u;

        if (s == NULL)
            goto error;
        buf = PyMem_Malloc(size + 1);
        if (buf == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        for (j = 0; j < size; j++)
            buf[j] = Py_TOUPPER(s[j]);
        if (size == 0) {
            PyMem_Free(buf); // no-warning: this iteration's block, released once
            u = PyUnicode_FromString("");
            if (u == NULL)
                goto error;
            PyList_SET_ITEM(list, i, u);
            continue;
        }
        u = PyUnicode_FromStringAndSize(buf, size);
        PyMem_Free(buf); // no-warning: this iteration's block, released once
        if (u == NULL)
            goto error;
        PyList_SET_ITEM(list, i, u);
    }
    Py_DECREF(fast);
    return list;

error:
    Py_DECREF(list);
    Py_DECREF(fast);
    return NULL;
}

/* ---- switch ---- */

enum { MODE_KEEP, MODE_DROP, MODE_RESET };

static PyObject *
apply_mode(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    int mode;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#i:apply_mode", &data, &len, &mode))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    result = PyBytes_FromStringAndSize(buf, len);
    switch (mode) {
    case MODE_DROP:
        PyMem_Free(buf);
        /* fall through */
    case MODE_RESET:
        PyMem_Free(buf); // expected-warning {{[PML003]}}
        buf = NULL;
        break;
    default:
        break;
    }
    PyMem_Free(buf);
    return result;
}

static PyObject *
apply_mode_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    int mode;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#i:apply_mode_ok", &data, &len, &mode))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    result = PyBytes_FromStringAndSize(buf, len);
    switch (mode) {
    case MODE_DROP:
        /* fall through */
    case MODE_RESET:
        PyMem_Free(buf); // no-warning: only the last case of the fall-through releases
        buf = NULL;
        break;
    default:
        break;
    }
    PyMem_Free(buf); // no-warning: NULL after the switch released it
    return result;
}

static PyObject *
render(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char fmt;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#c:render", &data, &len, &fmt))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    buf[len] = '\0';
    switch (fmt) {
    case 'b':
        result = PyBytes_FromStringAndSize(buf, len);
        break;
    case 's':
        result = PyUnicode_DecodeUTF8(buf, len, "replace");
        PyMem_Free(buf);
        break;
    default:
        PyErr_SetString(PyExc_ValueError, "unknown format");
        result = NULL;
        break;
    }
    PyMem_Free(buf); // expected-warning {{[PML003]}}
    return result;
}

static PyObject *
render_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char fmt;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#c:render_ok", &data, &len, &fmt))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    buf[len] = '\0';
    switch (fmt) {
    case 'b':
        result = PyBytes_FromStringAndSize(buf, len);
        PyMem_Free(buf); // no-warning: each case releases once and breaks
        break;
    case 's':
        result = PyUnicode_DecodeUTF8(buf, len, "replace");
        PyMem_Free(buf); // no-warning: each case releases once and breaks
        break;
    default:
        PyErr_SetString(PyExc_ValueError, "unknown format");
        PyMem_Free(buf); // no-warning: each case releases once and breaks
        result = NULL;
        break;
    }
    return result;
}

/* ---- do { ... } while (0) ---- */

static PyObject *
parse_header(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len;
    unsigned char *hdr;
    long version = -1;

    if (!PyArg_ParseTuple(args, "y#:parse_header", &data, &len))
        return NULL;
    hdr = PyMem_Malloc(8);
    if (hdr == NULL)
        return PyErr_NoMemory();
    memset(hdr, 0, 8);
    memcpy(hdr, data, len < 8 ? len : 8);
    do {
        if (hdr[0] != 0x7f) {
            PyMem_Free(hdr);
            break;
        }
        version = hdr[1];
    } while (0);
    PyMem_Free(hdr); // expected-warning {{[PML003]}}
    return PyLong_FromLong(version);
}

static PyObject *
parse_header_ok(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len;
    unsigned char *hdr;
    long version = -1;

    if (!PyArg_ParseTuple(args, "y#:parse_header_ok", &data, &len))
        return NULL;
    hdr = PyMem_Malloc(8);
    if (hdr == NULL)
        return PyErr_NoMemory();
    memset(hdr, 0, 8);
    memcpy(hdr, data, len < 8 ? len : 8);
    do {
        if (hdr[0] != 0x7f)
            break;
        version = hdr[1];
    } while (0);
    PyMem_Free(hdr); // no-warning: released once after the block
    return PyLong_FromLong(version);
}

/* ---- a flag that remembers the release ---- */

static PyObject *
maybe_release(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    int released = 0;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:maybe_release", &data, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    result = PyBytes_FromStringAndSize(buf, len);
    if (result == NULL) {
        PyMem_Free(buf);
        released = 1;
    }
    if (!released)
        PyMem_Free(buf); // no-warning: guarded by the flag set on release
    return result;
}

static PyMethodDef loops_switch_methods[] = {
    {"sum_small", sum_small, METH_O, NULL},
    {"sum_small_ok", sum_small_ok, METH_O, NULL},
    {"grid_max", grid_max, METH_O, NULL},
    {"upper_all", upper_all, METH_O, NULL},
    {"apply_mode", apply_mode, METH_VARARGS, NULL},
    {"apply_mode_ok", apply_mode_ok, METH_VARARGS, NULL},
    {"render", render, METH_VARARGS, NULL},
    {"render_ok", render_ok, METH_VARARGS, NULL},
    {"parse_header", parse_header, METH_VARARGS, NULL},
    {"parse_header_ok", parse_header_ok, METH_VARARGS, NULL},
    {"maybe_release", maybe_release, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef loops_switch_module = {
    PyModuleDef_HEAD_INIT, "loops_switch", NULL, -1, loops_switch_methods,
};

PyMODINIT_FUNC
PyInit_loops_switch(void)
{
    return PyModule_Create(&loops_switch_module);
}
