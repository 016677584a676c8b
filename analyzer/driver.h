/*
 * analyzer/driver.h - analyze a list of files with the enabled rules, on
 * several threads, and collect their findings.
 */
#ifndef PL_DRIVER_H
#define PL_DRIVER_H

#include "dataflow.h"
#include "findings.h"
#include "flags.h"

#include <stddef.h>

struct pl_rule;

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
    /* results */
    struct pl_findings findings;
    int status;           /* 0, or -1 when the file could not be analyzed */
    unsigned nerrors;     /* compiler errors */
    size_t skipped;       /* functions not analyzed because of them */
    size_t too_deep;      /* functions nested too deep to analyze */
    char *first_error;    /* heap, or NULL */
    struct pl_dataflow_stats stats;
};

/*
 * Analyze every job with its own rules (or else the 'nrules' rules in
 * 'rules') on 'nthreads' threads, skipping jobs whose results came from
 * the store. Fills each job's results; reports nothing itself except,
 * with 'progress', a line on stderr (files done, findings, time left)
 * that it erases at the end.
 */
void pl_driver_run(struct pl_job *jobs, size_t njobs,
                   const struct pl_rule *const *rules, size_t nrules,
                   unsigned nthreads, bool progress);

/* Free a job's arguments and results. */
void pl_job_release(struct pl_job *job);

#endif
