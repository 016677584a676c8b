/*
 * rules/realloc-loses-block.c - PML007: `p = PyMem_Realloc(p, n)` and
 * `PyMem_Resize(p, T, n)` when p holds the only copy of the old block.
 * On failure the reallocation returns NULL and keeps the old block, so
 * writing the result over its own argument leaks that block.
 *
 *     buf = PyMem_Realloc(buf, n);   // the old buf is lost if this fails
 *
 * C-API docs (PyMem_Realloc): "If the request fails, PyMem_Realloc()
 * returns NULL and p remains a valid pointer to the previous memory area."
 */
#include "rule.h"

static void check(const struct pl_event *ev, struct pl_reporter *r)
{
    if (ev->kind != PL_EV_REALLOC_SELF)
        return;
    pl_report(r, "PML007", ev, ev->line, ev->col,
              "'%s' is overwritten by the result of %s: if it fails, the "
              "old block is lost; assign to a temporary first",
              ev->subject, ev->release_name ? ev->release_name : "realloc");
}

const struct pl_rule pl_rule_realloc_loses_block = {
    .id = "PML007",
    .name = "realloc-loses-block",
    .severity = PL_SEV_WARNING,
    .summary = "realloc result written over the only copy of the old block",
    .explanation =
        "PML007 realloc-loses-block\n"
        "\n"
        "PyMem_Realloc, PyMem_RawRealloc, PyObject_Realloc and realloc\n"
        "return NULL when they fail and leave the old block where it was.\n"
        "`p = PyMem_Realloc(p, n)` (and `PyMem_Resize(p, T, n)`, which\n"
        "expands to it) overwrites the only pointer to the old block with\n"
        "that NULL, so the block leaks exactly when memory is short.\n"
        "\n"
        "Bad:\n"
        "    buf = PyMem_Realloc(buf, n);\n"
        "    if (buf == NULL)\n"
        "        return PyErr_NoMemory();\n"
        "\n"
        "Fixed: assign to a temporary, replace the pointer on success:\n"
        "    char *tmp = PyMem_Realloc(buf, n);\n"
        "    if (tmp == NULL) {\n"
        "        PyMem_Free(buf);\n"
        "        return PyErr_NoMemory();\n"
        "    }\n"
        "    buf = tmp;\n"
        "\n"
        "Keeping a copy of the old pointer before the call also silences it.\n",
    .check = check,
};
