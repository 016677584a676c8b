/*
 * unchecked-alloc/check_forms.c - PML001: every spelling of a NULL check
 * silences the rule; checks that test the wrong thing, come too late or do
 * not leave the function do not.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Defined in another translation unit: takes ownership of 'blk' (NULL ok). */
extern int ring_submit(void *blk, Py_ssize_t len);

/* ---- the accepted forms ---- */

static PyObject *
upper_copy(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:upper_copy", &data, &len))
        return NULL;
    if ((buf = PyMem_Malloc(len + 1)) == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        buf[i] = Py_TOUPPER(data[i]); // no-warning: checked in the assignment test
    buf[len] = '\0';
    result = PyBytes_FromStringAndSize(buf, len);
    PyMem_Free(buf);
    return result;
}

static PyObject *
lower_copy(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:lower_copy", &data, &len))
        return NULL;
    if (!(buf = malloc(len + 1)))
        return PyErr_NoMemory();
    for (i = 0; i < len; i++)
        buf[i] = Py_TOLOWER(data[i]); // no-warning: checked with !(buf = malloc(...))
    buf[len] = '\0';
    result = PyBytes_FromStringAndSize(buf, len);
    free(buf);
    return result;
}

static PyObject *
hash_name(PyObject *self, PyObject *args)
{
    const char *name;
    char *copy;
    size_t n, i;
    unsigned long h = 5381;

    if (!PyArg_ParseTuple(args, "s:hash_name", &name))
        return NULL;
    copy = PyMem_Malloc(strlen(name) + 1);
    n = copy ? strlen(strcpy(copy, name)) : 0; // no-warning: the ternary tests copy first
    if (copy == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < n; i++)
        h = h * 33 + (unsigned char)Py_TOLOWER(copy[i]);
    PyMem_Free(copy);
    return PyLong_FromUnsignedLong(h);
}

static PyObject *
count_char(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i = 0, hits = 0;
    char c;
    char *buf;

    if (!PyArg_ParseTuple(args, "y#c:count_char", &data, &len, &c))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    while (buf != NULL && i < len) {
        buf[i] = data[i]; // no-warning: while condition tests buf first
        if (buf[i] == c)
            hits++;
        i++;
    }
    if (buf == NULL)
        return PyErr_NoMemory();
    PyMem_Free(buf);
    return PyLong_FromSsize_t(hits);
}

static PyObject *
checksum(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i;
    unsigned long sum = 0;
    unsigned char *work;

    if (!PyArg_ParseTuple(args, "y#:checksum", &data, &len))
        return NULL;
    work = PyMem_Malloc(len + 1);
    if (work) {
        memcpy(work, data, len); // no-warning: inside if (work)
        for (i = 0; i < len; i++)
            sum = sum * 31 + work[i];
        PyMem_Free(work);
        return PyLong_FromUnsignedLong(sum);
    }
    return PyErr_NoMemory();
}

/* Internal helper: the caller guarantees a small fixed size, so OOM here
   is treated as fatal in debug builds. */
static unsigned int
small_mask(const char *flags)
{
    unsigned int mask = 0;
    char *tmp = PyMem_Malloc(16);

    assert(tmp != NULL);
    tmp[0] = '\0'; // no-warning: assert counts as a check
    strncat(tmp, flags, 15);
    if (strchr(tmp, 'r'))
        mask |= 1;
    if (strchr(tmp, 'w'))
        mask |= 2;
    PyMem_Free(tmp);
    return mask;
}

static PyObject *
parse_mode(PyObject *self, PyObject *args)
{
    const char *flags;

    if (!PyArg_ParseTuple(args, "s:parse_mode", &flags))
        return NULL;
    return PyLong_FromUnsignedLong(small_mask(flags));
}

static PyObject *
submit(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    void *blk;

    if (!PyArg_ParseTuple(args, "y#:submit", &data, &len))
        return NULL;
    blk = PyMem_Malloc(len);
    if (ring_submit(blk, len) < 0) { // no-warning: an unknown function is not a use
        PyErr_SetString(PyExc_RuntimeError, "ring is full");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
maybe_empty(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:maybe_empty", &data, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (len == 0) {
        PyMem_Free(buf); // no-warning: releasing is not a use, NULL is fine here
        return PyBytes_FromStringAndSize("", 0);
    }
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    result = PyBytes_FromStringAndSize(buf, len);
    PyMem_Free(buf);
    return result;
}

static PyObject *
split_halves(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, half;
    char *front, *back;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:split_halves", &data, &len))
        return NULL;
    half = len / 2;
    front = PyMem_Malloc(half + 1);
    back = PyMem_Malloc(len - half + 1);
    if (front == NULL || back == NULL) {
        PyMem_Free(front);
        PyMem_Free(back);
        return PyErr_NoMemory();
    }
    memcpy(front, data, half); // no-warning: both tested in one condition
    memcpy(back, data + half, len - half); // no-warning: both tested in one condition
    result = Py_BuildValue("(y#y#)", back, len - half, front, half);
    PyMem_Free(front);
    PyMem_Free(back);
    return result;
}

/* ---- checks that do not protect the use ---- */

static PyObject *
split_halves_wrong(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, half;
    char *front, *back;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:split_halves_wrong", &data, &len))
        return NULL;
    half = len / 2;
    front = PyMem_Malloc(half + 1);
    back = PyMem_Malloc(len - half + 1);
    if (front == NULL) {
        PyMem_Free(back);
        return PyErr_NoMemory();
    }
    memcpy(front, data, half); // no-warning: front was checked
    memcpy(back, data + half, len - half); // expected-warning {{[PML001]}}
    result = Py_BuildValue("(y#y#)", back, len - half, front, half);
    PyMem_Free(front);
    PyMem_Free(back);
    return result;
}

static PyObject *
copy_then_check(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:copy_then_check", &data, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    memcpy(buf, data, len); // expected-warning {{[PML001]}}
    if (buf == NULL)
        return PyErr_NoMemory();
    buf[len] = '\0';
    result = PyBytes_FromStringAndSize(buf, len);
    PyMem_Free(buf);
    return result;
}

static PyObject *
check_without_return(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:check_without_return", &data, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL)
        PyErr_NoMemory();
    buf[len] = '\0'; // expected-warning {{[PML001]}}
    memcpy(buf, data, len);
    result = PyBytes_FromStringAndSize(buf, len);
    PyMem_Free(buf);
    return result;
}

static PyObject *
terminate_copy(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:terminate_copy", &data, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (len > 0 && buf == NULL)
        return PyErr_NoMemory();
    buf[len] = '\0'; // expected-warning {{[PML001]}}
    memcpy(buf, data, len);
    result = PyBytes_FromStringAndSize(buf, len);
    PyMem_Free(buf);
    return result;
}

static PyObject *
terminate_copy_checked(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:terminate_copy_checked", &data, &len))
        return NULL;
    buf = PyMem_Malloc(len + 1);
    if (buf == NULL && len >= 0)
        return PyErr_NoMemory();
    if (buf == NULL)
        return PyErr_NoMemory();
    buf[len] = '\0'; // no-warning: the second test catches every NULL
    memcpy(buf, data, len);
    result = PyBytes_FromStringAndSize(buf, len);
    PyMem_Free(buf);
    return result;
}

static PyMethodDef check_forms_methods[] = {
    {"upper_copy", upper_copy, METH_VARARGS, NULL},
    {"lower_copy", lower_copy, METH_VARARGS, NULL},
    {"hash_name", hash_name, METH_VARARGS, NULL},
    {"count_char", count_char, METH_VARARGS, NULL},
    {"checksum", checksum, METH_VARARGS, NULL},
    {"parse_mode", parse_mode, METH_VARARGS, NULL},
    {"submit", submit, METH_VARARGS, NULL},
    {"maybe_empty", maybe_empty, METH_VARARGS, NULL},
    {"split_halves", split_halves, METH_VARARGS, NULL},
    {"split_halves_wrong", split_halves_wrong, METH_VARARGS, NULL},
    {"copy_then_check", copy_then_check, METH_VARARGS, NULL},
    {"check_without_return", check_without_return, METH_VARARGS, NULL},
    {"terminate_copy", terminate_copy, METH_VARARGS, NULL},
    {"terminate_copy_checked", terminate_copy_checked, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef check_forms_module = {
    PyModuleDef_HEAD_INIT, "check_forms", NULL, -1, check_forms_methods,
};

PyMODINIT_FUNC
PyInit_check_forms(void)
{
    return PyModule_Create(&check_forms_module);
}
