/*
 * leak/overwrite_loops.c - PML006 when the only pointer to a live block
 * is overwritten (by a second allocation, or by the next iteration of a
 * loop) or when `continue` / `break` skip the release.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* ---- second allocation overwrites the first ---- */

static PyObject *
pad_both(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, width, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#n:pad_both", &text, &len, &width))
        return NULL;
    if (width < len)
        width = len;
    buf = PyMem_Malloc(len + 1); // expected-warning {{[PML006]}}
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, text, len);
    buf = PyMem_Malloc(width + 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < width; i++)
        buf[i] = ' ';
    memcpy(buf + (width - len) / 2, text, len);
    result = PyUnicode_FromStringAndSize(buf, width);
    PyMem_Free(buf);
    return result;
}

static PyObject *
pad_both_ok(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, width, i;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#n:pad_both_ok", &text, &len, &width))
        return NULL;
    if (width < len)
        width = len;
    buf = PyMem_Malloc(len + 1); // no-warning: released before the variable is reused
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, text, len);
    PyMem_Free(buf);
    buf = PyMem_Malloc(width + 1); // no-warning: released at the end
    if (buf == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < width; i++)
        buf[i] = ' ';
    memcpy(buf + (width - len) / 2, text, len);
    result = PyUnicode_FromStringAndSize(buf, width);
    PyMem_Free(buf);
    return result;
}

/* ---- a fresh block each iteration, never released ---- */

static PyObject *
lengths(PyObject *self, PyObject *seq)
{
    PyObject *fast, *list;
    Py_ssize_t n, i;

    fast = PySequence_Fast(seq, "lengths() expects a sequence");
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
        char *copy;
        PyObject *v;

        if (s == NULL)
            goto error;
        copy = PyMem_Malloc(size + 1); // expected-warning {{[PML006]}}
        if (copy == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        memcpy(copy, s, size + 1);
        v = PyLong_FromSize_t(strlen(copy));
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
lengths_ok(PyObject *self, PyObject *seq)
{
    PyObject *fast, *list;
    Py_ssize_t n, i;

    fast = PySequence_Fast(seq, "lengths_ok() expects a sequence");
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
        char *copy;
        PyObject *v;

        if (s == NULL)
            goto error;
        copy = PyMem_Malloc(size + 1); // no-warning: released in the same iteration
        if (copy == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        memcpy(copy, s, size + 1);
        v = PyLong_FromSize_t(strlen(copy));
        PyMem_Free(copy);
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

/* ---- outer variable reassigned each iteration ---- */

static PyObject *
longest_line(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, start = 0, i, best_len = 0;
    char *best = NULL;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:longest_line", &text, &len))
        return NULL;
    for (i = 0; i <= len; i++) {
        if (i < len && text[i] != '\n')
            continue;
        if (i - start > best_len) {
            best_len = i - start;
            best = PyMem_Malloc(best_len + 1); // expected-warning {{[PML006]}}
            if (best == NULL)
                return PyErr_NoMemory();
            memcpy(best, text + start, best_len);
            best[best_len] = '\0';
        }
        start = i + 1;
    }
    result = PyUnicode_FromStringAndSize(best ? best : "", best_len);
    PyMem_Free(best);
    return result;
}

static PyObject *
longest_line_ok(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, start = 0, i, best_len = 0;
    char *best = NULL;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#:longest_line_ok", &text, &len))
        return NULL;
    for (i = 0; i <= len; i++) {
        if (i < len && text[i] != '\n')
            continue;
        if (i - start > best_len) {
            best_len = i - start;
            PyMem_Free(best);
            best = PyMem_Malloc(best_len + 1); // no-warning: the previous block was released
            if (best == NULL)
                return PyErr_NoMemory();
            memcpy(best, text + start, best_len);
            best[best_len] = '\0';
        }
        start = i + 1;
    }
    result = PyUnicode_FromStringAndSize(best ? best : "", best_len);
    PyMem_Free(best);
    return result;
}

/* ---- continue skips the release ---- */

static PyObject *
count_palindromes(PyObject *self, PyObject *seq)
{
    PyObject *fast;
    Py_ssize_t n, i, j, hits = 0;

    fast = PySequence_Fast(seq, "count_palindromes() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        Py_ssize_t size;
        const char *s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &size);
        char *rev;

        if (s == NULL) {
            Py_DECREF(fast);
            return NULL;
        }
        rev = PyMem_Malloc(size + 1); // expected-warning {{[PML006]}}
        if (rev == NULL) {
            Py_DECREF(fast);
            return PyErr_NoMemory();
        }
        for (j = 0; j < size; j++)
            rev[j] = s[size - 1 - j];
        if (memcmp(rev, s, size) != 0)
            continue;
        hits++;
        PyMem_Free(rev);
    }
    Py_DECREF(fast);
    return PyLong_FromSsize_t(hits);
}

static PyObject *
count_palindromes_ok(PyObject *self, PyObject *seq)
{
    PyObject *fast;
    Py_ssize_t n, i, j, hits = 0;

    fast = PySequence_Fast(seq, "count_palindromes_ok() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        Py_ssize_t size;
        const char *s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &size);
        char *rev;

        if (s == NULL) {
            Py_DECREF(fast);
            return NULL;
        }
        rev = PyMem_Malloc(size + 1); // no-warning: released before continue
        if (rev == NULL) {
            Py_DECREF(fast);
            return PyErr_NoMemory();
        }
        for (j = 0; j < size; j++)
            rev[j] = s[size - 1 - j];
        if (memcmp(rev, s, size) != 0) {
            PyMem_Free(rev);
            continue;
        }
        hits++;
        PyMem_Free(rev);
    }
    Py_DECREF(fast);
    return PyLong_FromSsize_t(hits);
}

/* ---- break skips the release ---- */

static PyObject *
find_key(PyObject *self, PyObject *args)
{
    PyObject *seq, *fast;
    const char *key;
    Py_ssize_t n, i, found = -1;

    if (!PyArg_ParseTuple(args, "Os:find_key", &seq, &key))
        return NULL;
    fast = PySequence_Fast(seq, "find_key() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        const char *s = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(fast, i));
        char *lower;
        size_t k;

        if (s == NULL) {
            Py_DECREF(fast);
            return NULL;
        }
        lower = PyMem_RawMalloc(strlen(s) + 1); // expected-warning {{[PML006]}}
        if (lower == NULL) {
            Py_DECREF(fast);
            return PyErr_NoMemory();
        }
        for (k = 0; s[k] != '\0'; k++)
            lower[k] = Py_TOLOWER(s[k]);
        lower[k] = '\0';
        if (strcmp(lower, key) == 0) {
            found = i;
            break;
        }
        PyMem_RawFree(lower);
    }
    Py_DECREF(fast);
    return PyLong_FromSsize_t(found);
}

static PyObject *
find_key_ok(PyObject *self, PyObject *args)
{
    PyObject *seq, *fast;
    const char *key;
    Py_ssize_t n, i, found = -1;

    if (!PyArg_ParseTuple(args, "Os:find_key_ok", &seq, &key))
        return NULL;
    fast = PySequence_Fast(seq, "find_key_ok() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    for (i = 0; i < n; i++) {
        const char *s = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(fast, i));
        char *lower;
        size_t k;
        int match;

        if (s == NULL) {
            Py_DECREF(fast);
            return NULL;
        }
        lower = PyMem_RawMalloc(strlen(s) + 1); // no-warning: released before the break
        if (lower == NULL) {
            Py_DECREF(fast);
            return PyErr_NoMemory();
        }
        for (k = 0; s[k] != '\0'; k++)
            lower[k] = Py_TOLOWER(s[k]);
        lower[k] = '\0';
        match = strcmp(lower, key) == 0;
        PyMem_RawFree(lower);
        if (match) {
            found = i;
            break;
        }
    }
    Py_DECREF(fast);
    return PyLong_FromSsize_t(found);
}

/* ---- do/while: each chunk overwrites the previous one ---- */

static PyObject *
chunk_sums(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, off = 0, n, i;
    unsigned long sum = 0;
    unsigned char *chunk;

    if (!PyArg_ParseTuple(args, "y#:chunk_sums", &data, &len))
        return NULL;
    do {
        chunk = PyMem_Malloc(64); // expected-warning {{[PML006]}}
        if (chunk == NULL)
            return PyErr_NoMemory();
        n = len - off > 64 ? 64 : len - off;
        memcpy(chunk, data + off, n);
        for (i = 0; i < n; i++)
            sum += chunk[i];
        off += n;
    } while (off < len);
    PyMem_Free(chunk);
    return PyLong_FromUnsignedLong(sum);
}

static PyObject *
chunk_sums_ok(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, off = 0, n, i;
    unsigned long sum = 0;
    unsigned char *chunk;

    if (!PyArg_ParseTuple(args, "y#:chunk_sums_ok", &data, &len))
        return NULL;
    do {
        chunk = PyMem_Malloc(64); // no-warning: released at the end of each iteration
        if (chunk == NULL)
            return PyErr_NoMemory();
        n = len - off > 64 ? 64 : len - off;
        memcpy(chunk, data + off, n);
        for (i = 0; i < n; i++)
            sum += chunk[i];
        off += n;
        PyMem_Free(chunk);
    } while (off < len);
    return PyLong_FromUnsignedLong(sum);
}

static PyMethodDef overwrite_loops_methods[] = {
    {"pad_both", pad_both, METH_VARARGS, NULL},
    {"pad_both_ok", pad_both_ok, METH_VARARGS, NULL},
    {"lengths", lengths, METH_O, NULL},
    {"lengths_ok", lengths_ok, METH_O, NULL},
    {"longest_line", longest_line, METH_VARARGS, NULL},
    {"longest_line_ok", longest_line_ok, METH_VARARGS, NULL},
    {"count_palindromes", count_palindromes, METH_O, NULL},
    {"count_palindromes_ok", count_palindromes_ok, METH_O, NULL},
    {"find_key", find_key, METH_VARARGS, NULL},
    {"find_key_ok", find_key_ok, METH_VARARGS, NULL},
    {"chunk_sums", chunk_sums, METH_VARARGS, NULL},
    {"chunk_sums_ok", chunk_sums_ok, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef overwrite_loops_module = {
    PyModuleDef_HEAD_INIT, "overwrite_loops", NULL, -1, overwrite_loops_methods,
};

PyMODINIT_FUNC
PyInit_overwrite_loops(void)
{
    return PyModule_Create(&overwrite_loops_module);
}
