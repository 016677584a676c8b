/*
 * analyzer/operators.c - which operator a libclang operator cursor has:
 * asked of libclang 17 and newer, read from the source text before that.
 */
#include "operators.h"

#include <string.h>

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

static enum pl_op binary_op_of(CXTranslationUnit tu, CXCursor c, CXCursor lhs)
{
    (void)tu;
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

enum pl_op pl_unary_op(CXTranslationUnit tu, CXCursor c, CXCursor operand)
{
    (void)tu;
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
static const char *text_at(CXTranslationUnit tu, CXSourceLocation loc,
                           size_t *avail)
{
    CXFile file;
    unsigned offset;
    clang_getFileLocation(loc, &file, NULL, NULL, &offset);
    if (!file)
        return NULL;
    size_t size = 0;
    const char *text = clang_getFileContents(tu, file, &size);
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

static enum pl_op binary_op_of(CXTranslationUnit tu, CXCursor c, CXCursor lhs)
{
    CXSourceRange whole = clang_getCursorExtent(c);
    CXSourceLocation after_lhs = clang_getRangeEnd(clang_getCursorExtent(lhs));
    if (file_offset(after_lhs) <= file_offset(clang_getRangeStart(whole)))
        return PL_OP_NONE; /* both inside one macro expansion */
    size_t n;
    const char *t = text_at(tu, after_lhs, &n);
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

enum pl_op pl_unary_op(CXTranslationUnit tu, CXCursor c, CXCursor operand)
{
    CXSourceLocation start = clang_getRangeStart(clang_getCursorExtent(c));
    CXSourceLocation inner =
        clang_getRangeStart(clang_getCursorExtent(operand));
    size_t n;
    const char *t;
    if (file_offset(start) < file_offset(inner)) { /* prefix */
        t = text_at(tu, start, &n);
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
    t = text_at(tu, end, &n);
    if (t && n >= 2 && strncmp(t, "++", 2) == 0)
        return PL_OP_POSTINC;
    if (t && n >= 2 && strncmp(t, "--", 2) == 0)
        return PL_OP_POSTDEC;
    return PL_OP_NONE;
}
#endif


enum pl_op pl_binary_op(CXTranslationUnit tu, CXCursor c, CXCursor lhs,
                        CXCursor rhs)
{
    enum pl_op op = binary_op_of(tu, c, lhs);
#if CINDEX_VERSION_MINOR < 64
    if (op == PL_OP_NONE)
        op = guess_binary_op(c, lhs, rhs);
#else
    (void)rhs;
#endif
    return op;
}
