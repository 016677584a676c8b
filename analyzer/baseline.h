/*
 * analyzer/baseline.h - a baseline of accepted findings: a reviewable
 * JSON file the user commits (--baseline-write FILE), and the filter that
 * keeps only findings not in it (--baseline FILE). Findings match by file
 * and a fingerprint that ignores line numbers (rule, function, the
 * offending line's text without blanks, occurrence), so edits elsewhere
 * in the file do not bring accepted findings back.
 */
#ifndef PL_BASELINE_H
#define PL_BASELINE_H

#include "findings.h"

/* Write the findings of 'f' to 'path' (atomically). Returns 0, or -1
 * after reporting. */
int pl_baseline_write(const char *path, const struct pl_findings *f,
                      const char *version);

/*
 * Drop from 'f' the findings that baseline 'path' lists; '*known' is set
 * to how many were dropped and '*gone' to how many baseline entries no
 * finding matched (fixed since). Returns 0, or -1 after reporting (a
 * missing or unreadable or invalid file: 'f' is then left whole).
 */
int pl_baseline_filter(const char *path, struct pl_findings *f,
                       size_t *known, size_t *gone);

#endif
