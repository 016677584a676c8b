/*
 * double-free/wrappers.c - PML003 when one of the releases goes through a
 * function of this file whose body releases its argument (a plain wrapper,
 * a struct destructor, a helper that consumes its buffer). The finding is
 * on the second release, or on the call of the wrapper that makes it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ---- helpers ---- */

static void
xfree(void *p)
{
    PyMem_Free(p);
}

struct record {
    char *name;
    Py_ssize_t size;
};

/* Ownership: the caller releases the result with record_free(). */
static struct record *
record_new(const char *name, Py_ssize_t size)
{
    size_t n = strlen(name) + 1;
    struct record *r = PyMem_Malloc(sizeof(struct record));

    if (r == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    r->name = PyMem_Malloc(n);
    if (r->name == NULL) {
        PyMem_Free(r);
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(r->name, name, n);
    r->size = size;
    return r;
}

static void
record_free(struct record *r)
{
    if (r == NULL)
        return;
    PyMem_Free(r->name);
    PyMem_Free(r);
}

/* Value of the leading decimal digits of 's'. */
static long
parse_digits(const char *s)
{
    long v = 0;

    while (*s >= '0' && *s <= '9' && v < 100000000L)
        v = v * 10 + (*s++ - '0');
    return v;
}

/* Parses 'buf' and releases it: takes ownership of 'buf'. */
static long
consume_number(char *buf)
{
    long v = parse_digits(buf);

    PyMem_Free(buf);
    return v;
}

/* Releases *pp and clears it. */
static void
clear_buf(char **pp)
{
    PyMem_Free(*pp);
    *pp = NULL;
}

/* Copy of 'data' as a NUL-terminated MEM block; sets MemoryError on failure. */
static char *
copy_cstr(const char *data, Py_ssize_t len)
{
    char *buf = PyMem_Malloc(len + 1);

    if (buf == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(buf, data, len);
    buf[len] = '\0';
    return buf;
}

/* ---- xfree and PyMem_Free on the same block ---- */

static PyObject *
number_of(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *buf;
    long v;

    if (!PyArg_ParseTuple(args, "s#:number_of", &data, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    buf[len] = '\0';
    v = parse_digits(buf);
    xfree(buf);
    if (v == 0) {
        PyMem_Free(buf); // expected-warning {{[PML003]}}
        PyErr_SetString(PyExc_ValueError, "no digits");
        return NULL;
    }
    return PyLong_FromLong(v);
}

static PyObject *
number_of_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *buf;
    long v;

    if (!PyArg_ParseTuple(args, "s#:number_of_ok", &data, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    buf[len] = '\0';
    v = parse_digits(buf);
    xfree(buf); // no-warning: the only release
    if (v == 0) {
        PyErr_SetString(PyExc_ValueError, "no digits");
        return NULL;
    }
    return PyLong_FromLong(v);
}

static PyObject *
digits_len(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i;
    char *buf;

    if (!PyArg_ParseTuple(args, "s#:digits_len", &data, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    buf[len] = '\0';
    for (i = 0; i < len && Py_ISDIGIT(buf[i]); i++)
        ;
    PyMem_Free(buf);
    xfree(buf); // expected-warning {{[PML003]}}
    return PyLong_FromSsize_t(i);
}

/* ---- struct destructor ---- */

static PyObject *
make_record(PyObject *self, PyObject *args)
{
    const char *name;
    Py_ssize_t size;
    struct record *r;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "sn:make_record", &name, &size))
        return NULL;
    r = record_new(name, size);
    if (r == NULL)
        return NULL;
    if (r->size < 0) {
        PyErr_SetString(PyExc_ValueError, "negative size");
        record_free(r);
        goto error;
    }
    result = Py_BuildValue("(sn)", r->name, r->size);
    record_free(r);
    return result;

error:
    record_free(r); // expected-warning {{[PML003]}}
    return NULL;
}

static PyObject *
make_record_ok(PyObject *self, PyObject *args)
{
    const char *name;
    Py_ssize_t size;
    struct record *r;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "sn:make_record_ok", &name, &size))
        return NULL;
    r = record_new(name, size);
    if (r == NULL)
        return NULL;
    if (r->size < 0) {
        PyErr_SetString(PyExc_ValueError, "negative size");
        record_free(r);
        r = NULL;
        goto error;
    }
    result = Py_BuildValue("(sn)", r->name, r->size);
    record_free(r); // no-warning: released once on this path
    return result;

error:
    record_free(r); // no-warning: r is NULL here
    return NULL;
}

static PyObject *
record_size(PyObject *self, PyObject *args)
{
    const char *name;
    Py_ssize_t size;
    struct record *r;

    if (!PyArg_ParseTuple(args, "sn:record_size", &name, &size))
        return NULL;
    r = record_new(name, size);
    if (r == NULL)
        return NULL;
    size = r->size + (Py_ssize_t)strlen(r->name);
    record_free(r);
    PyMem_Free(r); // expected-warning {{[PML003]}}
    return PyLong_FromSsize_t(size);
}

/* ---- a helper that consumes its argument ---- */

static PyObject *
port_of(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *buf;
    long port;

    if (!PyArg_ParseTuple(args, "s#:port_of", &data, &len))
        return NULL;
    buf = copy_cstr(data, len);
    if (buf == NULL)
        return NULL;
    port = consume_number(buf);
    PyMem_Free(buf); // expected-warning {{[PML003]}}
    return PyLong_FromLong(port);
}

static PyObject *
port_of_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *buf;
    long port;

    if (!PyArg_ParseTuple(args, "s#:port_of_ok", &data, &len))
        return NULL;
    buf = copy_cstr(data, len);
    if (buf == NULL)
        return NULL;
    port = consume_number(buf);
    buf = NULL;
    PyMem_Free(buf); // no-warning: cleared after consume_number took it
    return PyLong_FromLong(port);
}

static PyObject *
port_peek(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *buf;
    long port;

    if (!PyArg_ParseTuple(args, "s#:port_peek", &data, &len))
        return NULL;
    buf = copy_cstr(data, len);
    if (buf == NULL)
        return NULL;
    port = parse_digits(buf);
    PyMem_Free(buf); // no-warning: parse_digits only reads its argument
    return PyLong_FromLong(port);
}

/* ---- release-and-clear helper ---- */

static PyObject *
two_copies(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *buf;
    long a, b;

    if (!PyArg_ParseTuple(args, "s#:two_copies", &data, &len))
        return NULL;
    buf = copy_cstr(data, len);
    if (buf == NULL)
        return NULL;
    a = parse_digits(buf);
    clear_buf(&buf);
    b = len;
    clear_buf(&buf); // no-warning: clear_buf left buf NULL
    return Py_BuildValue("(ll)", a, b);
}

static PyMethodDef wrappers_methods[] = {
    {"number_of", number_of, METH_VARARGS, NULL},
    {"number_of_ok", number_of_ok, METH_VARARGS, NULL},
    {"digits_len", digits_len, METH_VARARGS, NULL},
    {"make_record", make_record, METH_VARARGS, NULL},
    {"make_record_ok", make_record_ok, METH_VARARGS, NULL},
    {"record_size", record_size, METH_VARARGS, NULL},
    {"port_of", port_of, METH_VARARGS, NULL},
    {"port_of_ok", port_of_ok, METH_VARARGS, NULL},
    {"port_peek", port_peek, METH_VARARGS, NULL},
    {"two_copies", two_copies, METH_VARARGS, NULL},
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
