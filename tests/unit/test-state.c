/*
 * tests/unit/test-state.c - one path's abstract state: sorted bindings,
 * garbage collection of blocks with remapping, facts, and a hash that
 * ignores path notes.
 */
#include "../../analyzer/state.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static struct pl_value block_ref(int b)
{
    struct pl_value v = {PL_V_BLOCK, false, (int16_t)b, 0};
    return v;
}

static void test_bindings_sorted_and_removed(void **state)
{
    (void)state;
    struct pl_state *st = calloc(1, sizeof *st);
    struct pl_value one = {PL_V_INT, false, -1, 1};
    struct pl_value unknown = {PL_V_UNKNOWN, false, -1, 0};
    assert_true(pl_state_bind(st, 7, one));
    assert_true(pl_state_bind(st, 3, one));
    assert_true(pl_state_bind(st, 5, one));
    assert_int_equal(st->nbindings, 3);
    assert_int_equal(st->bindings[0].key, 3);
    assert_int_equal(st->bindings[2].key, 7);
    assert_non_null(pl_state_lookup(st, 5));
    pl_state_bind(st, 5, unknown);
    assert_null(pl_state_lookup(st, 5));
    assert_int_equal(st->nbindings, 2);
    free(st);
}

static void test_collect_remaps(void **state)
{
    (void)state;
    struct pl_state *st = calloc(1, sizeof *st);
    struct pl_node site_a = {0}, site_b = {0};
    int a = pl_state_new_block(st, &site_a, PL_FAM_MEM, "PyMem_Malloc");
    int b = pl_state_new_block(st, &site_b, PL_FAM_MEM, "PyMem_Malloc");
    pl_state_bind(st, 1, block_ref(b));
    st->blocks[a].status = PL_B_LOST; /* dead: no reference, not live */
    pl_state_collect(st);
    assert_int_equal(st->nblocks, 1);
    assert_ptr_equal(st->blocks[0].site, &site_b);
    assert_int_equal(pl_state_lookup(st, 1)->block, 0);
    free(st);
}

static void test_same_site_keeps_live_block(void **state)
{
    (void)state;
    struct pl_state *st = calloc(1, sizeof *st);
    struct pl_node site = {0};
    int a = pl_state_new_block(st, &site, PL_FAM_MEM, "PyMem_Malloc");
    pl_state_bind(st, 1, block_ref(a));
    int b = pl_state_new_block(st, &site, PL_FAM_MEM, "PyMem_Malloc");
    assert_int_not_equal(a, b); /* the older block is still followed */
    free(st);
}

static void test_facts(void **state)
{
    (void)state;
    struct pl_state *st = calloc(1, sizeof *st);
    assert_int_equal(pl_state_fact(st, 4), -1);
    pl_state_set_fact(st, 4, true);
    pl_state_set_fact(st, 2, false);
    assert_int_equal(pl_state_fact(st, 4), 1);
    assert_int_equal(pl_state_fact(st, 2), 0);
    free(st);
}

static void test_hash_ignores_notes(void **state)
{
    (void)state;
    struct pl_state *x = calloc(1, sizeof *x), *y = calloc(1, sizeof *y);
    struct pl_value one = {PL_V_INT, false, -1, 1};
    pl_state_bind(x, 1, one);
    pl_state_bind(y, 1, one);
    pl_state_note(x, 3, 4, "assuming '%s' is true", "p");
    assert_true(pl_state_hash(x) == pl_state_hash(y));
    pl_state_set_fact(y, 9, true);
    assert_true(pl_state_hash(x) != pl_state_hash(y));
    free(x);
    free(y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bindings_sorted_and_removed),
        cmocka_unit_test(test_collect_remaps),
        cmocka_unit_test(test_same_site_keeps_live_block),
        cmocka_unit_test(test_facts),
        cmocka_unit_test(test_hash_ignores_notes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
