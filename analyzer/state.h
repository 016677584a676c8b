/*
 * analyzer/state.h - the abstract state of one path: which variables hold
 * which tracked blocks, what each block's status is, which conditions are
 * known, which blocks were lost, and the branch notes of the path.
 * Internal to the dataflow engine.
 */
#ifndef PL_STATE_H
#define PL_STATE_H

#include "api.h"
#include "ast.h"
#include "event.h"

#include <stdbool.h>
#include <stdint.h>

#define PL_MAX_BINDINGS 96
#define PL_MAX_BLOCKS 32
#define PL_MAX_FACTS 48
#define PL_MAX_LOST 32
#define PL_MAX_NOTES 24
#define PL_MAX_BOUNDS 16

enum pl_value_kind {
    PL_V_UNKNOWN,
    PL_V_INT,    /* a known integer; 0 is also the null pointer */
    PL_V_BLOCK,  /* points into a tracked block */
    PL_V_STRING, /* a string literal */
    PL_V_STACK,  /* the address of a local array or variable, or of a
                    static one; ival: its key */
    PL_V_BORROWED, /* a buffer a Python object lends; ival: the key of
                      the lending function's name */
};

struct pl_value {
    uint8_t kind;
    bool interior;   /* PL_V_BLOCK: not the start of the block */
    int16_t block;   /* PL_V_BLOCK: index into state->blocks */
    long long ival;  /* PL_V_INT */
};

enum pl_block_status {
    PL_B_MAYBE_NULL, /* fresh, not checked */
    PL_B_NONNULL,
    PL_B_NULL,       /* the allocation failed on this path */
    PL_B_FREED,
    PL_B_ESCAPED,    /* handed over to someone else */
    PL_B_LOST,       /* leaked, already recorded */
};

enum pl_block_flags {
    PL_BF_PENDING_MOVE = 1 << 0,  /* a realloc of it has not been checked */
    PL_BF_PARAM = 1 << 1,         /* summary mode: a parameter's block */
    PL_BF_REPORTED_NULL = 1 << 2, /* events already sent for this block */
    PL_BF_REPORTED_UAF = 1 << 3,
    PL_BF_LOST_BY_REALLOC = 1 << 4,
    PL_BF_UNKNOWN_ORIGIN = 1 << 5, /* released before we saw its source */
    PL_BF_HANDED_OVER = 1 << 6,   /* stored where someone else owns it */
    PL_BF_API_BUFFER = 1 << 7,    /* handed over by a CPython API (PML013) */
    PL_BF_NO_EXC = 1 << 8,        /* its allocator sets no exception */
};

struct pl_block {
    const struct pl_node *site;  /* the allocating call */
    const char *alloc_name;
    uint8_t family;
    uint8_t status;
    uint16_t flags;
    int8_t moved_from;           /* block a realloc moved into this, or -1 */
    int8_t param;                /* summary mode: parameter index */
    uint8_t freed_family;
    const char *freed_by;
    unsigned freed_line, freed_col;
    unsigned note_start;         /* path notes from here on concern it */
};

struct pl_binding {
    uint32_t key;
    struct pl_value value;
};

struct pl_fact {
    uint32_t key;
    bool truth;
};

/* What the path's conditions say of an integer variable: lo <= x <= hi. */
struct pl_bound {
    uint32_t key;
    long long lo, hi;
};

/* A block whose last reference was lost on this path. */
struct pl_lost {
    const struct pl_node *site;
    const char *alloc_name;
    uint8_t family;
    bool by_realloc;
    bool api_buffer;
    unsigned line, col;
    const char *how;
    unsigned note_start;
};

struct pl_state {
    struct pl_binding bindings[PL_MAX_BINDINGS];
    unsigned nbindings;            /* sorted by key */
    struct pl_block blocks[PL_MAX_BLOCKS];
    unsigned nblocks;
    struct pl_fact facts[PL_MAX_FACTS];
    unsigned nfacts;               /* sorted by key */
    struct pl_lost lost[PL_MAX_LOST];
    unsigned nlost;
    struct pl_bound bounds[PL_MAX_BOUNDS];
    unsigned nbounds;
    bool error_path;               /* went through an error label */
    unsigned no_exc_line;          /* an allocation that sets no exception
                                      failed here, and nothing set one
                                      since (0: none) */
    unsigned gil_released_line;    /* the GIL was released here (0: held) */
    const char *no_exc_alloc;      /* the allocator of no_exc_line */
    unsigned no_exc_col;
    /* not part of the state's identity: */
    struct pl_path_note notes[PL_MAX_NOTES];
    unsigned nnotes;
    unsigned notes_dropped;        /* older notes pushed out */
};

/* The value bound to 'key', or NULL when unknown. Borrowed from 'st'. */
struct pl_value *pl_state_lookup(struct pl_state *st, uint32_t key);

/*
 * Bind 'key' to 'v' (an unknown value removes the binding).
 * Returns false when the state is full and the binding was not stored.
 */
bool pl_state_bind(struct pl_state *st, uint32_t key, struct pl_value v);

/* Forget every binding whose key is in 'keys' (a predicate). */
void pl_state_unbind_if(struct pl_state *st,
                        bool (*match)(uint32_t key, void *ctx), void *ctx);

/* Number of bindings that point into block 'b'. */
unsigned pl_state_refs(const struct pl_state *st, int b);

/*
 * Add a block; a block from the same site is replaced. Returns its index,
 * or -1 when the state has no room (the allocation is then not tracked).
 */
int pl_state_new_block(struct pl_state *st, const struct pl_node *site,
                       enum pl_family family, const char *alloc_name);

/* Remove blocks that no longer matter; remaps bindings. */
void pl_state_collect(struct pl_state *st);

/* Known truth of condition 'key': 1 true, 0 false, -1 unknown. */
int pl_state_fact(const struct pl_state *st, uint32_t key);
void pl_state_set_fact(struct pl_state *st, uint32_t key, bool truth);
void pl_state_drop_facts_if(struct pl_state *st,
                            bool (*match)(uint32_t key, void *ctx),
                            void *ctx);

/* The bound of integer variable 'key' (the whole range when none). */
struct pl_bound pl_state_bound(const struct pl_state *st, uint32_t key);

/* Set the bound of 'key'; the whole range removes it. */
void pl_state_set_bound(struct pl_state *st, struct pl_bound b);

/* Append a path note (printf-like text, cut to fit). */
void pl_state_note(struct pl_state *st, unsigned line, unsigned col,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Hash of the state's identity (bindings, blocks, facts, losses). */
uint64_t pl_state_hash(const struct pl_state *st);

/* True when 'v' is the null pointer constant. */
static inline bool pl_value_is_null(struct pl_value v)
{
    return v.kind == PL_V_INT && v.ival == 0;
}

#endif
