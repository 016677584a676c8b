/*
 * analyzer/findings.h - the findings of a run: collected from rules,
 * de-duplicated, sorted, and printed in compiler style.
 */
#ifndef PL_FINDINGS_H
#define PL_FINDINGS_H

#include "util.h"

#include <stdbool.h>
#include <stdio.h>

struct pl_finding_note {
    unsigned line, col;
    char *text;
};

struct pl_finding {
    const char *rule_id;      /* static string of the rule */
    char *file;
    unsigned line, col;
    char *message;
    char *source_line;        /* the offending line's text or NULL */
    char *function;           /* the function it is in, or NULL */
    struct pl_finding_note *notes;
    size_t nnotes;
    /* what 'pymem-lint validate' found when it ran the code (from the
       store), or NULL: "confirmed", "not-reproduced", "not-reached", ... */
    char *verdict;
    char *evidence;           /* one line, or NULL */
};

struct pl_findings {
    struct pl_finding *items;
    size_t len, cap;
};

void pl_findings_init(struct pl_findings *f);
void pl_findings_release(struct pl_findings *f);

/*
 * Add a finding. Copies every string; 'notes' may be NULL.
 * A finding with the same rule, file, line and column as one already
 * present is dropped (and NULL returned); otherwise the new finding is
 * returned, borrowed from 'f' until the next change of 'f'.
 */
struct pl_finding *pl_findings_add(struct pl_findings *f, const char *rule_id,
                     const char *file, unsigned line, unsigned col,
                     const char *message, const char *source_line,
                     const struct pl_finding_note *notes, size_t nnotes);

/* Remove the findings i of 'f' for which drop[i] is true. */
void pl_findings_remove(struct pl_findings *f, const bool *drop);

/* Move every finding of 'from' into 'to'; 'from' is left empty. */
void pl_findings_take(struct pl_findings *to, struct pl_findings *from);

/* Sort by file, line, column, rule. */
void pl_findings_sort(struct pl_findings *f);

/* Drop findings equal in rule, file, line and column to the one before
 * (a .c file analyzed standalone and as part of a unity build). Call after
 * pl_findings_sort(). */
void pl_findings_unique(struct pl_findings *f);

/* Places in files (suppression comments met, or used). */
struct pl_line_ref {
    char *file;
    unsigned line;
    char *text;     /* the line, or NULL */
};
struct pl_lines {
    struct pl_line_ref *items;
    size_t len, cap;
};

/* Add a place (copies the strings; 'text' may be NULL). */
void pl_lines_add(struct pl_lines *l, const char *file, unsigned line,
                  const char *text);
bool pl_lines_has(const struct pl_lines *l, const char *file, unsigned line);
void pl_lines_release(struct pl_lines *l);

/* Print all findings as text to 'out'; 'color' adds ANSI colours. */
void pl_findings_print(const struct pl_findings *f, FILE *out, bool color);

#endif
