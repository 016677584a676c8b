/*
 * rules/free-non-heap.c - PML011: a release of memory that no allocator
 * returned: a stack array, the address of a variable, a static or global
 * object, a string literal, or a pointer into the middle of a block.
 *
 *     char buf[64], *p = buf;
 *     ...
 *     PyMem_Free(p);             // p may still point at buf
 */
#include "rule.h"

static void check(const struct pl_event *ev, struct pl_reporter *r)
{
    if (ev->kind != PL_EV_RELEASE_NON_HEAP)
        return;
    pl_report(r, "PML011", ev, ev->line, ev->col,
              "%s releases '%s', %s", ev->release_name, ev->subject,
              ev->non_heap);
}

const struct pl_rule pl_rule_free_non_heap = {
    .id = "PML011",
    .name = "free-non-heap",
    .severity = PL_SEV_ERROR,
    .summary = "release of memory that is not a heap block",
    .explanation =
        "PML011 free-non-heap\n"
        "\n"
        "Only a pointer that an allocator returned may be released, and\n"
        "only as it was returned. Releasing a stack array, the address of\n"
        "a variable, a static or global object, a string literal, or a\n"
        "pointer moved into the block ('p + 1', 'p' after 'p++') corrupts\n"
        "the heap. A common source is the small-buffer idiom that forgets\n"
        "the stack case on the way out.\n"
        "\n"
        "The finding is on the release call.\n"
        "\n"
        "Bad:\n"
        "    char small[64], *p = n <= 64 ? small : PyMem_Malloc(n);\n"
        "    ...\n"
        "    PyMem_Free(p);\n"
        "\n"
        "Fixed:\n"
        "    if (p != small)\n"
        "        PyMem_Free(p);\n",
    .check = check,
};
