/*
 * runtime/sites.c - call sites: which loaded object a return address lies
 * in, whether that object is watched (an extension, not the interpreter,
 * the C library or the runtime itself), the cached per-address record,
 * deep attribution through the stack, and file:line from DWARF (libdw),
 * resolved lazily and once per address.
 */
#define _GNU_SOURCE
#include "rt.h"

#include <dlfcn.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <execinfo.h>
#include <stdio.h>
#include <link.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- core objects: address ranges known at start ---- */

#define MAX_CORE_RANGES 64
static struct { uintptr_t lo, hi; } core_ranges[MAX_CORE_RANGES];
static int ncore_ranges;
static char *ignore_prefixes;   /* ':'-separated, owned */
static char *watch_only;        /* PYMEMRT_WATCH, ':'-separated, owned */
static int deep; /* 0 off, 1 MEM and RAW domains, 2 all */
static uintptr_t self_base;
static bool standalone_mode;

/* Whether an object of this path is the interpreter or a system library. */
static bool core_name(const char *path)
{
    if (!path || !*path)
        return true; /* the main executable */
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    static const char *const prefixes[] = {
        "libpython", "libc.so", "libc-", "ld-linux", "ld-", "libm.so",
        "libpthread", "libdl", "librt", "libgcc_s", "libstdc++", "libdw",
        "libelf", "libz.so", "liblzma", "libbz2", "libzstd", "libffi",
        "libexpat", "libssl", "libcrypto", "libsqlite3", "libuuid",
        "libncurses", "libtinfo", "libreadline", "libmpdec", "linux-vdso",
        "libpymemrt", "libasan", "libubsan", "libutil", "libcrypt",
        "libnsl", "libgdbm", "libtcl", "libtk", "libX", "libb2",
    };
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(base, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

static bool in_list(const char *list, const char *path, bool prefix)
{
    if (!list || !path)
        return false;
    const char *p = list;
    while (*p) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n) {
            if (prefix ? strncmp(path, p, n) == 0
                       : memmem(path, strlen(path), p, n) != NULL)
                return true;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}

static int note_core(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    bool self = info->dlpi_addr == self_base && self_base != 0;
    if (!self && (standalone_mode || !core_name(info->dlpi_name)))
        return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
            continue;
        if (ncore_ranges == MAX_CORE_RANGES)
            return 1;
        core_ranges[ncore_ranges].lo = info->dlpi_addr + ph->p_vaddr;
        core_ranges[ncore_ranges].hi =
            info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
        ncore_ranges++;
    }
    return 0;
}

void rt_sites_init(const char *ignore, bool standalone)
{
    standalone_mode = standalone;
    Dl_info self;
    if (dladdr((void *)rt_sites_init, &self) && self.dli_fbase)
        self_base = (uintptr_t)self.dli_fbase;
    /* dl_iterate_phdr reports a library's load bias; for a shared object
       that is its base address */
    ncore_ranges = 0;
    dl_iterate_phdr(note_core, NULL);
    if (ignore && *ignore)
        ignore_prefixes = rt_strdup(ignore);
    const char *w = getenv("PYMEMRT_WATCH");
    if (w && *w)
        watch_only = rt_strdup(w);
    const char *d = getenv("PYMEMRT_DEEP");
    deep = !d || !*d || strcmp(d, "0") == 0 ? 0
           : strcmp(d, "all") == 0          ? 2
                                            : 1;
}

bool rt_deep_mode(void)
{
    return deep != 0;
}

bool rt_pc_is_core(uintptr_t pc)
{
    for (int i = 0; i < ncore_ranges; i++)
        if (pc >= core_ranges[i].lo && pc < core_ranges[i].hi)
            return true;
    return false;
}

/* ---- the cache of sites: lock-free open addressing ---- */

#define SITE_SLOTS (1u << 16)
static _Atomic(struct rt_site *) site_slots[SITE_SLOTS];
static struct rt_site overflow_site; /* when the cache is full */

static struct rt_site *new_site(uintptr_t pc)
{
    struct rt_site *s = rt_alloc(sizeof *s);
    s->pc = pc;
    Dl_info info;
    const char *object = NULL;
    if (dladdr((void *)pc, &info) && info.dli_fname)
        object = info.dli_fname;
    bool self = info.dli_fbase && (uintptr_t)info.dli_fbase == self_base;
    s->object = object ? rt_strdup(object) : NULL;
    if (standalone_mode) {
        s->watched = !self;
        return s;
    }
    s->watched = object && !self && !core_name(object) &&
                 !in_list(ignore_prefixes, object, true) &&
                 (!watch_only || in_list(watch_only, object, false));
    return s;
}

struct rt_site *rt_site_of(uintptr_t pc)
{
    size_t h = (size_t)((pc * 0x9E3779B97F4A7C15ull) >> 48) & (SITE_SLOTS - 1);
    struct rt_site *fresh = NULL;
    for (size_t probe = 0; probe < SITE_SLOTS; probe++) {
        size_t i = (h + probe) & (SITE_SLOTS - 1);
        struct rt_site *s = atomic_load_explicit(&site_slots[i],
                                                 memory_order_acquire);
        if (s) {
            if (s->pc == pc) {
                if (fresh) {
                    rt_free((void *)fresh->object);
                    rt_free(fresh);
                }
                return s;
            }
            continue;
        }
        if (!fresh)
            fresh = new_site(pc);
        struct rt_site *expected = NULL;
        if (atomic_compare_exchange_strong(&site_slots[i], &expected, fresh))
            return fresh;
        if (expected->pc == pc) {
            rt_free((void *)fresh->object);
            rt_free(fresh);
            return expected;
        }
    }
    return &overflow_site;
}

struct rt_site *rt_direct_site(uintptr_t pc)
{
    if (rt_pc_is_core(pc))
        return NULL;
    struct rt_site *s = rt_site_of(pc);
    return s->watched ? s : NULL;
}

struct rt_site *rt_caller_site(uintptr_t pc, enum rt_domain domain)
{
    if (!rt_pc_is_core(pc)) {
        struct rt_site *s = rt_site_of(pc);
        if (s->watched)
            return s;
    }
    if (!deep || (deep == 1 && domain == RT_OBJ))
        return NULL;
    void *frames[24];
    int n = backtrace(frames, 24);
    for (int i = 0; i < n; i++) {
        uintptr_t f = (uintptr_t)frames[i];
        if (rt_pc_is_core(f))
            continue;
        struct rt_site *s = rt_site_of(f);
        if (s->watched)
            return s;
    }
    return NULL;
}

void rt_sites_each(void (*fn)(struct rt_site *site, void *arg), void *arg)
{
    for (size_t i = 0; i < SITE_SLOTS; i++) {
        struct rt_site *s = atomic_load(&site_slots[i]);
        if (s && s->watched)
            fn(s, arg);
    }
}

/* ---- DWARF: file:line of a return address ---- */

static pthread_mutex_t dwfl_lock = PTHREAD_MUTEX_INITIALIZER;
static Dwfl *dwfl;
static char *debuginfo_path;
static const Dwfl_Callbacks dwfl_callbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .debuginfo_path = &debuginfo_path,
};

static bool dwfl_report_process(void)
{
    if (!dwfl) {
        dwfl = dwfl_begin(&dwfl_callbacks);
        if (!dwfl)
            return false;
    }
    dwfl_report_begin(dwfl);
    int rc = dwfl_linux_proc_report(dwfl, getpid());
    dwfl_report_end(dwfl, NULL, NULL);
    return rc == 0;
}

/* The line of 'addr' found by walking the compile units: clang emits no
 * .debug_aranges by default, and without it dwfl_module_getsrc finds
 * nothing. Borrowed from libdw, or NULL. */
static const char *line_from_cus(Dwfl_Module *mod, Dwarf_Addr addr,
                                 int *lineno)
{
    Dwarf_Addr bias = 0;
    Dwarf_Die *cu = NULL;
    while ((cu = dwfl_module_nextcu(mod, cu, &bias))) {
        if (dwarf_haspc(cu, addr - bias) != 1)
            continue;
        Dwarf_Line *l = dwarf_getsrc_die(cu, addr - bias);
        if (!l || dwarf_lineno(l, lineno) != 0)
            return NULL;
        return dwarf_linesrc(l, NULL, NULL);
    }
    return NULL;
}

void rt_site_resolve(struct rt_site *site)
{
    if (!site || site->resolved || site == &overflow_site)
        return;
    pthread_mutex_lock(&dwfl_lock);
    if (site->resolved) {
        pthread_mutex_unlock(&dwfl_lock);
        return;
    }
    Dwarf_Addr addr = site->pc - 1; /* the call instruction */
    Dwfl_Module *mod = NULL;
    if (dwfl || dwfl_report_process())
        mod = dwfl_addrmodule(dwfl, addr);
    if (!mod && dwfl_report_process()) /* loaded since: report again */
        mod = dwfl_addrmodule(dwfl, addr);
    if (mod) {
        Dwfl_Line *line = dwfl_module_getsrc(mod, addr);
        int lineno = 0;
        const char *file = line ? dwfl_lineinfo(line, NULL, &lineno, NULL,
                                                NULL, NULL)
                                : NULL;
        if (!file)
            file = line_from_cus(mod, addr, &lineno);
        if (file) {
            site->file = rt_strdup(file);
            site->line = (unsigned)lineno;
        }
        const char *fn = dwfl_module_addrname(mod, addr);
        if (fn)
            site->function = rt_strdup(fn);
    }
    site->resolved = true;
    pthread_mutex_unlock(&dwfl_lock);
}

void rt_site_format(struct rt_site *site, uintptr_t pc, char *buf, size_t n)
{
    if (site) {
        rt_site_resolve(site);
        if (site->file) {
            snprintf(buf, n, "%s:%u", site->file, site->line);
            return;
        }
        pc = site->pc;
    }
    Dl_info info;
    if (pc && dladdr((void *)pc, &info) && info.dli_fname)
        snprintf(buf, n, "%s+0x%lx", info.dli_fname,
                 (unsigned long)(pc - (uintptr_t)info.dli_fbase));
    else
        snprintf(buf, n, "0x%lx", (unsigned long)pc);
}
