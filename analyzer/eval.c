/*
 * analyzer/eval.c - what one control-free expression does to a path's
 * state: reads and stores of tracked pointers, allocation and release
 * calls, uses that need a valid block, and the refinement of the state by
 * a branch condition.
 */
#include "engine.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#define MAX_TEXT 160

static const struct pl_value unknown_value = {PL_V_UNKNOWN, false, -1, 0};

static struct pl_value int_value(long long v)
{
    struct pl_value r = {PL_V_INT, false, -1, v};
    return r;
}

static struct pl_value block_value(int b)
{
    struct pl_value r = {PL_V_BLOCK, false, (int16_t)b, 0};
    return r;
}

static bool is_live(const struct pl_block *b)
{
    return b->status == PL_B_MAYBE_NULL || b->status == PL_B_NONNULL;
}

/* ---- keys of locations ---- */

/* Write the key of a trackable lvalue (local variable or a field of a
 * local struct); false when 'n' is not one. */
static bool lvalue_text(const struct pl_node *n, char *buf, size_t size)
{
    n = pl_node_strip(n);
    if (!n)
        return false;
    if ((n->kind == PL_N_VAR || n->kind == PL_N_TEMP) &&
        (n->flags & PL_F_LOCAL) && !(n->flags & PL_F_FUNCTION))
        return snprintf(buf, size, "%s", n->name) < (int)size;
    if (n->kind == PL_N_MEMBER && n->nkids == 1 && n->name) {
        /* s.f of a local struct, or p->f through a local pointer */
        if (!lvalue_text(n->kids[0], buf, size))
            return false;
        size_t len = strlen(buf);
        const char *sep = n->flags & PL_F_ARROW ? "->" : ".";
        return snprintf(buf + len, size - len, "%s%s", sep, n->name) <
               (int)(size - len);
    }
    return false;
}

static bool lvalue_key(struct pl_engine *e, const struct pl_node *n,
                       uint32_t *key)
{
    char buf[MAX_TEXT];
    if (!lvalue_text(n, buf, sizeof buf))
        return false;
    *key = pl_keys_intern(&e->keys, buf);
    return true;
}

/* Does 'text' mention identifier 'ident' as a whole word? */
static bool mentions(const char *text, const char *ident)
{
    size_t n = strlen(ident);
    for (const char *p = strstr(text, ident); p; p = strstr(p + 1, ident)) {
        bool start = p == text || !(p[-1] == '_' || (p[-1] >= '0' &&
                                    p[-1] <= '9') || ((p[-1] | 32) >= 'a' &&
                                    (p[-1] | 32) <= 'z'));
        char c = p[n];
        bool end = !(c == '_' || (c >= '0' && c <= '9') ||
                     ((c | 32) >= 'a' && (c | 32) <= 'z'));
        if (start && end)
            return true;
    }
    return false;
}

struct match_ctx {
    const struct pl_keys *keys;
    const char *ident;   /* facts mentioning it */
    const char *prefix;  /* bindings starting with "prefix." */
};

static bool fact_mentions(uint32_t key, void *data)
{
    struct match_ctx *m = data;
    return mentions(pl_keys_text(m->keys, key), m->ident);
}

static bool fact_indirect(uint32_t key, void *data)
{
    struct match_ctx *m = data;
    const char *t = pl_keys_text(m->keys, key);
    return strstr(t, "->") || strchr(t, '*') || strchr(t, '[');
}

/* Is the key a field reached from 'prefix' ("s.f", "p->f->g")? */
static bool binding_in_record(uint32_t key, void *data)
{
    struct match_ctx *m = data;
    const char *t = pl_keys_text(m->keys, key);
    size_t n = strlen(m->prefix);
    return strncmp(t, m->prefix, n) == 0 &&
           (t[n] == '.' || (t[n] == '-' && t[n + 1] == '>'));
}

/* Is the key a field reached through a pointer ("p->f")? */
static bool binding_through_pointer(uint32_t key, void *data)
{
    struct match_ctx *m = data;
    return strstr(pl_keys_text(m->keys, key), "->") != NULL;
}

/* The variable at the root of a key: "s.f" -> "s". */
static void key_root(const char *key, char *buf, size_t size)
{
    size_t n = strcspn(key, ".");
    if (n >= size)
        n = size - 1;
    memcpy(buf, key, n);
    buf[n] = '\0';
}

static void forget_facts_about(struct pl_engine *e, struct pl_state *st,
                               const char *key_text)
{
    char root[MAX_TEXT];
    key_root(key_text, root, sizeof root);
    struct match_ctx m = {&e->keys, root, NULL};
    pl_state_drop_facts_if(st, fact_mentions, &m);
}

/* ---- events ---- */

static void subject_text(const struct pl_node *n, char *buf, size_t size)
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
static void use_deref(struct pl_engine *e, struct pl_state *st,
                      struct pl_value v, const struct pl_node *at,
                      const char *what);

/* Report a use of block 'v' that needs it not released. */
/* Send an event of 'kind' about the use of block 'b' at 'at'. */
static void emit_use(struct pl_engine *e, const struct pl_state *st, int b,
                     enum pl_event_kind kind, const struct pl_node *at,
                     const char *what)
{
    char subject[MAX_TEXT];
    subject_text(at, subject, sizeof subject);
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
    emit_use(e, st, v.block, PL_EV_USE_AFTER_RELEASE, at, what);
}

#define use_pass pl_use_pass

/* Set the status of block 'b', settling a pending realloc. */
static void set_status(struct pl_state *st, int b, enum pl_block_status s)
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

static void use_deref(struct pl_engine *e, struct pl_state *st,
                      struct pl_value v, const struct pl_node *at,
                      const char *what)
{
    if (v.kind != PL_V_BLOCK)
        return;
    struct pl_block *b = &st->blocks[v.block];
    if (b->status == PL_B_FREED) {
        use_pass(e, st, v, at, what);
        return;
    }
    if ((b->status != PL_B_MAYBE_NULL && b->status != PL_B_NULL) ||
        (b->flags & PL_BF_PARAM))
        return;
    if (!(b->flags & PL_BF_REPORTED_NULL)) {
        b->flags |= PL_BF_REPORTED_NULL;
        emit_use(e, st, v.block, PL_EV_USE_MAYBE_NULL, at, what);
    }
    set_status(st, v.block, PL_B_NONNULL); /* one report per block */
}

/* Block 'v' is handed over to someone else. */
/*
 * Block 'v' is stored where someone else owns it (a field reached through
 * a pointer): it cannot leak here, but its NULL state is still followed.
 */
/* The root variable of a field key: "v" of "v->items->data". */
static bool field_root(const char *text, char *root, size_t size)
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
static void block_fields(struct pl_engine *e, struct pl_state *st, int b);

static void hand_over(struct pl_engine *e, struct pl_state *st,
                      struct pl_value v)
{
    if (v.kind != PL_V_BLOCK)
        return;
    struct pl_block *blk = &st->blocks[v.block];
    if (blk->flags & PL_BF_HANDED_OVER)
        return;
    blk->flags |= PL_BF_HANDED_OVER;
    block_fields(e, st, v.block);
}

static void escape(struct pl_engine *e, struct pl_state *st,
                   struct pl_value v)
{
    if (v.kind != PL_V_BLOCK)
        return;
    struct pl_block *b = &st->blocks[v.block];
    if (is_live(b))
        b->status = PL_B_ESCAPED;
    else if (b->flags & PL_BF_PARAM && b->status != PL_B_FREED)
        b->status = PL_B_ESCAPED;
    else
        return;
    block_fields(e, st, v.block);
}

static void block_fields(struct pl_engine *e, struct pl_state *st, int b)
{
    for (unsigned i = 0; i < st->nbindings; i++) {
        char root[MAX_TEXT];
        if (!field_root(pl_keys_text(&e->keys, st->bindings[i].key), root,
                        sizeof root))
            continue;
        const struct pl_value *base =
            pl_state_lookup(st, pl_keys_intern(&e->keys, root));
        if (base && base->kind == PL_V_BLOCK && base->block == b)
            hand_over(e, st, st->bindings[i].value);
    }
}

void pl_escape(struct pl_engine *e, struct pl_state *st, struct pl_value v)
{
    escape(e, st, v);
}

/* True when block 'v' is ours alone: its fields are ours to follow. */
static bool private_block(const struct pl_state *st, struct pl_value v)
{
    if (v.kind != PL_V_BLOCK)
        return false;
    const struct pl_block *b = &st->blocks[v.block];
    return is_live(b) && !(b->flags & (PL_BF_HANDED_OVER | PL_BF_PARAM |
                                       PL_BF_UNKNOWN_ORIGIN));
}

/* A release of 'v' by 'name' of 'family' at call 'call'. */
static bool lvalue_key(struct pl_engine *e, const struct pl_node *n,
                       uint32_t *key);

/*
 * Releasing a pointer of unknown origin held by a local variable: follow
 * it from here as a released block, so later uses and releases are seen.
 */
static void track_released(struct pl_engine *e, struct pl_state *st,
                           const struct pl_node *call,
                           const struct pl_node *arg, const char *name)
{
    uint32_t key;
    if (!lvalue_key(e, arg, &key))
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

static void release(struct pl_engine *e, struct pl_state *st,
                    struct pl_value v, const struct pl_node *call,
                    const struct pl_node *arg, enum pl_family family,
                    const char *name, bool direct)
{
    if (v.kind == PL_V_UNKNOWN && !e->acc) {
        track_released(e, st, call, arg, name);
        return;
    }
    if (v.kind != PL_V_BLOCK)
        return;
    struct pl_block *b = &st->blocks[v.block];
    char subject[MAX_TEXT];
    subject_text(arg, subject, sizeof subject);
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
        block_fields(e, st, v.block);
    b->status = PL_B_FREED;
    b->freed_by = name;
    b->freed_line = call->line;
    b->freed_col = call->col;
    b->freed_family = (uint8_t)family;
}

/* ---- expressions ---- */

static struct pl_value eval_var(struct pl_engine *e, struct pl_state *st,
                                const struct pl_node *n)
{
    uint32_t key;
    if (!lvalue_key(e, n, &key))
        return unknown_value;
    if ((n->flags & PL_F_ARRAY) && n->kind == PL_N_VAR) {
        struct pl_value v = {PL_V_STACK, false, -1, key};
        return v; /* a local array decays to its own address */
    }
    if (n->flags & PL_F_RECORD) {
        /* a whole struct is copied somewhere: its pointers go along */
        struct match_ctx m = {&e->keys, NULL, pl_keys_text(&e->keys, key)};
        for (unsigned i = 0; i < st->nbindings; i++)
            if (binding_in_record(st->bindings[i].key, &m))
                escape(e, st, st->bindings[i].value);
    }
    struct pl_value *v = pl_state_lookup(st, key);
    if (!v)
        return unknown_value;
    struct pl_value r = *v;
    if (n->kind == PL_N_TEMP) /* a hoisted value is read once */
        pl_state_bind(st, key, unknown_value);
    return r;
}

/* Store 'v' into the trackable location 'key'. */
static void store_key(struct pl_engine *e, struct pl_state *st, uint32_t key,
                      struct pl_value v)
{
    const char *text = pl_keys_text(&e->keys, key);
    struct match_ctx m = {&e->keys, NULL, text};
    for (unsigned i = 0; i < st->nbindings; i++)
        if (binding_in_record(st->bindings[i].key, &m))
            hand_over(e, st, st->bindings[i].value);
    pl_state_unbind_if(st, binding_in_record, &m);
    if (!pl_state_bind(st, key, v))
        escape(e, st, v); /* no room to follow it: stay silent */
    for (unsigned i = 0; i < st->nbounds; i++) { /* of it and its fields */
        uint32_t k = st->bounds[i].key;
        if (k == key || binding_in_record(k, &m)) {
            st->bounds[i--] = st->bounds[--st->nbounds];
        }
    }
    forget_facts_about(e, st, text);
}

static void store(struct pl_engine *e, struct pl_state *st,
                  const struct pl_node *lhs, struct pl_value v)
{
    uint32_t key;
    const struct pl_node *s = pl_node_strip(lhs);
    struct match_ctx m = {&e->keys, NULL, NULL};
    bool arrow = s->kind == PL_N_MEMBER && (s->flags & PL_F_ARROW);
    struct pl_value base = unknown_value;
    if (arrow) {
        base = pl_eval(e, st, s->kids[0]);
        use_deref(e, st, base, s->kids[0], "dereferenced");
        m.ident = s->name;
        pl_state_drop_facts_if(st, fact_mentions, &m);
    }
    if (lvalue_key(e, lhs, &key)) {
        if (strstr(pl_keys_text(&e->keys, key), "->")) {
            use_pass(e, st, v, lhs, "stored");
            /* into a block of our own, it lives and dies with that block;
               anywhere else, its owner is someone else */
            if (!(arrow && private_block(st, base)))
                hand_over(e, st, v);
        }
        store_key(e, st, key, v);
        return;
    }
    if (arrow) {
        /* the base was evaluated above */
    } else if (s->kind == PL_N_UNARY && s->op == PL_OP_DEREF) {
        base = pl_eval(e, st, s->kids[0]);
        use_deref(e, st, base, s->kids[0], "dereferenced");
        pl_state_drop_facts_if(st, fact_indirect, &m);
    } else if (s->kind == PL_N_INDEX && s->nkids == 2) {
        base = pl_eval(e, st, s->kids[0]);
        pl_eval(e, st, s->kids[1]);
        use_deref(e, st, base, s->kids[0], "indexed");
        pl_state_drop_facts_if(st, fact_indirect, &m);
    } else if (s->kind != PL_N_VAR) {
        pl_eval(e, st, s);
    }
    use_pass(e, st, v, lhs, "stored");
    escape(e, st, v);
}

static struct pl_value eval_assign(struct pl_engine *e, struct pl_state *st,
                                   const struct pl_node *n)
{
    struct pl_value r = pl_eval(e, st, n->kids[1]);
    struct pl_value v = r;
    if (n->op != PL_OP_ASSIGN) {
        uint32_t key;
        struct pl_value old = unknown_value;
        if (lvalue_key(e, n->kids[0], &key)) {
            struct pl_value *cur = pl_state_lookup(st, key);
            old = cur ? *cur : unknown_value;
        }
        v = unknown_value;
        if (old.kind == PL_V_BLOCK &&
            (n->op == PL_OP_ADD_ASSIGN || n->op == PL_OP_SUB_ASSIGN)) {
            v = old;
            v.interior = !(r.kind == PL_V_INT && r.ival == 0) || old.interior;
        } else if (old.kind == PL_V_INT && r.kind == PL_V_INT &&
                   n->op != PL_OP_OTHER_ASSIGN) {
            v = int_value(n->op == PL_OP_ADD_ASSIGN ? old.ival + r.ival
                                                    : old.ival - r.ival);
        }
    }
    store(e, st, n->kids[0], v);
    return v;
}

static struct pl_value eval_incdec(struct pl_engine *e, struct pl_state *st,
                                   const struct pl_node *n)
{
    uint32_t key;
    if (!lvalue_key(e, n->kids[0], &key)) {
        pl_eval(e, st, n->kids[0]);
        return unknown_value;
    }
    struct pl_value *cur = pl_state_lookup(st, key);
    struct pl_value old = cur ? *cur : unknown_value, v = unknown_value;
    if (old.kind == PL_V_BLOCK) {
        v = old;
        v.interior = true;
    } else if (old.kind == PL_V_INT) {
        bool inc = n->op == PL_OP_PREINC || n->op == PL_OP_POSTINC;
        v = int_value(old.ival + (inc ? 1 : -1));
    }
    store_key(e, st, key, v);
    bool post = n->op == PL_OP_POSTINC || n->op == PL_OP_POSTDEC;
    return post ? old : v;
}

static struct pl_value eval_address(struct pl_engine *e, struct pl_state *st,
                                    const struct pl_node *operand)
{
    const struct pl_node *s = pl_node_strip(operand);
    if (s->kind == PL_N_INDEX && s->nkids == 2) {
        struct pl_value base = pl_eval(e, st, s->kids[0]);
        struct pl_value idx = pl_eval(e, st, s->kids[1]);
        if (base.kind == PL_V_BLOCK) {
            base.interior = base.interior ||
                            !(idx.kind == PL_V_INT && idx.ival == 0);
            return base;
        }
        return unknown_value;
    }
    if (s->kind == PL_N_MEMBER && (s->flags & PL_F_ARROW)) {
        /* &p->f computes an address inside *p, it does not load */
        struct pl_value base = pl_eval(e, st, s->kids[0]);
        if (base.kind == PL_V_BLOCK)
            base.interior = true;
        return base.kind == PL_V_BLOCK ? base : unknown_value;
    }
    if (s->kind == PL_N_UNARY && s->op == PL_OP_DEREF)
        return pl_eval(e, st, s->kids[0]);
    return unknown_value;
}

static struct pl_value eval_unary(struct pl_engine *e, struct pl_state *st,
                                  const struct pl_node *n)
{
    struct pl_value v;
    switch (n->op) {
    case PL_OP_DEREF:
        v = pl_eval(e, st, n->kids[0]);
        use_deref(e, st, v, n->kids[0], "dereferenced");
        return unknown_value;
    case PL_OP_ADDR:
        return eval_address(e, st, n->kids[0]);
    case PL_OP_PREINC:
    case PL_OP_PREDEC:
    case PL_OP_POSTINC:
    case PL_OP_POSTDEC:
        return eval_incdec(e, st, n);
    default:
        break;
    }
    v = pl_eval(e, st, n->kids[0]);
    if (n->op == PL_OP_NOT) {
        if (v.kind == PL_V_INT)
            return int_value(!v.ival);
        if (v.kind == PL_V_STRING)
            return int_value(0);
        if (v.kind == PL_V_BLOCK) {
            uint8_t s = st->blocks[v.block].status;
            if (s == PL_B_NULL)
                return int_value(1);
            if (s != PL_B_MAYBE_NULL && !(st->blocks[v.block].flags &
                                          PL_BF_PARAM))
                return int_value(0);
        }
        return unknown_value;
    }
    if (v.kind == PL_V_INT && n->op == PL_OP_NEG)
        return int_value(-v.ival);
    if (v.kind == PL_V_INT && n->op == PL_OP_BITNOT)
        return int_value(~v.ival);
    if (n->op == PL_OP_PLUS || n->op == PL_OP_EXTENSION)
        return v;
    return unknown_value;
}

static struct pl_value arith(enum pl_op op, long long a, long long b,
                             bool *ok)
{
    *ok = true;
    switch (op) {
    case PL_OP_ADD: return int_value((long long)((unsigned long long)a + (unsigned long long)b));
    case PL_OP_SUB: return int_value((long long)((unsigned long long)a - (unsigned long long)b));
    case PL_OP_MUL: return int_value((long long)((unsigned long long)a * (unsigned long long)b));
    case PL_OP_LT: return int_value(a < b);
    case PL_OP_GT: return int_value(a > b);
    case PL_OP_LE: return int_value(a <= b);
    case PL_OP_GE: return int_value(a >= b);
    case PL_OP_EQ: return int_value(a == b);
    case PL_OP_NE: return int_value(a != b);
    case PL_OP_BITAND: return int_value(a & b);
    case PL_OP_BITOR: return int_value(a | b);
    case PL_OP_BITXOR: return int_value(a ^ b);
    case PL_OP_DIV:
        if (b == 0 || (a == LLONG_MIN && b == -1))
            break;
        return int_value(a / b);
    case PL_OP_REM:
        if (b == 0 || (a == LLONG_MIN && b == -1))
            break;
        return int_value(a % b);
    case PL_OP_SHL:
        if (b < 0 || b > 62 || a < 0)
            break;
        return int_value((long long)((unsigned long long)a << b));
    case PL_OP_SHR:
        if (b < 0 || b > 62)
            break;
        return int_value(a >> b);
    default:
        break;
    }
    *ok = false;
    return unknown_value;
}

/*
 * Whether pointers 'l' and 'r' are equal, when that is known: a block no
 * one else has seen differs from every pointer it was not copied into,
 * and a local array's address is neither NULL nor any heap block.
 * Returns 1 equal, 0 different, -1 unknown.
 */
static int pointers_equal(const struct pl_state *st, struct pl_value l,
                          struct pl_value r)
{
    if (l.kind == PL_V_STACK && r.kind == PL_V_STACK)
        return l.ival == r.ival;
    if (r.kind == PL_V_BLOCK) {
        struct pl_value t = l;
        l = r;
        r = t;
    }
    if (l.kind != PL_V_BLOCK || l.interior)
        return -1;
    const struct pl_block *b = &st->blocks[l.block];
    if (r.kind == PL_V_STACK || r.kind == PL_V_STRING)
        return 0;
    bool private_block = b->status == PL_B_NONNULL &&
                         !(b->flags & (PL_BF_HANDED_OVER | PL_BF_PARAM |
                                       PL_BF_UNKNOWN_ORIGIN));
    if (r.kind == PL_V_UNKNOWN && private_block)
        return 0;
    if (r.kind == PL_V_BLOCK && !r.interior && r.block == l.block)
        return 1;
    return -1;
}

static struct pl_value eval_binary(struct pl_engine *e, struct pl_state *st,
                                   const struct pl_node *n)
{
    struct pl_value l = pl_eval(e, st, n->kids[0]);
    struct pl_value r = pl_eval(e, st, n->kids[1]);
    if (n->op == PL_OP_COMMA)
        return r;
    if (n->op == PL_OP_ADD || n->op == PL_OP_SUB) {
        if (l.kind == PL_V_BLOCK && r.kind != PL_V_BLOCK) {
            l.interior = l.interior || !(r.kind == PL_V_INT && r.ival == 0);
            return l;
        }
        if (r.kind == PL_V_BLOCK && l.kind != PL_V_BLOCK &&
            n->op == PL_OP_ADD) {
            r.interior = r.interior || !(l.kind == PL_V_INT && l.ival == 0);
            return r;
        }
    }
    if (l.kind == PL_V_INT && r.kind == PL_V_INT) {
        bool ok;
        struct pl_value v = arith(n->op, l.ival, r.ival, &ok);
        if (ok)
            return v;
    }
    if (n->op == PL_OP_EQ || n->op == PL_OP_NE) {
        int eq = pointers_equal(st, l, r);
        if (eq >= 0)
            return int_value((eq == 1) == (n->op == PL_OP_EQ));
    }
    return unknown_value;
}

static struct pl_value eval_decl(struct pl_engine *e, struct pl_state *st,
                                 const struct pl_node *n)
{
    struct pl_value v = n->nkids ? pl_eval(e, st, n->kids[0]) : unknown_value;
    if (n->flags & (PL_F_STATIC | PL_F_GLOBAL)) {
        escape(e, st, v);
        return unknown_value;
    }
    store_key(e, st, pl_keys_intern(&e->keys, n->name), v);
    return v;
}

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
    if (!lvalue_key(e, s->kids[0], &key))
        return;
    struct pl_value *cur = pl_state_lookup(st, key);
    if (cur)
        escape(e, st, *cur);
    const char *text = pl_keys_text(&e->keys, key);
    struct match_ctx m = {&e->keys, NULL, text};
    for (unsigned i = 0; i < st->nbindings; i++) /* fields of a struct */
        if (binding_in_record(st->bindings[i].key, &m))
            escape(e, st, st->bindings[i].value);
    store_key(e, st, key, unknown_value);
}

/* A call may change what is reached through pointers. */
static void forget_indirect(struct pl_engine *e, struct pl_state *st)
{
    /* Known conditions stay: a callee that changes a field a caller just
       tested is rarer than the caller testing the same field twice. */
    struct match_ctx m = {&e->keys, NULL, NULL};
    for (unsigned i = 0; i < st->nbindings; i++)
        if (binding_through_pointer(st->bindings[i].key, &m))
            hand_over(e, st, st->bindings[i].value);
    pl_state_unbind_if(st, binding_through_pointer, &m);
}

static struct pl_value call_summary(struct pl_engine *e, struct pl_state *st,
                                    const struct pl_node *n,
                                    const struct pl_summary *sum,
                                    struct pl_value *args, unsigned nargs)
{
    char what[MAX_TEXT];
    snprintf(what, sizeof what, "passed to '%s'", n->name);
    for (unsigned i = 0; i < nargs; i++) {
        const struct pl_node *arg = n->kids[i + 1];
        enum pl_param_role role = i < 16 ? sum->roles[i] : PL_PARAM_UNKNOWN;
        if (role == PL_PARAM_RELEASES) {
            release(e, st, args[i], n, arg, sum->release_family[i], n->name,
                    false);
        } else {
            use_pass(e, st, args[i], arg, what);
            if (role != PL_PARAM_BORROWS)
                escape(e, st, args[i]);
        }
        address_taken(e, st, arg);
    }
    forget_indirect(e, st);
    if (sum->returns_family == PL_FAM_NONE)
        return unknown_value;
    int b = pl_state_new_block(st, n, sum->returns_family, n->name);
    if (b < 0)
        return unknown_value;
    if (sum->returns_nonnull)
        st->blocks[b].status = PL_B_NONNULL;
    if (e->stats)
        e->stats->allocations++;
    return block_value(b);
}

static struct pl_value call_realloc(struct pl_engine *e, struct pl_state *st,
                                    const struct pl_node *n,
                                    const struct pl_api *api,
                                    struct pl_value old)
{
    char what[MAX_TEXT];
    snprintf(what, sizeof what, "passed to '%s'", n->name);
    if (old.kind == PL_V_BLOCK) {
        struct pl_block *ob = &st->blocks[old.block];
        if (ob->status == PL_B_FREED) {
            use_pass(e, st, old, n->kids[1], what);
            return unknown_value;
        }
        if (ob->site == n) /* growing in a loop: same block, same site */
            return old;
        if (ob->family != PL_FAM_NONE && ob->family != api->family &&
            is_live(ob)) {
            char subject[MAX_TEXT];
            subject_text(n->kids[1], subject, sizeof subject);
            struct pl_event ev = {.kind = PL_EV_RELEASE_MISMATCH,
                                  .line = n->line, .col = n->col,
                                  .subject = subject,
                                  .release_name = n->name,
                                  .release_family = api->family};
            pl_event_from_block(&ev, e, st, old.block);
            pl_emit(e, st, &ev, ob->note_start);
        }
    }
    int b = pl_state_new_block(st, n, api->family, n->name);
    if (b < 0) {
        escape(e, st, old);
        return unknown_value;
    }
    if (e->stats)
        e->stats->allocations++;
    if (old.kind == PL_V_BLOCK && is_live(&st->blocks[old.block])) {
        st->blocks[b].moved_from = (int8_t)old.block;
        st->blocks[old.block].flags |= PL_BF_PENDING_MOVE;
    } else if (old.kind == PL_V_BLOCK) {
        escape(e, st, old);
    }
    return block_value(b);
}

static struct pl_value call_api(struct pl_engine *e, struct pl_state *st,
                                const struct pl_node *n,
                                const struct pl_api *api,
                                struct pl_value *args, unsigned nargs)
{
    char what[MAX_TEXT];
    snprintf(what, sizeof what, "passed to '%s'", n->name);
    switch (api->role) {
    case PL_API_ALLOC: {
        int b = pl_state_new_block(st, n, api->family, n->name);
        if (e->stats && b >= 0)
            e->stats->allocations++;
        return b < 0 ? unknown_value : block_value(b);
    }
    case PL_API_REALLOC:
        return call_realloc(e, st, n, api, nargs ? args[0] : unknown_value);
    case PL_API_FREE:
        if (nargs)
            release(e, st, args[0], n, n->kids[1], api->family, n->name,
                    true);
        return unknown_value;
    default:
        break;
    }
    for (unsigned i = 0; i < nargs; i++) {
        if (i < 32 && (api->nonnull_args >> i) & 1)
            use_deref(e, st, args[i], n->kids[i + 1], what);
        else
            use_pass(e, st, args[i], n->kids[i + 1], what);
        address_taken(e, st, n->kids[i + 1]);
    }
    if (api->returns_arg0 && nargs)
        return args[0]; /* strcpy, memcpy, ... return their destination */
    return api->role == PL_API_RETURNS_NULL ? int_value(0) : unknown_value;
}

static struct pl_value call_unknown(struct pl_engine *e, struct pl_state *st,
                                    const struct pl_node *n,
                                    struct pl_value *args, unsigned nargs)
{
    char what[MAX_TEXT];
    snprintf(what, sizeof what, "passed to '%s'",
             n->name ? n->name : "a function pointer");
    for (unsigned i = 0; i < nargs; i++) {
        use_pass(e, st, args[i], n->kids[i + 1], what);
        escape(e, st, args[i]);
        address_taken(e, st, n->kids[i + 1]);
    }
    forget_indirect(e, st);
    return unknown_value;
}

/*
 * A function of Python's C API not in the table: an argument given to a
 * pointer-to-const parameter is only read; one given to a plain pointer
 * parameter may be kept.
 */
static struct pl_value call_python_api(struct pl_engine *e,
                                       struct pl_state *st,
                                       const struct pl_node *n,
                                       struct pl_value *args, unsigned nargs)
{
    char what[MAX_TEXT];
    snprintf(what, sizeof what, "passed to '%s'", n->name);
    unsigned long long reads = (unsigned long long)n->value;
    for (unsigned i = 0; i < nargs; i++) {
        use_pass(e, st, args[i], n->kids[i + 1], what);
        if (i >= 64 || !((reads >> i) & 1))
            escape(e, st, args[i]);
        address_taken(e, st, n->kids[i + 1]);
    }
    return unknown_value;
}

static struct pl_value eval_call(struct pl_engine *e, struct pl_state *st,
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
            escape(e, st, v);
    }
    const struct pl_summary *sum =
        n->name ? pl_summary_get(e->sums, n->name) : NULL;
    if (sum)
        return call_summary(e, st, n, sum, args, nargs);
    const struct pl_api *api = pl_api_lookup(n->name);
    if (api)
        return call_api(e, st, n, api, args, nargs);
    if ((n->flags & PL_F_LIBRARY) && !pl_api_keeps_pointer(n->name))
        return call_python_api(e, st, n, args, nargs);
    return call_unknown(e, st, n, args, nargs);
}

/* ---- dispatch ---- */

struct pl_value pl_eval(struct pl_engine *e, struct pl_state *st,
                        const struct pl_node *n)
{
    if (!n)
        return unknown_value;
    switch (n->kind) {
    case PL_N_VAR:
    case PL_N_TEMP:
        return eval_var(e, st, n);
    case PL_N_INT:
        return int_value(n->value);
    case PL_N_STRING: {
        struct pl_value v = {PL_V_STRING, false, -1, 0};
        return v;
    }
    case PL_N_CAST:
        return pl_eval(e, st, n->kids[0]);
    case PL_N_SIZEOF:
        return unknown_value;
    case PL_N_MEMBER: {
        uint32_t key;
        if (n->flags & PL_F_ARROW) {
            struct pl_value base = pl_eval(e, st, n->kids[0]);
            use_deref(e, st, base, n->kids[0], "dereferenced");
        }
        if (lvalue_key(e, n, &key)) {
            struct pl_value *v = pl_state_lookup(st, key);
            return v ? *v : unknown_value;
        }
        if (!(n->flags & PL_F_ARROW))
            pl_eval(e, st, n->kids[0]);
        return unknown_value;
    }
    case PL_N_INDEX: {
        struct pl_value base = pl_eval(e, st, n->kids[0]);
        if (n->nkids > 1)
            pl_eval(e, st, n->kids[1]);
        use_deref(e, st, base, n->kids[0], "indexed");
        return unknown_value;
    }
    case PL_N_UNARY:
        return eval_unary(e, st, n);
    case PL_N_BINARY:
        return eval_binary(e, st, n);
    case PL_N_ASSIGN:
        return eval_assign(e, st, n);
    case PL_N_CALL:
        return eval_call(e, st, n);
    case PL_N_DECL:
        return eval_decl(e, st, n);
    default:
        for (unsigned i = 0; i < n->nkids; i++)
            escape(e, st, pl_eval(e, st, n->kids[i]));
        return unknown_value;
    }
}

void pl_check_lost(struct pl_engine *e, struct pl_state *st,
                   const struct pl_node *at, const char *how)
{
    for (unsigned i = 0; i < st->nblocks; i++) {
        struct pl_block *b = &st->blocks[i];
        /* reached only through a released block's fields: wait for the
           function's end (a use of the field is the finding first) */
        if (!is_live(b) || (b->flags & (PL_BF_PARAM | PL_BF_HANDED_OVER)) ||
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
            l->line = at ? at->line : e->fn->end_line;
            l->col = at ? at->col : e->fn->end_col;
            l->how = how;
            l->note_start = b->note_start;
        }
        b->status = PL_B_LOST;
    }
    pl_state_collect(st);
}

void pl_eval_elem(struct pl_engine *e, struct pl_state *st,
                  const struct pl_node *n)
{
    e->cur_elem = n;
    pl_eval(e, st, n);
    bool overwrite = n->kind == PL_N_ASSIGN || n->kind == PL_N_DECL;
    pl_check_lost(e, st, n,
                  overwrite ? "the last pointer to it is overwritten"
                            : "the last pointer to it is dropped");
}

/* ---- conditions ---- */

/* Value of a location without side effects, or unknown. */
static struct pl_value peek(struct pl_engine *e, struct pl_state *st,
                            const struct pl_node *n)
{
    uint32_t key;
    const struct pl_node *s = pl_node_strip(n);
    if (s->kind == PL_N_INT)
        return int_value(s->value);
    if (s->kind == PL_N_STRING) {
        struct pl_value v = {PL_V_STRING, false, -1, 0};
        return v;
    }
    if (s->kind == PL_N_ASSIGN)
        return peek(e, st, s->kids[0]);
    if (s->kind == PL_N_BINARY && s->nkids == 2) { /* constant folding */
        struct pl_value l = peek(e, st, s->kids[0]);
        struct pl_value r = peek(e, st, s->kids[1]);
        bool ok = false;
        struct pl_value v = unknown_value;
        if (l.kind == PL_V_INT && r.kind == PL_V_INT)
            v = arith(s->op, l.ival, r.ival, &ok);
        return ok ? v : unknown_value;
    }
    if (s->kind == PL_N_UNARY && s->op == PL_OP_NEG) {
        struct pl_value v = peek(e, st, s->kids[0]);
        return v.kind == PL_V_INT ? int_value(-v.ival) : unknown_value;
    }
    if (!lvalue_key(e, s, &key))
        return unknown_value;
    if ((s->flags & PL_F_ARRAY) && s->kind == PL_N_VAR) {
        struct pl_value a = {PL_V_STACK, false, -1, key};
        return a;
    }
    struct pl_value *v = pl_state_lookup(st, key);
    return v ? *v : unknown_value;
}

/* Use or record the truth of a side-effect-free condition by its text. */
static bool assume_fact(struct pl_engine *e, struct pl_state *st,
                        const struct pl_node *cond, bool truth)
{
    const struct pl_node *s = pl_node_strip(cond);
    if (s->kind == PL_N_ASSIGN)
        s = pl_node_strip(s->kids[0]);
    if (!pl_node_is_pure(s))
        return true;
    char text[MAX_TEXT];
    if (!pl_node_text(s, text, sizeof text))
        return true;
    uint32_t key = pl_keys_intern(&e->keys, text);
    int known = pl_state_fact(st, key);
    if (known >= 0)
        return known == truth;
    pl_state_set_fact(st, key, truth);
    return true;
}

static enum pl_op negate_comparison(enum pl_op op)
{
    switch (op) {
    case PL_OP_LT: return PL_OP_GE;
    case PL_OP_GE: return PL_OP_LT;
    case PL_OP_GT: return PL_OP_LE;
    case PL_OP_LE: return PL_OP_GT;
    case PL_OP_EQ: return PL_OP_NE;
    case PL_OP_NE: return PL_OP_EQ;
    default: return PL_OP_NONE;
    }
}

static enum pl_op mirror_comparison(enum pl_op op)
{
    switch (op) {
    case PL_OP_LT: return PL_OP_GT;
    case PL_OP_GT: return PL_OP_LT;
    case PL_OP_LE: return PL_OP_GE;
    case PL_OP_GE: return PL_OP_LE;
    default: return op;
    }
}

/*
 * Narrow the bound of integer variable 'var' by 'var OP c'. Returns false
 * when that leaves no value (the branch cannot be taken).
 */
static bool narrow(struct pl_state *st, uint32_t var, enum pl_op op,
                   long long c)
{
    struct pl_bound b = pl_state_bound(st, var);
    switch (op) {
    case PL_OP_LT:
        if (c == LLONG_MIN)
            return false;
        b.hi = b.hi < c - 1 ? b.hi : c - 1;
        break;
    case PL_OP_LE: b.hi = b.hi < c ? b.hi : c; break;
    case PL_OP_GT:
        if (c == LLONG_MAX)
            return false;
        b.lo = b.lo > c + 1 ? b.lo : c + 1;
        break;
    case PL_OP_GE: b.lo = b.lo > c ? b.lo : c; break;
    case PL_OP_EQ:
        b.lo = b.lo > c ? b.lo : c;
        b.hi = b.hi < c ? b.hi : c;
        break;
    case PL_OP_NE:
        if (b.lo == c && b.hi == c)
            return false;
        if (b.lo == c)
            b.lo++;
        else if (b.hi == c)
            b.hi--;
        break;
    default:
        return true;
    }
    if (b.lo > b.hi)
        return false;
    pl_state_set_bound(st, b);
    return true;
}

/* The integer variable compared in 'x OP c' or 'c OP x', if any. */
static bool int_comparison(struct pl_engine *e, struct pl_state *st,
                           const struct pl_node *cmp, uint32_t *var,
                           enum pl_op *op, long long *c)
{
    for (int side = 0; side < 2; side++) {
        const struct pl_node *x = pl_node_strip(cmp->kids[side]);
        struct pl_value k = peek(e, st, cmp->kids[1 - side]);
        if (k.kind != PL_V_INT || (x->flags & PL_F_POINTER) ||
            !lvalue_key(e, x, var) || pl_state_lookup(st, *var))
            continue;
        *op = side == 0 ? cmp->op : mirror_comparison(cmp->op);
        *c = k.ival;
        return true;
    }
    return false;
}

/* Assume that 'subject' is non-zero (a non-NULL pointer) or zero. */
static bool assume_nonzero(struct pl_engine *e, struct pl_state *st,
                           const struct pl_node *subject, bool nonzero)
{
    const struct pl_node *s = pl_node_strip(subject);
    if (s->kind == PL_N_ASSIGN && s->op == PL_OP_ASSIGN &&
        !assume_nonzero(e, st, s->kids[1], nonzero))
        return false; /* '(b = a) == NULL' says the same of 'a' */
    struct pl_value v = peek(e, st, subject);
    switch (v.kind) {
    case PL_V_INT:
        return (v.ival != 0) == nonzero;
    case PL_V_STRING:
    case PL_V_STACK:
        return nonzero;
    case PL_V_BLOCK: {
        struct pl_block *b = &st->blocks[v.block];
        if (v.interior)
            return true;
        if (b->status == PL_B_MAYBE_NULL) {
            set_status(st, v.block, nonzero ? PL_B_NONNULL : PL_B_NULL);
            return true;
        }
        if (b->status == PL_B_NULL)
            return !nonzero;
        return nonzero;
    }
    default: {
        uint32_t var;
        const struct pl_node *x = pl_node_strip(subject);
        if (!(x->flags & PL_F_POINTER) && lvalue_key(e, x, &var) &&
            !narrow(st, var, nonzero ? PL_OP_NE : PL_OP_EQ, 0))
            return false;
        return assume_fact(e, st, subject, nonzero);
    }
    }
}

/* Narrow an integer variable by comparison 's' being 'truth'; a single
 * remaining value becomes the variable's value. */
static bool assume_bound(struct pl_engine *e, struct pl_state *st,
                         const struct pl_node *s, bool truth)
{
    uint32_t var;
    enum pl_op op;
    long long c;
    if (!int_comparison(e, st, s, &var, &op, &c))
        return true;
    if (!truth)
        op = negate_comparison(op);
    if (!narrow(st, var, op, c))
        return false;
    struct pl_bound b = pl_state_bound(st, var);
    if (b.lo == b.hi)
        pl_state_bind(st, var, int_value(b.lo)); /* 'x == 3': x is 3 */
    return true;
}

bool pl_assume(struct pl_engine *e, struct pl_state *st,
               const struct pl_node *cond, bool truth)
{
    const struct pl_node *s = pl_node_strip(cond);
    if (!s)
        return true;
    if (s->kind == PL_N_UNARY && s->op == PL_OP_NOT)
        return pl_assume(e, st, s->kids[0], !truth);
    if (s->kind == PL_N_BINARY && (s->op == PL_OP_EQ || s->op == PL_OP_NE)) {
        bool nonzero = (s->op == PL_OP_NE) == truth;
        struct pl_value l = peek(e, st, s->kids[0]);
        struct pl_value r = peek(e, st, s->kids[1]);
        if (pl_value_is_null(r) && pl_node_is_null(s->kids[1]))
            return assume_nonzero(e, st, s->kids[0], nonzero);
        if (pl_value_is_null(l) && pl_node_is_null(s->kids[0]))
            return assume_nonzero(e, st, s->kids[1], nonzero);
        if (l.kind == PL_V_INT && r.kind == PL_V_INT)
            return ((l.ival == r.ival) == (s->op == PL_OP_EQ)) == truth;
        if (!assume_bound(e, st, s, truth))
            return false;
        int eq = pointers_equal(st, l, r);
        if (eq >= 0)
            return ((eq == 1) == (s->op == PL_OP_EQ)) == truth;
        return assume_fact(e, st, s, truth);
    }
    if (s->kind == PL_N_BINARY) {
        struct pl_value l = peek(e, st, s->kids[0]);
        struct pl_value r = peek(e, st, s->kids[1]);
        if (l.kind == PL_V_INT && r.kind == PL_V_INT) {
            bool ok;
            struct pl_value v = arith(s->op, l.ival, r.ival, &ok);
            if (ok)
                return (v.ival != 0) == truth;
        }
        if (!assume_bound(e, st, s, truth))
            return false;
        return assume_fact(e, st, s, truth);
    }
    return assume_nonzero(e, st, s, truth);
}

/* ---- switch ---- */

/* The fact key "X == V" of a switch subject and a case value. */
static uint32_t case_key(struct pl_engine *e, const char *subject,
                         long long value)
{
    char text[MAX_TEXT + 32];
    snprintf(text, sizeof text, "%s == %lld", subject, value);
    return pl_keys_intern(&e->keys, text);
}

bool pl_assume_case(struct pl_engine *e, struct pl_state *st,
                    const struct pl_node *subject,
                    const struct pl_node *const *values, size_t nvalues,
                    long index)
{
    struct pl_value v = peek(e, st, subject);
    const struct pl_node *mine =
        index >= 0 ? pl_node_strip(values[index]) : NULL;
    if (mine && mine->kind != PL_N_INT)
        return true; /* not a constant we can compare */
    if (v.kind == PL_V_INT) {
        if (mine)
            return mine->value == v.ival;
        for (size_t i = 0; i < nvalues; i++) {
            const struct pl_node *c = pl_node_strip(values[i]);
            if (c && c->kind == PL_N_INT && c->value == v.ival)
                return false;
        }
        return true;
    }
    char text[MAX_TEXT];
    const struct pl_node *s = pl_node_strip(subject);
    if (!pl_node_is_pure(s) || !pl_node_text(s, text, sizeof text))
        return true;
    if (mine) {
        uint32_t key = case_key(e, text, mine->value);
        if (pl_state_fact(st, key) == 0)
            return false;
        pl_state_set_fact(st, key, true);
        uint32_t var;
        if (lvalue_key(e, s, &var) && !pl_state_lookup(st, var))
            pl_state_bind(st, var, int_value(mine->value));
        return true;
    }
    for (size_t i = 0; i < nvalues; i++) {
        const struct pl_node *c = pl_node_strip(values[i]);
        if (!c || c->kind != PL_N_INT)
            continue;
        uint32_t key = case_key(e, text, c->value);
        if (pl_state_fact(st, key) == 1)
            return false;
        pl_state_set_fact(st, key, false);
    }
    return true;
}
