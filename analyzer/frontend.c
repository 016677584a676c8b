/*
 * analyzer/frontend.c - lower libclang cursors of one translation unit into
 * the analyzer's syntax tree. Only functions defined in the main file are
 * lowered; locations are the macro call site in the main file.
 */
#include "frontend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Lowering context of one translation unit. */
struct lowering {
    struct pl_unit *unit;
    CXTranslationUnit tu;
    struct pl_function *fn; /* function being lowered */
    CXFile *files;            /* handle of each of unit->sources */
    size_t files_cap, sources_cap;
    size_t funcs_cap;
    unsigned current_source;  /* source of the function being visited */
};

/* ---- cursor helpers ---- */

struct cursor_list {
    CXCursor *items;
    size_t len, cap;
};

static enum CXChildVisitResult collect_child(CXCursor c, CXCursor parent,
                                             CXClientData data)
{
    (void)parent;
    struct cursor_list *list = data;
    PL_PUSH(list->items, list->len, list->cap, c);
    return CXChildVisit_Continue;
}

/* Fill 'list' with the direct children of 'c'; caller frees list->items. */
static void children_of(CXCursor c, struct cursor_list *list)
{
    list->items = NULL;
    list->len = list->cap = 0;
    clang_visitChildren(c, collect_child, list);
}

/* Copy a CXString into the arena and dispose it. */
static const char *take_string(struct lowering *lw, CXString s)
{
    const char *text = clang_getCString(s);
    const char *copy = text ? pl_arena_strdup(&lw->unit->arena, text) : NULL;
    clang_disposeString(s);
    return copy;
}

/* Copy a CXString into a heap string and dispose it. Caller frees. */
static char *take_heap_string(CXString s)
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

/* ---- operators ---- */

static enum pl_op op_from_text(const char *t, size_t n)
{
    static const struct {
        const char *text;
        enum pl_op op;
    } table[] = {
        {"<<=", PL_OP_OTHER_ASSIGN}, {">>=", PL_OP_OTHER_ASSIGN},
        {"+=", PL_OP_ADD_ASSIGN},    {"-=", PL_OP_SUB_ASSIGN},
        {"*=", PL_OP_OTHER_ASSIGN},  {"/=", PL_OP_OTHER_ASSIGN},
        {"%=", PL_OP_OTHER_ASSIGN},  {"&=", PL_OP_OTHER_ASSIGN},
        {"|=", PL_OP_OTHER_ASSIGN},  {"^=", PL_OP_OTHER_ASSIGN},
        {"==", PL_OP_EQ},            {"!=", PL_OP_NE},
        {"<=", PL_OP_LE},            {">=", PL_OP_GE},
        {"&&", PL_OP_LAND},          {"||", PL_OP_LOR},
        {"<<", PL_OP_SHL},           {">>", PL_OP_SHR},
        {"++", PL_OP_PREINC},        {"--", PL_OP_PREDEC},
        {"=", PL_OP_ASSIGN},         {"+", PL_OP_ADD},
        {"-", PL_OP_SUB},            {"*", PL_OP_MUL},
        {"/", PL_OP_DIV},            {"%", PL_OP_REM},
        {"<", PL_OP_LT},             {">", PL_OP_GT},
        {"&", PL_OP_BITAND},         {"^", PL_OP_BITXOR},
        {"|", PL_OP_BITOR},          {",", PL_OP_COMMA},
        {"!", PL_OP_NOT},            {"~", PL_OP_BITNOT},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        size_t len = strlen(table[i].text);
        if (len <= n && strncmp(t, table[i].text, len) == 0)
            return table[i].op;
    }
    return PL_OP_NONE;
}

#if CINDEX_VERSION_MINOR >= 64
/* libclang 17 and newer say which operator a cursor has. */

static enum pl_op binary_op(struct lowering *lw, CXCursor c, CXCursor lhs)
{
    (void)lw;
    (void)lhs;
    enum CXBinaryOperatorKind kind = clang_getCursorBinaryOperatorKind(c);
    CXString s = clang_getBinaryOperatorKindSpelling(kind);
    const char *t = clang_getCString(s);
    enum pl_op op = t ? op_from_text(t, strlen(t)) : PL_OP_NONE;
    if ((op == PL_OP_PREINC || op == PL_OP_PREDEC || op == PL_OP_NOT ||
         op == PL_OP_BITNOT))
        op = PL_OP_NONE;
    clang_disposeString(s);
    return op;
}

static enum pl_op unary_op(struct lowering *lw, CXCursor c, CXCursor operand)
{
    (void)lw;
    (void)operand;
    switch (clang_getCursorUnaryOperatorKind(c)) {
    case CXUnaryOperator_PostInc: return PL_OP_POSTINC;
    case CXUnaryOperator_PostDec: return PL_OP_POSTDEC;
    case CXUnaryOperator_PreInc: return PL_OP_PREINC;
    case CXUnaryOperator_PreDec: return PL_OP_PREDEC;
    case CXUnaryOperator_AddrOf: return PL_OP_ADDR;
    case CXUnaryOperator_Deref: return PL_OP_DEREF;
    case CXUnaryOperator_Plus: return PL_OP_PLUS;
    case CXUnaryOperator_Minus: return PL_OP_NEG;
    case CXUnaryOperator_Not: return PL_OP_BITNOT;
    case CXUnaryOperator_LNot: return PL_OP_NOT;
    case CXUnaryOperator_Extension: return PL_OP_EXTENSION;
    default: return PL_OP_NONE;
    }
}

#else
/*
 * libclang 14 to 16 do not expose operators: read the operator's text from
 * the file. Operators written inside a macro's body cannot be read this
 * way and stay PL_OP_NONE (the analysis then knows less, never more).
 */

/* The file text at 'loc' after blanks and comments, or NULL. */
static const char *text_at(struct lowering *lw, CXSourceLocation loc,
                           size_t *avail)
{
    CXFile file;
    unsigned offset;
    clang_getFileLocation(loc, &file, NULL, NULL, &offset);
    if (!file)
        return NULL;
    size_t size = 0;
    const char *text = clang_getFileContents(lw->tu, file, &size);
    if (!text || offset >= size)
        return NULL;
    const char *p = text + offset, *end = text + size;
    while (p < end) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
            *p == '\\') {
            p++;
        } else if (p + 1 < end && p[0] == '/' && p[1] == '*') {
            const char *close = strstr(p + 2, "*/");
            p = close && close < end ? close + 2 : end;
        } else if (p + 1 < end && p[0] == '/' && p[1] == '/') {
            while (p < end && *p != '\n')
                p++;
        } else {
            break;
        }
    }
    *avail = (size_t)(end - p);
    return p < end ? p : NULL;
}

static unsigned file_offset(CXSourceLocation loc)
{
    unsigned offset = 0;
    clang_getFileLocation(loc, NULL, NULL, NULL, &offset);
    return offset;
}

static enum pl_op binary_op(struct lowering *lw, CXCursor c, CXCursor lhs)
{
    CXSourceRange whole = clang_getCursorExtent(c);
    CXSourceLocation after_lhs = clang_getRangeEnd(clang_getCursorExtent(lhs));
    if (file_offset(after_lhs) <= file_offset(clang_getRangeStart(whole)))
        return PL_OP_NONE; /* both inside one macro expansion */
    size_t n;
    const char *t = text_at(lw, after_lhs, &n);
    enum pl_op op = t ? op_from_text(t, n) : PL_OP_NONE;
    if (op == PL_OP_PREINC || op == PL_OP_PREDEC || op == PL_OP_NOT ||
        op == PL_OP_BITNOT)
        op = PL_OP_NONE;
    return op;
}

/*
 * Inside a macro body: a pointer-typed operator whose operands are both
 * pointers of its own type can only be an assignment.
 */
static enum pl_op guess_binary_op(CXCursor c, CXCursor lhs, CXCursor rhs)
{
    CXType t = clang_getCanonicalType(clang_getCursorType(c));
    CXType l = clang_getCanonicalType(clang_getCursorType(lhs));
    CXType r = clang_getCanonicalType(clang_getCursorType(rhs));
    if (t.kind == CXType_Pointer && clang_equalTypes(t, l) &&
        r.kind == CXType_Pointer)
        return PL_OP_ASSIGN;
    return PL_OP_NONE;
}

static enum pl_op unary_op(struct lowering *lw, CXCursor c, CXCursor operand)
{
    CXSourceLocation start = clang_getRangeStart(clang_getCursorExtent(c));
    CXSourceLocation inner =
        clang_getRangeStart(clang_getCursorExtent(operand));
    size_t n;
    const char *t;
    if (file_offset(start) < file_offset(inner)) { /* prefix */
        t = text_at(lw, start, &n);
        if (!t)
            return PL_OP_NONE;
        if (n >= 13 && strncmp(t, "__extension__", 13) == 0)
            return PL_OP_EXTENSION;
        switch (op_from_text(t, n)) {
        case PL_OP_PREINC: return PL_OP_PREINC;
        case PL_OP_PREDEC: return PL_OP_PREDEC;
        case PL_OP_MUL: return PL_OP_DEREF;
        case PL_OP_BITAND: case PL_OP_LAND: return PL_OP_ADDR;
        case PL_OP_NOT: case PL_OP_NE: return PL_OP_NOT;
        case PL_OP_SUB: return PL_OP_NEG;
        case PL_OP_ADD: return PL_OP_PLUS;
        case PL_OP_BITNOT: return PL_OP_BITNOT;
        default: return PL_OP_NONE;
        }
    }
    CXSourceLocation end = clang_getRangeEnd(clang_getCursorExtent(operand));
    if (file_offset(end) <= file_offset(start))
        return PL_OP_NONE;
    t = text_at(lw, end, &n);
    if (t && n >= 2 && strncmp(t, "++", 2) == 0)
        return PL_OP_POSTINC;
    if (t && n >= 2 && strncmp(t, "--", 2) == 0)
        return PL_OP_POSTDEC;
    return PL_OP_NONE;
}
#endif

/* ---- expressions ---- */

static struct pl_node *lower_expr(struct lowering *lw, CXCursor c);
static struct pl_node *lower_stmt(struct lowering *lw, CXCursor c);

/* A node whose kids are the lowered children of 'c' (expressions only). */
static struct pl_node *lower_with_children(struct lowering *lw,
                                           enum pl_node_kind kind, CXCursor c)
{
    struct cursor_list kids;
    children_of(c, &kids);
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
    node->name = take_string(lw, clang_getCursorSpelling(c));
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
    } else {
        node->flags |= PL_F_GLOBAL;
    }
    return node;
}

/*
 * True when function 'decl' belongs to Python's C API: a Py/_Py function
 * declared in a header. (Other libraries' functions often keep a pointer
 * as user data, so they stay unknown unless api.c lists them.)
 */
static bool is_library_function(CXCursor decl, const char *name)
{
    CXSourceLocation loc = clang_getCursorLocation(decl);
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
    children_of(c, &kids);
    struct pl_node *node = new_node(lw, PL_N_CALL, c, (unsigned)nargs + 1);
    CXCursor ref = clang_getCursorReferenced(c);
    if (clang_getCursorKind(ref) == CXCursor_FunctionDecl) {
        node->name = take_string(lw, clang_getCursorSpelling(ref));
        if (is_library_function(ref, node->name)) {
            node->flags |= PL_F_LIBRARY;
            node->value = reading_params(ref);
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
    children_of(c, &kids);
    struct pl_node *node;
    if (kind == CXCursor_UnaryOperator && kids.len == 1) {
        node = new_node(lw, PL_N_UNARY, c, 1);
        node->op = unary_op(lw, c, kids.items[0]);
        node->kids[0] = lower_expr(lw, kids.items[0]);
    } else if (kids.len == 2) {
        enum pl_op op = binary_op(lw, c, kids.items[0]);
#if CINDEX_VERSION_MINOR < 64
        if (op == PL_OP_NONE)
            op = guess_binary_op(c, kids.items[0], kids.items[1]);
#endif
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

static struct pl_node *lower_expr(struct lowering *lw, CXCursor c)
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
        node->name = take_string(lw, clang_getCursorSpelling(c));
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
    case CXCursor_StringLiteral:
        node = new_node(lw, PL_N_STRING, c, 0);
        break;
    case CXCursor_GNUNullExpr:
        node = new_node(lw, PL_N_INT, c, 0);
        node->flags |= PL_F_NULL;
        break;
    case CXCursor_UnaryExpr: /* sizeof, alignof: operand not evaluated */
    case CXCursor_FloatingLiteral:
    case CXCursor_GenericSelectionExpr:
        node = new_node(lw, PL_N_SIZEOF, c, 0);
        break;
    case CXCursor_StmtExpr: {
        struct cursor_list kids;
        children_of(c, &kids);
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
    children_of(c, &kids);
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
    children_of(decl, &kids);
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
    node->name = take_string(lw, clang_getCursorSpelling(c));
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
    children_of(c, &kids);
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
    children_of(c, &kids);
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
        return take_string(lw, clang_getCursorSpelling(c));
    struct cursor_list kids;
    children_of(c, &kids);
    const char *name = NULL;
    if (kids.len > 0)
        name = take_string(lw, clang_getCursorSpelling(kids.items[0]));
    free(kids.items);
    return name ? name : "";
}

static struct pl_node *lower_stmt(struct lowering *lw, CXCursor c)
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

static void lower_function(struct lowering *lw, CXCursor c, CXCursor body)
{
    struct pl_unit *unit = lw->unit;
    pl_grow((void **)&unit->funcs, &lw->funcs_cap, unit->nfuncs + 1,
            sizeof *unit->funcs);
    struct pl_function *fn = &unit->funcs[unit->nfuncs++];
    memset(fn, 0, sizeof *fn);
    fn->name = take_string(lw, clang_getCursorSpelling(c));
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
            fn->params[i].name = take_string(lw, clang_getCursorSpelling(p));
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

static void split_lines(struct pl_unit *unit, struct pl_source *src,
                        const char *text, size_t size);

/* Path of 'file' for users: relative to the working directory when it is
 * below it. */
static const char *shown_path(struct lowering *lw, CXFile file)
{
    CXString name = clang_getFileName(file);
    const char *full = clang_getCString(name);
    char cwd[4096];
    const char *shown = full ? full : "?";
    if (full && getcwd(cwd, sizeof cwd)) {
        size_t n = strlen(cwd);
        if (strncmp(full, cwd, n) == 0 && full[n] == '/')
            shown = full + n + 1;
    }
    const char *copy = pl_arena_strdup(&lw->unit->arena, shown);
    clang_disposeString(name);
    return copy;
}

/* Index of 'file' among the unit's sources, adding it; -1 if it is not a
 * file whose functions we analyze (a header). */
static int source_index(struct lowering *lw, CXFile file, CXCursor c)
{
    struct pl_unit *unit = lw->unit;
    for (size_t i = 0; i < unit->nsources; i++)
        if (clang_File_isEqual(lw->files[i], file))
            return (int)i;
    if (clang_Location_isInSystemHeader(clang_getCursorLocation(c)))
        return -1;
    CXString name = clang_getFileName(file);
    const char *t = clang_getCString(name);
    size_t n = t ? strlen(t) : 0;
    bool c_file = n > 2 && strcmp(t + n - 2, ".c") == 0;
    clang_disposeString(name);
    if (!c_file)
        return -1;
    pl_grow((void **)&unit->sources, &lw->sources_cap, unit->nsources + 1,
            sizeof *unit->sources);
    pl_grow((void **)&lw->files, &lw->files_cap, unit->nsources + 1,
            sizeof *lw->files);
    struct pl_source *src = &unit->sources[unit->nsources];
    memset(src, 0, sizeof *src);
    src->path = shown_path(lw, file);
    size_t size = 0;
    const char *text = clang_getFileContents(lw->tu, file, &size);
    if (text)
        split_lines(unit, src, text, size);
    lw->files[unit->nsources] = file;
    return (int)unit->nsources++;
}

static enum CXChildVisitResult visit_top(CXCursor c, CXCursor parent,
                                         CXClientData data)
{
    (void)parent;
    struct lowering *lw = data;
    if (clang_getCursorKind(c) != CXCursor_FunctionDecl ||
        !clang_isCursorDefinition(c))
        return CXChildVisit_Continue;
    CXFile file = NULL;
    clang_getExpansionLocation(clang_getCursorLocation(c), &file, NULL, NULL,
                               NULL);
    int source = file ? source_index(lw, file, c) : -1;
    if (source < 0)
        return CXChildVisit_Continue;
    lw->current_source = (unsigned)source;
    struct cursor_list kids;
    children_of(c, &kids);
    for (size_t i = 0; i < kids.len; i++)
        if (clang_getCursorKind(kids.items[i]) == CXCursor_CompoundStmt) {
            lower_function(lw, c, kids.items[i]);
            break;
        }
    free(kids.items);
    return CXChildVisit_Continue;
}

/* ---- translation units ---- */

static void count_errors(struct lowering *lw)
{
    struct pl_unit *unit = lw->unit;
    unsigned n = clang_getNumDiagnostics(lw->tu);
    for (unsigned i = 0; i < n; i++) {
        CXDiagnostic d = clang_getDiagnostic(lw->tu, i);
        if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
            CXFile file = NULL;
            unsigned line = 0;
            clang_getExpansionLocation(clang_getDiagnosticLocation(d), &file,
                                       &line, NULL, NULL);
            size_t k = 0;
            while (k < unit->nsources &&
                   !(file && clang_File_isEqual(lw->files[k], file)))
                k++;
            if (k < unit->nsources) {
                struct pl_source *src = &unit->sources[k];
                PL_PUSH(src->error_lines, src->nerror_lines,
                        src->error_lines_cap, line);
            } else {
                unit->errors_elsewhere = true;
            }
            if (!unit->first_error)
                unit->first_error = take_heap_string(clang_formatDiagnostic(
                    d, CXDiagnostic_DisplaySourceLocation |
                           CXDiagnostic_DisplayColumn));
            unit->nerrors++;
        }
        clang_disposeDiagnostic(d);
    }
}

static void split_lines(struct pl_unit *unit, struct pl_source *src,
                        const char *text, size_t size)
{
    size_t cap = 0;
    PL_PUSH(src->lines, src->nlines, cap, (char *)""); /* line 0 */
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i == size || text[i] == '\n') {
            if (i == size && start == size)
                break;
            size_t len = i - start;
            if (len && text[start + len - 1] == '\r')
                len--;
            char *line = pl_arena_strndup(&unit->arena, text + start, len);
            PL_PUSH(src->lines, src->nlines, cap, line);
            start = i + 1;
        }
    }
}

static const char *error_name(enum CXErrorCode code)
{
    switch (code) {
    case CXError_Crashed:
        return "libclang crashed while parsing";
    case CXError_InvalidArguments:
        return "invalid arguments to libclang";
    case CXError_ASTReadError:
        return "cannot read the AST";
    default:
        return "libclang failed to parse it";
    }
}

static int parse_common(struct pl_unit *unit, CXIndex index, const char *path,
                        const char *display_path, const char *const *args,
                        int nargs, struct CXUnsavedFile *unsaved)
{
    memset(unit, 0, sizeof *unit);
    pl_arena_init(&unit->arena);
    CXTranslationUnit tu = NULL;
    unsigned options = CXTranslationUnit_KeepGoing |
                       CXTranslationUnit_IgnoreNonErrorsFromIncludedFiles;
    enum CXErrorCode code = clang_parseTranslationUnit2(
        index, path, args, nargs, unsaved, unsaved ? 1 : 0, options, &tu);
    if (code != CXError_Success || !tu)
        return pl_error("cannot analyze '%s': %s", display_path,
                        error_name(code));
    struct lowering lw = {.unit = unit, .tu = tu};
    CXFile main_file = clang_getFile(tu, path);
    pl_grow((void **)&unit->sources, &lw.sources_cap, 1,
            sizeof *unit->sources);
    pl_grow((void **)&lw.files, &lw.files_cap, 1, sizeof *lw.files);
    memset(&unit->sources[0], 0, sizeof unit->sources[0]);
    unit->sources[0].path = pl_arena_strdup(&unit->arena, display_path);
    lw.files[0] = main_file;
    unit->nsources = 1;
    size_t size = 0;
    const char *text = main_file ? clang_getFileContents(tu, main_file, &size)
                                 : NULL;
    if (text)
        split_lines(unit, &unit->sources[0], text, size);
    clang_visitChildren(clang_getTranslationUnitCursor(tu), visit_top, &lw);
    count_errors(&lw);
    free(lw.files);
    clang_disposeTranslationUnit(tu);
    return 0;
}

int pl_unit_parse(struct pl_unit *unit, CXIndex index, const char *path,
                  const char *display_path, const char *const *args,
                  int nargs)
{
    return parse_common(unit, index, path, display_path, args, nargs, NULL);
}

int pl_unit_parse_text(struct pl_unit *unit, CXIndex index, const char *name,
                       const char *text, const char *const *args, int nargs)
{
    struct CXUnsavedFile file = {name, text, (unsigned long)strlen(text)};
    return parse_common(unit, index, name, name, args, nargs, &file);
}

void pl_unit_release(struct pl_unit *unit)
{
    for (size_t i = 0; i < unit->nsources; i++) {
        free(unit->sources[i].lines);
        free(unit->sources[i].error_lines);
    }
    free(unit->sources);
    pl_arena_release(&unit->arena);
    free(unit->funcs);
    free(unit->first_error);
    memset(unit, 0, sizeof *unit);
}

static bool has_error_before(const struct pl_source *src, unsigned line)
{
    for (size_t i = 0; i < src->nerror_lines; i++)
        if (src->error_lines[i] <= line)
            return true;
    return false;
}

bool pl_unit_function_has_errors(const struct pl_unit *unit,
                                 const struct pl_function *fn)
{
    if (unit->errors_elsewhere || fn->source >= unit->nsources)
        return true;
    /* an error in the body, or earlier where it can cascade */
    if (has_error_before(&unit->sources[fn->source], fn->end_line))
        return true;
    return fn->source != 0 && unit->sources[0].nerror_lines > 0;
}

const char *pl_unit_line(const struct pl_unit *unit,
                         const struct pl_function *fn, unsigned line)
{
    if (!fn || fn->source >= unit->nsources)
        return NULL;
    const struct pl_source *src = &unit->sources[fn->source];
    return line < src->nlines ? src->lines[line] : NULL;
}

const struct pl_function *pl_unit_find(const struct pl_unit *unit,
                                       const char *name)
{
    for (size_t i = 0; i < unit->nfuncs; i++)
        if (strcmp(unit->funcs[i].name, name) == 0)
            return &unit->funcs[i];
    return NULL;
}
