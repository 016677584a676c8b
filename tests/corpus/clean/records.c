/*
 * clean/records.c - a record set kept as a linked list in an object field,
 * blocks handed to an external worker queue, flag-correlated allocation
 * and release, loops with continue and break. Everything here is correct.
 */
// expected-no-diagnostics
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>

/* Defined in another file of the extension: queues 'job' for a worker
   thread and takes ownership of it, also when it fails. */
extern int worker_submit(void *job, size_t size);

struct rec {
    struct rec *next;
    long value;
    Py_ssize_t len;
    char name[];
};

typedef struct {
    PyObject_HEAD
    struct rec *head;
    Py_ssize_t count;
} RecordSetObject;

/* ---- list helpers ---- */

static void
rec_list_free(struct rec *r)
{
    while (r != NULL) {
        struct rec *next = r->next;
        PyMem_Free(r);
        r = next;
    }
}

static struct rec *
rec_find(struct rec *r, const char *name)
{
    for (; r != NULL; r = r->next) {
        if (strcmp(r->name, name) == 0)
            return r;
    }
    return NULL;
}

/* ---- RecordSet ---- */

static void
RecordSet_dealloc(RecordSetObject *self)
{
    rec_list_free(self->head);
    self->head = NULL;
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *
RecordSet_add(RecordSetObject *self, PyObject *args)
{
    const char *name;
    Py_ssize_t len;
    long value;
    struct rec *r;

    if (!PyArg_ParseTuple(args, "s#l:add", &name, &len, &value))
        return NULL;
    r = rec_find(self->head, name);
    if (r != NULL) {
        r->value = value;
        Py_RETURN_NONE;
    }
    r = PyMem_Malloc(offsetof(struct rec, name) + len + 1);
    if (r == NULL)
        return PyErr_NoMemory();
    r->value = value;
    r->len = len;
    memcpy(r->name, name, len + 1);
    r->next = self->head;
    self->head = r;
    self->count++;
    Py_RETURN_NONE;
}

static PyObject *
RecordSet_remove(RecordSetObject *self, PyObject *args)
{
    const char *name;
    struct rec **pp, *r;

    if (!PyArg_ParseTuple(args, "s:remove", &name))
        return NULL;
    for (pp = &self->head; *pp != NULL; pp = &(*pp)->next) {
        if (strcmp((*pp)->name, name) != 0)
            continue;
        r = *pp;
        *pp = r->next;
        self->count--;
        PyMem_Free(r);
        Py_RETURN_TRUE;
    }
    Py_RETURN_FALSE;
}

static PyObject *
RecordSet_items(RecordSetObject *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *list = PyList_New(0);
    struct rec *r;

    if (list == NULL)
        return NULL;
    for (r = self->head; r != NULL; r = r->next) {
        PyObject *item = Py_BuildValue("(s#l)", r->name, r->len, r->value);
        if (item == NULL || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            Py_DECREF(list);
            return NULL;
        }
        Py_DECREF(item);
    }
    return list;
}

static PyObject *
RecordSet_clear(RecordSetObject *self, PyObject *Py_UNUSED(ignored))
{
    struct rec *head = self->head;

    self->head = NULL;
    self->count = 0;
    rec_list_free(head);
    Py_RETURN_NONE;
}

static PyMethodDef RecordSet_methods[] = {
    {"add", (PyCFunction)RecordSet_add, METH_VARARGS, NULL},
    {"remove", (PyCFunction)RecordSet_remove, METH_VARARGS, NULL},
    {"items", (PyCFunction)RecordSet_items, METH_NOARGS, NULL},
    {"clear", (PyCFunction)RecordSet_clear, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyTypeObject RecordSetType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "records.RecordSet",
    .tp_basicsize = sizeof(RecordSetObject),
    .tp_dealloc = (destructor)RecordSet_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = RecordSet_methods,
    .tp_new = PyType_GenericNew,
};

/* ---- for with continue and break, error label ---- */

static PyObject *
common_prefix(PyObject *self, PyObject *seq)
{
    PyObject *fast;
    Py_ssize_t n, i, k, size, plen;
    const char *s;
    char *prefix;
    PyObject *result = NULL;

    fast = PySequence_Fast(seq, "common_prefix() expects a sequence");
    if (fast == NULL)
        return NULL;
    n = PySequence_Fast_GET_SIZE(fast);
    if (n == 0) {
        Py_DECREF(fast);
        return PyUnicode_FromString("");
    }
    s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, 0), &size);
    if (s == NULL) {
        Py_DECREF(fast);
        return NULL;
    }
    prefix = PyMem_Malloc(size + 1);
    if (prefix == NULL) {
        Py_DECREF(fast);
        return PyErr_NoMemory();
    }
    for (k = 0; k < size; k++)
        prefix[k] = Py_TOLOWER(s[k]);
    plen = size;
    for (i = 1; i < n; i++) {
        char *lower;

        s = PyUnicode_AsUTF8AndSize(PySequence_Fast_GET_ITEM(fast, i), &size);
        if (s == NULL)
            goto error;
        lower = PyMem_Malloc(size + 1);
        if (lower == NULL) {
            PyErr_NoMemory();
            goto error;
        }
        for (k = 0; k < size; k++)
            lower[k] = Py_TOLOWER(s[k]);
        for (k = 0; k < plen && k < size; k++) {
            if (prefix[k] != lower[k])
                break;
        }
        plen = k;
        PyMem_Free(lower);
        if (plen == 0)
            break;
    }
    result = PyUnicode_FromStringAndSize(prefix, plen);

error:
    PyMem_Free(prefix);
    Py_DECREF(fast);
    return result;
}

/* ---- allocation and release under the same flag ---- */

static PyObject *
maybe_fold(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len, i;
    int fold;
    char *tmp = NULL;
    PyObject *result;

    if (!PyArg_ParseTuple(args, "s#p:maybe_fold", &text, &len, &fold))
        return NULL;
    if (fold) {
        tmp = PyMem_Malloc(len + 1);
        if (tmp == NULL)
            return PyErr_NoMemory();
        for (i = 0; i < len; i++)
            tmp[i] = Py_TOLOWER(text[i]);
    }
    result = PyUnicode_FromStringAndSize(fold ? tmp : text, len);
    if (fold)
        PyMem_Free(tmp);
    return result;
}

/* ---- external queue takes the job ---- */

struct job {
    Py_ssize_t len;
    char text[];
};

static PyObject *
submit(PyObject *self, PyObject *args)
{
    const char *text;
    Py_ssize_t len;
    struct job *job;
    size_t size;

    if (!PyArg_ParseTuple(args, "s#:submit", &text, &len))
        return NULL;
    size = offsetof(struct job, text) + (size_t)len + 1;
    job = PyMem_RawMalloc(size);
    if (job == NULL)
        return PyErr_NoMemory();
    job->len = len;
    memcpy(job->text, text, len + 1);
    if (worker_submit(job, size) < 0) {
        PyErr_SetString(PyExc_RuntimeError, "worker queue is full");
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef records_methods[] = {
    {"common_prefix", common_prefix, METH_O, NULL},
    {"maybe_fold", maybe_fold, METH_VARARGS, NULL},
    {"submit", submit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef records_module = {
    PyModuleDef_HEAD_INIT, "records", NULL, -1, records_methods,
};

PyMODINIT_FUNC
PyInit_records(void)
{
    PyObject *m;

    if (PyType_Ready(&RecordSetType) < 0)
        return NULL;
    m = PyModule_Create(&records_module);
    if (m == NULL)
        return NULL;
    Py_INCREF(&RecordSetType);
    if (PyModule_AddObject(m, "RecordSet", (PyObject *)&RecordSetType) < 0) {
        Py_DECREF(&RecordSetType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
