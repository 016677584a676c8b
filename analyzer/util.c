/*
 * analyzer/util.c - error reporting, checked allocation, arena and string
 * builder used throughout the analyzer.
 */
#include "util.h"

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void pl_put_safe(FILE *out, const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c; c++)
        fputc((*c < 0x20 && *c != '\t') || *c == 0x7f ? '?' : *c, out);
}

/* One line on stderr: the prefix, then the message with control bytes
   (from file names, source text, libclang) made harmless. */
static void message(const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void message(const char *prefix, const char *fmt, va_list ap)
{
    char small[1024];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    char *text = small;
    if (n >= (int)sizeof small) {
        text = pl_xmalloc((size_t)n + 1);
        vsnprintf(text, (size_t)n + 1, fmt, again);
    }
    va_end(again);
    fputs(prefix, stderr);
    if (n > 0)
        pl_put_safe(stderr, text);
    fputc('\n', stderr);
    if (text != small)
        free(text);
}

int pl_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    message("pymem-lint: error: ", fmt, ap);
    va_end(ap);
    return -1;
}

void pl_warning(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    message("pymem-lint: warning: ", fmt, ap);
    va_end(ap);
}

void pl_bug(const char *file, int line, const char *msg)
{
    fprintf(stderr, "pymem-lint: internal error at %s:%d: %s\n", file, line,
            msg);
    abort();
}

static void *check_alloc(void *p, size_t size)
{
    if (p == NULL && size != 0) {
        fprintf(stderr, "pymem-lint: error: out of memory (%zu bytes)\n",
                size);
        abort();
    }
    return p;
}

void *pl_xmalloc(size_t size)
{
    return check_alloc(malloc(size ? size : 1), size);
}

void *pl_xcalloc(size_t count, size_t size)
{
    return check_alloc(calloc(count ? count : 1, size ? size : 1),
                       count * size);
}

void *pl_xrealloc(void *ptr, size_t size)
{
    return check_alloc(realloc(ptr, size ? size : 1), size);
}

char *pl_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = pl_xmalloc(n);
    memcpy(copy, s, n);
    return copy;
}

void pl_grow(void **items, size_t *capacity, size_t need, size_t item_size)
{
    if (need <= *capacity)
        return;
    size_t cap = *capacity ? *capacity : 8;
    while (cap < need)
        cap *= 2;
    *items = pl_xrealloc(*items, cap * item_size);
    *capacity = cap;
}

/* ---- arena ---- */

struct pl_arena_chunk {
    struct pl_arena_chunk *next;
    size_t size;
    max_align_t data[];
};

#define PL_ARENA_CHUNK 65536

void pl_arena_init(struct pl_arena *arena)
{
    arena->head = NULL;
    arena->used = 0;
    arena->total = 0;
}

void pl_arena_release(struct pl_arena *arena)
{
    struct pl_arena_chunk *chunk = arena->head;
    while (chunk) {
        struct pl_arena_chunk *next = chunk->next;
        free(chunk);
        chunk = next;
    }
    pl_arena_init(arena);
}

void *pl_arena_alloc(struct pl_arena *arena, size_t size)
{
    size_t align = sizeof(max_align_t);
    size = (size + align - 1) / align * align;
    if (!arena->head || arena->used + size > arena->head->size) {
        size_t chunk_size = size > PL_ARENA_CHUNK ? size : PL_ARENA_CHUNK;
        struct pl_arena_chunk *chunk =
            pl_xmalloc(sizeof *chunk + chunk_size);
        chunk->size = chunk_size;
        chunk->next = arena->head;
        arena->head = chunk;
        arena->used = 0;
    }
    void *p = (char *)arena->head->data + arena->used;
    arena->used += size;
    arena->total += size;
    memset(p, 0, size);
    return p;
}

char *pl_arena_strndup(struct pl_arena *arena, const char *s, size_t len)
{
    char *copy = pl_arena_alloc(arena, len + 1);
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *pl_arena_strdup(struct pl_arena *arena, const char *s)
{
    return pl_arena_strndup(arena, s, strlen(s));
}

/* ---- string builder ---- */

void pl_strbuf_init(struct pl_strbuf *sb)
{
    sb->text = NULL;
    sb->len = 0;
    sb->cap = 0;
}

void pl_strbuf_release(struct pl_strbuf *sb)
{
    free(sb->text);
    pl_strbuf_init(sb);
}

void pl_strbuf_add(struct pl_strbuf *sb, const char *s)
{
    size_t n = strlen(s);
    pl_grow((void **)&sb->text, &sb->cap, sb->len + n + 1, 1);
    memcpy(sb->text + sb->len, s, n + 1);
    sb->len += n;
}

void pl_strbuf_addf(struct pl_strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    pl_grow((void **)&sb->text, &sb->cap, sb->len + (size_t)n + 1, 1);
    va_start(ap, fmt);
    vsnprintf(sb->text + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

const char *pl_strbuf_str(const struct pl_strbuf *sb)
{
    return sb->text ? sb->text : "";
}

uint64_t pl_hash_bytes(uint64_t hash, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        hash ^= p[i];
        hash *= 1099511628211ULL;
    }
    return hash;
}

/* ---- scratch directories ---- */

char *pl_temp_dir(const char *name)
{
    const char *tmp = getenv("TMPDIR");
    char templ[4096];
    snprintf(templ, sizeof templ, "%s/pymem-lint-%s.XXXXXX",
             tmp && *tmp ? tmp : "/tmp", name);
    return mkdtemp(templ) ? pl_xstrdup(templ) : NULL;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0; /* go on whatever happened */
}

void pl_remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

double pl_monotonic_seconds(void)
{
    struct timespec now;
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
        return 0;
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}
