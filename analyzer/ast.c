/*
 * analyzer/ast.c - helpers over the analyzer's own syntax tree.
 */
#include "ast.h"

#include <stdio.h>

const char *pl_op_spelling(enum pl_op op)
{
    static const char *const names[] = {
        [PL_OP_NONE] = "", [PL_OP_DEREF] = "*", [PL_OP_ADDR] = "&",
        [PL_OP_NOT] = "!", [PL_OP_NEG] = "-", [PL_OP_PLUS] = "+",
        [PL_OP_BITNOT] = "~", [PL_OP_PREINC] = "++", [PL_OP_PREDEC] = "--",
        [PL_OP_POSTINC] = "++", [PL_OP_POSTDEC] = "--",
        [PL_OP_EXTENSION] = "__extension__", [PL_OP_ADD] = "+",
        [PL_OP_SUB] = "-", [PL_OP_MUL] = "*", [PL_OP_DIV] = "/",
        [PL_OP_REM] = "%", [PL_OP_SHL] = "<<", [PL_OP_SHR] = ">>",
        [PL_OP_LT] = "<", [PL_OP_GT] = ">", [PL_OP_LE] = "<=",
        [PL_OP_GE] = ">=", [PL_OP_EQ] = "==", [PL_OP_NE] = "!=",
        [PL_OP_BITAND] = "&", [PL_OP_BITXOR] = "^", [PL_OP_BITOR] = "|",
        [PL_OP_LAND] = "&&", [PL_OP_LOR] = "||", [PL_OP_COMMA] = ",",
        [PL_OP_ASSIGN] = "=", [PL_OP_ADD_ASSIGN] = "+=",
        [PL_OP_SUB_ASSIGN] = "-=", [PL_OP_OTHER_ASSIGN] = "op=",
    };
    if ((unsigned)op < sizeof names / sizeof names[0] && names[op])
        return names[op];
    return "?";
}

const struct pl_node *pl_node_strip(const struct pl_node *node)
{
    while (node && (node->kind == PL_N_CAST ||
                    (node->kind == PL_N_UNARY &&
                     node->op == PL_OP_EXTENSION)) &&
           node->nkids == 1)
        node = node->kids[0];
    return node;
}

bool pl_node_is_null(const struct pl_node *node)
{
    node = pl_node_strip(node);
    if (!node)
        return false;
    if (node->flags & PL_F_NULL)
        return true;
    return node->kind == PL_N_INT && node->value == 0;
}

/* ---- text of expressions ---- */

struct text_out {
    char *buf;
    size_t size, len;
    bool overflow;
};

static void put(struct text_out *t, const char *s)
{
    while (*s) {
        if (t->len + 1 >= t->size) {
            t->overflow = true;
            if (t->size) /* what fitted, ended: the last put's end is gone */
                t->buf[t->len] = '\0';
            return;
        }
        t->buf[t->len++] = *s++;
    }
    t->buf[t->len] = '\0';
}

static void put_node(struct text_out *t, const struct pl_node *n, int depth);

static void put_kids(struct text_out *t, const struct pl_node *n,
                     unsigned from, int depth)
{
    for (unsigned i = from; i < n->nkids; i++) {
        if (i > from)
            put(t, ", ");
        put_node(t, n->kids[i], depth + 1);
    }
}

static void put_node(struct text_out *t, const struct pl_node *n, int depth)
{
    char num[32];
    if (!n || depth > 12 || t->overflow) {
        put(t, "...");
        return;
    }
    switch (n->kind) {
    case PL_N_VAR:
    case PL_N_TEMP:
        put(t, n->name ? n->name : "?");
        break;
    case PL_N_MEMBER:
        if (n->nkids)
            put_node(t, n->kids[0], depth + 1);
        put(t, n->flags & PL_F_ARROW ? "->" : ".");
        put(t, n->name ? n->name : "?");
        break;
    case PL_N_INDEX:
        put_node(t, n->kids[0], depth + 1);
        put(t, "[");
        if (n->nkids > 1)
            put_node(t, n->kids[1], depth + 1);
        put(t, "]");
        break;
    case PL_N_CALL:
        if (n->name)
            put(t, n->name);
        else
            put_node(t, n->kids[0], depth + 1);
        put(t, "(");
        put_kids(t, n, 1, depth);
        put(t, ")");
        break;
    case PL_N_UNARY:
        if (n->op == PL_OP_POSTINC || n->op == PL_OP_POSTDEC) {
            put_node(t, n->kids[0], depth + 1);
            put(t, pl_op_spelling(n->op));
        } else {
            if (n->op != PL_OP_EXTENSION)
                put(t, pl_op_spelling(n->op));
            put_node(t, n->kids[0], depth + 1);
        }
        break;
    case PL_N_BINARY:
    case PL_N_ASSIGN:
        put_node(t, n->kids[0], depth + 1);
        put(t, " ");
        put(t, pl_op_spelling(n->op));
        put(t, " ");
        put_node(t, n->kids[1], depth + 1);
        break;
    case PL_N_CAST: {
        const struct pl_node *inner = n->kids[0];
        if (pl_node_is_null(n) && (n->flags & PL_F_POINTER)) {
            put(t, "NULL");
            break;
        }
        bool paren = inner && (inner->kind == PL_N_BINARY ||
                               inner->kind == PL_N_ASSIGN ||
                               inner->kind == PL_N_COND);
        if (paren)
            put(t, "(");
        put_node(t, inner, depth + 1);
        if (paren)
            put(t, ")");
        break;
    }
    case PL_N_INT:
        if (n->flags & PL_F_NULL || (n->flags & PL_F_POINTER))
            put(t, "NULL");
        else {
            snprintf(num, sizeof num, "%lld", n->value);
            put(t, num);
        }
        break;
    case PL_N_STRING:
        put(t, "\"...\"");
        break;
    case PL_N_SIZEOF:
        put(t, "sizeof(...)");
        break;
    case PL_N_COND:
        put_node(t, n->kids[0], depth + 1);
        put(t, " ? ");
        put_node(t, n->kids[1], depth + 1);
        put(t, " : ");
        put_node(t, n->kids[2], depth + 1);
        break;
    default:
        put(t, "...");
        break;
    }
}

bool pl_node_text(const struct pl_node *node, char *buf, size_t size)
{
    struct text_out t = {buf, size, 0, false};
    if (size)
        buf[0] = '\0';
    put_node(&t, node, 0);
    return !t.overflow;
}

bool pl_node_is_pure(const struct pl_node *node)
{
    if (!node)
        return true;
    switch (node->kind) {
    case PL_N_CALL:
    case PL_N_ASSIGN:
    case PL_N_STMTEXPR:
    case PL_N_OTHER:
        return false;
    case PL_N_UNARY:
        if (node->op == PL_OP_PREINC || node->op == PL_OP_PREDEC ||
            node->op == PL_OP_POSTINC || node->op == PL_OP_POSTDEC)
            return false;
        break;
    case PL_N_SIZEOF:
        return true;
    default:
        break;
    }
    for (unsigned i = 0; i < node->nkids; i++)
        if (!pl_node_is_pure(node->kids[i]))
            return false;
    return true;
}
