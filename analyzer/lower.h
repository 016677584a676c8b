/*
 * analyzer/lower.h - what the front end's files share: the lowering
 * context and the cursor helpers. Internal to frontend.c and lower.c.
 */
#ifndef PL_LOWER_H
#define PL_LOWER_H

#include "frontend.h"

/* Lowering context of one translation unit. */
struct lowering {
    struct pl_unit *unit;
    CXTranslationUnit tu;
    struct pl_function *fn;   /* function being lowered */
    CXFile *files;            /* handle of each of unit->sources */
    size_t files_cap, sources_cap;
    size_t funcs_cap;
    unsigned current_source;  /* source of the function being visited */
    CXFile *ignored;          /* included .c files not analyzed */
    size_t nignored, ignored_cap;
    unsigned depth;           /* nesting of the statement being lowered */
    unsigned expr_depth;      /* and of the expression */
};

struct cursor_list {
    CXCursor *items;
    size_t len, cap;
};

/* Fill 'list' with the direct children of 'c'; the caller frees
 * list->items with free(). */
void pl_children_of(CXCursor c, struct cursor_list *list);

/* Copy a CXString into the unit's arena and dispose it. Borrowed: valid
 * until pl_unit_release(). */
const char *pl_take_string(struct lowering *lw, CXString s);

/* Copy a CXString into a heap string and dispose it. Ownership: the
 * caller frees it with free(). */
char *pl_take_heap_string(CXString s);

/* Lower function definition 'c' with body 'body' into lw->unit. */
void pl_lower_function(struct lowering *lw, CXCursor c, CXCursor body);

#endif
