/*
 * analyzer/calls.c - what a call does to a path's state: allocation,
 * reallocation and release through the API table or a learned summary,
 * arguments that are only read, and arguments that are taken over.
 */
#include "engine.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* ---- calls ---- */

#define MAX_ARGS 16

/* An argument '&var': the callee may write 'var'. */
static void address_taken(struct pl_engine *e, struct pl_state *st,
                          const struct pl_node *arg)
{
    const struct pl_node *s = pl_node_strip(arg);
    if (s->kind != PL_N_UNARY || s->op != PL_OP_ADDR)
        return;
    uint32_t key;
    if (!pl_lvalue_key(e, s->kids[0], &key))
        return;
    struct pl_value *cur = pl_state_lookup(st, key);
    if (cur)
        pl_escape(e, st, *cur);
    const char *text = pl_keys_text(&e->keys, key);
    struct match_ctx m = {&e->keys, NULL, text};
    for (unsigned i = 0; i < st->nbindings; i++) /* fields of a struct */
        if (pl_binding_in_record(st->bindings[i].key, &m))
            pl_escape(e, st, st->bindings[i].value);
    pl_store_key(e, st, key, pl_unknown_value);
}

/* A fresh block from allocating call 'n'; unknown when the state is full. */
static struct pl_value new_allocation(struct pl_engine *e, struct pl_state *st,
                                      const struct pl_node *n,
                                      enum pl_family family)
{
    int b = pl_state_new_block(st, n, family, n->name);
    if (b < 0)
        return pl_unknown_value;
    if (e->stats)
        e->stats->allocations++;
    return pl_block_value(b);
}

/* A call may change what is reached through pointers. */
static void forget_indirect(struct pl_engine *e, struct pl_state *st)
{
    /* Known conditions stay: a callee that changes a field a caller just
       tested is rarer than the caller testing the same field twice. */
    struct match_ctx m = {&e->keys, NULL, NULL};
    for (unsigned i = 0; i < st->nbindings; i++)
        if (pl_binding_through_pointer(st->bindings[i].key, &m))
            pl_hand_over(e, st, st->bindings[i].value);
    pl_state_unbind_if(st, pl_binding_through_pointer, &m);
}

static struct pl_value call_summary(struct pl_engine *e, struct pl_state *st,
                                    const struct pl_node *n, const char *what,
                                    const struct pl_summary *sum,
                                    struct pl_value *args, unsigned nargs)
{
    for (unsigned i = 0; i < nargs; i++) {
        const struct pl_node *arg = n->kids[i + 1];
        enum pl_param_role role = i < 16 ? sum->roles[i] : PL_PARAM_UNKNOWN;
        if (role == PL_PARAM_RELEASES) {
            pl_release(e, st, args[i], n, arg, sum->release_family[i], n->name,
                    false);
        } else {
            pl_use_pass(e, st, args[i], arg, what);
            if (role != PL_PARAM_BORROWS)
                pl_escape(e, st, args[i]);
        }
        address_taken(e, st, arg);
    }
    forget_indirect(e, st);
    if (sum->returns_family == PL_FAM_NONE)
        return pl_unknown_value;
    struct pl_value v = new_allocation(e, st, n, sum->returns_family);
    if (v.kind == PL_V_BLOCK && sum->returns_nonnull)
        st->blocks[v.block].status = PL_B_NONNULL;
    return v;
}

static struct pl_value call_realloc(struct pl_engine *e, struct pl_state *st,
                                    const struct pl_node *n, const char *what,
                                    const struct pl_api *api,
                                    struct pl_value old)
{
    if (old.kind == PL_V_BLOCK) {
        struct pl_block *ob = &st->blocks[old.block];
        if (ob->status == PL_B_FREED) {
            pl_use_pass(e, st, old, n->kids[1], what);
            return pl_unknown_value;
        }
        if (ob->site == n) /* growing in a loop: same block, same site */
            return old;
        if (ob->family != PL_FAM_NONE && ob->family != api->family &&
            pl_block_is_live(ob)) {
            char subject[PL_TEXT_MAX];
            pl_subject_text(n->kids[1], subject, sizeof subject);
            struct pl_event ev = {.kind = PL_EV_RELEASE_MISMATCH,
                                  .line = n->line, .col = n->col,
                                  .subject = subject,
                                  .release_name = n->name,
                                  .release_family = api->family};
            pl_event_from_block(&ev, e, st, old.block);
            pl_emit(e, st, &ev, ob->note_start);
        }
    }
    struct pl_value v = new_allocation(e, st, n, api->family);
    if (v.kind == PL_V_BLOCK && old.kind == PL_V_BLOCK &&
        pl_block_is_live(&st->blocks[old.block])) {
        st->blocks[v.block].moved_from = (int8_t)old.block;
        st->blocks[old.block].flags |= PL_BF_PENDING_MOVE;
    } else {
        pl_escape(e, st, old); /* not followed any more */
    }
    return v;
}

static struct pl_value call_api(struct pl_engine *e, struct pl_state *st,
                                const struct pl_node *n, const char *what,
                                const struct pl_api *api,
                                struct pl_value *args, unsigned nargs)
{
    switch (api->role) {
    case PL_API_ALLOC:
        return new_allocation(e, st, n, api->family);
    case PL_API_REALLOC:
        return call_realloc(e, st, n, what, api,
                            nargs ? args[0] : pl_unknown_value);
    case PL_API_FREE:
        if (nargs)
            pl_release(e, st, args[0], n, n->kids[1], api->family, n->name,
                    true);
        return pl_unknown_value;
    default:
        break;
    }
    for (unsigned i = 0; i < nargs; i++) {
        if (i < 32 && (api->nonnull_args >> i) & 1)
            pl_use_deref(e, st, args[i], n->kids[i + 1], what);
        else
            pl_use_pass(e, st, args[i], n->kids[i + 1], what);
        address_taken(e, st, n->kids[i + 1]);
    }
    if (api->returns_arg0 && nargs)
        return args[0]; /* strcpy, memcpy, ... return their destination */
    return api->role == PL_API_RETURNS_NULL ? pl_int_value(0) : pl_unknown_value;
}

static struct pl_value call_unknown(struct pl_engine *e, struct pl_state *st,
                                    const struct pl_node *n, const char *what,
                                    struct pl_value *args, unsigned nargs)
{
    for (unsigned i = 0; i < nargs; i++) {
        pl_use_pass(e, st, args[i], n->kids[i + 1], what);
        pl_escape(e, st, args[i]);
        address_taken(e, st, n->kids[i + 1]);
    }
    forget_indirect(e, st);
    return pl_unknown_value;
}

/*
 * A function of Python's C API not in the table: an argument given to a
 * pointer-to-const parameter is only read; one given to a plain pointer
 * parameter may be kept.
 */
static struct pl_value call_python_api(struct pl_engine *e,
                                       struct pl_state *st,
                                       const struct pl_node *n, const char *what,
                                       struct pl_value *args, unsigned nargs)
{
    unsigned long long reads = (unsigned long long)n->value;
    for (unsigned i = 0; i < nargs; i++) {
        pl_use_pass(e, st, args[i], n->kids[i + 1], what);
        if (i >= 64 || !((reads >> i) & 1))
            pl_escape(e, st, args[i]);
        address_taken(e, st, n->kids[i + 1]);
    }
    return pl_unknown_value;
}

struct pl_value pl_eval_call(struct pl_engine *e, struct pl_state *st,
                             const struct pl_node *n)
{
    if (!n->name && n->nkids && n->kids[0])
        pl_eval(e, st, n->kids[0]);
    struct pl_value args[MAX_ARGS];
    unsigned nargs = 0;
    for (unsigned i = 1; i < n->nkids; i++) {
        struct pl_value v = pl_eval(e, st, n->kids[i]);
        if (nargs < MAX_ARGS)
            args[nargs++] = v;
        else
            pl_escape(e, st, v);
    }
    char what[PL_TEXT_MAX]; /* how the arguments are used, for messages */
    snprintf(what, sizeof what, "passed to '%s'",
             n->name ? n->name : "a function pointer");
    const struct pl_summary *sum =
        n->name ? pl_summary_get(e->sums, n->name) : NULL;
    if (sum)
        return call_summary(e, st, n, what, sum, args, nargs);
    const struct pl_api *api = pl_api_lookup(n->name);
    if (api)
        return call_api(e, st, n, what, api, args, nargs);
    if ((n->flags & PL_F_LIBRARY) && !pl_api_keeps_pointer(n->name))
        return call_python_api(e, st, n, what, args, nargs);
    return call_unknown(e, st, n, what, args, nargs);
}
