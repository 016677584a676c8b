/*
 * analyzer/dataflow.h - the path-aware analysis of every allocation of a
 * function over its CFG. It learns summaries of the file's own functions
 * (allocation and release wrappers, functions that take ownership) and
 * reports events (event.h) through a callback.
 */
#ifndef PL_DATAFLOW_H
#define PL_DATAFLOW_H

#include "api.h"
#include "event.h"
#include "frontend.h"

#include <stddef.h>

/* Limits that keep the analysis bounded, and counters of what was cut. */
struct pl_dataflow_stats {
    size_t functions;
    size_t states;          /* (block, state) pairs explored */
    size_t states_cut;      /* dropped because a block had too many states */
    size_t functions_capped; /* functions where some were */
    size_t functions_cut;   /* stopped at the step budget */
    size_t allocations;     /* allocation sites seen */
};

typedef void (*pl_event_fn)(void *ctx, const struct pl_event *event);

struct pl_summaries;

/*
 * Learn the summaries of every function of 'unit'.
 * Ownership: the caller frees the result with pl_summaries_free(); it
 * borrows 'unit'.
 */
struct pl_summaries *pl_summaries_new(const struct pl_unit *unit,
                                      struct pl_dataflow_stats *stats);
void pl_summaries_free(struct pl_summaries *sums);

/*
 * Describe what function 'name' does with its arguments, for tests and
 * --stats: e.g. "alloc(PyMem) p0:free(PyMem)". Returns NULL if 'name' has
 * no summary. Ownership: the caller frees the string with free().
 */
char *pl_summaries_describe(const struct pl_summaries *sums,
                            const char *name);

/* Add the summaries of the unit's non-static functions to 'out'. */
struct pl_exports;
void pl_summaries_export(const struct pl_summaries *sums,
                         struct pl_exports *out);

/*
 * Add to 'out' (no duplicates) the names of functions the unit calls that
 * it does not define and that no table knows: the ones another file's
 * exports may describe.
 */
struct pl_argv;
void pl_summaries_external_calls(const struct pl_summaries *sums,
                                 struct pl_argv *out);

/*
 * Analyze function 'fn' of 'unit' and call 'on_event' for everything
 * suspicious (in no particular order; the same event can come from
 * several paths).
 */
void pl_dataflow_run(const struct pl_unit *unit, const struct pl_function *fn,
                     const struct pl_summaries *sums, pl_event_fn on_event,
                     void *ctx, struct pl_dataflow_stats *stats);

#endif
