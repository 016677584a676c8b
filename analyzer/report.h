/*
 * analyzer/report.h - how rules turn engine events into findings with
 * path notes.
 */
#ifndef PL_REPORT_H
#define PL_REPORT_H

#include "event.h"
#include "findings.h"
#include "frontend.h"

struct pl_reporter {
    struct pl_findings *findings; /* where findings go */
    const struct pl_unit *unit;   /* for source lines */
    const char *file;             /* path shown to users */
    const char *rule_name;        /* name of the rule reporting now */
    struct pl_lines *used;        /* suppression comments that matched a
                                     finding (NULL: not recorded) */
};

/*
 * Add a finding of rule 'rule_id' (unless a comment in the source
 * suppresses it, see suppress.h) at 'line':'col' for event 'ev', with a
 * printf-style message; the notes come from the event (allocation site,
 * branches, earlier release, where the block was lost, the exit).
 */
void pl_report(struct pl_reporter *r, const char *rule_id,
               const struct pl_event *ev, unsigned line, unsigned col,
               const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif
