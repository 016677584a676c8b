/*
 * no-exception-on-failure/helpers_between.c - PML008 looks into the
 * helpers of the same file called between the failure and the return: one
 * that only logs or cleans up sets no exception; one that calls
 * PyErr_NoMemory (directly or through another helper) does.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdio.h>

static void
log_failure(const char *what)
{
    fprintf(stderr, "allocation failed: %s\n", what);
}

static void
raise_nomem(void)
{
    PyErr_NoMemory();
}

static void
raise_through(void)
{
    raise_nomem();
}

static PyObject *
logs_only(PyObject *self, PyObject *args)
{
    char *buf = PyMem_Malloc(64);
    if (buf == NULL) {
        log_failure("logs_only");
        return NULL; // expected-warning {{[PML008]}}
    }
    PyMem_Free(buf);
    Py_RETURN_NONE;
}

static PyObject *
raises_in_helper(PyObject *self, PyObject *args)
{
    char *buf = PyMem_Malloc(64);
    if (buf == NULL) {
        raise_nomem();
        return NULL; // no-warning: the helper set MemoryError
    }
    PyMem_Free(buf);
    Py_RETURN_NONE;
}

static PyObject *
raises_two_levels_down(PyObject *self, PyObject *args)
{
    char *buf = PyMem_Malloc(64);
    if (buf == NULL) {
        raise_through();
        return NULL; // no-warning: raise_through -> raise_nomem sets it
    }
    PyMem_Free(buf);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"logs_only", logs_only, METH_NOARGS, NULL},
    {"raises_in_helper", raises_in_helper, METH_NOARGS, NULL},
    {"raises_two_levels_down", raises_two_levels_down, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};
