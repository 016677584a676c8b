/*
 * analyzer/driver.c - run the pipeline on files: parse with libclang,
 * learn summaries, run the dataflow engine per function and hand its
 * events to the enabled rules. Workers take files from a shared counter.
 */
#include "driver.h"
#include "../rules/rule.h"
#include "report.h"
#include "suppress.h"

#include "watchdog.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct event_sink {
    const struct pl_rule *const *rules;
    size_t nrules;
    struct pl_reporter reporter;
};

static void dispatch(void *ctx, const struct pl_event *ev)
{
    struct event_sink *sink = ctx;
    for (size_t i = 0; i < sink->nrules; i++) {
        sink->reporter.rule_name = sink->rules[i]->name;
        sink->rules[i]->check(ev, &sink->reporter);
    }
}

/* Parse and lower the job's file into 'unit'; sets the job's status,
   compiler errors and dependencies. */
static void parse_job(CXIndex index, struct pl_job *job, struct pl_unit *unit)
{
    const char *path = job->parse_path ? job->parse_path : job->path;
    const char *const *args = (const char *const *)job->args.argv;
    int nargs = (int)job->args.argc;
    char *const *pch_deps = NULL;
    size_t npch_deps = 0;
    if (pl_unit_check_includes(path, job->path) < 0) {
        memset(unit, 0, sizeof *unit);
        pl_arena_init(&unit->arena);
        job->status = -1;
        return;
    }
    double started = pl_monotonic_seconds();
    const char *pch = pl_pch_for(job->pch, index, path, args, nargs, &pch_deps,
                                 &npch_deps);
    job->times.pch += pl_monotonic_seconds() - started;
    job->status = -2;
    if (pch) {
        job->status = pl_unit_parse_pch(unit, index, path, job->path, args,
                                        nargs, pch);
        if (job->status == -2) {
            pl_pch_reject(job->pch, pch);
            job->times.parse += unit->parse_seconds; /* the refused try */
        }
    }
    if (job->status == -2) {
        npch_deps = 0;
        job->status = pl_unit_parse(unit, index, path, job->path, args, nargs);
    }
    job->times.parse += unit->parse_seconds;
    job->times.lower += unit->lower_seconds;
    unit->project = job->project;
    /* the store wants every file read: with a PCH, its headers too */
    for (size_t k = 0; job->status == 0 && k < npch_deps; k++) {
        bool known = false;
        for (size_t d = 0; d < unit->ndeps && !known; d++)
            known = strcmp(unit->deps[d], pch_deps[k]) == 0;
        if (!known)
            PL_PUSH(unit->deps, unit->ndeps, unit->deps_cap,
                    pl_xstrdup(pch_deps[k]));
    }
    job->deps = unit->deps;
    job->ndeps = unit->ndeps;
    unit->deps = NULL;
    unit->ndeps = 0;
    if (job->status == 0) {
        job->nerrors = unit->nerrors;
        job->first_error = unit->first_error;
        unit->first_error = NULL;
    }
}

void pl_driver_analyze_unit(struct pl_job *job, const struct pl_unit *unit,
                         const struct pl_rule *const *rules, size_t nrules)
{
    double started = pl_monotonic_seconds();
    struct pl_summaries *sums = pl_summaries_new(unit, &job->stats);
    struct event_sink sink = {rules, nrules,
                              {&job->findings, unit, job->path, NULL,
                               &job->used_suppressions}};
    for (size_t i = 0; i < unit->nfuncs; i++) {
        if (pl_unit_function_has_errors(unit, &unit->funcs[i])) {
            job->skipped++; /* a broken tree would only mislead */
            continue;
        }
        if (unit->funcs[i].too_deep) {
            if (!job->too_deep++) { /* only part of it was lowered */
                char where[300];
                snprintf(where, sizeof where, "%.200s' at line %u",
                         unit->funcs[i].name ? unit->funcs[i].name : "?",
                         unit->funcs[i].line);
                free(job->first_too_deep);
                job->first_too_deep = pl_xstrdup(where);
            }
            continue;
        }
        pl_dataflow_run(unit, &unit->funcs[i], sums, dispatch, &sink,
                        &job->stats);
    }
    pl_summaries_export(sums, &job->exports);
    pl_summaries_external_calls(sums, &job->callees);
    pl_summaries_free(sums);
    job->times.analysis += pl_monotonic_seconds() - started;
    for (size_t s = 0; s < unit->nsources; s++) {
        const struct pl_source *src = &unit->sources[s];
        for (size_t k = 1; k < src->nlines; k++)
            if (pl_is_suppression(src->lines[k]))
                pl_lines_add(&job->suppressions, src->path, (unsigned)k,
                             src->lines[k]);
    }
}

/* Bytes of lowered files kept for the second pass, and the limit. */
struct keep_budget {
    size_t used, limit;
};

static void analyze(CXIndex index, struct pl_job *job,
                    const struct pl_rule *const *rules, size_t nrules,
                    struct keep_budget *budget, pthread_mutex_t *lock)
{
    if (job->kept) { /* the second pass over a file the first one kept */
        job->kept->globals = job->globals;
        pl_driver_analyze_unit(job, job->kept, rules, nrules);
        pl_unit_release(job->kept);
        free(job->kept);
        job->kept = NULL;
        return;
    }
    pl_watchdog_test_fault(job->path, false);
    struct pl_unit unit;
    parse_job(index, job, &unit);
    unit.globals = job->globals;
    if (job->status != 0) {
        pl_unit_release(&unit);
        return;
    }
    pl_driver_analyze_unit(job, &unit, rules, nrules);
    bool keep = false;
    if (job->callees.argc && !job->globals) {
        pthread_mutex_lock(lock);
        /* many small files rather than a few large: every parse saved
           saves Python.h's share, whatever the size of the file */
        keep = unit.arena.total <= budget->limit / 32 &&
               budget->used + unit.arena.total <= budget->limit;
        if (keep)
            budget->used += unit.arena.total;
        pthread_mutex_unlock(lock);
    }
    if (keep) {
        job->kept = pl_xmalloc(sizeof *job->kept);
        *job->kept = unit;
    } else {
        pl_unit_release(&unit);
    }
}

/* One worker thread, as the driver sees it. */
struct worker_slot {
    pthread_t thread;
    struct worker_ctx *w;
    pid_t tid;
    struct pl_job *job;     /* the file it works on, or NULL (w->lock) */
    double started;         /* when it took that file */
    struct pl_crash crashed; /* what stopped it, if it crashed */
    struct pl_wait waited;  /* for a PCH another thread builds */
    void *stack_low;        /* its stack's lowest address */
    bool finished;          /* no file left for it (w->lock) */
    bool abandoned;         /* given up: its file is reported (w->lock) */
    bool joined;            /* ended, and joined by the driver */
};

struct worker_ctx {
    struct pl_job *jobs;
    size_t njobs;
    size_t next;
    pthread_mutex_t lock;
    sem_t wake;             /* a worker ended or crashed */
    const struct pl_rule *const *rules;
    size_t nrules;
    /* the progress line (stderr is a terminal) */
    bool progress;
    size_t done, todo, findings;
    int width;            /* of the line on screen, to blank it */
    struct timespec start, shown;
    struct keep_budget keep;
};

/* Seconds a file may take before it is given up (0: no limit), and how
   many worker threads were given up in this process. */
static double file_timeout = PL_FILE_TIMEOUT_DEFAULT;
static size_t abandoned_threads;

void pl_driver_set_file_timeout(double seconds)
{
    file_timeout = seconds;
}

bool pl_driver_abandoned(void)
{
    return abandoned_threads > 0;
}

static double seconds_between(struct timespec a, struct timespec b)
{
    return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

/* One job finished: count it, and redraw the progress line at most ten
 * times a second. Called with the lock held. */
static void progress_step(struct worker_ctx *w, const struct pl_job *job)
{
    w->done++;
    w->findings += job->findings.len;
    if (!w->progress)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (seconds_between(w->shown, now) < 0.1 && w->done < w->todo)
        return;
    w->shown = now;
    double spent = seconds_between(w->start, now);
    double eta = w->done ? spent / (double)w->done * (double)(w->todo - w->done)
                         : 0;
    /* no escape sequences (NO_COLOR): blank the old line with spaces */
    char line[160];
    int n = snprintf(line, sizeof line,
                     "pymem-lint: %zu/%zu files, %zu finding%s, about %.0f s "
                     "left", w->done, w->todo, w->findings,
                     w->findings == 1 ? "" : "s", eta);
    fprintf(stderr, "\r%s%*s", line, w->width > n ? w->width - n : 0, "");
    if (n > w->width)
        w->width = n;
    fflush(stderr);
}

/*
 * A worker analyzes a copy of each job and puts it back when done, so
 * that a file given up (too slow, or crashed) is the driver's to report
 * while the thread, if it ever returns, only drops its copy.
 */
static void *worker(void *arg)
{
    struct worker_slot *slot = arg;
    struct worker_ctx *w = slot->w;
    slot->tid = (pid_t)syscall(SYS_gettid);
    slot->stack_low = pl_watchdog_stack_low();
    /* declarations from a PCH (Python.h) are not enumerated: only files
       of the project are lowered, and reading them all back would cost
       what the PCH saves */
    CXIndex index = clang_createIndex(1, 0);
    for (;;) {
        pthread_mutex_lock(&w->lock);
        size_t i = w->next++;
        if (i >= w->njobs) {
            slot->finished = true;
            pthread_mutex_unlock(&w->lock);
            break;
        }
        struct pl_job *job = &w->jobs[i];
        if (job->cached) {
            pthread_mutex_unlock(&w->lock);
            continue;
        }
        struct pl_job work = *job;
        slot->job = job;
        slot->started = pl_monotonic_seconds();
        pthread_mutex_unlock(&w->lock);
        pl_watchdog_watch(&slot->crashed, &slot->waited, &w->wake);
        if (work.rules)
            analyze(index, &work, work.rules, work.nrules, &w->keep, &w->lock);
        else
            analyze(index, &work, w->rules, w->nrules, &w->keep, &w->lock);
        pl_watchdog_unwatch(false);
        pthread_mutex_lock(&w->lock);
        if (slot->abandoned) { /* reported already: the copy is dropped */
            pthread_mutex_unlock(&w->lock);
            pl_job_reset(&work);
            break;
        }
        *job = work;
        slot->job = NULL;
        progress_step(w, job);
        pthread_mutex_unlock(&w->lock);
    }
    pl_watchdog_unwatch(true);
    clang_disposeIndex(index);
    sem_post(&w->wake);
    return NULL;
}

static bool start_worker(struct worker_slot *slot, struct worker_ctx *w)
{
    memset(slot, 0, sizeof *slot);
    slot->w = w;
    /* Every worker is a thread with a large stack (address space, used
       only as deep as the input goes): libclang parses on the calling
       thread (LIBCLANG_NOTHREADS, set by main) and recurses as deep as
       the code nests, an else-if chain of 10,000 overflowed its own 8 MiB
       parse thread. A guard of 1 MiB below it: a frame larger than a
       page must still fault rather than land in another mapping. */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, PL_WORKER_STACK);
    pthread_attr_setguardsize(&attr, (size_t)1 << 20);
    bool ok = pthread_create(&slot->thread, &attr, worker, slot) == 0;
    pthread_attr_destroy(&attr);
    return ok;
}

/* Start one more worker in slots[*used]; false when no thread could be
   started (the slot is not used then). */
static bool add_worker(struct worker_slot **slots, size_t *used,
                       struct worker_ctx *w)
{
    struct worker_slot *slot = pl_xmalloc(sizeof *slot);
    if (!start_worker(slot, w)) {
        free(slot);
        return false;
    }
    slots[(*used)++] = slot;
    return true;
}

/* Give up on a worker's file (called with the lock held): report it, and
   leave the thread to itself, at the lowest priority. The job's results
   belong to the thread's copy now, so the job is emptied, not freed. */
static void give_up(struct worker_slot *slot, const char *why)
{
    struct pl_job *job = slot->job;
    pl_error("cannot analyze '%s': %s", job->path, why);
    /* the files waiting for a PCH this thread builds parse without it */
    pl_pch_give_up_builds(job->pch, slot->thread);
    struct pl_job emptied = {
        .path = job->path, .parse_path = job->parse_path, .args = job->args,
        .rules = job->rules, .nrules = job->nrules, .project = job->project,
        .callee_digest = job->callee_digest, .globals = job->globals,
        .pch = job->pch, .times = job->times, .status = -1};
    *job = emptied;
    slot->abandoned = true;
    slot->job = NULL;
    abandoned_threads++;
    setpriority(PRIO_PROCESS, (id_t)slot->tid, 19);
    slot->w->done++;
}

/* Past this many files given up, no new worker is started: the files left
   are reported as not started once the workers still running end. */
#define MAX_ABANDONED 16

void pl_driver_run(struct pl_job *jobs, size_t njobs,
                   const struct pl_rule *const *rules, size_t nrules,
                   unsigned nthreads, bool progress, size_t keep_bytes)
{
    /* on the heap: a thread given up may use it after the run */
    struct worker_ctx *w = pl_xmalloc(sizeof *w);
    *w = (struct worker_ctx){.jobs = jobs, .njobs = njobs, .rules = rules,
                               .nrules = nrules, .progress = progress,
                               .keep = {0, keep_bytes}};
    for (size_t i = 0; i < njobs; i++) {
        const struct pl_job *job = &jobs[i];
        w->todo += !job->cached;
        /* the PCHs many files will share are built when the first asks */
        if (!job->cached && !job->globals)
            pl_pch_plan(job->pch, job->parse_path ? job->parse_path
                                                  : job->path,
                        (const char *const *)job->args.argv,
                        (int)job->args.argc);
    }
    clock_gettime(CLOCK_MONOTONIC, &w->start);
    pthread_mutex_init(&w->lock, NULL);
    sem_init(&w->wake, 0, 0);
    if (nthreads < 1)
        nthreads = 1;
    if (nthreads > njobs)
        nthreads = njobs ? (unsigned)njobs : 1;
    size_t nslots = nthreads + MAX_ABANDONED;
    struct worker_slot **slots = pl_xcalloc(nslots, sizeof *slots);
    size_t used = 0, running = 0, given_up_here = 0;
    for (unsigned t = 0; t < nthreads; t++)
        running += add_worker(slots, &used, w);
    if (!running) {
        /* no thread at all: the main thread's stack it is, unwatched */
        struct worker_slot self = {.w = w};
        worker(&self);
    }
    /* The main thread only waits: for workers to end, and for one that
       crashed or takes longer than the limit on a file, which it gives
       up on and replaces. */
    while (running) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        while (sem_timedwait(&w->wake, &until) != 0 && errno == EINTR)
            ;
        double now = pl_monotonic_seconds();
        pthread_mutex_lock(&w->lock);
        for (size_t t = 0; t < used; t++) {
            struct worker_slot *slot = slots[t];
            if (slot->abandoned || slot->joined)
                continue;
            if (slot->finished && !slot->job) {
                pthread_mutex_unlock(&w->lock);
                pthread_join(slot->thread, NULL);
                pthread_mutex_lock(&w->lock);
                slot->joined = true;
                running--;
                continue;
            }
            char why[160];
            if (slot->crashed.signal && slot->job &&
                pl_watchdog_is_overflow(&slot->crashed, slot->stack_low)) {
                snprintf(why, sizeof why, "the analysis ran out of stack "
                         "(code nested too deep?); given up");
            } else if (slot->crashed.signal && slot->job) {
                snprintf(why, sizeof why, "pymem-lint crashed on it (%s); "
                         "this is a bug, please report it with the file",
                         strsignal(slot->crashed.signal));
            } else if (slot->job && file_timeout > 0 &&
                       !atomic_load(&slot->waited.now) &&
                       now - slot->started -
                               (double)atomic_load(&slot->waited.total_ns) / 1e9 >
                           file_timeout) {
                snprintf(why, sizeof why, "no result after %.0f s (the "
                         "limit set by --file-timeout); given up",
                         file_timeout);
            } else {
                continue;
            }
            give_up(slot, why);
            given_up_here++;
            running--;
            if (given_up_here < MAX_ABANDONED && used < nslots)
                running += add_worker(slots, &used, w);
        }
        if (!running) {
            /* too many given up: what is left is not started */
            for (; w->next < w->njobs; w->next++) {
                struct pl_job *job = &w->jobs[w->next];
                if (job->cached)
                    continue;
                pl_error("cannot analyze '%s': not started, %zu files were "
                         "given up already", job->path, abandoned_threads);
                job->status = -1;
            }
        }
        pthread_mutex_unlock(&w->lock);
    }
    for (size_t t = 0; t < used; t++)
        if (!slots[t]->abandoned)
            free(slots[t]); /* a thread given up may still use its slot */
    free(slots);
    if (progress && w->done) {
        fprintf(stderr, "\r%*s\r", w->width, ""); /* the line goes away */
        fflush(stderr);
    }
    if (!given_up_here) {
        sem_destroy(&w->wake);
        pthread_mutex_destroy(&w->lock);
        free(w);
    }
}

/* Forget what the analysis found, not what the parse did: for a file
   analyzed again from the unit the first pass kept. */
static void reset_analysis(struct pl_job *job)
{
    pl_findings_release(&job->findings);
    pl_lines_release(&job->suppressions);
    pl_lines_release(&job->used_suppressions);
    pl_exports_release(&job->exports);
    pl_argv_release(&job->callees);
    pl_argv_init(&job->callees);
    memset(&job->stats, 0, sizeof job->stats);
    job->skipped = job->too_deep = 0;
    free(job->first_too_deep);
    job->first_too_deep = NULL;
}

static void drop_kept(struct pl_job *job)
{
    if (job->kept) {
        pl_unit_release(job->kept);
        free(job->kept);
        job->kept = NULL;
    }
}

void pl_job_reset(struct pl_job *job)
{
    reset_analysis(job);
    drop_kept(job);
    free(job->first_error);
    job->first_error = NULL;
    for (size_t i = 0; i < job->ndeps; i++)
        free(job->deps[i]);
    free(job->deps);
    job->deps = NULL;
    job->ndeps = 0;
    job->status = 0;
    job->nerrors = 0;
    job->cached = false;
}

void pl_job_release(struct pl_job *job)
{
    pl_job_reset(job);
    pl_argv_release(&job->args);
    free(job->parse_path);
    job->parse_path = NULL;
}

/* ---- the second pass ---- */

static uint64_t callee_digest(const struct pl_job *job,
                              const struct pl_exports *globals)
{
    uint64_t h = 0;
    for (size_t i = 0; i < job->callees.argc; i++) {
        const struct pl_export *x =
            pl_exports_find(globals, job->callees.argv[i]);
        if (x)
            h = pl_hash_bytes(h ? h : PL_HASH_SEED, &(uint64_t){pl_export_hash(x)},
                              sizeof(uint64_t));
    }
    return h;
}

static void collect_exports(const struct pl_job *jobs, size_t njobs,
                            struct pl_exports *globals)
{
    pl_exports_release(globals);
    for (size_t i = 0; i < njobs; i++)
        for (size_t k = 0; k < jobs[i].exports.len; k++)
            pl_exports_add(globals, &jobs[i].exports.items[k]);
    pl_exports_finish(globals);
}

size_t pl_driver_second_pass(struct pl_job *jobs, size_t njobs,
                             const struct pl_rule *const *rules,
                             size_t nrules, unsigned nthreads,
                             struct pl_exports *globals, size_t *not_parsed)
{
    *not_parsed = 0;
    collect_exports(jobs, njobs, globals);
    bool *was_cached = pl_xcalloc(njobs ? njobs : 1, sizeof *was_cached);
    uint64_t *digest = pl_xcalloc(njobs ? njobs : 1, sizeof *digest);
    size_t again = 0;
    for (size_t i = 0; i < njobs; i++) {
        struct pl_job *job = &jobs[i];
        digest[i] = callee_digest(job, globals);
        was_cached[i] = job->cached;
        bool redo = job->status == 0 && digest[i] != job->callee_digest;
        if (redo && job->kept) {
            reset_analysis(job); /* its parse stands */
            job->globals = globals;
            again++;
            ++*not_parsed;
        } else if (redo) {
            pl_job_reset(job);
            job->globals = globals;
            again++;
        } else {
            drop_kept(job);
            job->cached = true; /* not in this pass */
        }
    }
    if (again) {
        pl_driver_run(jobs, njobs, rules, nrules, nthreads, false, 0);
        /* what the files export now, after the second pass: the digests
           recorded for the next run are of these, so that an unchanged
           tree gives the same digests again (two passes, no fixpoint) */
        collect_exports(jobs, njobs, globals);
    }
    for (size_t i = 0; i < njobs; i++) {
        struct pl_job *job = &jobs[i];
        if (job->globals) /* analyzed again: its results are new */
            job->cached = false;
        else
            job->cached = was_cached[i];
        job->callee_digest = again ? callee_digest(job, globals) : digest[i];
    }
    free(was_cached);
    free(digest);
    return again;
}
