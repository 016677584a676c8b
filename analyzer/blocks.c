/*
 * analyzer/blocks.c - what happens to tracked blocks: uses that need
 * them valid, releases, hand-overs to other owners and losses, and the
 * events these send to the rules.
 */
#include "engine.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* ---- events ---- */

void pl_subject_text(const struct pl_node *n, char *buf, size_t size)
{
    pl_node_text(pl_node_strip(n), buf, size);
}

void pl_event_from_block(struct pl_event *ev, const struct pl_engine *e,
                         const struct pl_state *st, int b)
{
    const struct pl_block *blk = &st->blocks[b];
    ev->fn = e->fn;
    ev->family = blk->family;
    ev->alloc_name = blk->alloc_name;
    ev->api_buffer = blk->flags & PL_BF_API_BUFFER;
    if (blk->site && !(blk->flags & (PL_BF_PARAM | PL_BF_UNKNOWN_ORIGIN))) {
        ev->alloc_line = blk->site->line;
        ev->alloc_col = blk->site->col;
    }
    if (blk->freed_by) {
        ev->prev_release_name = blk->freed_by;
        ev->prev_line = blk->freed_line;
        ev->prev_col = blk->freed_col;
    }
}

void pl_emit(struct pl_engine *e, const struct pl_state *st,
             struct pl_event *ev, unsigned note_start)
{
    if (e->acc || !e->on_event)
        return;
    unsigned first = note_start > st->notes_dropped
                         ? note_start - st->notes_dropped
                         : 0;
    if (first > st->nnotes)
        first = st->nnotes;
    ev->notes = st->notes + first;
    ev->nnotes = st->nnotes - first;
    e->on_event(e->ctx, ev);
}

/* Report a use of block 'v' that needs it valid (a dereference). */

/* Report a use of block 'v' that needs it not released. */
/* Send an event of 'kind' about the use of block 'b' at 'at'. */
void pl_emit_use(struct pl_engine *e, const struct pl_state *st, int b,
                     enum pl_event_kind kind, const struct pl_node *at,
                     const char *what)
{
    char subject[PL_TEXT_MAX];
    pl_subject_text(at, subject, sizeof subject);
    struct pl_event ev = {.kind = kind, .line = at->line, .col = at->col,
                          .subject = subject, .what = what};
    pl_event_from_block(&ev, e, st, b);
    pl_emit(e, st, &ev, st->blocks[b].note_start);
}

void pl_use_pass(struct pl_engine *e, struct pl_state *st,
                 struct pl_value v, const struct pl_node *at,
                 const char *what)
{
    if (v.kind != PL_V_BLOCK)
        return;
    struct pl_block *b = &st->blocks[v.block];
    if (b->status != PL_B_FREED || (b->flags & PL_BF_REPORTED_UAF))
        return;
    b->flags |= PL_BF_REPORTED_UAF;
    pl_emit_use(e, st, v.block, PL_EV_USE_AFTER_RELEASE, at, what);
}


/* Set the status of block 'b', settling a pending realloc. */
void pl_set_status(struct pl_state *st, int b, enum pl_block_status s)
{
    struct pl_block *blk = &st->blocks[b];
    blk->status = (uint8_t)s;
    int old = blk->moved_from;
    if (old < 0 || (s != PL_B_NONNULL && s != PL_B_NULL))
        return;
    struct pl_block *ob = &st->blocks[old];
    ob->flags &= (uint8_t)~PL_BF_PENDING_MOVE;
    if (s == PL_B_NONNULL) {
        ob->status = PL_B_FREED;
        ob->freed_by = blk->alloc_name;
        ob->freed_line = blk->site ? blk->site->line : 0;
        ob->freed_col = blk->site ? blk->site->col : 0;
        ob->freed_family = blk->family;
    }
    blk->moved_from = -1;
}

void pl_use_deref(struct pl_engine *e, struct pl_state *st,
                      struct pl_value v, const struct pl_node *at,
                      const char *what)
{
    if (v.kind != PL_V_BLOCK)
        return;
    struct pl_block *b = &st->blocks[v.block];
    if (b->status == PL_B_FREED) {
        pl_use_pass(e, st, v, at, what);
        return;
    }
    if ((b->status != PL_B_MAYBE_NULL && b->status != PL_B_NULL) ||
        (b->flags & PL_BF_PARAM))
        return;
    if (!(b->flags & PL_BF_REPORTED_NULL)) {
        b->flags |= PL_BF_REPORTED_NULL;
        pl_emit_use(e, st, v.block, PL_EV_USE_MAYBE_NULL, at, what);
    }
    pl_set_status(st, v.block, PL_B_NONNULL); /* one report per block */
}

/* Block 'v' is handed over to someone else. */
/*
 * Block 'v' is stored where someone else owns it (a field reached through
 * a pointer): it cannot leak here, but its NULL state is still followed.
 */
/* The root variable of a field key: "v" of "v->items->data". */
bool pl_field_root(const char *text, char *root, size_t size)
{
    const char *arrow = strstr(text, "->");
    if (!arrow || (size_t)(arrow - text) >= size)
        return false;
    memcpy(root, text, (size_t)(arrow - text));
    root[arrow - text] = '\0';
    return true;
}

/*
 * The bindings "X->f" of fields inside block 'b' (X is bound to 'b'):
 * hand their values over (the block went where we cannot follow it).
 */

void pl_hand_over(struct pl_engine *e, struct pl_state *st,
                      struct pl_value v)
{
    if (v.kind != PL_V_BLOCK)
        return;
    struct pl_block *blk = &st->blocks[v.block];
    if (blk->flags & PL_BF_HANDED_OVER)
        return;
    blk->flags |= PL_BF_HANDED_OVER;
    pl_block_fields(e, st, v.block);
}

void pl_escape(struct pl_engine *e, struct pl_state *st,
                   struct pl_value v)
{
    if (v.kind != PL_V_BLOCK)
        return;
    struct pl_block *b = &st->blocks[v.block];
    if (pl_block_is_live(b))
        b->status = PL_B_ESCAPED;
    else if (b->flags & PL_BF_PARAM && b->status != PL_B_FREED)
        b->status = PL_B_ESCAPED;
    else
        return;
    pl_block_fields(e, st, v.block);
}

void pl_block_fields(struct pl_engine *e, struct pl_state *st, int b)
{
    for (unsigned i = 0; i < st->nbindings; i++) {
        char root[PL_TEXT_MAX];
        if (!pl_field_root(pl_keys_text(&e->keys, st->bindings[i].key), root,
                        sizeof root))
            continue;
        const struct pl_value *base =
            pl_state_lookup(st, pl_keys_intern(&e->keys, root));
        if (base && base->kind == PL_V_BLOCK && base->block == b)
            pl_hand_over(e, st, st->bindings[i].value);
    }
}

/* True when block 'v' is ours alone: its fields are ours to follow. */
bool pl_private_block(const struct pl_state *st, struct pl_value v)
{
    if (v.kind != PL_V_BLOCK)
        return false;
    const struct pl_block *b = &st->blocks[v.block];
    return pl_block_is_live(b) && !(b->flags & (PL_BF_HANDED_OVER | PL_BF_PARAM |
                                       PL_BF_UNKNOWN_ORIGIN));
}

/* A release of 'v' by 'name' of 'family' at call 'call'. */

/*
 * Releasing a pointer of unknown origin held by a local variable: follow
 * it from here as a released block, so later uses and releases are seen.
 */
void pl_track_released(struct pl_engine *e, struct pl_state *st,
                           const struct pl_node *call,
                           const struct pl_node *arg, const char *name)
{
    uint32_t key;
    if (!pl_lvalue_key(e, arg, &key))
        return;
    int b = pl_state_new_block(st, call, PL_FAM_NONE, "an unknown allocator");
    if (b < 0)
        return;
    struct pl_block *blk = &st->blocks[b];
    blk->site = call;
    blk->status = PL_B_FREED;
    blk->flags |= PL_BF_UNKNOWN_ORIGIN;
    blk->freed_by = name;
    blk->freed_line = call->line;
    blk->freed_col = call->col;
    struct pl_value v = {PL_V_BLOCK, false, (int16_t)b, 0};
    if (!pl_state_bind(st, key, v))
        blk->status = PL_B_ESCAPED;
}

/*
 * What a release of 'v' (the value of 'arg') frees when it is not heap
 * memory: "the local array 'buf'", "a string literal", ...; NULL when it
 * may be heap memory. 'buf' holds the text.
 */
static const char *non_heap_text(struct pl_engine *e, struct pl_value v,
                                 const struct pl_node *arg, char *buf,
                                 size_t size)
{
    const struct pl_node *s = pl_node_strip(arg);
    if (v.kind == PL_V_STRING) {
        snprintf(buf, size, "a string literal");
        return buf;
    }
    bool array = s->kind == PL_N_VAR && (s->flags & PL_F_ARRAY);
    bool addr = s->kind == PL_N_UNARY && s->op == PL_OP_ADDR &&
                pl_node_strip(s->kids[0])->kind == PL_N_VAR;
    if (v.kind != PL_V_STACK && (array || addr)) { /* a static or global */
        const struct pl_node *var = array ? s : pl_node_strip(s->kids[0]);
        snprintf(buf, size, "%s '%s', which is not heap memory",
                 array ? "the static array" : "the address of", var->name);
        return buf;
    }
    if (v.kind == PL_V_STACK) {
        const char *name = pl_keys_text(&e->keys, (uint32_t)v.ival);
        bool global = name[0] == '@';
        name += global;
        snprintf(buf, size, "%s '%s', which is not heap memory",
                 global ? "the static array"
                 : addr ? "the address of"
                        : "the array",
                 name);
        return buf;
    }
    return NULL;
}

/* Report the release of a buffer that is not a heap block ('what'), or
 * that a Python object lent ('lender'). */
static void emit_bad_release(struct pl_engine *e, struct pl_state *st,
                             enum pl_event_kind kind,
                             const struct pl_node *call,
                             const struct pl_node *arg, const char *name,
                             enum pl_family family, const char *what,
                             const char *lender)
{
    char subject[PL_TEXT_MAX];
    pl_subject_text(arg, subject, sizeof subject);
    struct pl_event ev = {.kind = kind, .fn = e->fn, .line = call->line,
                          .col = call->col, .subject = subject,
                          .release_name = name, .release_family = family,
                          .non_heap = what, .lender = lender};
    pl_emit(e, st, &ev, st->notes_dropped + st->nnotes);
}

void pl_release(struct pl_engine *e, struct pl_state *st,
                    struct pl_value v, const struct pl_node *call,
                    const struct pl_node *arg, enum pl_family family,
                    const char *name, bool direct)
{
    char what[PL_TEXT_MAX];
    if (non_heap_text(e, v, arg, what, sizeof what)) {
        emit_bad_release(e, st, PL_EV_RELEASE_NON_HEAP, call, arg, name,
                         family, what, NULL);
        return;
    }
    if (v.kind == PL_V_BORROWED) {
        emit_bad_release(e, st, PL_EV_RELEASE_BORROWED, call, arg, name,
                         family, NULL, pl_keys_text(&e->keys,
                                                    (uint32_t)v.ival));
        return;
    }
    if (v.kind == PL_V_UNKNOWN && !e->acc) {
        pl_track_released(e, st, call, arg, name);
        return;
    }
    if (v.kind != PL_V_BLOCK)
        return;
    struct pl_block *b = &st->blocks[v.block];
    if (v.interior && direct &&
        (pl_block_is_live(b) || b->status == PL_B_ESCAPED) &&
        !(b->flags & (PL_BF_PARAM | PL_BF_UNKNOWN_ORIGIN))) {
        /* (a wrapper may move the pointer back: 'PyMem_Free(p - 1)') */
        /* the block itself is not released: follow it no further */
        snprintf(what, sizeof what,
                 "a pointer into the middle of the block from %s at line %u",
                 b->alloc_name ? b->alloc_name : "an allocation",
                 b->site ? b->site->line : 0);
        emit_bad_release(e, st, PL_EV_RELEASE_NON_HEAP, call, arg, name,
                         family, what, NULL);
        b->status = PL_B_ESCAPED;
        return;
    }
    char subject[PL_TEXT_MAX];
    pl_subject_text(arg, subject, sizeof subject);
    struct pl_event ev = {.line = call->line, .col = call->col,
                          .subject = subject, .release_name = name,
                          .release_family = family};
    if (b->status == PL_B_FREED) {
        ev.kind = PL_EV_DOUBLE_RELEASE;
        pl_event_from_block(&ev, e, st, v.block);
        pl_emit(e, st, &ev, b->note_start);
        return;
    }
    if (b->status == PL_B_NULL)
        return;
    if (b->family != PL_FAM_NONE && family != PL_FAM_NONE &&
        b->family != family) {
        ev.kind = PL_EV_RELEASE_MISMATCH;
        pl_event_from_block(&ev, e, st, v.block);
        pl_emit(e, st, &ev, b->note_start);
    }
    if (!direct) /* a wrapper may have released the fields too */
        pl_block_fields(e, st, v.block);
    b->status = PL_B_FREED;
    b->freed_by = name;
    b->freed_line = call->line;
    b->freed_col = call->col;
    b->freed_family = (uint8_t)family;
}

void pl_check_lost(struct pl_engine *e, struct pl_state *st,
                   const struct pl_node *at, const char *how)
{
    for (unsigned i = 0; i < st->nblocks; i++) {
        struct pl_block *b = &st->blocks[i];
        /* reached only through a released block's fields: wait for the
           function's end (a use of the field is the finding first) */
        if (!pl_block_is_live(b) || (b->flags & (PL_BF_PARAM | PL_BF_HANDED_OVER)) ||
            pl_state_refs(st, (int)i) > 0)
            continue;
        if (b->flags & PL_BF_PENDING_MOVE) {
            b->flags |= PL_BF_LOST_BY_REALLOC;
            continue;
        }
        bool known = false;
        for (unsigned k = 0; k < st->nlost; k++)
            known |= st->lost[k].site == b->site &&
                     st->lost[k].by_realloc ==
                         !!(b->flags & PL_BF_LOST_BY_REALLOC);
        if (!known && st->nlost < PL_MAX_LOST) {
            struct pl_lost *l = &st->lost[st->nlost++];
            l->site = b->site;
            l->alloc_name = b->alloc_name;
            l->family = b->family;
            l->by_realloc = b->flags & PL_BF_LOST_BY_REALLOC;
            l->api_buffer = b->flags & PL_BF_API_BUFFER;
            l->line = at ? at->line : e->fn->end_line;
            l->col = at ? at->col : e->fn->end_col;
            l->how = how;
            l->note_start = b->note_start;
        }
        b->status = PL_B_LOST;
    }
    pl_state_collect(st);
}
