/*
 * analyzer/cfg.h - control-flow graph of one function: basic blocks of
 * control-free expressions, ended by a jump, a two-way condition, a switch,
 * a return, or a call that does not return.
 */
#ifndef PL_CFG_H
#define PL_CFG_H

#include "ast.h"
#include "util.h"

enum pl_term {
    PL_T_JUMP,    /* succs[0] */
    PL_T_COND,    /* term_node is the condition; succs = {true, false} */
    PL_T_SWITCH,  /* term_node is the controlling value; succs: targets */
    PL_T_RETURN,  /* term_node: the returned value or NULL */
    PL_T_FALLOFF, /* end of the body reached without a return */
    PL_T_EXIT,    /* a call that does not return, or an unknown goto */
};

struct pl_cfg_block {
    unsigned id;
    const struct pl_node **elems; /* evaluated in order */
    size_t nelems, elems_cap;
    enum pl_term term;
    const struct pl_node *term_node;
    const struct pl_node *stmt;   /* return/goto statement, for notes */
    unsigned *succs;
    size_t nsuccs, succs_cap;
    const struct pl_node **case_values; /* PL_T_SWITCH: per successor, the
                                           case value; NULL for default */
    size_t ncase_values, case_values_cap;
    const char *label;            /* label that starts this block, or NULL */
    bool error_label;             /* that label's name says "error exit" */
    bool loop_head;               /* a loop's test, or a label */
};

struct pl_cfg {
    const struct pl_function *fn;
    struct pl_cfg_block *blocks;
    size_t nblocks, blocks_cap;
    unsigned entry;
    unsigned ntemps;              /* hoisted values "$t0".. */
    struct pl_arena arena;        /* nodes the builder made */
};

/*
 * Build the CFG of 'fn'. The 'is_noreturn' callback (may be NULL) names
 * the functions whose calls end a path; 'ctx' is passed to it.
 * Ownership: the caller frees the result with pl_cfg_free(); it borrows
 * 'fn', which must outlive it.
 */
struct pl_cfg *pl_cfg_build(const struct pl_function *fn,
                            bool (*is_noreturn)(const void *ctx,
                                                const char *name),
                            const void *ctx);

/* Free 'cfg' and everything it holds; NULL is a no-op. */
void pl_cfg_free(struct pl_cfg *cfg);

/* Number of edges in 'cfg' (for tests and statistics). */
size_t pl_cfg_edge_count(const struct pl_cfg *cfg);

/* Number of blocks reachable from the entry. */
size_t pl_cfg_reachable_count(const struct pl_cfg *cfg);

/* Print the CFG in a readable form to stderr (debugging aid). */
void pl_cfg_dump(const struct pl_cfg *cfg);

#endif
