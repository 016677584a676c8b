/*
 * analyzer/cfg.c - build a control-flow graph from a function's syntax
 * tree. Short-circuit operators, '?:', commas and statement expressions
 * become control flow; their values are hoisted into temporaries.
 */
#include "cfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct label_entry {
    const char *name;
    unsigned block;
};

/* Where 'break', 'continue' and 'case' lead while lowering a body. */
struct targets {
    int break_to;     /* -1: none */
    int continue_to;  /* -1: none */
    int switch_head;  /* -1: not in a switch */
    bool *has_default;
};

struct builder {
    struct pl_cfg *cfg;
    unsigned cur;     /* block receiving elements */
    struct label_entry *labels;
    size_t nlabels, labels_cap;
    bool (*is_noreturn)(const void *ctx, const char *name);
    const void *noreturn_ctx;
    unsigned next_node_id;
};

/* ---- blocks and edges ---- */

static unsigned new_block(struct builder *b)
{
    struct pl_cfg *cfg = b->cfg;
    pl_grow((void **)&cfg->blocks, &cfg->blocks_cap, cfg->nblocks + 1,
            sizeof *cfg->blocks);
    struct pl_cfg_block *blk = &cfg->blocks[cfg->nblocks];
    memset(blk, 0, sizeof *blk);
    blk->id = (unsigned)cfg->nblocks;
    blk->term = PL_T_JUMP;
    return (unsigned)cfg->nblocks++;
}

static struct pl_cfg_block *block(struct builder *b, unsigned id)
{
    return &b->cfg->blocks[id];
}

static void add_succ(struct builder *b, unsigned from, unsigned to)
{
    struct pl_cfg_block *blk = block(b, from);
    PL_PUSH(blk->succs, blk->nsuccs, blk->succs_cap, to);
}

/* An edge of a switch to the block of case 'value' (NULL: default). */
static void add_switch_edge(struct builder *b, unsigned head, unsigned to,
                            const struct pl_node *value)
{
    struct pl_cfg_block *blk = block(b, head);
    add_succ(b, head, to);
    PL_PUSH(blk->case_values, blk->ncase_values, blk->case_values_cap, value);
}

/* End the current block with a jump to 'to'; continue in 'next'. */
static void jump(struct builder *b, unsigned to)
{
    block(b, b->cur)->term = PL_T_JUMP;
    add_succ(b, b->cur, to);
}

/* Start a fresh unreachable block after a return, goto or break. */
static void start_dead_block(struct builder *b)
{
    b->cur = new_block(b);
}

static void add_elem(struct builder *b, const struct pl_node *node)
{
    struct pl_cfg_block *blk = block(b, b->cur);
    PL_PUSH(blk->elems, blk->nelems, blk->elems_cap, node);
}

/* ---- nodes made by the builder ---- */

static struct pl_node *make_node(struct builder *b, enum pl_node_kind kind,
                                 const struct pl_node *like, unsigned nkids)
{
    struct pl_node *n = pl_arena_alloc(&b->cfg->arena, sizeof *n);
    if (like) {
        *n = *like;
    } else {
        n->kind = kind;
    }
    n->kind = kind;
    n->id = b->next_node_id++;
    n->nkids = nkids;
    n->kids = nkids ? pl_arena_alloc(&b->cfg->arena, nkids * sizeof *n->kids)
                    : NULL;
    return n;
}

static struct pl_node *make_temp(struct builder *b, const struct pl_node *like)
{
    struct pl_node *t = make_node(b, PL_N_TEMP, like, 0);
    char name[32];
    snprintf(name, sizeof name, "$t%u", b->cfg->ntemps++);
    t->name = pl_arena_strdup(&b->cfg->arena, name);
    t->flags = (like->flags & (PL_F_POINTER | PL_F_NULL)) | PL_F_LOCAL;
    t->origin = like;
    return t;
}

static struct pl_node *make_assign(struct builder *b, struct pl_node *lhs,
                                   const struct pl_node *rhs)
{
    struct pl_node *a = make_node(b, PL_N_ASSIGN, rhs, 2);
    a->op = PL_OP_ASSIGN;
    a->flags = lhs->flags & PL_F_POINTER;
    a->name = NULL;
    a->kids[0] = lhs;
    a->kids[1] = (struct pl_node *)rhs;
    return a;
}

/* ---- expressions ---- */

static bool has_control(const struct pl_node *n)
{
    if (!n || n->kind == PL_N_SIZEOF)
        return false;
    if (n->kind == PL_N_COND || n->kind == PL_N_STMTEXPR)
        return true;
    if (n->kind == PL_N_BINARY &&
        (n->op == PL_OP_LAND || n->op == PL_OP_LOR || n->op == PL_OP_COMMA))
        return true;
    for (unsigned i = 0; i < n->nkids; i++)
        if (has_control(n->kids[i]))
            return true;
    return false;
}

static bool calls_noreturn(const struct builder *b, const struct pl_node *n)
{
    if (!n || n->kind == PL_N_SIZEOF || !b->is_noreturn)
        return false;
    if (n->kind == PL_N_CALL && n->name && b->is_noreturn(b->noreturn_ctx, n->name))
        return true;
    if (n->kind == PL_N_STMTEXPR)
        return false;
    for (unsigned i = 0; i < n->nkids; i++)
        if (calls_noreturn(b, n->kids[i]))
            return true;
    return false;
}

static const struct pl_node *lower_value(struct builder *b,
                                         const struct pl_node *n);
static void lower_cond(struct builder *b, const struct pl_node *cond,
                       unsigned on_true, unsigned on_false);
static void lower_stmt(struct builder *b, const struct pl_node *s,
                       struct targets t);

/* Add an expression evaluated for its effects; ends the path if it exits. */
static void add_effect(struct builder *b, const struct pl_node *n)
{
    if (!n)
        return;
    n = lower_value(b, n);
    add_elem(b, n);
    if (calls_noreturn(b, n)) {
        block(b, b->cur)->term = PL_T_EXIT;
        start_dead_block(b);
    }
}

/* Hoist 'x ? a : b' into two blocks that assign a temporary. */
static const struct pl_node *lower_ternary(struct builder *b,
                                           const struct pl_node *n)
{
    struct pl_node *temp = make_temp(b, n);
    unsigned then_blk = new_block(b), else_blk = new_block(b);
    unsigned join = new_block(b);
    lower_cond(b, n->kids[0], then_blk, else_blk);
    b->cur = then_blk;
    add_effect(b, make_assign(b, temp, lower_value(b, n->kids[1])));
    jump(b, join);
    b->cur = else_blk;
    add_effect(b, make_assign(b, temp, lower_value(b, n->kids[2])));
    jump(b, join);
    b->cur = join;
    return temp;
}

/* Hoist 'a && b' / 'a || b' used as a value into 0/1 assignments. */
static const struct pl_node *lower_logical(struct builder *b,
                                           const struct pl_node *n)
{
    struct pl_node *temp = make_temp(b, n);
    unsigned yes = new_block(b), no = new_block(b), join = new_block(b);
    lower_cond(b, n, yes, no);
    struct pl_node *one = make_node(b, PL_N_INT, n, 0);
    one->value = 1;
    one->flags = 0;
    struct pl_node *zero = make_node(b, PL_N_INT, n, 0);
    zero->value = 0;
    zero->flags = 0;
    b->cur = yes;
    add_elem(b, make_assign(b, temp, one));
    jump(b, join);
    b->cur = no;
    add_elem(b, make_assign(b, temp, zero));
    jump(b, join);
    b->cur = join;
    return temp;
}

/* Lower a statement expression: its last expression is its value. */
static const struct pl_node *lower_stmtexpr(struct builder *b,
                                            const struct pl_node *n,
                                            struct targets t)
{
    const struct pl_node *body = n->nkids ? n->kids[0] : NULL;
    if (!body || body->kind != PL_N_COMPOUND || body->nkids == 0) {
        if (body)
            lower_stmt(b, body, t);
        return make_node(b, PL_N_OTHER, n, 0);
    }
    for (unsigned i = 0; i + 1 < body->nkids; i++)
        lower_stmt(b, body->kids[i], t);
    const struct pl_node *last = body->kids[body->nkids - 1];
    if (last->kind >= PL_N_VAR && last->kind != PL_N_STMTEXPR)
        return lower_value(b, last);
    lower_stmt(b, last, t);
    return make_node(b, PL_N_OTHER, n, 0);
}

/*
 * Return an expression equivalent to 'n' with no control flow inside:
 * the control parts become blocks before the current point.
 */
static const struct pl_node *lower_value(struct builder *b,
                                         const struct pl_node *n)
{
    if (!n || !has_control(n))
        return n;
    if (n->kind == PL_N_COND && n->nkids == 3)
        return lower_ternary(b, n);
    if (n->kind == PL_N_STMTEXPR) {
        struct targets none = {-1, -1, -1, NULL};
        return lower_stmtexpr(b, n, none);
    }
    if (n->kind == PL_N_BINARY && n->op == PL_OP_COMMA) {
        add_effect(b, n->kids[0]);
        return lower_value(b, n->kids[1]);
    }
    if (n->kind == PL_N_BINARY && (n->op == PL_OP_LAND || n->op == PL_OP_LOR))
        return lower_logical(b, n);
    struct pl_node *copy = make_node(b, n->kind, n, n->nkids);
    copy->id = n->id; /* same expression, same identity */
    for (unsigned i = 0; i < n->nkids; i++)
        copy->kids[i] = (struct pl_node *)lower_value(b, n->kids[i]);
    return copy;
}

/* ---- conditions ---- */

static bool constant_truth(const struct pl_node *n, bool *truth)
{
    n = pl_node_strip(n);
    if (n && n->kind == PL_N_INT && !(n->flags & PL_F_POINTER)) {
        *truth = n->value != 0;
        return true;
    }
    return false;
}

static void lower_cond(struct builder *b, const struct pl_node *cond,
                       unsigned on_true, unsigned on_false)
{
    const struct pl_node *s = pl_node_strip(cond);
    bool truth;
    if (constant_truth(s, &truth)) {
        jump(b, truth ? on_true : on_false);
        return;
    }
    if (s->kind == PL_N_BINARY && (s->op == PL_OP_LAND || s->op == PL_OP_LOR)) {
        unsigned mid = new_block(b);
        if (s->op == PL_OP_LAND)
            lower_cond(b, s->kids[0], mid, on_false);
        else
            lower_cond(b, s->kids[0], on_true, mid);
        b->cur = mid;
        lower_cond(b, s->kids[1], on_true, on_false);
        return;
    }
    if (s->kind == PL_N_UNARY && s->op == PL_OP_NOT && has_control(s->kids[0])) {
        lower_cond(b, s->kids[0], on_false, on_true);
        return;
    }
    if (s->kind == PL_N_COND && s->nkids == 3) {
        unsigned then_blk = new_block(b), else_blk = new_block(b);
        lower_cond(b, s->kids[0], then_blk, else_blk);
        b->cur = then_blk;
        lower_cond(b, s->kids[1], on_true, on_false);
        b->cur = else_blk;
        lower_cond(b, s->kids[2], on_true, on_false);
        return;
    }
    if (s->kind == PL_N_BINARY && s->op == PL_OP_COMMA) {
        add_effect(b, s->kids[0]);
        lower_cond(b, s->kids[1], on_true, on_false);
        return;
    }
    const struct pl_node *value = lower_value(b, cond);
    struct pl_cfg_block *blk = block(b, b->cur);
    blk->term = PL_T_COND;
    blk->term_node = value;
    add_succ(b, b->cur, on_true);
    add_succ(b, b->cur, on_false);
}

/* ---- statements ---- */

static unsigned label_block(struct builder *b, const char *name)
{
    for (size_t i = 0; i < b->nlabels; i++)
        if (strcmp(b->labels[i].name, name) == 0)
            return b->labels[i].block;
    unsigned id = new_block(b);
    struct label_entry e = {name, id};
    PL_PUSH(b->labels, b->nlabels, b->labels_cap, e);
    return id;
}

static bool is_error_label_name(const char *name)
{
    /* "err" also covers "error" and "errout" */
    static const char *const words[] = {"err", "fail", "bad", "except",
                                        "nomem", "oom", "abort"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strstr(name, words[i]))
            return true;
    return false;
}

static void lower_if(struct builder *b, const struct pl_node *s,
                     struct targets t)
{
    unsigned then_blk = new_block(b), join = new_block(b);
    unsigned else_blk = s->nkids > 2 ? new_block(b) : join;
    lower_cond(b, s->kids[0], then_blk, else_blk);
    b->cur = then_blk;
    lower_stmt(b, s->kids[1], t);
    jump(b, join);
    if (s->nkids > 2) {
        b->cur = else_blk;
        lower_stmt(b, s->kids[2], t);
        jump(b, join);
    }
    b->cur = join;
}

static void lower_loop(struct builder *b, const struct pl_node *init,
                       const struct pl_node *cond, const struct pl_node *inc,
                       const struct pl_node *body, bool test_first,
                       struct targets t)
{
    if (init)
        lower_stmt(b, init, t);
    unsigned head = new_block(b), body_blk = new_block(b);
    unsigned next = inc ? new_block(b) : head, after = new_block(b);
    unsigned test = head;
    if (!test_first) { /* do-while: the test comes after the body */
        test = new_block(b);
        next = test;
        jump(b, body_blk);
    } else {
        jump(b, head);
    }
    b->cur = test;
    block(b, test)->loop_head = true;
    if (cond)
        lower_cond(b, cond, body_blk, after);
    else
        jump(b, body_blk);
    if (!test_first) {
        b->cur = head; /* unused head of a do-while */
        jump(b, body_blk);
    }
    struct targets inner = {(int)after, (int)next, t.switch_head,
                            t.has_default};
    b->cur = body_blk;
    lower_stmt(b, body, inner);
    jump(b, next);
    if (inc) {
        b->cur = next;
        add_effect(b, inc);
        jump(b, head);
    }
    b->cur = after;
}

static void lower_switch(struct builder *b, const struct pl_node *s,
                         struct targets t)
{
    const struct pl_node *value = lower_value(b, s->kids[0]);
    unsigned head = b->cur, after = new_block(b);
    struct pl_cfg_block *blk = block(b, head);
    blk->term = PL_T_SWITCH;
    blk->term_node = value;
    bool has_default = false;
    struct targets inner = {(int)after, t.continue_to, (int)head,
                            &has_default};
    start_dead_block(b);
    if (s->nkids > 1)
        lower_stmt(b, s->kids[1], inner);
    jump(b, after);
    if (!has_default)
        add_switch_edge(b, head, after, NULL);
    b->cur = after;
}

static void lower_case(struct builder *b, const struct pl_node *s,
                       struct targets t)
{
    unsigned target = new_block(b);
    jump(b, target); /* fall-through from the previous case */
    if (t.switch_head >= 0)
        add_switch_edge(b, (unsigned)t.switch_head, target,
                        s->kind == PL_N_CASE && s->nkids ? s->kids[0] : NULL);
    if (s->kind == PL_N_DEFAULT && t.has_default)
        *t.has_default = true;
    b->cur = target;
    const struct pl_node *sub = s->kind == PL_N_CASE
                                    ? (s->nkids > 1 ? s->kids[1] : NULL)
                                    : (s->nkids > 0 ? s->kids[0] : NULL);
    if (sub)
        lower_stmt(b, sub, t);
}

static void lower_return(struct builder *b, const struct pl_node *s)
{
    const struct pl_node *value = s->nkids ? lower_value(b, s->kids[0]) : NULL;
    struct pl_cfg_block *blk = block(b, b->cur);
    blk->term = PL_T_RETURN;
    blk->term_node = value;
    blk->stmt = s;
    start_dead_block(b);
}

static void lower_decl(struct builder *b, const struct pl_node *s)
{
    if (s->nkids == 0 || !has_control(s->kids[0])) {
        add_effect(b, s);
        return;
    }
    struct pl_node *copy = make_node(b, PL_N_DECL, s, 1);
    copy->id = s->id;
    copy->kids[0] = (struct pl_node *)lower_value(b, s->kids[0]);
    add_elem(b, copy);
}

static void lower_jump_stmt(struct builder *b, const struct pl_node *s,
                            struct targets t)
{
    int to = -1;
    if (s->kind == PL_N_BREAK)
        to = t.break_to;
    else if (s->kind == PL_N_CONTINUE)
        to = t.continue_to;
    else if (s->name)
        to = (int)label_block(b, s->name);
    struct pl_cfg_block *blk = block(b, b->cur);
    blk->stmt = s;
    if (to < 0)
        blk->term = PL_T_EXIT;
    else
        jump(b, (unsigned)to);
    start_dead_block(b);
}

static void lower_label(struct builder *b, const struct pl_node *s,
                        struct targets t)
{
    unsigned target = label_block(b, s->name);
    jump(b, target);
    b->cur = target;
    block(b, target)->label = s->name;
    block(b, target)->error_label = is_error_label_name(s->name);
    block(b, target)->loop_head = true;
    if (s->nkids)
        lower_stmt(b, s->kids[0], t);
}

static void lower_stmt(struct builder *b, const struct pl_node *s,
                       struct targets t)
{
    if (!s)
        return;
    switch (s->kind) {
    case PL_N_COMPOUND:
        for (unsigned i = 0; i < s->nkids; i++)
            lower_stmt(b, s->kids[i], t);
        break;
    case PL_N_IF:
        if (s->nkids >= 2)
            lower_if(b, s, t);
        break;
    case PL_N_WHILE:
        if (s->nkids == 2)
            lower_loop(b, NULL, s->kids[0], NULL, s->kids[1], true, t);
        break;
    case PL_N_DO:
        if (s->nkids == 2)
            lower_loop(b, NULL, s->kids[1], NULL, s->kids[0], false, t);
        break;
    case PL_N_FOR:
        lower_loop(b, s->kids[0], s->kids[1], s->kids[2], s->kids[3], true, t);
        break;
    case PL_N_SWITCH:
        if (s->nkids >= 1)
            lower_switch(b, s, t);
        break;
    case PL_N_CASE:
    case PL_N_DEFAULT:
        lower_case(b, s, t);
        break;
    case PL_N_BREAK:
    case PL_N_CONTINUE:
    case PL_N_GOTO:
        lower_jump_stmt(b, s, t);
        break;
    case PL_N_LABEL:
        lower_label(b, s, t);
        break;
    case PL_N_RETURN:
        lower_return(b, s);
        break;
    case PL_N_DECL:
        lower_decl(b, s);
        break;
    case PL_N_NULLSTMT:
        break;
    default:
        add_effect(b, s);
        break;
    }
}

struct pl_cfg *pl_cfg_build(const struct pl_function *fn,
                            bool (*is_noreturn)(const void *ctx,
                                                const char *name),
                            const void *ctx)
{
    struct pl_cfg *cfg = pl_xcalloc(1, sizeof *cfg);
    cfg->fn = fn;
    pl_arena_init(&cfg->arena);
    struct builder b = {.cfg = cfg, .is_noreturn = is_noreturn,
                         .noreturn_ctx = ctx,
                        .next_node_id = fn->node_count};
    cfg->entry = new_block(&b);
    b.cur = cfg->entry;
    struct targets none = {-1, -1, -1, NULL};
    lower_stmt(&b, fn->body, none);
    block(&b, b.cur)->term = PL_T_FALLOFF;
    free(b.labels);
    return cfg;
}

void pl_cfg_free(struct pl_cfg *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->nblocks; i++) {
        free(cfg->blocks[i].elems);
        free(cfg->blocks[i].succs);
        free(cfg->blocks[i].case_values);
    }
    free(cfg->blocks);
    pl_arena_release(&cfg->arena);
    free(cfg);
}

size_t pl_cfg_edge_count(const struct pl_cfg *cfg)
{
    size_t n = 0;
    for (size_t i = 0; i < cfg->nblocks; i++)
        n += cfg->blocks[i].nsuccs;
    return n;
}

size_t pl_cfg_reachable_count(const struct pl_cfg *cfg)
{
    bool *seen = pl_xcalloc(cfg->nblocks, 1);
    unsigned *stack = pl_xmalloc(cfg->nblocks * sizeof *stack + 1);
    size_t top = 0, count = 0;
    stack[top++] = cfg->entry;
    seen[cfg->entry] = true;
    while (top) {
        const struct pl_cfg_block *blk = &cfg->blocks[stack[--top]];
        count++;
        for (size_t i = 0; i < blk->nsuccs; i++)
            if (!seen[blk->succs[i]]) {
                seen[blk->succs[i]] = true;
                stack[top++] = blk->succs[i];
            }
    }
    free(seen);
    free(stack);
    return count;
}

void pl_cfg_dump(const struct pl_cfg *cfg)
{
    static const char *const terms[] = {"jump", "cond", "switch", "return",
                                        "falloff", "exit"};
    fprintf(stderr, "cfg of %s: %zu blocks, entry %u\n", cfg->fn->name,
            cfg->nblocks, cfg->entry);
    for (size_t i = 0; i < cfg->nblocks; i++) {
        const struct pl_cfg_block *blk = &cfg->blocks[i];
        fprintf(stderr, "  B%zu%s%s: %zu elems, %s ->", i,
                blk->label ? " label " : "", blk->label ? blk->label : "",
                blk->nelems, terms[blk->term]);
        for (size_t k = 0; k < blk->nsuccs; k++)
            fprintf(stderr, " B%u", blk->succs[k]);
        fputc('\n', stderr);
    }
}
