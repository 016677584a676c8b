/*
 * analyzer/pch.h - a precompiled Python.h shared by the files of a run and
 * across runs. Every extension file starts by including Python.h, which
 * dominates its parse time; a file that starts with #defines and
 * #includes (of Python.h, or of a project header that includes it) is
 * parsed with '-include-pch' of a PCH built (by libclang itself, so its
 * version always fits) from exactly those directives and the file's
 * compile arguments, the directives blanked out of the text it parses.
 * PCHs live in the store's directory (pch/), keyed by libclang's version,
 * the arguments and the prefix; a file that does not fit, or a PCH that
 * libclang rejects (a header changed), falls back to a plain parse.
 */
#ifndef PL_PCH_H
#define PL_PCH_H

#include <clang-c/Index.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct pl_pch_cache;

/* A cache of PCHs in 'dir' (created when missing), or with 'dir' NULL in
 * a temporary directory removed by pl_pch_cache_free(). NULL after a
 * warning when the directory cannot be used (then no PCH is used). A PCH
 * is built when the third file of the run asks for it (or the first of
 * three planned), or with 'build_on_first_need' when the first asks: for
 * a directory named by the user, which many short runs share. */
struct pl_pch_cache *pl_pch_cache_new(const char *dir,
                                      bool build_on_first_need);
void pl_pch_cache_free(struct pl_pch_cache *cache);

/* At the end of a run in which a worker was given up (it may still use
   the cache): remove a temporary directory, free nothing. */
void pl_pch_cache_leave(struct pl_pch_cache *cache);

/*
 * The PCH for parsing 'path' with 'args', built on first need with
 * 'index'. Returns its path (borrowed from the cache) and the headers it
 * holds in '*deps' (borrowed; the store must know them), or NULL when the
 * file does not fit or no PCH could be built. Thread-safe.
 */
const char *pl_pch_for(struct pl_pch_cache *cache, CXIndex index,
                       const char *path, const char *const *args, int nargs,
                       char *const **deps, size_t *ndeps);

/* Tell the cache that 'path' will be parsed with 'args' in this run:
   a PCH that three files or more will use is built when the first asks. */
void pl_pch_plan(struct pl_pch_cache *cache, const char *path,
                 const char *const *args, int nargs);

/* The driver gave up 'thread' (it hangs or crashed): a PCH it is
   building counts as failed, so the files waiting for it parse without. */
void pl_pch_give_up_builds(struct pl_pch_cache *cache, pthread_t thread);

/* The PCH at 'pch' was rejected by libclang: do not use it again. */
void pl_pch_reject(struct pl_pch_cache *cache, const char *pch);

/*
 * The prefix of 'text' that a PCH can stand for: its leading comments,
 * #defines, #undefs and #includes (at least one), and conditionals
 * (#if ... #endif) that hold only those, up to and including the line
 * that includes Python.h, or the #endif of the conditional that does. Appends the directives (one a
 * line, without comments) to 'directives' and returns the prefix's
 * length, or 0 when there is none. With 'blanked' (a copy of 'text'),
 * the directives are overwritten with spaces there: the PCH stands for
 * them, and lines and comments stay where they were.
 */
struct pl_strbuf;
size_t pl_pch_prefix(const char *text, size_t len,
                     struct pl_strbuf *directives, char *blanked);

/* How many files used a PCH, and PCHs built, in this process. */
void pl_pch_counts(const struct pl_pch_cache *cache, size_t *used,
                   size_t *built);

#endif
