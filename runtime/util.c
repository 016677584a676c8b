/*
 * runtime/util.c - internal memory that bypasses every watched allocator
 * (glibc's __libc_* entry points), API names, environment flags.
 */
#include "rt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* glibc exports these; an interposed free() never sees their blocks. */
extern void *__libc_calloc(size_t nelem, size_t size);
extern void __libc_free(void *p);

void *rt_alloc(size_t size)
{
    void *p = __libc_calloc(1, size ? size : 1);
    if (!p) {
        static const char msg[] = "pymemrt: fatal: out of memory\n";
        ssize_t ignored = write(2, msg, sizeof msg - 1);
        (void)ignored;
        abort();
    }
    return p;
}

void rt_free(void *p)
{
    __libc_free(p);
}

char *rt_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = rt_alloc(n);
    memcpy(copy, s, n);
    return copy;
}

const char *rt_domain_name(enum rt_domain domain)
{
    switch (domain) {
    case RT_RAW: return "PyMem_Raw";
    case RT_MEM: return "PyMem";
    case RT_OBJ: return "PyObject";
    case RT_LIBC: return "libc";
    }
    return "?";
}

const char *rt_api_name(enum rt_domain domain, enum rt_op op)
{
    static const char *const names[4][4] = {
        {"PyMem_RawMalloc", "PyMem_RawCalloc", "PyMem_RawRealloc", "PyMem_RawFree"},
        {"PyMem_Malloc", "PyMem_Calloc", "PyMem_Realloc", "PyMem_Free"},
        {"PyObject_Malloc", "PyObject_Calloc", "PyObject_Realloc", "PyObject_Free"},
        {"malloc", "calloc", "realloc", "free"},
    };
    if ((unsigned)domain > RT_LIBC || (unsigned)op > RT_OP_FREE)
        return "?";
    return names[domain][op];
}

bool rt_env_flag(const char *name, bool fallback)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return fallback;
    return !(strcmp(v, "0") == 0 || strcmp(v, "no") == 0 ||
             strcmp(v, "false") == 0);
}
