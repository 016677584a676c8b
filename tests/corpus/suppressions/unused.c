/*
 * suppressions/unused.c - with --report-unused-suppressions, a
 * suppression comment that matches no finding is reported where it is
 * written; one that silences a finding is not.
 */
// RUN-ARGS: --report-unused-suppressions
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *
used(PyObject *self, PyObject *args)
{
    char *p = PyMem_Malloc(8);
    if (p == NULL)
        return PyErr_NoMemory();
    PyObject_Free(p); // pymem-lint: ignore[PML002]
    Py_RETURN_NONE;
}

static PyObject *
stale(PyObject *self, PyObject *args)
{
    char *p = PyMem_Malloc(8);
    if (p == NULL)
        return PyErr_NoMemory();
    PyMem_Free(p); // pymem-lint: ignore[PML002] expected-warning {{matches no finding [unused-suppression]}}
    Py_RETURN_NONE;
}

static PyObject *
wrong_rule(PyObject *self, PyObject *args)
{
    char *p = PyMem_Malloc(8);
    if (p == NULL)
        return PyErr_NoMemory();
    // pymem-lint: ignore[PML003] expected-warning {{[unused-suppression]}}
    PyObject_Free(p); // expected-warning {{[PML002]}}
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"used", used, METH_NOARGS, NULL},
    {"stale", stale, METH_NOARGS, NULL},
    {"wrong_rule", wrong_rule, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};
