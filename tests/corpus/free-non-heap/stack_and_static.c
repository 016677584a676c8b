/*
 * free-non-heap/stack_and_static.c - PML011: a release call (PyMem_Free,
 * PyMem_RawFree, PyObject_Free, free) handed memory that no allocator
 * returned: a local array, the address of a local, a static array, the
 * address of a global object, a string literal - directly or through a
 * pointer that still points there on some path (a "small buffer"
 * optimisation whose release is not guarded, a literal default). The
 * finding is on the release call. Most positives have a correct twin
 * (..._ok) that must stay silent.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

/* ---- a local array ---- */

static PyObject *
hex_digest(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i;
    char buf[65];
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:hex_digest", &data, &len))
        return NULL;
    if (len > 32)
        len = 32;
    for (i = 0; i < len; i++)
        sprintf(buf + 2 * i, "%02x", data[i]);
    buf[2 * len] = '\0';
    result = PyUnicode_FromString(buf);
    PyMem_Free(buf); // expected-warning {{[PML011]}}
    return result;
}

static PyObject *
hex_digest_ok(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:hex_digest_ok", &data, &len))
        return NULL;
    if (len > 32)
        len = 32;
    buf = PyMem_Malloc(65);
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        sprintf(buf + 2 * i, "%02x", data[i]);
    buf[2 * len] = '\0';
    result = PyUnicode_FromString(buf);
    PyMem_Free(buf); // no-warning: a PyMem_Malloc block
    return result;
}

/* ---- a local array released at a cleanup label ---- */

static PyObject *
parse_header(PyObject *self, PyObject *args)
{
    const char *line;
    Py_ssize_t len, i;
    char name[128];
    PyObject *key = NULL, *result = NULL;

    if (!PyArg_ParseTuple(args, "s#:parse_header", &line, &len))
        return NULL;
    for (i = 0; i < len && i < (Py_ssize_t)sizeof(name) - 1 && line[i] != ':'; i++)
        name[i] = Py_TOLOWER(line[i]);
    name[i] = '\0';
    if (i == len || line[i] != ':') {
        PyErr_SetString(PyExc_ValueError, "no ':' in header line");
        goto done;
    }
    key = PyUnicode_FromString(name);
    if (key == NULL)
        goto done;
    i++;
    while (i < len && line[i] == ' ')
        i++;
    result = Py_BuildValue("(Os#)", key, line + i, len - i);
done:
    Py_XDECREF(key);
    PyMem_Free(name); // expected-warning {{[PML011]}}
    return result;
}

/* ---- the address of a local ---- */

struct span {
    Py_ssize_t start, stop, step;
};

static PyObject *
span_length(PyObject *self, PyObject *args)
{
    struct span sp;
    Py_ssize_t n = 0;

    if (!PyArg_ParseTuple(args, "nnn:span_length", &sp.start, &sp.stop, &sp.step))
        return NULL;
    if (sp.step <= 0) {
        PyErr_SetString(PyExc_ValueError, "step must be positive");
        return NULL;
    }
    if (sp.start < sp.stop)
        n = (sp.stop - sp.start - 1) / sp.step + 1;
    PyMem_Free(&sp); // expected-warning {{[PML011]}}
    return PyLong_FromSsize_t(n);
}

static PyObject *
span_length_ok(PyObject *self, PyObject *args)
{
    struct span *sp;
    Py_ssize_t n = 0;

    sp = PyMem_Malloc(sizeof(struct span));
    if (sp == NULL)
        return PyErr_NoMemory();
    if (!PyArg_ParseTuple(args, "nnn:span_length_ok", &sp->start, &sp->stop, &sp->step)) {
        PyMem_Free(sp);
        return NULL;
    }
    if (sp->step <= 0) {
        PyMem_Free(sp);
        PyErr_SetString(PyExc_ValueError, "step must be positive");
        return NULL;
    }
    if (sp->start < sp->stop)
        n = (sp->stop - sp->start - 1) / sp->step + 1;
    PyMem_Free(sp); // no-warning: a PyMem_Malloc block
    return PyLong_FromSsize_t(n);
}

/* ---- the address of a local, through a pointer, released with free() ---- */

struct rgb {
    unsigned char r, g, b;
};

static PyObject *
parse_color(PyObject *self, PyObject *args)
{
    const char *spec;
    struct rgb local;
    struct rgb *c = &local;
    unsigned int r, g, b;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s:parse_color", &spec))
        return NULL;
    if (sscanf(spec, "#%2x%2x%2x", &r, &g, &b) != 3) {
        PyErr_Format(PyExc_ValueError, "bad color %R", PyTuple_GET_ITEM(args, 0));
        return NULL;
    }
    c->r = (unsigned char)r;
    c->g = (unsigned char)g;
    c->b = (unsigned char)b;
    result = Py_BuildValue("(iii)", c->r, c->g, c->b);
    free(c); // expected-warning {{[PML011]}}
    return result;
}

static PyObject *
parse_color_ok(PyObject *self, PyObject *args)
{
    const char *spec;
    struct rgb *c;
    unsigned int r, g, b;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s:parse_color_ok", &spec))
        return NULL;
    if (sscanf(spec, "#%2x%2x%2x", &r, &g, &b) != 3) {
        PyErr_Format(PyExc_ValueError, "bad color %R", PyTuple_GET_ITEM(args, 0));
        return NULL;
    }
    c = malloc(sizeof(struct rgb));
    if (c == NULL)
        return PyErr_NoMemory();
    c->r = (unsigned char)r;
    c->g = (unsigned char)g;
    c->b = (unsigned char)b;
    result = Py_BuildValue("(iii)", c->r, c->g, c->b);
    free(c); // no-warning: a malloc block
    return result;
}

/* ---- a static array ---- */

static PyObject *
format_version(PyObject *self, PyObject *args)
{
    static char scratch[64];
    int major, minor, micro;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "iii:format_version", &major, &minor, &micro))
        return NULL;
    PyOS_snprintf(scratch, sizeof(scratch), "%d.%d.%d", major, minor, micro);
    result = PyUnicode_FromString(scratch);
    PyMem_Free(scratch); // expected-warning {{[PML011]}}
    return result;
}

/* ---- a global object and a heap block it holds ---- */

struct module_config {
    char *search_path;
    int verbose;
};

static struct module_config g_config;
static char *g_last_error;

static PyObject *
set_search_path(PyObject *self, PyObject *args)
{
    const char *path;
    size_t n;
    char *copy;

    if (!PyArg_ParseTuple(args, "s:set_search_path", &path))
        return NULL;
    n = strlen(path) + 1;
    copy = PyMem_Malloc(n);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, path, n);
    PyMem_Free(g_config.search_path); // no-warning: the heap block the global holds
    g_config.search_path = copy;
    Py_RETURN_NONE;
}

static PyObject *
remember_error(PyObject *self, PyObject *args)
{
    const char *msg;
    size_t n;
    char *copy;

    if (!PyArg_ParseTuple(args, "s:remember_error", &msg))
        return NULL;
    n = strlen(msg) + 1;
    copy = PyMem_Malloc(n);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, msg, n);
    PyMem_Free(g_last_error); // no-warning: a static pointer to a heap block
    g_last_error = copy;
    Py_RETURN_NONE;
}

static void
config_module_free(void *module)
{
    PyMem_Free(g_config.search_path); // no-warning: the heap block the global holds
    g_config.search_path = NULL;
    PyMem_Free(g_last_error); // no-warning: a static pointer to a heap block
    g_last_error = NULL;
    PyMem_Free(&g_config); // expected-warning {{[PML011]}}
}

/* ---- a static table used as the default ---- */

static const char *const default_suffixes[] = {".py", ".pyc", NULL};

static PyObject *
match_suffix(PyObject *self, PyObject *args)
{
    const char *name;
    PyObject *extra = NULL;
    const char **suffixes = (const char **)default_suffixes;
    Py_ssize_t n, i;
    size_t len;
    int found = 0;

    if (!PyArg_ParseTuple(args, "s|O!:match_suffix", &name, &PyTuple_Type, &extra))
        return NULL;
    if (extra != NULL) {
        n = PyTuple_GET_SIZE(extra);
        suffixes = PyMem_New(const char *, n + 1);
        if (suffixes == NULL)
            return PyErr_NoMemory();
        for (i = 0; i < n; i++) {
            suffixes[i] = PyUnicode_AsUTF8(PyTuple_GET_ITEM(extra, i));
            if (suffixes[i] == NULL) {
                PyMem_Free(suffixes);
                return NULL;
            }
        }
        suffixes[n] = NULL;
    }
    len = strlen(name);
    for (i = 0; suffixes[i] != NULL && !found; i++) {
        size_t slen = strlen(suffixes[i]);
        found = slen <= len && strcmp(name + len - slen, suffixes[i]) == 0;
    }
    PyMem_Free(suffixes); // expected-warning {{[PML011]}}
    return PyBool_FromLong(found);
}

/* ---- a string literal as the default ---- */

static PyObject *
greeting(PyObject *self, PyObject *args)
{
    PyObject *who = NULL, *result;
    const char *name = "stranger";

    if (!PyArg_ParseTuple(args, "|U:greeting", &who))
        return NULL;
    if (who != NULL) {
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(who, &n);
        char *copy;

        if (s == NULL)
            return NULL;
        copy = PyMem_Malloc(n + 1);
        if (copy == NULL)
            return PyErr_NoMemory();
        memcpy(copy, s, n + 1);
        copy[0] = Py_TOUPPER(copy[0]);
        name = copy;
    }
    result = PyUnicode_FromFormat("Hello, %s!", name);
    PyMem_Free((char *)name); // expected-warning {{[PML011]}}
    return result;
}

static PyObject *
greeting_ok(PyObject *self, PyObject *args)
{
    PyObject *who = NULL, *result;
    const char *name = "stranger";
    char *copy = NULL;

    if (!PyArg_ParseTuple(args, "|U:greeting_ok", &who))
        return NULL;
    if (who != NULL) {
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(who, &n);

        if (s == NULL)
            return NULL;
        copy = PyMem_Malloc(n + 1);
        if (copy == NULL)
            return PyErr_NoMemory();
        memcpy(copy, s, n + 1);
        copy[0] = Py_TOUPPER(copy[0]);
        name = copy;
    }
    result = PyUnicode_FromFormat("Hello, %s!", name);
    PyMem_Free(copy); // no-warning: the owned copy, NULL when the literal was used
    return result;
}

/* ---- a small-buffer optimisation, released unconditionally ---- */

static PyObject *
repeat_bytes(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, count, total, i;
    char stackbuf[256];
    char *buf = stackbuf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#n:repeat_bytes", &data, &len, &count))
        return NULL;
    if (count < 0 || (len > 0 && count > PY_SSIZE_T_MAX / len)) {
        PyErr_SetString(PyExc_OverflowError, "repeated bytes are too long");
        return NULL;
    }
    total = len * count;
    if (total > (Py_ssize_t)sizeof(stackbuf)) {
        buf = PyMem_Malloc(total);
        if (buf == NULL)
            return PyErr_NoMemory();
    }
    for (i = 0; i < count; i++)
        memcpy(buf + i * len, data, len);
    result = PyBytes_FromStringAndSize(buf, total);
    PyMem_Free(buf); // expected-warning {{[PML011]}}
    return result;
}

static PyObject *
repeat_bytes_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, count, total, i;
    char stackbuf[256];
    char *buf = stackbuf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#n:repeat_bytes_ok", &data, &len, &count))
        return NULL;
    if (count < 0 || (len > 0 && count > PY_SSIZE_T_MAX / len)) {
        PyErr_SetString(PyExc_OverflowError, "repeated bytes are too long");
        return NULL;
    }
    total = len * count;
    if (total > (Py_ssize_t)sizeof(stackbuf)) {
        buf = PyMem_Malloc(total);
        if (buf == NULL)
            return PyErr_NoMemory();
    }
    for (i = 0; i < count; i++)
        memcpy(buf + i * len, data, len);
    result = PyBytes_FromStringAndSize(buf, total);
    if (buf != stackbuf)
        PyMem_Free(buf); // no-warning: only the heap block is released
    return result;
}

/* ---- the address of a local scalar as a one-element array ---- */

static PyObject *
histogram(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, nbins, i;
    Py_ssize_t single = 0;
    Py_ssize_t *bins = &single;
    PyObject *list;

    if (!PyArg_ParseTuple(args, "y#n:histogram", &data, &len, &nbins))
        return NULL;
    if (nbins < 1 || nbins > 256) {
        PyErr_SetString(PyExc_ValueError, "nbins must be in 1..256");
        return NULL;
    }
    if (nbins > 1) {
        bins = PyMem_New(Py_ssize_t, nbins);
        if (bins == NULL)
            return PyErr_NoMemory();
        memset(bins, 0, nbins * sizeof(Py_ssize_t));
    }
    for (i = 0; i < len; i++)
        bins[data[i] * nbins / 256]++;
    list = PyList_New(nbins);
    for (i = 0; list != NULL && i < nbins; i++) {
        PyObject *v = PyLong_FromSsize_t(bins[i]);
        if (v == NULL) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, i, v);
    }
    PyMem_Free(bins); // expected-warning {{[PML011]}}
    return list;
}

static PyMethodDef stack_and_static_methods[] = {
    {"hex_digest", hex_digest, METH_VARARGS, NULL},
    {"hex_digest_ok", hex_digest_ok, METH_VARARGS, NULL},
    {"parse_header", parse_header, METH_VARARGS, NULL},
    {"span_length", span_length, METH_VARARGS, NULL},
    {"span_length_ok", span_length_ok, METH_VARARGS, NULL},
    {"parse_color", parse_color, METH_VARARGS, NULL},
    {"parse_color_ok", parse_color_ok, METH_VARARGS, NULL},
    {"format_version", format_version, METH_VARARGS, NULL},
    {"set_search_path", set_search_path, METH_VARARGS, NULL},
    {"remember_error", remember_error, METH_VARARGS, NULL},
    {"match_suffix", match_suffix, METH_VARARGS, NULL},
    {"greeting", greeting, METH_VARARGS, NULL},
    {"greeting_ok", greeting_ok, METH_VARARGS, NULL},
    {"repeat_bytes", repeat_bytes, METH_VARARGS, NULL},
    {"repeat_bytes_ok", repeat_bytes_ok, METH_VARARGS, NULL},
    {"histogram", histogram, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef stack_and_static_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "stack_and_static",
    .m_size = -1,
    .m_methods = stack_and_static_methods,
    .m_free = config_module_free,
};

PyMODINIT_FUNC
PyInit_stack_and_static(void)
{
    return PyModule_Create(&stack_and_static_module);
}
