/* capsule_table.c - name->code tables shared with other extensions through
   capsules.  The capsule owns the table; its destructor releases it. */
#define PY_SSIZE_T_CLEAN
#include "Python.h"
#include <ctype.h>
#include <string.h>

#define TABLE_CAPSULE "capsule_table.table"

typedef struct {
    Py_ssize_t n;
    char **names;
    int *codes;
} table_t;

static void
table_destroy(table_t *t)
{
    Py_ssize_t i;
    if (t == NULL) {
        return;
    }
    if (t->names != NULL) {
        for (i = 0; i < t->n; i++) {
            PyMem_Free(t->names[i]);
        }
        PyMem_Free(t->names);
    }
    PyMem_Free(t->codes);
    PyMem_Free(t);
}

static void
table_capsule_destructor(PyObject *capsule)
{
    table_t *t = PyCapsule_GetPointer(capsule, TABLE_CAPSULE);
    table_destroy(t); // no-warning: the capsule owned the table
}

static char *
dup_lower(const char *s, Py_ssize_t len)
{
    Py_ssize_t i;
    char *copy = PyMem_Malloc(len + 1);
    if (copy == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (i = 0; i < len; i++) {
        copy[i] = (char)tolower((unsigned char)s[i]);
    }
    copy[len] = '\0';
    return copy;
}

static PyObject *
capsule_table_make_impl(PyObject *module, PyObject *mapping)
{
    PyObject *items, *cap;
    table_t *t;
    Py_ssize_t i, n;

    items = PyMapping_Items(mapping);
    if (items == NULL) {
        return NULL;
    }
    n = PyList_GET_SIZE(items);
    t = PyMem_Malloc(sizeof(table_t));
    if (t == NULL) {
        Py_DECREF(items);
        return PyErr_NoMemory();
    }
    t->n = 0;
    t->codes = NULL;
    t->names = PyMem_New(char *, n ? n : 1);
    if (t->names == NULL) {
        Py_DECREF(items);
        PyObject_Del(t); // expected-warning {{[PML002]}}
        return PyErr_NoMemory();
    }
    t->codes = PyMem_New(int, n ? n : 1);
    if (t->codes == NULL) {
        PyErr_NoMemory();
        goto error;
    }
    for (i = 0; i < n; i++) {
        const char *name;
        Py_ssize_t len;
        int code;

        if (!PyArg_ParseTuple(PyList_GET_ITEM(items, i), "s#i", &name, &len, &code)) {
            goto error;
        }
        t->names[i] = dup_lower(name, len);
        if (t->names[i] == NULL) {
            goto error;
        }
        t->codes[i] = code;
        t->n = i + 1;
    }
    Py_DECREF(items);
    cap = PyCapsule_New(t, TABLE_CAPSULE, table_capsule_destructor);
    if (cap == NULL) {
        table_destroy(t);
    }
    return cap;

error:
    Py_DECREF(items);
    table_destroy(t);
    return NULL;
}

static PyObject *
capsule_table_lookup_impl(PyObject *module, PyObject *capsule,
                          const char *name, Py_ssize_t len)
{
    table_t *t;
    char *lowered;
    Py_ssize_t i;
    int found = -1;

    lowered = dup_lower(name, len); // expected-warning {{[PML005]}}
    if (lowered == NULL) {
        return NULL;
    }
    t = PyCapsule_GetPointer(capsule, TABLE_CAPSULE);
    if (t == NULL) {
        return NULL;
    }
    for (i = 0; i < t->n; i++) {
        if (strcmp(t->names[i], lowered) == 0) {
            found = t->codes[i];
            break;
        }
    }
    PyMem_Free(lowered);
    if (found < 0) {
        PyErr_Format(PyExc_KeyError, "%s", name);
        return NULL;
    }
    return PyLong_FromLong(found);
}

static PyObject *
capsule_table_clone_impl(PyObject *module, PyObject *capsule)
{
    table_t *t, *c;
    Py_ssize_t i;
    PyObject *cap;

    t = PyCapsule_GetPointer(capsule, TABLE_CAPSULE);
    if (t == NULL) {
        return NULL;
    }
    c = PyMem_Malloc(sizeof(table_t));
    if (c == NULL) {
        return PyErr_NoMemory();
    }
    c->n = 0;
    c->names = PyMem_New(char *, t->n ? t->n : 1);
    c->codes = PyMem_New(int, t->n ? t->n : 1);
    memcpy(c->codes, t->codes, t->n * sizeof(int)); // expected-warning {{[PML001]}}
    if (c->names == NULL || c->codes == NULL) {
        table_destroy(c);
        return PyErr_NoMemory();
    }
    for (i = 0; i < t->n; i++) {
        c->names[i] = dup_lower(t->names[i], (Py_ssize_t)strlen(t->names[i]));
        if (c->names[i] == NULL) {
            table_destroy(c);
            return NULL;
        }
        c->n = i + 1;
    }
    cap = PyCapsule_New(c, TABLE_CAPSULE, table_capsule_destructor);
    if (cap == NULL) {
        table_destroy(c);
    }
    return cap;
}

static PyObject *
capsule_table_names_impl(PyObject *module, PyObject *capsule)
{
    table_t *t = PyCapsule_GetPointer(capsule, TABLE_CAPSULE);
    PyObject *list;
    Py_ssize_t i;

    if (t == NULL) {
        return NULL;
    }
    list = PyList_New(t->n);
    if (list == NULL) {
        return NULL;
    }
    for (i = 0; i < t->n; i++) {
        PyObject *s = PyUnicode_FromString(t->names[i]);
        if (s == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, s);
    }
    return list;
}

static PyObject *
capsule_table_pop_impl(PyObject *module, PyObject *capsule, const char *name)
{
    table_t *t = PyCapsule_GetPointer(capsule, TABLE_CAPSULE);
    Py_ssize_t i;

    if (t == NULL) {
        return NULL;
    }
    for (i = 0; i < t->n; i++) {
        if (strcmp(t->names[i], name) == 0) {
            char *victim = t->names[i];
            int code = t->codes[i];

            t->names[i] = t->names[t->n - 1];
            t->codes[i] = t->codes[t->n - 1];
            t->n--;
            PyMem_Free(victim);
            return Py_BuildValue("(si)", victim, code); // expected-warning {{[PML004]}}
        }
    }
    PyErr_Format(PyExc_KeyError, "%s", name);
    return NULL;
}

static PyObject *
capsule_table_make(PyObject *module, PyObject *arg)
{
    return capsule_table_make_impl(module, arg);
}

static PyObject *
capsule_table_lookup(PyObject *module, PyObject *args)
{
    PyObject *capsule;
    const char *name;
    Py_ssize_t len;
    if (!PyArg_ParseTuple(args, "Os#:lookup", &capsule, &name, &len)) {
        return NULL;
    }
    return capsule_table_lookup_impl(module, capsule, name, len);
}

static PyObject *
capsule_table_clone(PyObject *module, PyObject *arg)
{
    return capsule_table_clone_impl(module, arg);
}

static PyObject *
capsule_table_names(PyObject *module, PyObject *arg)
{
    return capsule_table_names_impl(module, arg);
}

static PyObject *
capsule_table_pop(PyObject *module, PyObject *args)
{
    PyObject *capsule;
    const char *name;
    if (!PyArg_ParseTuple(args, "Os:pop", &capsule, &name)) {
        return NULL;
    }
    return capsule_table_pop_impl(module, capsule, name);
}

static PyMethodDef capsule_table_methods[] = {
    {"make", capsule_table_make, METH_O, NULL},
    {"lookup", capsule_table_lookup, METH_VARARGS, NULL},
    {"clone", capsule_table_clone, METH_O, NULL},
    {"names", capsule_table_names, METH_O, NULL},
    {"pop", capsule_table_pop, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef capsule_table_module = {
    PyModuleDef_HEAD_INIT, "capsule_table", NULL, 0, capsule_table_methods,
};

PyMODINIT_FUNC
PyInit_capsule_table(void)
{
    return PyModuleDef_Init(&capsule_table_module);
}
