/*
 * analyzer/validate.c - the plan for each finding (which run shows it, which
 * fault to inject where) and the verdicts read from what the hook recorded
 * (see validate.h).
 *
 *   PML001           fail the allocation; a crash confirms
 *   PML002/003/010/  the hook sees the misuse at the finding's line in the
 *   011/012, PML013    plain run
 *   (wrong release)
 *   PML006, PML013   blocks from the allocation line still live at exit
 *   (leak)             of the plain run
 *   PML005, PML007,  fail the allocation that leads to the error path (or
 *   PML013 (error      the realloc); more blocks from the allocation line
 *   path)              live at exit than in the plain run confirm
 *   PML008           fail the allocation; Python's SystemError about a
 *                      result without an exception confirms
 *   PML004, PML009   not exercisable by the hook
 */
#include "validate.h"
#include "store.h"
#include "util.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum plan_kind {
    PLAN_NONE,        /* not exercisable */
    PLAN_OBSERVE,     /* misuse seen by the hook in the plain run */
    PLAN_LEAK,        /* live at exit in the plain run */
    PLAN_FAULT_CRASH,
    PLAN_FAULT_LEAK,
    PLAN_FAULT_SYSERR,
};

struct plan {
    enum plan_kind kind;
    const char *const *kinds;   /* PLAN_OBSERVE: hook error kinds */
    const char *why_not;        /* PLAN_NONE */
    unsigned site_line;         /* must run for the finding to be reached */
    unsigned leak_line;         /* PLAN_*LEAK: where blocks stay live */
    unsigned fault_line;        /* PLAN_FAULT_*: the allocation to fail */
    unsigned path_line;         /* PML005: the test that takes the error path */
    bool deep_all;              /* the fault is an API call's allocation */
    size_t run;                 /* index of its fault run; 0 = the plain run */
};

static const char *const frees_wrong[] = {"wrong-domain", "libc-free", NULL};
static const char *const frees_twice[] = {"double-free", NULL};
static const char *const no_gil[] = {"no-gil", NULL};
static const char *const non_heap[] = {"interior-free", "non-heap-free",
                                       "unknown-free", NULL};
static const char *const borrowed[] = {"interior-free", "non-heap-free",
                                       "unknown-free", "wrong-domain",
                                       "double-free", "libc-free", NULL};

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The line of the first note starting with 'prefix', or 0. */
static unsigned note_line(const struct pl_finding *it, const char *prefix)
{
    for (size_t k = 0; k < it->nnotes; k++)
        if (strncmp(it->notes[k].text, prefix, strlen(prefix)) == 0)
            return it->notes[k].line;
    return 0;
}

/* The line of the last "assuming ..." note, or 0. */
static unsigned last_assumption(const struct pl_finding *it)
{
    unsigned line = 0;
    for (size_t k = 0; k < it->nnotes; k++)
        if (strncmp(it->notes[k].text, "assuming", 8) == 0)
            line = it->notes[k].line;
    return line;
}

static void make_plan(const struct pl_finding *it, struct plan *p)
{
    const char *r = it->rule_id;
    unsigned alloc = note_line(it, "allocated here");
    memset(p, 0, sizeof *p);
    p->site_line = it->line;
    if (strcmp(r, "PML001") == 0) {
        p->kind = PLAN_FAULT_CRASH;
        p->fault_line = p->site_line = alloc ? alloc : it->line;
    } else if (strcmp(r, "PML002") == 0) {
        p->kind = PLAN_OBSERVE;
        p->kinds = frees_wrong;
    } else if (strcmp(r, "PML003") == 0) {
        p->kind = PLAN_OBSERVE;
        p->kinds = frees_twice;
    } else if (strcmp(r, "PML010") == 0) {
        p->kind = PLAN_OBSERVE;
        p->kinds = no_gil;
    } else if (strcmp(r, "PML011") == 0) {
        p->kind = PLAN_OBSERVE;
        p->kinds = non_heap;
    } else if (strcmp(r, "PML012") == 0) {
        p->kind = PLAN_OBSERVE;
        p->kinds = borrowed;
    } else if (strcmp(r, "PML006") == 0 ||
               (strcmp(r, "PML013") == 0 && strstr(it->message, "never released") &&
                !strstr(it->message, "error path"))) {
        p->kind = PLAN_LEAK;
        p->leak_line = it->line;
    } else if (strcmp(r, "PML013") == 0 && strstr(it->message, "must be released")) {
        p->kind = PLAN_OBSERVE;
        p->kinds = frees_wrong;
    } else if (strcmp(r, "PML005") == 0 || strcmp(r, "PML013") == 0) {
        p->kind = PLAN_FAULT_LEAK;
        p->leak_line = it->line;
        p->path_line = last_assumption(it);
        /* the fault line is chosen from what the plain run reached */
    } else if (strcmp(r, "PML007") == 0) {
        p->kind = PLAN_FAULT_LEAK;
        p->fault_line = it->line;
        p->leak_line = alloc; /* 0: anywhere in the file */
    } else if (strcmp(r, "PML008") == 0) {
        unsigned failed = 0;
        const char *at = strstr(it->message, "failed at line ");
        if (at)
            failed = (unsigned)strtoul(at + 15, NULL, 10);
        p->kind = PLAN_FAULT_SYSERR;
        p->fault_line = p->site_line = alloc ? alloc : failed ? failed : it->line;
    } else if (strcmp(r, "PML004") == 0) {
        p->why_not = "the hook does not see reads and writes of released memory";
    } else if (strcmp(r, "PML009") == 0) {
        p->why_not = "an overflowing size needs inputs the tests do not choose";
    } else {
        p->why_not = "no runtime check for this rule";
    }
}

/* Whether a recorded file is the finding's file: the same path, or the
 * same name, since the extension may have been built from a copy of the
 * sources (pip builds in a temporary directory). */
static bool same_file(const char *recorded, const struct pl_finding *it,
                      const struct plan *p)
{
    (void)p;
    return strcmp(base_name(recorded), base_name(it->file)) == 0;
}

/* Sum of counts recorded at (file, line); line 0: the whole file. */
static unsigned long count_at(const struct pl_rec_places *places,
                              const struct pl_finding *it,
                              const struct plan *p, unsigned line,
                              const char *const *kinds,
                              const struct pl_rec_place **first)
{
    unsigned long n = 0;
    for (size_t i = 0; i < places->len; i++) {
        const struct pl_rec_place *x = &places->items[i];
        if ((line && x->line != line) || !same_file(x->file, it, p))
            continue;
        if (kinds) {
            bool match = false;
            for (size_t k = 0; kinds[k]; k++)
                match |= x->kind && strcmp(x->kind, kinds[k]) == 0;
            if (!match)
                continue;
        }
        if (first && !*first)
            *first = x;
        n += x->count;
    }
    return n;
}

static bool reached(const struct pl_testrun *run, const struct pl_finding *it,
                    const struct plan *p, unsigned line)
{
    return count_at(&run->sites, it, p, line, NULL, NULL) ||
           count_at(&run->errors, it, p, line, NULL, NULL) ||
           count_at(&run->leaks, it, p, line, NULL, NULL) ||
           count_at(&run->faults_injected, it, p, line, NULL, NULL);
}

/* PML005 and friends: the allocation whose failure takes the error path:
 * the reached allocation site nearest above the test that takes it. */
static unsigned choose_fault_line(const struct pl_testrun *plain,
                                  const struct pl_finding *it,
                                  const struct plan *p)
{
    unsigned best = 0;
    unsigned limit = p->path_line ? p->path_line : UINT_MAX;
    for (size_t i = 0; i < plain->sites.len; i++) {
        const struct pl_rec_place *x = &plain->sites.items[i];
        if (x->line <= p->leak_line || x->line > limit || !x->count ||
            !same_file(x->file, it, p))
            continue;
        if (x->line > best)
            best = x->line;
    }
    return best;
}

/* Whether a source line calls a function (not only if/while/sizeof). */
static bool line_calls(const char *text)
{
    static const char *const keywords[] = {"if", "while", "for", "switch",
                                           "return", "sizeof", NULL};
    for (const char *p = text; *p; p++) {
        if (*p != '(' || p == text)
            continue;
        const char *end = p;
        while (end > text && end[-1] == ' ')
            end--;
        const char *start = end;
        while (start > text && (isalnum((unsigned char)start[-1]) ||
                                start[-1] == '_'))
            start--;
        if (start == end || isdigit((unsigned char)*start))
            continue;
        bool keyword = false;
        for (size_t k = 0; keywords[k]; k++)
            keyword |= strlen(keywords[k]) == (size_t)(end - start) &&
                       strncmp(start, keywords[k], (size_t)(end - start)) == 0;
        if (!keyword)
            return true;
    }
    return false;
}

/* No allocation of the extension's own ran between the leaked block and
 * the error path: the call that fails is an API call allocating inside
 * the interpreter. Its line: the nearest line above the test with a call. */
static unsigned api_call_line(const struct pl_finding *it, const struct plan *p)
{
    FILE *f = fopen(it->file, "r");
    if (!f)
        return 0;
    char text[4096];
    unsigned line = 0, best = 0;
    while (line < p->path_line && fgets(text, sizeof text, f)) {
        line++;
        if (line > p->leak_line && line_calls(text))
            best = line;
    }
    fclose(f);
    return best;
}

static void set_verdict(struct pl_finding *it, const char *verdict,
                        const char *evidence, struct pl_validate_summary *s)
{
    free(it->verdict);
    free(it->evidence);
    it->verdict = pl_xstrdup(verdict);
    it->evidence = evidence ? pl_xstrdup(evidence) : NULL;
    if (strcmp(verdict, "confirmed") == 0)
        s->confirmed++;
    else if (strcmp(verdict, "not-reproduced") == 0)
        s->not_reproduced++;
    else if (strcmp(verdict, "not-reached") == 0)
        s->not_reached++;
    else
        s->not_exercisable++;
}

static void judge(struct pl_finding *it, const struct plan *p,
                  const struct pl_testrun *plain,
                  const struct pl_testrun *fault, struct pl_validate_summary *s)
{
    char ev[1024], ending[64];
    const char *file = base_name(it->file);
    const struct pl_rec_place *seen = NULL;
    if (p->kind == PLAN_NONE) {
        set_verdict(it, "not-exercisable", p->why_not, s);
        return;
    }
    if (p->kind == PLAN_OBSERVE) {
        if (count_at(&plain->errors, it, p, it->line, p->kinds, &seen)) {
            snprintf(ev, sizeof ev, "the hook saw it: %s", seen->message
                                                             ? seen->message
                                                             : seen->kind);
            set_verdict(it, "confirmed", ev, s);
        } else if (reached(plain, it, p, p->site_line)) {
            set_verdict(it, "not-reproduced", "the line ran; the hook saw no misuse there", s);
        } else {
            set_verdict(it, "not-reached", "the tests never ran this line", s);
        }
        return;
    }
    if (p->kind == PLAN_LEAK) {
        unsigned long n = count_at(&plain->leaks, it, p, p->leak_line, NULL, NULL);
        if (n) {
            snprintf(ev, sizeof ev, "%lu block%s from %s:%u still live at exit",
                     n, n == 1 ? "" : "s", file, p->leak_line);
            set_verdict(it, "confirmed", ev, s);
        } else if (reached(plain, it, p, p->leak_line)) {
            set_verdict(it, "not-reproduced", "the allocation ran; every block was released by exit", s);
        } else {
            set_verdict(it, "not-reached", "the tests never ran this allocation", s);
        }
        return;
    }
    /* the tests may take the error path themselves (bad input) */
    if (p->kind == PLAN_FAULT_LEAK && p->leak_line) {
        unsigned long n = count_at(&plain->leaks, it, p, p->leak_line, NULL, NULL);
        if (n) {
            snprintf(ev, sizeof ev, "%lu block%s from %s:%u still live at exit "
                     "of the plain run: the tests take the error path",
                     n, n == 1 ? "" : "s", file, p->leak_line);
            set_verdict(it, "confirmed", ev, s);
            return;
        }
    }
    /* the fault kinds */
    if (!p->fault_line || !fault) {
        if (reached(plain, it, p, p->leak_line ? p->leak_line : p->site_line))
            set_verdict(it, "not-reached",
                        "the allocation ran, but the tests never took the "
                        "error path and no allocation failure leads to it",
                        s);
        else
            set_verdict(it, "not-reached", "the tests never ran this line", s);
        return;
    }
    if (!count_at(&fault->faults_injected, it, p, p->fault_line, NULL, NULL)) {
        snprintf(ev, sizeof ev, "the allocation at %s:%u never ran", file,
                 p->fault_line);
        set_verdict(it, "not-reached", ev, s);
        return;
    }
    pl_testrun_ending(fault, ending, sizeof ending);
    if (p->kind == PLAN_FAULT_CRASH) {
        if (pl_testrun_crashed(fault)) {
            snprintf(ev, sizeof ev, "the tests crashed (%s) after the "
                     "allocation at %s:%u was made to fail", ending, file,
                     p->fault_line);
            set_verdict(it, "confirmed", ev, s);
        } else {
            snprintf(ev, sizeof ev, "the allocation at %s:%u failed and the "
                     "tests went on (%s)", file, p->fault_line, ending);
            set_verdict(it, "not-reproduced", ev, s);
        }
        return;
    }
    if (p->kind == PLAN_FAULT_SYSERR) {
        const char *out = fault->output ? fault->output : "";
        if (strstr(out, "without setting an exception") ||
            strstr(out, "error return without exception set")) {
            snprintf(ev, sizeof ev, "SystemError (a NULL result with no "
                     "exception) after the allocation at %s:%u was made to fail",
                     file, p->fault_line);
            set_verdict(it, "confirmed", ev, s);
        } else {
            snprintf(ev, sizeof ev, "the allocation at %s:%u failed; no "
                     "SystemError appeared (%s)", file, p->fault_line, ending);
            set_verdict(it, "not-reproduced", ev, s);
        }
        return;
    }
    /* PLAN_FAULT_LEAK */
    unsigned long before = count_at(&plain->leaks, it, p, p->leak_line, NULL, NULL);
    unsigned long after = count_at(&fault->leaks, it, p, p->leak_line, NULL, NULL);
    char where[300];
    if (p->leak_line)
        snprintf(where, sizeof where, "%s:%u", file, p->leak_line);
    else
        snprintf(where, sizeof where, "%s", file);
    if (after > before) {
        snprintf(ev, sizeof ev, "%lu block%s from %s still live at exit after "
                 "the allocation at %s:%u was made to fail (plain run: %lu)",
                 after, after == 1 ? "" : "s", where, file, p->fault_line, before);
        set_verdict(it, "confirmed", ev, s);
    } else if (pl_testrun_crashed(fault)) {
        snprintf(ev, sizeof ev, "the tests crashed (%s) after the allocation "
                 "at %s:%u was made to fail, before exit could count the "
                 "blocks", ending, file, p->fault_line);
        set_verdict(it, "not-reproduced", ev, s);
    } else {
        snprintf(ev, sizeof ev, "the allocation at %s:%u failed; no more "
                 "blocks from %s were live at exit (%lu)", file,
                 p->fault_line, where, after);
        set_verdict(it, "not-reproduced", ev, s);
    }
}

/* Misuse the hook saw in the plain run at a line no finding names: the
 * analysis missed it (or it is in code outside the analyzed paths). */
static void report_unclaimed(const struct pl_findings *f,
                             const struct pl_testrun *plain)
{
    size_t shown = 0;
    for (size_t i = 0; i < plain->errors.len; i++) {
        const struct pl_rec_place *x = &plain->errors.items[i];
        bool claimed = false, seen = false;
        for (size_t k = 0; k < f->len && !claimed; k++)
            claimed = f->items[k].line == x->line &&
                      strcmp(base_name(f->items[k].file), base_name(x->file)) == 0;
        for (size_t k = 0; k < i && !seen; k++)
            seen = plain->errors.items[k].line == x->line &&
                   strcmp(plain->errors.items[k].kind, x->kind) == 0 &&
                   strcmp(plain->errors.items[k].file, x->file) == 0;
        if (claimed || seen)
            continue;
        unsigned long times = 0;
        for (size_t k = i; k < plain->errors.len; k++)
            times += plain->errors.items[k].line == x->line &&
                     strcmp(plain->errors.items[k].kind, x->kind) == 0 &&
                     strcmp(plain->errors.items[k].file, x->file) == 0;
        if (!shown++)
            fprintf(stderr, "pymem-lint: validate: the hook saw misuse that no "
                    "finding names:\n");
        fprintf(stderr, "%s:%u: %s: %s (%lu time%s)\n", x->file, x->line,
                x->kind, x->message ? x->message : "", times,
                times == 1 ? "" : "s");
    }
}

int pl_validate(struct pl_findings *f, const struct pl_testrun_options *o,
                struct pl_store *store, const char *command,
                struct pl_validate_summary *summary)
{
    memset(summary, 0, sizeof *summary);
    struct plan *plans = pl_xcalloc(f->len ? f->len : 1, sizeof *plans);
    for (size_t i = 0; i < f->len; i++)
        make_plan(&f->items[i], &plans[i]);
    /* the plain run */
    struct pl_testrun plain = {0};
    char ending[64];
    fprintf(stderr, "pymem-lint: validate: plain run of '%s'...\n", o->command[0]);
    if (pl_testruns(&plain, 1, o) < 0 || !plain.started) {
        pl_testrun_release(&plain);
        free(plans);
        return -1;
    }
    fprintf(stderr, "pymem-lint: validate: plain run: %s, %.1f s, %zu "
            "process%s with the hook, %zu misuse report%s\n",
            pl_testrun_ending(&plain, ending, sizeof ending), plain.seconds,
            plain.processes, plain.processes == 1 ? "" : "es", plain.errors.len,
            plain.errors.len == 1 ? "" : "s");
    if (!plain.processes && plain.exit_status == 127 && !plain.signal) {
        pl_error("cannot run '%s': not found or not executable",
                 o->command[0]);
        pl_testrun_release(&plain);
        free(plans);
        return -1;
    }
    if (plain.timed_out)
        pl_warning("the plain run timed out after %.0f s: blocks live at exit "
                   "were not counted (raise --timeout)", plain.seconds);
    if (!plain.processes)
        pl_warning("no process of '%s' loaded the hook: is it a Python "
                   "program (with ctypes)? see %s/output.txt",
                   o->command[0], plain.dir);
    else if (plain.sites.len == 0 && plain.errors.len == 0)
        pl_warning("the hook saw no call from extension code with line "
                   "information: build the extension with -g");
    /* the fault runs: one per distinct (file, line) */
    struct pl_testrun *faults = pl_xcalloc(f->len ? f->len : 1, sizeof *faults);
    size_t nfaults = 0;
    for (size_t i = 0; i < f->len; i++) {
        struct plan *p = &plans[i];
        if (p->kind < PLAN_FAULT_CRASH)
            continue;
        if (p->kind == PLAN_FAULT_LEAK && !p->fault_line) {
            p->fault_line = choose_fault_line(&plain, &f->items[i], p);
            if (!p->fault_line && p->path_line &&
                reached(&plain, &f->items[i], p, p->leak_line)) {
                p->fault_line = api_call_line(&f->items[i], p);
                p->deep_all = p->fault_line != 0;
            }
        }
        if (!p->fault_line ||
            (!p->deep_all && !reached(&plain, &f->items[i], p, p->fault_line)))
            continue;
        char spec[4200];
        snprintf(spec, sizeof spec, "site=%s:%u",
                 base_name(f->items[i].file), p->fault_line);
        size_t k = 0;
        while (k < nfaults && (strcmp(faults[k].faults, spec) != 0 ||
                               faults[k].deep_all != p->deep_all))
            k++;
        if (k == nfaults) {
            faults[nfaults].deep_all = p->deep_all;
            faults[nfaults++].faults = pl_xstrdup(spec);
        }
        p->run = k + 1;
    }
    if (nfaults) {
        fprintf(stderr, "pymem-lint: validate: %zu run%s with an injected "
                "fault, %u at a time...\n", nfaults, nfaults == 1 ? "" : "s",
                o->jobs ? o->jobs : 1);
        if (pl_testruns(faults, nfaults, o) < 0)
            nfaults = 0;
    }
    summary->runs = 1 + nfaults;
    summary->seconds = plain.seconds;
    for (size_t k = 0; k < nfaults; k++)
        summary->seconds += faults[k].seconds;
    for (size_t i = 0; i < f->len; i++) {
        struct plan *p = &plans[i];
        judge(&f->items[i], p, &plain, p->run ? &faults[p->run - 1] : NULL,
              summary);
    }
    report_unclaimed(f, &plain);
    /* the plain run is run 0, the fault runs 1.. */
    struct pl_testrun *all = pl_xcalloc(1 + nfaults, sizeof *all);
    all[0] = plain;
    memcpy(all + 1, faults, nfaults * sizeof *faults);
    if (store)
        pl_store_put_runtime_reports(store, all, 1 + nfaults, command);
    free(all);
    pl_testrun_release(&plain);
    for (size_t k = 0; k < nfaults; k++)
        pl_testrun_release(&faults[k]);
    free(faults);
    free(plans);
    return 0;
}
