/*
 * rules/mismatched-free.c - PML002: a block released by the deallocator
 * of another allocator family.
 *
 *     char *p = PyMem_Malloc(n);
 *     PyObject_Free(p);              // must be PyMem_Free
 *
 * C-API docs (Memory Interface): "the same memory allocator must be used
 * to release memory that was allocated by it".
 */
#include "rule.h"

static void check(const struct pl_event *ev, struct pl_reporter *r)
{
    if (ev->kind != PL_EV_RELEASE_MISMATCH || ev->api_buffer)
        return; /* an API buffer's is PML013's */
    pl_report(r, "PML002", ev, ev->line, ev->col,
              "'%s' was allocated by %s (%s family) but released by %s; "
              "use %s",
              ev->subject, ev->alloc_name, pl_family_name(ev->family),
              ev->release_name, pl_family_release_name(ev->family));
}

const struct pl_rule pl_rule_mismatched_free = {
    .id = "PML002",
    .name = "mismatched-free",
    .severity = PL_SEV_WARNING,
    .summary = "block released by another allocator family",
    .explanation =
        "PML002 mismatched-free\n"
        "\n"
        "CPython has three allocator domains and libc has its own heap:\n"
        "PyMem_Malloc/PyMem_Free (PyMem_New, PyMem_Del), PyMem_RawMalloc/\n"
        "PyMem_RawFree, PyObject_Malloc/PyObject_Free (PyObject_Del), and\n"
        "malloc/free. A block must be released by its own family. Mixing\n"
        "them works by accident in some builds and corrupts the heap in\n"
        "others (debug hooks, PYTHONMALLOC=malloc, custom allocators).\n"
        "\n"
        "The finding is on the release call; a note shows the allocation.\n"
        "\n"
        "Bad:\n"
        "    char *p = PyMem_Malloc(n);\n"
        "    ...\n"
        "    PyObject_Free(p);\n"
        "\n"
        "Fixed:\n"
        "    PyMem_Free(p);\n",
    .check = check,
};
