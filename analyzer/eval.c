/*
 * analyzer/eval.c - what one control-free expression does to a path's
 * state: reads and stores of tracked pointers, pointer arithmetic,
 * integer constants, and the dispatch of every expression kind.
 */
#include "engine.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* ---- expressions ---- */

#define OFFSET_UNKNOWN LLONG_MIN
#define OFFSET_LIMIT 16 /* farther known offsets are forgotten (loops) */

/*
 * Pointer 'v' into a block moved by 'delta' elements ('sign' -1:
 * backwards). A known offset is kept in ival, so that 'p++ ... p--'
 * returns to the start of the block.
 */
static struct pl_value block_moved(struct pl_value v, struct pl_value delta,
                                   int sign)
{
    long long off = v.interior ? v.ival : 0;
    if (off != OFFSET_UNKNOWN && delta.kind == PL_V_INT &&
        delta.ival > -OFFSET_LIMIT && delta.ival < OFFSET_LIMIT)
        off += sign * delta.ival;
    else
        off = OFFSET_UNKNOWN;
    if (off != OFFSET_UNKNOWN && (off > OFFSET_LIMIT || off < -OFFSET_LIMIT))
        off = OFFSET_UNKNOWN;
    v.interior = off != 0;
    v.ival = v.interior ? off : 0;
    return v;
}

static struct pl_value eval_var(struct pl_engine *e, struct pl_state *st,
                                const struct pl_node *n)
{
    uint32_t key;
    if (pl_global_key(e, n, &key)) {
        if (n->name && strcmp(n->name, "_PyByteArray_empty_string") == 0) {
            struct pl_value lent = {PL_V_BORROWED, false, -1,
                                    pl_keys_intern(&e->keys,
                                                   "PyByteArray_AS_STRING")};
            return lent; /* the other half of the macro before 3.11 */
        }
        struct pl_value *g = pl_state_lookup(st, key);
        struct pl_value array = {PL_V_STACK, false, -1, key};
        if (n->flags & PL_F_ARRAY)
            return array; /* a static array is not heap memory */
        return g ? *g : pl_unknown_value;
    }
    if (!pl_lvalue_key(e, n, &key))
        return pl_unknown_value;
    if ((n->flags & PL_F_ARRAY) && n->kind == PL_N_VAR) {
        struct pl_value v = {PL_V_STACK, false, -1, key};
        return v; /* a local array decays to its own address */
    }
    if (n->flags & PL_F_RECORD) {
        /* a whole struct is copied somewhere: its pointers go along */
        struct match_ctx m = {&e->keys, NULL, pl_keys_text(&e->keys, key)};
        for (unsigned i = 0; i < st->nbindings; i++)
            if (pl_binding_in_record(st->bindings[i].key, &m))
                pl_escape(e, st, st->bindings[i].value);
    }
    struct pl_value *v = pl_state_lookup(st, key);
    if (!v)
        return pl_unknown_value;
    struct pl_value r = *v;
    if (n->kind == PL_N_TEMP) /* a hoisted value is read once */
        pl_state_bind(st, key, pl_unknown_value);
    return r;
}

/* Store 'v' into the trackable location 'key'. */
void pl_store_key(struct pl_engine *e, struct pl_state *st, uint32_t key,
                      struct pl_value v)
{
    const char *text = pl_keys_text(&e->keys, key);
    struct match_ctx m = {&e->keys, NULL, text};
    for (unsigned i = 0; i < st->nbindings; i++)
        if (pl_binding_in_record(st->bindings[i].key, &m))
            pl_hand_over(e, st, st->bindings[i].value);
    pl_state_unbind_if(st, pl_binding_in_record, &m);
    if (!pl_state_bind(st, key, v))
        pl_escape(e, st, v); /* no room to follow it: stay silent */
    for (unsigned i = 0; i < st->nbounds; i++) { /* of it and its fields */
        uint32_t k = st->bounds[i].key;
        if (k == key || pl_binding_in_record(k, &m)) {
            st->bounds[i--] = st->bounds[--st->nbounds];
        }
    }
    pl_forget_facts_about(e, st, text);
}

static void store(struct pl_engine *e, struct pl_state *st,
                  const struct pl_node *lhs, struct pl_value v)
{
    uint32_t key;
    const struct pl_node *s = pl_node_strip(lhs);
    struct match_ctx m = {&e->keys, NULL, NULL};
    bool arrow = s->kind == PL_N_MEMBER && (s->flags & PL_F_ARROW);
    struct pl_value base = pl_unknown_value;
    if (arrow) {
        base = pl_eval(e, st, s->kids[0]);
        pl_use_deref(e, st, base, s->kids[0], "dereferenced");
        m.ident = s->name;
        pl_state_drop_facts_if(st, pl_fact_mentions, &m);
    }
    if (pl_lvalue_key(e, lhs, &key)) {
        if (strstr(pl_keys_text(&e->keys, key), "->")) {
            pl_use_pass(e, st, v, lhs, "stored");
            /* into a block of our own, it lives and dies with that block;
               anywhere else, its owner is someone else */
            if (!(arrow && pl_private_block(st, base)))
                pl_hand_over(e, st, v);
        }
        pl_store_key(e, st, key, v);
        return;
    }
    if (arrow) {
        /* the base was evaluated above */
    } else if (s->kind == PL_N_UNARY && s->op == PL_OP_DEREF) {
        base = pl_eval(e, st, s->kids[0]);
        pl_use_deref(e, st, base, s->kids[0], "dereferenced");
        pl_state_drop_facts_if(st, pl_fact_indirect, &m);
    } else if (s->kind == PL_N_INDEX && s->nkids == 2) {
        base = pl_eval(e, st, s->kids[0]);
        pl_eval(e, st, s->kids[1]);
        pl_use_deref(e, st, base, s->kids[0], "indexed");
        pl_state_drop_facts_if(st, pl_fact_indirect, &m);
    } else if (s->kind != PL_N_VAR) {
        pl_eval(e, st, s);
    } else if (pl_global_key(e, s, &key)) {
        /* a static owns it; its NULL check may follow, before any call */
        pl_use_pass(e, st, v, lhs, "stored");
        pl_hand_over(e, st, v);
        if (!pl_state_bind(st, key, v))
            pl_escape(e, st, v);
        return;
    }
    pl_use_pass(e, st, v, lhs, "stored");
    pl_escape(e, st, v);
}

/* The text of the pointer that realloc call or temporary 'rhs' moves, if
 * 'rhs' is one. */
static bool realloc_of(struct pl_engine *e, const struct pl_node *rhs,
                       char *text, size_t size)
{
    const struct pl_node *s = pl_node_strip(rhs);
    if (s->kind == PL_N_TEMP) {
        for (size_t i = 0; i < e->nrealloc_temps; i++)
            if (strcmp(e->realloc_temps[i].temp, s->name) == 0) {
                snprintf(text, size, "%s", e->realloc_temps[i].of);
                return true;
            }
        return false;
    }
    const struct pl_api *api =
        s->kind == PL_N_CALL ? pl_api_find(e->unit->project, s->name) : NULL;
    return api && api->role == PL_API_REALLOC && s->nkids >= 2 &&
           pl_lvalue_text(s->kids[1], text, size);
}

/*
 * 'p = realloc(p, n)', also through PyMem_Resize: when p holds the only
 * copy of the old block, a failure loses it. Called before the store.
 */
static void check_realloc_self(struct pl_engine *e, struct pl_state *st,
                               const struct pl_node *n)
{
    char moved[PL_TEXT_MAX], target[PL_TEXT_MAX];
    if (!realloc_of(e, n->kids[1], moved, sizeof moved))
        return;
    const struct pl_node *lhs = pl_node_strip(n->kids[0]);
    if (lhs->kind == PL_N_TEMP) { /* remember it for 'p = $t' */
        struct pl_realloc_temp t = {.temp = lhs->name};
        snprintf(t.of, sizeof t.of, "%s", moved);
        PL_PUSH(e->realloc_temps, e->nrealloc_temps, e->realloc_temps_cap, t);
        return;
    }
    if (!pl_lvalue_text(lhs, target, sizeof target) ||
        strcmp(target, moved) != 0)
        return;
    uint32_t key = pl_keys_intern(&e->keys, target);
    const struct pl_value *old = pl_state_lookup(st, key);
    const struct pl_node *call = pl_node_strip(n->kids[1]);
    struct pl_event ev = {.kind = PL_EV_REALLOC_SELF, .fn = e->fn,
                          .line = n->line, .col = n->col, .subject = target,
                          .release_name = call->kind == PL_N_CALL
                                              ? call->name
                                              : "PyMem_Resize"};
    if (old && old->kind == PL_V_BLOCK) {
        const struct pl_block *b = &st->blocks[old->block];
        if (!pl_block_is_live(b) || (b->flags & PL_BF_HANDED_OVER))
            return; /* not ours alone: someone else may hold it */
        if (pl_state_refs(st, old->block) > 1)
            return; /* another copy keeps the old block */
        pl_event_from_block(&ev, e, st, old->block);
        pl_emit(e, st, &ev, b->note_start);
        /* if it is lost now, that is this finding, not a second one */
        st->blocks[old->block].flags |= PL_BF_LOST_BY_REALLOC;
        return;
    }
    if (old)
        return; /* NULL or a constant: nothing to lose */
    for (size_t i = 0; i < e->ncopied; i++)
        if (e->copied[i].line < n->line &&
            strcmp(e->copied[i].text, target) == 0)
            return; /* saved first: "old = p; p = realloc(p, n)" */
    pl_emit(e, st, &ev, st->notes_dropped + st->nnotes);
}

static struct pl_value eval_assign(struct pl_engine *e, struct pl_state *st,
                                   const struct pl_node *n)
{
    if (n->op == PL_OP_ASSIGN)
        check_realloc_self(e, st, n);
    struct pl_value r = pl_eval(e, st, n->kids[1]);
    struct pl_value v = r;
    if (n->op != PL_OP_ASSIGN) {
        uint32_t key;
        struct pl_value old = pl_unknown_value;
        if (pl_lvalue_key(e, n->kids[0], &key)) {
            struct pl_value *cur = pl_state_lookup(st, key);
            old = cur ? *cur : pl_unknown_value;
        }
        v = pl_unknown_value;
        if (old.kind == PL_V_BLOCK &&
            (n->op == PL_OP_ADD_ASSIGN || n->op == PL_OP_SUB_ASSIGN)) {
            v = block_moved(old, r, n->op == PL_OP_ADD_ASSIGN ? 1 : -1);
        } else if (old.kind == PL_V_INT && r.kind == PL_V_INT &&
                   n->op != PL_OP_OTHER_ASSIGN) {
            v = pl_int_value(n->op == PL_OP_ADD_ASSIGN ? old.ival + r.ival
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
    if (!pl_lvalue_key(e, n->kids[0], &key)) {
        pl_eval(e, st, n->kids[0]);
        return pl_unknown_value;
    }
    struct pl_value *cur = pl_state_lookup(st, key);
    struct pl_value old = cur ? *cur : pl_unknown_value, v = pl_unknown_value;
    bool inc = n->op == PL_OP_PREINC || n->op == PL_OP_POSTINC;
    if (old.kind == PL_V_BLOCK) {
        v = block_moved(old, pl_int_value(1), inc ? 1 : -1);
    } else if (old.kind == PL_V_INT) {
        v = pl_int_value(old.ival + (inc ? 1 : -1));
    }
    pl_store_key(e, st, key, v);
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
        if (base.kind == PL_V_BLOCK)
            return block_moved(base, idx, 1);
        return pl_unknown_value;
    }
    if (s->kind == PL_N_MEMBER && (s->flags & PL_F_ARROW)) {
        /* &p->f computes an address inside *p, it does not load */
        struct pl_value base = pl_eval(e, st, s->kids[0]);
        if (base.kind == PL_V_BLOCK) {
            base.interior = true;
            base.ival = OFFSET_UNKNOWN;
        }
        return base.kind == PL_V_BLOCK ? base : pl_unknown_value;
    }
    if (s->kind == PL_N_UNARY && s->op == PL_OP_DEREF)
        return pl_eval(e, st, s->kids[0]);
    uint32_t key;
    if (s->kind == PL_N_VAR && !(s->flags & PL_F_FUNCTION) &&
        pl_lvalue_key(e, s, &key)) {
        struct pl_value v = {PL_V_STACK, false, -1, key};
        return v; /* the address of a variable: not heap memory */
    }
    return pl_unknown_value;
}

static struct pl_value eval_unary(struct pl_engine *e, struct pl_state *st,
                                  const struct pl_node *n)
{
    struct pl_value v;
    switch (n->op) {
    case PL_OP_DEREF:
        v = pl_eval(e, st, n->kids[0]);
        pl_use_deref(e, st, v, n->kids[0], "dereferenced");
        return pl_unknown_value;
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
            return pl_int_value(!v.ival);
        if (v.kind == PL_V_STRING)
            return pl_int_value(0);
        if (v.kind == PL_V_BLOCK) {
            uint8_t s = st->blocks[v.block].status;
            if (s == PL_B_NULL)
                return pl_int_value(1);
            if (s != PL_B_MAYBE_NULL && !(st->blocks[v.block].flags &
                                          PL_BF_PARAM))
                return pl_int_value(0);
        }
        return pl_unknown_value;
    }
    if (v.kind == PL_V_INT && n->op == PL_OP_NEG)
        return pl_int_value(-v.ival);
    if (v.kind == PL_V_INT && n->op == PL_OP_BITNOT)
        return pl_int_value(~v.ival);
    if (n->op == PL_OP_PLUS || n->op == PL_OP_EXTENSION)
        return v;
    return pl_unknown_value;
}

struct pl_value pl_arith(enum pl_op op, long long a, long long b,
                             bool *ok)
{
    *ok = true;
    switch (op) {
    case PL_OP_ADD: return pl_int_value((long long)((unsigned long long)a + (unsigned long long)b));
    case PL_OP_SUB: return pl_int_value((long long)((unsigned long long)a - (unsigned long long)b));
    case PL_OP_MUL: return pl_int_value((long long)((unsigned long long)a * (unsigned long long)b));
    case PL_OP_LT: return pl_int_value(a < b);
    case PL_OP_GT: return pl_int_value(a > b);
    case PL_OP_LE: return pl_int_value(a <= b);
    case PL_OP_GE: return pl_int_value(a >= b);
    case PL_OP_EQ: return pl_int_value(a == b);
    case PL_OP_NE: return pl_int_value(a != b);
    case PL_OP_BITAND: return pl_int_value(a & b);
    case PL_OP_BITOR: return pl_int_value(a | b);
    case PL_OP_BITXOR: return pl_int_value(a ^ b);
    case PL_OP_DIV:
        if (b == 0 || (a == LLONG_MIN && b == -1))
            break;
        return pl_int_value(a / b);
    case PL_OP_REM:
        if (b == 0 || (a == LLONG_MIN && b == -1))
            break;
        return pl_int_value(a % b);
    case PL_OP_SHL:
        if (b < 0 || b > 62 || a < 0)
            break;
        return pl_int_value((long long)((unsigned long long)a << b));
    case PL_OP_SHR:
        /* a negative left side may be an unsigned value such as
           '(size_t)-1' (PY_SSIZE_T_MAX before 3.11): not known */
        if (b < 0 || b > 62 || a < 0)
            break;
        return pl_int_value(a >> b);
    default:
        break;
    }
    *ok = false;
    return pl_unknown_value;
}

/*
 * Whether pointers 'l' and 'r' are equal, when that is known: a block no
 * one else has seen differs from every pointer it was not copied into,
 * and a local array's address is neither NULL nor any heap block.
 * Returns 1 equal, 0 different, -1 unknown.
 */
int pl_pointers_equal(const struct pl_state *st, struct pl_value l,
                          struct pl_value r)
{
    if (l.kind == PL_V_STACK && r.kind == PL_V_STACK)
        return l.ival == r.ival;
    if (l.kind == PL_V_BORROWED && r.kind == PL_V_BORROWED &&
        l.ival == r.ival && l.block == r.block)
        return 1; /* copies of one lent buffer */
    if (r.kind == PL_V_BORROWED && l.kind != PL_V_BORROWED) {
        struct pl_value t = l;
        l = r;
        r = t;
    }
    if (l.kind == PL_V_BORROWED) {
        /* a lent buffer is no local array, no literal and no block of
           ours that nobody else has seen */
        if (r.kind == PL_V_STACK || r.kind == PL_V_STRING)
            return 0;
        if (r.kind == PL_V_BLOCK && !r.interior &&
            st->blocks[r.block].status == PL_B_NONNULL &&
            !(st->blocks[r.block].flags &
              (PL_BF_HANDED_OVER | PL_BF_PARAM | PL_BF_UNKNOWN_ORIGIN)))
            return 0;
        return -1;
    }
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
        if (l.kind == PL_V_BLOCK && r.kind != PL_V_BLOCK)
            return block_moved(l, r, n->op == PL_OP_ADD ? 1 : -1);
        if (r.kind == PL_V_BLOCK && l.kind != PL_V_BLOCK &&
            n->op == PL_OP_ADD)
            return block_moved(r, l, 1);
    }
    if (l.kind == PL_V_INT && r.kind == PL_V_INT) {
        bool ok;
        struct pl_value v = pl_arith(n->op, l.ival, r.ival, &ok);
        if (ok)
            return v;
    }
    if (n->op == PL_OP_EQ || n->op == PL_OP_NE) {
        int eq = pl_pointers_equal(st, l, r);
        if (eq >= 0)
            return pl_int_value((eq == 1) == (n->op == PL_OP_EQ));
    }
    return pl_unknown_value;
}

static struct pl_value eval_decl(struct pl_engine *e, struct pl_state *st,
                                 const struct pl_node *n)
{
    struct pl_value v = n->nkids ? pl_eval(e, st, n->kids[0]) : pl_unknown_value;
    if (n->flags & (PL_F_STATIC | PL_F_GLOBAL)) {
        pl_escape(e, st, v);
        return pl_unknown_value;
    }
    pl_store_key(e, st, pl_keys_intern(&e->keys, n->name), v);
    return v;
}

/* The macro whose expansion reads lent member 'n' of a bytes or
 * bytearray object (PyBytes_AS_STRING and PyByteArray_AS_STRING are
 * macros before Python 3.11), or NULL. */
static const char *lent_member(const struct pl_node *n)
{
    if (!n->name || !n->in_macro)
        return NULL;
    if (strcmp(n->name, "ob_sval") == 0)
        return "PyBytes_AS_STRING";
    if (strcmp(n->name, "ob_start") == 0 || strcmp(n->name, "ob_bytes") == 0)
        return "PyByteArray_AS_STRING";
    return NULL;
}

/* ---- dispatch ---- */

struct pl_value pl_eval(struct pl_engine *e, struct pl_state *st,
                        const struct pl_node *n)
{
    if (!n)
        return pl_unknown_value;
    switch (n->kind) {
    case PL_N_VAR:
    case PL_N_TEMP:
        return eval_var(e, st, n);
    case PL_N_INT:
        return pl_int_value(n->value);
    case PL_N_STRING: {
        struct pl_value v = {PL_V_STRING, false, -1, 0};
        return v;
    }
    case PL_N_CAST:
        return pl_eval(e, st, n->kids[0]);
    case PL_N_SIZEOF:
        return n->value >= 0 ? pl_int_value(n->value) : pl_unknown_value;
    case PL_N_MEMBER: {
        uint32_t key;
        if (n->flags & PL_F_ARROW) {
            struct pl_value base = pl_eval(e, st, n->kids[0]);
            pl_use_deref(e, st, base, n->kids[0], "dereferenced");
            const char *lender = lent_member(n);
            if (lender) {
                struct pl_value v = {PL_V_BORROWED, false, -1,
                                     pl_keys_intern(&e->keys, lender)};
                return v;
            }
        }
        if (pl_lvalue_key(e, n, &key)) {
            struct pl_value *v = pl_state_lookup(st, key);
            return v ? *v : pl_unknown_value;
        }
        if (!(n->flags & PL_F_ARROW))
            pl_eval(e, st, n->kids[0]);
        return pl_unknown_value;
    }
    case PL_N_INDEX: {
        struct pl_value base = pl_eval(e, st, n->kids[0]);
        if (n->nkids > 1)
            pl_eval(e, st, n->kids[1]);
        pl_use_deref(e, st, base, n->kids[0], "indexed");
        return pl_unknown_value;
    }
    case PL_N_UNARY:
        return eval_unary(e, st, n);
    case PL_N_BINARY:
        return eval_binary(e, st, n);
    case PL_N_ASSIGN:
        return eval_assign(e, st, n);
    case PL_N_CALL:
        return pl_eval_call(e, st, n);
    case PL_N_DECL:
        return eval_decl(e, st, n);
    default:
        for (unsigned i = 0; i < n->nkids; i++)
            pl_escape(e, st, pl_eval(e, st, n->kids[i]));
        return pl_unknown_value;
    }
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
