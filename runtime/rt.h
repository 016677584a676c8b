/*
 * runtime/rt.h - the parts shared by the interpreter hook (hook.c) and the
 * standalone allocator (strict.c): the table of blocks, call sites and
 * their resolution to file:line, fault injection, and reports.
 *
 * Nothing here may allocate through the allocators it watches: internal
 * memory comes from rt_alloc()/rt_free() (glibc's __libc_* entry points,
 * which an interposed free() never sees), and no lock of the block table
 * is held while anything runs that may call malloc or free.
 */
#ifndef PYMEMRT_RT_H
#define PYMEMRT_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Allocator domains; the first three are CPython's PyMemAllocatorDomain. */
enum rt_domain { RT_RAW = 0, RT_MEM = 1, RT_OBJ = 2, RT_LIBC = 3 };
enum rt_op { RT_OP_MALLOC, RT_OP_CALLOC, RT_OP_REALLOC, RT_OP_FREE };

/* "PyMem_RawMalloc", "PyObject_Free", "free", ... (static strings) */
const char *rt_api_name(enum rt_domain domain, enum rt_op op);
const char *rt_domain_name(enum rt_domain domain); /* "PyMem_Raw", ... */

/* ---- internal memory (never through watched allocators) ---- */
void *rt_alloc(size_t size);   /* zeroed; aborts when out of memory */
void rt_free(void *p);
char *rt_strdup(const char *s);

/* ---- call sites ---- */

/* What is known of one code address. Resolved fields are filled once,
 * lazily, and never change afterwards. */
struct rt_site {
    uintptr_t pc;              /* the return address */
    bool watched;              /* in an object we report on (an extension) */
    bool resolved;
    const char *object;        /* path of the shared object, or NULL */
    const char *file;          /* source file, or NULL when no line info */
    unsigned line;
    const char *function;      /* enclosing function, or NULL */
    unsigned long calls;       /* allocator calls seen from here */
};

/* Initialize: note which loaded objects are the runtime itself, the
 * interpreter and the C library (never "watched"). 'ignore' is a
 * ':'-separated list of path prefixes of objects not to watch either
 * (the interpreter's own extension modules); may be NULL. 'standalone'
 * (libpymemrt): every caller but the runtime itself is watched. */
void rt_sites_init(const char *ignore, bool standalone);

/* The site of 'pc' (created on first sight, cached); never NULL. */
struct rt_site *rt_site_of(uintptr_t pc);

/* Whether 'pc' lies in the runtime, the interpreter or the C library. */
bool rt_pc_is_core(uintptr_t pc);

/*
 * The site an allocator call is attributed to. 'pc' is the return address
 * seen by the allocator; in deep mode, when 'pc' is in the interpreter,
 * the stack is walked to the first frame in a watched object (so
 * PyUnicode_AsWideCharString's buffer is attributed to the extension line
 * that called it): PYMEMRT_DEEP=1 does it for the RAW and MEM domains
 * (the buffers the C API hands over), PYMEMRT_DEEP=all for objects too.
 * Returns NULL for an unwatched caller.
 */
struct rt_site *rt_caller_site(uintptr_t pc, enum rt_domain domain);
bool rt_deep_mode(void);

/* The watched site of 'pc' itself, or NULL: releases are attributed to
 * their direct caller only. */
struct rt_site *rt_direct_site(uintptr_t pc);

/* Fill file/line/function of 'site' (libdw); safe to call repeatedly. */
void rt_site_resolve(struct rt_site *site);

/* Call 'fn' for every watched site seen so far. */
void rt_sites_each(void (*fn)(struct rt_site *site, void *arg), void *arg);

/* ---- the table of blocks ---- */

enum rt_block_state { RT_LIVE = 1, RT_FREED = 2, RT_GONE = 3 };

struct rt_block {
    uintptr_t ptr;
    size_t size;
    struct rt_site *alloc_site;   /* NULL: not from a watched object */
    uintptr_t alloc_pc;
    struct rt_site *free_site;    /* for RT_FREED */
    uint8_t domain;
    uint8_t state;
};

/* Record a new block (replaces whatever was known at that address). */
void rt_table_insert(uintptr_t ptr, size_t size, enum rt_domain domain,
                     uintptr_t pc, struct rt_site *site);

/*
 * Look up 'ptr'. When 'mark_freed' and it is live, it is marked freed by
 * 'free_site' in the same step. Copies the entry (as it was before) into
 * '*out'. Returns false when the address is unknown.
 */
bool rt_table_take(uintptr_t ptr, bool mark_freed, struct rt_site *free_site,
                   struct rt_block *out);

/* Forget 'ptr': its memory went back to the system allocator, so what is
 * released there later is unknown, not a double free. */
void rt_table_forget(uintptr_t ptr);

/* The live block that contains 'ptr' (not at its start), searching up to
 * 64 KiB below it. */
bool rt_table_containing(uintptr_t ptr, struct rt_block *out);

/* Call 'fn' for every live block (under the table's locks: 'fn' must not
 * allocate). */
void rt_table_each_live(void (*fn)(const struct rt_block *b, void *arg),
                        void *arg);
size_t rt_table_live_count(void);

/* Around fork(): take and release every lock. */
void rt_table_lock_all(void);
void rt_table_unlock_all(void);

/*
 * Report the release (by 'api', from 'site') of 'ptr', which the table
 * does not know: interior-free, non-heap-free (stack, static) or
 * unknown-free, the last explained by 'unknown_why'. Returns true when
 * the pointer is certainly not a block (releasing it would corrupt the
 * heap).
 */
bool rt_report_unknown_release(uintptr_t ptr, const char *api,
                               struct rt_site *site, uintptr_t pc,
                               const char *unknown_why);

/* ---- fault injection ---- */

/* Parse specs (PYMEMRT_FAULTS syntax). 0, or -1 after reporting. */
int rt_faults_set(const char *specs);
/* Read PYMEMRT_FAULTS and PYMEMRT_FAULTS_FILE. */
void rt_faults_from_env(void);
/*
 * Whether this allocation is to fail. 'site' is the watched caller or
 * NULL. Logs each injected failure (stderr note and record).
 */
bool rt_fault_should_fail(enum rt_domain domain, enum rt_op op,
                          struct rt_site *site, size_t size);
size_t rt_faults_injected(void);

/* ---- reports ---- */

/* Stable kinds of misuse: "wrong-domain", "double-free", ... */
/*
 * Report misuse at 'site' (may be NULL: then 'pc' is shown). 'related' is
 * a second site ("allocated at"), may be NULL. 'message' is one line.
 * Writes a compiler-style line on stderr (each kind once per site, then
 * counted) and a JSON record; aborts when PYMEMRT_ABORT=1.
 */
void rt_report(const char *kind, struct rt_site *site, uintptr_t pc,
               const char *message, struct rt_site *related,
               const char *related_what);
size_t rt_report_count(const char *kind);

/* A JSON record of a kind that is not misuse ("leak", "site", "fault",
 * "exit"): fields as alternating key, value strings, NULL-terminated;
 * values that are all digits are written as numbers. */
void rt_record(const char *event, ...);

/* Open the record file now (a crash handler can only write to an open
 * one), and write a "crash" record from a signal handler. */
void rt_log_open(void);
void rt_record_crash(int sig);

/* Put the site's "file:line" (or "object+0xoffset") in 'buf'. */
void rt_site_format(struct rt_site *site, uintptr_t pc, char *buf, size_t n);

/* At exit: report live blocks from watched sites grouped by site, then
 * one "site" record per watched site (what ran). 'what' names the kind of
 * program in messages. Returns the number of leaked blocks reported. */
size_t rt_report_exit(bool leaks);

/* Settings from the environment, read once. */
bool rt_env_flag(const char *name, bool fallback);

#endif
