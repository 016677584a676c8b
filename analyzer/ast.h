/*
 * analyzer/ast.h - the analyzer's own syntax tree of one function body.
 * The libclang front end lowers cursors into these nodes once, so the CFG
 * builder and the dataflow engine never touch libclang.
 */
#ifndef PL_AST_H
#define PL_AST_H

#include <stdbool.h>
#include <stddef.h>

enum pl_node_kind {
    /* statements */
    PL_N_COMPOUND,
    PL_N_IF,       /* kids: cond, then, [else] */
    PL_N_WHILE,    /* kids: cond, body */
    PL_N_DO,       /* kids: body, cond */
    PL_N_FOR,      /* kids: init|NULL, cond|NULL, inc|NULL, body */
    PL_N_SWITCH,   /* kids: cond, body */
    PL_N_CASE,     /* kids: value, stmt */
    PL_N_DEFAULT,  /* kids: stmt */
    PL_N_BREAK,
    PL_N_CONTINUE,
    PL_N_GOTO,     /* name: label */
    PL_N_LABEL,    /* name: label; kids: stmt */
    PL_N_RETURN,   /* kids: [value] */
    PL_N_DECL,     /* name: variable; kids: [init] */
    PL_N_NULLSTMT,
    /* expressions */
    PL_N_VAR,      /* name; flags: PL_F_LOCAL/PARAM/GLOBAL */
    PL_N_MEMBER,   /* name: field; kids: base; flags: PL_F_ARROW */
    PL_N_INDEX,    /* kids: base, index */
    PL_N_CALL,     /* name: callee or NULL; kids: callee expr, args... */
    PL_N_UNARY,    /* op; kids: operand */
    PL_N_BINARY,   /* op; kids: lhs, rhs */
    PL_N_ASSIGN,   /* op (PL_OP_ASSIGN or compound); kids: lhs, rhs */
    PL_N_COND,     /* kids: cond, then, else */
    PL_N_CAST,     /* kids: operand */
    PL_N_INT,      /* value */
    PL_N_STRING,   /* name: the spelling, quotes included */
    PL_N_SIZEOF,   /* not evaluated; value: the size, or -1 when unknown */
    PL_N_STMTEXPR, /* kids: compound */
    PL_N_INITLIST, /* kids: elements */
    PL_N_TEMP,     /* a value the CFG builder hoisted; name: "$tN" */
    PL_N_OTHER,    /* anything else; kids evaluated for side effects */
};

enum pl_op {
    PL_OP_NONE,
    /* unary */
    PL_OP_DEREF, PL_OP_ADDR, PL_OP_NOT, PL_OP_NEG, PL_OP_PLUS, PL_OP_BITNOT,
    PL_OP_PREINC, PL_OP_PREDEC, PL_OP_POSTINC, PL_OP_POSTDEC, PL_OP_EXTENSION,
    /* binary */
    PL_OP_ADD, PL_OP_SUB, PL_OP_MUL, PL_OP_DIV, PL_OP_REM, PL_OP_SHL,
    PL_OP_SHR, PL_OP_LT, PL_OP_GT, PL_OP_LE, PL_OP_GE, PL_OP_EQ, PL_OP_NE,
    PL_OP_BITAND, PL_OP_BITXOR, PL_OP_BITOR, PL_OP_LAND, PL_OP_LOR,
    PL_OP_COMMA,
    /* assignment */
    PL_OP_ASSIGN, PL_OP_ADD_ASSIGN, PL_OP_SUB_ASSIGN, PL_OP_OTHER_ASSIGN,
};

enum pl_node_flags {
    PL_F_LOCAL = 1 << 0,    /* PL_N_VAR/DECL: automatic variable */
    PL_F_PARAM = 1 << 1,    /* PL_N_VAR: function parameter */
    PL_F_GLOBAL = 1 << 2,   /* PL_N_VAR: file-scope or static variable */
    PL_F_ARROW = 1 << 3,    /* PL_N_MEMBER: '->' rather than '.' */
    PL_F_POINTER = 1 << 4,  /* expression of pointer type */
    PL_F_ARRAY = 1 << 5,    /* expression or variable of array type */
    PL_F_FUNCTION = 1 << 6, /* PL_N_VAR naming a function */
    PL_F_NULL = 1 << 7,     /* null pointer constant */
    PL_F_STATIC = 1 << 8,   /* PL_N_DECL: static local */
    PL_F_RECORD = 1 << 9,   /* expression or variable of struct/union type */
    PL_F_LIBRARY = 1 << 10, /* PL_N_CALL: a Py/_Py function of a header,
                               or one of a system header */
    PL_F_STDLIB = 1 << 11,  /* PL_N_CALL: of a C library or POSIX header:
                               it keeps no pointer it is given */
};

struct pl_node {
    enum pl_node_kind kind;
    enum pl_op op;
    unsigned flags;
    const char *name;       /* arena string or NULL */
    long long value;        /* PL_N_INT; PL_N_CALL of a PL_F_LIBRARY
                               callee: bit i set when argument i is only
                               read (pointer to const, or not a pointer) */
    struct pl_node **kids;  /* arena array; may hold NULL kids (for) */
    unsigned nkids;
    unsigned line, col;     /* where a user sees it (macro call site) */
    unsigned id;            /* unique within the function */
    const struct pl_node *origin; /* PL_N_TEMP: the expression it holds */
    bool in_macro;          /* spelled inside a macro expansion */
};

enum pl_return_kind {
    PL_RET_VOID,
    PL_RET_POINTER,
    PL_RET_INTEGER,
    PL_RET_OTHER,
};

struct pl_param {
    const char *name;
    bool is_pointer;
};

/* One function definition of the main file. */
struct pl_function {
    const char *name;
    const char *file;       /* path as shown to users */
    unsigned source;        /* index into the unit's sources */
    unsigned line, col;
    unsigned end_line, end_col; /* the closing brace of the body */
    enum pl_return_kind return_kind;
    bool is_static;
    struct pl_param *params;
    unsigned nparams;
    struct pl_node *body;   /* PL_N_COMPOUND */
    unsigned node_count;    /* ids are 0 .. node_count-1 */
    bool too_deep;          /* nested too deep to lower: not analyzed */
    bool python_facing;     /* Python calls it, or returns its result
                               (facing.c) */
};

/* Return a short, stable name of an operator ("==", "&&", ...). */
const char *pl_op_spelling(enum pl_op op);

/* Strip casts and parentheses (which the front end folds into casts). */
const struct pl_node *pl_node_strip(const struct pl_node *node);

/* True when 'node' is a null pointer constant (NULL, 0, (void *)0). */
bool pl_node_is_null(const struct pl_node *node);

/*
 * Write a short C-like text of expression 'node' into 'buf' (for messages
 * and for keys of facts): "self->buf", "n > 0", "PyMem_Malloc(...)".
 * Returns false when the text did not fit (it is then truncated).
 */
bool pl_node_text(const struct pl_node *node, char *buf, size_t size);

/* True when evaluating 'node' has no side effect (no call, assignment,
 * increment or statement expression). */
bool pl_node_is_pure(const struct pl_node *node);

#endif
