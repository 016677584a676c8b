/*
 * unchecked-alloc/wrappers.c - PML001 through allocation wrappers defined
 * in this file: their results may be NULL like the allocator they wrap,
 * unless the wrapper itself never returns NULL.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ---- wrappers ---- */

static void *
xalloc(size_t n)
{
    return PyMem_Malloc(n);
}

static void
xfree(void *p)
{
    PyMem_Free(p);
}

/* Sets MemoryError on failure, but still returns NULL then. */
static char *
checked_alloc(size_t n)
{
    char *p = PyMem_Malloc(n);

    if (p == NULL)
        PyErr_NoMemory();
    return p;
}

static void *
raw_zalloc(size_t n)
{
    return PyMem_RawCalloc(1, n);
}

static char *
dup_cstr(const char *s)
{
    return strdup(s);
}

static void *
xalloc_zeroed(size_t n)
{
    void *p = xalloc(n);

    if (p != NULL)
        memset(p, 0, n); // no-warning: guarded by p != NULL
    return p;
}

/* Never returns NULL: aborts the process instead. */
static void *
xalloc_or_die(size_t n)
{
    void *p = PyMem_Malloc(n);

    if (p == NULL)
        Py_FatalError("wrappers: out of memory");
    return p;
}

struct stats {
    Py_ssize_t count;
    double total;
};

/* ---- xalloc ---- */

static PyObject *
reverse_bytes(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:reverse_bytes", &data, &len))
        return NULL;
    buf = xalloc(len + 1);
    memcpy(buf, data, len); // expected-warning {{[PML001]}}
    for (i = 0; i < len / 2; i++) {
        char t = buf[i];
        buf[i] = buf[len - 1 - i];
        buf[len - 1 - i] = t;
    }
    result = PyBytes_FromStringAndSize(buf, len);
    xfree(buf);
    return result;
}

static PyObject *
reverse_bytes_checked(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:reverse_bytes_checked", &data, &len))
        return NULL;
    buf = xalloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len); // no-warning: checked
    for (i = 0; i < len / 2; i++) {
        char t = buf[i];
        buf[i] = buf[len - 1 - i];
        buf[len - 1 - i] = t;
    }
    result = PyBytes_FromStringAndSize(buf, len);
    xfree(buf);
    return result;
}

/* ---- checked_alloc: sets the exception but may still return NULL ---- */

static PyObject *
repeat_char(PyObject *self, PyObject *args)
{
    char c;
    Py_ssize_t n;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "cn:repeat_char", &c, &n))
        return NULL;
    if (n < 0)
        n = 0;
    buf = checked_alloc(n + 1);
    memset(buf, c, n); // expected-warning {{[PML001]}}
    result = PyBytes_FromStringAndSize(buf, n);
    PyMem_Free(buf);
    return result;
}

static PyObject *
repeat_char_checked(PyObject *self, PyObject *args)
{
    char c;
    Py_ssize_t n;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "cn:repeat_char_checked", &c, &n))
        return NULL;
    if (n < 0)
        n = 0;
    buf = checked_alloc(n + 1);
    if (buf == NULL)
        return NULL;
    memset(buf, c, n); // no-warning: checked (the wrapper set MemoryError)
    result = PyBytes_FromStringAndSize(buf, n);
    PyMem_Free(buf);
    return result;
}

/* ---- raw_zalloc ---- */

static PyObject *
mean(PyObject *self, PyObject *seq)
{
    PyObject *fast;
    Py_ssize_t i, n;
    struct stats *st;
    PyObject *result;

    fast = PySequence_Fast(seq, "mean() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    st = raw_zalloc(sizeof(struct stats));
    st->count = n; // expected-warning {{[PML001]}}
    for (i = 0; i < n; i++) {
        double v = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, i));
        if (v == -1.0 && PyErr_Occurred()) {
            PyMem_RawFree(st);
            Py_DECREF(fast);
            return NULL;
        }
        st->total += v;
    }
    Py_DECREF(fast);
    result = PyFloat_FromDouble(st->count ? st->total / (double)st->count : 0.0);
    PyMem_RawFree(st);
    return result;
}

static PyObject *
mean_checked(PyObject *self, PyObject *seq)
{
    PyObject *fast;
    Py_ssize_t i, n;
    struct stats *st;
    PyObject *result;

    fast = PySequence_Fast(seq, "mean() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    st = raw_zalloc(sizeof(struct stats));
    if (st == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    st->count = n; // no-warning: checked
    for (i = 0; i < n; i++) {
        double v = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, i));
        if (v == -1.0 && PyErr_Occurred()) {
            PyMem_RawFree(st);
            Py_DECREF(fast);
            return NULL;
        }
        st->total += v;
    }
    Py_DECREF(fast);
    result = PyFloat_FromDouble(st->count ? st->total / (double)st->count : 0.0);
    PyMem_RawFree(st);
    return result;
}

/* ---- dup_cstr (strdup family) ---- */

static PyObject *
capitalize(PyObject *self, PyObject *args)
{
    const char *word;
    char *copy;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s:capitalize", &word))
        return NULL;
    copy = dup_cstr(word);
    copy[0] = Py_TOUPPER(copy[0]); // expected-warning {{[PML001]}}
    result = PyUnicode_FromString(copy);
    free(copy);
    return result;
}

static PyObject *
capitalize_checked(PyObject *self, PyObject *args)
{
    const char *word;
    char *copy;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s:capitalize_checked", &word))
        return NULL;
    copy = dup_cstr(word);
    if (!copy)
        return PyErr_NoMemory();
    copy[0] = Py_TOUPPER(copy[0]); // no-warning: checked
    result = PyUnicode_FromString(copy);
    free(copy);
    return result;
}

/* ---- xalloc_zeroed: a wrapper around a wrapper ---- */

static PyObject *
bitmap(PyObject *self, PyObject *args)
{
    Py_ssize_t nbits, bit;
    unsigned char *bits;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "nn:bitmap", &nbits, &bit))
        return NULL;
    if (nbits <= 0 || bit < 0 || bit >= nbits) {
        PyErr_SetString(PyExc_ValueError, "bit out of range");
        return NULL;
    }
    bits = xalloc_zeroed(nbits / 8 + 1);
    bits[bit / 8] |= (unsigned char)(1u << (bit % 8)); // expected-warning {{[PML001]}}
    result = PyBytes_FromStringAndSize((char *)bits, nbits / 8 + 1);
    xfree(bits);
    return result;
}

static PyObject *
bitmap_checked(PyObject *self, PyObject *args)
{
    Py_ssize_t nbits, bit;
    unsigned char *bits;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "nn:bitmap_checked", &nbits, &bit))
        return NULL;
    if (nbits <= 0 || bit < 0 || bit >= nbits) {
        PyErr_SetString(PyExc_ValueError, "bit out of range");
        return NULL;
    }
    bits = xalloc_zeroed(nbits / 8 + 1);
    if (bits == NULL)
        return PyErr_NoMemory();
    bits[bit / 8] |= (unsigned char)(1u << (bit % 8)); // no-warning: checked
    result = PyBytes_FromStringAndSize((char *)bits, nbits / 8 + 1);
    xfree(bits);
    return result;
}

/* ---- wrappers that need no check, or uses that are not uses ---- */

static PyObject *
fill_pattern(PyObject *self, PyObject *args)
{
    Py_ssize_t n, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "n:fill_pattern", &n))
        return NULL;
    if (n < 0 || n > 4096) {
        PyErr_SetString(PyExc_ValueError, "size out of range");
        return NULL;
    }
    buf = xalloc_or_die(n + 1);
    for (i = 0; i < n; i++)
        buf[i] = (char)('a' + i % 26); // no-warning: xalloc_or_die never returns NULL
    result = PyBytes_FromStringAndSize(buf, n);
    PyMem_Free(buf);
    return result;
}

static PyObject *
probe_alloc(PyObject *self, PyObject *args)
{
    Py_ssize_t n;
    void *blk;

    if (!PyArg_ParseTuple(args, "n:probe_alloc", &n))
        return NULL;
    if (n < 0)
        n = 0;
    blk = xalloc(n);
    if (blk == NULL)
        return PyErr_NoMemory();
    xfree(blk); // no-warning: releasing through the wrapper is not a use
    Py_RETURN_TRUE;
}

static PyObject *
probe_alloc_quiet(PyObject *self, PyObject *args)
{
    Py_ssize_t n;
    int ok;
    void *blk;

    if (!PyArg_ParseTuple(args, "n:probe_alloc_quiet", &n))
        return NULL;
    if (n < 0)
        n = 0;
    blk = xalloc(n);
    ok = blk != NULL;
    xfree(blk); // no-warning: xfree(NULL) is fine and not a use
    return PyBool_FromLong(ok);
}

static PyMethodDef wrappers_methods[] = {
    {"reverse_bytes", reverse_bytes, METH_VARARGS, NULL},
    {"reverse_bytes_checked", reverse_bytes_checked, METH_VARARGS, NULL},
    {"repeat_char", repeat_char, METH_VARARGS, NULL},
    {"repeat_char_checked", repeat_char_checked, METH_VARARGS, NULL},
    {"mean", mean, METH_O, NULL},
    {"mean_checked", mean_checked, METH_O, NULL},
    {"capitalize", capitalize, METH_VARARGS, NULL},
    {"capitalize_checked", capitalize_checked, METH_VARARGS, NULL},
    {"bitmap", bitmap, METH_VARARGS, NULL},
    {"bitmap_checked", bitmap_checked, METH_VARARGS, NULL},
    {"fill_pattern", fill_pattern, METH_VARARGS, NULL},
    {"probe_alloc", probe_alloc, METH_VARARGS, NULL},
    {"probe_alloc_quiet", probe_alloc_quiet, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef wrappers_module = {
    PyModuleDef_HEAD_INIT, "wrappers", NULL, -1, wrappers_methods,
};

PyMODINIT_FUNC
PyInit_wrappers(void)
{
    return PyModule_Create(&wrappers_module);
}
