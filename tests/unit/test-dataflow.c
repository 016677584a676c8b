/*
 * tests/unit/test-dataflow.c - the dataflow engine on small functions:
 * which events it sends, which NULL checks it understands, and the
 * summaries it learns of wrappers.
 */
#include "helpers.h"
#include "../../analyzer/api.h"
#include "../../analyzer/dataflow.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define DECLS                                                               \
    "typedef unsigned long size_t;\n"                                       \
    "void *PyMem_Malloc(size_t); void *PyMem_Realloc(void *, size_t);\n"    \
    "void PyMem_Free(void *); void *PyObject_Malloc(size_t);\n"             \
    "void PyObject_Free(void *); void *memset(void *, int, size_t);\n"      \
    "void *PyErr_NoMemory(void); int use(void *); void keep(void *);\n"     \
    "void abort(void);\n"

struct recorded {
    enum pl_event_kind kind[32];
    unsigned line[32];
    bool error_path[32];
    size_t n;
};

static void record(void *ctx, const struct pl_event *ev)
{
    struct recorded *r = ctx;
    if (r->n < 32) {
        r->kind[r->n] = ev->kind;
        r->line[r->n] = ev->line;
        r->error_path[r->n] = ev->error_path;
        r->n++;
    }
}

/* Run the engine over every function of 'text' (after DECLS). */
static struct recorded run(const char *text)
{
    char *full = malloc(strlen(DECLS) + strlen(text) + 1);
    strcpy(full, DECLS);
    strcat(full, text);
    struct pl_unit unit;
    test_parse(&unit, full);
    struct pl_summaries *sums = pl_summaries_new(&unit, NULL);
    struct recorded r;
    memset(&r, 0, sizeof r);
    for (size_t i = 0; i < unit.nfuncs; i++)
        pl_dataflow_run(&unit, &unit.funcs[i], sums, record, &r, NULL);
    pl_summaries_free(sums);
    pl_unit_release(&unit);
    free(full);
    return r;
}

static void expect_one(const char *text, enum pl_event_kind kind)
{
    struct recorded r = run(text);
    if (r.n != 1 || r.kind[0] != kind)
        print_error("expected one event of kind %d, got %zu (first %d):\n%s\n",
                    kind, r.n, r.n ? (int)r.kind[0] : -1, text);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.kind[0], kind);
}

static void expect_none(const char *text)
{
    struct recorded r = run(text);
    if (r.n)
        print_error("expected no event, got %zu (first kind %d line %u):\n%s\n",
                    r.n, (int)r.kind[0], r.line[0], text);
    assert_int_equal(r.n, 0);
}

static void test_unchecked_use(void **state)
{
    (void)state;
    expect_one("void f(void) { char *p = PyMem_Malloc(4); p[0] = 1;"
               " PyMem_Free(p); }",
               PL_EV_USE_MAYBE_NULL);
}

static void test_null_check_forms(void **state)
{
    (void)state;
    static const char *const forms[] = {
        "if (!p) return -1;",
        "if (p == 0) return -1;",
        "if (0 == p) return -1;",
        "if (p == (void *)0) return -1;",
        "if (!(p != 0)) return -1;",
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "int f(void) { char *p = PyMem_Malloc(4); %s p[0] = 1;"
                 " PyMem_Free(p); return 0; }",
                 forms[i]);
        expect_none(text);
    }
    expect_none("int f(void) { char *p; if ((p = PyMem_Malloc(4)) == 0)"
                " return -1; p[0] = 1; PyMem_Free(p); return 0; }");
    expect_none("int f(int n) { char *p = PyMem_Malloc(4); if (p && n > 0)"
                " p[0] = 1; PyMem_Free(p); return 0; }");
    expect_none("int f(void) { char *p = PyMem_Malloc(4); if (p) { p[0] = 1;"
                " PyMem_Free(p); } return 0; }");
    expect_none("int f(void) { char *p = PyMem_Malloc(4); if (!p) abort();"
                " p[0] = 1; PyMem_Free(p); return 0; }");
}

static void test_mismatch(void **state)
{
    (void)state;
    expect_one("void f(void) { char *p = PyMem_Malloc(4); PyObject_Free(p);"
               " }",
               PL_EV_RELEASE_MISMATCH);
}

static void test_double_free_via_label(void **state)
{
    (void)state;
    expect_one("int f(int x) { char *p = PyMem_Malloc(4); if (!p) return -1;"
               " if (x) { PyMem_Free(p); goto error; } PyMem_Free(p);"
               " return 0; error: PyMem_Free(p); return -1; }",
               PL_EV_DOUBLE_RELEASE);
}

static void test_free_then_null_is_fine(void **state)
{
    (void)state;
    expect_none("int f(int x) { char *p = PyMem_Malloc(4); if (!p) return -1;"
                " if (x) { PyMem_Free(p); p = 0; goto error; }"
                " PyMem_Free(p); return 0; error: PyMem_Free(p); return -1; }");
}

static void test_use_after_free(void **state)
{
    (void)state;
    expect_one("int f(void) { char *p = PyMem_Malloc(4); if (!p) return -1;"
               " PyMem_Free(p); return use(p); }",
               PL_EV_USE_AFTER_RELEASE);
}

static void test_leak_error_and_normal(void **state)
{
    (void)state;
    struct recorded r = run("int f(int x) { char *p = PyMem_Malloc(4);"
                            " if (!p) return -1; if (x) return -1;"
                            " PyMem_Free(p); return 0; }");
    assert_int_equal(r.n, 1);
    assert_int_equal(r.kind[0], PL_EV_LEAK);
    assert_true(r.error_path[0]);
    r = run("int f(int x) { char *p = PyMem_Malloc(4); if (!p) return -1;"
            " p = 0; return 0; }");
    assert_int_equal(r.n, 1);
    assert_int_equal(r.kind[0], PL_EV_LEAK);
    assert_false(r.error_path[0]);
}

static void test_hand_over(void **state)
{
    (void)state;
    expect_none("struct s { char *buf; }; int f(struct s *o) {"
                " char *p = PyMem_Malloc(4); if (!p) return -1; o->buf = p;"
                " return 0; }");
    expect_none("int f(char **out) { char *p = PyMem_Malloc(4);"
                " if (!p) return -1; *out = p; return 0; }");
    expect_none("static char *g; int f(void) { char *p = PyMem_Malloc(4);"
                " if (!p) return -1; g = p; return 0; }");
    expect_none("char *f(void) { char *p = PyMem_Malloc(4); return p; }");
    expect_none("int f(void) { char *p = PyMem_Malloc(4); if (!p) return -1;"
                " keep(p); return 0; }");
}

static void test_copy_does_not_take_over(void **state)
{
    (void)state;
    expect_one("int f(void) { char *p = PyMem_Malloc(4); if (!p) return -1;"
               " memset(p, 0, 4); return 0; }",
               PL_EV_LEAK);
}

static void test_correlated_flag(void **state)
{
    (void)state;
    expect_none("int f(int flag) { char *p = 0; if (flag) { p = PyMem_Malloc(4);"
                " if (!p) return -1; } use(0); if (flag) PyMem_Free(p);"
                " return 0; }");
}

static void test_wrappers(void **state)
{
    (void)state;
    expect_one("static char *xalloc(size_t n) { return PyMem_Malloc(n); }"
               " static void xfree(void *p) { PyObject_Free(p); }"
               " void f(void) { char *p = xalloc(3); if (p) xfree(p); }",
               PL_EV_RELEASE_MISMATCH);
    struct pl_unit unit;
    test_parse(&unit, DECLS
               "static char *xalloc(size_t n) { char *p = PyMem_Malloc(n);"
               " if (!p) abort(); return p; }"
               "static void xfree(void *p) { if (p) PyMem_Free(p); }"
               "static int peek(const char *p) { return p[0]; }"
               "static void stash(char *p) { keep(p); }");
    struct pl_summaries *sums = pl_summaries_new(&unit, NULL);
    static const char *const expected[][2] = {
        {"xalloc", "alloc(PyMem)"},
        {"xfree", "p0:releases(PyMem)"},
        {"peek", "p0:borrows"},
        {"stash", "p0:keeps"},
    };
    for (size_t i = 0; i < 4; i++) {
        char *d = pl_summaries_describe(sums, expected[i][0]);
        assert_non_null(d);
        assert_string_equal(d, expected[i][1]);
        free(d);
    }
    pl_summaries_free(sums);
    pl_unit_release(&unit);
}

static void test_loop_terminates(void **state)
{
    (void)state;
    struct recorded r = run("int f(int n) { int s = 0; for (int i = 0; i < n;"
                            " i++) { char *p = PyMem_Malloc(4); if (!p)"
                            " return -1; s += use(p); } return s; }");
    assert_int_equal(r.n, 0); /* use() takes each block over */
    r = run("int f(int n) { for (int i = 0; i < n; i++) {"
            " char *p = PyMem_Malloc(4); if (!p) return -1; p[0] = 1; }"
            " return 0; }");
    assert_int_equal(r.n, 1);
    assert_int_equal(r.kind[0], PL_EV_LEAK);
}

static void test_api_table(void **state)
{
    (void)state;
    assert_true(pl_api_table_is_sorted());
    assert_non_null(pl_api_lookup("PyMem_Malloc"));
    assert_int_equal(pl_api_lookup("PyMem_Free")->role, PL_API_FREE);
    assert_true(pl_api_lookup("strcpy")->returns_arg0);
    assert_null(pl_api_lookup("no_such_function"));
}

/* strcpy returns its destination: storing that result hands the block over */
static void test_returns_destination(void **state)
{
    (void)state;
    expect_none("char *strcpy(char *, const char *); struct m { char *f; };"
                " int f(struct m *o, const char *s) {"
                " char *cp = PyMem_Malloc(8); if (!cp) return -1;"
                " o->f = strcpy(cp, s); return 0; }");
}

/* comparisons of an integer narrow its range: 'n > 8' excludes 'n == 0' */
static void test_integer_bounds(void **state)
{
    (void)state;
    expect_none("int f(int n) { char *p = 0; if (n > 8) { p = PyMem_Malloc(n);"
                " if (!p) return -1; } if (n == 0) return 0;"
                " if (n >= 9) PyMem_Free(p); return 0; }");
    expect_none("int f(int n) { char *p = 0; if (n < 128) p = 0; else {"
                " p = PyMem_Malloc(n); if (!p) return -1; } use(0);"
                " if (n >= 256 / 2) PyMem_Free(p); return 0; }");
}

/* a switch on the same value takes the same case twice */
static void test_switch_correlation(void **state)
{
    (void)state;
    expect_none("void *PyMem_RawMalloc(size_t); void PyMem_RawFree(void *);"
                " int f(int k) { void *p; switch (k) {"
                " case 0: p = PyMem_RawMalloc(4); break;"
                " case 1: p = PyMem_Malloc(4); break; default: return -1; }"
                " if (!p) return -1; switch (k) {"
                " case 0: PyMem_RawFree(p); break;"
                " case 1: PyMem_Free(p); break; } return 0; }");
}

/* fields reached through a local pointer: self->buf */
static void test_fields(void **state)
{
    (void)state;
    expect_one("struct o { char *buf; }; int f(struct o *self) {"
               " self->buf = PyMem_Malloc(4); self->buf[0] = 1; return 0; }",
               PL_EV_USE_MAYBE_NULL);
    expect_one("struct o { char *buf; }; void f(struct o *self) {"
               " PyMem_Free(self->buf); PyMem_Free(self->buf); }",
               PL_EV_DOUBLE_RELEASE);
    expect_none("struct o { char *buf; }; void f(struct o *self) {"
                " PyMem_Free(self->buf); self->buf = 0; PyMem_Free(self->buf);"
                " }");
    /* a block stored in a block of our own dies with it */
    expect_one("struct v { double *items; }; int f(void) {"
               " double *it = PyMem_Malloc(8); if (!it) return -1;"
               " struct v *v = PyMem_Malloc(sizeof *v);"
               " if (!v) { PyMem_Free(it); return -1; } v->items = it;"
               " PyMem_Free(v); return -1; }",
               PL_EV_LEAK);
}

/* a local array is never the heap block compared with it */
static void test_stack_buffer(void **state)
{
    (void)state;
    expect_none("int f(int n) { char small[64]; char *buf = small;"
                " if (n > 64) { buf = PyMem_Malloc(n); if (!buf) return -1; }"
                " buf[0] = 0; if (buf != small) PyMem_Free(buf); return 0; }");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unchecked_use),
        cmocka_unit_test(test_null_check_forms),
        cmocka_unit_test(test_mismatch),
        cmocka_unit_test(test_double_free_via_label),
        cmocka_unit_test(test_free_then_null_is_fine),
        cmocka_unit_test(test_use_after_free),
        cmocka_unit_test(test_leak_error_and_normal),
        cmocka_unit_test(test_hand_over),
        cmocka_unit_test(test_copy_does_not_take_over),
        cmocka_unit_test(test_correlated_flag),
        cmocka_unit_test(test_wrappers),
        cmocka_unit_test(test_loop_terminates),
        cmocka_unit_test(test_api_table),
        cmocka_unit_test(test_returns_destination),
        cmocka_unit_test(test_integer_bounds),
        cmocka_unit_test(test_switch_correlation),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_stack_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
