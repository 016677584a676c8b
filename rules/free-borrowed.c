/*
 * rules/free-borrowed.c - PML012: a release of a buffer that a Python
 * object owns and only lends (PyUnicode_AsUTF8, PyBytes_AsString,
 * PyModule_GetState, Py_buffer.buf, "s" of PyArg_ParseTuple, ...).
 *
 *     const char *s = PyUnicode_AsUTF8(obj);
 *     ...
 *     PyMem_Free((void *)s);    // the str object owns it
 *
 * C-API docs (Unicode Objects): "The caller is not responsible for
 * deallocating the buffer" of PyUnicode_AsUTF8AndSize.
 */
#include "rule.h"

static void check(const struct pl_event *ev, struct pl_reporter *r)
{
    if (ev->kind != PL_EV_RELEASE_BORROWED)
        return;
    pl_report(r, "PML012", ev, ev->line, ev->col,
              "%s releases '%s', a buffer lent by %s that its Python "
              "object owns; do not release it",
              ev->release_name, ev->subject, ev->lender);
}

const struct pl_rule pl_rule_free_borrowed = {
    .id = "PML012",
    .name = "free-borrowed",
    .severity = PL_SEV_ERROR,
    .summary = "release of a buffer a Python object owns",
    .explanation =
        "PML012 free-borrowed\n"
        "\n"
        "Some CPython functions lend a pointer into memory that an object\n"
        "owns: PyUnicode_AsUTF8, PyUnicode_AsUTF8AndSize, PyUnicode_DATA,\n"
        "PyBytes_AsString, PyBytes_AS_STRING, PyBytes_AsStringAndSize,\n"
        "PyByteArray_AsString, PyByteArray_AS_STRING, PyModule_GetState,\n"
        "PyType_GetModuleState, PyCapsule_GetPointer (outside the capsule's\n"
        "destructor), the buf of a Py_buffer from PyObject_GetBuffer, and\n"
        "the s, z, y (and #, *) outputs of PyArg_ParseTuple. The object\n"
        "releases it; releasing it yourself frees memory in the middle of\n"
        "an object or twice.\n"
        "\n"
        "The finding is on the release call.\n"
        "\n"
        "Bad:\n"
        "    const char *s = PyUnicode_AsUTF8(name);\n"
        "    ...\n"
        "    PyMem_Free((void *)s);\n"
        "\n"
        "Fixed:\n"
        "    const char *s = PyUnicode_AsUTF8(name);\n"
        "    ...\n"
        "    /* nothing to release: 'name' owns it */\n",
    .check = check,
};
