/*
 * alloc-without-gil/allow_threads.c - PML010: PyMem_* (not PyMem_Raw*) and
 * PyObject_* allocations and releases made while the GIL is released:
 * between Py_BEGIN_ALLOW_THREADS and Py_END_ALLOW_THREADS, between
 * Py_UNBLOCK_THREADS and Py_BLOCK_THREADS, between PyEval_SaveThread() and
 * PyEval_RestoreThread(), and after Py_UNBLOCK_THREADS re-released a GIL
 * taken back with Py_BLOCK_THREADS. Each bad function is followed by a twin
 * that uses PyMem_Raw* or libc in the region, or moves the PyMem call out
 * of it, and must stay silent.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 65536

/* ---- PyMem_Malloc inside Py_BEGIN/END_ALLOW_THREADS ---- */

static PyObject *
xor_bytes(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i;
    int key;
    char *out = NULL;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#i:xor_bytes", &data, &len, &key))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    out = PyMem_Malloc(len + 1); // expected-warning {{[PML010]}}
    if (out != NULL) {
        for (i = 0; i < len; i++)
            out[i] = (char)(data[i] ^ key);
    }
    Py_END_ALLOW_THREADS
    if (out == NULL)
        return PyErr_NoMemory();
    result = PyBytes_FromStringAndSize(out, len);
    PyMem_Free(out);
    return result;
}

static PyObject *
xor_bytes_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i;
    int key;
    char *out = NULL;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#i:xor_bytes_ok", &data, &len, &key))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    out = PyMem_RawMalloc(len + 1); // no-warning: the raw allocator needs no GIL
    if (out != NULL) {
        for (i = 0; i < len; i++)
            out[i] = (char)(data[i] ^ key);
    }
    Py_END_ALLOW_THREADS
    if (out == NULL)
        return PyErr_NoMemory();
    result = PyBytes_FromStringAndSize(out, len);
    PyMem_RawFree(out);
    return result;
}

/* ---- PyMem_Free inside the region ---- */

static PyObject *
count_lines(PyObject *self, PyObject *args)
{
    Py_buffer view;
    char *copy;
    Py_ssize_t len, i, lines = 0;

    if (!PyArg_ParseTuple(args, "y*:count_lines", &view))
        return NULL;
    /* work on a private copy: the exporter may change without the GIL */
    len = view.len;
    copy = PyMem_Malloc(len + 1);
    if (copy == NULL) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    memcpy(copy, view.buf, len);
    PyBuffer_Release(&view);
    Py_BEGIN_ALLOW_THREADS
    for (i = 0; i < len; i++)
        lines += copy[i] == '\n';
    PyMem_Free(copy); // expected-warning {{[PML010]}}
    Py_END_ALLOW_THREADS
    return PyLong_FromSsize_t(lines);
}

static PyObject *
count_lines_ok(PyObject *self, PyObject *args)
{
    Py_buffer view;
    char *copy;
    Py_ssize_t len, i, lines = 0;

    if (!PyArg_ParseTuple(args, "y*:count_lines_ok", &view))
        return NULL;
    len = view.len;
    copy = PyMem_Malloc(len + 1); // no-warning: the GIL is held here
    if (copy == NULL) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    memcpy(copy, view.buf, len);
    PyBuffer_Release(&view);
    Py_BEGIN_ALLOW_THREADS
    for (i = 0; i < len; i++)
        lines += copy[i] == '\n';
    Py_END_ALLOW_THREADS
    PyMem_Free(copy); // no-warning: released after the GIL is taken back
    return PyLong_FromSsize_t(lines);
}

/* ---- PyObject_Malloc inside the region ---- */

static PyObject *
swap16(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i;
    char *out = NULL;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:swap16", &data, &len))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    out = PyObject_Malloc(len + 1); // expected-warning {{[PML010]}}
    if (out != NULL) {
        for (i = 0; i + 1 < len; i += 2) {
            out[i] = data[i + 1];
            out[i + 1] = data[i];
        }
        if (len % 2)
            out[len - 1] = data[len - 1];
    }
    Py_END_ALLOW_THREADS
    if (out == NULL)
        return PyErr_NoMemory();
    result = PyBytes_FromStringAndSize(out, len);
    PyObject_Free(out);
    return result;
}

static PyObject *
swap16_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i;
    char *out = NULL;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:swap16_ok", &data, &len))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    out = malloc(len + 1); // no-warning: libc malloc needs no GIL
    if (out != NULL) {
        for (i = 0; i + 1 < len; i += 2) {
            out[i] = data[i + 1];
            out[i + 1] = data[i];
        }
        if (len % 2)
            out[len - 1] = data[len - 1];
    }
    Py_END_ALLOW_THREADS
    if (out == NULL)
        return PyErr_NoMemory();
    result = PyBytes_FromStringAndSize(out, len);
    free(out);
    return result;
}

/* ---- PyMem_Realloc inside the region ---- */

static PyObject *
rle_decode(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i, n = 0, cap = 256;
    char *out, *tmp;
    int failed = 0;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:rle_decode", &data, &len))
        return NULL;
    if (len % 2) {
        PyErr_SetString(PyExc_ValueError, "rle data must have an even length");
        return NULL;
    }
    out = PyMem_Malloc(cap);
    if (out == NULL)
        return PyErr_NoMemory();
    Py_BEGIN_ALLOW_THREADS
    for (i = 0; i < len; i += 2) {
        Py_ssize_t run = data[i];

        if (cap - n < run) {
            tmp = PyMem_Realloc(out, cap + 4096); // expected-warning {{[PML010]}}
            if (tmp == NULL) {
                failed = 1;
                break;
            }
            out = tmp;
            cap += 4096;
        }
        memset(out + n, data[i + 1], run);
        n += run;
    }
    Py_END_ALLOW_THREADS
    if (failed) {
        PyMem_Free(out);
        return PyErr_NoMemory();
    }
    result = PyBytes_FromStringAndSize(out, n);
    PyMem_Free(out);
    return result;
}

static PyObject *
rle_decode_ok(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i, n = 0, cap = 256;
    char *out, *tmp;
    int failed = 0;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:rle_decode_ok", &data, &len))
        return NULL;
    if (len % 2) {
        PyErr_SetString(PyExc_ValueError, "rle data must have an even length");
        return NULL;
    }
    out = PyMem_RawMalloc(cap);
    if (out == NULL)
        return PyErr_NoMemory();
    Py_BEGIN_ALLOW_THREADS
    for (i = 0; i < len; i += 2) {
        Py_ssize_t run = data[i];

        if (cap - n < run) {
            tmp = PyMem_RawRealloc(out, cap + 4096); // no-warning: raw allocator
            if (tmp == NULL) {
                failed = 1;
                break;
            }
            out = tmp;
            cap += 4096;
        }
        memset(out + n, data[i + 1], run);
        n += run;
    }
    Py_END_ALLOW_THREADS
    if (failed) {
        PyMem_RawFree(out);
        return PyErr_NoMemory();
    }
    result = PyBytes_FromStringAndSize(out, n);
    PyMem_RawFree(out);
    return result;
}

/* ---- Py_UNBLOCK_THREADS / Py_BLOCK_THREADS ---- */

static PyObject *
byte_entropy(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i, *counts;
    double h = 0.0;
    int b;
    PyThreadState *_save;

    if (!PyArg_ParseTuple(args, "y#:byte_entropy", &data, &len))
        return NULL;
    Py_UNBLOCK_THREADS
    counts = PyMem_Calloc(256, sizeof(Py_ssize_t)); // expected-warning {{[PML010]}}
    if (counts != NULL) {
        for (i = 0; i < len; i++)
            counts[data[i]]++;
        for (b = 0; b < 256; b++) {
            if (counts[b] > 0) {
                double p = (double)counts[b] / (double)len;
                h -= p * log2(p);
            }
        }
    }
    Py_BLOCK_THREADS
    if (counts == NULL)
        return PyErr_NoMemory();
    PyMem_Free(counts);
    return PyFloat_FromDouble(h);
}

static PyObject *
byte_entropy_ok(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i, *counts;
    double h = 0.0;
    int b, ok = 0;
    PyThreadState *_save;

    if (!PyArg_ParseTuple(args, "y#:byte_entropy_ok", &data, &len))
        return NULL;
    Py_UNBLOCK_THREADS
    counts = PyMem_RawCalloc(256, sizeof(Py_ssize_t)); // no-warning: raw allocator
    if (counts != NULL) {
        for (i = 0; i < len; i++)
            counts[data[i]]++;
        for (b = 0; b < 256; b++) {
            if (counts[b] > 0) {
                double p = (double)counts[b] / (double)len;
                h -= p * log2(p);
            }
        }
        PyMem_RawFree(counts); // no-warning: raw allocator
        ok = 1;
    }
    Py_BLOCK_THREADS
    if (!ok)
        return PyErr_NoMemory();
    return PyFloat_FromDouble(h);
}

/* ---- PyEval_SaveThread / PyEval_RestoreThread ---- */

static PyObject *
sum_squares(PyObject *self, PyObject *arg)
{
    PyObject *fast;
    PyThreadState *tstate;
    Py_ssize_t n, i;
    double *vals, sum = 0.0;

    fast = PySequence_Fast(arg, "sum_squares() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    vals = PyMem_New(double, n ? n : 1);
    if (vals == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        vals[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, i));
        if (vals[i] == -1.0 && PyErr_Occurred()) {
            PyMem_Free(vals);
            Py_DECREF(fast);
            return NULL;
        }
    }
    Py_DECREF(fast);
    tstate = PyEval_SaveThread();
    for (i = 0; i < n; i++)
        sum += vals[i] * vals[i];
    PyMem_Free(vals); // expected-warning {{[PML010]}}
    PyEval_RestoreThread(tstate);
    return PyFloat_FromDouble(sum);
}

static PyObject *
sum_squares_ok(PyObject *self, PyObject *arg)
{
    PyObject *fast;
    PyThreadState *tstate;
    Py_ssize_t n, i;
    double *vals, sum = 0.0;

    fast = PySequence_Fast(arg, "sum_squares_ok() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    vals = PyMem_New(double, n ? n : 1);
    if (vals == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        vals[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(fast, i));
        if (vals[i] == -1.0 && PyErr_Occurred()) {
            PyMem_Free(vals);
            Py_DECREF(fast);
            return NULL;
        }
    }
    Py_DECREF(fast);
    tstate = PyEval_SaveThread();
    for (i = 0; i < n; i++)
        sum += vals[i] * vals[i];
    PyEval_RestoreThread(tstate);
    PyMem_Free(vals); // no-warning: after PyEval_RestoreThread
    return PyFloat_FromDouble(sum);
}

/* ---- PyObject_Free inside the region ---- */

static int
cmp_uchar(const void *a, const void *b)
{
    return (int)*(const unsigned char *)a - (int)*(const unsigned char *)b;
}

static PyObject *
median_byte(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    unsigned char *work, median;

    if (!PyArg_ParseTuple(args, "y#:median_byte", &data, &len))
        return NULL;
    if (len == 0) {
        PyErr_SetString(PyExc_ValueError, "median_byte() of empty data");
        return NULL;
    }
    work = PyObject_Malloc(len);
    if (work == NULL)
        return PyErr_NoMemory();
    memcpy(work, data, len);
    Py_BEGIN_ALLOW_THREADS
    qsort(work, len, 1, cmp_uchar);
    median = work[len / 2];
    PyObject_Free(work); // expected-warning {{[PML010]}}
    Py_END_ALLOW_THREADS
    return PyLong_FromLong(median);
}

static PyObject *
median_byte_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    unsigned char *work, median;

    if (!PyArg_ParseTuple(args, "y#:median_byte_ok", &data, &len))
        return NULL;
    if (len == 0) {
        PyErr_SetString(PyExc_ValueError, "median_byte_ok() of empty data");
        return NULL;
    }
    work = PyObject_Malloc(len); // no-warning: the GIL is held here
    if (work == NULL)
        return PyErr_NoMemory();
    memcpy(work, data, len);
    Py_BEGIN_ALLOW_THREADS
    qsort(work, len, 1, cmp_uchar);
    median = work[len / 2];
    Py_END_ALLOW_THREADS
    PyObject_Free(work); // no-warning: after Py_END_ALLOW_THREADS
    return PyLong_FromLong(median);
}

/* ---- PyMem_New inside the region ---- */

static PyObject *
line_starts(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i, n = 0, *starts = NULL;
    PyObject *list;

    if (!PyArg_ParseTuple(args, "y#:line_starts", &data, &len))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    starts = PyMem_New(Py_ssize_t, len + 1); // expected-warning {{[PML010]}}
    if (starts != NULL) {
        starts[n++] = 0;
        for (i = 0; i < len; i++) {
            if (data[i] == '\n')
                starts[n++] = i + 1;
        }
    }
    Py_END_ALLOW_THREADS
    if (starts == NULL)
        return PyErr_NoMemory();
    list = PyList_New(n);
    if (list == NULL) {
        PyMem_Free(starts);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        PyObject *v = PyLong_FromSsize_t(starts[i]);
        if (v == NULL) {
            Py_DECREF(list);
            PyMem_Free(starts);
            return NULL;
        }
        PyList_SET_ITEM(list, i, v);
    }
    PyMem_Free(starts);
    return list;
}

static PyObject *
line_starts_ok(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i, n = 0, *starts;
    PyObject *list;

    if (!PyArg_ParseTuple(args, "y#:line_starts_ok", &data, &len))
        return NULL;
    starts = PyMem_New(Py_ssize_t, len + 1); // no-warning: allocated before the region
    if (starts == NULL)
        return PyErr_NoMemory();
    Py_BEGIN_ALLOW_THREADS
    starts[n++] = 0;
    for (i = 0; i < len; i++) {
        if (data[i] == '\n')
            starts[n++] = i + 1;
    }
    Py_END_ALLOW_THREADS
    list = PyList_New(n);
    if (list == NULL) {
        PyMem_Free(starts);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        PyObject *v = PyLong_FromSsize_t(starts[i]);
        if (v == NULL) {
            Py_DECREF(list);
            PyMem_Free(starts);
            return NULL;
        }
        PyList_SET_ITEM(list, i, v);
    }
    PyMem_Free(starts);
    return list;
}

/* ---- GIL taken back with Py_BLOCK_THREADS, released again ---- */

static PyObject *
chunk_sums(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, off, i;
    PyObject *callback;
    char *note = NULL;
    int failed = 0;

    if (!PyArg_ParseTuple(args, "y#O:chunk_sums", &data, &len, &callback))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    for (off = 0; off < len && !failed; off += CHUNK) {
        Py_ssize_t end = len - off < CHUNK ? len : off + CHUNK;
        unsigned long sum = 0;

        for (i = off; i < end; i++)
            sum += data[i];
        Py_BLOCK_THREADS
        note = PyMem_Malloc(32); // no-warning: Py_BLOCK_THREADS took the GIL back
        if (note == NULL) {
            PyErr_NoMemory();
            failed = 1;
        }
        else {
            PyObject *r;

            PyOS_snprintf(note, 32, "%zd:%lu", off, sum);
            r = PyObject_CallFunction(callback, "s", note);
            if (r == NULL)
                failed = 1;
            else
                Py_DECREF(r);
        }
        Py_UNBLOCK_THREADS
        PyMem_Free(note); // expected-warning {{[PML010]}}
        note = NULL;
    }
    Py_END_ALLOW_THREADS
    if (failed)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
chunk_sums_ok(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, off, i;
    PyObject *callback;
    int failed = 0;

    if (!PyArg_ParseTuple(args, "y#O:chunk_sums_ok", &data, &len, &callback))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    for (off = 0; off < len && !failed; off += CHUNK) {
        Py_ssize_t end = len - off < CHUNK ? len : off + CHUNK;
        unsigned long sum = 0;
        char *note;

        for (i = off; i < end; i++)
            sum += data[i];
        Py_BLOCK_THREADS
        note = PyMem_Malloc(32); // no-warning: Py_BLOCK_THREADS took the GIL back
        if (note == NULL) {
            PyErr_NoMemory();
            failed = 1;
        }
        else {
            PyObject *r;

            PyOS_snprintf(note, 32, "%zd:%lu", off, sum);
            r = PyObject_CallFunction(callback, "s", note);
            if (r == NULL)
                failed = 1;
            else
                Py_DECREF(r);
            PyMem_Free(note); // no-warning: still holding the GIL
        }
        Py_UNBLOCK_THREADS
    }
    Py_END_ALLOW_THREADS
    if (failed)
        return NULL;
    Py_RETURN_NONE;
}

/* ---- module ---- */

static PyMethodDef allow_threads_methods[] = {
    {"xor_bytes", xor_bytes, METH_VARARGS, NULL},
    {"xor_bytes_ok", xor_bytes_ok, METH_VARARGS, NULL},
    {"count_lines", count_lines, METH_VARARGS, NULL},
    {"count_lines_ok", count_lines_ok, METH_VARARGS, NULL},
    {"swap16", swap16, METH_VARARGS, NULL},
    {"swap16_ok", swap16_ok, METH_VARARGS, NULL},
    {"rle_decode", rle_decode, METH_VARARGS, NULL},
    {"rle_decode_ok", rle_decode_ok, METH_VARARGS, NULL},
    {"byte_entropy", byte_entropy, METH_VARARGS, NULL},
    {"byte_entropy_ok", byte_entropy_ok, METH_VARARGS, NULL},
    {"sum_squares", sum_squares, METH_O, NULL},
    {"sum_squares_ok", sum_squares_ok, METH_O, NULL},
    {"median_byte", median_byte, METH_VARARGS, NULL},
    {"median_byte_ok", median_byte_ok, METH_VARARGS, NULL},
    {"line_starts", line_starts, METH_VARARGS, NULL},
    {"line_starts_ok", line_starts_ok, METH_VARARGS, NULL},
    {"chunk_sums", chunk_sums, METH_VARARGS, NULL},
    {"chunk_sums_ok", chunk_sums_ok, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef allow_threads_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pml010_allow_threads",
    .m_size = 0,
    .m_methods = allow_threads_methods,
};

PyMODINIT_FUNC
PyInit_pml010_allow_threads(void)
{
    return PyModuleDef_Init(&allow_threads_module);
}
