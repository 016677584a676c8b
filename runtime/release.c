/*
 * runtime/release.c - judging the release of a pointer the table of blocks
 * does not know: a pointer into a live block, a stack address, static
 * storage of a loaded object, or simply unknown. Shared by the hook and
 * libpymemrt, which differ only in what they do afterwards.
 */
#define _GNU_SOURCE
#include "rt.h"

#include <dlfcn.h>
#include <stdio.h>

/* Where an unknown pointer points: "stack", "static" (naming the object
 * in 'object'), or NULL. The stack test: at most 8 MiB above this frame. */
static const char *non_heap_kind(uintptr_t ptr, char *object, size_t n)
{
    char probe;
    uintptr_t sp = (uintptr_t)&probe;
    if (ptr >= sp && ptr - sp < (8u << 20))
        return "stack";
    Dl_info info;
    if (dladdr((void *)ptr, &info) && info.dli_fname) {
        snprintf(object, n, "%s", info.dli_fname);
        return "static";
    }
    return NULL;
}

bool rt_report_unknown_release(uintptr_t ptr, const char *api,
                               struct rt_site *site, uintptr_t pc,
                               const char *unknown_why)
{
    char msg[1024];
    struct rt_block b;
    if (rt_table_containing(ptr, &b)) {
        snprintf(msg, sizeof msg,
                 "%s of a pointer %zu bytes into a %zu-byte block from %s",
                 api, (size_t)(ptr - b.ptr), b.size,
                 rt_api_name((enum rt_domain)b.domain, RT_OP_MALLOC));
        rt_report("interior-free", site, pc, msg, b.alloc_site, "allocated");
        return true;
    }
    char object[512] = "";
    const char *kind = non_heap_kind(ptr, object, sizeof object);
    if (kind) {
        if (kind[1] == 't' && kind[2] == 'a') /* "stack" */
            snprintf(msg, sizeof msg, "%s of a stack address (a local array "
                     "or variable)", api);
        else
            snprintf(msg, sizeof msg, "%s of static storage in %s", api, object);
        rt_report("non-heap-free", site, pc, msg, NULL, NULL);
        return true;
    }
    snprintf(msg, sizeof msg, "%s of %p, %s", api, (void *)ptr, unknown_why);
    rt_report("unknown-free", site, pc, msg, NULL, NULL);
    return false;
}
