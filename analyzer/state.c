/*
 * analyzer/state.c - operations on one path's abstract state (state.h):
 * sorted bindings and facts, blocks with garbage collection, path notes
 * and the hash that lets equal states merge.
 */
#include "state.h"
#include "util.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- bindings ---- */

static unsigned binding_pos(const struct pl_state *st, uint32_t key)
{
    unsigned lo = 0, hi = st->nbindings;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (st->bindings[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct pl_value *pl_state_lookup(struct pl_state *st, uint32_t key)
{
    unsigned pos = binding_pos(st, key);
    if (pos < st->nbindings && st->bindings[pos].key == key)
        return &st->bindings[pos].value;
    return NULL;
}

bool pl_state_bind(struct pl_state *st, uint32_t key, struct pl_value v)
{
    unsigned pos = binding_pos(st, key);
    bool present = pos < st->nbindings && st->bindings[pos].key == key;
    if (v.kind == PL_V_UNKNOWN) {
        if (present) {
            memmove(&st->bindings[pos], &st->bindings[pos + 1],
                    (st->nbindings - pos - 1) * sizeof st->bindings[0]);
            st->nbindings--;
        }
        return true;
    }
    if (present) {
        st->bindings[pos].value = v;
        return true;
    }
    if (st->nbindings == PL_MAX_BINDINGS)
        return false;
    memmove(&st->bindings[pos + 1], &st->bindings[pos],
            (st->nbindings - pos) * sizeof st->bindings[0]);
    st->bindings[pos].key = key;
    st->bindings[pos].value = v;
    st->nbindings++;
    return true;
}

void pl_state_unbind_if(struct pl_state *st,
                        bool (*match)(uint32_t key, void *ctx), void *ctx)
{
    unsigned out = 0;
    for (unsigned i = 0; i < st->nbindings; i++)
        if (!match(st->bindings[i].key, ctx))
            st->bindings[out++] = st->bindings[i];
    st->nbindings = out;
}

unsigned pl_state_refs(const struct pl_state *st, int b)
{
    unsigned n = 0;
    for (unsigned i = 0; i < st->nbindings; i++)
        if (st->bindings[i].value.kind == PL_V_BLOCK &&
            st->bindings[i].value.block == b)
            n++;
    return n;
}

/* ---- blocks ---- */

static void forget_block_refs(struct pl_state *st, int b)
{
    unsigned out = 0;
    for (unsigned i = 0; i < st->nbindings; i++) {
        const struct pl_value *v = &st->bindings[i].value;
        if (v->kind == PL_V_BLOCK && v->block == b)
            continue;
        st->bindings[out++] = st->bindings[i];
    }
    st->nbindings = out;
}

int pl_state_new_block(struct pl_state *st, const struct pl_node *site,
                       enum pl_family family, const char *alloc_name)
{
    int slot = -1;
    for (unsigned i = 0; i < st->nblocks; i++) {
        const struct pl_block *old = &st->blocks[i];
        if (old->site != site)
            continue;
        bool in_use = old->status == PL_B_MAYBE_NULL ||
                      old->status == PL_B_NONNULL ||
                      pl_state_refs(st, (int)i) > 0;
        if (in_use && st->nblocks < PL_MAX_BLOCKS)
            break; /* keep following the older block too (loops) */
        slot = (int)i;
        forget_block_refs(st, slot); /* the older block: not tracked */
        for (unsigned k = 0; k < st->nblocks; k++)
            if (st->blocks[k].moved_from == slot)
                st->blocks[k].moved_from = -1;
        break;
    }
    if (slot < 0) {
        if (st->nblocks == PL_MAX_BLOCKS)
            return -1;
        slot = (int)st->nblocks++;
    }
    struct pl_block *b = &st->blocks[slot];
    memset(b, 0, sizeof *b);
    b->site = site;
    b->alloc_name = alloc_name;
    b->family = (uint8_t)family;
    b->status = PL_B_MAYBE_NULL;
    b->moved_from = -1;
    b->param = -1;
    b->note_start = st->notes_dropped + st->nnotes;
    return slot;
}

static bool block_matters(const struct pl_state *st, unsigned i)
{
    const struct pl_block *b = &st->blocks[i];
    if ((b->status == PL_B_MAYBE_NULL || b->status == PL_B_NONNULL) &&
        !(b->flags & PL_BF_HANDED_OVER))
        return true;
    if (b->flags & PL_BF_PARAM)
        return true;
    for (unsigned k = 0; k < st->nblocks; k++)
        if (st->blocks[k].moved_from == (int)i)
            return true;
    return pl_state_refs(st, (int)i) > 0;
}

void pl_state_collect(struct pl_state *st)
{
    int remap[PL_MAX_BLOCKS];
    unsigned out = 0;
    for (unsigned i = 0; i < st->nblocks; i++) {
        if (block_matters(st, i)) {
            remap[i] = (int)out;
            st->blocks[out++] = st->blocks[i];
        } else {
            remap[i] = -1;
        }
    }
    if (out == st->nblocks)
        return;
    st->nblocks = out;
    for (unsigned i = 0; i < out; i++)
        if (st->blocks[i].moved_from >= 0)
            st->blocks[i].moved_from =
                (int8_t)remap[st->blocks[i].moved_from];
    unsigned nb = 0;
    for (unsigned i = 0; i < st->nbindings; i++) {
        struct pl_binding bd = st->bindings[i];
        if (bd.value.kind == PL_V_BLOCK) {
            if (remap[bd.value.block] < 0)
                continue; /* a dead block: the value is unknown now */
            bd.value.block = (int16_t)remap[bd.value.block];
        }
        st->bindings[nb++] = bd;
    }
    st->nbindings = nb;
}

/* ---- facts ---- */

static unsigned fact_pos(const struct pl_state *st, uint32_t key)
{
    unsigned i = 0;
    while (i < st->nfacts && st->facts[i].key < key)
        i++;
    return i;
}

int pl_state_fact(const struct pl_state *st, uint32_t key)
{
    unsigned pos = fact_pos(st, key);
    if (pos < st->nfacts && st->facts[pos].key == key)
        return st->facts[pos].truth;
    return -1;
}

void pl_state_set_fact(struct pl_state *st, uint32_t key, bool truth)
{
    unsigned pos = fact_pos(st, key);
    if (pos < st->nfacts && st->facts[pos].key == key) {
        st->facts[pos].truth = truth;
        return;
    }
    if (st->nfacts == PL_MAX_FACTS)
        return; /* forgetting a fact only costs precision */
    memmove(&st->facts[pos + 1], &st->facts[pos],
            (st->nfacts - pos) * sizeof st->facts[0]);
    st->facts[pos].key = key;
    st->facts[pos].truth = truth;
    st->nfacts++;
}

void pl_state_drop_facts_if(struct pl_state *st,
                            bool (*match)(uint32_t key, void *ctx),
                            void *ctx)
{
    unsigned out = 0;
    for (unsigned i = 0; i < st->nfacts; i++)
        if (!match(st->facts[i].key, ctx))
            st->facts[out++] = st->facts[i];
    st->nfacts = out;
}

/* ---- integer bounds ---- */

struct pl_bound pl_state_bound(const struct pl_state *st, uint32_t key)
{
    for (unsigned i = 0; i < st->nbounds; i++)
        if (st->bounds[i].key == key)
            return st->bounds[i];
    struct pl_bound all = {key, LLONG_MIN, LLONG_MAX};
    return all;
}

void pl_state_set_bound(struct pl_state *st, struct pl_bound b)
{
    bool whole = b.lo == LLONG_MIN && b.hi == LLONG_MAX;
    for (unsigned i = 0; i < st->nbounds; i++)
        if (st->bounds[i].key == b.key) {
            if (whole)
                st->bounds[i] = st->bounds[--st->nbounds];
            else
                st->bounds[i] = b;
            return;
        }
    if (!whole && st->nbounds < PL_MAX_BOUNDS)
        st->bounds[st->nbounds++] = b; /* else: know less, never wrong */
}

/* ---- notes and identity ---- */

void pl_state_note(struct pl_state *st, unsigned line, unsigned col,
                   const char *fmt, ...)
{
    if (st->nnotes == PL_MAX_NOTES) {
        memmove(&st->notes[0], &st->notes[1],
                (PL_MAX_NOTES - 1) * sizeof st->notes[0]);
        st->nnotes--;
        st->notes_dropped++;
    }
    struct pl_path_note *n = &st->notes[st->nnotes++];
    n->line = line;
    n->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n->text, sizeof n->text, fmt, ap);
    va_end(ap);
}

uint64_t pl_state_hash(const struct pl_state *st)
{
    uint64_t h = PL_HASH_SEED;
    for (unsigned i = 0; i < st->nbindings; i++) {
        const struct pl_binding *b = &st->bindings[i];
        h = pl_hash_bytes(h, &b->key, sizeof b->key);
        h = pl_hash_bytes(h, &b->value.kind, 1);
        h = pl_hash_bytes(h, &b->value.interior, 1);
        h = pl_hash_bytes(h, &b->value.block, sizeof b->value.block);
        h = pl_hash_bytes(h, &b->value.ival, sizeof b->value.ival);
    }
    for (unsigned i = 0; i < st->nblocks; i++) {
        const struct pl_block *b = &st->blocks[i];
        uint16_t flags = b->flags & (PL_BF_PENDING_MOVE | PL_BF_PARAM |
                                     PL_BF_HANDED_OVER);
        h = pl_hash_bytes(h, &b->site, sizeof b->site);
        h = pl_hash_bytes(h, &b->status, 1);
        h = pl_hash_bytes(h, &flags, sizeof flags);
        h = pl_hash_bytes(h, &b->moved_from, 1);
        h = pl_hash_bytes(h, &b->freed_family, 1);
    }
    for (unsigned i = 0; i < st->nfacts; i++) {
        h = pl_hash_bytes(h, &st->facts[i].key, sizeof st->facts[i].key);
        h = pl_hash_bytes(h, &st->facts[i].truth, 1);
    }
    for (unsigned i = 0; i < st->nlost; i++) {
        h = pl_hash_bytes(h, &st->lost[i].site, sizeof st->lost[i].site);
        h = pl_hash_bytes(h, &st->lost[i].by_realloc, 1);
    }
    for (unsigned i = 0; i < st->nbounds; i++) {
        /* order-independent: bounds are few and set in path order */
        const struct pl_bound *bd = &st->bounds[i];
        uint64_t b = pl_hash_bytes(PL_HASH_SEED, &bd->key, sizeof bd->key);
        b = pl_hash_bytes(b, &bd->lo, sizeof bd->lo);
        b = pl_hash_bytes(b, &bd->hi, sizeof bd->hi);
        h ^= b;
    }
    h = pl_hash_bytes(h, &st->error_path, 1);
    h = pl_hash_bytes(h, &st->no_exc_line, sizeof st->no_exc_line);
    h = pl_hash_bytes(h, &st->gil_released_line,
                      sizeof st->gil_released_line);
    return h;
}
