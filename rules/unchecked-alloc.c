/*
 * rules/unchecked-alloc.c - PML001: an allocation's result is used before
 * it was checked for NULL.
 *
 *     char *buf = PyMem_Malloc(n);
 *     buf[0] = '\0';                 // crashes when the allocation failed
 *
 * C-API docs (Memory Interface): PyMem_Malloc "Allocates n bytes and
 * returns a pointer of type void* to the allocated memory, or NULL if the
 * request fails."
 */
#include "rule.h"

static void check(const struct pl_event *ev, struct pl_reporter *r)
{
    if (ev->kind != PL_EV_USE_MAYBE_NULL)
        return;
    pl_report(r, "PML001", ev, ev->line, ev->col,
              "'%s' may be NULL (%s can fail) and is %s without a NULL check",
              ev->subject, ev->alloc_name, ev->what);
}

const struct pl_rule pl_rule_unchecked_alloc = {
    .id = "PML001",
    .name = "unchecked-alloc",
    .severity = PL_SEV_WARNING,
    .summary = "allocation result used before a NULL check",
    .explanation =
        "PML001 unchecked-alloc\n"
        "\n"
        "PyMem_Malloc, PyMem_Calloc, PyMem_Realloc, their Raw and PyObject\n"
        "forms, malloc and the other allocators return NULL when memory\n"
        "runs out. Using the result before testing it (dereferencing it,\n"
        "indexing it, or passing it to memcpy, memset, strcpy, strlen and\n"
        "other functions that need a valid pointer) crashes the interpreter\n"
        "exactly when the machine is under memory pressure.\n"
        "\n"
        "The finding is on the first use on a path where no NULL check came\n"
        "before it; the notes show the allocation and the branches taken.\n"
        "\n"
        "Bad:\n"
        "    char *buf = PyMem_Malloc(n);\n"
        "    memcpy(buf, data, n);\n"
        "\n"
        "Fixed:\n"
        "    char *buf = PyMem_Malloc(n);\n"
        "    if (buf == NULL)\n"
        "        return PyErr_NoMemory();\n"
        "    memcpy(buf, data, n);\n",
    .check = check,
};
