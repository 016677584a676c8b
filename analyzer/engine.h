/*
 * analyzer/engine.h - internals shared by the dataflow engine's files:
 * the per-function context, interned keys, and the evaluation entry
 * points. Not for use outside dataflow.c, eval.c and summary.c.
 */
#ifndef PL_ENGINE_H
#define PL_ENGINE_H

#include "cfg.h"
#include "dataflow.h"
#include "state.h"
#include "util.h"

/* What a function does with one pointer parameter. */
enum pl_param_role {
    PL_PARAM_UNKNOWN,  /* may take it over */
    PL_PARAM_BORROWS,  /* only reads it */
    PL_PARAM_RELEASES, /* releases it on every path */
    PL_PARAM_KEEPS,    /* stores or releases it on some path */
};

struct pl_summary {
    const char *name;
    bool done, busy;
    enum pl_family returns_family; /* PL_FAM_NONE: not an allocator */
    const char *returns_alloc_name;
    bool returns_nonnull;          /* it never returns NULL */
    enum pl_param_role roles[16];
    enum pl_family release_family[16];
};

struct pl_summaries {
    const struct pl_unit *unit;
    struct pl_summary *items; /* one per function of the unit, same order */
    size_t len;
    struct pl_dataflow_stats *stats;
};

/* Interned strings: equal text, equal id. */
struct pl_keys {
    char **texts;
    size_t len, cap;
    uint32_t *slots; /* open addressing: id + 1, 0 = empty */
    size_t nslots;
};

/* Leaks of one allocation site over all paths. */
struct pl_site_leak {
    const struct pl_node *site;
    struct pl_event event;          /* the leak we keep reporting */
    struct pl_path_note notes[PL_MAX_NOTES];
    bool have, normal;
};

/* Accumulated facts of a summary run. */
struct pl_summary_acc {
    bool released_all[16], kept_any[16], seen_nonnull[16];
    enum pl_family family[16];
    bool returns_fresh, returns_other, fresh_maybe_null;
    enum pl_family fresh_family;
    const char *fresh_name;
};

struct pl_engine {
    const struct pl_unit *unit;
    const struct pl_function *fn;
    const struct pl_cfg *cfg;
    const struct pl_summaries *sums;
    struct pl_summary_acc *acc;    /* non-NULL in summary mode */
    pl_event_fn on_event;
    void *ctx;
    struct pl_dataflow_stats *stats;
    struct pl_keys keys;
    struct pl_site_leak *leaks;
    size_t nleaks, leaks_cap;
    const struct pl_node *cur_elem; /* element being evaluated */
};

uint32_t pl_keys_intern(struct pl_keys *keys, const char *text);
const char *pl_keys_text(const struct pl_keys *keys, uint32_t id);
void pl_keys_release(struct pl_keys *keys);

/* Evaluate element 'n' on 'st' (eval.c). */
void pl_eval_elem(struct pl_engine *e, struct pl_state *st,
                  const struct pl_node *n);

/* Evaluate an expression and return its value (eval.c). */
struct pl_value pl_eval(struct pl_engine *e, struct pl_state *st,
                        const struct pl_node *n);

/*
 * Refine 'st' assuming condition 'cond' (already evaluated) is 'truth'.
 * Returns false when that is impossible on this path (eval.c).
 */
bool pl_assume(struct pl_engine *e, struct pl_state *st,
               const struct pl_node *cond, bool truth);

/*
 * Refine 'st' for the switch edge whose case value is values[index]
 * (index -1: the default edge) of a switch on 'subject' (evaluated).
 * Returns false when the edge cannot be taken on this path (eval.c).
 */
bool pl_assume_case(struct pl_engine *e, struct pl_state *st,
                    const struct pl_node *subject,
                    const struct pl_node *const *values, size_t nvalues,
                    long index);

/* Record blocks that lost their last reference at 'at' (eval.c). */
void pl_check_lost(struct pl_engine *e, struct pl_state *st,
                   const struct pl_node *at, const char *how);

/* Report a use of 'v' at 'at' ("passed to 'f'", "returned") when it
 * was released already (eval.c). */
void pl_use_pass(struct pl_engine *e, struct pl_state *st,
                 struct pl_value v, const struct pl_node *at,
                 const char *what);

/* Block 'v' (and the blocks in its fields) now belongs to someone else. */
void pl_escape(struct pl_engine *e, struct pl_state *st, struct pl_value v);

/* Fill the block part of an event from block 'b' of 'st'. */
void pl_event_from_block(struct pl_event *ev, const struct pl_engine *e,
                         const struct pl_state *st, int b);

/* Send an event about block 'b' (does nothing in summary mode). */
void pl_emit(struct pl_engine *e, const struct pl_state *st,
             struct pl_event *ev, unsigned note_start);

/* The summary of same-file function 'name', computing it if needed. */
const struct pl_summary *pl_summary_get(const struct pl_summaries *sums,
                                        const char *name);

/* Run the engine over one function (dataflow.c). */
void pl_engine_run(struct pl_engine *e);

#endif
