/*
 * analyzer/dataflow.c - explore the paths of a function's CFG with one
 * abstract state per path, merging equal states and bounding the work;
 * classify each function exit as an error or a normal return and turn the
 * blocks lost on the way into leak events, one per allocation site.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STATES_PER_BLOCK 48
#define MAX_STEPS 200000

#define MAX_SHAPES 16

struct loop_memory {
    uint64_t shape[MAX_SHAPES];
    struct pl_state *state[MAX_SHAPES];
    unsigned len;
};

struct work_item {
    unsigned block;
    struct pl_state *state;
};

struct seen_set {
    uint64_t *hashes;
    size_t len, cap;
};

struct explorer {
    struct pl_engine *e;
    struct work_item *stack;
    size_t len, cap;
    struct seen_set *seen; /* one per CFG block */
    struct loop_memory **loops; /* per loop head: states seen there */
    size_t steps;
    bool cut;     /* stopped at the step budget */
    bool capped;  /* some state dropped at a full block */
};

static struct pl_state *state_copy(const struct pl_state *st)
{
    struct pl_state *copy = pl_xmalloc(sizeof *copy);
    memcpy(copy, st, sizeof *copy);
    return copy;
}

static void push(struct explorer *x, unsigned block, struct pl_state *st)
{
    struct work_item item = {block, st};
    PL_PUSH(x->stack, x->len, x->cap, item);
}

/* True when 'st' at 'block' is new and within the limits. */
static bool admit(struct explorer *x, unsigned block,
                  const struct pl_state *st)
{
    struct seen_set *s = &x->seen[block];
    uint64_t h = pl_state_hash(st);
    for (size_t i = 0; i < s->len; i++)
        if (s->hashes[i] == h)
            return false;
    if (s->len >= MAX_STATES_PER_BLOCK) {
        if (x->e->stats)
            x->e->stats->states_cut++;
        x->capped = true;
        return false;
    }
    PL_PUSH(s->hashes, s->len, s->cap, h);
    if (x->e->stats)
        x->e->stats->states++;
    return true;
}

/*
 * At a loop head, forget integer values and facts that changed since the
 * last state admitted there, so that counting loops converge.
 */
static void widen(struct pl_state *st, const struct pl_state *last)
{
    unsigned out = 0;
    for (unsigned i = 0; i < st->nbindings; i++) {
        struct pl_binding *b = &st->bindings[i];
        if (b->value.kind == PL_V_INT) {
            const struct pl_value *old =
                pl_state_lookup((struct pl_state *)last, b->key);
            if (!old || old->kind != PL_V_INT || old->ival != b->value.ival)
                continue;
        }
        st->bindings[out++] = *b;
    }
    st->nbindings = out;
    out = 0;
    for (unsigned i = 0; i < st->nfacts; i++)
        if (pl_state_fact(last, st->facts[i].key) == st->facts[i].truth)
            st->facts[out++] = st->facts[i];
    st->nfacts = out;
    out = 0;
    for (unsigned i = 0; i < st->nbounds; i++) {
        struct pl_bound old = pl_state_bound(last, st->bounds[i].key);
        if (old.lo == st->bounds[i].lo && old.hi == st->bounds[i].hi)
            st->bounds[out++] = st->bounds[i];
    }
    st->nbounds = out;
}

/* Hash of what a state says about pointers (not integers or facts). */
static uint64_t shape_hash(const struct pl_state *st)
{
    struct pl_state *copy = pl_xmalloc(sizeof *copy);
    memcpy(copy, st, sizeof *copy);
    unsigned out = 0;
    for (unsigned i = 0; i < copy->nbindings; i++)
        if (copy->bindings[i].value.kind != PL_V_INT ||
            copy->bindings[i].value.ival == 0)
            copy->bindings[out++] = copy->bindings[i];
    copy->nbindings = out;
    copy->nfacts = 0;
    copy->nbounds = 0;
    uint64_t h = pl_state_hash(copy);
    free(copy);
    return h;
}

/*
 * At a loop head, widen 'st' against the last state of the same shape
 * that arrived there, then remember it.
 */
static void remember_at_loop_head(struct explorer *x, unsigned block,
                                  struct pl_state *st)
{
    if (!x->e->cfg->blocks[block].loop_head)
        return;
    if (!x->loops[block])
        x->loops[block] = pl_xcalloc(1, sizeof *x->loops[block]);
    struct loop_memory *m = x->loops[block];
    uint64_t shape = shape_hash(st);
    unsigned i = 0;
    while (i < m->len && m->shape[i] != shape)
        i++;
    if (i < m->len) {
        widen(st, m->state[i]);
    } else if (m->len < MAX_SHAPES) {
        m->shape[i] = shape;
        m->state[i] = pl_xmalloc(sizeof *st);
        m->len++;
    } else {
        return;
    }
    memcpy(m->state[i], st, sizeof *st);
}

/* ---- exits ---- */

static bool is_error_return(const struct pl_function *fn,
                            const struct pl_state *st, struct pl_value v)
{
    if (fn->return_kind == PL_RET_POINTER) {
        if (pl_value_is_null(v))
            return true;
        return v.kind == PL_V_BLOCK && st->blocks[v.block].status == PL_B_NULL;
    }
    if (fn->return_kind == PL_RET_INTEGER)
        return v.kind == PL_V_INT && v.ival < 0;
    return false;
}

/* How the path leaves, for messages; a static string. */
static const char *exit_text(const struct pl_function *fn, struct pl_value v,
                             bool has_value)
{
    if (!has_value)
        return "returns";
    if (fn->return_kind == PL_RET_POINTER && pl_value_is_null(v))
        return "returns NULL";
    if (v.kind == PL_V_INT && v.ival == -1)
        return "returns -1";
    if (v.kind == PL_V_INT && v.ival < 0)
        return "returns a negative value";
    return "returns";
}

static struct pl_site_leak *site_leak(struct pl_engine *e,
                                      const struct pl_node *site)
{
    for (size_t i = 0; i < e->nleaks; i++)
        if (e->leaks[i].site == site)
            return &e->leaks[i];
    struct pl_site_leak fresh;
    memset(&fresh, 0, sizeof fresh);
    fresh.site = site;
    PL_PUSH(e->leaks, e->nleaks, e->leaks_cap, fresh);
    return &e->leaks[e->nleaks - 1];
}

static void record_leak(struct pl_engine *e, const struct pl_state *st,
                        const struct pl_lost *l, bool error,
                        unsigned exit_line, unsigned exit_col,
                        const char *exit_what)
{
    struct pl_site_leak *sl = site_leak(e, l->site);
    bool replace = !sl->have || (sl->event.error_path && !error) ||
                   (sl->event.lost_by_realloc && !l->by_realloc);
    if (replace) {
        struct pl_event *ev = &sl->event;
        memset(ev, 0, sizeof *ev);
        ev->kind = PL_EV_LEAK;
        ev->fn = e->fn;
        ev->line = l->site->line;
        ev->col = l->site->col;
        ev->family = l->family;
        ev->alloc_name = l->alloc_name;
        ev->alloc_line = l->site->line;
        ev->alloc_col = l->site->col;
        ev->error_path = error;
        ev->lost_by_realloc = l->by_realloc;
        ev->api_buffer = l->api_buffer;
        ev->lost_line = l->line;
        ev->lost_col = l->col;
        ev->lost_how = l->how;
        ev->exit_line = exit_line;
        ev->exit_col = exit_col;
        ev->exit_what = exit_what; /* a static string */
        unsigned first = l->note_start > st->notes_dropped
                             ? l->note_start - st->notes_dropped
                             : 0;
        if (first > st->nnotes)
            first = st->nnotes;
        ev->nnotes = st->nnotes - first;
        memcpy(sl->notes, st->notes + first, ev->nnotes * sizeof *sl->notes);
    }
    sl->have = true;
    if (!error && !l->by_realloc)
        sl->normal = true;
}

/* Summary mode: what the value 'v' returned on this path says. */
static void summary_return(struct pl_engine *e, const struct pl_state *st,
                           struct pl_value v)
{
    struct pl_summary_acc *acc = e->acc;
    if (v.kind == PL_V_BLOCK) {
        const struct pl_block *b = &st->blocks[v.block];
        if (!(b->flags & (PL_BF_PARAM | PL_BF_HANDED_OVER)) &&
            b->status != PL_B_FREED && b->status != PL_B_NULL &&
            b->status != PL_B_ESCAPED) {
            acc->returns_fresh = true;
            acc->fresh_family = b->family;
            acc->fresh_name = b->alloc_name;
            if (b->status != PL_B_NONNULL)
                acc->fresh_maybe_null = true;
        } else if (b->status == PL_B_NULL) {
            acc->fresh_maybe_null = true;
        } else {
            acc->returns_other = true;
        }
    } else if (pl_value_is_null(v)) {
        acc->fresh_maybe_null = true;
    } else {
        acc->returns_other = true;
    }
}

/* Summary mode: what happened to each parameter on this path. */
static void summary_params(struct pl_engine *e, const struct pl_state *st)
{
    struct pl_summary_acc *acc = e->acc;
    for (unsigned i = 0; i < st->nblocks; i++) {
        const struct pl_block *b = &st->blocks[i];
        if (!(b->flags & PL_BF_PARAM) || b->param < 0 || b->param >= 16)
            continue;
        int p = b->param;
        if (b->status == PL_B_FREED) {
            acc->seen_nonnull[p] = true;
            acc->family[p] = b->freed_family;
        } else if (b->status == PL_B_ESCAPED ||
                   (b->flags & PL_BF_HANDED_OVER)) {
            acc->kept_any[p] = true;
            acc->released_all[p] = false;
        } else if (b->status != PL_B_NULL) {
            acc->released_all[p] = false;
        }
    }
}

/* A path leaves the function through 'ret' (NULL: falls off the end). */
static void leave(struct pl_engine *e, struct pl_state *st,
                  const struct pl_cfg_block *blk)
{
    const struct pl_function *fn = e->fn;
    const struct pl_node *value = blk->term == PL_T_RETURN ? blk->term_node
                                                           : NULL;
    const struct pl_node *at = blk->stmt ? blk->stmt : value;
    unsigned line = at ? at->line : fn->end_line;
    unsigned col = at ? at->col : fn->end_col;
    struct pl_value v = {PL_V_UNKNOWN, false, -1, 0};
    if (value) {
        e->cur_elem = value;
        v = pl_eval(e, st, value);
    }
    bool error = st->error_path || is_error_return(fn, st, v);
    if (fn->python_facing && st->no_exc_line && is_error_return(fn, st, v) &&
        !e->acc) {
        struct pl_event ev = {.kind = PL_EV_NO_EXCEPTION, .fn = fn,
                              .line = line, .col = col,
                              .alloc_name = st->no_exc_alloc,
                              .alloc_line = st->no_exc_line,
                              .alloc_col = st->no_exc_col,
                              .exit_what = exit_text(fn, v, value != NULL)};
        pl_emit(e, st, &ev, 0);
    }
    if (value)
        pl_use_pass(e, st, v, value, "returned");
    if (e->acc)
        summary_return(e, st, v);
    pl_escape(e, st, v); /* returned: the caller owns it, and its fields */
    if (e->acc) {
        summary_params(e, st);
        return;
    }
    /* every local dies here */
    struct pl_state *dead = st;
    dead->nbindings = 0;
    pl_check_lost(e, dead, at, "it goes out of scope when the function "
                               "returns");
    const char *what = exit_text(fn, v, value != NULL);
    for (unsigned i = 0; i < dead->nlost; i++)
        record_leak(e, dead, &dead->lost[i], error, line, col, what);
}

/* ---- the walk ---- */

/* Evaluate the condition or switch value 'n' that ends a block, and
 * write its text for notes into 'text'. */
static void eval_terminator(struct pl_engine *e, struct pl_state *st,
                            const struct pl_node *n, char *text, size_t size)
{
    e->cur_elem = n;
    pl_eval(e, st, n);
    pl_check_lost(e, st, n, "the last pointer to it is dropped");
    pl_node_text(pl_node_strip(n), text, size);
}

static void step_cond(struct explorer *x, struct pl_state *st,
                      const struct pl_cfg_block *blk)
{
    struct pl_engine *e = x->e;
    const struct pl_node *cond = blk->term_node;
    char text[120];
    eval_terminator(e, st, cond, text, sizeof text);
    for (int branch = 0; branch < 2; branch++) {
        struct pl_state *next = branch == 0 ? state_copy(st) : st;
        bool truth = branch == 0;
        if (!pl_assume(e, next, cond, truth)) {
            free(next); /* this branch cannot be taken */
            continue;
        }
        pl_state_note(next, cond->line, cond->col, "assuming '%s' is %s",
                      text, truth ? "true" : "false");
        push(x, blk->succs[branch], next);
    }
}

static void step_switch(struct explorer *x, struct pl_state *st,
                        const struct pl_cfg_block *blk)
{
    struct pl_engine *e = x->e;
    const struct pl_node *subject = blk->term_node;
    char text[120];
    eval_terminator(e, st, subject, text, sizeof text);
    bool known = blk->ncase_values == blk->nsuccs;
    for (size_t i = 0; i < blk->nsuccs; i++) {
        struct pl_state *next = state_copy(st);
        const struct pl_node *value = known ? blk->case_values[i] : NULL;
        if (known && !pl_assume_case(e, next, subject, blk->case_values,
                                     blk->ncase_values,
                                     value ? (long)i : -1)) {
            free(next);
            continue;
        }
        const struct pl_node *c = value ? pl_node_strip(value) : NULL;
        if (c && c->kind == PL_N_INT)
            pl_state_note(next, subject->line, subject->col,
                          "taking case %lld of '%s'", c->value, text);
        else if (!value)
            pl_state_note(next, subject->line, subject->col,
                          "taking the default of 'switch (%s)'", text);
        push(x, blk->succs[i], next);
    }
    free(st);
}

static void step(struct explorer *x, unsigned id, struct pl_state *st)
{
    struct pl_engine *e = x->e;
    const struct pl_cfg_block *blk = &e->cfg->blocks[id];
    if (blk->error_label)
        st->error_path = true;
    for (size_t i = 0; i < blk->nelems; i++)
        pl_eval_elem(e, st, blk->elems[i]);
    x->steps += blk->nelems + 1;
    switch (blk->term) {
    case PL_T_JUMP:
        if (blk->nsuccs == 1) {
            const struct pl_cfg_block *to = &e->cfg->blocks[blk->succs[0]];
            if (blk->stmt && blk->stmt->kind == PL_N_GOTO && to->label)
                pl_state_note(st, blk->stmt->line, blk->stmt->col,
                              "jumping to '%s'", to->label);
            push(x, blk->succs[0], st);
            return;
        }
        break;
    case PL_T_COND:
        if (blk->nsuccs == 2) {
            step_cond(x, st, blk);
            return;
        }
        break;
    case PL_T_SWITCH:
        step_switch(x, st, blk);
        return;
    case PL_T_RETURN:
    case PL_T_FALLOFF:
        leave(e, st, blk);
        break;
    case PL_T_EXIT:
        break;
    }
    free(st);
}

static void bind_params(struct pl_engine *e, struct pl_state *st,
                        struct pl_node *param_sites)
{
    const struct pl_function *fn = e->fn;
    for (unsigned i = 0; i < fn->nparams && i < 16; i++) {
        if (!fn->params[i].is_pointer || !fn->params[i].name[0])
            continue;
        param_sites[i].id = ~0u - i;
        int b = pl_state_new_block(st, &param_sites[i], PL_FAM_NONE,
                                   fn->params[i].name);
        if (b < 0)
            continue;
        st->blocks[b].flags |= PL_BF_PARAM;
        st->blocks[b].param = (int8_t)i;
        struct pl_value v = {PL_V_BLOCK, false, (int16_t)b, 0};
        pl_state_bind(st, pl_keys_intern(&e->keys, fn->params[i].name), v);
    }
}

void pl_engine_run(struct pl_engine *e)
{
    struct explorer x = {.e = e};
    x.seen = pl_xcalloc(e->cfg->nblocks, sizeof *x.seen);
    x.loops = pl_xcalloc(e->cfg->nblocks, sizeof *x.loops);
    struct pl_node param_sites[16];
    memset(param_sites, 0, sizeof param_sites);
    struct pl_state *init = pl_xcalloc(1, sizeof *init);
    if (e->acc)
        bind_params(e, init, param_sites);
    push(&x, e->cfg->entry, init);
    while (x.len) {
        struct work_item item = x.stack[--x.len];
        if (x.steps > MAX_STEPS) {
            x.cut = true;
            free(item.state);
            continue;
        }
        remember_at_loop_head(&x, item.block, item.state);
        if (!admit(&x, item.block, item.state)) {
            free(item.state);
            continue;
        }
        step(&x, item.block, item.state);
    }
    if (x.cut && e->stats)
        e->stats->functions_cut++;
    if (x.capped && e->stats)
        e->stats->functions_capped++;
    for (size_t i = 0; i < e->cfg->nblocks; i++) {
        free(x.seen[i].hashes);
        if (x.loops[i]) {
            for (unsigned k = 0; k < x.loops[i]->len; k++)
                free(x.loops[i]->state[k]);
            free(x.loops[i]);
        }
    }
    free(x.seen);
    free(x.loops);
    free(x.stack);
}

/* ---- copies of pointers, for realloc ---- */

/* Record the text of every lvalue that is copied into something
 * ("old = self->buf", "char *keep = p"): the old pointer of a realloc
 * may survive in such a copy. */
static void collect_copies(struct pl_engine *e, const struct pl_node *n)
{
    if (!n)
        return;
    const struct pl_node *from = NULL;
    char to[PL_TEXT_MAX] = "";
    if (n->kind == PL_N_ASSIGN && n->op == PL_OP_ASSIGN && n->nkids == 2) {
        from = n->kids[1];
        if (!pl_lvalue_text(n->kids[0], to, sizeof to))
            to[0] = '\0';
    } else if (n->kind == PL_N_DECL && n->nkids == 1) {
        from = n->kids[0];
        snprintf(to, sizeof to, "%s", n->name);
    }
    char text[PL_TEXT_MAX];
    if (from && pl_lvalue_text(from, text, sizeof text)) {
        struct pl_copy c = {pl_xstrdup(text), n->line}; /* a saved copy */
        PL_PUSH(e->copied, e->ncopied, e->copied_cap, c);
    }
    const struct pl_node *value = from ? pl_node_strip(from) : NULL;
    if (value && to[0] && value->kind != PL_N_CALL &&
        value->kind != PL_N_INT && value->kind != PL_N_STRING &&
        value->kind != PL_N_TEMP) {
        /* a pointer read from elsewhere ("p = self->buf", "mem = (char *)op
           - presize"): the old value lives on where it came from */
        struct pl_copy d = {pl_xstrdup(to), n->line};
        PL_PUSH(e->copied, e->ncopied, e->copied_cap, d);
    }
    for (unsigned i = 0; i < n->nkids; i++)
        collect_copies(e, n->kids[i]);
}

void pl_engine_release(struct pl_engine *e)
{
    free(e->leaks);
    pl_keys_release(&e->keys);
    for (size_t i = 0; i < e->ncopied; i++)
        free(e->copied[i].text);
    free(e->copied);
    free(e->realloc_temps);
}

/* ---- entry points ---- */

static void emit_leaks(struct pl_engine *e)
{
    for (size_t i = 0; i < e->nleaks; i++) {
        struct pl_site_leak *sl = &e->leaks[i];
        if (!sl->have || !e->on_event)
            continue;
        sl->event.error_path = !sl->normal && sl->event.error_path;
        sl->event.notes = sl->notes;
        e->on_event(e->ctx, &sl->event);
    }
}

void pl_dataflow_run(const struct pl_unit *unit, const struct pl_function *fn,
                     const struct pl_summaries *sums, pl_event_fn on_event,
                     void *ctx, struct pl_dataflow_stats *stats)
{
    struct pl_cfg *cfg = pl_cfg_build(fn, pl_summaries_noreturn, sums);
    if (getenv("PYMEM_LINT_DUMP_CFG"))
        pl_cfg_dump(cfg);
    struct pl_engine e = {.unit = unit, .fn = fn, .cfg = cfg, .sums = sums,
                          .on_event = on_event, .ctx = ctx, .stats = stats};
    if (stats)
        stats->functions++;
    collect_copies(&e, fn->body);
    pl_engine_run(&e);
    emit_leaks(&e);
    pl_engine_release(&e);
    pl_cfg_free(cfg);
}
