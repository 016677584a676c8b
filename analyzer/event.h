/*
 * analyzer/event.h - what the dataflow engine tells the rules: one event
 * per suspicious thing seen on a path (a use before a NULL check, a
 * release, a lost block). Rules decide what to report; the engine knows no
 * rule by name.
 */
#ifndef PL_EVENT_H
#define PL_EVENT_H

#include "api.h"
#include "ast.h"

#include <stdbool.h>

enum pl_event_kind {
    PL_EV_USE_MAYBE_NULL,  /* allocation result used before a NULL check */
    PL_EV_RELEASE_MISMATCH,/* released by another family's deallocator */
    PL_EV_DOUBLE_RELEASE,  /* released again */
    PL_EV_USE_AFTER_RELEASE,
    PL_EV_LEAK,            /* last reference lost */
    PL_EV_REALLOC_SELF,    /* 'p = realloc(p, n)': p is the only copy */
    PL_EV_RELEASE_NON_HEAP,/* release of a stack, static, literal or
                              interior pointer */
    PL_EV_RELEASE_BORROWED,/* release of a buffer a Python object owns */
    PL_EV_NO_EXCEPTION,    /* error return after a failed allocation with
                              no exception set */
    PL_EV_SIZE_OVERFLOW,   /* unguarded multiplication in a size */
    PL_EV_NO_GIL,          /* PyMem/PyObject call with the GIL released */
};

/* One step of the path that leads to an event. */
struct pl_path_note {
    unsigned line, col;
    char text[96];
};

struct pl_event {
    enum pl_event_kind kind;
    const struct pl_function *fn;
    unsigned line, col;          /* where it happens */
    const char *subject;         /* expression text, e.g. "self->buf" */
    const char *what;            /* "dereferenced", "passed to 'memcpy'" */

    /* the block */
    enum pl_family family;
    const char *alloc_name;      /* "PyMem_Malloc", or a wrapper's name */
    unsigned alloc_line, alloc_col;

    /* releases */
    const char *release_name;    /* the release call of this event */
    enum pl_family release_family;
    const char *prev_release_name; /* an earlier release of the block */
    unsigned prev_line, prev_col;

    /* leaks */
    bool error_path;             /* the path returns the error indicator */
    bool lost_by_realloc;        /* lost because a realloc result replaced it */
    unsigned lost_line, lost_col;/* where the last reference went */
    const char *lost_how;        /* "goes out of scope", "is overwritten" */
    unsigned exit_line, exit_col;/* the return that ends the path */
    const char *exit_what;       /* "returns NULL", "returns -1", ... */

    bool api_buffer;             /* the block is a buffer a CPython API
                                    handed over (PML013's) */

    /* PL_EV_RELEASE_NON_HEAP: what was released ("the local array
       'buf'"); PL_EV_RELEASE_BORROWED: the function that lent it */
    const char *non_heap;
    const char *lender;

    /* PL_EV_SIZE_OVERFLOW: the size expression and its unguarded
       operand; PL_EV_NO_GIL: the call (or helper) and the line the GIL
       was released on, and the PyMem call a helper makes */
    const char *size_text;
    const char *operand;
    unsigned gil_line;
    const char *inner_call;

    const struct pl_path_note *notes; /* branches along the path */
    unsigned nnotes;
};

#endif
