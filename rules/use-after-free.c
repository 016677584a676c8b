/*
 * rules/use-after-free.c - PML004: a released block read, written, passed
 * on or returned.
 *
 *     PyMem_Free(buf);
 *     return PyBytes_FromString(buf);   // reads freed memory
 *
 * C-API docs (PyMem_Free): "Frees the memory block pointed to by p" - the
 * block belongs to the allocator again after the call.
 */
#include "rule.h"

static void check(const struct pl_event *ev, struct pl_reporter *r)
{
    if (ev->kind != PL_EV_USE_AFTER_RELEASE)
        return;
    pl_report(r, "PML004", ev, ev->line, ev->col,
              "'%s' is %s after it was released by %s at line %u",
              ev->subject, ev->what,
              ev->prev_release_name ? ev->prev_release_name : "a release",
              ev->prev_line);
}

const struct pl_rule pl_rule_use_after_free = {
    .id = "PML004",
    .name = "use-after-free",
    .severity = PL_SEV_WARNING,
    .summary = "block used after it was released",
    .explanation =
        "PML004 use-after-free\n"
        "\n"
        "After PyMem_Free (or any release) the block may be reused for\n"
        "another allocation at once. Reading it, writing it, passing it to\n"
        "a function or returning it reads or corrupts someone else's data.\n"
        "\n"
        "The finding is on the first use after the release; a note shows\n"
        "the release. Assigning a new value (p = NULL) is not a use.\n"
        "\n"
        "Bad:\n"
        "    PyMem_Free(buf);\n"
        "    return PyBytes_FromString(buf);\n"
        "\n"
        "Fixed:\n"
        "    PyObject *res = PyBytes_FromString(buf);\n"
        "    PyMem_Free(buf);\n"
        "    return res;\n",
    .check = check,
};
