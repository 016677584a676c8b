/*
 * analyzer/overflow.c - PML009's part of the engine: a multiplication in
 * the size given to an allocator, with an operand that is neither a
 * constant nor guarded on the path. Guards are comparisons against a
 * division ('n > PY_SSIZE_T_MAX / sizeof(T)', as PyMem_New does) and
 * known small ranges ('if (n > 64) return ...', a loop bound).
 */
#include "engine.h"

#include <stdio.h>
#include <string.h>

#define SMALL_BOUND (1LL << 32) /* n * sizeof(T) cannot wrap a size_t */

/* The fact key "<kind>:<text of n>"; a hoisted temporary stands for the
 * expression it holds (PyMem_New(T, a ? b : c) tests one copy of the
 * count and multiplies another). */
static uint32_t fact_key(struct pl_engine *e, const char *kind,
                         const struct pl_node *n)
{
    char expr[PL_TEXT_MAX], text[PL_TEXT_MAX + 16];
    const struct pl_node *s = pl_node_strip(n);
    if (s->kind == PL_N_TEMP && s->origin)
        s = pl_node_strip(s->origin);
    pl_node_text(s, expr, sizeof expr);
    snprintf(text, sizeof text, "%s:%s", kind, expr);
    return pl_keys_intern(&e->keys, text);
}

static bool is_constant(struct pl_engine *e, struct pl_state *st,
                        const struct pl_node *n)
{
    const struct pl_node *s = pl_node_strip(n);
    if (s->kind == PL_N_SIZEOF || s->kind == PL_N_INT)
        return true;
    if (s->kind == PL_N_BINARY && s->nkids == 2 && s->op != PL_OP_COMMA)
        return is_constant(e, st, s->kids[0]) && is_constant(e, st, s->kids[1]);
    return pl_peek(e, st, s).kind == PL_V_INT;
}

static bool contains_division(const struct pl_node *n)
{
    if (!n)
        return false;
    if (n->kind == PL_N_BINARY && (n->op == PL_OP_DIV || n->op == PL_OP_SHR))
        return true;
    for (unsigned i = 0; i < n->nkids; i++)
        if (contains_division(n->kids[i]))
            return true;
    return false;
}

/* Is operand 'n' of a multiplication safe on this path? */
static bool guarded(struct pl_engine *e, struct pl_state *st,
                    const struct pl_node *n)
{
    const struct pl_node *s = pl_node_strip(n);
    if (is_constant(e, st, s))
        return true;
    uint32_t key;
    if (pl_state_fact(st, fact_key(e, "guard", s)) == 1)
        return true;
    if (pl_lvalue_key(e, s, &key)) {
        struct pl_bound b = pl_state_bound(st, key);
        return b.hi < SMALL_BOUND; /* a negative count is another bug */
    }
    switch (s->kind) {
    case PL_N_BINARY: /* n + 1, n / 2, ... : every part guarded */
        if (s->op == PL_OP_DIV || s->op == PL_OP_SHR || s->op == PL_OP_REM)
            return guarded(e, st, s->kids[0]) || is_constant(e, st, s->kids[1]);
        if (s->op == PL_OP_BITAND)
            return guarded(e, st, s->kids[0]) || guarded(e, st, s->kids[1]);
        return guarded(e, st, s->kids[0]) && guarded(e, st, s->kids[1]);
    case PL_N_UNARY:
        return s->op != PL_OP_DEREF && guarded(e, st, s->kids[0]);
    default:
        return false;
    }
}

/* Is 'n' known to be at most 1 on this path? */
static bool at_most_one(struct pl_engine *e, struct pl_state *st,
                        const struct pl_node *n)
{
    uint32_t key;
    return pl_lvalue_key(e, n, &key) && pl_state_bound(st, key).hi <= 1;
}

/* The first unguarded factor of a multiplication in 'n', or NULL. */
static const struct pl_node *unguarded_factor(struct pl_engine *e,
                                              struct pl_state *st,
                                              const struct pl_node *n)
{
    const struct pl_node *s = pl_node_strip(n);
    if (s->kind == PL_N_BINARY && s->nkids == 2) {
        if (s->op == PL_OP_MUL) {
            const struct pl_node *l = pl_node_strip(s->kids[0]);
            const struct pl_node *r = pl_node_strip(s->kids[1]);
            bool lmul = l->kind == PL_N_BINARY && l->op == PL_OP_MUL;
            bool rmul = r->kind == PL_N_BINARY && r->op == PL_OP_MUL;
            if (at_most_one(e, st, l) || at_most_one(e, st, r))
                return NULL; /* 'len <= 0' on this path: cannot grow */
            struct pl_value lv = pl_peek(e, st, l), rv = pl_peek(e, st, r);
            if ((lv.kind == PL_V_INT && lv.ival == 1) ||
                (rv.kind == PL_V_INT && rv.ival == 1))
                return NULL; /* n * sizeof(char) is n */
            if (!lmul && !guarded(e, st, l))
                return l;
            if (!rmul && !guarded(e, st, r))
                return r;
        }
        if (s->op == PL_OP_MUL || s->op == PL_OP_ADD || s->op == PL_OP_SUB) {
            const struct pl_node *f = unguarded_factor(e, st, s->kids[0]);
            return f ? f : unguarded_factor(e, st, s->kids[1]);
        }
    }
    return NULL;
}

void pl_check_size(struct pl_engine *e, struct pl_state *st,
                   const struct pl_node *call, const struct pl_node *size)
{
    if (e->acc || !size)
        return;
    /* only a product written in the argument: a size computed earlier
       into a variable is the rule's business no more (its definition) */
    const struct pl_node *factor = unguarded_factor(e, st, size);
    if (!factor)
        return;
    char size_text[PL_TEXT_MAX], operand[PL_TEXT_MAX];
    pl_node_text(pl_node_strip(size), size_text, sizeof size_text);
    pl_node_text(factor, operand, sizeof operand);
    struct pl_event ev = {.kind = PL_EV_SIZE_OVERFLOW, .fn = e->fn,
                          .line = call->line, .col = call->col,
                          .alloc_name = call->name, .size_text = size_text,
                          .operand = operand};
    pl_emit(e, st, &ev, st->notes_dropped + st->nnotes);
}

/* Guard 'n' and every part of it but calls' arguments. */
static void guard_all(struct pl_engine *e, struct pl_state *st,
                      const struct pl_node *n)
{
    const struct pl_node *s = n ? pl_node_strip(n) : NULL;
    if (!s || s->kind == PL_N_SIZEOF || s->kind == PL_N_INT)
        return;
    pl_state_set_fact(st, fact_key(e, "guard", s), true);
    if (s->kind == PL_N_CALL)
        return;
    for (unsigned i = 0; i < s->nkids; i++)
        guard_all(e, st, s->kids[i]);
}

void pl_note_guard(struct pl_engine *e, struct pl_state *st,
                   const struct pl_node *cond)
{
    const struct pl_node *s = pl_node_strip(cond);
    if (s->kind != PL_N_BINARY || s->nkids != 2)
        return;
    bool relational = s->op == PL_OP_LT || s->op == PL_OP_GT ||
                      s->op == PL_OP_LE || s->op == PL_OP_GE ||
                      s->op == PL_OP_NE || s->op == PL_OP_EQ;
    if (relational && (contains_division(s->kids[0]) ||
                       contains_division(s->kids[1]))) {
        guard_all(e, st, s->kids[0]);
        guard_all(e, st, s->kids[1]);
    }
}
