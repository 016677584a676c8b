/*
 * no-exception-on-failure/methods.c - PML008 in module-level methods
 * (METH_VARARGS, METH_O, METH_VARARGS | METH_KEYWORDS) and in PyInit_*:
 * a PyMem_*, PyObject_* or libc allocation fails and the function returns
 * NULL with no exception set (Python then raises SystemError "error return
 * without exception set"). Also a helper whose result a method returns
 * directly (reported in the helper, at its return). Each bad function is
 * followed by a correct twin that must stay silent.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *rot_table;   /* 256 entries, PyMem, built by PyInit */

/* ---- PyMem_Malloc, `if (!buf) return NULL;` ---- */

static PyObject *
reverse_bytes(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:reverse_bytes", &data, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (!buf)
        return NULL; // expected-warning {{[PML008]}}
    for (i = 0; i < len; i++)
        buf[i] = data[len - 1 - i];
    result = PyBytes_FromStringAndSize(buf, len);
    PyMem_Free(buf);
    return result;
}

static PyObject *
reverse_bytes_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:reverse_bytes_ok", &data, &len))
        return NULL; // no-warning: PyArg_ParseTuple raised, nothing was allocated
    buf = PyMem_Malloc(len + 1);
    if (!buf)
        return PyErr_NoMemory(); // no-warning: MemoryError set
    for (i = 0; i < len; i++)
        buf[i] = data[len - 1 - i];
    result = PyBytes_FromStringAndSize(buf, len);
    PyMem_Free(buf);
    return result;
}

/* ---- goto error: one of two failures forgets PyErr_NoMemory() ---- */

static PyObject *
casefold_equal(PyObject *self, PyObject *args)
{
    const char *a, *b;
    Py_ssize_t alen, blen, i;
    char *la = NULL, *lb = NULL;
    int equal;

    if (!PyArg_ParseTuple(args, "s#s#:casefold_equal", &a, &alen, &b, &blen))
        return NULL;
    la = PyMem_Malloc(alen + 1);
    if (la == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    lb = PyMem_Malloc(blen + 1);
    if (lb == NULL)
        goto error;
    for (i = 0; i < alen; i++)
        la[i] = Py_TOLOWER(a[i]);
    for (i = 0; i < blen; i++)
        lb[i] = Py_TOLOWER(b[i]);
    equal = alen == blen && memcmp(la, lb, alen) == 0;
    PyMem_Free(lb);
    PyMem_Free(la);
    return PyBool_FromLong(equal);

error:
    PyMem_Free(lb);
    PyMem_Free(la);
    return NULL; // expected-warning {{[PML008]}}
}

static PyObject *
casefold_equal_ok(PyObject *self, PyObject *args)
{
    const char *a, *b;
    Py_ssize_t alen, blen, i;
    char *la = NULL, *lb = NULL;
    int equal;

    if (!PyArg_ParseTuple(args, "s#s#:casefold_equal_ok", &a, &alen, &b, &blen))
        return NULL;
    la = PyMem_Malloc(alen + 1);
    if (la == NULL)
        goto nomem;
    lb = PyMem_Malloc(blen + 1);
    if (lb == NULL)
        goto nomem;
    for (i = 0; i < alen; i++)
        la[i] = Py_TOLOWER(a[i]);
    for (i = 0; i < blen; i++)
        lb[i] = Py_TOLOWER(b[i]);
    equal = alen == blen && memcmp(la, lb, alen) == 0;
    PyMem_Free(lb);
    PyMem_Free(la);
    return PyBool_FromLong(equal);

nomem:
    PyErr_NoMemory();
    PyMem_Free(lb);
    PyMem_Free(la);
    return NULL; // no-warning: the nomem label raises MemoryError
}

/* ---- PyObject_Malloc ---- */

static PyObject *
rot13(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:rot13", &text, &len))
        return NULL;
    out = PyObject_Malloc(len + 1);
    if (out == NULL)
        return NULL; // expected-warning {{[PML008]}}
    for (i = 0; i < len; i++)
        out[i] = (char)rot_table[(unsigned char)text[i]];
    result = PyUnicode_DecodeUTF8(out, len, "strict");
    PyObject_Free(out);
    return result;
}

static PyObject *
rot13_ok(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:rot13_ok", &text, &len))
        return NULL;
    out = PyObject_Malloc(len + 1);
    if (out == NULL) {
        PyErr_NoMemory();
        return NULL; // no-warning: MemoryError set just above
    }
    for (i = 0; i < len; i++)
        out[i] = (char)rot_table[(unsigned char)text[i]];
    result = PyUnicode_DecodeUTF8(out, len, "strict");
    PyObject_Free(out);
    return result;
}

/* ---- libc malloc, METH_VARARGS | METH_KEYWORDS ---- */

static PyObject *
split_fields(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"line", "sep", NULL};
    const char *line;
    Py_ssize_t len, i, start = 0;
    int sep = ',';
    char *copy;
    PyObject *list;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s#|C:split_fields", kwlist,
                                     &line, &len, &sep))
        return NULL;
    copy = malloc(len + 1);
    if (copy == NULL)
        return NULL; // expected-warning {{[PML008]}}
    memcpy(copy, line, len + 1);
    list = PyList_New(0);
    if (list == NULL) {
        free(copy);
        return NULL;
    }
    for (i = 0; i <= len; i++) {
        if (i == len || copy[i] == (char)sep) {
            PyObject *field;

            copy[i] = '\0';
            field = PyUnicode_FromString(copy + start);
            if (field == NULL || PyList_Append(list, field) < 0) {
                Py_XDECREF(field);
                Py_DECREF(list);
                free(copy);
                return NULL;
            }
            Py_DECREF(field);
            start = i + 1;
        }
    }
    free(copy);
    return list;
}

static PyObject *
split_fields_ok(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"line", "sep", NULL};
    const char *line;
    Py_ssize_t len, i, start = 0;
    int sep = ',';
    char *copy;
    PyObject *list;

    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "s#|C:split_fields_ok", kwlist,
                                     &line, &len, &sep))
        return NULL;
    copy = malloc(len + 1);
    if (copy == NULL) {
        PyErr_SetString(PyExc_MemoryError, "cannot copy the line");
        return NULL; // no-warning: PyErr_SetString set MemoryError
    }
    memcpy(copy, line, len + 1);
    list = PyList_New(0);
    if (list == NULL) {
        free(copy);
        return NULL; // no-warning: PyList_New raised
    }
    for (i = 0; i <= len; i++) {
        if (i == len || copy[i] == (char)sep) {
            PyObject *field;

            copy[i] = '\0';
            field = PyUnicode_FromString(copy + start);
            if (field == NULL || PyList_Append(list, field) < 0) {
                Py_XDECREF(field);
                Py_DECREF(list);
                free(copy);
                return NULL;
            }
            Py_DECREF(field);
            start = i + 1;
        }
    }
    free(copy);
    return list;
}

/* ---- a helper whose result the method returns directly ---- */

static PyObject *
make_histogram(const unsigned char *data, Py_ssize_t len)
{
    Py_ssize_t *counts, i;
    PyObject *list;

    counts = PyMem_Calloc(256, sizeof(Py_ssize_t));
    if (counts == NULL)
        return NULL; // expected-warning {{[PML008]}}
    for (i = 0; i < len; i++)
        counts[data[i]]++;
    list = PyList_New(256);
    if (list == NULL) {
        PyMem_Free(counts);
        return NULL;
    }
    for (i = 0; i < 256; i++) {
        PyObject *v = PyLong_FromSsize_t(counts[i]);
        if (v == NULL) {
            Py_DECREF(list);
            PyMem_Free(counts);
            return NULL;
        }
        PyList_SET_ITEM(list, i, v);
    }
    PyMem_Free(counts);
    return list;
}

static PyObject *
histogram(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;

    if (!PyArg_ParseTuple(args, "y#:histogram", &data, &len))
        return NULL;
    return make_histogram((const unsigned char *)data, len); // no-warning: reported in the helper
}

/* Internal: NULL means "out of memory", the caller raises. */
static Py_ssize_t *
count_bytes(const unsigned char *data, Py_ssize_t len)
{
    Py_ssize_t i, *counts = PyMem_Calloc(256, sizeof(Py_ssize_t));

    if (counts == NULL)
        return NULL; // no-warning: internal helper, histogram_max raises
    for (i = 0; i < len; i++)
        counts[data[i]]++;
    return counts;
}

static PyObject *
histogram_max(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, *counts, best_count;
    int b, best = 0;

    if (!PyArg_ParseTuple(args, "y#:histogram_max", &data, &len))
        return NULL;
    counts = count_bytes((const unsigned char *)data, len);
    if (counts == NULL)
        return PyErr_NoMemory(); // no-warning: MemoryError set
    for (b = 1; b < 256; b++) {
        if (counts[b] > counts[best])
            best = b;
    }
    best_count = counts[best];
    PyMem_Free(counts);
    return Py_BuildValue("(in)", best, best_count);
}

/* ---- PyMem_Realloc (into a temporary) while growing ---- */

static PyObject *
replace_tabs(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, n = 0, cap;
    int k, tabsize = 8;
    char *out, *tmp;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#|i:replace_tabs", &text, &len, &tabsize))
        return NULL;
    if (tabsize < 1 || tabsize > 64) {
        PyErr_SetString(PyExc_ValueError, "tabsize must be in 1..64");
        return NULL;
    }
    cap = len + 1;
    out = PyMem_Malloc(cap);
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (cap - n < tabsize + 1) {
            if (cap > PY_SSIZE_T_MAX - 256) {
                PyMem_Free(out);
                return PyErr_NoMemory();
            }
            tmp = PyMem_Realloc(out, cap + 256);
            if (tmp == NULL) {
                PyMem_Free(out);
                return NULL; // expected-warning {{[PML008]}}
            }
            out = tmp;
            cap += 256;
        }
        if (text[i] == '\t') {
            for (k = 0; k < tabsize; k++)
                out[n++] = ' ';
        }
        else {
            out[n++] = text[i];
        }
    }
    result = PyUnicode_DecodeUTF8(out, n, "strict");
    PyMem_Free(out);
    return result;
}

static PyObject *
replace_tabs_ok(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, n = 0, cap;
    int k, tabsize = 8;
    char *out, *tmp;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#|i:replace_tabs_ok", &text, &len, &tabsize))
        return NULL;
    if (tabsize < 1 || tabsize > 64) {
        PyErr_SetString(PyExc_ValueError, "tabsize must be in 1..64");
        return NULL;
    }
    cap = len + 1;
    out = PyMem_Malloc(cap);
    if (out == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (cap - n < tabsize + 1) {
            if (cap > PY_SSIZE_T_MAX - 256) {
                PyMem_Free(out);
                return PyErr_NoMemory();
            }
            tmp = PyMem_Realloc(out, cap + 256);
            if (tmp == NULL) {
                PyErr_Format(PyExc_MemoryError,
                             "cannot grow the output to %zd bytes", cap + 256);
                PyMem_Free(out);
                return NULL; // no-warning: PyErr_Format set MemoryError
            }
            out = tmp;
            cap += 256;
        }
        if (text[i] == '\t') {
            for (k = 0; k < tabsize; k++)
                out[n++] = ' ';
        }
        else {
            out[n++] = text[i];
        }
    }
    result = PyUnicode_DecodeUTF8(out, n, "strict");
    PyMem_Free(out);
    return result;
}

/* ---- a failed API call (not an allocation) already set the exception ---- */

static PyObject *
upper_ascii(PyObject *self, PyObject *arg)
{
    const char *utf8;
    Py_ssize_t len, i;
    char *buf;
    PyObject *result;

    utf8 = PyUnicode_AsUTF8AndSize(arg, &len);
    if (utf8 == NULL)
        return NULL; // no-warning: PyUnicode_AsUTF8AndSize raised
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        buf[i] = Py_TOUPPER(utf8[i]);
    result = PyUnicode_FromStringAndSize(buf, len);
    PyMem_Free(buf);
    return result;
}

/* ---- module ---- */

static void
methods_free(void *module)
{
    PyMem_Free(rot_table);
    rot_table = NULL;
}

static PyMethodDef methods_methods[] = {
    {"reverse_bytes", reverse_bytes, METH_VARARGS, NULL},
    {"reverse_bytes_ok", reverse_bytes_ok, METH_VARARGS, NULL},
    {"casefold_equal", casefold_equal, METH_VARARGS, NULL},
    {"casefold_equal_ok", casefold_equal_ok, METH_VARARGS, NULL},
    {"rot13", rot13, METH_VARARGS, NULL},
    {"rot13_ok", rot13_ok, METH_VARARGS, NULL},
    {"split_fields", (PyCFunction)(void (*)(void))split_fields,
     METH_VARARGS | METH_KEYWORDS, NULL},
    {"split_fields_ok", (PyCFunction)(void (*)(void))split_fields_ok,
     METH_VARARGS | METH_KEYWORDS, NULL},
    {"histogram", histogram, METH_VARARGS, NULL},
    {"histogram_max", histogram_max, METH_VARARGS, NULL},
    {"replace_tabs", replace_tabs, METH_VARARGS, NULL},
    {"replace_tabs_ok", replace_tabs_ok, METH_VARARGS, NULL},
    {"upper_ascii", upper_ascii, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef methods_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pml008_methods",
    .m_size = -1,
    .m_methods = methods_methods,
    .m_free = methods_free,
};

PyMODINIT_FUNC
PyInit_pml008_methods(void)
{
    PyObject *m;
    int c;

    rot_table = PyMem_Malloc(256);
    if (rot_table == NULL)
        return NULL; // expected-warning {{[PML008]}}
    for (c = 0; c < 256; c++) {
        if (c >= 'a' && c <= 'z')
            rot_table[c] = (unsigned char)('a' + (c - 'a' + 13) % 26);
        else if (c >= 'A' && c <= 'Z')
            rot_table[c] = (unsigned char)('A' + (c - 'A' + 13) % 26);
        else
            rot_table[c] = (unsigned char)c;
    }
    m = PyModule_Create(&methods_module);
    if (m == NULL) {
        PyMem_Free(rot_table);
        rot_table = NULL;
        return NULL; // no-warning: PyModule_Create raised
    }
    return m;
}
