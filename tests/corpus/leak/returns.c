/*
 * leak/returns.c - PML006: the function returns normally (a result, 0,
 * None, or falls off the end of a void function) while a block it
 * allocated is still live and unreferenced. The finding is on the
 * allocation line.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ---- scratch buffer never released ---- */

static PyObject *
reverse(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i;
    char *buf;

    if (!PyArg_ParseTuple(args, "y#:reverse", &data, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1); // expected-warning {{[PML006]}}
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        buf[i] = data[len - 1 - i];
    return PyBytes_FromStringAndSize(buf, len);
}

static PyObject *
reverse_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:reverse_ok", &data, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1); // no-warning: released before the return
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        buf[i] = data[len - 1 - i];
    result = PyBytes_FromStringAndSize(buf, len);
    PyMem_Free(buf);
    return result;
}

/* ---- early success return skips the release ---- */

static PyObject *
count_vowels(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, n = 0;
    char *lower;

    if (!PyArg_ParseTuple(args, "s#:count_vowels", &text, &len))
        return NULL;
    lower = PyMem_Malloc(len + 1); // expected-warning {{[PML006]}}
    if (lower == NULL)
        return PyErr_NoMemory();
    if (len == 0)
        return PyLong_FromLong(0);
    for (i = 0; i < len; i++) {
        lower[i] = Py_TOLOWER(text[i]);
        n += lower[i] == 'a' || lower[i] == 'e' || lower[i] == 'i' ||
             lower[i] == 'o' || lower[i] == 'u';
    }
    PyMem_Free(lower);
    return PyLong_FromSsize_t(n);
}

static PyObject *
count_vowels_ok(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, n = 0;
    char *lower;

    if (!PyArg_ParseTuple(args, "s#:count_vowels_ok", &text, &len))
        return NULL;
    if (len == 0)
        return PyLong_FromLong(0);
    lower = PyMem_Malloc(len + 1); // no-warning: the early return comes before it
    if (lower == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        lower[i] = Py_TOLOWER(text[i]);
        n += lower[i] == 'a' || lower[i] == 'e' || lower[i] == 'i' ||
             lower[i] == 'o' || lower[i] == 'u';
    }
    PyMem_Free(lower);
    return PyLong_FromSsize_t(n);
}

static PyObject *
first_word(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, n = 0;
    char *word;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:first_word", &text, &len))
        return NULL;
    word = PyMem_Malloc(len + 1); // expected-warning {{[PML006]}}
    if (word == NULL)
        return PyErr_NoMemory();
    while (n < len && text[n] != ' ') {
        word[n] = text[n];
        n++;
    }
    if (n == len)
        return PyUnicode_FromStringAndSize(text, len);
    result = PyUnicode_FromStringAndSize(word, n);
    PyMem_Free(word);
    return result;
}

/* ---- void function falls off the end ---- */

static void
debug_dump(const char *data, Py_ssize_t len)
{
    char *line = PyMem_Malloc(len + 1); // expected-warning {{[PML006]}}

    if (line == NULL)
        return;
    memcpy(line, data, len);
    line[len] = '\0';
    printf("dump: %s\n", line);
}

static void
debug_dump_ok(const char *data, Py_ssize_t len)
{
    char *line = PyMem_Malloc(len + 1); // no-warning: released at the end

    if (line == NULL)
        return;
    memcpy(line, data, len);
    line[len] = '\0';
    printf("dump: %s\n", line);
    PyMem_Free(line);
}

static PyObject *
dump(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;

    if (!PyArg_ParseTuple(args, "y#:dump", &data, &len))
        return NULL;
    debug_dump(data, len);
    debug_dump_ok(data, len);
    Py_RETURN_NONE;
}

/* ---- int function returns success ---- */

static int
validate_utf8_name(const char *name, Py_ssize_t len)
{
    PyObject *u;
    char *copy = PyMem_Malloc(len + 1); // expected-warning {{[PML006]}}

    if (copy == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(copy, name, len);
    copy[len] = '\0';
    u = PyUnicode_DecodeUTF8(copy, len, "strict");
    if (u == NULL) {
        PyMem_Free(copy);
        return -1;
    }
    Py_DECREF(u);
    return 0;
}

static int
validate_utf8_name_ok(const char *name, Py_ssize_t len)
{
    PyObject *u;
    char *copy = PyMem_Malloc(len + 1); // no-warning: released on both returns

    if (copy == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(copy, name, len);
    copy[len] = '\0';
    u = PyUnicode_DecodeUTF8(copy, len, "strict");
    PyMem_Free(copy);
    if (u == NULL)
        return -1;
    Py_DECREF(u);
    return 0;
}

static PyObject *
check_name(PyObject *self, PyObject *args)
{
    const char *name;
    Py_ssize_t len;

    if (!PyArg_ParseTuple(args, "y#:check_name", &name, &len))
        return NULL;
    if (validate_utf8_name(name, len) < 0 || validate_utf8_name_ok(name, len) < 0)
        return NULL;
    Py_RETURN_TRUE;
}

/* ---- switch: one case returns without the release ---- */

static PyObject *
encode_int(PyObject *self, PyObject *args)
{
    long v;
    int width;
    unsigned char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "li:encode_int", &v, &width))
        return NULL;
    buf = PyMem_Malloc(8); // expected-warning {{[PML006]}}
    if (buf == NULL)
        return PyErr_NoMemory();
    switch (width) {
    case 1:
        buf[0] = (unsigned char)v;
        return PyBytes_FromStringAndSize((char *)buf, 1);
    case 2:
        buf[0] = (unsigned char)(v >> 8);
        buf[1] = (unsigned char)v;
        result = PyBytes_FromStringAndSize((char *)buf, 2);
        break;
    default:
        PyMem_Free(buf);
        PyErr_SetString(PyExc_ValueError, "width must be 1 or 2");
        return NULL;
    }
    PyMem_Free(buf);
    return result;
}

static PyObject *
encode_int_ok(PyObject *self, PyObject *args)
{
    long v;
    int width;
    unsigned char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "li:encode_int_ok", &v, &width))
        return NULL;
    buf = PyMem_Malloc(8); // no-warning: every case reaches a release
    if (buf == NULL)
        return PyErr_NoMemory();
    switch (width) {
    case 1:
        buf[0] = (unsigned char)v;
        result = PyBytes_FromStringAndSize((char *)buf, 1);
        break;
    case 2:
        buf[0] = (unsigned char)(v >> 8);
        buf[1] = (unsigned char)v;
        result = PyBytes_FromStringAndSize((char *)buf, 2);
        break;
    default:
        PyErr_SetString(PyExc_ValueError, "width must be 1 or 2");
        result = NULL;
        break;
    }
    PyMem_Free(buf);
    return result;
}

/* ---- block-scope variable goes out of scope ---- */

static PyObject *
maybe_upper(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    int upper;

    if (!PyArg_ParseTuple(args, "s#p:maybe_upper", &text, &len, &upper))
        return NULL;
    if (upper) {
        char *tmp = PyMem_Malloc(len + 1); // expected-warning {{[PML006]}}
        if (tmp == NULL)
            return PyErr_NoMemory();
        for (i = 0; i < len; i++)
            tmp[i] = Py_TOUPPER(text[i]);
        tmp[len] = '\0';
        if (strcmp(tmp, text) == 0)
            upper = 0;
    }
    return PyBool_FromLong(upper);
}

static PyObject *
maybe_upper_ok(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    int upper;

    if (!PyArg_ParseTuple(args, "s#p:maybe_upper_ok", &text, &len, &upper))
        return NULL;
    if (upper) {
        char *tmp = PyMem_Malloc(len + 1); // no-warning: released inside its block
        if (tmp == NULL)
            return PyErr_NoMemory();
        for (i = 0; i < len; i++)
            tmp[i] = Py_TOUPPER(text[i]);
        tmp[len] = '\0';
        if (strcmp(tmp, text) == 0)
            upper = 0;
        PyMem_Free(tmp);
    }
    return PyBool_FromLong(upper);
}

/* ---- libc and OBJ blocks ---- */

static PyObject *
path_depth(PyObject *self, PyObject *args)
{
    const char *path;
    char *copy;
    Py_ssize_t i, depth = 0;

    if (!PyArg_ParseTuple(args, "s:path_depth", &path))
        return NULL;
    copy = strdup(path); // expected-warning {{[PML006]}}
    if (copy == NULL)
        return PyErr_NoMemory();
    for (i = 0; copy[i] != '\0'; i++)
        depth += copy[i] == '/';
    return PyLong_FromSsize_t(depth);
}

static PyObject *
path_depth_ok(PyObject *self, PyObject *args)
{
    const char *path;
    char *copy;
    Py_ssize_t i, depth = 0;

    if (!PyArg_ParseTuple(args, "s:path_depth_ok", &path))
        return NULL;
    copy = strdup(path); // no-warning: freed before the return
    if (copy == NULL)
        return PyErr_NoMemory();
    for (i = 0; copy[i] != '\0'; i++)
        depth += copy[i] == '/';
    free(copy);
    return PyLong_FromSsize_t(depth);
}

static PyObject *
obj_scratch(PyObject *self, PyObject *args)
{
    Py_ssize_t n;
    long *cells;

    if (!PyArg_ParseTuple(args, "n:obj_scratch", &n))
        return NULL;
    if (n < 1 || n > 64) {
        PyErr_SetString(PyExc_ValueError, "size out of range");
        return NULL;
    }
    cells = PyObject_Calloc(n, sizeof(long)); // expected-warning {{[PML006]}}
    if (cells == NULL)
        return PyErr_NoMemory();
    cells[n - 1] = n;
    return PyLong_FromLong(cells[0] + cells[n - 1]);
}

static PyMethodDef returns_methods[] = {
    {"reverse", reverse, METH_VARARGS, NULL},
    {"reverse_ok", reverse_ok, METH_VARARGS, NULL},
    {"count_vowels", count_vowels, METH_VARARGS, NULL},
    {"count_vowels_ok", count_vowels_ok, METH_VARARGS, NULL},
    {"first_word", first_word, METH_VARARGS, NULL},
    {"dump", dump, METH_VARARGS, NULL},
    {"check_name", check_name, METH_VARARGS, NULL},
    {"encode_int", encode_int, METH_VARARGS, NULL},
    {"encode_int_ok", encode_int_ok, METH_VARARGS, NULL},
    {"maybe_upper", maybe_upper, METH_VARARGS, NULL},
    {"maybe_upper_ok", maybe_upper_ok, METH_VARARGS, NULL},
    {"path_depth", path_depth, METH_VARARGS, NULL},
    {"path_depth_ok", path_depth_ok, METH_VARARGS, NULL},
    {"obj_scratch", obj_scratch, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef returns_module = {
    PyModuleDef_HEAD_INIT, "returns", NULL, -1, returns_methods,
};

PyMODINIT_FUNC
PyInit_returns(void)
{
    return PyModule_Create(&returns_module);
}
