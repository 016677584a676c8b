/*
 * capsreg.c -- a per-module registry of named binary blobs stored in
 * capsules (multi-phase init with module state).
 * Tests: PML008 (Py_mod_exec slot returns -1 after PyMem_Malloc failure),
 * PML012 (PyMem_Free of a PyCapsule_GetPointer result outside the
 * destructor), PML003 (copy freed, then freed again at the fail label).
 * Negatives: the capsule destructor releasing its own pointer, blob
 * ownership handed to the capsule, module state never freed by hand.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <string.h>

#define BLOB_NAME "capsreg.blob"

typedef struct {
    Py_ssize_t len;
    char data[1];
} blob_t;

typedef struct {
    PyObject *registry;
    char *prefix;
} capsreg_state;

static capsreg_state *
get_state(PyObject *module)
{
    return (capsreg_state *)PyModule_GetState(module);
}

static void
blob_destructor(PyObject *cap)
{
    blob_t *b = PyCapsule_GetPointer(cap, BLOB_NAME);
    PyMem_Free(b); // no-warning: the capsule's own destructor releases its pointer
}

static PyObject *
capsreg_register(PyObject *module, PyObject *args)
{
    capsreg_state *st = get_state(module);
    PyObject *name, *cap;
    const char *data;
    Py_ssize_t len;
    blob_t *b;

    if (!PyArg_ParseTuple(args, "Uy#:register", &name, &data, &len))
        return NULL;
    if (len > PY_SSIZE_T_MAX - (Py_ssize_t)sizeof(blob_t))
        return PyErr_NoMemory();
    b = PyMem_Malloc(sizeof(blob_t) + len);
    if (b == NULL)
        return PyErr_NoMemory();
    b->len = len;
    memcpy(b->data, data, len);
    b->data[len] = '\0';
    cap = PyCapsule_New(b, BLOB_NAME, blob_destructor);
    if (cap == NULL) {
        PyMem_Free(b);
        return NULL;
    }
    if (PyDict_SetItem(st->registry, name, cap) < 0) {
        Py_DECREF(cap);
        return NULL;
    }
    Py_DECREF(cap); // no-warning: the blob now belongs to the capsule held by the registry
    Py_RETURN_NONE;
}

static PyObject *
lookup(capsreg_state *st, PyObject *name)
{
    PyObject *cap = PyDict_GetItemWithError(st->registry, name);
    if (cap == NULL && !PyErr_Occurred())
        PyErr_SetObject(PyExc_KeyError, name);
    return cap;
}

static PyObject *
capsreg_get(PyObject *module, PyObject *name)
{
    PyObject *cap = lookup(get_state(module), name);
    blob_t *b;

    if (cap == NULL)
        return NULL;
    b = PyCapsule_GetPointer(cap, BLOB_NAME);
    if (b == NULL)
        return NULL;
    return PyBytes_FromStringAndSize(b->data, b->len);
}

static PyObject *
capsreg_discard(PyObject *module, PyObject *name)
{
    capsreg_state *st = get_state(module);
    PyObject *cap = lookup(st, name);
    blob_t *b;

    if (cap == NULL)
        return NULL;
    b = PyCapsule_GetPointer(cap, BLOB_NAME);
    if (b == NULL)
        return NULL;
    memset(b->data, 0, b->len);     /* scrub before dropping */
    PyMem_Free(b); // expected-warning {{[PML012]}}
    if (PyDict_DelItem(st->registry, name) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
capsreg_set_prefix(PyObject *module, PyObject *arg)
{
    capsreg_state *st = get_state(module);
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(arg, &n);
    char *copy;

    if (s == NULL)
        return NULL;
    copy = PyMem_Malloc(n + 1);
    if (copy == NULL)
        return PyErr_NoMemory();
    memcpy(copy, s, n + 1);
    if (n > 32) {
        PyErr_SetString(PyExc_ValueError, "prefix too long");
        goto fail;
    }
    if (n == 0 || copy[n - 1] != '.') {
        PyErr_SetString(PyExc_ValueError, "prefix must end with '.'");
        PyMem_Free(copy);
        goto fail;
    }
    PyMem_Free(st->prefix);
    st->prefix = copy;
    Py_RETURN_NONE;
fail:
    PyMem_Free(copy); // expected-warning {{[PML003]}}
    return NULL;
}

static PyObject *
capsreg_qualified(PyObject *module, PyObject *name)
{
    capsreg_state *st = get_state(module);
    if (!PyUnicode_Check(name)) {
        PyErr_SetString(PyExc_TypeError, "name must be str");
        return NULL;
    }
    return PyUnicode_FromFormat("%s%U", st->prefix, name);
}

static int
capsreg_exec(PyObject *module)
{
    capsreg_state *st = get_state(module);

    st->registry = PyDict_New();
    if (st->registry == NULL)
        return -1;
    st->prefix = PyMem_Malloc(16);
    if (st->prefix == NULL)
        return -1; // expected-warning {{[PML008]}}
    strcpy(st->prefix, "capsreg.");
    return 0;
}

static int
capsreg_traverse(PyObject *module, visitproc visit, void *arg)
{
    Py_VISIT(get_state(module)->registry);
    return 0;
}

static int
capsreg_clear(PyObject *module)
{
    Py_CLEAR(get_state(module)->registry);
    return 0;
}

static void
capsreg_free(void *module)
{
    capsreg_state *st = get_state((PyObject *)module);
    capsreg_clear((PyObject *)module);
    PyMem_Free(st->prefix); // no-warning: st->prefix is our heap copy; st itself is not freed
    st->prefix = NULL;
}

static PyMethodDef capsreg_methods[] = {
    {"register", capsreg_register, METH_VARARGS, NULL},
    {"get", capsreg_get, METH_O, NULL},
    {"discard", capsreg_discard, METH_O, NULL},
    {"set_prefix", capsreg_set_prefix, METH_O, NULL},
    {"qualified", capsreg_qualified, METH_O, NULL},
    {NULL, NULL, 0, NULL}
};

static PyModuleDef_Slot capsreg_slots[] = {
    {Py_mod_exec, capsreg_exec},
    {0, NULL}
};

static struct PyModuleDef capsreg_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "capsreg",
    .m_size = sizeof(capsreg_state),
    .m_methods = capsreg_methods,
    .m_slots = capsreg_slots,
    .m_traverse = capsreg_traverse,
    .m_clear = capsreg_clear,
    .m_free = capsreg_free,
};

PyMODINIT_FUNC
PyInit_capsreg(void)
{
    return PyModuleDef_Init(&capsreg_module);
}
