/*
 * rules/alloc-without-gil.c - PML010: PyMem_* or PyObject_* allocation or
 * release while the thread does not hold the GIL.
 *
 *     Py_BEGIN_ALLOW_THREADS
 *     buf = PyMem_Malloc(n);    // the GIL is released here
 *     Py_END_ALLOW_THREADS
 *
 * C-API docs (Memory Interface): "The GIL must be held when using these
 * functions" (PyMem_* and PyObject_*; PyMem_Raw* need not).
 */
#include "rule.h"

static void check(const struct pl_event *ev, struct pl_reporter *r)
{
    if (ev->kind != PL_EV_NO_GIL)
        return;
    if (ev->inner_call)
        pl_report(r, "PML010", ev, ev->line, ev->col,
                  "'%s' calls %s, which needs the GIL, but the GIL was "
                  "released at line %u; use PyMem_Raw* or call it after "
                  "taking the GIL back",
                  ev->subject, ev->inner_call, ev->gil_line);
    else
        pl_report(r, "PML010", ev, ev->line, ev->col,
                  "%s called without the GIL (released at line %u); use "
                  "PyMem_RawMalloc/PyMem_RawFree here, or call it after "
                  "taking the GIL back",
                  ev->subject, ev->gil_line);
}

const struct pl_rule pl_rule_alloc_without_gil = {
    .id = "PML010",
    .name = "alloc-without-gil",
    .severity = PL_SEV_WARNING,
    .summary = "PyMem/PyObject allocator called without the GIL",
    .explanation =
        "PML010 alloc-without-gil\n"
        "\n"
        "PyMem_Malloc, PyMem_Realloc, PyMem_Free and the PyObject_*\n"
        "allocators need the GIL: their pools are not thread-safe, and the\n"
        "debug hooks abort when they see a call without it. Between\n"
        "Py_BEGIN_ALLOW_THREADS and Py_END_ALLOW_THREADS (or\n"
        "Py_UNBLOCK_THREADS/Py_BLOCK_THREADS, PyEval_SaveThread/\n"
        "PyEval_RestoreThread, after PyGILState_Release and before\n"
        "PyGILState_Ensure) use PyMem_RawMalloc/PyMem_RawFree or malloc.\n"
        "A helper of the same file called in that region counts too.\n"
        "\n"
        "The finding is on the call in the region.\n"
        "\n"
        "Bad:\n"
        "    Py_BEGIN_ALLOW_THREADS\n"
        "    buf = PyMem_Malloc(size);\n"
        "    n = read(fd, buf, size);\n"
        "    Py_END_ALLOW_THREADS\n"
        "\n"
        "Fixed:\n"
        "    buf = PyMem_Malloc(size);\n"
        "    if (buf == NULL)\n"
        "        return PyErr_NoMemory();\n"
        "    Py_BEGIN_ALLOW_THREADS\n"
        "    n = read(fd, buf, size);\n"
        "    Py_END_ALLOW_THREADS\n",
    .check = check,
};
