/*
 * analyzer/api.h - what the analyzer knows about library functions by
 * name: allocator families, deallocators, functions that only read or copy
 * their buffer arguments, functions that always return NULL, and functions
 * that do not return.
 */
#ifndef PL_API_H
#define PL_API_H

#include <stdbool.h>

enum pl_family {
    PL_FAM_NONE,
    PL_FAM_MEM,  /* PyMem_Malloc ... PyMem_Free */
    PL_FAM_RAW,  /* PyMem_RawMalloc ... PyMem_RawFree */
    PL_FAM_OBJ,  /* PyObject_Malloc ... PyObject_Free */
    PL_FAM_LIBC, /* malloc ... free */
};

enum pl_api_role {
    PL_API_UNKNOWN,      /* not in the table: may take over its arguments */
    PL_API_ALLOC,        /* returns a new block of 'family' or NULL */
    PL_API_REALLOC,      /* (ptr, size): moves the block of arg 0 */
    PL_API_FREE,         /* releases arg 0 */
    PL_API_READS,        /* reads or copies its pointer arguments only */
    PL_API_RETURNS_NULL, /* sets an exception and returns NULL */
};

struct pl_api {
    const char *name;
    enum pl_api_role role;
    enum pl_family family;
    unsigned nonnull_args; /* bit i: argument i must not be NULL */
    bool returns_arg0;     /* returns its first argument (strcpy) */
};

/* Look 'name' up. Returns a static entry, or NULL when unknown. */
const struct pl_api *pl_api_lookup(const char *name);

/*
 * True when library function 'name' may keep a pointer passed to it
 * (PyCapsule_New, PyObject_Init, putenv, ...). Other library functions
 * that are not in the table are taken to only read their arguments.
 */
bool pl_api_keeps_pointer(const char *name);

/* True when the table is sorted and free of duplicates (for tests). */
bool pl_api_table_is_sorted(void);

/* True when a call of 'name' never returns (abort, Py_FatalError, ...). */
bool pl_api_is_noreturn(const char *name);

/* The family's usual deallocator, e.g. "PyMem_Free". */
const char *pl_family_release_name(enum pl_family family);

/* A short name of the family, e.g. "PyMem". */
const char *pl_family_name(enum pl_family family);

#endif
