/*
 * rules/no-exception-on-failure.c - PML008: an allocation failed and a
 * function that Python calls returns its error indicator with no
 * exception set on that path.
 *
 *     buf = PyMem_Malloc(n);
 *     if (buf == NULL)
 *         return NULL;          // SystemError: error return without exception
 *
 * C-API docs (Memory Interface): PyMem_Malloc returns NULL on failure and
 * sets no exception; (Exception Handling): a function that returns an
 * error indicator must have set an exception.
 */
#include "rule.h"

static void check(const struct pl_event *ev, struct pl_reporter *r)
{
    if (ev->kind != PL_EV_NO_EXCEPTION)
        return;
    pl_report(r, "PML008", ev, ev->line, ev->col,
              "'%s' %s after %s failed at line %u, with no exception set; "
              "call PyErr_NoMemory()",
              ev->fn ? ev->fn->name : "the function",
              ev->exit_what ? ev->exit_what : "returns an error",
              ev->alloc_name ? ev->alloc_name : "an allocation",
              ev->alloc_line);
}

const struct pl_rule pl_rule_no_exception_on_failure = {
    .id = "PML008",
    .name = "no-exception-on-failure",
    .severity = PL_SEV_WARNING,
    .summary = "error return after a failed allocation, no exception set",
    .explanation =
        "PML008 no-exception-on-failure\n"
        "\n"
        "PyMem_Malloc, PyObject_Malloc, malloc and their relatives return\n"
        "NULL when they fail and set no exception. A function that Python\n"
        "calls (a method in a PyMethodDef table, a tp_* slot, a getter or\n"
        "setter, a module exec slot or PyInit_*, or a helper whose result\n"
        "such a function returns as it is) must set an exception before it\n"
        "returns NULL or -1; otherwise Python raises SystemError (\"error\n"
        "return without exception set\"), or worse, a stale exception.\n"
        "\n"
        "Any call on the path that may set an exception (PyErr_*, another\n"
        "CPython API call, a helper of yours) silences the rule; internal\n"
        "helpers that return NULL to a caller that sets the exception are\n"
        "not checked.\n"
        "\n"
        "The finding is on the return statement.\n"
        "\n"
        "Bad:\n"
        "    buf = PyMem_Malloc(n);\n"
        "    if (buf == NULL)\n"
        "        return NULL;\n"
        "\n"
        "Fixed:\n"
        "    buf = PyMem_Malloc(n);\n"
        "    if (buf == NULL)\n"
        "        return PyErr_NoMemory();\n",
    .check = check,
};
