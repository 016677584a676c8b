/*
 * analyzer/frontend.h - parse one C file with libclang and lower every
 * function defined in it into the analyzer's own syntax tree (ast.h).
 */
#ifndef PL_FRONTEND_H
#define PL_FRONTEND_H

#include "ast.h"
#include "util.h"

#include <clang-c/Index.h>

/* Everything the analyzer keeps of one parsed file. */
struct pl_unit {
    struct pl_arena arena;       /* owns the nodes and strings below */
    struct pl_function *funcs;   /* functions defined in the main file */
    size_t nfuncs;
    unsigned nerrors;            /* compiler errors in the file */
    char *first_error;           /* heap string or NULL */
    unsigned *error_lines;       /* main-file lines with errors (heap) */
    size_t nerror_lines;
    bool errors_elsewhere;       /* an error outside the main file */
    char **lines;                /* source lines of the main file (1-based) */
    size_t nlines;
};

/*
 * Parse 'path' with the compiler arguments 'args' using 'index' and lower
 * its functions into 'unit' (which this initializes).
 * 'display_path' is the path used in diagnostics.
 * Returns 0 on success; -1 after reporting when the file cannot be parsed
 * at all (then 'unit' is empty but still needs pl_unit_release()).
 */
int pl_unit_parse(struct pl_unit *unit, CXIndex index, const char *path,
                  const char *display_path, const char *const *args,
                  int nargs);

/*
 * Lower the functions of an in-memory source (for unit tests): 'name' is
 * the file name the text is parsed as. Same contract as pl_unit_parse.
 */
int pl_unit_parse_text(struct pl_unit *unit, CXIndex index, const char *name,
                       const char *text, const char *const *args, int nargs);

/* Free everything 'unit' holds. */
void pl_unit_release(struct pl_unit *unit);

/* True when the compiler reported an error that may have spoiled the
 * syntax tree of 'fn' (inside its body, before it, or in a header). */
bool pl_unit_function_has_errors(const struct pl_unit *unit,
                                 const struct pl_function *fn);

/* Find a function of 'unit' by name, or NULL. Borrowed from 'unit'. */
const struct pl_function *pl_unit_find(const struct pl_unit *unit,
                                       const char *name);

#endif
