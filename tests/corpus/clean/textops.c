/*
 * clean/textops.c - text utilities that use every NULL-check spelling,
 * allocation wrappers, every allocator family with its own release,
 * do/while, a fall-through switch and goto cleanup. Everything here is
 * correct.
 */
// expected-no-diagnostics
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

/* ---- NULL-check spellings ---- */

static PyObject *
squeeze_spaces(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, n = 0;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:squeeze_spaces", &text, &len))
        return NULL;
    if ((out = xalloc(len + 1)) == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++) {
        if (text[i] == ' ' && n > 0 && out[n - 1] == ' ')
            continue;
        out[n++] = text[i];
    }
    result = PyUnicode_FromStringAndSize(out, n);
    xfree(out);
    return result;
}

static PyObject *
word_lengths(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i, nwords = 0, cur = 0;
    Py_ssize_t *lens;
    PyObject *list = NULL;

    if (!PyArg_ParseTuple(args, "s#:word_lengths", &text, &len))
        return NULL;
    lens = PyMem_New(Py_ssize_t, len / 2 + 1);
    if (NULL == lens)
        return PyErr_NoMemory();
    for (i = 0; i <= len; i++) {
        if (i < len && text[i] != ' ') {
            cur++;
            continue;
        }
        if (cur > 0)
            lens[nwords++] = cur;
        cur = 0;
    }
    list = PyList_New(nwords);
    if (list == NULL)
        goto done;
    for (i = 0; i < nwords; i++) {
        PyObject *v = PyLong_FromSsize_t(lens[i]);
        if (v == NULL) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, i, v);
    }

done:
    PyMem_Del(lens);
    return list;
}

static PyObject *
first_char(PyObject *self, PyObject *args)
{
    const char *text;
    char *copy;
    int c;

    if (!PyArg_ParseTuple(args, "s:first_char", &text))
        return NULL;
    copy = strdup(text);
    c = copy ? (unsigned char)copy[0] : -1;
    if (!copy)
        return PyErr_NoMemory();
    free(copy);
    return PyLong_FromLong(c);
}

static PyObject *
count_digits(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i = 0, n = 0;
    char *buf;

    if (!PyArg_ParseTuple(args, "s#:count_digits", &text, &len))
        return NULL;
    buf = PyObject_Malloc(len + 1);
    while (buf != NULL && i < len) {
        buf[i] = text[i];
        n += Py_ISDIGIT(buf[i]) != 0;
        i++;
    }
    if (buf == NULL)
        return PyErr_NoMemory();
    PyObject_Del(buf);
    return PyLong_FromSsize_t(n);
}

static PyObject *
is_blank(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    char *buf;
    int blank = 1;

    if (!PyArg_ParseTuple(args, "s#:is_blank", &text, &len))
        return NULL;
    buf = PyMem_RawMalloc(len + 1);
    if (buf) {
        memcpy(buf, text, len);
        for (i = 0; i < len && blank; i++)
            blank = Py_ISSPACE(buf[i]);
        PyMem_RawFree(buf);
        return PyBool_FromLong(blank);
    }
    return PyErr_NoMemory();
}

static PyObject *
starts_with_digit(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len;
    char *buf;
    int yes = 0;

    if (!PyArg_ParseTuple(args, "s#:starts_with_digit", &text, &len))
        return NULL;
    buf = PyMem_Calloc(len + 1, 1);
    if (buf != NULL && len > 0) {
        memcpy(buf, text, len);
        yes = Py_ISDIGIT(buf[0]) != 0;
    }
    if (buf == NULL)
        return PyErr_NoMemory();
    PyMem_Free(buf);
    return PyBool_FromLong(yes);
}

/* ---- do/while, switch with fall-through, goto cleanup ---- */

static PyObject *
unescape(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i = 0, n = 0;
    char *out;
    PyObject *result = NULL;

    if (!PyArg_ParseTuple(args, "s#:unescape", &text, &len))
        return NULL;
    if (len == 0)
        return PyUnicode_FromString("");
    out = xalloc(len + 1);
    if (out == NULL)
        return PyErr_NoMemory();
    do {
        char c = text[i++];

        if (c != '\\' || i == len) {
            out[n++] = c;
            continue;
        }
        c = text[i++];
        switch (c) {
        case 'n':
            out[n++] = '\n';
            break;
        case 't':
            out[n++] = '\t';
            break;
        case 'x':
            if (i + 2 > len) {
                PyErr_SetString(PyExc_ValueError, "truncated \\x escape");
                goto done;
            }
            i += 2;
            /* fall through */
        case '\\':
            out[n++] = c == 'x' ? '?' : '\\';
            break;
        default:
            PyErr_Format(PyExc_ValueError, "unknown escape \\%c", c);
            goto done;
        }
    } while (i < len);
    result = PyUnicode_FromStringAndSize(out, n);

done:
    xfree(out);
    return result;
}

static PyMethodDef textops_methods[] = {
    {"squeeze_spaces", squeeze_spaces, METH_VARARGS, NULL},
    {"word_lengths", word_lengths, METH_VARARGS, NULL},
    {"first_char", first_char, METH_VARARGS, NULL},
    {"count_digits", count_digits, METH_VARARGS, NULL},
    {"is_blank", is_blank, METH_VARARGS, NULL},
    {"starts_with_digit", starts_with_digit, METH_VARARGS, NULL},
    {"unescape", unescape, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef textops_module = {
    PyModuleDef_HEAD_INIT, "textops", NULL, -1, textops_methods,
};

PyMODINIT_FUNC
PyInit_textops(void)
{
    return PyModule_Create(&textops_module);
}
