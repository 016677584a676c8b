/*
 * runtime/strict.c - libpymemrt: CPython's allocation API implemented
 * strictly, for unit tests of extension C code without an interpreter
 * (see pymemrt.h). Layout of a block:
 *
 *   [struct header][guard: 16 x 0xFD][user bytes][guard: 16 x 0xFD]
 *
 * The header names the domain, size and allocation site; every block is
 * also in the table of blocks (runtime/table.c), so a release of an
 * unknown, interior, stack or static pointer is recognized without reading
 * memory it does not own. Released blocks are filled with 0xDB and held in
 * a quarantine; a block leaving it (or pymemrt_check()) is verified to be
 * untouched. realloc always moves.
 */
#define _GNU_SOURCE
#include "pymemrt.h"
#include "rt.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void *__libc_malloc(size_t size);
extern void __libc_free(void *p);

#define MAGIC 0x50594d454d525421ull /* "PYMEMRT!" */

struct header {
    uint64_t magic;
    size_t size;
    struct rt_site *site;
    uint32_t domain;
    uint32_t pad;
};
_Static_assert(sizeof(struct header) % 16 == 0, "header keeps alignment");

#define G PYMEMRT_GUARD_SIZE

static inline struct header *header_of(void *user)
{
    return (struct header *)((char *)user - G - sizeof(struct header));
}

/* ---- quarantine ---- */

#define QUARANTINE_SLOTS 65536
static struct {
    void *user[QUARANTINE_SLOTS];
    size_t head, count, bytes, limit;
    pthread_mutex_t lock;
} quarantine = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* The first byte of a released block's user area written since, or -1. */
static long first_write(const struct header *h)
{
    const unsigned char *u = (const unsigned char *)(h + 1) + G;
    for (size_t i = 0; i < h->size; i++)
        if (u[i] != PYMEMRT_FILL_FREED)
            return (long)i;
    return -1;
}

/* Offset of a damaged guard byte: negative before the block, >= size
 * after it; 0 with *ok when intact. */
static bool guards_intact(const struct header *h, long *where)
{
    const unsigned char *front = (const unsigned char *)(h + 1);
    const unsigned char *back = front + G + h->size;
    for (int i = 0; i < G; i++) {
        if (front[i] != PYMEMRT_GUARD_BYTE) {
            *where = (long)i - G;
            return false;
        }
        if (back[i] != PYMEMRT_GUARD_BYTE) {
            *where = (long)(h->size + (size_t)i);
            return false;
        }
    }
    return true;
}

static void report_guard(struct header *h, struct rt_site *site, uintptr_t pc)
{
    long where;
    if (guards_intact(h, &where))
        return;
    char msg[256];
    if (where < 0)
        snprintf(msg, sizeof msg, "the %zu-byte block from %s was written %ld "
                 "byte%s before its start", h->size,
                 rt_api_name((enum rt_domain)h->domain, RT_OP_MALLOC), -where,
                 where == -1 ? "" : "s");
    else
        snprintf(msg, sizeof msg, "the %zu-byte block from %s was written past "
                 "its end (at offset %ld)", h->size,
                 rt_api_name((enum rt_domain)h->domain, RT_OP_MALLOC), where);
    rt_report("guard-overwrite", site, pc, msg, h->site, "allocated");
}

/* What is known of a damaged released block, copied so that it can be
 * reported after the block is gone. */
struct damage {
    size_t size;
    struct rt_site *site;
    uint32_t domain;
    long at;
};

static void report_write_after_free(const struct damage *d)
{
    char msg[256];
    snprintf(msg, sizeof msg, "the %zu-byte block from %s was written at offset "
             "%ld after it was released", d->size,
             rt_api_name((enum rt_domain)d->domain, RT_OP_MALLOC), d->at);
    rt_report("write-after-free", d->site, 0, msg, NULL, NULL);
}

static void quarantine_limit_init(void)
{
    if (quarantine.limit)
        return;
    const char *q = getenv("PYMEMRT_QUARANTINE");
    quarantine.limit = q && *q ? strtoull(q, NULL, 10) : 4u << 20;
    if (!quarantine.limit)
        quarantine.limit = 1;
}

/* Check a block leaving the quarantine and give it back to libc; its
 * address is forgotten, so a later block there is a new one. */
static void evict(void *user)
{
    struct header *e = header_of(user);
    struct damage d = {e->size, e->site, e->domain, first_write(e)};
    rt_table_forget((uintptr_t)user);
    e->magic = 0;
    __libc_free(e);
    if (d.at >= 0)
        report_write_after_free(&d);
}

/* Put a released block in the quarantine; the oldest blocks go until it
 * is within its limit again. */
static void quarantine_add(void *user)
{
    struct header *h = header_of(user);
    pthread_mutex_lock(&quarantine.lock);
    quarantine_limit_init();
    quarantine.user[quarantine.head] = user;
    quarantine.head = (quarantine.head + 1) % QUARANTINE_SLOTS;
    quarantine.count++;
    quarantine.bytes += h->size;
    for (;;) {
        void *evicted[16];
        int n = 0;
        while (quarantine.count > 1 && n < 16 &&
               (quarantine.count == QUARANTINE_SLOTS ||
                quarantine.bytes > quarantine.limit)) {
            size_t tail = (quarantine.head + QUARANTINE_SLOTS -
                           quarantine.count) % QUARANTINE_SLOTS;
            evicted[n++] = quarantine.user[tail];
            quarantine.count--;
            quarantine.bytes -= header_of(quarantine.user[tail])->size;
        }
        pthread_mutex_unlock(&quarantine.lock);
        for (int i = 0; i < n; i++)
            evict(evicted[i]);
        if (n < 16)
            return;
        pthread_mutex_lock(&quarantine.lock);
    }
}

/* ---- allocation ---- */

static void *allocate(enum rt_domain domain, enum rt_op op, uintptr_t pc,
                      size_t size, bool zero)
{
    struct rt_site *site = rt_caller_site(pc, domain);
    if (site)
        __atomic_fetch_add(&site->calls, 1, __ATOMIC_RELAXED);
    if (rt_fault_should_fail(domain, op, site, size))
        return NULL;
    if (size > (size_t)-1 / 2 - sizeof(struct header) - 2 * G)
        return NULL;
    struct header *h = __libc_malloc(sizeof *h + 2 * G + size);
    if (!h)
        return NULL;
    *h = (struct header){MAGIC, size, site, (uint32_t)domain, 0};
    unsigned char *user = (unsigned char *)(h + 1) + G;
    memset(user - G, PYMEMRT_GUARD_BYTE, G);
    memset(user, zero ? 0 : PYMEMRT_FILL_NEW, size);
    memset(user + size, PYMEMRT_GUARD_BYTE, G);
    rt_table_insert((uintptr_t)user, size, domain, pc, site);
    return user;
}

/* Check a release of 'ptr'; true when it is a live block that may go. */
static bool release_ok(void *ptr, enum rt_domain domain, enum rt_op op,
                       uintptr_t pc, struct rt_site **site_out)
{
    struct rt_site *site = rt_direct_site(pc);
    *site_out = site;
    if (site)
        __atomic_fetch_add(&site->calls, 1, __ATOMIC_RELAXED);
    const char *api = rt_api_name(domain, op);
    char msg[1024];
    struct rt_block b;
    if (rt_table_take((uintptr_t)ptr, op == RT_OP_FREE, site, &b)) {
        if (b.state == RT_FREED) {
            char first[512];
            rt_site_format(b.free_site, 0, first, sizeof first);
            snprintf(msg, sizeof msg, "%s of a block already released at %s",
                     api, first);
            rt_report("double-free", site, pc, msg, b.alloc_site, "allocated");
            return false;
        }
        struct header *h = header_of(ptr);
        if (b.domain != domain) {
            snprintf(msg, sizeof msg,
                     "%s of a block from %s (%zu bytes); release it with %s",
                     api, rt_api_name((enum rt_domain)b.domain, RT_OP_MALLOC),
                     b.size, rt_api_name((enum rt_domain)b.domain, RT_OP_FREE));
            rt_report("wrong-domain", site, pc, msg, b.alloc_site, "allocated");
        }
        report_guard(h, site, pc);
        return true;
    }
    rt_report_unknown_release((uintptr_t)ptr, api, site, pc,
                              "which was never allocated");
    return false;
}

static void release(void *ptr, enum rt_domain domain, uintptr_t pc)
{
    struct rt_site *site;
    if (!ptr || !release_ok(ptr, domain, RT_OP_FREE, pc, &site))
        return;
    memset(ptr, PYMEMRT_FILL_FREED, header_of(ptr)->size);
    quarantine_add(ptr);
}

static void *reallocate(void *ptr, size_t size, enum rt_domain domain,
                        uintptr_t pc)
{
    if (!ptr)
        return allocate(domain, RT_OP_REALLOC, pc, size, false);
    struct rt_site *site;
    if (!release_ok(ptr, domain, RT_OP_REALLOC, pc, &site))
        return NULL;
    struct header *old = header_of(ptr);
    /* the block keeps its domain, as CPython's allocators would */
    enum rt_domain real = (enum rt_domain)old->domain;
    void *out = allocate(real, RT_OP_REALLOC, pc, size, false);
    if (!out)
        return NULL; /* the old block is untouched */
    memcpy(out, ptr, old->size < size ? old->size : size);
    struct rt_block b;
    rt_table_take((uintptr_t)ptr, true, site, &b);
    memset(ptr, PYMEMRT_FILL_FREED, old->size);
    quarantine_add(ptr); /* always moves: the old address stays invalid */
    return out;
}

#define PC ((uintptr_t)__builtin_return_address(0))
#define API(prefix, DOMAIN)                                                   \
    void *prefix##Malloc(size_t size)                                         \
    {                                                                         \
        return allocate(DOMAIN, RT_OP_MALLOC, PC, size, false);               \
    }                                                                         \
    void *prefix##Calloc(size_t nelem, size_t elsize)                         \
    {                                                                         \
        if (elsize && nelem > (size_t)-1 / elsize)                            \
            return NULL;                                                      \
        return allocate(DOMAIN, RT_OP_CALLOC, PC, nelem * elsize, true);      \
    }                                                                         \
    void *prefix##Realloc(void *ptr, size_t size)                             \
    {                                                                         \
        return reallocate(ptr, size, DOMAIN, PC);                             \
    }                                                                         \
    void prefix##Free(void *ptr)                                              \
    {                                                                         \
        release(ptr, DOMAIN, PC);                                             \
    }

API(PyMem_Raw, RT_RAW)
API(PyMem_, RT_MEM)
API(PyObject_, RT_OBJ)

/* ---- inspection ---- */

size_t pymemrt_live_blocks(void)
{
    return rt_table_live_count();
}

size_t pymemrt_errors(const char *kind)
{
    return rt_report_count(kind);
}

struct bad_list {
    void *items[1024];
    size_t n;
};

static void collect_bad_guard(const struct rt_block *b, void *arg)
{
    struct bad_list *bad = arg;
    long where;
    if (bad->n < 1024 && !guards_intact(header_of((void *)b->ptr), &where))
        bad->items[bad->n++] = (void *)b->ptr;
}

size_t pymemrt_check(void)
{
    size_t before = rt_report_count(NULL);
    struct bad_list *bad = rt_alloc(sizeof *bad);
    rt_table_each_live(collect_bad_guard, bad);
    for (size_t i = 0; i < bad->n; i++)
        report_guard(header_of(bad->items[i]), header_of(bad->items[i])->site, 0);
    rt_free(bad);
    /* what is damaged is copied and the block refilled under the lock (so
       it is reported once), then reported */
    struct damage *found = rt_alloc(256 * sizeof *found);
    size_t nfound = 0;
    pthread_mutex_lock(&quarantine.lock);
    for (size_t k = 0; k < quarantine.count && nfound < 256; k++) {
        size_t i = (quarantine.head + QUARANTINE_SLOTS - 1 - k) % QUARANTINE_SLOTS;
        struct header *h = header_of(quarantine.user[i]);
        long at = first_write(h);
        if (at >= 0) {
            found[nfound++] = (struct damage){h->size, h->site, h->domain, at};
            memset(h + 1, PYMEMRT_GUARD_BYTE, G);
            memset((char *)(h + 1) + G, PYMEMRT_FILL_FREED, h->size);
        }
    }
    pthread_mutex_unlock(&quarantine.lock);
    for (size_t k = 0; k < nfound; k++)
        report_write_after_free(&found[k]);
    rt_free(found);
    return rt_report_count(NULL) - before;
}

int pymemrt_set_faults(const char *specs)
{
    return rt_faults_set(specs);
}

size_t pymemrt_faults_injected(void)
{
    return rt_faults_injected();
}

size_t pymemrt_report_leaks(void)
{
    return rt_report_exit(true);
}

static void at_exit(void)
{
    if (rt_env_flag("PYMEMRT_LEAKS", true))
        rt_report_exit(true);
}

__attribute__((constructor)) static void start(void)
{
    rt_sites_init(NULL, true);
    rt_faults_from_env();
    atexit(at_exit);
}
