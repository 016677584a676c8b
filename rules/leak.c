/*
 * rules/leak.c - PML006: a block leaks on a normal path: the last pointer
 * to it is overwritten, goes out of scope, or the function returns
 * without releasing or handing it over.
 *
 *     char *tmp = PyMem_Malloc(n);
 *     ...
 *     return PyBytes_FromStringAndSize(tmp, n);   // copies; tmp leaks
 *
 * C-API docs (Memory Interface): memory obtained from PyMem_Malloc must
 * be released with PyMem_Free.
 */
#include "rule.h"

static void check(const struct pl_event *ev, struct pl_reporter *r)
{
    if (ev->kind != PL_EV_LEAK || ev->error_path || ev->lost_by_realloc ||
        ev->api_buffer)
        return;
    pl_report(r, "PML006", ev, ev->line, ev->col,
              "memory allocated by %s is never released: %s at line %u",
              ev->alloc_name,
              ev->lost_how ? ev->lost_how : "the last pointer to it is lost",
              ev->lost_line);
}

const struct pl_rule pl_rule_leak = {
    .id = "PML006",
    .name = "leak",
    .severity = PL_SEV_WARNING,
    .summary = "block leaked on a normal path",
    .explanation =
        "PML006 leak\n"
        "\n"
        "The last pointer to a block is lost on a path that does not fail:\n"
        "it is overwritten, its variable goes out of scope, or the function\n"
        "returns without releasing the block or handing it to someone who\n"
        "will (a struct field, a global, an out-parameter, a capsule, the\n"
        "return value, or a function that takes ownership). CPython\n"
        "functions that copy a buffer, such as PyBytes_FromStringAndSize,\n"
        "PyUnicode_FromString or Py_BuildValue, do not take it over.\n"
        "\n"
        "The finding is on the allocation; notes show where the last\n"
        "pointer was lost.\n"
        "\n"
        "Bad:\n"
        "    char *tmp = PyMem_Malloc(n);\n"
        "    ...\n"
        "    return PyBytes_FromStringAndSize(tmp, n);\n"
        "\n"
        "Fixed:\n"
        "    PyObject *res = PyBytes_FromStringAndSize(tmp, n);\n"
        "    PyMem_Free(tmp);\n"
        "    return res;\n",
    .check = check,
};
