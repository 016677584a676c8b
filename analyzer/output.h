/*
 * analyzer/output.h - findings as machine-readable files: SARIF 2.1.0 for
 * code review tools (GitHub code scanning) and a plain JSON format for
 * scripts, written atomically (a temporary file renamed into place).
 */
#ifndef PL_OUTPUT_H
#define PL_OUTPUT_H

#include "findings.h"

#include <stdbool.h>
#include <stdio.h>

enum pl_format {
    PL_FORMAT_TEXT,
    PL_FORMAT_JSON,
    PL_FORMAT_SARIF,
};

/* What the writers need to know of a rule (the rules live in rules/). */
struct pl_rule_info {
    const char *id;          /* "PML005" */
    const char *name;        /* "leak-on-error-path" */
    const char *level;       /* "warning", "error", "note" */
    const char *summary;     /* one line */
    const char *explanation; /* the --explain text */
};

struct pl_run_info {
    const char *version;
    const struct pl_rule_info *rules;
    size_t nrules;
    bool successful;         /* no file failed */
};

/* Parse "text", "json" or "sarif"; -1 when unknown. */
int pl_format_parse(const char *name, enum pl_format *format);

/* Write 'f' in 'format' (JSON or SARIF) to 'out'. Returns 0, or -1 after
 * reporting a write error. */
int pl_output_write(FILE *out, enum pl_format format,
                    const struct pl_findings *f, const struct pl_run_info *run);

/*
 * The stable fingerprint of a finding, independent of its line: a hash of
 * the rule, the function, the offending line's text without blanks, and
 * which occurrence of that triple in the file it is. 'occurrence' counts
 * from 1. Writes 16 hex digits into 'buf' (17 bytes).
 */
void pl_finding_fingerprint(const struct pl_finding *finding,
                            unsigned occurrence, char buf[17]);

/* Occurrence numbers for pl_finding_fingerprint(), one per finding of
 * 'f' (sorted); a heap array the caller frees. */
unsigned *pl_finding_occurrences(const struct pl_findings *f);

/*
 * Open a temporary file next to 'path' for writing; pl_atomic_commit()
 * renames it over 'path' (or removes it when 'ok' is false, leaving
 * 'path' as it was). Return NULL / -1 after reporting.
 */
struct pl_atomic;
struct pl_atomic *pl_atomic_open(const char *path, FILE **out);
int pl_atomic_commit(struct pl_atomic *a, bool ok);

#endif
