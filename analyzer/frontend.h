/*
 * analyzer/frontend.h - parse one C file with libclang and lower every
 * function defined in it into the analyzer's own syntax tree (ast.h).
 */
#ifndef PL_FRONTEND_H
#define PL_FRONTEND_H

#include "api.h"
#include "ast.h"
#include "exports.h"
#include "util.h"

#include <clang-c/Index.h>

/* A source file whose functions are analyzed: the main file, or a .c file
 * it includes (unity builds such as apsw's). */
struct pl_source {
    const char *path;            /* as shown to users */
    char **lines;                /* 1-based; heap array of arena strings */
    size_t nlines;
    unsigned *error_lines;       /* lines with compiler errors (heap) */
    size_t nerror_lines, error_lines_cap;
};

/* Everything the analyzer keeps of one parsed file. */
struct pl_unit {
    struct pl_arena arena;       /* owns the nodes and strings below */
    struct pl_function *funcs;   /* functions defined in the sources */
    size_t nfuncs;
    struct pl_source *sources;   /* [0] is the main file */
    size_t nsources;
    unsigned nerrors;            /* compiler errors in the file */
    char *first_error;           /* heap string or NULL */
    bool errors_elsewhere;       /* an error in a header */
    const char **table_funcs;    /* functions named in the initializers
                                    of Python tables (PyMethodDef[],
                                    PyTypeObject, PyType_Slot[], ...);
                                    arena strings */
    size_t ntable_funcs, table_funcs_cap;
    const struct pl_project *project; /* the project's own functions
                                         (its configuration), or NULL */
    const struct pl_exports *globals; /* other files' functions (the
                                         second pass), or NULL */
    char **deps;                 /* real paths of the file and of every
                                    file it includes (heap strings) */
    size_t ndeps, deps_cap;
    double parse_seconds;        /* seconds in libclang's parse */
    double lower_seconds;        /* and in walking its tree (lowering) */
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
/*
 * Refuse a file that #includes something other than a regular file (by an
 * absolute path, or in quotes next to the includer), itself or in a header
 * it includes that way (up to 16 levels and 256 headers): libclang reads
 * '/dev/zero' or a FIFO until it ends, which is never. Returns 0, or -1
 * after reporting. Headers found through -I are not looked into.
 */
int pl_unit_check_includes(const char *path, const char *display_path);

/* pl_unit_parse() with '-include-pch PCH'. Returns -2, having reported
 * nothing, when libclang refuses the PCH: parse without it then. */
int pl_unit_parse_pch(struct pl_unit *unit, CXIndex index, const char *path,
                      const char *display_path, const char *const *args,
                      int nargs, const char *pch);

void pl_unit_release(struct pl_unit *unit);

/* The path by which the results cache knows 'file' (its real path when
 * libclang has it). Heap, or NULL. */
char *pl_file_path(CXFile file);

/* True when the compiler reported an error that may have spoiled the
 * syntax tree of 'fn' (inside its body, before it, or in a header). */
bool pl_unit_function_has_errors(const struct pl_unit *unit,
                                 const struct pl_function *fn);

/* The text of line 'line' of the file of 'fn', or NULL. Borrowed. */
const char *pl_unit_line(const struct pl_unit *unit,
                         const struct pl_function *fn, unsigned line);

/* Find a function of 'unit' by name, or NULL. Borrowed from 'unit'. */
const struct pl_function *pl_unit_find(const struct pl_unit *unit,
                                       const char *name);

#endif
