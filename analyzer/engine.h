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

#define PL_TEXT_MAX_EARLY 160 /* = PL_TEXT_MAX, needed before it */

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
    /* PML010: the PyMem/PyObject call it makes (directly or through a
       same-file callee); gil_state 0 not computed, 1 busy, 2 done */
    const char *gil_call;
    int gil_state;
    bool noreturn;                 /* no path of it returns */
    /* PML008: may it set an exception (a PyErr_* call, a CPython call
       that sets one on failure, an unknown function)? exc_state 0 not
       computed, 1 busy, 2 done */
    bool may_set_exc;
    int exc_state;
};

struct pl_summaries {
    const struct pl_unit *unit;
    struct pl_summary *items; /* one per function of the unit, same order */
    size_t len;
    size_t *by_name;  /* open addressing over items by name: index + 1,
                         0 = empty; a power of two of slots, or NULL */
    size_t nslots;
    struct pl_dataflow_stats *stats;
    /* summaries of other files' functions met so far (from
       unit->globals), converted once each */
    struct pl_summary **others; /* each heap-allocated: pointers stay */
    size_t nothers, others_cap;
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
    const struct pl_node *cur_call; /* the call being evaluated */
    /* the call evaluated last and its value, for a condition on it */
    const struct pl_node *last_call;
    struct pl_value last_call_value;
    /* texts of lvalues copied somewhere in the body ("old = self->buf") */
    struct pl_copy {
        char *text;
        unsigned line;
    } *copied;
    size_t ncopied, copied_cap;
    /* hoisted temporaries that hold a realloc result, and of what */
    struct pl_realloc_temp {
        const char *temp;
        char of[PL_TEXT_MAX_EARLY];
    } *realloc_temps;
    size_t nrealloc_temps, realloc_temps_cap;
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

/* The CFG builder's noreturn callback: the configuration's and the API
 * table's noreturn functions, and those a summary says never return
 * ('ctx' is the struct pl_summaries). */
bool pl_summaries_noreturn(const void *ctx, const char *name);

/* May a call of 'name' set an exception? Same-file and other files'
 * functions by their bodies; others by the API table (unknown: yes). */
bool pl_summary_may_set_exception(const struct pl_summaries *sums,
                                  const char *name);

/* The summary of same-file function 'name', computing it if needed. */
const struct pl_summary *pl_summary_get(const struct pl_summaries *sums,
                                        const char *name);

/* Run the engine over one function (dataflow.c). */
void pl_engine_run(struct pl_engine *e);

/* Free what pl_engine_run() and the evaluation kept in 'e'. */
void pl_engine_release(struct pl_engine *e);


/* ---- values (shared by the engine's files) ---- */

#define PL_TEXT_MAX PL_TEXT_MAX_EARLY /* texts of expressions and keys */

static const struct pl_value pl_unknown_value = {PL_V_UNKNOWN, false, -1, 0};

static inline struct pl_value pl_int_value(long long v)
{
    struct pl_value r = {PL_V_INT, false, -1, v};
    return r;
}

static inline struct pl_value pl_block_value(int b)
{
    struct pl_value r = {PL_V_BLOCK, false, (int16_t)b, 0};
    return r;
}

/* A block that is allocated and still ours (maybe NULL or not). */
static inline bool pl_block_is_live(const struct pl_block *b)
{
    return b->status == PL_B_MAYBE_NULL || b->status == PL_B_NONNULL;
}

/* ---- locations.c ---- */

/* Context of the key and fact matchers below. */
struct match_ctx {
    const struct pl_keys *keys;
    const char *ident;   /* pl_fact_mentions: facts naming it */
    const char *prefix;  /* pl_binding_in_record: keys of its fields */
};

/* Write the key of a trackable lvalue ("p", "s.f", "self->buf") into
 * 'buf'; false when 'n' is not one. */
bool pl_lvalue_text(const struct pl_node *n, char *buf, size_t size);

/* The interned key of a trackable lvalue; false when 'n' is not one. */
bool pl_lvalue_key(struct pl_engine *e, const struct pl_node *n,
                   uint32_t *key);

/* The key of static or global variable 'n' ("@name"), which holds a
 * block only from its store to the next call; false when 'n' is not
 * one. pl_is_global_key() matches those keys. */
bool pl_global_key(struct pl_engine *e, const struct pl_node *n,
                   uint32_t *key);
bool pl_is_global_key(uint32_t key, void *data);

/* Does 'text' mention identifier 'ident' as a whole word? */
bool pl_mentions(const char *text, const char *ident);

/* Matchers for pl_state_*_if(): a fact naming m->ident; a fact through a
 * pointer; a key of a field of m->prefix; a key through a pointer. */
bool pl_fact_mentions(uint32_t key, void *data);
bool pl_fact_indirect(uint32_t key, void *data);
bool pl_binding_in_record(uint32_t key, void *data);
bool pl_binding_through_pointer(uint32_t key, void *data);

/* The variable at the root of a key: "s.f" -> "s". */
void pl_key_root(const char *key, char *buf, size_t size);

/* Forget known conditions that name the root variable of 'key_text'. */
void pl_forget_facts_about(struct pl_engine *e, struct pl_state *st,
                           const char *key_text);

/* ---- blocks.c ---- */

/* The text of expression 'n' for messages. */
void pl_subject_text(const struct pl_node *n, char *buf, size_t size);

/* Send an event of 'kind' about the use of block 'b' at 'at'. */
void pl_emit_use(struct pl_engine *e, const struct pl_state *st, int b,
                 enum pl_event_kind kind, const struct pl_node *at,
                 const char *what);

/* A use of 'v' that needs it valid (a dereference): reports a use before
 * a NULL check or after a release, once per block. */
void pl_use_deref(struct pl_engine *e, struct pl_state *st,
                  struct pl_value v, const struct pl_node *at,
                  const char *what);

/* Set the status of block 'b', settling a pending realloc. */
void pl_set_status(struct pl_state *st, int b, enum pl_block_status s);

/* The root variable of a field key: "v" of "v->items". */
bool pl_field_root(const char *text, char *root, size_t size);

/* Block 'v' is stored where someone else owns it: it cannot leak here,
 * but its NULL state is still followed; so are the blocks in its fields. */
void pl_hand_over(struct pl_engine *e, struct pl_state *st,
                  struct pl_value v);

/* Hand over the blocks stored in fields of block 'b' ("X->f", X = b). */
void pl_block_fields(struct pl_engine *e, struct pl_state *st, int b);

/* True when block 'v' is ours alone: its fields are ours to follow. */
bool pl_private_block(const struct pl_state *st, struct pl_value v);

/* Follow a pointer of unknown origin that 'call' released, from here on,
 * as a released block bound to the lvalue 'arg'. */
void pl_track_released(struct pl_engine *e, struct pl_state *st,
                       const struct pl_node *call, const struct pl_node *arg,
                       const char *name);

/* A release of 'v' (the value of 'arg') by 'name' of 'family' at 'call';
 * 'direct' is false for a wrapper, which may have released the fields
 * of the block too. Reports double and mismatched releases. */
void pl_release(struct pl_engine *e, struct pl_state *st, struct pl_value v,
                const struct pl_node *call, const struct pl_node *arg,
                enum pl_family family, const char *name, bool direct);

/* ---- eval.c ---- */

/* Store 'v' into the trackable location 'key' (forgetting its fields,
 * integer range and the conditions that name it). */
void pl_store_key(struct pl_engine *e, struct pl_state *st, uint32_t key,
                  struct pl_value v);

/* 'a op b' of two integers; '*ok' false when not computable. */
struct pl_value pl_arith(enum pl_op op, long long a, long long b, bool *ok);

/* Whether pointers 'l' and 'r' are equal when that is known: 1 equal,
 * 0 different, -1 unknown. */
int pl_pointers_equal(const struct pl_state *st, struct pl_value l,
                      struct pl_value r);

/* ---- calls.c ---- */

/* The value of call 'n' after doing what the callee does to the state. */
struct pl_value pl_eval_call(struct pl_engine *e, struct pl_state *st,
                             const struct pl_node *n);

/* ---- overflow.c ---- */

/* Check the size argument 'size' of allocating call 'call' for an
 * unguarded multiplication (PML009). */
void pl_check_size(struct pl_engine *e, struct pl_state *st,
                   const struct pl_node *call, const struct pl_node *size);

/* Comparison 'cond' was assumed: operands it compares against a
 * division or a constant are guarded from here on. */
void pl_note_guard(struct pl_engine *e, struct pl_state *st,
                   const struct pl_node *cond);

/* ---- summary.c ---- */

/* The PyMem/PyObject call that same-file function 'name' makes, directly
 * or through its own same-file callees, with the GIL held by its caller;
 * NULL when it makes none. */
const char *pl_summary_gil_call(const struct pl_summaries *sums,
                                const char *name);

/* ---- assume.c ---- */

/* The value of a location or constant expression without side effects. */
struct pl_value pl_peek(struct pl_engine *e, struct pl_state *st,
                        const struct pl_node *n);

#endif
