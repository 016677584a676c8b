/*
 * rules/rule.h - the interface every rule implements: its identity, its
 * documentation, and a check that turns engine events into findings.
 */
#ifndef PL_RULE_H
#define PL_RULE_H

#include "../analyzer/event.h"
#include "../analyzer/report.h"

#include <stddef.h>

enum pl_severity {
    PL_SEV_NOTE,
    PL_SEV_WARNING,
    PL_SEV_ERROR,
};

struct pl_rule {
    const char *id;          /* stable: "PML005" */
    const char *name;        /* kebab-case: "leak-on-error-path" */
    enum pl_severity severity;
    const char *summary;     /* one line */
    const char *explanation; /* what --explain prints */
    /* Look at one event; report through 'r' when it is this rule's. */
    void (*check)(const struct pl_event *ev, struct pl_reporter *r);
};

/* The registered rules in id order, and their number. */
const struct pl_rule *const *pl_rules(size_t *count);

/* Find a rule by id (case-insensitive) or name; NULL when unknown. */
const struct pl_rule *pl_rule_find(const char *id_or_name);

/* "warning", "error" or "note". */
const char *pl_severity_name(enum pl_severity severity);

#endif
