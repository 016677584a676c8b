/*
 * alloc-without-gil/nogil_ok.c - PML010 negatives: work done without the
 * GIL that only uses PyMem_Raw* or libc malloc/free in the region, PyMem /
 * PyObject blocks allocated before Py_BEGIN_ALLOW_THREADS and released
 * after Py_END_ALLOW_THREADS, a region in one branch and the allocation in
 * the other, allocation between two regions or while Py_BLOCK_THREADS has
 * taken the GIL back, after PyEval_RestoreThread, inside PyGILState_Ensure
 * / PyGILState_Release, and same-file helpers that only copy or use the
 * raw allocator. Nothing here may be reported.
 */
// expected-no-diagnostics
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

#define BIG_INPUT 4096

typedef void (*tick_callback)(void *ctx, unsigned long now);
extern int ticker_start(tick_callback cb, void *ctx);

/* ---- helpers ---- */

static void
copy_block(char *dst, const char *src, size_t n)
{
    memcpy(dst, src, n);
}

static unsigned char *
raw_table_new(void)
{
    return PyMem_RawCalloc(256, 1);
}

static void
raw_table_free(unsigned char *table)
{
    PyMem_RawFree(table);
}

static unsigned long
adler32(const unsigned char *p, Py_ssize_t n)
{
    unsigned long a = 1, b = 0;
    Py_ssize_t i;

    for (i = 0; i < n; i++) {
        a = (a + p[i]) % 65521UL;
        b = (b + a) % 65521UL;
    }
    return (b << 16) | a;
}

/* ---- raw and libc allocation inside the region ---- */

static PyObject *
reverse_copy(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i;
    char *out;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:reverse_copy", &data, &len))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    out = PyMem_RawMalloc(len + 1); // no-warning: raw allocator
    if (out != NULL) {
        for (i = 0; i < len; i++)
            out[i] = data[len - 1 - i];
    }
    Py_END_ALLOW_THREADS
    if (out == NULL)
        return PyErr_NoMemory();
    result = PyBytes_FromStringAndSize(out, len);
    PyMem_RawFree(out);
    return result;
}

static PyObject *
checksum_libc(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len;
    unsigned long sum = 0;
    int ok = 0;

    if (!PyArg_ParseTuple(args, "y#:checksum_libc", &data, &len))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    char *copy = malloc(len + 1); // no-warning: libc malloc
    if (copy != NULL) {
        copy_block(copy, data, len); // no-warning: the helper only copies
        sum = adler32((const unsigned char *)copy, len);
        free(copy); // no-warning: libc free
        ok = 1;
    }
    Py_END_ALLOW_THREADS
    if (!ok)
        return PyErr_NoMemory();
    return PyLong_FromUnsignedLong(sum);
}

static PyObject *
byte_map(PyObject *self, PyObject *args)
{
    const unsigned char *data, *from, *to;
    Py_ssize_t len, flen, tlen, i;
    unsigned char *table, *out = NULL;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#y#y#:byte_map", &data, &len, &from, &flen, &to, &tlen))
        return NULL;
    if (flen != tlen) {
        PyErr_SetString(PyExc_ValueError, "from and to must have the same length");
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    table = raw_table_new(); // no-warning: the helper uses the raw allocator
    if (table != NULL) {
        for (i = 0; i < 256; i++)
            table[i] = (unsigned char)i;
        for (i = 0; i < flen; i++)
            table[from[i]] = to[i];
        out = PyMem_RawMalloc(len + 1); // no-warning: raw allocator
        if (out != NULL) {
            for (i = 0; i < len; i++)
                out[i] = table[data[i]];
        }
        raw_table_free(table); // no-warning: the helper uses the raw allocator
    }
    Py_END_ALLOW_THREADS
    if (out == NULL)
        return PyErr_NoMemory();
    result = PyBytes_FromStringAndSize((const char *)out, len);
    PyMem_RawFree(out);
    return result;
}

static PyObject *
squeeze_spaces(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i, n = 0, cap = 64;
    char *out, *tmp;
    int failed = 0;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:squeeze_spaces", &data, &len))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    out = PyMem_RawMalloc(cap); // no-warning: raw allocator
    if (out != NULL) {
        for (i = 0; i < len; i++) {
            if (data[i] == ' ' && n > 0 && out[n - 1] == ' ')
                continue;
            if (n == cap) {
                tmp = PyMem_RawRealloc(out, cap + 4096); // no-warning: raw allocator
                if (tmp == NULL) {
                    failed = 1;
                    break;
                }
                out = tmp;
                cap += 4096;
            }
            out[n++] = data[i];
        }
    }
    Py_END_ALLOW_THREADS
    if (out == NULL || failed) {
        PyMem_RawFree(out);
        return PyErr_NoMemory();
    }
    result = PyBytes_FromStringAndSize(out, n);
    PyMem_RawFree(out);
    return result;
}

/* ---- PyMem blocks around the region, not in it ---- */

static PyObject *
sorted_copy(PyObject *self, PyObject *args)
{
    const char *data;
    Py_ssize_t len, i, pos = 0;
    Py_ssize_t *counts;
    char *out;
    int b;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:sorted_copy", &data, &len))
        return NULL;
    counts = PyMem_Calloc(256, sizeof(Py_ssize_t)); // no-warning: before the region
    if (counts == NULL)
        return PyErr_NoMemory();
    out = PyObject_Malloc(len + 1); // no-warning: before the region
    if (out == NULL) {
        PyMem_Free(counts);
        return PyErr_NoMemory();
    }
    Py_BEGIN_ALLOW_THREADS
    for (i = 0; i < len; i++)
        counts[(unsigned char)data[i]]++;
    for (b = 0; b < 256; b++) {
        for (i = 0; i < counts[b]; i++)
            out[pos++] = (char)b;
    }
    Py_END_ALLOW_THREADS
    PyMem_Free(counts); // no-warning: after the region
    result = PyBytes_FromStringAndSize(out, len);
    PyObject_Free(out); // no-warning: after the region
    return result;
}

static PyObject *
two_pass(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, i, nonzero = 0;
    unsigned char *packed;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:two_pass", &data, &len))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    for (i = 0; i < len; i++)
        nonzero += data[i] != 0;
    Py_END_ALLOW_THREADS
    packed = PyMem_Malloc(nonzero + 1); // no-warning: between two regions, the GIL is held
    if (packed == NULL)
        return PyErr_NoMemory();
    Py_BEGIN_ALLOW_THREADS
    {
        Py_ssize_t n = 0;

        for (i = 0; i < len; i++) {
            if (data[i] != 0)
                packed[n++] = data[i];
        }
    }
    Py_END_ALLOW_THREADS
    result = PyBytes_FromStringAndSize((const char *)packed, nonzero);
    PyMem_Free(packed); // no-warning: after the second region
    return result;
}

static PyObject *
maybe_threaded_sum(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len;
    unsigned long sum = 0;

    if (!PyArg_ParseTuple(args, "y#:maybe_threaded_sum", &data, &len))
        return NULL;
    if (len >= BIG_INPUT) {
        Py_BEGIN_ALLOW_THREADS
        sum = adler32(data, len);
        Py_END_ALLOW_THREADS
    }
    else {
        unsigned char *copy = PyMem_Malloc(len + 1); // no-warning: the region is in the other branch
        if (copy == NULL)
            return PyErr_NoMemory();
        memcpy(copy, data, len);
        sum = adler32(copy, len);
        PyMem_Free(copy); // no-warning: the region is in the other branch
    }
    return PyLong_FromUnsignedLong(sum);
}

/* ---- Py_BLOCK_THREADS takes the GIL back inside the region ---- */

static PyObject *
report_progress(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len, off;
    PyObject *callback;
    unsigned long sum = 0;
    int failed = 0;

    if (!PyArg_ParseTuple(args, "y#O:report_progress", &data, &len, &callback))
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    for (off = 0; off < len && !failed; off += BIG_INPUT) {
        Py_ssize_t n = len - off < BIG_INPUT ? len - off : BIG_INPUT;
        char *msg;

        sum = (sum + adler32(data + off, n)) & 0xffffffffUL;
        Py_BLOCK_THREADS
        msg = PyMem_Malloc(64); // no-warning: Py_BLOCK_THREADS took the GIL back
        if (msg == NULL) {
            PyErr_NoMemory();
            failed = 1;
        }
        else {
            PyObject *r;

            PyOS_snprintf(msg, 64, "%zd/%zd", off + n, len);
            r = PyObject_CallFunction(callback, "s", msg);
            PyMem_Free(msg); // no-warning: still holding the GIL
            if (r == NULL)
                failed = 1;
            else
                Py_DECREF(r);
        }
        Py_UNBLOCK_THREADS
    }
    Py_END_ALLOW_THREADS
    if (failed)
        return NULL;
    return PyLong_FromUnsignedLong(sum);
}

/* ---- after PyEval_RestoreThread / Py_BLOCK_THREADS ---- */

static PyObject *
hash_then_copy(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len;
    PyThreadState *_save;
    unsigned long h;
    char *buf;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:hash_then_copy", &data, &len))
        return NULL;
    _save = PyEval_SaveThread();
    h = adler32(data, len);
    PyEval_RestoreThread(_save);
    buf = PyMem_Malloc(len + 16); // no-warning: after PyEval_RestoreThread
    if (buf == NULL)
        return PyErr_NoMemory();
    memcpy(buf, data, len);
    PyOS_snprintf(buf + len, 16, "%08lx", h);
    result = PyBytes_FromStringAndSize(buf, len + 8);
    PyMem_Free(buf);
    return result;
}

static PyObject *
unblock_then_alloc(PyObject *self, PyObject *args)
{
    const unsigned char *data;
    Py_ssize_t len;
    PyThreadState *_save;
    unsigned long h;
    char *text;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "y#:unblock_then_alloc", &data, &len))
        return NULL;
    Py_UNBLOCK_THREADS
    h = adler32(data, len);
    Py_BLOCK_THREADS
    text = PyObject_Malloc(32); // no-warning: after Py_BLOCK_THREADS
    if (text == NULL)
        return PyErr_NoMemory();
    PyOS_snprintf(text, 32, "adler32=%08lx", h);
    result = PyUnicode_FromString(text);
    PyObject_Free(text);
    return result;
}

/* ---- a C callback holding the GIL state while it uses PyMem ---- */

static void
on_tick(void *ctx, unsigned long now)
{
    PyObject *callback = ctx;
    PyGILState_STATE gs = PyGILState_Ensure();
    char *label = PyMem_Malloc(32); // no-warning: between Ensure and Release

    if (label == NULL) {
        PyErr_NoMemory();
        PyErr_WriteUnraisable(callback);
    }
    else {
        PyObject *r;

        PyOS_snprintf(label, 32, "tick %lu", now);
        r = PyObject_CallFunction(callback, "s", label);
        if (r == NULL)
            PyErr_WriteUnraisable(callback);
        else
            Py_DECREF(r);
        PyMem_Free(label); // no-warning: between Ensure and Release
    }
    PyGILState_Release(gs);
}

static PyObject *
start_ticker(PyObject *self, PyObject *callback)
{
    if (!PyCallable_Check(callback)) {
        PyErr_SetString(PyExc_TypeError, "callback must be callable");
        return NULL;
    }
    if (ticker_start(on_tick, callback) < 0) {
        PyErr_SetString(PyExc_RuntimeError, "ticker_start() failed");
        return NULL;
    }
    Py_INCREF(callback);    /* owned by the ticker from now on */
    Py_RETURN_NONE;
}

/* ---- module ---- */

static PyMethodDef nogil_ok_methods[] = {
    {"reverse_copy", reverse_copy, METH_VARARGS, NULL},
    {"checksum_libc", checksum_libc, METH_VARARGS, NULL},
    {"byte_map", byte_map, METH_VARARGS, NULL},
    {"squeeze_spaces", squeeze_spaces, METH_VARARGS, NULL},
    {"sorted_copy", sorted_copy, METH_VARARGS, NULL},
    {"two_pass", two_pass, METH_VARARGS, NULL},
    {"maybe_threaded_sum", maybe_threaded_sum, METH_VARARGS, NULL},
    {"report_progress", report_progress, METH_VARARGS, NULL},
    {"hash_then_copy", hash_then_copy, METH_VARARGS, NULL},
    {"unblock_then_alloc", unblock_then_alloc, METH_VARARGS, NULL},
    {"start_ticker", start_ticker, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef nogil_ok_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pml010_nogil_ok",
    .m_size = 0,
    .m_methods = nogil_ok_methods,
};

PyMODINIT_FUNC
PyInit_pml010_nogil_ok(void)
{
    return PyModuleDef_Init(&nogil_ok_module);
}
