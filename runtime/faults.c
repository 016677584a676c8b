/*
 * runtime/faults.c - fault injection: which allocations to fail, by call
 * site (FILE:LINE of the extension), by enclosing function, by ordinal
 * (the Nth matching allocation), or by probability with a seed. Specs come
 * from PYMEMRT_FAULTS / PYMEMRT_FAULTS_FILE or pymemrt_set_faults(); each
 * injected failure is logged on stderr and as a "fault" record, so a run
 * is deterministic and says what it did.
 *
 * Spec syntax: specs separated by ';' or newlines, each a comma-separated
 * list of:  site=FILE:LINE  func=NAME  nth=N (default 1)  count=K
 * (default 1)  every (all from the nth on)  prob=P  seed=S
 * domain=raw|mem|obj  op=alloc|realloc  scope=all (count allocations from
 * the interpreter too; default: only from watched extension code).
 */
#include "rt.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fault_spec {
    char *file;          /* site= file part, or NULL */
    unsigned line;
    char *func;          /* func=, or NULL */
    unsigned long nth, count;
    bool every;
    double prob;         /* < 0: not by probability */
    uint64_t rng;        /* xorshift state (prob) */
    int domain;          /* -1: any */
    int op;              /* -1 any, RT_OP_MALLOC alloc (malloc/calloc), RT_OP_REALLOC */
    bool scope_all;
    atomic_ulong seen;   /* matching calls so far */
};

struct fault_set {
    struct fault_spec *specs;
    size_t n;
    struct fault_set *replaced; /* kept, never freed: see rt_faults_set */
};

static _Atomic(struct fault_set *) current;
static pthread_mutex_t rng_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_size_t injected;

static void bad_spec(const char *spec, const char *why)
{
    fprintf(stderr, "pymemrt: error: fault spec '%s': %s\n", spec, why);
}

static bool parse_ulong(const char *text, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno || end == text || *end || *text == '-')
        return false;
    *out = v;
    return true;
}

/* Parse one spec (modified in place); false after reporting. */
static bool parse_spec(char *text, struct fault_spec *f)
{
    *f = (struct fault_spec){.nth = 1, .count = 1, .prob = -1,
                             .rng = 0x2545F4914F6CDD1Dull, .domain = -1,
                             .op = -1};
    char *save = NULL;
    char *copy = rt_strdup(text);
    for (char *tok = strtok_r(text, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ' || *tok == '\t')
            tok++;
        char *eq = strchr(tok, '=');
        char *value = eq ? eq + 1 : NULL;
        if (eq)
            *eq = '\0';
        unsigned long n;
        if (strcmp(tok, "every") == 0 && !value) {
            f->every = true;
        } else if (!value) {
            bad_spec(copy, "expected key=value");
            goto fail;
        } else if (strcmp(tok, "site") == 0) {
            char *colon = strrchr(value, ':');
            if (!colon || colon == value || !parse_ulong(colon + 1, &n) || !n) {
                bad_spec(copy, "site= wants FILE:LINE");
                goto fail;
            }
            *colon = '\0';
            f->file = rt_strdup(value);
            f->line = (unsigned)n;
        } else if (strcmp(tok, "func") == 0 && *value) {
            f->func = rt_strdup(value);
        } else if (strcmp(tok, "nth") == 0 && parse_ulong(value, &n) && n) {
            f->nth = n;
        } else if (strcmp(tok, "count") == 0 && parse_ulong(value, &n) && n) {
            f->count = n;
        } else if (strcmp(tok, "seed") == 0 && parse_ulong(value, &n)) {
            f->rng = n * 0x9E3779B97F4A7C15ull + 1;
        } else if (strcmp(tok, "prob") == 0) {
            char *end;
            double p = strtod(value, &end);
            if (end == value || *end || !(p >= 0 && p <= 1)) {
                bad_spec(copy, "prob= wants a number from 0 to 1");
                goto fail;
            }
            f->prob = p;
        } else if (strcmp(tok, "domain") == 0) {
            f->domain = strcmp(value, "raw") == 0   ? RT_RAW
                        : strcmp(value, "mem") == 0 ? RT_MEM
                        : strcmp(value, "obj") == 0 ? RT_OBJ
                                                    : -2;
            if (f->domain == -2) {
                bad_spec(copy, "domain= wants raw, mem or obj");
                goto fail;
            }
        } else if (strcmp(tok, "op") == 0) {
            f->op = strcmp(value, "alloc") == 0     ? RT_OP_MALLOC
                    : strcmp(value, "realloc") == 0 ? RT_OP_REALLOC
                                                    : -2;
            if (f->op == -2) {
                bad_spec(copy, "op= wants alloc or realloc");
                goto fail;
            }
        } else if (strcmp(tok, "scope") == 0 &&
                   (strcmp(value, "all") == 0 || strcmp(value, "ext") == 0)) {
            f->scope_all = strcmp(value, "all") == 0;
        } else {
            bad_spec(copy, "unknown key or bad value");
            goto fail;
        }
    }
    if (f->scope_all && (f->file || f->func)) {
        bad_spec(copy, "scope=all cannot go with site= or func=");
        goto fail;
    }
    rt_free(copy);
    return true;
fail:
    rt_free(f->file);
    rt_free(f->func);
    rt_free(copy);
    return false;
}

int rt_faults_set(const char *specs)
{
    struct fault_set *set = rt_alloc(sizeof *set);
    if (specs && *specs) {
        char *text = rt_strdup(specs);
        size_t cap = 1;
        for (const char *p = specs; *p; p++)
            cap += *p == ';' || *p == '\n';
        set->specs = rt_alloc(cap * sizeof *set->specs);
        char *save = NULL;
        for (char *one = strtok_r(text, ";\n", &save); one;
             one = strtok_r(NULL, ";\n", &save)) {
            while (*one == ' ' || *one == '\t')
                one++;
            if (!*one || *one == '#')
                continue;
            if (!parse_spec(one, &set->specs[set->n])) {
                rt_free(text);
                for (size_t i = 0; i < set->n; i++) {
                    rt_free(set->specs[i].file);
                    rt_free(set->specs[i].func);
                }
                rt_free(set->specs);
                rt_free(set);
                return -1;
            }
            set->n++;
        }
        rt_free(text);
    }
    /* the old set may be in use by another thread, so it is kept, linked
       from the new one (a few bytes per call; it stays reachable) */
    static pthread_mutex_t set_lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&set_lock);
    set->replaced = atomic_load(&current);
    atomic_store(&current, set);
    pthread_mutex_unlock(&set_lock);
    return 0;
}

void rt_faults_from_env(void)
{
    const char *specs = getenv("PYMEMRT_FAULTS");
    const char *path = getenv("PYMEMRT_FAULTS_FILE");
    if (path && *path) {
        FILE *f = fopen(path, "r");
        if (!f) {
            fprintf(stderr, "pymemrt: error: %s: cannot read the fault specs: %s\n",
                    path, strerror(errno));
            return;
        }
        char buf[65536];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = '\0';
        fclose(f);
        rt_faults_set(buf);
        return;
    }
    if (specs && *specs)
        rt_faults_set(specs);
}

/* Whether a resolved DWARF file name is the spec's file. */
static bool file_matches(const char *site_file, const char *want)
{
    if (!site_file)
        return false;
    if (strcmp(site_file, want) == 0)
        return true;
    size_t a = strlen(site_file), b = strlen(want);
    if (a > b && site_file[a - b - 1] == '/' &&
        strcmp(site_file + a - b, want) == 0)
        return true;
    if (b > a && want[b - a - 1] == '/' && strcmp(want + b - a, site_file) == 0)
        return true;
    return false;
}

static double next_random(struct fault_spec *f)
{
    pthread_mutex_lock(&rng_lock);
    uint64_t x = f->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    f->rng = x;
    pthread_mutex_unlock(&rng_lock);
    return (double)((x * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

bool rt_fault_should_fail(enum rt_domain domain, enum rt_op op,
                          struct rt_site *site, size_t size)
{
    struct fault_set *set = atomic_load_explicit(&current, memory_order_acquire);
    if (!set || !set->n)
        return false;
    for (size_t i = 0; i < set->n; i++) {
        struct fault_spec *f = &set->specs[i];
        if (f->domain >= 0 && f->domain != (int)domain)
            continue;
        if (f->op == RT_OP_REALLOC && op != RT_OP_REALLOC)
            continue;
        if (f->op == RT_OP_MALLOC && op == RT_OP_REALLOC)
            continue;
        if (!site && !f->scope_all)
            continue;
        if (f->file || f->func) {
            rt_site_resolve(site);
            if (f->file && (site->line != f->line ||
                            !file_matches(site->file, f->file)))
                continue;
            if (f->func && (!site->function || strcmp(site->function, f->func)))
                continue;
        }
        unsigned long seen = atomic_fetch_add(&f->seen, 1) + 1;
        bool fail;
        if (f->prob >= 0)
            fail = next_random(f) < f->prob;
        else
            fail = seen >= f->nth && (f->every || seen - f->nth < f->count);
        if (!fail)
            continue;
        size_t total = atomic_fetch_add(&injected, 1) + 1;
        char where[512] = "interpreter";
        if (site)
            rt_site_format(site, 0, where, sizeof where);
        fprintf(stderr,
                "%s: note: pymemrt injected a failure of %s (%zu bytes), "
                "fault spec %zu, matching call %lu [pymemrt]\n",
                where, rt_api_name(domain, op), size, i + 1, seen);
        char spec_no[24], call_no[24], total_no[24], line_no[24];
        snprintf(spec_no, sizeof spec_no, "%zu", i + 1);
        snprintf(call_no, sizeof call_no, "%lu", seen);
        snprintf(total_no, sizeof total_no, "%zu", total);
        snprintf(line_no, sizeof line_no, "%u", site ? site->line : 0);
        rt_record("fault", "api", rt_api_name(domain, op), "file",
                  site && site->file ? site->file : "", "line", line_no,
                  "function", site && site->function ? site->function : "",
                  "spec", spec_no, "call", call_no, "injected", total_no,
                  (const char *)NULL);
        return true;
    }
    return false;
}

size_t rt_faults_injected(void)
{
    return atomic_load(&injected);
}
