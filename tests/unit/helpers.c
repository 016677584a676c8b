/*
 * tests/unit/helpers.c - shared set-up of the unit tests: parse C text
 * with libclang and count CFGs.
 */
#include "helpers.h"
#include "../../analyzer/api.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

void test_parse(struct pl_unit *unit, const char *text)
{
    static const char *const args[] = {"-xc", "-std=gnu11"};
    CXIndex index = clang_createIndex(0, 0);
    int rc = pl_unit_parse_text(unit, index, "test.c", text, args, 2);
    clang_disposeIndex(index);
    assert_int_equal(rc, 0);
    assert_int_equal(unit->nerrors, 0);
}

struct cfg_counts test_cfg_counts(const char *text)
{
    struct pl_unit unit;
    test_parse(&unit, text);
    assert_int_equal(unit.nfuncs, 1);
    struct pl_cfg *cfg = pl_cfg_build(&unit.funcs[0], pl_project_is_noreturn, NULL);
    bool *seen = calloc(cfg->nblocks, 1);
    size_t *stack = calloc(cfg->nblocks + 1, sizeof *stack);
    size_t top = 0;
    struct cfg_counts c = {0, 0};
    stack[top++] = cfg->entry;
    seen[cfg->entry] = true;
    while (top) {
        const struct pl_cfg_block *b = &cfg->blocks[stack[--top]];
        c.blocks++;
        c.edges += b->nsuccs;
        for (size_t i = 0; i < b->nsuccs; i++)
            if (!seen[b->succs[i]]) {
                seen[b->succs[i]] = true;
                stack[top++] = b->succs[i];
            }
    }
    free(seen);
    free(stack);
    pl_cfg_free(cfg);
    pl_unit_release(&unit);
    return c;
}
