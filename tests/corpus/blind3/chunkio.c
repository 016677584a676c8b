/*
 * chunkio.c -- scatter/gather chunk I/O helpers. Fully correct file: negatives
 * only (second release of a pointer reset to NULL, Raw allocation without the
 * GIL, Py_buffer.buf used but not freed, combined NULL check of two blocks,
 * guarded growth through a temporary, es#/wide/UCS4 buffers released with
 * PyMem_Free, a static pointer holding a heap block replaced and freed).
 */
// expected-no-diagnostics
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include <wctype.h>

#define MAX_CHUNKS 1024

static char *last_error_text = NULL;    /* heap copy owned by the module */

static PyObject *
chunkio_writev(PyObject *module, PyObject *args)
{
    int fd, err = 0;
    PyObject *seq, *fast, *res = NULL;
    Py_ssize_t n, i = 0, k;
    struct iovec *iov;
    Py_buffer *views;
    ssize_t written = -1;

    if (!PyArg_ParseTuple(args, "iO:writev", &fd, &seq))
        return NULL;
    fast = PySequence_Fast(seq, "chunks must be a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    if (n > MAX_CHUNKS) {
        Py_DECREF(fast);
        PyErr_SetString(PyExc_ValueError, "too many chunks");
        return NULL;
    }
    iov = PyMem_New(struct iovec, n + 1);
    views = PyMem_Calloc(n + 1, sizeof(Py_buffer));
    if (iov == NULL || views == NULL) {
        PyMem_Free(iov);
        PyMem_Free(views);
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        if (PyObject_GetBuffer(PySequence_Fast_GET_ITEM(fast, i), &views[i], PyBUF_SIMPLE) < 0)
            goto release;
        iov[i].iov_base = views[i].buf, iov[i].iov_len = (size_t)views[i].len;
    }
    Py_BEGIN_ALLOW_THREADS
    written = writev(fd, iov, (int)n);
    if (written < 0)
        err = errno;
    Py_END_ALLOW_THREADS
    errno = err;
    res = (written < 0) ? PyErr_SetFromErrno(PyExc_OSError) : PyLong_FromSsize_t(written);
release:
    for (k = 0; k < i; k++)
        PyBuffer_Release(&views[k]);
    PyMem_Free(views);
    PyMem_Free(iov);
    Py_DECREF(fast);
    return res;
}

static PyObject *
chunkio_read_exact(PyObject *module, PyObject *args)
{
    int fd, err = 0;
    Py_ssize_t n, got = 0;
    char *buf;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "in:read_exact", &fd, &n))
        return NULL;
    if (n < 0 || n > (1 << 26)) {
        PyErr_SetString(PyExc_ValueError, "n must be in 0..64MiB");
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    buf = PyMem_RawMalloc(n ? (size_t)n : 1);
    while (buf != NULL && got < n) {
        ssize_t r = read(fd, buf + got, (size_t)(n - got));
        if (r <= 0) {
            err = (r < 0) ? errno : 0;
            break;
        }
        got += r;
    }
    Py_END_ALLOW_THREADS
    if (buf == NULL)
        return PyErr_NoMemory();
    if (err != 0) {
        PyMem_RawFree(buf);
        errno = err;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    res = PyBytes_FromStringAndSize(buf, got);
    PyMem_RawFree(buf);
    return res;
}

static PyObject *
chunkio_join_lines(PyObject *module, PyObject *seq)
{
    PyObject *fast, *res;
    Py_ssize_t n, i, len = 0, cap = 0, slen;
    char *buf = NULL, *tmp;
    const char *s;

    fast = PySequence_Fast(seq, "expected a sequence of str");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &slen);
        if (s == NULL)
            goto error;
        if (slen >= PY_SSIZE_T_MAX / 2 - len) {
            PyErr_NoMemory();
            goto error;
        }
        if (len + slen + 1 > cap) {
            Py_ssize_t newcap = (len + slen + 1) * 2;
            tmp = PyMem_Realloc(buf, newcap);
            if (tmp == NULL) {
                PyErr_NoMemory();
                goto error;
            }
            buf = tmp;
            cap = newcap;
        }
        memcpy(buf + len, s, slen);
        len += slen;
        buf[len++] = '\n';
    }
    Py_DECREF(fast);
    fast = NULL;
    res = PyUnicode_FromStringAndSize(buf, len);
    PyMem_Free(buf);
    buf = NULL;
    if (res == NULL)
        goto error;
    return res;
error:
    PyMem_Free(buf); // no-warning: buf was reset to NULL after the first release
    Py_XDECREF(fast);
    return NULL;
}

static PyObject *
chunkio_fold_name(PyObject *module, PyObject *arg)
{
    Py_ssize_t n, i;
    wchar_t *w = PyUnicode_AsWideCharString(arg, &n);
    PyObject *res;

    if (w == NULL)
        return NULL;
    for (i = 0; i < n; i++)
        w[i] = (wchar_t)towlower((wint_t)w[i]);
    res = PyUnicode_FromWideChar(w, n);
    PyMem_Free(w);
    return res;
}

static PyObject *
chunkio_max_codepoint(PyObject *module, PyObject *arg)
{
    Py_UCS4 *u, best = 0;
    Py_ssize_t i, n;

    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "expected str");
        return NULL;
    }
    n = PyUnicode_GET_LENGTH(arg);
    u = PyUnicode_AsUCS4Copy(arg);
    if (u == NULL)
        return NULL;
    for (i = 0; i < n; i++)
        if (u[i] > best)
            best = u[i];
    PyMem_Free(u);
    return PyLong_FromUnsignedLong(best);
}

static PyObject *
chunkio_path_length(PyObject *module, PyObject *args)
{
    char *path = NULL;
    Py_ssize_t len;

    if (!PyArg_ParseTuple(args, "es#:path_length", "utf-8", &path, &len))
        return NULL;
    if (memchr(path, '\0', len) != NULL) {
        PyMem_Free(path);
        PyErr_SetString(PyExc_ValueError, "embedded null byte");
        return NULL;
    }
    PyMem_Free(path);
    return PyLong_FromSsize_t(len);
}

static PyObject *
chunkio_set_error_text(PyObject *module, PyObject *arg)
{
    const char *s = PyUnicode_AsUTF8(arg);
    char *copy;
    size_t n;

    if (s == NULL)
        return NULL;
    n = strlen(s);
    copy = PyMem_Malloc(n + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, s, n + 1);
    PyMem_Free(last_error_text); // no-warning: static pointer to a heap block (or NULL)
    last_error_text = copy;
    Py_RETURN_NONE;
}

static PyMethodDef chunkio_methods[] = {
    {"writev", chunkio_writev, METH_VARARGS, NULL},
    {"read_exact", chunkio_read_exact, METH_VARARGS, NULL},
    {"join_lines", chunkio_join_lines, METH_O, NULL},
    {"fold_name", chunkio_fold_name, METH_O, NULL},
    {"max_codepoint", chunkio_max_codepoint, METH_O, NULL},
    {"path_length", chunkio_path_length, METH_VARARGS, NULL},
    {"set_error_text", chunkio_set_error_text, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef chunkio_module = {
    PyModuleDef_HEAD_INIT, "chunkio", NULL, -1, chunkio_methods,
};

PyMODINIT_FUNC
PyInit_chunkio(void)
{
    return PyModule_Create(&chunkio_module);
}
