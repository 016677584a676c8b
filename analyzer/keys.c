/*
 * analyzer/keys.c - interned strings of the dataflow engine: the names of
 * tracked locations and the texts of known conditions.
 */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

static uint64_t text_hash(const char *s)
{
    return pl_hash_bytes(PL_HASH_SEED, s, strlen(s));
}

static void rehash(struct pl_keys *keys)
{
    size_t nslots = keys->nslots ? keys->nslots * 2 : 64;
    uint32_t *slots = pl_xcalloc(nslots, sizeof *slots);
    for (size_t id = 0; id < keys->len; id++) {
        size_t i = text_hash(keys->texts[id]) & (nslots - 1);
        while (slots[i])
            i = (i + 1) & (nslots - 1);
        slots[i] = (uint32_t)id + 1;
    }
    free(keys->slots);
    keys->slots = slots;
    keys->nslots = nslots;
}

uint32_t pl_keys_intern(struct pl_keys *keys, const char *text)
{
    if (keys->len * 2 >= keys->nslots)
        rehash(keys);
    size_t i = text_hash(text) & (keys->nslots - 1);
    while (keys->slots[i]) {
        uint32_t id = keys->slots[i] - 1;
        if (strcmp(keys->texts[id], text) == 0)
            return id;
        i = (i + 1) & (keys->nslots - 1);
    }
    uint32_t id = (uint32_t)keys->len;
    PL_PUSH(keys->texts, keys->len, keys->cap, pl_xstrdup(text));
    keys->slots[i] = id + 1;
    return id;
}

const char *pl_keys_text(const struct pl_keys *keys, uint32_t id)
{
    return id < keys->len ? keys->texts[id] : "";
}

void pl_keys_release(struct pl_keys *keys)
{
    for (size_t i = 0; i < keys->len; i++)
        free(keys->texts[i]);
    free(keys->texts);
    free(keys->slots);
    memset(keys, 0, sizeof *keys);
}
