/*
 * rules/double-free.c - PML003: a block released twice on some path.
 *
 *     PyMem_Free(buf);
 *     goto error;
 *   error:
 *     PyMem_Free(buf);               // second release
 *
 * C-API docs (PyMem_Free): "if PyMem_Free(p) has been called before,
 * undefined behavior occurs."
 */
#include "rule.h"

static void check(const struct pl_event *ev, struct pl_reporter *r)
{
    if (ev->kind != PL_EV_DOUBLE_RELEASE)
        return;
    pl_report(r, "PML003", ev, ev->line, ev->col,
              "'%s' is released again by %s; it was already released by %s "
              "at line %u",
              ev->subject, ev->release_name,
              ev->prev_release_name ? ev->prev_release_name : "a release",
              ev->prev_line);
}

const struct pl_rule pl_rule_double_free = {
    .id = "PML003",
    .name = "double-free",
    .severity = PL_SEV_WARNING,
    .summary = "block released twice",
    .explanation =
        "PML003 double-free\n"
        "\n"
        "Releasing a block twice corrupts the allocator's state. The usual\n"
        "cause is a cleanup label that releases a buffer which an earlier\n"
        "branch already released before jumping there. Set the pointer to\n"
        "NULL after releasing it (PyMem_Free(NULL) does nothing), or release\n"
        "it only under the label.\n"
        "\n"
        "The finding is on the second release; notes show the first one and\n"
        "the branches in between.\n"
        "\n"
        "Bad:\n"
        "    if (len < 0) {\n"
        "        PyMem_Free(buf);\n"
        "        goto error;\n"
        "    }\n"
        "    ...\n"
        "  error:\n"
        "    PyMem_Free(buf);\n"
        "\n"
        "Fixed:\n"
        "    if (len < 0)\n"
        "        goto error;           /* the label releases it */\n",
    .check = check,
};
