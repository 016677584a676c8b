/* scratchpool.c - per-module pool of fixed-size scratch buffers. */
// expected-no-diagnostics
#define PY_SSIZE_T_CLEAN
#include "Python.h"
#include <string.h>

#define POOL_BLOCK 8192
#define POOL_MAX 16

typedef struct {
    char **free_list;       /* cached POOL_BLOCK-sized buffers */
    Py_ssize_t nfree;
    Py_ssize_t hits;
    Py_ssize_t misses;
} pool_state;

#define get_pool_state(module) ((pool_state *)PyModule_GetState(module))

/* Return a buffer of at least `size` bytes; release it with pool_put(). */
static char *
pool_get(pool_state *st, Py_ssize_t size)
{
    char *buf;
    if (size <= POOL_BLOCK && st->nfree > 0) {
        st->hits++;
        return st->free_list[--st->nfree];
    }
    st->misses++;
    buf = PyMem_Malloc(size <= POOL_BLOCK ? POOL_BLOCK : size);
    if (buf == NULL) {
        PyErr_NoMemory();
    }
    return buf;
}

/* Take ownership of `buf`: cache it or release it. */
static void
pool_put(pool_state *st, char *buf, Py_ssize_t size)
{
    if (size <= POOL_BLOCK && st->nfree < POOL_MAX) {
        st->free_list[st->nfree++] = buf; // no-warning: cached in module state
        return;
    }
    PyMem_Free(buf);
}

static PyObject *
scratchpool_xor_impl(PyObject *module, Py_buffer *a, Py_buffer *b)
{
    pool_state *st = get_pool_state(module);
    const unsigned char *pa = a->buf, *pb = b->buf;
    Py_ssize_t n = Py_MIN(a->len, b->len), i;
    unsigned char *out;
    PyObject *res;

    out = (unsigned char *)pool_get(st, n);
    if (out == NULL) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        out[i] = pa[i] ^ pb[i];
    }
    res = PyBytes_FromStringAndSize((char *)out, n);
    pool_put(st, (char *)out, n); // no-warning: pool_put takes ownership
    return res;
}

static PyObject *
scratchpool_count_byte_impl(PyObject *module, Py_buffer *data, int byte)
{
    Py_ssize_t i, count = 0, n = data->len;
    unsigned char *copy;

    /* copy while holding the GIL: the exporter may change the buffer later */
    copy = PyMem_RawMalloc(n ? n : 1);
    if (copy == NULL) {
        return PyErr_NoMemory();
    }
    memcpy(copy, data->buf, n);
    Py_BEGIN_ALLOW_THREADS
    for (i = 0; i < n; i++) {
        count += (copy[i] == (unsigned char)byte);
    }
    PyMem_RawFree(copy);
    Py_END_ALLOW_THREADS
    return PyLong_FromSsize_t(count);
}

static PyObject *
scratchpool_concat3_impl(PyObject *module, Py_buffer *a, Py_buffer *b,
                         Py_buffer *c)
{
    char *ab = NULL, *bc = NULL, *abc = NULL;
    PyObject *res = NULL;

    ab = PyMem_Malloc(a->len + b->len + 1);
    if (ab == NULL) {
        return PyErr_NoMemory();
    }
    bc = PyMem_Malloc(b->len + c->len + 1);
    if (bc == NULL) {
        PyMem_Free(ab);
        return PyErr_NoMemory();
    }
    abc = PyObject_Malloc(a->len + b->len + c->len + 1);
    if (abc == NULL) {
        PyMem_Free(bc);
        PyMem_Free(ab);
        return PyErr_NoMemory();
    }
    memcpy(ab, a->buf, a->len);
    memcpy(ab + a->len, b->buf, b->len);
    memcpy(bc, b->buf, b->len);
    memcpy(bc + b->len, c->buf, c->len);
    memcpy(abc, ab, a->len + b->len);
    memcpy(abc + a->len + b->len, c->buf, c->len);
    res = Py_BuildValue("(y#y#y#)", ab, a->len + b->len, bc, b->len + c->len,
                        abc, a->len + b->len + c->len);
    PyObject_Free(abc);
    PyMem_Free(bc);
    PyMem_Free(ab);
    return res;
}

static PyObject *
scratchpool_stats_impl(PyObject *module)
{
    pool_state *st = get_pool_state(module);
    Py_ssize_t *snap = PyObject_Malloc(3 * sizeof(Py_ssize_t));
    PyObject *res;

    if (snap == NULL) {
        return PyErr_NoMemory();
    }
    snap[0] = st->nfree;
    snap[1] = st->hits;
    snap[2] = st->misses;
    res = Py_BuildValue("{snsnsn}", "cached", snap[0], "hits", snap[1],
                        "misses", snap[2]);
    PyObject_Free(snap);
    return res;
}

static PyObject *
scratchpool_drain_impl(PyObject *module)
{
    pool_state *st = get_pool_state(module);
    Py_ssize_t n = st->nfree;
    while (st->nfree > 0) {
        char *buf = st->free_list[--st->nfree];
        PyMem_Free(buf); // no-warning: slot is no longer counted
    }
    return PyLong_FromSsize_t(n);
}

static PyObject *
scratchpool_reverse_impl(PyObject *module, Py_buffer *data)
{
    pool_state *st = get_pool_state(module);
    const char *src = data->buf;
    char *out = pool_get(st, data->len);
    Py_ssize_t i;
    PyObject *res;

    if (out == NULL) {
        return NULL;
    }
    for (i = 0; i < data->len; i++) {
        out[i] = src[data->len - 1 - i];
    }
    res = PyBytes_FromStringAndSize(out, data->len);
    pool_put(st, out, data->len);
    return res;
}

#define BUF_ARGS(name, fmt, ...)                                        \
    do {                                                                \
        if (!PyArg_ParseTuple(args, fmt ":" name, __VA_ARGS__)) {       \
            return NULL;                                                \
        }                                                               \
    } while (0)

static PyObject *
scratchpool_xor(PyObject *module, PyObject *args)
{
    Py_buffer a = {NULL, NULL}, b = {NULL, NULL};
    PyObject *res;
    BUF_ARGS("xor", "y*y*", &a, &b);
    res = scratchpool_xor_impl(module, &a, &b);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    return res;
}

static PyObject *
scratchpool_count_byte(PyObject *module, PyObject *args)
{
    Py_buffer data = {NULL, NULL};
    int byte;
    PyObject *res;
    BUF_ARGS("count_byte", "y*i", &data, &byte);
    res = scratchpool_count_byte_impl(module, &data, byte);
    PyBuffer_Release(&data);
    return res;
}

static PyObject *
scratchpool_concat3(PyObject *module, PyObject *args)
{
    Py_buffer a = {NULL, NULL}, b = {NULL, NULL}, c = {NULL, NULL};
    PyObject *res;
    BUF_ARGS("concat3", "y*y*y*", &a, &b, &c);
    res = scratchpool_concat3_impl(module, &a, &b, &c);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    PyBuffer_Release(&c);
    return res;
}

static PyObject *
scratchpool_reverse(PyObject *module, PyObject *args)
{
    Py_buffer data = {NULL, NULL};
    PyObject *res;
    BUF_ARGS("reverse", "y*", &data);
    res = scratchpool_reverse_impl(module, &data);
    PyBuffer_Release(&data);
    return res;
}

static PyObject *
scratchpool_stats(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return scratchpool_stats_impl(module);
}

static PyObject *
scratchpool_drain(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    return scratchpool_drain_impl(module);
}

static int
scratchpool_exec(PyObject *module)
{
    pool_state *st = get_pool_state(module);
    st->free_list = PyMem_New(char *, POOL_MAX);
    if (st->free_list == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    st->nfree = st->hits = st->misses = 0;
    return 0;
}

static void
scratchpool_free(void *module)
{
    pool_state *st = get_pool_state((PyObject *)module);
    Py_ssize_t i;
    if (st->free_list == NULL) {
        return;
    }
    for (i = 0; i < st->nfree; i++) {
        PyMem_Free(st->free_list[i]);
    }
    PyMem_Free(st->free_list);
    st->free_list = NULL;
    st->nfree = 0;
}

static PyMethodDef scratchpool_methods[] = {
    {"xor", scratchpool_xor, METH_VARARGS, NULL},
    {"count_byte", scratchpool_count_byte, METH_VARARGS, NULL},
    {"concat3", scratchpool_concat3, METH_VARARGS, NULL},
    {"stats", scratchpool_stats, METH_NOARGS, NULL},
    {"drain", scratchpool_drain, METH_NOARGS, NULL},
    {"reverse", scratchpool_reverse, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyModuleDef_Slot scratchpool_slots[] = {
    {Py_mod_exec, scratchpool_exec},
    {0, NULL}
};

static struct PyModuleDef scratchpool_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "scratchpool",
    .m_size = sizeof(pool_state),
    .m_methods = scratchpool_methods,
    .m_slots = scratchpool_slots,
    .m_free = scratchpool_free,
};

PyMODINIT_FUNC
PyInit_scratchpool(void)
{
    return PyModuleDef_Init(&scratchpool_module);
}
