/*
 * analyzer/pch.h - a precompiled Python.h shared by the files of a run and
 * across runs. Every extension file starts by including Python.h, which
 * dominates its parse time; a file whose text before '#include
 * <Python.h>' is only comments, #defines and system #includes is parsed
 * with '-include-pch' of a PCH built (by libclang itself, so its version
 * always fits) from exactly that prefix and the file's compile arguments.
 * PCHs live in the store's directory (pch/), keyed by libclang's version,
 * the arguments and the prefix; a file that does not fit, or a PCH that
 * libclang rejects (a header changed), falls back to a plain parse.
 */
#ifndef PL_PCH_H
#define PL_PCH_H

#include <clang-c/Index.h>
#include <stdbool.h>
#include <stddef.h>

struct pl_pch_cache;

/* A cache of PCHs in 'dir' (created when missing), or with 'dir' NULL in
 * a temporary directory removed by pl_pch_cache_free(). NULL after a
 * warning when the directory cannot be used (then no PCH is used). */
struct pl_pch_cache *pl_pch_cache_new(const char *dir);
void pl_pch_cache_free(struct pl_pch_cache *cache);

/*
 * The PCH for parsing 'path' with 'args', built on first need with
 * 'index'. Returns its path (borrowed from the cache) and the headers it
 * holds in '*deps' (borrowed; the store must know them), or NULL when the
 * file does not fit or no PCH could be built. Thread-safe.
 */
const char *pl_pch_for(struct pl_pch_cache *cache, CXIndex index,
                       const char *path, const char *const *args, int nargs,
                       char *const **deps, size_t *ndeps);

/* The PCH at 'pch' was rejected by libclang: do not use it again. */
void pl_pch_reject(struct pl_pch_cache *cache, const char *pch);

/* The prefix of 'text' that a PCH can stand for: comments, #defines and
 * system #includes up to and including the line that includes Python.h.
 * Appends its directives (one a line, without comments) to 'directives'
 * and returns the prefix's length, or 0 when the text does not start that
 * way. */
struct pl_strbuf;
size_t pl_pch_prefix(const char *text, size_t len,
                     struct pl_strbuf *directives);

/* How many files used a PCH, and PCHs built, in this process. */
void pl_pch_counts(const struct pl_pch_cache *cache, size_t *used,
                   size_t *built);

#endif
