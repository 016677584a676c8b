/* suppressions/inline.c: findings silenced by comments in the source,
 * and comments that do not apply. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static void
same_line(void)
{
    char *p = PyMem_Malloc(8);
    PyObject_Free(p); // pymem-lint: ignore[PML002]
}

static void
by_name(void)
{
    char *p = PyMem_Malloc(8);
    PyObject_Free(p); // pymem-lint: ignore[mismatched-free]
}

static void
line_before(void)
{
    char *p = PyMem_Malloc(8);
    // pymem-lint: ignore[PML002]
    PyObject_Free(p);
}

static void
every_rule(void)
{
    char *p = PyMem_Malloc(8);
    PyObject_Free(p); /* pymem-lint: ignore */
}

static void
other_rule_named(void)
{
    char *p = PyMem_Malloc(8);
    PyObject_Free(p); // pymem-lint: ignore[PML003] expected-warning {{[PML002]}}
}

static void
code_line_before_does_not_count(int flag)
{
    char *p = PyMem_Malloc(8); // expected-warning {{[PML006]}}
    if (flag) p = NULL; // pymem-lint: ignore[PML002]
    PyObject_Free(p); // expected-warning {{[PML002]}}
}

static PyObject *
two_rules(PyObject *module, PyObject *arg)
{
    char *p = PyMem_Malloc(8); // pymem-lint: ignore[PML001, PML006]
    p[0] = 'x'; // expected-warning {{[PML001]}} (the comment above is on code)
    return PyBytes_FromStringAndSize(p, 1);
}
