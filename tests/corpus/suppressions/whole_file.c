/* suppressions/whole_file.c: one rule silenced for the whole file. */
// pymem-lint: ignore-file[PML006]
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *
leaky(PyObject *module, PyObject *arg)
{
    char *p = PyMem_Malloc(8);
    if (p == NULL)
        return PyErr_NoMemory();
    return PyBytes_FromStringAndSize(p, 0);
}

static void
still_reported(void)
{
    char *p = PyMem_Malloc(8);
    free(p); // expected-warning {{[PML002]}}
}
