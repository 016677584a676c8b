/*
 * analyzer/util.h - small helpers shared by the whole analyzer: error
 * reporting, allocation that never fails, growable arrays, an arena and a
 * string builder.
 */
#ifndef PL_UTIL_H
#define PL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PL_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

/*
 * Print "pymem-lint: error: MESSAGE" on stderr.
 * Returns -1, so callers can write `return pl_error(...)`.
 */
int pl_error(const char *fmt, ...) PL_PRINTF(1, 2);
/* Write 'text' to 'out' with control bytes other than tab as '?': file
   names and source text must not drive the terminal. */
void pl_put_safe(FILE *out, const char *text);

/* Print "pymem-lint: warning: MESSAGE" on stderr. */
void pl_warning(const char *fmt, ...) PL_PRINTF(1, 2);

/* Report an impossible state with its source position and abort. */
#define PL_BUG(msg) pl_bug(__FILE__, __LINE__, (msg))
_Noreturn void pl_bug(const char *file, int line, const char *msg);

/*
 * Allocation that never returns NULL: on exhaustion it reports and aborts.
 * Ownership: the caller frees the result with free().
 */
void *pl_xmalloc(size_t size) __attribute__((malloc));
void *pl_xcalloc(size_t count, size_t size) __attribute__((malloc));
void *pl_xrealloc(void *ptr, size_t size);
char *pl_xstrdup(const char *s) __attribute__((malloc));

/* Grow '*items' (of 'item_size' bytes each) so that it holds 'need'. */
void pl_grow(void **items, size_t *capacity, size_t need, size_t item_size);

/* Append one element to a {T *items; size_t len, cap;} style vector. */
#define PL_PUSH(items, len, cap, value)                                        \
    do {                                                                       \
        pl_grow((void **)&(items), &(cap), (len) + 1, sizeof *(items));        \
        (items)[(len)++] = (value);                                            \
    } while (0)

/* ---- arena: many small allocations freed together ---- */

struct pl_arena_chunk;

struct pl_arena {
    struct pl_arena_chunk *head;
    size_t used; /* bytes used in head */
    size_t total; /* bytes handed out over the arena's life */
};

/* Prepare caller storage for an empty arena. */
void pl_arena_init(struct pl_arena *arena);

/* Free every chunk of 'arena'; the arena can be reused after init. */
void pl_arena_release(struct pl_arena *arena);

/*
 * Return 'size' zeroed bytes, aligned for any type.
 * Ownership: borrowed from the arena, valid until pl_arena_release().
 */
void *pl_arena_alloc(struct pl_arena *arena, size_t size);

/* Copy 's' (or its first 'len' bytes) into the arena, NUL-terminated. */
char *pl_arena_strdup(struct pl_arena *arena, const char *s);
char *pl_arena_strndup(struct pl_arena *arena, const char *s, size_t len);

/* ---- string builder ---- */

struct pl_strbuf {
    char *text; /* NUL-terminated, NULL until something is appended */
    size_t len, cap;
};

void pl_strbuf_init(struct pl_strbuf *sb);
void pl_strbuf_release(struct pl_strbuf *sb);
void pl_strbuf_add(struct pl_strbuf *sb, const char *s);
void pl_strbuf_addf(struct pl_strbuf *sb, const char *fmt, ...) PL_PRINTF(2, 3);
/* The text so far; "" when empty. Borrowed: valid until the next change. */
const char *pl_strbuf_str(const struct pl_strbuf *sb);

/* ---- scratch directories ---- */

/* A new private directory under $TMPDIR (else /tmp) named
 * "pymem-lint-NAME.XXXXXX". Heap path, or NULL (errno set). */
char *pl_temp_dir(const char *name);

/* Remove 'dir' and everything under it, best effort (links not followed). */
void pl_remove_tree(const char *dir);

/* 64-bit FNV-1a over 'len' bytes, continuing from 'hash'. */
uint64_t pl_hash_bytes(uint64_t hash, const void *data, size_t len);
#define PL_HASH_SEED 1469598103934665603ULL

/* Seconds on the monotonic clock, for timing phases (libclang parses on
   a thread of its own, so the calling thread's CPU time would miss it). */
double pl_monotonic_seconds(void);

#endif
