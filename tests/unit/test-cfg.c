/*
 * tests/unit/test-cfg.c - the CFG builder: reachable blocks and edges for
 * each C control construct, short-circuit conditions, '?:', commas,
 * statement expressions, goto and calls that do not return.
 */
#include "helpers.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void expect_counts(const char *text, size_t blocks, size_t edges)
{
    struct cfg_counts c = test_cfg_counts(text);
    if (c.blocks != blocks || c.edges != edges)
        print_error("expected %zu blocks/%zu edges, got %zu/%zu for:\n%s\n",
                    blocks, edges, c.blocks, c.edges, text);
    assert_int_equal(c.blocks, blocks);
    assert_int_equal(c.edges, edges);
}

/* entry, return */
/* The text of an expression that does not fit ends inside the buffer:
   an overflow in the middle of a name used to leave it unterminated. */
static void test_node_text_overflow(void **state)
{
    (void)state;
    struct pl_node a = {.kind = PL_N_VAR, .name = "short"};
    struct pl_node b = {.kind = PL_N_VAR, .name = "a_much_longer_name"};
    struct pl_node *kids[] = {&a, &b};
    struct pl_node eq = {.kind = PL_N_BINARY, .op = PL_OP_EQ, .kids = kids,
                         .nkids = 2};
    char buf[16];
    memset(buf, 'X', sizeof buf);
    assert_false(pl_node_text(&eq, buf, sizeof buf));
    assert_non_null(memchr(buf, '\0', sizeof buf));
    assert_string_equal(buf, "short == a_much");
    char roomy[64];
    assert_true(pl_node_text(&eq, roomy, sizeof roomy));
    assert_string_equal(roomy, "short == a_much_longer_name");
}

static void test_straight_line(void **state)
{
    (void)state;
    expect_counts("int f(int a) { a = a + 1; return a; }", 1, 0);
}

/* entry(cond) -> then -> join; entry -> join */
static void test_if(void **state)
{
    (void)state;
    expect_counts("int f(int a) { if (a) a = 2; return a; }", 3, 3);
}

/* entry(cond) -> then, else -> join */
static void test_if_else(void **state)
{
    (void)state;
    expect_counts("int f(int a) { if (a) a = 2; else a = 3; return a; }", 4,
                  4);
}

/* entry -> head(cond) -> body -> head; head -> after */
static void test_while(void **state)
{
    (void)state;
    expect_counts("int f(int a) { while (a) a--; return a; }", 4, 4);
}

/* entry -> body -> test(cond) -> body | after */
static void test_do_while(void **state)
{
    (void)state;
    expect_counts("int f(int a) { do a--; while (a); return a; }", 4, 4);
}

/* entry(init) -> head(cond) -> body -> inc -> head; head -> after */
static void test_for(void **state)
{
    (void)state;
    expect_counts("int f(int n) { int s = 0; for (int i = 0; i < n; i++) "
                  "s += i; return s; }",
                  5, 5);
}

/* for (;;) with break: no test, the loop only leaves by break */
static void test_for_ever_with_break(void **state)
{
    (void)state;
    expect_counts("int f(int n) { for (;;) { if (n > 3) break; n++; } "
                  "return n; }",
                  6, 6);
}

/* continue goes to the increment */
static void test_continue(void **state)
{
    (void)state;
    expect_counts("int f(int n) { int s = 0; for (int i = 0; i < n; i++) {"
                  " if (i == 2) continue; s += i; } return s; }",
                  7, 8);
}

/* switch: head -> 3 case blocks (with fall-through) and default */
static void test_switch_fallthrough_default(void **state)
{
    (void)state;
    expect_counts("int f(int k) { int r = 0; switch (k) {"
                  " case 1: r = 1;"
                  " case 2: r += 2; break;"
                  " default: r = 9; }"
                  " return r; }",
                  5, 6);
}

/* switch without default: the head also jumps past the body */
static void test_switch_no_default(void **state)
{
    (void)state;
    expect_counts("int f(int k) { int r = 0; switch (k) {"
                  " case 1: r = 1; break; case 2: r = 2; break; }"
                  " return r; }",
                  4, 5);
}

/* goto error cleanup idiom */
static void test_goto_cleanup(void **state)
{
    (void)state;
    expect_counts("int g(int); int f(int a) {"
                  " if (g(a) < 0) goto error;"
                  " if (g(a + 1) < 0) goto error;"
                  " return 0;"
                  " error: return -1; }",
                  6, 6);
}

/* 'a && b' in a condition: two tests */
static void test_short_circuit_and(void **state)
{
    (void)state;
    expect_counts("int f(int *p, int n) { if (p && n > 0) return *p;"
                  " return 0; }",
                  4, 4);
}

/* 'a || b || c': three tests */
static void test_short_circuit_or(void **state)
{
    (void)state;
    expect_counts("int f(int a, int b, int c) { if (a || b || c) return 1;"
                  " return 0; }",
                  5, 6);
}

/* '!(a && b)' swaps the targets, same shape */
static void test_negated_and(void **state)
{
    (void)state;
    expect_counts("int f(int *p, int n) { if (!(p && n)) return 0;"
                  " return 1; }",
                  4, 4);
}

/* '?:' as a value: then, else, join */
static void test_conditional_value(void **state)
{
    (void)state;
    expect_counts("int f(int a) { int b = a ? 1 : 2; return b; }", 4, 4);
}

/* '&&' as a value becomes 0/1 assignments */
static void test_logical_value(void **state)
{
    (void)state;
    expect_counts("int f(int a, int b) { int c = a && b; return c; }", 5, 6);
}

/* a comma in a condition: its left part is an element */
static void test_comma_condition(void **state)
{
    (void)state;
    expect_counts("int g(void); int f(int a) { if (a = g(), a > 0) return 1;"
                  " return 0; }",
                  3, 2);
}

/* a statement expression with an if inside */
static void test_statement_expression(void **state)
{
    (void)state;
    expect_counts("int f(int a) { int b = ({ int t = a; if (t) t = 2; t; });"
                  " return b; }",
                  3, 3);
}

/* abort() ends the path: no edge to the code after it */
static void test_noreturn_call(void **state)
{
    (void)state;
    expect_counts("void abort(void); int f(int a) { if (!a) abort();"
                  " return a; }",
                  3, 2);
}

/* constant conditions leave no false edge (do { } while (0) macros) */
static void test_constant_condition(void **state)
{
    (void)state;
    expect_counts("int f(int a) { do { a++; } while (0); while (1) {"
                  " if (a > 9) return a; a++; } }",
                  8, 8);
}

/* a label loop: goto backwards */
static void test_goto_backwards(void **state)
{
    (void)state;
    expect_counts("int g(void); int f(void) { int n = 0; again: n++;"
                  " if (g()) goto again; return n; }",
                  4, 4);
}

/* the error label is marked, the loop test is a loop head */
static void test_labels_marked(void **state)
{
    (void)state;
    struct pl_unit unit;
    test_parse(&unit, "int g(int); int f(int a) { while (a) a = g(a);"
                      " if (a) goto fail; return 0; fail: return -1; }");
    struct pl_cfg *cfg = pl_cfg_build(&unit.funcs[0], NULL, NULL);
    int error_labels = 0, loop_heads = 0;
    for (size_t i = 0; i < cfg->nblocks; i++) {
        error_labels += cfg->blocks[i].error_label;
        loop_heads += cfg->blocks[i].loop_head;
    }
    assert_int_equal(error_labels, 1);
    assert_int_equal(loop_heads, 2); /* the while test and the label */
    pl_cfg_free(cfg);
    pl_unit_release(&unit);
}

/* generated code nested beyond the limit is marked, not lowered whole */
static void test_too_deep(void **state)
{
    (void)state;
    size_t terms = 20000;
    char *text = malloc(terms * 4 + 64);
    size_t len = (size_t)sprintf(text, "int f(void) { int x = 0");
    for (size_t i = 0; i < terms; i++)
        len += (size_t)sprintf(text + len, " + 1");
    strcpy(text + len, "; return x; }");
    struct pl_unit unit;
    test_parse(&unit, text);
    assert_int_equal(unit.nfuncs, 1);
    assert_true(unit.funcs[0].too_deep);
    pl_unit_release(&unit);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_node_text_overflow),
        cmocka_unit_test(test_straight_line),
        cmocka_unit_test(test_if),
        cmocka_unit_test(test_if_else),
        cmocka_unit_test(test_while),
        cmocka_unit_test(test_do_while),
        cmocka_unit_test(test_for),
        cmocka_unit_test(test_for_ever_with_break),
        cmocka_unit_test(test_continue),
        cmocka_unit_test(test_switch_fallthrough_default),
        cmocka_unit_test(test_switch_no_default),
        cmocka_unit_test(test_goto_cleanup),
        cmocka_unit_test(test_short_circuit_and),
        cmocka_unit_test(test_short_circuit_or),
        cmocka_unit_test(test_negated_and),
        cmocka_unit_test(test_conditional_value),
        cmocka_unit_test(test_logical_value),
        cmocka_unit_test(test_comma_condition),
        cmocka_unit_test(test_statement_expression),
        cmocka_unit_test(test_noreturn_call),
        cmocka_unit_test(test_constant_condition),
        cmocka_unit_test(test_goto_backwards),
        cmocka_unit_test(test_labels_marked),
        cmocka_unit_test(test_too_deep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
