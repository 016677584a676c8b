/*
 * analyzer/lower.c - lower libclang cursors of one function into the
 * analyzer's syntax tree (ast.h): statements, expressions, locations at
 * the macro call site, operator kinds and callee facts.
 */
#include "lower.h"
#include "operators.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- cursor helpers ---- */

static enum CXChildVisitResult collect_child(CXCursor c, CXCursor parent,
                                             CXClientData data)
{
    (void)parent;
    struct cursor_list *list = data;
    PL_PUSH(list->items, list->len, list->cap, c);
    return CXChildVisit_Continue;
}

/* Fill 'list' with the direct children of 'c'; caller frees list->items. */
void pl_children_of(CXCursor c, struct cursor_list *list)
{
    list->items = NULL;
    list->len = list->cap = 0;
    clang_visitChildren(c, collect_child, list);
}

/* Copy a CXString into the arena and dispose it. */
const char *pl_take_string(struct lowering *lw, CXString s)
{
    const char *text = clang_getCString(s);
    const char *copy = text ? pl_arena_strdup(&lw->unit->arena, text) : NULL;
    clang_disposeString(s);
    return copy;
}

/* Copy a CXString into a heap string and dispose it. Caller frees. */
char *pl_take_heap_string(CXString s)
{
    const char *text = clang_getCString(s);
    char *copy = pl_xstrdup(text ? text : "");
    clang_disposeString(s);
    return copy;
}

static unsigned type_flags(CXType type)
{
    CXType canon = clang_getCanonicalType(type);
    switch (canon.kind) {
    case CXType_Pointer:
    case CXType_BlockPointer:
        return PL_F_POINTER;
    case CXType_ConstantArray:
    case CXType_IncompleteArray:
    case CXType_VariableArray:
    case CXType_DependentSizedArray:
        return PL_F_ARRAY;
    case CXType_Record:
        return PL_F_RECORD;
    default:
        return 0;
    }
}

static void set_location(struct pl_node *node, CXCursor c)
{
    CXSourceLocation loc = clang_getRangeStart(clang_getCursorExtent(c));
    unsigned line = 0, col = 0;
    clang_getExpansionLocation(loc, NULL, &line, &col, NULL);
    if (line == 0) {
        loc = clang_getCursorLocation(c);
        clang_getExpansionLocation(loc, NULL, &line, &col, NULL);
    }
    node->line = line;
    node->col = col;
    CXFile spelled_file = NULL, expanded_file = NULL;
    unsigned spelled_off = 0, expanded_off = 0;
    clang_getSpellingLocation(loc, &spelled_file, NULL, NULL, &spelled_off);
    clang_getExpansionLocation(loc, &expanded_file, NULL, NULL,
                               &expanded_off);
    node->in_macro = spelled_off != expanded_off ||
                     !clang_File_isEqual(spelled_file, expanded_file);
}

static struct pl_node *new_node(struct lowering *lw, enum pl_node_kind kind,
                                CXCursor c, unsigned nkids)
{
    struct pl_node *node = pl_arena_alloc(&lw->unit->arena, sizeof *node);
    node->kind = kind;
    node->id = lw->fn->node_count++;
    node->nkids = nkids;
    if (nkids)
        node->kids =
            pl_arena_alloc(&lw->unit->arena, nkids * sizeof *node->kids);
    if (!clang_Cursor_isNull(c))
        set_location(node, c);
    return node;
}

/* ---- expressions ---- */

static struct pl_node *lower_expr(struct lowering *lw, CXCursor c);
static struct pl_node *lower_stmt(struct lowering *lw, CXCursor c);

/* A node whose kids are the lowered children of 'c' (expressions only). */
static struct pl_node *lower_with_children(struct lowering *lw,
                                           enum pl_node_kind kind, CXCursor c)
{
    struct cursor_list kids;
    pl_children_of(c, &kids);
    size_t n = 0;
    for (size_t i = 0; i < kids.len; i++)
        if (clang_isExpression(clang_getCursorKind(kids.items[i])))
            kids.items[n++] = kids.items[i];
    struct pl_node *node = new_node(lw, kind, c, (unsigned)n);
    for (size_t i = 0; i < n; i++)
        node->kids[i] = lower_expr(lw, kids.items[i]);
    free(kids.items);
    return node;
}

static struct pl_node *lower_declref(struct lowering *lw, CXCursor c)
{
    CXCursor ref = clang_getCursorReferenced(c);
    enum CXCursorKind kind = clang_getCursorKind(ref);
    if (kind == CXCursor_EnumConstantDecl) {
        struct pl_node *node = new_node(lw, PL_N_INT, c, 0);
        node->value = clang_getEnumConstantDeclValue(ref);
        return node;
    }
    struct pl_node *node = new_node(lw, PL_N_VAR, c, 0);
    node->name = pl_take_string(lw, clang_getCursorSpelling(c));
    node->flags |= type_flags(clang_getCursorType(c));
    if (kind == CXCursor_FunctionDecl) {
        node->flags |= PL_F_FUNCTION;
    } else if (kind == CXCursor_ParmDecl) {
        node->flags |= PL_F_PARAM | PL_F_LOCAL;
        if (node->flags & PL_F_ARRAY) /* 'char *a[]' is 'char **a' */
            node->flags = (node->flags & ~PL_F_ARRAY) | PL_F_POINTER;
    } else if (kind == CXCursor_VarDecl) {
        enum CX_StorageClass sc = clang_Cursor_getStorageClass(ref);
        CXCursor parent = clang_getCursorSemanticParent(ref);
        bool local = clang_getCursorKind(parent) == CXCursor_FunctionDecl &&
                     sc != CX_SC_Static && sc != CX_SC_Extern;
        node->flags |= local ? PL_F_LOCAL : PL_F_GLOBAL;
        CXType type = clang_getCursorType(ref);
        if (!local && clang_isConstQualifiedType(type) &&
            !(node->flags & (PL_F_POINTER | PL_F_ARRAY | PL_F_RECORD))) {
            /* 'static const size_t N = 16': a constant */
            CXEvalResult r = clang_Cursor_Evaluate(c);
            if (r) {
                if (clang_EvalResult_getKind(r) == CXEval_Int) {
                    node->kind = PL_N_INT;
                    node->value = clang_EvalResult_getAsLongLong(r);
                    node->flags = 0;
                }
                clang_EvalResult_dispose(r);
            }
        }
    } else {
        node->flags |= PL_F_GLOBAL;
    }
    return node;
}

/*
 * True when function 'decl' is declared by a header of the C library or
 * POSIX (string.h, wchar.h, stdio.h, sys/stat.h, bits/...): such a
 * function writes through a non-const pointer but keeps nothing (the few
 * that keep a pointer, setvbuf or putenv, are in api.c's table).
 */
static bool is_stdlib_header(CXCursor decl)
{
    static const char *const names[] = {
        "assert.h", "ctype.h", "dirent.h", "dlfcn.h", "errno.h", "fcntl.h",
        "fnmatch.h", "glob.h", "grp.h", "iconv.h", "inttypes.h",
        "langinfo.h", "libgen.h", "locale.h", "math.h", "netdb.h", "poll.h",
        "pwd.h", "regex.h", "sched.h", "search.h", "setjmp.h", "signal.h",
        "spawn.h", "stdio.h", "stdlib.h", "string.h", "strings.h",
        "termios.h", "time.h", "uchar.h", "unistd.h", "wchar.h", "wctype.h",
    };
    CXFile file = NULL;
    clang_getExpansionLocation(clang_getCursorLocation(decl), &file, NULL,
                               NULL, NULL);
    if (!file)
        return false;
    CXString fname = clang_getFileName(file);
    const char *path = clang_getCString(fname);
    bool std = false;
    if (path && strncmp(path, "/usr/include/", 13) == 0) {
        const char *base = strrchr(path, '/') + 1;
        std = strstr(path, "/bits/") || strstr(path, "/sys/") ||
              strstr(path, "/netinet/") || strstr(path, "/arpa/");
        for (size_t i = 0; !std && i < sizeof names / sizeof names[0]; i++)
            std = strcmp(base, names[i]) == 0;
    }
    clang_disposeString(fname);
    return std;
}

/*
 * True when function 'decl' belongs to Python's C API: a Py/_Py function
 * declared in a header. (Other libraries' functions often keep a pointer
 * as user data, so they stay unknown unless api.c lists them.)
 */
static bool is_library_function(CXCursor decl, const char *name)
{
    CXSourceLocation loc = clang_getCursorLocation(decl);
    if (name && clang_Location_isInSystemHeader(loc))
        return true; /* the C library: const parameters are only read */
    if (!name || !(strncmp(name, "Py", 2) == 0 || strncmp(name, "_Py", 3) == 0))
        return false;
    CXFile file = NULL;
    clang_getExpansionLocation(loc, &file, NULL, NULL, NULL);
    if (!file)
        return false;
    CXString fname = clang_getFileName(file);
    const char *t = clang_getCString(fname);
    size_t n = t ? strlen(t) : 0;
    bool header = n > 2 && strcmp(t + n - 2, ".h") == 0;
    clang_disposeString(fname);
    return header;
}

/*
 * Bit i set when argument i of a call of 'decl' can only be read through:
 * its parameter is a pointer to const, or not a pointer, or it is one of
 * the variadic arguments.
 */
static long long reading_params(CXCursor decl)
{
    int n = clang_Cursor_getNumArguments(decl);
    unsigned long long mask = ~0ULL;
    for (int i = 0; i < n && i < 64; i++) {
        CXType t = clang_getCanonicalType(
            clang_getCursorType(clang_Cursor_getArgument(decl, (unsigned)i)));
        if (t.kind == CXType_Pointer &&
            !clang_isConstQualifiedType(clang_getPointeeType(t)))
            mask &= ~(1ULL << i);
    }
    return (long long)mask;
}

static struct pl_node *lower_call(struct lowering *lw, CXCursor c)
{
    int nargs = clang_Cursor_getNumArguments(c);
    if (nargs < 0)
        nargs = 0;
    struct cursor_list kids;
    pl_children_of(c, &kids);
    struct pl_node *node = new_node(lw, PL_N_CALL, c, (unsigned)nargs + 1);
    CXCursor ref = clang_getCursorReferenced(c);
    if (clang_getCursorKind(ref) == CXCursor_FunctionDecl) {
        node->name = pl_take_string(lw, clang_getCursorSpelling(ref));
        if (is_library_function(ref, node->name)) {
            node->flags |= PL_F_LIBRARY;
            node->value = reading_params(ref);
            if (is_stdlib_header(ref))
                node->flags |= PL_F_STDLIB;
        }
    }
    if (kids.len > 0 && !node->name)
        node->kids[0] = lower_expr(lw, kids.items[0]);
    else
        node->kids[0] = NULL;
    for (int i = 0; i < nargs; i++)
        node->kids[i + 1] = lower_expr(lw, clang_Cursor_getArgument(c, i));
    node->flags |= type_flags(clang_getCursorType(c));
    free(kids.items);
    return node;
}

static struct pl_node *lower_literal_int(struct lowering *lw, CXCursor c)
{
    struct pl_node *node = new_node(lw, PL_N_INT, c, 0);
    CXEvalResult result = clang_Cursor_Evaluate(c);
    if (result) {
        if (clang_EvalResult_getKind(result) == CXEval_Int)
            node->value = clang_EvalResult_getAsLongLong(result);
        clang_EvalResult_dispose(result);
    }
    return node;
}

/* Lower a unary, binary or compound-assignment operator cursor. */
static struct pl_node *lower_operator(struct lowering *lw, CXCursor c,
                                      enum CXCursorKind kind)
{
    struct cursor_list kids;
    pl_children_of(c, &kids);
    struct pl_node *node;
    if (kind == CXCursor_UnaryOperator && kids.len == 1) {
        node = new_node(lw, PL_N_UNARY, c, 1);
        node->op = pl_unary_op(lw->tu, c, kids.items[0]);
        node->kids[0] = lower_expr(lw, kids.items[0]);
    } else if (kids.len == 2) {
        enum pl_op op = pl_binary_op(lw->tu, c, kids.items[0], kids.items[1]);
        bool assign = op >= PL_OP_ASSIGN;
        node = new_node(lw, assign ? PL_N_ASSIGN : PL_N_BINARY, c, 2);
        node->op = op;
        node->kids[0] = lower_expr(lw, kids.items[0]);
        node->kids[1] = lower_expr(lw, kids.items[1]);
    } else {
        node = lower_with_children(lw, PL_N_OTHER, c);
    }
    free(kids.items);
    return node;
}

/* Deeper syntax trees (generated code) are not analyzed: following them
 * would cost stack without bound. Lowering and the passes over the tree
 * recurse once a level, a few hundred bytes each, on a worker's stack of
 * PL_WORKER_STACK (1 GiB): an else-if chain of 20,000 branches is 40,000
 * statement levels. Expressions stop much sooner: clang itself allows
 * 256 parentheses, and lowering a level of a deeper one (a macro that
 * expands to a million terms) costs time in proportion to what is below. */
#define MAX_STMT_DEPTH 100000
#define MAX_EXPR_DEPTH 1000

static struct pl_node *lower_expr_at_depth(struct lowering *lw, CXCursor c);

/*
 * Lower 'c' with 'lower', one level deeper in '*depth'; past 'limit' mark
 * the function as too deep and return an empty node of kind 'instead'.
 */
static struct pl_node *
lower_nested(struct lowering *lw, CXCursor c,
             struct pl_node *(*lower)(struct lowering *, CXCursor),
             enum pl_node_kind instead, unsigned *depth, unsigned limit)
{
    if (*depth >= limit) {
        lw->fn->too_deep = true;
        return new_node(lw, instead, c, 0);
    }
    ++*depth;
    struct pl_node *node = lower(lw, c);
    --*depth;
    return node;
}

static struct pl_node *lower_expr(struct lowering *lw, CXCursor c)
{
    return lower_nested(lw, c, lower_expr_at_depth, PL_N_OTHER,
                        &lw->expr_depth, MAX_EXPR_DEPTH);
}

static struct pl_node *lower_expr_at_depth(struct lowering *lw, CXCursor c)
{
    enum CXCursorKind kind = clang_getCursorKind(c);
    struct pl_node *node;
    switch (kind) {
    case CXCursor_DeclRefExpr:
        return lower_declref(lw, c);
    case CXCursor_CallExpr:
        return lower_call(lw, c);
    case CXCursor_MemberRefExpr: {
        node = lower_with_children(lw, PL_N_MEMBER, c);
        node->name = pl_take_string(lw, clang_getCursorSpelling(c));
        if (node->nkids == 1 && (node->kids[0]->flags & PL_F_POINTER))
            node->flags |= PL_F_ARROW;
        break;
    }
    case CXCursor_ArraySubscriptExpr:
        node = lower_with_children(lw, PL_N_INDEX, c);
        break;
    case CXCursor_UnaryOperator:
    case CXCursor_BinaryOperator:
    case CXCursor_CompoundAssignOperator:
        node = lower_operator(lw, c, kind);
        break;
    case CXCursor_ConditionalOperator:
        node = lower_with_children(lw, PL_N_COND, c);
        if (node->nkids != 3)
            node->kind = PL_N_OTHER;
        break;
    case CXCursor_ParenExpr:
    case CXCursor_CStyleCastExpr:
    case CXCursor_UnexposedExpr:
        node = lower_with_children(lw, PL_N_CAST, c);
        if (node->nkids != 1)
            node->kind = PL_N_OTHER;
        break;
    case CXCursor_IntegerLiteral:
    case CXCursor_CharacterLiteral:
        node = lower_literal_int(lw, c);
        break;
    case CXCursor_StringLiteral: /* name: its spelling, quotes included */
        node = new_node(lw, PL_N_STRING, c, 0);
        node->name = pl_take_string(lw, clang_getCursorSpelling(c));
        break;
    case CXCursor_GNUNullExpr:
        node = new_node(lw, PL_N_INT, c, 0);
        node->flags |= PL_F_NULL;
        break;
    case CXCursor_UnaryExpr: { /* sizeof, alignof: operand not evaluated */
        node = new_node(lw, PL_N_SIZEOF, c, 0);
        node->value = -1;
        CXEvalResult r = clang_Cursor_Evaluate(c);
        if (r) {
            if (clang_EvalResult_getKind(r) == CXEval_Int)
                node->value = clang_EvalResult_getAsLongLong(r);
            clang_EvalResult_dispose(r);
        }
        break;
    }
    case CXCursor_FloatingLiteral:
    case CXCursor_GenericSelectionExpr:
        node = new_node(lw, PL_N_SIZEOF, c, 0);
        node->value = -1;
        break;
    case CXCursor_StmtExpr: {
        struct cursor_list kids;
        pl_children_of(c, &kids);
        node = new_node(lw, PL_N_STMTEXPR, c, kids.len ? 1 : 0);
        if (kids.len)
            node->kids[0] = lower_stmt(lw, kids.items[0]);
        free(kids.items);
        break;
    }
    case CXCursor_InitListExpr:
        node = lower_with_children(lw, PL_N_INITLIST, c);
        break;
    default:
        node = lower_with_children(lw, PL_N_OTHER, c);
        break;
    }
    node->flags |= type_flags(clang_getCursorType(c));
    return node;
}

/* ---- statements ---- */

static struct pl_node *lower_children_as_stmts(struct lowering *lw,
                                               enum pl_node_kind kind,
                                               CXCursor c)
{
    struct cursor_list kids;
    pl_children_of(c, &kids);
    struct pl_node *node = new_node(lw, kind, c, (unsigned)kids.len);
    for (size_t i = 0; i < kids.len; i++)
        node->kids[i] = lower_stmt(lw, kids.items[i]);
    free(kids.items);
    return node;
}

/* The initializer of a VarDecl cursor, or a null cursor. */
static CXCursor var_initializer(CXCursor decl)
{
    struct cursor_list kids;
    pl_children_of(decl, &kids);
    CXCursor init = clang_getNullCursor();
    unsigned tflags = type_flags(clang_getCursorType(decl));
    if (kids.len > 0) {
        CXCursor last = kids.items[kids.len - 1];
        enum CXCursorKind k = clang_getCursorKind(last);
        bool is_expr = clang_isExpression(k);
        if (tflags & PL_F_ARRAY)
            is_expr = k == CXCursor_InitListExpr ||
                      k == CXCursor_StringLiteral;
        if (is_expr)
            init = last;
    }
    free(kids.items);
    return init;
}

static struct pl_node *lower_var_decl(struct lowering *lw, CXCursor c)
{
    CXCursor init = var_initializer(c);
    bool has_init = !clang_Cursor_isNull(init);
    struct pl_node *node = new_node(lw, PL_N_DECL, c, has_init ? 1 : 0);
    node->name = pl_take_string(lw, clang_getCursorSpelling(c));
    node->flags |= type_flags(clang_getCursorType(c));
    enum CX_StorageClass sc = clang_Cursor_getStorageClass(c);
    if (sc == CX_SC_Static || sc == CX_SC_Extern)
        node->flags |= PL_F_STATIC | PL_F_GLOBAL;
    else
        node->flags |= PL_F_LOCAL;
    if (has_init)
        node->kids[0] = lower_expr(lw, init);
    return node;
}

static struct pl_node *lower_decl_stmt(struct lowering *lw, CXCursor c)
{
    struct cursor_list kids;
    pl_children_of(c, &kids);
    size_t n = 0;
    for (size_t i = 0; i < kids.len; i++)
        if (clang_getCursorKind(kids.items[i]) == CXCursor_VarDecl)
            kids.items[n++] = kids.items[i];
    struct pl_node *node = new_node(lw, PL_N_COMPOUND, c, (unsigned)n);
    for (size_t i = 0; i < n; i++)
        node->kids[i] = lower_var_decl(lw, kids.items[i]);
    free(kids.items);
    return node;
}

/* Offset of a location in its expansion file. */
static unsigned expansion_offset(CXSourceLocation loc)
{
    unsigned offset = 0;
    clang_getExpansionLocation(loc, NULL, NULL, NULL, &offset);
    return offset;
}

/*
 * Lower a for statement. libclang omits absent parts, so the header's
 * semicolons tell which of init, cond and inc the children are.
 */
static struct pl_node *lower_for(struct lowering *lw, CXCursor c)
{
    struct cursor_list kids;
    pl_children_of(c, &kids);
    struct pl_node *node = new_node(lw, PL_N_FOR, c, 4);
    if (kids.len == 0) {
        free(kids.items);
        node->kind = PL_N_NULLSTMT;
        node->nkids = 0;
        return node;
    }
    CXCursor body = kids.items[kids.len - 1];
    size_t nhead = kids.len - 1;
    unsigned semi[2] = {0, 0};
    int nsemi = 0;
    CXSourceRange head = clang_getRange(
        clang_getRangeStart(clang_getCursorExtent(c)),
        clang_getRangeStart(clang_getCursorExtent(body)));
    CXToken *tokens = NULL;
    unsigned ntokens = 0;
    clang_tokenize(lw->tu, head, &tokens, &ntokens);
    int depth = 0;
    for (unsigned i = 0; i < ntokens && nsemi < 2; i++) {
        CXString s = clang_getTokenSpelling(lw->tu, tokens[i]);
        const char *t = clang_getCString(s);
        if (strcmp(t, "(") == 0)
            depth++;
        else if (strcmp(t, ")") == 0)
            depth--;
        else if (strcmp(t, ";") == 0 && depth == 1)
            semi[nsemi++] = expansion_offset(
                clang_getTokenLocation(lw->tu, tokens[i]));
        clang_disposeString(s);
    }
    clang_disposeTokens(lw->tu, tokens, ntokens);
    for (size_t i = 0; i < nhead; i++) {
        unsigned off = expansion_offset(
            clang_getRangeStart(clang_getCursorExtent(kids.items[i])));
        int slot;
        if (nsemi == 2)
            slot = off < semi[0] ? 0 : off < semi[1] ? 1 : 2;
        else /* header inside a macro: guess init, cond, inc in order */
            slot = nhead == 1 ? 1 : (int)(i + (nhead == 2 ? 1 : 0));
        if (slot > 2)
            slot = 2;
        node->kids[slot] = slot == 0 ? lower_stmt(lw, kids.items[i])
                                     : lower_expr(lw, kids.items[i]);
    }
    node->kids[3] = lower_stmt(lw, body);
    free(kids.items);
    return node;
}

/* The name of the label a goto or label statement refers to. */
static const char *label_name(struct lowering *lw, CXCursor c)
{
    if (clang_getCursorKind(c) == CXCursor_LabelStmt)
        return pl_take_string(lw, clang_getCursorSpelling(c));
    struct cursor_list kids;
    pl_children_of(c, &kids);
    const char *name = NULL;
    if (kids.len > 0)
        name = pl_take_string(lw, clang_getCursorSpelling(kids.items[0]));
    free(kids.items);
    return name ? name : "";
}

static struct pl_node *lower_stmt_at_depth(struct lowering *lw, CXCursor c);

static struct pl_node *lower_stmt(struct lowering *lw, CXCursor c)
{
    return lower_nested(lw, c, lower_stmt_at_depth, PL_N_NULLSTMT,
                        &lw->depth, MAX_STMT_DEPTH);
}

static struct pl_node *lower_stmt_at_depth(struct lowering *lw, CXCursor c)
{
    enum CXCursorKind kind = clang_getCursorKind(c);
    struct pl_node *node;
    switch (kind) {
    case CXCursor_CompoundStmt:
        return lower_children_as_stmts(lw, PL_N_COMPOUND, c);
    case CXCursor_IfStmt:
        return lower_children_as_stmts(lw, PL_N_IF, c);
    case CXCursor_WhileStmt:
        return lower_children_as_stmts(lw, PL_N_WHILE, c);
    case CXCursor_DoStmt:
        return lower_children_as_stmts(lw, PL_N_DO, c);
    case CXCursor_SwitchStmt:
        return lower_children_as_stmts(lw, PL_N_SWITCH, c);
    case CXCursor_ForStmt:
        return lower_for(lw, c);
    case CXCursor_CaseStmt: {
        node = lower_children_as_stmts(lw, PL_N_CASE, c);
        if (node->nkids >= 3) { /* GNU case range: value, rhs, stmt */
            node->kids[1] = node->kids[node->nkids - 1];
            node->nkids = 2;
        }
        return node;
    }
    case CXCursor_DefaultStmt:
        return lower_children_as_stmts(lw, PL_N_DEFAULT, c);
    case CXCursor_BreakStmt:
        return new_node(lw, PL_N_BREAK, c, 0);
    case CXCursor_ContinueStmt:
        return new_node(lw, PL_N_CONTINUE, c, 0);
    case CXCursor_GotoStmt:
        node = new_node(lw, PL_N_GOTO, c, 0);
        node->name = label_name(lw, c);
        return node;
    case CXCursor_LabelStmt:
        node = lower_children_as_stmts(lw, PL_N_LABEL, c);
        node->name = label_name(lw, c);
        return node;
    case CXCursor_ReturnStmt:
        return lower_with_children(lw, PL_N_RETURN, c);
    case CXCursor_DeclStmt:
        return lower_decl_stmt(lw, c);
    case CXCursor_NullStmt:
    case CXCursor_GCCAsmStmt:
    case CXCursor_MSAsmStmt:
        return new_node(lw, PL_N_NULLSTMT, c, 0);
    case CXCursor_IndirectGotoStmt:
        node = new_node(lw, PL_N_GOTO, c, 0);
        node->name = NULL; /* unknown target */
        return node;
    default:
        if (clang_isExpression(kind))
            return lower_expr(lw, c);
        return lower_children_as_stmts(lw, PL_N_COMPOUND, c);
    }
}

/* ---- functions ---- */

static enum pl_return_kind return_kind_of(CXType fn_type)
{
    CXType rt = clang_getCanonicalType(clang_getResultType(fn_type));
    switch (rt.kind) {
    case CXType_Void:
        return PL_RET_VOID;
    case CXType_Pointer:
        return PL_RET_POINTER;
    case CXType_Bool: case CXType_Char_U: case CXType_UChar:
    case CXType_UShort: case CXType_UInt: case CXType_ULong:
    case CXType_ULongLong: case CXType_Char_S: case CXType_SChar:
    case CXType_Short: case CXType_Int: case CXType_Long:
    case CXType_LongLong: case CXType_Enum:
        return PL_RET_INTEGER;
    default:
        return PL_RET_OTHER;
    }
}

void pl_lower_function(struct lowering *lw, CXCursor c, CXCursor body)
{
    struct pl_unit *unit = lw->unit;
    pl_grow((void **)&unit->funcs, &lw->funcs_cap, unit->nfuncs + 1,
            sizeof *unit->funcs);
    struct pl_function *fn = &unit->funcs[unit->nfuncs++];
    memset(fn, 0, sizeof *fn);
    fn->name = pl_take_string(lw, clang_getCursorSpelling(c));
    fn->source = lw->current_source;
    fn->file = unit->sources[fn->source].path;
    clang_getExpansionLocation(clang_getCursorLocation(c), NULL, &fn->line,
                               &fn->col, NULL);
    fn->return_kind = return_kind_of(clang_getCursorType(c));
    fn->is_static = clang_Cursor_getStorageClass(c) == CX_SC_Static;
    int nparams = clang_Cursor_getNumArguments(c);
    if (nparams > 0) {
        fn->nparams = (unsigned)nparams;
        fn->params =
            pl_arena_alloc(&unit->arena, fn->nparams * sizeof *fn->params);
        for (int i = 0; i < nparams; i++) {
            CXCursor p = clang_Cursor_getArgument(c, (unsigned)i);
            fn->params[i].name = pl_take_string(lw, clang_getCursorSpelling(p));
            /* a parameter declared as an array is a pointer */
            fn->params[i].is_pointer = type_flags(clang_getCursorType(p)) &
                                       (PL_F_POINTER | PL_F_ARRAY);
        }
    }
    CXSourceLocation end = clang_getRangeEnd(clang_getCursorExtent(body));
    clang_getExpansionLocation(end, NULL, &fn->end_line, &fn->end_col, NULL);
    if (fn->end_col > 1)
        fn->end_col--; /* the range ends just past the brace */
    lw->fn = fn;
    fn->body = lower_stmt(lw, body);
    lw->fn = NULL;
}
