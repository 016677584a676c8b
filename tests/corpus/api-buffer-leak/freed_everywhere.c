/*
 * api-buffer-leak/freed_everywhere.c - PML013 negatives only: every buffer
 * a CPython API hands over (PyUnicode_AsWideCharString,
 * PyUnicode_AsUCS4Copy, Py_EncodeLocale, Py_DecodeLocale,
 * PyOS_double_to_string, _PyMem_Strdup, "es"/"et"/"es#"/"et#") is released
 * with the right family on every path - in loops, at cleanup labels, in
 * a destructor after being stored in an object, or by the caller of a
 * helper that returns it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <wchar.h>

// expected-no-diagnostics

/* ---- an object that keeps an "es" buffer and a _PyMem_Strdup copy ---- */

typedef struct {
    PyObject_HEAD
    char *path;  /* from "es": PyMem_Malloc */
    char *label; /* from _PyMem_Strdup: PyMem_Malloc */
} EntryObject;

static int
Entry_init(EntryObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"path", "label", NULL};
    char *path = NULL;
    const char *label = "";
    char *label_copy;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "es|s:Entry", kwlist,
                                     "utf-8", &path, &label))
        return -1;
    label_copy = _PyMem_Strdup(label); // no-warning: stored in the object below
    if (label_copy == NULL) {
        PyMem_Free(path); // no-warning: the "es" buffer released on the error path
        PyErr_NoMemory();
        return -1;
    }
    PyMem_Free(self->path);
    self->path = path; // no-warning: the "es" buffer now belongs to the object
    PyMem_Free(self->label);
    self->label = label_copy;
    return 0;
}

static void
Entry_dealloc(EntryObject *self)
{
    PyMem_Free(self->path); // no-warning: "es" buffer, PyMem_Free
    PyMem_Free(self->label); // no-warning: _PyMem_Strdup copy, PyMem_Free
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
Entry_repr(EntryObject *self)
{
    return PyUnicode_FromFormat("<Entry %s %s>",
                                self->path ? self->path : "?",
                                self->label ? self->label : "");
}

static PyTypeObject EntryType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "freed_everywhere.Entry",
    .tp_basicsize = sizeof(EntryObject),
    .tp_dealloc = (destructor)Entry_dealloc,
    .tp_repr = (reprfunc)Entry_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_init = (initproc)Entry_init,
    .tp_new = PyType_GenericNew,
};

/* ---- a helper that hands its wide string to the caller ---- */

/* Returns a PyMem_Malloc'ed wide string, or NULL with an exception set. */
static wchar_t *
as_wide(PyObject *obj, Py_ssize_t *size)
{
    if (!PyUnicode_Check(obj)) {
        PyErr_Format(PyExc_TypeError, "expected str, got %.100s", Py_TYPE(obj)->tp_name);
        return NULL;
    }
    return PyUnicode_AsWideCharString(obj, size);
}

static PyObject *
wide_common_prefix(PyObject *module, PyObject *args)
{
    PyObject *a, *b;
    wchar_t *wa, *wb;
    Py_ssize_t na, nb, i = 0;

    if (!PyArg_ParseTuple(args, "OO:wide_common_prefix", &a, &b))
        return NULL;
    wa = as_wide(a, &na); // no-warning: the helper hands the buffer over; released below
    if (wa == NULL)
        return NULL;
    wb = as_wide(b, &nb);
    if (wb == NULL) {
        PyMem_Free(wa);
        return NULL;
    }
    while (i < na && i < nb && wa[i] == wb[i])
        i++;
    PyMem_Free(wa);
    PyMem_Free(wb);
    return PyLong_FromSsize_t(i);
}

/* ---- a conversion per item of a sequence, released every iteration ---- */

static PyObject *
wide_lengths(PyObject *module, PyObject *seq)
{
    PyObject *fast, *list;
    Py_ssize_t n, i;

    fast = PySequence_Fast(seq, "wide_lengths() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    list = PyList_New(n);
    if (list == NULL) {
        Py_DECREF(fast);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        wchar_t *w = PyUnicode_AsWideCharString(PySequence_Fast_GET_ITEM(fast, i), NULL);
        PyObject *v;

        if (w == NULL)
            goto error;
        v = PyLong_FromSize_t(wcslen(w));
        PyMem_Free(w); // no-warning: released in every iteration, before any exit
        if (v == NULL)
            goto error;
        PyList_SET_ITEM(list, i, v);
    }
    Py_DECREF(fast);
    return list;

error:
    Py_DECREF(list);
    Py_DECREF(fast);
    return NULL;
}

static PyObject *
format_floats(PyObject *module, PyObject *seq)
{
    PyObject *fast, *list;
    Py_ssize_t n, i;

    fast = PySequence_Fast(seq, "format_floats() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    list = PyList_New(n);
    if (list == NULL) {
        Py_DECREF(fast);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        double x = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, i));
        char *s;
        PyObject *v;

        if (x == -1.0 && PyErr_Occurred())
            goto error;
        s = PyOS_double_to_string(x, 'g', 6, Py_DTSF_ADD_DOT_0, NULL);
        if (s == NULL)
            goto error;
        v = PyUnicode_FromString(s);
        PyMem_Free(s); // no-warning: released in every iteration, before any exit
        if (v == NULL)
            goto error;
        PyList_SET_ITEM(list, i, v);
    }
    Py_DECREF(fast);
    return list;

error:
    Py_DECREF(list);
    Py_DECREF(fast);
    return NULL;
}

/* ---- UCS4 copy released on the validation error too ---- */

static PyObject *
checked_codepoints(PyObject *module, PyObject *args)
{
    PyObject *text, *list;
    Py_ssize_t n, i;
    Py_UCS4 *u;
    unsigned long limit = 0x10FFFF;

    if (!PyArg_ParseTuple(args, "U|k:checked_codepoints", &text, &limit))
        return NULL;
    n = PyUnicode_GET_LENGTH(text);
    u = PyUnicode_AsUCS4Copy(text);
    if (u == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        if (u[i] > limit) {
            PyErr_Format(PyExc_ValueError, "code point U+%04lX above the limit",
                         (unsigned long)u[i]);
            PyMem_Free(u); // no-warning: released on the validation error
            return NULL;
        }
    }
    list = PyList_New(n);
    if (list == NULL) {
        PyMem_Free(u);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        PyObject *v = PyLong_FromUnsignedLong(u[i]);
        if (v == NULL) {
            Py_DECREF(list);
            PyMem_Free(u);
            return NULL;
        }
        PyList_SET_ITEM(list, i, v);
    }
    PyMem_Free(u);
    return list;
}

/* ---- a locale round trip: each buffer with its own family ---- */

static PyObject *
locale_roundtrip(PyObject *module, PyObject *arg)
{
    const char *raw;
    wchar_t *w;
    char *back;
    size_t size, err;
    PyObject *result;

    if (!PyBytes_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "expected bytes");
        return NULL;
    }
    raw = PyBytes_AS_STRING(arg);
    w = Py_DecodeLocale(raw, &size);
    if (w == NULL) {
        if (size == (size_t)-2)
            PyErr_SetString(PyExc_ValueError, "undecodable bytes in the locale encoding");
        else
            PyErr_NoMemory();
        return NULL;
    }
    back = Py_EncodeLocale(w, &err);
    PyMem_RawFree(w); // no-warning: Py_DecodeLocale needs PyMem_RawFree
    if (back == NULL) {
        if (err == (size_t)-1)
            return PyErr_NoMemory();
        PyErr_Format(PyExc_ValueError, "unencodable character at index %zu", err);
        return NULL;
    }
    result = PyBool_FromLong(strcmp(raw, back) == 0);
    PyMem_Free(back); // no-warning: Py_EncodeLocale needs PyMem_Free
    return result;
}

/* ---- "et#" and "es" released at a cleanup label ---- */

static PyObject *
join_encoded(PyObject *module, PyObject *args)
{
    char *head = NULL, *tail = NULL, *out = NULL;
    Py_ssize_t hlen;
    size_t tlen;
    PyObject *result = NULL;

    // no-warning: (the call below) both buffers released at 'done'
    if (!PyArg_ParseTuple(args, "et#es:join_encoded", "latin-1", &head, &hlen,
                          "latin-1", &tail))
        return NULL;
    tlen = strlen(tail);
    if (hlen == 0 && tlen == 0) {
        PyErr_SetString(PyExc_ValueError, "nothing to join");
        goto done;
    }
    if (tlen > (size_t)(PY_SSIZE_T_MAX - hlen - 1)) {
        PyErr_NoMemory();
        goto done;
    }
    out = PyMem_Malloc(hlen + tlen + 1);
    if (out == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    memcpy(out, head, hlen);
    memcpy(out + hlen, tail, tlen);
    result = PyBytes_FromStringAndSize(out, hlen + (Py_ssize_t)tlen);
done:
    PyMem_Free(out);
    PyMem_Free(tail);
    PyMem_Free(head);
    return result;
}

/* ---- "es" converted through PyArg_Parse, released after use ---- */

static PyObject *
encoded_size(PyObject *module, PyObject *arg)
{
    char *s = NULL;
    size_t n;

    if (!PyArg_Parse(arg, "es:encoded_size", "utf-8", &s)) // no-warning: released after use
        return NULL;
    n = strlen(s);
    PyMem_Free(s);
    return PyLong_FromSize_t(n);
}

/* ---- "z#" and "s#" hand over nothing ---- */

static PyObject *
maybe_length(PyObject *module, PyObject *args)
{
    const char *a, *b;
    Py_ssize_t alen, blen;

    if (!PyArg_ParseTuple(args, "s#z#:maybe_length", &a, &alen, &b, &blen)) // no-warning: nothing handed over
        return NULL;
    return PyLong_FromSsize_t(b == NULL ? alen : alen + blen);
}

static PyMethodDef freed_everywhere_methods[] = {
    {"wide_common_prefix", wide_common_prefix, METH_VARARGS, NULL},
    {"wide_lengths", wide_lengths, METH_O, NULL},
    {"format_floats", format_floats, METH_O, NULL},
    {"checked_codepoints", checked_codepoints, METH_VARARGS, NULL},
    {"locale_roundtrip", locale_roundtrip, METH_O, NULL},
    {"join_encoded", join_encoded, METH_VARARGS, NULL},
    {"encoded_size", encoded_size, METH_O, NULL},
    {"maybe_length", maybe_length, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef freed_everywhere_module = {
    PyModuleDef_HEAD_INIT, "freed_everywhere", NULL, -1, freed_everywhere_methods,
};

PyMODINIT_FUNC
PyInit_freed_everywhere(void)
{
    PyObject *m;

    if (PyType_Ready(&EntryType) < 0)
        return NULL;
    m = PyModule_Create(&freed_everywhere_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&EntryType);
    if (PyModule_AddObject(m, "Entry", (PyObject *)&EntryType) < 0) {
        Py_DECREF(&EntryType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
