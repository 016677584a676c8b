/*
 * analyzer/exports.h - what the functions of one file do with memory, as
 * their summaries say, handed to the analysis of other files: allocation
 * wrappers, releasing or keeping an argument, the PyMem call a helper
 * makes. A run makes two passes: the first learns every file's exports
 * and which external functions each file calls; the second analyzes again
 * the files that call an exported function, with the exports known.
 */
#ifndef PL_EXPORTS_H
#define PL_EXPORTS_H

#include "util.h"

#include <stdbool.h>
#include <stdint.h>

#define PL_EXPORT_PARAMS 16

struct pl_export {
    char *name;
    char *returns_family;      /* family name ("PyMem") or NULL */
    char *returns_alloc_name;  /* the allocator it wraps, or NULL */
    bool returns_nonnull;
    bool noreturn;             /* never returns (calls abort(), ...) */
    bool may_set_exc;          /* may set a Python exception */
    char roles[PL_EXPORT_PARAMS + 1]; /* per parameter: u(nknown) b(orrows)
                                         r(eleases) k(eeps); NUL-ended */
    char *release_family[PL_EXPORT_PARAMS]; /* for 'r': family name */
    char *gil_call;            /* PyMem/PyObject call it makes, or NULL */
};

struct pl_exports {
    struct pl_export *items;
    size_t len, cap;
};

void pl_exports_init(struct pl_exports *e);
void pl_exports_release(struct pl_exports *e);

/* Add a copy of 'x' (all strings copied). */
void pl_exports_add(struct pl_exports *e, const struct pl_export *x);

/* Sort by name and drop names defined twice (both copies: which one a
 * call reaches depends on the link, so neither is trusted). */
void pl_exports_finish(struct pl_exports *e);

/* The export named 'name' in a finished set, or NULL. */
const struct pl_export *pl_exports_find(const struct pl_exports *e,
                                        const char *name);

/* A hash of what 'x' says (0 for NULL). */
uint64_t pl_export_hash(const struct pl_export *x);

#endif
