/*
 * analyzer/driver.h - analyze a list of files with the enabled rules, on
 * several threads, and collect their findings.
 */
#ifndef PL_DRIVER_H
#define PL_DRIVER_H

#include "pch.h"
#include "dataflow.h"
#include "exports.h"
#include "findings.h"
#include "flags.h"

#include <stddef.h>

struct pl_rule;

/* The stack of each worker thread (see pl_driver_run). */
#define PL_WORKER_STACK ((size_t)1 << 30)

/* Seconds one file may take (parse and analysis) before the run gives it
   up, reports it as failed and goes on; 0 for no limit. A file that
   crashes the analysis is given up the same way (watchdog.h). */
#define PL_FILE_TIMEOUT_DEFAULT 50.0
void pl_driver_set_file_timeout(double seconds);

/* Whether a worker thread was given up in this process: it may still run,
   so the caller must not free what jobs point to, and should end with
   _exit() once its output is written. */
bool pl_driver_abandoned(void);

/* Where a job's time went, in seconds summed over both passes. */
struct pl_phase_times {
    double pch;        /* building a precompiled Python.h */
    double parse;      /* libclang's parse */
    double lower;      /* walking its tree into our CFG nodes */
    double analysis;   /* summaries and the path-aware analysis */
};

struct pl_job {
    const char *path;     /* as shown to users; borrowed */
    char *parse_path;     /* absolute path given to libclang; owned */
    struct pl_argv args;  /* compiler arguments, owned by the job */
    const struct pl_rule *const *rules; /* the rules for this file (its
                                           configuration's), borrowed */
    size_t nrules;
    const struct pl_project *project; /* its own functions, or NULL */
    /* results: suppression comments in the file, and those used */
    struct pl_lines suppressions, used_suppressions;
    char **deps;          /* real paths of every file it read (owned) */
    size_t ndeps;
    bool cached;          /* the results came from the store: skip it */
    /* cross-file summaries: what this file offers, what it calls, and
       (second pass) what other files offer */
    struct pl_exports exports;
    struct pl_argv callees;
    uint64_t callee_digest;  /* of the exports its callees had */
    const struct pl_exports *globals;
    struct pl_pch_cache *pch;  /* precompiled Python.h, or NULL; borrowed */
    /* results */
    struct pl_findings findings;
    int status;           /* 0, or -1 when the file could not be analyzed */
    unsigned nerrors;     /* compiler errors */
    size_t skipped;       /* functions not analyzed because of them */
    size_t too_deep;      /* functions nested too deep to analyze */
    char *first_too_deep; /* "NAME' at line N" of the first (heap), or NULL */
    char *first_error;    /* heap, or NULL */
    struct pl_dataflow_stats stats;
    struct pl_phase_times times;  /* not reset between passes */
    struct pl_unit *kept; /* the file lowered by the first pass, kept for
                             the second so that it is not parsed twice
                             (owned), or NULL */
};

/*
 * Analyze every job with its own rules (or else the 'nrules' rules in
 * 'rules') on 'nthreads' threads, skipping jobs whose results came from
 * the store. Fills each job's results; reports nothing itself except,
 * with 'progress', a line on stderr (files done, findings, time left)
 * that it erases at the end. Lowered files that call functions defined
 * elsewhere are kept in their jobs for the second pass, up to
 * 'keep_bytes' bytes in all (0: none).
 */
void pl_driver_run(struct pl_job *jobs, size_t njobs,
                   const struct pl_rule *const *rules, size_t nrules,
                   unsigned nthreads, bool progress, size_t keep_bytes);

/*
 * The second pass: collect every job's exports into 'globals' (which the
 * caller initializes and releases after the jobs), and analyze again, with
 * them, the jobs that call a function another file exports (or whose
 * cached results were made with other exports than these). Sets each
 * job's callee_digest. Returns the number of jobs analyzed again, and in
 * '*not_parsed' how many of them the first pass had kept lowered.
 */
size_t pl_driver_second_pass(struct pl_job *jobs, size_t njobs,
                             const struct pl_rule *const *rules,
                             size_t nrules, unsigned nthreads,
                             struct pl_exports *globals, size_t *not_parsed);

/* Run the rules over every function of a lowered file into the job's
   results (findings, exports, callees, suppressions, stats). The driver's
   own step after the parse; the fuzz target calls it too. */
void pl_driver_analyze_unit(struct pl_job *job, const struct pl_unit *unit,
                            const struct pl_rule *const *rules, size_t nrules);

/* Free a job's arguments and results. */
void pl_job_release(struct pl_job *job);

/* Forget a job's results (not its arguments), to analyze it again. */
void pl_job_reset(struct pl_job *job);

#endif
