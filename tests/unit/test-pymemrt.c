/*
 * tests/unit/test-pymemrt.c - libpymemrt, the strict standalone allocator
 * (runtime/pymemrt.h): correct use of the three domains reports nothing;
 * each kind of misuse is reported as its own kind; realloc always moves;
 * fault injection by ordinal, domain, probability, site and function;
 * threads; the live-block count and the leak report.
 *
 * Error counters are global to the process, so every test compares them
 * before and after what it does.  The runtime writes its reports on stderr;
 * the tests that check the text redirect fd 2 to a file for a moment.
 * Tests that write to a block outside its bounds use volatile pointers so
 * that the compiler keeps the stores.
 */
#define _GNU_SOURCE
#include "pymemrt.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

/* A function that fault injection can name (func=): kept out of line, not
 * cloned, and its PyMem_Malloc call is not a tail call (the return address
 * must lie in it). */
#if defined(__GNUC__) && !defined(__clang__)
#define OUT_OF_LINE __attribute__((noinline, noclone))
#else
#define OUT_OF_LINE __attribute__((noinline))
#endif

/* ---- helpers ---- */

static const char *const kinds[] = {
    "wrong-domain", "double-free", "unknown-free", "interior-free",
    "non-heap-free", "guard-overwrite", "write-after-free",
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

struct snap {
    size_t total;
    size_t by_kind[NKINDS];
};

static struct snap take_snap(void)
{
    struct snap s;
    s.total = pymemrt_errors(NULL);
    for (size_t i = 0; i < NKINDS; i++)
        s.by_kind[i] = pymemrt_errors(kinds[i]);
    return s;
}

/* Since 's', exactly 'n' errors were reported, all of kind 'kind' (NULL
 * with n == 0: none at all). */
static void expect_errors(const struct snap *s, const char *kind, size_t n)
{
    struct snap now = take_snap();
    for (size_t i = 0; i < NKINDS; i++) {
        size_t want = kind && strcmp(kind, kinds[i]) == 0 ? n : 0;
        if (now.by_kind[i] - s->by_kind[i] != want)
            print_error("kind %s: %zu new reports, expected %zu\n", kinds[i],
                        now.by_kind[i] - s->by_kind[i], want);
        assert_int_equal(now.by_kind[i] - s->by_kind[i], want);
    }
    assert_int_equal(now.total - s->total, n);
}

static bool all_bytes(const void *p, int byte, size_t n)
{
    const unsigned char *u = p;
    for (size_t i = 0; i < n; i++)
        if (u[i] != (unsigned char)byte)
            return false;
    return true;
}

struct domain {
    const char *name;
    void *(*malloc)(size_t);
    void *(*calloc)(size_t, size_t);
    void *(*realloc)(void *, size_t);
    void (*free)(void *);
};

static const struct domain domains[3] = {
    {"PyMem_Raw", PyMem_RawMalloc, PyMem_RawCalloc, PyMem_RawRealloc,
     PyMem_RawFree},
    {"PyMem", PyMem_Malloc, PyMem_Calloc, PyMem_Realloc, PyMem_Free},
    {"PyObject", PyObject_Malloc, PyObject_Calloc, PyObject_Realloc,
     PyObject_Free},
};

/* stderr into a file for a while */
struct capture {
    int saved;
    FILE *file;
};

static void capture_begin(struct capture *c)
{
    fflush(stderr);
    c->file = tmpfile();
    assert_non_null(c->file);
    c->saved = dup(2);
    assert_true(c->saved >= 0);
    assert_true(dup2(fileno(c->file), 2) >= 0);
}

/* the text of the last capture (kept until the next one: a failed
 * assertion leaves the test without freeing anything) */
static char *captured;

/* Restore stderr; the captured text, valid until the next capture. */
static const char *capture_end(struct capture *c)
{
    fflush(stderr);
    assert_true(dup2(c->saved, 2) >= 0);
    close(c->saved);
    long n = ftell(c->file);
    assert_true(n >= 0);
    char *text = calloc(1, (size_t)n + 1);
    assert_non_null(text);
    rewind(c->file);
    size_t got = fread(text, 1, (size_t)n, c->file);
    text[got] = '\0';
    fclose(c->file);
    free(captured);
    captured = text;
    return text;
}

static size_t count_lines_with(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (memmem(line, len, needle, strlen(needle)))
            n++;
        line = end ? end + 1 : NULL;
    }
    return n;
}

static int reset_faults(void **state)
{
    (void)state;
    return pymemrt_set_faults(NULL);
}

/* ---- call sites ---- */

/* Reports name file:line of this test (the runtime reads its DWARF line
 * table with libdw); the fault tests by site= and the report tests need
 * it. */
static void test_sites_resolve_to_file_line(void **state)
{
    (void)state;
    struct capture cap;
    char want[256];
    struct snap s = take_snap();
    char *p = PyMem_Malloc(8);
    assert_non_null(p);
    capture_begin(&cap);
    PyMem_Free(p + 1); unsigned line = __LINE__;
    const char *err = capture_end(&cap);
    PyMem_Free(p);
    expect_errors(&s, "interior-free", 1);
    snprintf(want, sizeof want, "test-pymemrt.c:%u: error: ", line);
    if (!strstr(err, want))
        print_error("the report does not name test-pymemrt.c:%u; the runtime "
                    "could not resolve the call site to a line (libdw found "
                    "no line table for it?):\n%s", line, err);
    assert_non_null(strstr(err, want));
}

/* ---- correct use ---- */

static void test_correct_use_reports_nothing(void **state)
{
    (void)state;
    struct snap s = take_snap();
    size_t live = pymemrt_live_blocks();
    for (int d = 0; d < 3; d++) {
        const struct domain *dom = &domains[d];
        unsigned char *m = dom->malloc(100);
        assert_non_null(m);
        assert_int_equal((uintptr_t)m % _Alignof(max_align_t), 0);
        assert_true(all_bytes(m, PYMEMRT_FILL_NEW, 100));
        memset(m, 'a' + d, 100);

        unsigned char *c = dom->calloc(10, 10);
        assert_non_null(c);
        assert_true(all_bytes(c, 0, 100));
        assert_int_equal(pymemrt_live_blocks(), live + 2);

        unsigned char *r = dom->realloc(m, 200);
        assert_non_null(r);
        assert_true(all_bytes(r, 'a' + d, 100));
        assert_true(all_bytes(r + 100, PYMEMRT_FILL_NEW, 100));
        assert_int_equal(pymemrt_live_blocks(), live + 2);

        /* realloc(NULL, n) is malloc(n) */
        unsigned char *n = dom->realloc(NULL, 16);
        assert_non_null(n);
        assert_true(all_bytes(n, PYMEMRT_FILL_NEW, 16));

        /* 0 bytes: distinct non-NULL pointers */
        void *z1 = dom->malloc(0), *z2 = dom->malloc(0);
        void *z3 = dom->calloc(0, 8), *z4 = dom->realloc(NULL, 0);
        assert_non_null(z1);
        assert_non_null(z2);
        assert_non_null(z3);
        assert_non_null(z4);
        assert_ptr_not_equal(z1, z2);
        assert_ptr_not_equal(z1, z3);
        assert_ptr_not_equal(z2, z3);
        assert_ptr_not_equal(z3, z4);
        assert_int_equal(pymemrt_live_blocks(), live + 7);

        dom->free(r);
        dom->free(c);
        dom->free(n);
        dom->free(z1);
        dom->free(z2);
        dom->free(z3);
        dom->free(z4);
        dom->free(NULL);
        assert_int_equal(pymemrt_live_blocks(), live);
    }
    assert_int_equal(pymemrt_check(), 0);
    expect_errors(&s, NULL, 0);
}

static void test_calloc_overflow_is_null(void **state)
{
    (void)state;
    struct snap s = take_snap();
    size_t live = pymemrt_live_blocks();
    for (int d = 0; d < 3; d++) {
        assert_null(domains[d].calloc(SIZE_MAX / 2, 4));
        assert_null(domains[d].malloc(SIZE_MAX));
    }
    assert_int_equal(pymemrt_live_blocks(), live);
    expect_errors(&s, NULL, 0);
}

/* ---- misuse ---- */

static void test_wrong_domain(void **state)
{
    (void)state;
    size_t live = pymemrt_live_blocks();
    struct snap s = take_snap();
    void *p = PyMem_Malloc(16);
    assert_non_null(p);
    PyObject_Free(p);
    expect_errors(&s, "wrong-domain", 1);
    /* released anyway (by its own allocator) */
    assert_int_equal(pymemrt_live_blocks(), live);

    s = take_snap();
    void *q = PyMem_RawMalloc(16);
    assert_non_null(q);
    PyMem_Free(q);
    expect_errors(&s, "wrong-domain", 1);

    s = take_snap();
    void *o = PyObject_Malloc(16);
    assert_non_null(o);
    PyMem_RawFree(o);
    expect_errors(&s, "wrong-domain", 1);
    assert_int_equal(pymemrt_live_blocks(), live);
}

static void test_double_free(void **state)
{
    (void)state;
    size_t live = pymemrt_live_blocks();
    for (int d = 0; d < 3; d++) {
        struct snap s = take_snap();
        void *p = domains[d].malloc(24);
        assert_non_null(p);
        domains[d].free(p);
        expect_errors(&s, NULL, 0);
        domains[d].free(p);
        expect_errors(&s, "double-free", 1);
    }
    assert_int_equal(pymemrt_live_blocks(), live);
}

static void test_interior_free(void **state)
{
    (void)state;
    size_t live = pymemrt_live_blocks();
    struct snap s = take_snap();
    char *p = PyMem_Malloc(32);
    assert_non_null(p);
    PyMem_Free(p + 1);
    expect_errors(&s, "interior-free", 1);
    PyObject_Free(p + 31);
    expect_errors(&s, "interior-free", 2);
    /* not released: still live and intact */
    assert_int_equal(pymemrt_live_blocks(), live + 1);
    assert_true(all_bytes(p, PYMEMRT_FILL_NEW, 32));
    PyMem_Free(p);
    expect_errors(&s, "interior-free", 2);
    assert_int_equal(pymemrt_live_blocks(), live);
}

static char static_array[32];

static void test_non_heap_free(void **state)
{
    (void)state;
    struct snap s = take_snap();
    char local[16];
    memset(local, 's', sizeof local);
    PyMem_Free(local);
    expect_errors(&s, "non-heap-free", 1);
    assert_true(all_bytes(local, 's', sizeof local));

    s = take_snap();
    PyObject_Free(static_array);
    expect_errors(&s, "non-heap-free", 1);
    PyMem_RawFree(static_array + 8);
    expect_errors(&s, "non-heap-free", 2);
}

static void test_unknown_free(void **state)
{
    (void)state;
    size_t live = pymemrt_live_blocks();
    struct snap s = take_snap();
    char *m = malloc(64); /* a heap block pymemrt never handed out */
    assert_non_null(m);
    memset(m, 'u', 64);
    PyMem_Free(m);
    expect_errors(&s, "unknown-free", 1);
    PyObject_Free(m);
    expect_errors(&s, "unknown-free", 2);
    assert_true(all_bytes(m, 'u', 64)); /* left alone */
    free(m);
    assert_int_equal(pymemrt_live_blocks(), live);
}

static void test_guard_overwrite_detected_at_free(void **state)
{
    (void)state;
    struct capture cap;
    struct snap s = take_snap();
    volatile char *p = PyMem_Malloc(10);
    assert_non_null(p);
    p[10] = 'x'; /* one past the end */
    capture_begin(&cap);
    PyMem_Free((void *)p);
    const char *err = capture_end(&cap);
    expect_errors(&s, "guard-overwrite", 1);
    assert_non_null(strstr(err, "written past its end (at offset 10)"));

    s = take_snap();
    volatile char *q = PyObject_Malloc(10);
    assert_non_null(q);
    q[-1] = 'x'; /* one before the start */
    capture_begin(&cap);
    PyObject_Free((void *)q);
    err = capture_end(&cap);
    expect_errors(&s, "guard-overwrite", 1);
    assert_non_null(strstr(err, "written 1 byte before its start"));

    /* the last guard byte too */
    s = take_snap();
    volatile char *r = PyMem_RawMalloc(10);
    assert_non_null(r);
    r[10 + PYMEMRT_GUARD_SIZE - 1] = 'x';
    PyMem_RawFree((void *)r);
    expect_errors(&s, "guard-overwrite", 1);
}

static void test_guard_overwrite_detected_by_check(void **state)
{
    (void)state;
    assert_int_equal(pymemrt_check(), 0);
    struct snap s = take_snap();
    volatile unsigned char *p = PyMem_RawMalloc(24);
    assert_non_null(p);
    p[24] = 0;
    assert_int_equal(pymemrt_check(), 1);
    expect_errors(&s, "guard-overwrite", 1);
    /* still damaged: reported again by the next check */
    assert_int_equal(pymemrt_check(), 1);
    expect_errors(&s, "guard-overwrite", 2);
    p[24] = PYMEMRT_GUARD_BYTE; /* repaired */
    assert_int_equal(pymemrt_check(), 0);

    p[-1] = 0;
    assert_int_equal(pymemrt_check(), 1);
    expect_errors(&s, "guard-overwrite", 3);
    p[-1] = PYMEMRT_GUARD_BYTE;
    assert_int_equal(pymemrt_check(), 0);

    PyMem_RawFree((void *)p); /* intact now: nothing more */
    expect_errors(&s, "guard-overwrite", 3);
}

static void test_write_after_free_detected_by_check(void **state)
{
    (void)state;
    assert_int_equal(pymemrt_check(), 0);
    struct snap s = take_snap();
    volatile char *p = PyMem_Malloc(32);
    assert_non_null(p);
    PyMem_Free((void *)p);
    assert_true(all_bytes((const void *)p, PYMEMRT_FILL_FREED, 32));
    assert_int_equal(pymemrt_check(), 0);
    p[7] = 'w';
    assert_int_equal(pymemrt_check(), 1);
    expect_errors(&s, "write-after-free", 1);
    /* reported once */
    assert_int_equal(pymemrt_check(), 0);
    expect_errors(&s, "write-after-free", 1);
}

/* A block written after release and then pushed out of the quarantine by
 * later releases is reported as it leaves. */
static void test_write_after_free_detected_at_eviction(void **state)
{
    (void)state;
    struct snap s = take_snap();
    volatile char *p = PyObject_Malloc(48);
    assert_non_null(p);
    PyObject_Free((void *)p);
    p[0] = 'w';
    /* release 64 KiB blocks until it is evicted (the quarantine holds
     * 4 MiB and evicts up to 8 blocks per release) */
    int rounds = 0;
    while (pymemrt_errors("write-after-free") == s.by_kind[6] &&
           rounds < 20000) {
        void *big = PyMem_Malloc(65536);
        assert_non_null(big);
        PyMem_Free(big);
        rounds++;
    }
    print_message("evicted after %d releases of 64 KiB\n", rounds);
    expect_errors(&s, "write-after-free", 1);
}

/* ---- realloc ---- */

static void test_realloc_always_moves(void **state)
{
    (void)state;
    size_t live = pymemrt_live_blocks();
    struct snap s = take_snap();
    for (int d = 0; d < 3; d++) {
        const struct domain *dom = &domains[d];
        unsigned char *p = dom->malloc(16);
        assert_non_null(p);
        for (int i = 0; i < 16; i++)
            p[i] = (unsigned char)i;
        unsigned char *same = dom->realloc(p, 16);   /* same size */
        assert_non_null(same);
        assert_ptr_not_equal(same, p);
        for (int i = 0; i < 16; i++)
            assert_int_equal(same[i], i);
        unsigned char *small = dom->realloc(same, 8); /* shrink */
        assert_non_null(small);
        assert_ptr_not_equal(small, same);
        for (int i = 0; i < 8; i++)
            assert_int_equal(small[i], i);
        unsigned char *big = dom->realloc(small, 4096); /* grow */
        assert_non_null(big);
        assert_ptr_not_equal(big, small);
        for (int i = 0; i < 8; i++)
            assert_int_equal(big[i], i);
        assert_true(all_bytes(big + 8, PYMEMRT_FILL_NEW, 4096 - 8));
        /* the old blocks are released: filled, and in the quarantine */
        assert_true(all_bytes(p, PYMEMRT_FILL_FREED, 16));
        assert_int_equal(pymemrt_live_blocks(), live + 1);
        dom->free(big);
    }
    assert_int_equal(pymemrt_live_blocks(), live);
    assert_int_equal(pymemrt_check(), 0);
    expect_errors(&s, NULL, 0);
}

static void test_realloc_of_freed_block(void **state)
{
    (void)state;
    size_t live = pymemrt_live_blocks();
    struct snap s = take_snap();
    void *p = PyMem_Malloc(16);
    assert_non_null(p);
    PyMem_Free(p);
    assert_null(PyMem_Realloc(p, 32));
    expect_errors(&s, "double-free", 1);
    assert_int_equal(pymemrt_live_blocks(), live);

    /* the old address of a moved block is released too */
    s = take_snap();
    void *a = PyObject_Malloc(16);
    void *b = PyObject_Realloc(a, 32);
    assert_non_null(b);
    assert_null(PyObject_Realloc(a, 64));
    expect_errors(&s, "double-free", 1);
    PyObject_Free(a);
    expect_errors(&s, "double-free", 2);
    PyObject_Free(b);
    expect_errors(&s, "double-free", 2);
    assert_int_equal(pymemrt_live_blocks(), live);
}

static void test_realloc_misuse(void **state)
{
    (void)state;
    size_t live = pymemrt_live_blocks();
    /* another domain's realloc: reported, the block keeps its domain */
    struct snap s = take_snap();
    char *p = PyMem_Malloc(8);
    assert_non_null(p);
    memset(p, 'd', 8);
    char *q = PyObject_Realloc(p, 16);
    assert_non_null(q);
    expect_errors(&s, "wrong-domain", 1);
    assert_true(all_bytes(q, 'd', 8));
    PyMem_Free(q);
    expect_errors(&s, "wrong-domain", 1);
    assert_int_equal(pymemrt_live_blocks(), live);

    /* an interior pointer: reported, NULL, the block untouched */
    s = take_snap();
    char *r = PyMem_Malloc(8);
    assert_non_null(r);
    assert_null(PyMem_Realloc(r + 4, 16));
    expect_errors(&s, "interior-free", 1);
    assert_int_equal(pymemrt_live_blocks(), live + 1);
    PyMem_Free(r);

    /* a stack address */
    s = take_snap();
    char local[8];
    assert_null(PyMem_Realloc(local, 16));
    expect_errors(&s, "non-heap-free", 1);
    assert_int_equal(pymemrt_live_blocks(), live);
}

/* ---- fault injection ---- */

static void test_fault_nth(void **state)
{
    (void)state;
    size_t injected = pymemrt_faults_injected();
    assert_int_equal(pymemrt_set_faults("nth=3"), 0);
    void *p[6];
    /* the count runs across domains and calls */
    p[0] = PyMem_Malloc(8);
    p[1] = PyObject_Calloc(1, 8);
    p[2] = PyMem_RawMalloc(8);
    p[3] = PyMem_RawMalloc(8);
    p[4] = PyMem_Malloc(8);
    p[5] = PyObject_Malloc(8);
    for (int i = 0; i < 6; i++) {
        if (i == 2)
            assert_null(p[i]);
        else
            assert_non_null(p[i]);
    }
    assert_int_equal(pymemrt_faults_injected() - injected, 1);
    PyMem_Free(p[0]);
    PyObject_Free(p[1]);
    PyMem_RawFree(p[3]);
    PyMem_Free(p[4]);
    PyObject_Free(p[5]);
}

static void test_fault_nth_count(void **state)
{
    (void)state;
    size_t injected = pymemrt_faults_injected();
    size_t live = pymemrt_live_blocks();
    assert_int_equal(pymemrt_set_faults("nth=2,count=2"), 0);
    void *p[6];
    for (int i = 0; i < 6; i++)
        p[i] = domains[i % 3].malloc(8);
    for (int i = 0; i < 6; i++) {
        if (i == 1 || i == 2)
            assert_null(p[i]);
        else
            assert_non_null(p[i]);
    }
    assert_int_equal(pymemrt_faults_injected() - injected, 2);
    for (int i = 0; i < 6; i++)
        domains[i % 3].free(p[i]);
    assert_int_equal(pymemrt_live_blocks(), live);
}

static void test_fault_every_domain_obj(void **state)
{
    (void)state;
    size_t live = pymemrt_live_blocks();
    char *old = PyObject_Malloc(8);
    assert_non_null(old);
    memset(old, 'o', 8);
    size_t injected = pymemrt_faults_injected();
    struct snap s = take_snap();
    assert_int_equal(pymemrt_set_faults("every,domain=obj"), 0);
    for (int i = 0; i < 10; i++) {
        assert_null(PyObject_Malloc(8));
        assert_null(PyObject_Calloc(2, 8));
        assert_null(PyObject_Realloc(NULL, 8));
        void *m = PyMem_Malloc(8), *r = PyMem_RawCalloc(1, 8);
        assert_non_null(m);
        assert_non_null(r);
        PyMem_Free(m);
        PyMem_RawFree(r);
    }
    /* a failed realloc leaves the old block as it was */
    assert_null(PyObject_Realloc(old, 64));
    assert_true(all_bytes(old, 'o', 8));
    assert_int_equal(pymemrt_faults_injected() - injected, 31);
    assert_int_equal(pymemrt_set_faults(NULL), 0);
    PyObject_Free(old);
    assert_int_equal(pymemrt_live_blocks(), live);
    expect_errors(&s, NULL, 0);
}

static void failure_pattern(bool *failed, int n)
{
    for (int i = 0; i < n; i++) {
        void *p = PyMem_Malloc(8);
        failed[i] = p == NULL;
        PyMem_Free(p);
    }
}

static void test_fault_prob_seed(void **state)
{
    (void)state;
    enum { N = 256 };
    bool first[N], second[N], other[N];
    size_t injected = pymemrt_faults_injected();
    assert_int_equal(pymemrt_set_faults("prob=0.5,seed=7"), 0);
    failure_pattern(first, N);
    /* setting the spec again starts it over */
    assert_int_equal(pymemrt_set_faults("prob=0.5,seed=7"), 0);
    failure_pattern(second, N);
    assert_memory_equal(first, second, sizeof first);
    int failures = 0;
    for (int i = 0; i < N; i++)
        failures += first[i];
    print_message("prob=0.5,seed=7: %d of %d failed\n", failures, N);
    assert_in_range(failures, N / 2 - 32, N / 2 + 32);
    assert_int_equal(pymemrt_faults_injected() - injected, 2 * failures);
    /* another seed, another sequence */
    assert_int_equal(pymemrt_set_faults("prob=0.5,seed=8"), 0);
    failure_pattern(other, N);
    assert_memory_not_equal(first, other, sizeof first);
    /* the extremes */
    assert_int_equal(pymemrt_set_faults("prob=0,seed=1"), 0);
    failure_pattern(other, N);
    for (int i = 0; i < N; i++)
        assert_false(other[i]);
    assert_int_equal(pymemrt_set_faults("prob=1"), 0);
    failure_pattern(other, N);
    for (int i = 0; i < N; i++)
        assert_true(other[i]);
}

/* Two allocations on two lines; the lines are noted as they run. */
static unsigned line_a, line_b;

static void two_sites(void **a, void **b)
{
    *a = PyMem_Malloc(8); line_a = __LINE__;
    *b = PyObject_Malloc(8); line_b = __LINE__;
}

static void test_fault_site(void **state)
{
    (void)state;
    void *a, *b;
    char spec[4096];
    size_t live = pymemrt_live_blocks();
    two_sites(&a, &b); /* learn the lines */
    assert_non_null(a);
    assert_non_null(b);
    PyMem_Free(a);
    PyObject_Free(b);
    assert_int_not_equal(line_a, line_b);

    /* site= alone fails the first call from that line */
    size_t injected = pymemrt_faults_injected();
    snprintf(spec, sizeof spec, "site=test-pymemrt.c:%u", line_b);
    assert_int_equal(pymemrt_set_faults(spec), 0);
    for (int i = 0; i < 4; i++) {
        two_sites(&a, &b);
        assert_non_null(a);
        if (i == 0)
            assert_null(b);
        else
            assert_non_null(b);
        PyMem_Free(a);
        PyObject_Free(b);
    }
    assert_int_equal(pymemrt_faults_injected() - injected, 1);

    /* with every: each call from that line; the full path works too */
    injected = pymemrt_faults_injected();
    snprintf(spec, sizeof spec, "site=%s:%u,every", __FILE__, line_a);
    assert_int_equal(pymemrt_set_faults(spec), 0);
    for (int i = 0; i < 4; i++) {
        two_sites(&a, &b);
        assert_null(a);
        assert_non_null(b);
        PyObject_Free(b);
    }
    assert_int_equal(pymemrt_faults_injected() - injected, 4);

    /* another file, or a line without an allocation: nothing fails */
    injected = pymemrt_faults_injected();
    snprintf(spec, sizeof spec, "site=other.c:%u,every;site=test-pymemrt.c:%u,every",
             line_a, line_a + 2);
    assert_int_equal(pymemrt_set_faults(spec), 0);
    two_sites(&a, &b);
    assert_non_null(a);
    assert_non_null(b);
    PyMem_Free(a);
    PyObject_Free(b);
    assert_int_equal(pymemrt_faults_injected() - injected, 0);
    assert_int_equal(pymemrt_live_blocks(), live);
}

void *pymemrt_test_alloc_helper(size_t n);
static volatile int helper_calls;
static unsigned helper_line;

OUT_OF_LINE void *pymemrt_test_alloc_helper(size_t n)
{
    void *p = PyMem_Malloc(n); helper_line = __LINE__;
    helper_calls++; /* after the call: not a tail call */
    return p;
}

static void test_fault_func(void **state)
{
    (void)state;
    size_t live = pymemrt_live_blocks();
    size_t injected = pymemrt_faults_injected();
    assert_int_equal(pymemrt_set_faults("func=pymemrt_test_alloc_helper,every"), 0);
    for (int i = 0; i < 5; i++) {
        assert_null(pymemrt_test_alloc_helper(8));
        void *direct = PyMem_Malloc(8); /* from this function: not named */
        assert_non_null(direct);
        PyMem_Free(direct);
    }
    assert_int_equal(pymemrt_faults_injected() - injected, 5);

    /* without every: the first call only */
    injected = pymemrt_faults_injected();
    assert_int_equal(pymemrt_set_faults("func=pymemrt_test_alloc_helper"), 0);
    for (int i = 0; i < 3; i++) {
        void *p = pymemrt_test_alloc_helper(8);
        if (i == 0)
            assert_null(p);
        else
            assert_non_null(p);
        PyMem_Free(p);
    }
    assert_int_equal(pymemrt_faults_injected() - injected, 1);

    /* an unknown name fails nothing */
    assert_int_equal(pymemrt_set_faults("func=no_such_function,every"), 0);
    void *p = pymemrt_test_alloc_helper(8);
    assert_non_null(p);
    PyMem_Free(p);
    assert_int_equal(pymemrt_live_blocks(), live);
}

static void test_fault_bad_spec_keeps_previous(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "bogus=1", "nth=0", "nth=-1", "nth=x", "count=0", "prob=2",
        "prob=half", "site=nocolon", "site=f.c:0", "site=:12",
        "domain=heap", "op=free", "every=1", "nth", "scope=all,site=f.c:3",
        "nth=3;bogus",
    };
    enum { NBAD = sizeof bad / sizeof bad[0] };
    size_t injected = pymemrt_faults_injected();
    assert_int_equal(pymemrt_set_faults("nth=2"), 0);
    struct capture cap;
    capture_begin(&cap);
    int rcs[NBAD];
    for (int i = 0; i < NBAD; i++)
        rcs[i] = pymemrt_set_faults(bad[i]);
    const char *err = capture_end(&cap);
    for (int i = 0; i < NBAD; i++) {
        if (rcs[i] != -1)
            print_error("spec '%s' was accepted\n", bad[i]);
        assert_int_equal(rcs[i], -1);
    }
    /* one line each */
    assert_int_equal(count_lines_with(err, "pymemrt: error: fault spec '"),
                     NBAD);
    size_t lines = 0;
    for (const char *c = err; *c; c++)
        lines += *c == '\n';
    assert_int_equal(lines, NBAD);

    /* "nth=2" still holds, its count untouched */
    void *p1 = PyMem_Malloc(8), *p2 = PyMem_Malloc(8), *p3 = PyMem_Malloc(8);
    assert_non_null(p1);
    assert_null(p2);
    assert_non_null(p3);
    assert_int_equal(pymemrt_faults_injected() - injected, 1);
    PyMem_Free(p1);
    PyMem_Free(p3);

    /* empty or NULL: nothing injected */
    assert_int_equal(pymemrt_set_faults(""), 0);
    void *q = PyMem_Malloc(8);
    assert_non_null(q);
    PyMem_Free(q);
    assert_int_equal(pymemrt_set_faults(NULL), 0);
    assert_int_equal(pymemrt_faults_injected() - injected, 1);
}

static void test_fault_realloc_keeps_block(void **state)
{
    (void)state;
    size_t live = pymemrt_live_blocks();
    struct snap s = take_snap();
    char *p = PyMem_Malloc(16);
    assert_non_null(p);
    memset(p, 'k', 16);
    assert_int_equal(pymemrt_set_faults("op=realloc,every"), 0);
    void *fresh = PyMem_Malloc(16); /* not a realloc: unaffected */
    assert_non_null(fresh);
    assert_null(PyMem_Realloc(p, 64));
    assert_true(all_bytes(p, 'k', 16));
    assert_int_equal(pymemrt_live_blocks(), live + 2);
    assert_int_equal(pymemrt_set_faults(NULL), 0);
    char *q = PyMem_Realloc(p, 64);
    assert_non_null(q);
    assert_true(all_bytes(q, 'k', 16));
    PyMem_Free(q);
    PyMem_Free(fresh);
    assert_int_equal(pymemrt_live_blocks(), live);
    expect_errors(&s, NULL, 0);
}

/* ---- what is said ---- */

/* One double free, always from the same call instructions. */
static unsigned alloc_line, free_line;

OUT_OF_LINE static void double_free_once(void)
{
    void *p = PyMem_Malloc(8); alloc_line = __LINE__;
    PyMem_Free(p);
    PyMem_Free(p); free_line = __LINE__;
}

static void test_report_text(void **state)
{
    (void)state;
    struct snap s = take_snap();
    struct capture cap;
    char want[512];
    capture_begin(&cap);
    for (int i = 0; i < 3; i++)
        double_free_once();
    const char *err = capture_end(&cap);
    /* counted every time, said once per site */
    expect_errors(&s, "double-free", 3);
    snprintf(want, sizeof want, "test-pymemrt.c:%u: error: PyMem_Free of a "
             "block already released at ", free_line);
    assert_int_equal(count_lines_with(err, want), 1);
    assert_int_equal(count_lines_with(err, " [pymemrt]"), 2);
    snprintf(want, sizeof want, "test-pymemrt.c:%u: note: allocated here "
             "[pymemrt]", alloc_line);
    assert_int_equal(count_lines_with(err, want), 1);
}

static void test_log_records(void **state)
{
    (void)state;
    char dir[] = "/tmp/test-pymemrt.XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(setenv("PYMEMRT_LOG_DIR", dir, 1), 0);
    void *p = PyObject_Malloc(8);
    PyObject_Free(p);
    PyObject_Free(p); unsigned line = __LINE__;
    unsetenv("PYMEMRT_LOG_DIR");

    char path[256], want[128];
    snprintf(path, sizeof path, "%s/pymemrt.%ld.jsonl", dir, (long)getpid());
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char record[8192];
    assert_non_null(fgets(record, sizeof record, f));
    assert_null(fgets(want, sizeof want, f)); /* one record */
    fclose(f);
    assert_non_null(strstr(record, "{\"event\":\"error\","));
    assert_non_null(strstr(record, "\"kind\":\"double-free\""));
    snprintf(want, sizeof want, "\"line\":%u,", line);
    assert_non_null(strstr(record, want));
    assert_non_null(strstr(record, "test-pymemrt.c\""));
    assert_non_null(strstr(record, "\"function\":\"test_log_records\""));
    unlink(path);
    rmdir(dir);
}

/* ---- live blocks and leaks ---- */

static void test_live_blocks_and_leak_report(void **state)
{
    (void)state;
    size_t live = pymemrt_live_blocks();
    void *two[2], *raw, *obj;
    unsigned raw_line = 0;
    /* two blocks from one call instruction (a loop may be unrolled: its
     * copies are separate sites) */
    for (int i = 0; i < 2; i++)
        two[i] = pymemrt_test_alloc_helper(24);
    raw = PyMem_RawCalloc(3, 10); raw_line = __LINE__;
    obj = PyObject_Malloc(1);
    assert_int_equal(pymemrt_live_blocks(), live + 4);

    struct capture cap;
    capture_begin(&cap);
    size_t leaked = pymemrt_report_leaks();
    const char *err = capture_end(&cap);
    assert_int_equal(leaked, live + 4);
    char want[256];
    snprintf(want, sizeof want, "test-pymemrt.c:%u: warning: 2 blocks (48 "
             "bytes) from PyMem still live at exit [pymemrt]", helper_line);
    assert_int_equal(count_lines_with(err, want), 1);
    snprintf(want, sizeof want, "test-pymemrt.c:%u: warning: 1 block (30 "
             "bytes) from PyMem_Raw still live at exit [pymemrt]", raw_line);
    assert_int_equal(count_lines_with(err, want), 1);

    PyMem_Free(two[0]);
    assert_int_equal(pymemrt_live_blocks(), live + 3);
    PyMem_Free(two[1]);
    PyMem_RawFree(raw);
    PyObject_Free(obj);
    assert_int_equal(pymemrt_live_blocks(), live);
    capture_begin(&cap);
    leaked = pymemrt_report_leaks();
    capture_end(&cap);
    assert_int_equal(leaked, live);
}

/* ---- threads ---- */

enum { THREADS = 8, CYCLES = 20000 };

static void *churn(void *arg)
{
    uintptr_t t = (uintptr_t)arg;
    uintptr_t bad = 0;
    for (unsigned i = 0; i < CYCLES; i++) {
        const struct domain *dom = &domains[(i + t) % 3];
        size_t size = 1 + (i * 37 + t * 11) % 600;
        unsigned char fill = (unsigned char)(t * 31 + i);
        unsigned char *p = i % 2 ? dom->malloc(size) : dom->calloc(size, 1);
        if (!p) {
            bad++;
            continue;
        }
        memset(p, fill, size);
        size_t size2 = i % 3 ? size * 2 : size / 2 + 1;
        unsigned char *q = dom->realloc(p, size2);
        if (!q || q == p) {
            bad++;
            dom->free(q ? q : p);
            continue;
        }
        if (!all_bytes(q, fill, size < size2 ? size : size2))
            bad++;
        dom->free(q);
    }
    return (void *)bad;
}

static void test_threads(void **state)
{
    (void)state;
    size_t live = pymemrt_live_blocks();
    struct snap s = take_snap();
    pthread_t th[THREADS];
    for (uintptr_t t = 0; t < THREADS; t++)
        assert_int_equal(pthread_create(&th[t], NULL, churn, (void *)t), 0);
    uintptr_t bad = 0;
    for (int t = 0; t < THREADS; t++) {
        void *ret;
        assert_int_equal(pthread_join(th[t], &ret), 0);
        bad += (uintptr_t)ret;
    }
    assert_int_equal(bad, 0);
    assert_int_equal(pymemrt_live_blocks(), live);
    assert_int_equal(pymemrt_check(), 0);
    expect_errors(&s, NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sites_resolve_to_file_line),
        cmocka_unit_test(test_correct_use_reports_nothing),
        cmocka_unit_test(test_calloc_overflow_is_null),
        cmocka_unit_test(test_wrong_domain),
        cmocka_unit_test(test_double_free),
        cmocka_unit_test(test_interior_free),
        cmocka_unit_test(test_non_heap_free),
        cmocka_unit_test(test_unknown_free),
        cmocka_unit_test(test_guard_overwrite_detected_at_free),
        cmocka_unit_test(test_guard_overwrite_detected_by_check),
        cmocka_unit_test(test_write_after_free_detected_by_check),
        cmocka_unit_test(test_realloc_always_moves),
        cmocka_unit_test(test_realloc_of_freed_block),
        cmocka_unit_test(test_realloc_misuse),
        cmocka_unit_test_teardown(test_fault_nth, reset_faults),
        cmocka_unit_test_teardown(test_fault_nth_count, reset_faults),
        cmocka_unit_test_teardown(test_fault_every_domain_obj, reset_faults),
        cmocka_unit_test_teardown(test_fault_prob_seed, reset_faults),
        cmocka_unit_test_teardown(test_fault_site, reset_faults),
        cmocka_unit_test_teardown(test_fault_func, reset_faults),
        cmocka_unit_test_teardown(test_fault_bad_spec_keeps_previous,
                                  reset_faults),
        cmocka_unit_test_teardown(test_fault_realloc_keeps_block, reset_faults),
        cmocka_unit_test(test_report_text),
        cmocka_unit_test(test_log_records),
        cmocka_unit_test(test_live_blocks_and_leak_report),
        cmocka_unit_test(test_write_after_free_detected_at_eviction),
        cmocka_unit_test(test_threads),
    };
    int failed = cmocka_run_group_tests_name("pymemrt", tests, NULL, NULL);
    free(captured);
    return failed;
}
