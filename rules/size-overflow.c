/*
 * rules/size-overflow.c - PML009: the size given to an allocator is a
 * product with an operand that nothing bounds on the path, so it can
 * wrap around and allocate a block smaller than the code then writes.
 *
 *     items = PyMem_Malloc(n * sizeof(Item));   // n * 24 may wrap
 *
 * C-API docs (Memory Interface): PyMem_New(TYPE, n) "is PyMem_Malloc()
 * ... (n * sizeof(TYPE)) bytes", checked for overflow.
 */
#include "rule.h"

static void check(const struct pl_event *ev, struct pl_reporter *r)
{
    if (ev->kind != PL_EV_SIZE_OVERFLOW)
        return;
    pl_report(r, "PML009", ev, ev->line, ev->col,
              "size '%s' given to %s may overflow: '%s' is not bounded "
              "on this path; use PyMem_New(T, n) or PyMem_Calloc(n, size), "
              "or check it against PY_SSIZE_T_MAX / size first",
              ev->size_text, ev->alloc_name, ev->operand);
}

const struct pl_rule pl_rule_size_overflow = {
    .id = "PML009",
    .name = "size-overflow",
    .severity = PL_SEV_WARNING,
    .summary = "allocation size computed by an unchecked multiplication",
    .explanation =
        "PML009 size-overflow\n"
        "\n"
        "A multiplication written in the size passed to PyMem_Malloc,\n"
        "PyMem_Realloc, PyMem_RawMalloc, PyObject_Malloc, malloc or realloc\n"
        "has an operand that is neither a constant nor bounded on the path. A large count makes the\n"
        "product wrap: the block is small and the writes that follow run\n"
        "past its end.\n"
        "\n"
        "Bounded means: compared with a division on the path (as in\n"
        "'if (n > PY_SSIZE_T_MAX / sizeof(T))', which PyMem_New and\n"
        "PyMem_Resize do for you), or known to be small ('if (n > 64)\n"
        "return ...', a loop bound). PyMem_Calloc and calloc check the\n"
        "product themselves.\n"
        "\n"
        "The finding is on the allocation call.\n"
        "\n"
        "Bad:\n"
        "    items = PyMem_Malloc(n * sizeof(Item));\n"
        "\n"
        "Fixed:\n"
        "    items = PyMem_New(Item, n);\n"
        "or\n"
        "    if ((size_t)n > PY_SSIZE_T_MAX / sizeof(Item))\n"
        "        return PyErr_NoMemory();\n"
        "    items = PyMem_Malloc(n * sizeof(Item));\n",
    .check = check,
};
