/*
 * filehasher.c -- FNV-1a file hashing that releases the GIL, plus an
 * asynchronous variant running on a worker thread.
 * Tests: PML010 (same-file helper doing PyMem_Malloc called between
 * Py_BEGIN/END_ALLOW_THREADS; PyMem_Free after PyGILState_Release in the
 * worker), PML001 (job struct written through before its NULL check),
 * PML011 (PyMem_Free of the address of a local context).
 * Negatives: PyMem_RawMalloc/PyMem_RawFree helper used without the GIL,
 * PyMem_Free after Py_END_ALLOW_THREADS, job handed to the worker thread.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 65536

typedef struct {
    uint64_t h;
    uint64_t nbytes;
} hash_ctx;

typedef struct {
    char *path;
    PyObject *callback;
} job_t;

static void
ctx_init(hash_ctx *c)
{
    c->h = 1469598103934665603ULL;
    c->nbytes = 0;
}

static void
ctx_update(hash_ctx *c, const unsigned char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        c->h ^= p[i];
        c->h *= 1099511628211ULL;
    }
    c->nbytes += n;
}

/* Safe without the GIL: raw allocator only. 0 ok, -1 open error, -2 no memory. */
static int
hash_path_nogil(const char *path, hash_ctx *ctx)
{
    FILE *f;
    unsigned char *buf;
    size_t n;

    buf = PyMem_RawMalloc(CHUNK);
    if (buf == NULL)
        return -2;
    f = fopen(path, "rb");
    if (f == NULL) {
        PyMem_RawFree(buf);
        return -1;
    }
    while ((n = fread(buf, 1, CHUNK, f)) > 0)
        ctx_update(ctx, buf, n);
    fclose(f);
    PyMem_RawFree(buf);
    return 0;
}

/* Needs the GIL. */
static unsigned char *
alloc_chunk(void)
{
    return PyMem_Malloc(CHUNK);
}

static PyObject *
hasher_hash_file(PyObject *module, PyObject *args)
{
    PyObject *pathobj, *res;
    const char *path;
    hash_ctx ctx;
    int rc;

    if (!PyArg_ParseTuple(args, "O&:hash_file", PyUnicode_FSConverter, &pathobj))
        return NULL;
    path = PyBytes_AS_STRING(pathobj);
    ctx_init(&ctx);
    Py_BEGIN_ALLOW_THREADS
    rc = hash_path_nogil(path, &ctx); // no-warning: helper only uses PyMem_Raw*
    Py_END_ALLOW_THREADS
    if (rc == -1)
        res = PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, pathobj);
    else if (rc == -2)
        res = PyErr_NoMemory();
    else
        res = PyLong_FromUnsignedLongLong(ctx.h);
    Py_DECREF(pathobj);
    return res;
}

static PyObject *
hasher_hash_fd(PyObject *module, PyObject *arg)
{
    int fd = PyObject_AsFileDescriptor(arg), err = 0;
    unsigned char *buf;
    ssize_t n = 0;
    hash_ctx ctx;

    if (fd < 0)
        return NULL;
    ctx_init(&ctx);
    Py_BEGIN_ALLOW_THREADS
    buf = alloc_chunk(); // expected-warning {{[PML010]}}
    if (buf != NULL) {
        while ((n = read(fd, buf, CHUNK)) > 0)
            ctx_update(&ctx, buf, (size_t)n);
        if (n < 0)
            err = errno;
    }
    Py_END_ALLOW_THREADS
    if (buf == NULL)
        return PyErr_NoMemory();
    PyMem_Free(buf); // no-warning: released after Py_END_ALLOW_THREADS
    if (err) {
        errno = err;
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    return PyLong_FromUnsignedLongLong(ctx.h);
}

static PyObject *
hasher_hash_bytes(PyObject *module, PyObject *arg)
{
    Py_buffer view;
    hash_ctx local;
    hash_ctx *ctx = &local;
    PyObject *res;

    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    ctx_init(ctx);
    ctx_update(ctx, view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    res = PyLong_FromUnsignedLongLong(ctx->h);
    PyMem_Free(ctx); // expected-warning {{[PML011]}}
    return res;
}

static void
hash_worker(void *arg)
{
    job_t *job = arg;
    hash_ctx ctx;
    int rc;
    PyGILState_STATE g;
    PyObject *r;

    ctx_init(&ctx);
    rc = hash_path_nogil(job->path, &ctx);
    g = PyGILState_Ensure();
    if (rc == 0)
        r = PyObject_CallFunction(job->callback, "K", (unsigned long long)ctx.h);
    else
        r = PyObject_CallFunction(job->callback, "O", Py_None);
    if (r == NULL)
        PyErr_WriteUnraisable(job->callback);
    Py_XDECREF(r);
    Py_DECREF(job->callback);
    PyGILState_Release(g);
    free(job->path);
    PyMem_Free(job); // expected-warning {{[PML010]}}
}

static PyObject *
hasher_hash_async(PyObject *module, PyObject *args)
{
    PyObject *pathobj, *callback;
    job_t *job;

    if (!PyArg_ParseTuple(args, "O&O:hash_async", PyUnicode_FSConverter, &pathobj, &callback))
        return NULL;
    job = PyMem_Malloc(sizeof(job_t));
    job->path = strdup(PyBytes_AS_STRING(pathobj)); // expected-warning {{[PML001]}}
    Py_DECREF(pathobj);
    if (job->path == NULL) {
        PyMem_Free(job);
        return PyErr_NoMemory();
    }
    Py_INCREF(callback);
    job->callback = callback;
    if (PyThread_start_new_thread(hash_worker, job) == PYTHREAD_INVALID_THREAD_ID) { // no-warning: job is owned by the worker
        Py_DECREF(callback);
        free(job->path);
        PyMem_Free(job);
        PyErr_SetString(PyExc_RuntimeError, "cannot start worker thread");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef hasher_methods[] = {
    {"hash_file", hasher_hash_file, METH_VARARGS, NULL},
    {"hash_fd", hasher_hash_fd, METH_O, NULL},
    {"hash_bytes", hasher_hash_bytes, METH_O, NULL},
    {"hash_async", hasher_hash_async, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef hasher_module = {
    PyModuleDef_HEAD_INIT, "filehasher", NULL, -1, hasher_methods,
};

PyMODINIT_FUNC
PyInit_filehasher(void)
{
    return PyModule_Create(&hasher_module);
}
