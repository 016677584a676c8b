/*
 * modstate.c -- a byte-string intern cache kept in module state, plus a
 * legacy global alias table and a CRC helper that drops the GIL.
 * Tests: PML012 (m_free releasing the PyModule_GetState block), PML011
 * (PyMem_Free of a global array), PML006 (scratch array never freed),
 * PML010 (PyMem_Free between Py_UNBLOCK_THREADS and Py_BLOCK_THREADS).
 * Negatives: heap strings stored in a global array freed element by
 * element, PyBytes_AsStringAndSize out-argument left alone, exec slot that
 * raises MemoryError.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define TABLE_SIZE 64
#define NALIASES 8

typedef struct {
    char *text;
    Py_ssize_t len, hits;
} cache_entry;

typedef struct {
    cache_entry *table;
    Py_ssize_t count;
} modstate;

static char *alias_table[NALIASES];     /* heap strings from add_alias() */

static modstate *
get_state(PyObject *module)
{
    return (modstate *)PyModule_GetState(module);
}

static size_t
hash_bytes(const char *s, Py_ssize_t n)
{
    size_t h = 5381;
    Py_ssize_t i;
    for (i = 0; i < n; i++)
        h = h * 33 + (unsigned char)s[i];
    return h;
}

static PyObject *
modstate_intern(PyObject *module, PyObject *arg)
{
    modstate *st = get_state(module);
    char *s;
    Py_ssize_t n, i;
    size_t h;

    if (PyBytes_AsStringAndSize(arg, &s, &n) < 0)
        return NULL;
    h = hash_bytes(s, n);
    for (i = 0; i < TABLE_SIZE; i++) {
        Py_ssize_t slot = (Py_ssize_t)((h + (size_t)i) % TABLE_SIZE);
        cache_entry *e = &st->table[slot];
        if (e->text == NULL) {
            char *copy = PyMem_Malloc(n + 1);
            if (copy == NULL)
                return PyErr_NoMemory();
            memcpy(copy, s, n);
            copy[n] = '\0';
            e->text = copy;
            e->len = n;
            e->hits = 1;
            st->count++;
            return PyLong_FromSsize_t(slot);
        }
        if (e->len == n && memcmp(e->text, s, n) == 0) {
            e->hits++;
            return PyLong_FromSsize_t(slot);
        }
    }
    PyErr_SetString(PyExc_RuntimeError, "intern table is full");
    return NULL;
}

static PyObject *
modstate_hottest(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    modstate *st = get_state(module);
    Py_ssize_t *hits, i, best = 0;

    hits = PyMem_Calloc(TABLE_SIZE, sizeof(Py_ssize_t)); // expected-warning {{[PML006]}}
    if (hits == NULL)
        return PyErr_NoMemory();
    for (i = 0; i < TABLE_SIZE; i++)
        hits[i] = st->table[i].text ? st->table[i].hits : -1;
    for (i = 1; i < TABLE_SIZE; i++)
        if (hits[i] > hits[best])
            best = i;
    if (hits[best] < 0)
        Py_RETURN_NONE;
    return PyBytes_FromStringAndSize(st->table[best].text, st->table[best].len);
}

static PyObject *
modstate_add_alias(PyObject *module, PyObject *arg)
{
    const char *s = PyUnicode_AsUTF8(arg);
    size_t n;
    Py_ssize_t i;
    char *copy;

    if (s == NULL)
        return NULL;
    for (i = 0; i < NALIASES && alias_table[i] != NULL; i++)
        ;
    if (i == NALIASES) {
        PyErr_SetString(PyExc_OverflowError, "alias table is full");
        return NULL;
    }
    n = strlen(s);
    copy = PyMem_Malloc(n + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, s, n + 1);
    alias_table[i] = copy;
    Py_RETURN_NONE;
}

static PyObject *
modstate_clear_aliases(PyObject *module, PyObject *Py_UNUSED(ignored))
{
    Py_ssize_t i;
    for (i = 0; i < NALIASES; i++) {
        PyMem_Free(alias_table[i]); // no-warning: the elements are heap strings
        alias_table[i] = NULL;
    }
    PyMem_Free(alias_table); // expected-warning {{[PML011]}}
    Py_RETURN_NONE;
}

static uint32_t
crc32_update(uint32_t crc, const unsigned char *p, size_t n)
{
    size_t i;
    int k;
    crc = ~crc;
    for (i = 0; i < n; i++) {
        crc ^= p[i];
        for (k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static PyObject *
modstate_crc32(PyObject *module, PyObject *arg)
{
    Py_buffer view;
    unsigned char *tmp;
    size_t len;
    uint32_t crc;
    PyThreadState *_save;

    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    len = (size_t)view.len;
    tmp = PyMem_Malloc(len ? len : 1);
    if (tmp == NULL) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    memcpy(tmp, view.buf, len);
    PyBuffer_Release(&view);
    Py_UNBLOCK_THREADS
    crc = crc32_update(0, tmp, len);
    PyMem_Free(tmp); // expected-warning {{[PML010]}}
    Py_BLOCK_THREADS
    return PyLong_FromUnsignedLong(crc);
}

static int
modstate_exec(PyObject *module)
{
    modstate *st = get_state(module);
    st->table = PyMem_Calloc(TABLE_SIZE, sizeof(cache_entry));
    if (st->table == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    st->count = 0;
    return 0;
}

static void
modstate_free(void *module)
{
    modstate *st = PyModule_GetState((PyObject *)module);
    Py_ssize_t i;

    if (st == NULL)
        return;
    if (st->table != NULL) {
        for (i = 0; i < TABLE_SIZE; i++)
            PyMem_Free(st->table[i].text);
        PyMem_Free(st->table);
    }
    PyMem_Free(st); // expected-warning {{[PML012]}}
}

static PyMethodDef modstate_methods[] = {
    {"intern", modstate_intern, METH_O, NULL},
    {"hottest", modstate_hottest, METH_NOARGS, NULL},
    {"add_alias", modstate_add_alias, METH_O, NULL},
    {"clear_aliases", modstate_clear_aliases, METH_NOARGS, NULL},
    {"crc32", modstate_crc32, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static PyModuleDef_Slot modstate_slots[] = {
    {Py_mod_exec, modstate_exec},
    {0, NULL}
};

static struct PyModuleDef modstate_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "modstate",
    .m_size = sizeof(modstate),
    .m_methods = modstate_methods,
    .m_slots = modstate_slots,
    .m_free = modstate_free,
};

PyMODINIT_FUNC
PyInit_modstate(void)
{
    return PyModuleDef_Init(&modstate_module);
}
