/*
 * analyzer/flags.h - the compiler arguments used to parse each file: from
 * a compile_commands.json (given with -p or found near the file), else the
 * include directories of a Python interpreter, plus the user's extras.
 */
#ifndef PL_FLAGS_H
#define PL_FLAGS_H

#include <stdbool.h>
#include <stddef.h>

struct pl_argv {
    char **argv; /* heap strings */
    size_t argc, cap;
};

void pl_argv_init(struct pl_argv *a);
void pl_argv_release(struct pl_argv *a);
void pl_argv_push(struct pl_argv *a, const char *arg);

struct pl_flags;

/*
 * Prepare flag lookup. 'db_dir' is -p (or NULL), 'python' the interpreter
 * for the fallback (or NULL for "python3"), 'extra' the --extra-arg values.
 * Returns NULL after reporting when -p names no usable database.
 * Ownership: the caller frees the result with pl_flags_free().
 */
struct pl_flags *pl_flags_new(const char *db_dir, const char *python,
                              const struct pl_argv *extra);
void pl_flags_free(struct pl_flags *flags);

/*
 * Fill 'out' (initialized by the caller) with the arguments for 'path'.
 * Returns 0, or -1 after reporting when no flags can be found at all.
 * Not thread-safe: call it before starting workers.
 */
int pl_flags_for(struct pl_flags *flags, const char *path,
                 struct pl_argv *out);

/* Where the flags came from for the last pl_flags_for() ("database
 * /x/compile_commands.json" or "python3 include directory"). Borrowed. */
const char *pl_flags_origin(const struct pl_flags *flags);

#endif
