/*
 * analyzer/exports.c - sets of cross-file function summaries (see
 * exports.h).
 */
#include "exports.h"

#include <stdlib.h>
#include <string.h>

void pl_exports_init(struct pl_exports *e)
{
    memset(e, 0, sizeof *e);
}

static void export_free(struct pl_export *x)
{
    free(x->name);
    free(x->returns_family);
    free(x->returns_alloc_name);
    free(x->gil_call);
    for (int i = 0; i < PL_EXPORT_PARAMS; i++)
        free(x->release_family[i]);
}

void pl_exports_release(struct pl_exports *e)
{
    for (size_t i = 0; i < e->len; i++)
        export_free(&e->items[i]);
    free(e->items);
    pl_exports_init(e);
}

static char *dup_or_null(const char *s)
{
    return s ? pl_xstrdup(s) : NULL;
}

void pl_exports_add(struct pl_exports *e, const struct pl_export *x)
{
    struct pl_export copy = *x;
    copy.name = pl_xstrdup(x->name);
    copy.returns_family = dup_or_null(x->returns_family);
    copy.returns_alloc_name = dup_or_null(x->returns_alloc_name);
    copy.gil_call = dup_or_null(x->gil_call);
    for (int i = 0; i < PL_EXPORT_PARAMS; i++)
        copy.release_family[i] = dup_or_null(x->release_family[i]);
    PL_PUSH(e->items, e->len, e->cap, copy);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct pl_export *)a)->name,
                  ((const struct pl_export *)b)->name);
}

void pl_exports_finish(struct pl_exports *e)
{
    if (e->len > 1)
        qsort(e->items, e->len, sizeof e->items[0], by_name);
    size_t kept = 0;
    for (size_t i = 0; i < e->len;) {
        size_t j = i + 1;
        while (j < e->len && strcmp(e->items[j].name, e->items[i].name) == 0)
            j++;
        if (j - i == 1) {
            e->items[kept++] = e->items[i];
        } else {
            for (size_t k = i; k < j; k++)
                export_free(&e->items[k]);
        }
        i = j;
    }
    e->len = kept;
}

const struct pl_export *pl_exports_find(const struct pl_exports *e,
                                        const char *name)
{
    if (!e || !e->len || !name)
        return NULL;
    struct pl_export key = {.name = (char *)name};
    return bsearch(&key, e->items, e->len, sizeof e->items[0], by_name);
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    return pl_hash_bytes(h, s ? s : "\x01", s ? strlen(s) + 1 : 1);
}

uint64_t pl_export_hash(const struct pl_export *x)
{
    if (!x)
        return 0;
    uint64_t h = hash_str(PL_HASH_SEED, x->name);
    h = hash_str(h, x->returns_family);
    h = hash_str(h, x->returns_alloc_name);
    h = pl_hash_bytes(h, &x->returns_nonnull, 1);
    h = pl_hash_bytes(h, &x->noreturn, 1);
    h = pl_hash_bytes(h, &x->may_set_exc, 1);
    h = hash_str(h, x->roles);
    for (int i = 0; i < PL_EXPORT_PARAMS; i++)
        h = hash_str(h, x->release_family[i]);
    return hash_str(h, x->gil_call);
}
