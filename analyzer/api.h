/*
 * analyzer/api.h - what the analyzer knows about library functions by
 * name, from one table (api.c): allocator families, deallocators, buffers
 * that CPython hands to the caller or lends, functions that only read or
 * copy their arguments, take them over, set an exception on failure,
 * release or take back the GIL, or never return. Each entry names the
 * documentation page it comes from.
 */
#ifndef PL_API_H
#define PL_API_H

#include <stdbool.h>
#include <stddef.h>

enum pl_family {
    PL_FAM_NONE,
    PL_FAM_MEM,  /* PyMem_Malloc ... PyMem_Free */
    PL_FAM_RAW,  /* PyMem_RawMalloc ... PyMem_RawFree */
    PL_FAM_OBJ,  /* PyObject_Malloc ... PyObject_Free */
    PL_FAM_LIBC, /* malloc ... free */
    PL_FAM_PROJECT, /* first of the families a configuration declares */
};

#define PL_MAX_PROJECT_FAMILIES 32

enum pl_api_role {
    PL_API_UNKNOWN,      /* not in the table: may take over its arguments */
    PL_API_ALLOC,        /* returns a new block of 'family' or NULL */
    PL_API_REALLOC,      /* (ptr, size): moves the block of arg 0 */
    PL_API_FREE,         /* releases arg 0 */
    PL_API_READS,        /* reads or copies its pointer arguments only */
    PL_API_RETURNS_NULL, /* sets an exception and returns NULL */
    PL_API_BORROWS,      /* returns a buffer owned by a Python object */
    PL_API_ARGPARSE,     /* PyArg_Parse*: outputs follow its format */
};

/* What else a function does (bits of struct pl_api.flags). */
enum pl_api_flag {
    PL_AF_SETS_EXC = 1 << 0,    /* sets an exception when it fails */
    PL_AF_API_BUFFER = 1 << 1,  /* PL_API_ALLOC: a buffer CPython hands over */
    PL_AF_KEEPS = 1 << 2,       /* may keep a pointer passed to it */
    PL_AF_NORETURN = 1 << 3,    /* never returns */
    PL_AF_GIL_RELEASE = 1 << 4, /* the GIL is not held after it */
    PL_AF_GIL_ACQUIRE = 1 << 5, /* the GIL is held after it */
    PL_AF_OUT_BORROWED = 1 << 6,/* *arg[out_arg] receives a lent buffer */
    PL_AF_OUT_VIEW = 1 << 7,    /* arg[out_arg] is a Py_buffer it fills */
    PL_AF_KEYWORDS = 1 << 8,    /* PL_API_ARGPARSE: (args, kw, fmt, kwlist) */
    PL_AF_NO_STORE = 1 << 9,    /* writes no pointer a caller follows
                                   through its arguments (PyBuffer_Release
                                   leaves view.buf as it was) */
};

struct pl_api {
    const char *name;
    enum pl_api_role role;
    enum pl_family family;
    unsigned nonnull_args; /* bit i: argument i must not be NULL */
    bool returns_arg0;     /* returns its first argument (strcpy) */
    unsigned flags;        /* enum pl_api_flag bits */
    signed char arg;       /* PL_AF_OUT_*: the out-argument; ARGPARSE:
                              the format argument */
    const char *doc;       /* the page it comes from; NULL: see
                              pl_api_doc() */
};

/* The documentation page an entry comes from (a URL or a man page). */
const char *pl_api_doc(const struct pl_api *api);

/* Every entry of the table, in name order, and their number. */
const struct pl_api *pl_api_table(unsigned *count);

/* Look 'name' up. Returns a static entry, or NULL when unknown. */
const struct pl_api *pl_api_lookup(const char *name);

/* A project's own functions (from its configuration file): entries
 * sorted by name, which come before the table. */
struct pl_project {
    struct pl_api *entries;     /* names owned by the project */
    size_t len;
};

/* Look 'name' up in 'project' (may be NULL), then in the table. */
const struct pl_api *pl_api_find(const struct pl_project *project,
                                 const char *name);

/* pl_api_is_noreturn() that also knows 'project' (a struct pl_project *
 * or NULL), in the form the CFG builder takes. */
bool pl_project_is_noreturn(const void *project, const char *name);

/*
 * A project's allocator family named 'name' whose deallocator is
 * 'release_name' (copied): its id, the same for the same name. Call before
 * analysis starts (not thread-safe); PL_FAM_NONE when there are too many.
 */
enum pl_family pl_family_register(const char *name, const char *release_name);

/*
 * True when library function 'name' may keep a pointer passed to it
 * (PyCapsule_New, PyObject_Init, putenv, ...): an entry with PL_AF_KEEPS.
 * Other library functions that are not in the table are taken to only
 * read their arguments.
 */
bool pl_api_keeps_pointer(const char *name);

/* True when the table is sorted and free of duplicates (for tests). */
bool pl_api_table_is_sorted(void);

/* True when a call of 'name' never returns (abort, Py_FatalError, ...). */
bool pl_api_is_noreturn(const char *name);

/* The name users wrote for 'name': "PyArg_ParseTuple" for the
 * _PyArg_ParseTuple_SizeT that PY_SSIZE_T_CLEAN renames it to. */
const char *pl_api_display_name(const char *name);

/* The family's usual deallocator, e.g. "PyMem_Free". */
const char *pl_family_release_name(enum pl_family family);

/* The family whose pl_family_name() is 'name'; PL_FAM_NONE if none. */
enum pl_family pl_family_by_name(const char *name);

/* A short name of the family, e.g. "PyMem". */
const char *pl_family_name(enum pl_family family);

#endif
