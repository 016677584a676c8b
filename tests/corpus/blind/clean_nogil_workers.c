/* clean_nogil_workers.c: batch work done with the GIL released, in the
 * style of python-zstandard's multi_compress_to_buffer and CPython's
 * Modules/_hashopenssl.c.  Everything touched without the GIL is PyMem_Raw*
 * or malloc; errors found there are recorded in flags and raised once the
 * GIL is back.  All of it is correct. */
// expected-no-diagnostics
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    unsigned char *src;        /* PyMem_RawMalloc'd copy of the input */
    size_t src_len;
    unsigned char *dst;        /* malloc'd output */
    size_t dst_len;
    int error;
} WorkItem;

typedef struct Job {
    struct Job *next;
    char *payload;             /* PyMem_RawMalloc'd */
    size_t len;
} Job;

typedef struct {
    PyObject_HEAD
    Job *head;
    Job *tail;
    Py_ssize_t pending;
    char *name;
} PoolObject;

static size_t
xor_fold(const unsigned char *src, size_t n, unsigned char *dst)
{
    size_t i;
    for (i = 0; i < n; i++)
        dst[i] = (unsigned char)(src[i] ^ 0x5a);
    return n;
}

static void
free_work_items(WorkItem *items, Py_ssize_t n)
{
    Py_ssize_t i;
    if (items == NULL)
        return;
    for (i = 0; i < n; i++) {
        PyMem_RawFree(items[i].src);
        free(items[i].dst);
    }
    PyMem_RawFree(items);
}

/* Runs without the GIL: only raw allocators, no exceptions. */
static void
run_items(WorkItem *items, Py_ssize_t n)
{
    Py_ssize_t i;
    for (i = 0; i < n; i++) {
        unsigned char *out = malloc(items[i].src_len + 1); // no-warning: stored in the item
        if (out == NULL) {
            items[i].error = 1;
            continue;
        }
        items[i].dst_len = xor_fold(items[i].src, items[i].src_len, out);
        items[i].dst = out;
    }
}

static PyObject *
multi_fold(PyObject *module, PyObject *args)
{
    PyObject *seq, *fast, *result = NULL;
    Py_ssize_t i, n;
    WorkItem *items;
    int failed = 0;

    if (!PyArg_ParseTuple(args, "O:multi_fold", &seq))
        return NULL;
    fast = PySequence_Fast(seq, "expected a sequence of bytes");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    items = PyMem_RawCalloc((size_t)n + 1, sizeof(WorkItem)); // no-warning: freed by free_work_items
    if (items == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (i = 0; i < n; i++) {
        char *data;
        Py_ssize_t len;
        if (PyBytes_AsStringAndSize(PySequence_Fast_GET_ITEM(fast, i), &data, &len) < 0)
            goto done;
        items[i].src = PyMem_RawMalloc((size_t)len + 1); // no-warning: owned by items
        if (items[i].src == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        memcpy(items[i].src, data, (size_t)len);
        items[i].src_len = (size_t)len;
    }

    Py_BEGIN_ALLOW_THREADS
    run_items(items, n);
    Py_END_ALLOW_THREADS

    for (i = 0; i < n; i++)
        if (items[i].error)
            failed = 1;
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    result = PyList_New(n);
    if (result == NULL)
        goto done;
    for (i = 0; i < n; i++) {
        PyObject *b = PyBytes_FromStringAndSize((const char *)items[i].dst,
                                                (Py_ssize_t)items[i].dst_len);
        if (b == NULL) {
            Py_CLEAR(result);
            goto done;
        }
        PyList_SET_ITEM(result, i, b);
    }

done:
    free_work_items(items, n);
    Py_DECREF(fast);
    return result;
}

static PyObject *
line_offsets(PyObject *module, PyObject *args)
{
    Py_buffer view;
    size_t *offs = NULL, *tmp, cap = 64, count = 0, i;
    const char *p;
    int nomem = 0;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "y*:line_offsets", &view))
        return NULL;
    p = view.buf;
    Py_BEGIN_ALLOW_THREADS
    offs = PyMem_RawCalloc(cap, sizeof(size_t)); // no-warning: grown through tmp
    if (offs == NULL) {
        nomem = 1;
    }
    else {
        for (i = 0; i < (size_t)view.len; i++) {
            if (p[i] != '\n')
                continue;
            if (count == cap) {
                tmp = PyMem_RawCalloc(cap + cap, sizeof(size_t)); // no-warning: replaces offs
                if (tmp == NULL) {
                    nomem = 1;
                    break;
                }
                memcpy(tmp, offs, count * sizeof(size_t));
                PyMem_RawFree(offs);
                offs = tmp;
                cap += cap;
            }
            offs[count++] = i;
        }
        if (nomem) {
            PyMem_RawFree(offs);
            offs = NULL;
        }
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);

    if (nomem)
        return PyErr_NoMemory();
    res = PyTuple_New((Py_ssize_t)count);
    if (res == NULL) {
        PyMem_RawFree(offs);
        return NULL;
    }
    for (i = 0; i < count; i++) {
        PyObject *v = PyLong_FromSize_t(offs[i]);
        if (v == NULL) {
            Py_DECREF(res);
            PyMem_RawFree(offs);
            return NULL;
        }
        PyTuple_SET_ITEM(res, (Py_ssize_t)i, v);
    }
    PyMem_RawFree(offs);
    return res;
}

/* Copy a buffer into raw memory; on success *out owns the copy. */
static int
copy_to_raw(Py_buffer *view, char **out, size_t *len)
{
    char *p = PyMem_RawMalloc((size_t)view->len + 1); // no-warning: handed out through *out
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(p, view->buf, (size_t)view->len);
    p[view->len] = '\0';
    *out = p;
    *len = (size_t)view->len;
    return 0;
}

static PyObject *
Pool_submit(PoolObject *self, PyObject *args)
{
    Py_buffer view;
    Job *job;
    char *payload;
    size_t len;

    if (!PyArg_ParseTuple(args, "y*:submit", &view))
        return NULL;
    if (copy_to_raw(&view, &payload, &len) < 0) {
        PyBuffer_Release(&view);
        return NULL;
    }
    PyBuffer_Release(&view);
    job = PyMem_RawMalloc(sizeof(Job)); // no-warning: appended to the queue
    if (job == NULL) {
        PyMem_RawFree(payload);
        return PyErr_NoMemory();
    }
    job->payload = payload;
    job->len = len;
    job->next = NULL;
    if (self->tail)
        self->tail->next = job;
    else
        self->head = job;
    self->tail = job;
    self->pending++;
    return PyLong_FromSsize_t(self->pending);
}

static PyObject *
Pool_run_one(PoolObject *self, PyObject *Py_UNUSED(ignored))
{
    Job *job = self->head;
    unsigned char *out;
    size_t n = 0;
    PyObject *res;

    if (job == NULL)
        Py_RETURN_NONE;
    self->head = job->next;
    if (self->head == NULL)
        self->tail = NULL;
    self->pending--;

    Py_BEGIN_ALLOW_THREADS
    out = malloc(job->len + 1); // no-warning: freed after the bytes copy
    if (out != NULL)
        n = xor_fold((unsigned char *)job->payload, job->len, out);
    PyMem_RawFree(job->payload);
    PyMem_RawFree(job);
    Py_END_ALLOW_THREADS

    if (out == NULL)
        return PyErr_NoMemory();
    res = PyBytes_FromStringAndSize((const char *)out, (Py_ssize_t)n);
    free(out);
    return res;
}

static int
Pool_init(PoolObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"name", NULL};
    const char *name = "pool";
    char *copy;
    size_t n;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|s:Pool", kwlist, &name))
        return -1;
    n = strlen(name);
    copy = PyMem_Malloc(n + 1); // no-warning: owned by self
    if (copy == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(copy, name, n + 1);
    PyMem_Free(self->name);
    self->name = copy;
    return 0;
}

static void
Pool_dealloc(PoolObject *self)
{
    Job *job = self->head;
    while (job != NULL) {
        Job *next = job->next;
        PyMem_RawFree(job->payload);
        PyMem_RawFree(job);
        job = next;
    }
    PyMem_Free(self->name);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
fold_maybe_inplace(PyObject *module, PyObject *args)
{
    Py_buffer view;
    int inplace = 0;
    unsigned char *work;
    PyObject *res;

    if (!PyArg_ParseTuple(args, "w*|p:fold_maybe_inplace", &view, &inplace))
        return NULL;
    if (inplace) {
        work = view.buf;       /* borrowed: never freed */
    }
    else {
        work = PyMem_RawMalloc((size_t)view.len + 1); // no-warning: freed under !inplace
        if (work == NULL) {
            PyBuffer_Release(&view);
            return PyErr_NoMemory();
        }
    }
    Py_BEGIN_ALLOW_THREADS
    xor_fold(view.buf, (size_t)view.len, work);
    Py_END_ALLOW_THREADS
    if (inplace) {
        res = Py_NewRef(Py_None);
    }
    else {
        res = PyBytes_FromStringAndSize((const char *)work, view.len);
        PyMem_RawFree(work);
    }
    PyBuffer_Release(&view);
    return res;
}

static PyObject *
chunked_fold(PyObject *module, PyObject *args)
{
    Py_buffer view;
    Py_ssize_t chunk = 4096, off;
    unsigned char *block = NULL, *acc = NULL, *tmp;
    size_t acc_len = 0, acc_cap = 0;
    PyObject *res = NULL;

    if (!PyArg_ParseTuple(args, "y*|n:chunked_fold", &view, &chunk))
        return NULL;
    if (chunk <= 0) {
        PyErr_SetString(PyExc_ValueError, "chunk must be positive");
        goto out;
    }
    block = malloc((size_t)chunk); // no-warning: freed at out
    if (block == NULL) {
        PyErr_NoMemory();
        goto out;
    }
    for (off = 0; off < view.len; off += chunk) {
        Py_ssize_t n = view.len - off < chunk ? view.len - off : chunk;
        xor_fold((unsigned char *)view.buf + off, (size_t)n, block);
        if (acc_len + (size_t)n > acc_cap) {
            size_t newcap = acc_cap + acc_cap + (size_t)n;
            tmp = realloc(acc, newcap); // no-warning: acc kept on failure
            if (tmp == NULL) {
                PyErr_NoMemory();
                goto out;
            }
            acc = tmp;
            acc_cap = newcap;
        }
        memcpy(acc + acc_len, block, (size_t)n);
        acc_len += (size_t)n;
    }
    res = PyBytes_FromStringAndSize((const char *)acc, (Py_ssize_t)acc_len);

out:
    free(block);
    free(acc);
    PyBuffer_Release(&view);
    return res;
}

static PyMethodDef Pool_methods[] = {
    {"submit", (PyCFunction)Pool_submit, METH_VARARGS, NULL},
    {"run_one", (PyCFunction)Pool_run_one, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject Pool_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "clean_nogil_workers.Pool",
    .tp_basicsize = sizeof(PoolObject),
    .tp_dealloc = (destructor)Pool_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Pool_methods,
    .tp_init = (initproc)Pool_init,
    .tp_new = PyType_GenericNew,
};

static PyMethodDef workers_methods[] = {
    {"multi_fold", multi_fold, METH_VARARGS, NULL},
    {"line_offsets", line_offsets, METH_VARARGS, NULL},
    {"fold_maybe_inplace", fold_maybe_inplace, METH_VARARGS, NULL},
    {"chunked_fold", chunked_fold, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef workers_module = {
    PyModuleDef_HEAD_INIT, "clean_nogil_workers", NULL, -1, workers_methods,
};

PyMODINIT_FUNC
PyInit_clean_nogil_workers(void)
{
    PyObject *m;
    if (PyType_Ready(&Pool_Type) < 0)
        return NULL;
    m = PyModule_Create(&workers_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&Pool_Type);
    if (PyModule_AddObject(m, "Pool", (PyObject *)&Pool_Type) < 0) {
        Py_DECREF(&Pool_Type);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
