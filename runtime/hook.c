/*
 * runtime/hook.c - the interpreter hook (libpymemrt-hook.so). Loaded into
 * a running CPython (sitecustomize.py calls pymemrt_hook_install() through
 * ctypes), it wraps the RAW, MEM and OBJ allocators with
 * PyMem_GetAllocator/PyMem_SetAllocator, forwarding to the saved ones (as
 * tracemalloc does), and for each block knows its domain, size and the
 * call site in the extension (the return address; the whole stack only in
 * deep mode). It reports, as they happen: release by the wrong domain,
 * double free, release of an unknown, interior, stack or static pointer,
 * PyMem/PyObject calls without the GIL; with LD_PRELOAD it also catches
 * free() of a PyMem/PyObject block. At exit it reports the blocks still
 * live from extension code, grouped by site. Failures are injected as
 * runtime/faults.c says.
 *
 * Nothing here includes Python.h: the few symbols it needs are looked up
 * in the running process, so one build serves every Python 3 version.
 */
#define _GNU_SOURCE
#include "rt.h"

#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CPython's PyMemAllocatorEx (unchanged since 3.5) */
typedef struct {
    void *ctx;
    void *(*malloc)(void *ctx, size_t size);
    void *(*calloc)(void *ctx, size_t nelem, size_t elsize);
    void *(*realloc)(void *ctx, void *ptr, size_t new_size);
    void (*free)(void *ctx, void *ptr);
} PyMemAllocatorEx;

struct domain_hook {
    PyMemAllocatorEx orig;
    enum rt_domain domain;
};

static struct domain_hook hooks[3];
static int (*gil_check)(void);
static atomic_bool installed;

/* Set while this thread is inside a hook: the allocators below ours (pymalloc
 * taking large blocks from RAW, debug hooks) are not tracked again. */
static __thread int depth __attribute__((tls_model("initial-exec")));

extern void __libc_free(void *p);

static void check_gil(struct rt_site *site, enum rt_domain domain,
                      enum rt_op op)
{
    if (domain == RT_RAW || !gil_check || gil_check())
        return;
    char msg[160];
    snprintf(msg, sizeof msg,
             "%s called without holding the GIL; use %s, or take the GIL first",
             rt_api_name(domain, op), rt_api_name(RT_RAW, op));
    rt_report("no-gil", site, 0, msg, NULL, NULL);
}

static void *allocate(struct domain_hook *h, enum rt_op op, uintptr_t pc,
                      size_t nelem, size_t size)
{
    if (depth)
        return op == RT_OP_CALLOC ? h->orig.calloc(h->orig.ctx, nelem, size)
                                  : h->orig.malloc(h->orig.ctx, size);
    depth++;
    struct rt_site *site = rt_caller_site(pc, h->domain);
    size_t total = op == RT_OP_CALLOC ? nelem * size : size;
    void *p = NULL;
    if (site) {
        __atomic_fetch_add(&site->calls, 1, __ATOMIC_RELAXED);
        check_gil(site, h->domain, op);
    }
    if (!rt_fault_should_fail(h->domain, op, site, total)) {
        p = op == RT_OP_CALLOC ? h->orig.calloc(h->orig.ctx, nelem, size)
                               : h->orig.malloc(h->orig.ctx, size);
        if (p)
            rt_table_insert((uintptr_t)p, total, h->domain, pc, site);
    }
    depth--;
    return p;
}

static void *h_malloc(void *ctx, size_t size)
{
    return allocate(ctx, RT_OP_MALLOC,
                    (uintptr_t)__builtin_return_address(0), 1, size);
}

static void *h_calloc(void *ctx, size_t nelem, size_t elsize)
{
    return allocate(ctx, RT_OP_CALLOC,
                    (uintptr_t)__builtin_return_address(0), nelem, elsize);
}

/*
 * Judge a release of 'ptr' by 'api' from 'site' (watched caller or NULL).
 * Returns the domain whose allocator must really release it, or -1 when
 * the release must be swallowed (it would corrupt the heap).
 */
static int judge_release(uintptr_t ptr, enum rt_domain domain, enum rt_op op,
                         struct rt_site *site, uintptr_t pc)
{
    struct rt_block b;
    char msg[1024];
    const char *api = rt_api_name(domain, op);
    if (rt_table_take(ptr, true, site, &b)) {
        bool ours = site || (b.alloc_site && b.alloc_site->watched);
        if (b.state == RT_LIVE) {
            if (b.domain != domain && ours) {
                snprintf(msg, sizeof msg,
                         "%s of a block from %s (%zu bytes); release it with %s",
                         api, rt_api_name((enum rt_domain)b.domain, RT_OP_MALLOC),
                         b.size, rt_api_name((enum rt_domain)b.domain, RT_OP_FREE));
                rt_report("wrong-domain", site, pc, msg, b.alloc_site,
                          "allocated");
            }
            return b.domain;
        }
        if (!ours && !(b.free_site && b.free_site->watched))
            return domain; /* the interpreter's business */
        char first[512];
        rt_site_format(b.free_site, 0, first, sizeof first);
        snprintf(msg, sizeof msg,
                 "%s of a block already released (by %s at %s)", api,
                 b.free_site ? "extension code" : "the interpreter",
                 b.free_site ? first : "an unknown place");
        rt_report("double-free", site, pc, msg, b.alloc_site, "allocated");
        return -1;
    }
    if (!site)
        return domain; /* allocated before the hook was installed */
    if (rt_report_unknown_release(ptr, api, site, pc,
                                  "which no allocator handed out since the "
                                  "hook was installed"))
        return -1;
    return domain;
}

static void h_free(void *ctx, void *ptr)
{
    struct domain_hook *h = ctx;
    if (!ptr || depth) {
        h->orig.free(h->orig.ctx, ptr);
        return;
    }
    depth++;
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    struct rt_site *site = rt_direct_site(pc);
    if (site) {
        __atomic_fetch_add(&site->calls, 1, __ATOMIC_RELAXED);
        check_gil(site, h->domain, RT_OP_FREE);
    }
    int real = judge_release((uintptr_t)ptr, h->domain, RT_OP_FREE, site, pc);
    if (real >= 0)
        hooks[real].orig.free(hooks[real].orig.ctx, ptr);
    depth--;
}

static void *h_realloc(void *ctx, void *ptr, size_t size)
{
    struct domain_hook *h = ctx;
    if (depth)
        return h->orig.realloc(h->orig.ctx, ptr, size);
    depth++;
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    struct rt_site *site = rt_caller_site(pc, h->domain);
    void *out = NULL;
    if (site) {
        __atomic_fetch_add(&site->calls, 1, __ATOMIC_RELAXED);
        check_gil(site, h->domain, RT_OP_REALLOC);
    }
    if (rt_fault_should_fail(h->domain, RT_OP_REALLOC, site, size))
        goto done; /* the old block stays as it was */
    int real = h->domain;
    struct rt_block old = {0};
    if (ptr) {
        /* judged like a release, but only marked released once it moved */
        real = judge_release((uintptr_t)ptr, h->domain, RT_OP_REALLOC, site, pc);
        if (real < 0)
            goto done;
        rt_table_take((uintptr_t)ptr, false, NULL, &old);
    }
    out = hooks[real].orig.realloc(hooks[real].orig.ctx, ptr, size);
    if (out) {
        struct rt_site *owner = site ? site : old.alloc_site;
        rt_table_insert((uintptr_t)out, size, (enum rt_domain)real, pc, owner);
    } else if (ptr && old.ptr) {
        /* failed: the old block is still live where it was */
        rt_table_insert(old.ptr, old.size, (enum rt_domain)old.domain,
                        old.alloc_pc, old.alloc_site);
    }
done:
    depth--;
    return out;
}

/* libc's free(), when this library is preloaded: a block from PyMem or
 * PyObject released by free() is reported and not released (pymalloc's
 * blocks are not malloc's). */
void free(void *ptr)
{
    if (!ptr || depth || !atomic_load_explicit(&installed, memory_order_relaxed)) {
        __libc_free(ptr);
        return;
    }
    struct rt_block b;
    if (!rt_table_take((uintptr_t)ptr, false, NULL, &b) || b.state != RT_LIVE) {
        __libc_free(ptr);
        return;
    }
    depth++;
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    struct rt_site *site = rt_direct_site(pc);
    char msg[512];
    snprintf(msg, sizeof msg, "free() of a block from %s (%zu bytes); release "
             "it with %s", rt_api_name((enum rt_domain)b.domain, RT_OP_MALLOC),
             b.size, rt_api_name((enum rt_domain)b.domain, RT_OP_FREE));
    rt_report("libc-free", site, pc, msg, b.alloc_site, "allocated");
    /* released as it should have been, so the run goes on */
    rt_table_take((uintptr_t)ptr, true, site, &b);
    hooks[b.domain].orig.free(hooks[b.domain].orig.ctx, ptr);
    depth--;
}

/* A crash is recorded (child processes' crashes too, which the test
 * command may not pass on), then the signal goes on as it would have. */
static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
static struct sigaction previous[5];

static void on_crash(int sig)
{
    rt_record_crash(sig);
    for (int i = 0; i < 5; i++)
        if (crash_signals[i] == sig)
            sigaction(sig, &previous[i], NULL);
    raise(sig);
}

static void catch_crashes(void)
{
    for (int i = 0; i < 5; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_crash;
        sa.sa_flags = SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        sigaction(crash_signals[i], &sa, &previous[i]);
    }
}

static void at_exit(void)
{
    depth++; /* nothing of ours is tracked from here on */
    rt_report_exit(rt_env_flag("PYMEMRT_LEAKS", true));
}

static void before_fork(void)
{
    rt_table_lock_all();
}

static void after_fork(void)
{
    rt_table_unlock_all();
}

/*
 * Wrap the three allocators of the running interpreter. Call with the GIL
 * held (ctypes.PyDLL). 'ignore': ':'-separated path prefixes of objects
 * not to watch (the interpreter's own extension modules); may be NULL.
 * Returns 0, 1 when already installed, -1 when this is not a CPython
 * process.
 */
int pymemrt_hook_install(const char *ignore);
int pymemrt_hook_install(const char *ignore)
{
    if (atomic_load(&installed))
        return 1;
    void (*get)(int, PyMemAllocatorEx *) =
        (void (*)(int, PyMemAllocatorEx *))dlsym(RTLD_DEFAULT, "PyMem_GetAllocator");
    void (*set)(int, PyMemAllocatorEx *) =
        (void (*)(int, PyMemAllocatorEx *))dlsym(RTLD_DEFAULT, "PyMem_SetAllocator");
    gil_check = (int (*)(void))dlsym(RTLD_DEFAULT, "PyGILState_Check");
    if (!get || !set) {
        fprintf(stderr, "pymemrt: error: PyMem_SetAllocator not found: not a "
                "CPython process\n");
        return -1;
    }
    rt_sites_init(ignore, false);
    rt_faults_from_env();
    for (int d = RT_RAW; d <= RT_OBJ; d++) {
        hooks[d].domain = (enum rt_domain)d;
        get(d, &hooks[d].orig);
        PyMemAllocatorEx mine = {&hooks[d], h_malloc, h_calloc, h_realloc, h_free};
        set(d, &mine);
    }
    pthread_atfork(before_fork, after_fork, after_fork);
    rt_log_open();
    if (getenv("PYMEMRT_LOG_DIR"))
        catch_crashes();
    atexit(at_exit);
    atomic_store(&installed, true);
    rt_record("start", "deep", rt_deep_mode() ? "1" : "0", (const char *)NULL);
    return 0;
}
