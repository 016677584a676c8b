/*
 * runtime/table.c - every block allocated since the runtime started:
 * address -> domain, size, allocation site, and for released blocks the
 * site that released them (to name both sides of a double free). Split in
 * stripes by address hash, each an open-addressing table under its own
 * mutex, so threads seldom wait for each other. Released entries are
 * overwritten when the address is handed out again, and dropped when a
 * stripe is rebuilt.
 */
#include "rt.h"

#include <pthread.h>
#include <string.h>

#define STRIPES 128

struct stripe {
    pthread_mutex_t lock;
    struct rt_block *slots;  /* ptr 0 = empty */
    size_t cap;              /* a power of two, or 0 */
    size_t used;             /* live + freed entries */
    size_t live;
};

static struct stripe stripes[STRIPES] = {
#define S {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0}
#define S8 S, S, S, S, S, S, S, S
    S8, S8, S8, S8, S8, S8, S8, S8, S8, S8, S8, S8, S8, S8, S8, S8
#undef S8
#undef S
};

static inline uint64_t hash_ptr(uintptr_t p)
{
    return (uint64_t)(p >> 4) * 0x9E3779B97F4A7C15ull;
}

static inline struct stripe *stripe_of(uint64_t h)
{
    return &stripes[h >> 57]; /* top 7 bits */
}

static struct rt_block *find_slot(struct stripe *s, uintptr_t ptr, uint64_t h)
{
    size_t mask = s->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        struct rt_block *b = &s->slots[i];
        if (b->ptr == ptr || b->ptr == 0)
            return b;
    }
}

/* Grow (or compact, dropping freed entries) so that one more fits. */
static void make_room(struct stripe *s)
{
    if (s->cap && (s->used + 1) * 4 < s->cap * 3)
        return;
    size_t keep_freed = s->used - s->live;
    /* compact when most entries are freed ones, grow otherwise */
    bool drop_freed = keep_freed > s->live && keep_freed > 1024;
    size_t need = (drop_freed ? s->live : s->used) + 1;
    size_t cap = s->cap ? s->cap : 256;
    while (need * 2 > cap)
        cap *= 2;
    struct rt_block *old = s->slots;
    size_t old_cap = s->cap;
    s->slots = rt_alloc(cap * sizeof *s->slots);
    s->cap = cap;
    s->used = 0;
    for (size_t i = 0; i < old_cap; i++) {
        if (!old[i].ptr || (drop_freed && old[i].state != RT_LIVE))
            continue;
        *find_slot(s, old[i].ptr, hash_ptr(old[i].ptr)) = old[i];
        s->used++;
    }
    rt_free(old);
}

void rt_table_insert(uintptr_t ptr, size_t size, enum rt_domain domain,
                     uintptr_t pc, struct rt_site *site)
{
    uint64_t h = hash_ptr(ptr);
    struct stripe *s = stripe_of(h);
    pthread_mutex_lock(&s->lock);
    make_room(s);
    struct rt_block *b = find_slot(s, ptr, h);
    if (!b->ptr)
        s->used++;
    if (b->state != RT_LIVE || !b->ptr)
        s->live++;
    *b = (struct rt_block){ptr, size, site, pc, NULL, (uint8_t)domain, RT_LIVE};
    pthread_mutex_unlock(&s->lock);
}

bool rt_table_take(uintptr_t ptr, bool mark_freed, struct rt_site *free_site,
                   struct rt_block *out)
{
    uint64_t h = hash_ptr(ptr);
    struct stripe *s = stripe_of(h);
    bool found = false;
    pthread_mutex_lock(&s->lock);
    if (s->cap) {
        struct rt_block *b = find_slot(s, ptr, h);
        if (b->ptr && b->state != RT_GONE) {
            found = true;
            *out = *b;
            if (mark_freed && b->state == RT_LIVE) {
                b->state = RT_FREED;
                b->free_site = free_site;
                s->live--;
            }
        }
    }
    pthread_mutex_unlock(&s->lock);
    return found;
}

void rt_table_forget(uintptr_t ptr)
{
    uint64_t h = hash_ptr(ptr);
    struct stripe *s = stripe_of(h);
    pthread_mutex_lock(&s->lock);
    if (s->cap) {
        struct rt_block *b = find_slot(s, ptr, h);
        if (b->ptr) {
            if (b->state == RT_LIVE)
                s->live--;
            b->state = RT_GONE;
        }
    }
    pthread_mutex_unlock(&s->lock);
}

bool rt_table_containing(uintptr_t ptr, struct rt_block *out)
{
    uintptr_t base = ptr & ~(uintptr_t)15;
    for (uintptr_t off = 0; off <= 65536 && off < base; off += 16) {
        uintptr_t start = base - off;
        if (start == ptr)
            continue;
        struct rt_block b;
        if (rt_table_take(start, false, NULL, &b) && b.state == RT_LIVE &&
            ptr < start + (b.size ? b.size : 1)) {
            *out = b;
            return true;
        }
    }
    return false;
}

void rt_table_each_live(void (*fn)(const struct rt_block *b, void *arg),
                        void *arg)
{
    for (size_t k = 0; k < STRIPES; k++) {
        struct stripe *s = &stripes[k];
        pthread_mutex_lock(&s->lock);
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i].ptr && s->slots[i].state == RT_LIVE)
                fn(&s->slots[i], arg);
        pthread_mutex_unlock(&s->lock);
    }
}

size_t rt_table_live_count(void)
{
    size_t n = 0;
    for (size_t k = 0; k < STRIPES; k++) {
        pthread_mutex_lock(&stripes[k].lock);
        n += stripes[k].live;
        pthread_mutex_unlock(&stripes[k].lock);
    }
    return n;
}

void rt_table_lock_all(void)
{
    for (size_t k = 0; k < STRIPES; k++)
        pthread_mutex_lock(&stripes[k].lock);
}

void rt_table_unlock_all(void)
{
    for (size_t k = 0; k < STRIPES; k++)
        pthread_mutex_unlock(&stripes[k].lock);
}
