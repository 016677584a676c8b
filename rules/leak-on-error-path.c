/*
 * rules/leak-on-error-path.c - PML005: a block leaks on a path that
 * returns the function's error indicator.
 *
 *     buf = PyMem_Malloc(n);
 *     if (!PyArg_ParseTuple(args, "i", &x))
 *         return NULL;               // buf leaks
 *
 * C-API docs (Memory Interface): memory obtained from PyMem_Malloc must
 * be released with PyMem_Free.
 */
#include "rule.h"

#include <string.h>

static void check(const struct pl_event *ev, struct pl_reporter *r)
{
    if (ev->kind != PL_EV_LEAK || !ev->error_path || ev->lost_by_realloc ||
        ev->api_buffer)
        return;
    const char *fn = ev->fn ? ev->fn->name : "the function";
    if (ev->exit_what && strcmp(ev->exit_what, "returns") != 0)
        pl_report(r, "PML005", ev, ev->line, ev->col,
                  "memory allocated by %s leaks when '%s' %s at line %u",
                  ev->alloc_name, fn, ev->exit_what, ev->exit_line);
    else /* an error label, or an error value that is not a constant */
        pl_report(r, "PML005", ev, ev->line, ev->col,
                  "memory allocated by %s leaks on an error path of '%s' "
                  "(it returns at line %u)",
                  ev->alloc_name, fn, ev->exit_line);
}

const struct pl_rule pl_rule_leak_on_error_path = {
    .id = "PML005",
    .name = "leak-on-error-path",
    .severity = PL_SEV_WARNING,
    .summary = "block leaked on an error path",
    .explanation =
        "PML005 leak-on-error-path\n"
        "\n"
        "A block is allocated, then a later step fails and the function\n"
        "returns its error indicator (NULL from a function returning a\n"
        "pointer, -1 or another negative value from one returning an int,\n"
        "or a jump to an error label) without releasing the block. Each\n"
        "failing call leaks it; in a long-running process under error\n"
        "conditions that adds up.\n"
        "\n"
        "The finding is on the allocation; notes show the branches taken,\n"
        "where the last pointer to the block was lost and the return.\n"
        "Release the block on the error path (a single cleanup label that\n"
        "calls PyMem_Free on every owned pointer is the usual idiom).\n"
        "\n"
        "Bad:\n"
        "    char *buf = PyMem_Malloc(n);\n"
        "    if (buf == NULL)\n"
        "        return PyErr_NoMemory();\n"
        "    if (fill(buf, n) < 0)\n"
        "        return NULL;\n"
        "\n"
        "Fixed:\n"
        "    if (fill(buf, n) < 0) {\n"
        "        PyMem_Free(buf);\n"
        "        return NULL;\n"
        "    }\n",
    .check = check,
};
