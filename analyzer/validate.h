/*
 * analyzer/validate.h - 'pymem-lint validate': turn findings into evidence
 * by running the user's own tests under the runtime hook, once plainly and
 * once per fault that the findings call for, and give each finding a
 * verdict: confirmed (with the evidence), not-reproduced (the site ran,
 * the fault was injected, nothing went wrong), not-reached (the tests never
 * ran the site), or not-exercisable (the rule has no runtime check).
 */
#ifndef PL_VALIDATE_H
#define PL_VALIDATE_H

#include "findings.h"
#include "testrun.h"

struct pl_validate_summary {
    size_t confirmed, not_reproduced, not_reached, not_exercisable;
    size_t runs;
    double seconds;
};

/*
 * Validate every finding of 'f' (setting its verdict and evidence) with
 * the runs 'o' describes; the hook's reports of every run are kept in
 * 'store' (when not NULL) under 'command'. Returns 0, or -1 after reporting when the
 * command could not be run at all (then no verdict is set).
 */
struct pl_store;
int pl_validate(struct pl_findings *f, const struct pl_testrun_options *o,
                struct pl_store *store, const char *command,
                struct pl_validate_summary *summary);

#endif
