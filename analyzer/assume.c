/*
 * analyzer/assume.c - refine a path's state by a branch it takes: NULL
 * checks, integer ranges, known conditions and switch cases, and say
 * when a branch cannot be taken.
 */
#include "engine.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* ---- conditions ---- */

/* Value of a location without side effects, or unknown. */
struct pl_value pl_peek(struct pl_engine *e, struct pl_state *st,
                            const struct pl_node *n)
{
    uint32_t key;
    const struct pl_node *s = pl_node_strip(n);
    if (s->kind == PL_N_INT || (s->kind == PL_N_SIZEOF && s->value >= 0))
        return pl_int_value(s->value);
    if (s->kind == PL_N_STRING) {
        struct pl_value v = {PL_V_STRING, false, -1, 0};
        return v;
    }
    if (s->kind == PL_N_ASSIGN)
        return pl_peek(e, st, s->kids[0]);
    if (s->kind == PL_N_CALL && s == e->last_call)
        return e->last_call_value; /* 'if (!f(...))' just after the call */
    if (s->kind == PL_N_BINARY && s->nkids == 2) { /* constant folding */
        struct pl_value l = pl_peek(e, st, s->kids[0]);
        struct pl_value r = pl_peek(e, st, s->kids[1]);
        bool ok = false;
        struct pl_value v = pl_unknown_value;
        if (l.kind == PL_V_INT && r.kind == PL_V_INT)
            v = pl_arith(s->op, l.ival, r.ival, &ok);
        return ok ? v : pl_unknown_value;
    }
    if (s->kind == PL_N_UNARY && s->op == PL_OP_NEG) {
        struct pl_value v = pl_peek(e, st, s->kids[0]);
        return v.kind == PL_V_INT ? pl_int_value(-v.ival) : pl_unknown_value;
    }
    if (pl_global_key(e, s, &key)) {
        struct pl_value *g = pl_state_lookup(st, key);
        struct pl_value array = {PL_V_STACK, false, -1, key};
        if (s->flags & PL_F_ARRAY)
            return array;
        return g ? *g : pl_unknown_value;
    }
    if (!pl_lvalue_key(e, s, &key))
        return pl_unknown_value;
    if ((s->flags & PL_F_ARRAY) && s->kind == PL_N_VAR) {
        struct pl_value a = {PL_V_STACK, false, -1, key};
        return a;
    }
    struct pl_value *v = pl_state_lookup(st, key);
    return v ? *v : pl_unknown_value;
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
    char text[PL_TEXT_MAX];
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
        struct pl_value k = pl_peek(e, st, cmp->kids[1 - side]);
        if (k.kind != PL_V_INT || (x->flags & PL_F_POINTER) ||
            !pl_lvalue_key(e, x, var) || pl_state_lookup(st, *var))
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
    struct pl_value v = pl_peek(e, st, subject);
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
            pl_set_status(st, v.block, nonzero ? PL_B_NONNULL : PL_B_NULL);
            if (!nonzero && (b->flags & PL_BF_NO_EXC) && b->site) {
                st->no_exc_line = b->site->line; /* failed, no exception */
                st->no_exc_col = b->site->col;
                st->no_exc_alloc = b->alloc_name;
            }
            return true;
        }
        if (b->status == PL_B_NULL)
            return !nonzero;
        return nonzero;
    }
    default: {
        uint32_t var;
        const struct pl_node *x = pl_node_strip(subject);
        if (!(x->flags & PL_F_POINTER) && pl_lvalue_key(e, x, &var) &&
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
        pl_state_bind(st, var, pl_int_value(b.lo)); /* 'x == 3': x is 3 */
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
    pl_note_guard(e, st, s);
    if (truth && s->kind == PL_N_CALL && s->name &&
        strcmp(s->name, "PyErr_Occurred") == 0)
        st->no_exc_line = 0; /* an exception is set on this path */
    if (s->kind == PL_N_BINARY && (s->op == PL_OP_EQ || s->op == PL_OP_NE)) {
        bool nonzero = (s->op == PL_OP_NE) == truth;
        struct pl_value l = pl_peek(e, st, s->kids[0]);
        struct pl_value r = pl_peek(e, st, s->kids[1]);
        if (pl_value_is_null(r) && pl_node_is_null(s->kids[1]))
            return assume_nonzero(e, st, s->kids[0], nonzero);
        if (pl_value_is_null(l) && pl_node_is_null(s->kids[0]))
            return assume_nonzero(e, st, s->kids[1], nonzero);
        if (l.kind == PL_V_INT && r.kind == PL_V_INT)
            return ((l.ival == r.ival) == (s->op == PL_OP_EQ)) == truth;
        if (!assume_bound(e, st, s, truth))
            return false;
        int eq = pl_pointers_equal(st, l, r);
        if (eq >= 0)
            return ((eq == 1) == (s->op == PL_OP_EQ)) == truth;
        return assume_fact(e, st, s, truth);
    }
    if (s->kind == PL_N_BINARY) {
        struct pl_value l = pl_peek(e, st, s->kids[0]);
        struct pl_value r = pl_peek(e, st, s->kids[1]);
        if (l.kind == PL_V_INT && r.kind == PL_V_INT) {
            bool ok;
            struct pl_value v = pl_arith(s->op, l.ival, r.ival, &ok);
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
    char text[PL_TEXT_MAX + 32];
    snprintf(text, sizeof text, "%s == %lld", subject, value);
    return pl_keys_intern(&e->keys, text);
}

bool pl_assume_case(struct pl_engine *e, struct pl_state *st,
                    const struct pl_node *subject,
                    const struct pl_node *const *values, size_t nvalues,
                    long index)
{
    struct pl_value v = pl_peek(e, st, subject);
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
    char text[PL_TEXT_MAX];
    const struct pl_node *s = pl_node_strip(subject);
    if (!pl_node_is_pure(s) || !pl_node_text(s, text, sizeof text))
        return true;
    if (mine) {
        uint32_t key = case_key(e, text, mine->value);
        if (pl_state_fact(st, key) == 0)
            return false;
        pl_state_set_fact(st, key, true);
        uint32_t var;
        if (pl_lvalue_key(e, s, &var) && !pl_state_lookup(st, var))
            pl_state_bind(st, var, pl_int_value(mine->value));
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
