/*
 * analyzer/testrun.h - running the user's test command under the pymem-lint
 * runtime hook (runtime/hook.c): each run gets its own record directory,
 * the hook is loaded into every Python process it starts (PYTHONPATH to
 * the hook's sitecustomize.py, LD_PRELOAD for the free() check), faults
 * are injected as the run's spec says, runs go in parallel with a time
 * limit each, and the JSON-line records the hook wrote are read back.
 */
#ifndef PL_TESTRUN_H
#define PL_TESTRUN_H

#include <stdbool.h>
#include <stddef.h>

/* A place in the extension's source, as the hook resolved it. */
struct pl_rec_place {
    char *file;      /* as in the DWARF line table (often absolute) */
    unsigned line;
    char *kind;      /* error kind ("double-free"), or NULL */
    char *message;   /* the hook's message, or NULL */
    unsigned long count; /* calls (site), blocks (leak) */
};

struct pl_rec_places {
    struct pl_rec_place *items;
    size_t len, cap;
};

struct pl_testrun {
    /* in */
    char *faults;            /* PYMEMRT_FAULTS, or NULL for a plain run */
    bool deep_all;           /* attribute objects made by the interpreter
                                to the extension line too (slow) */
    /* out */
    char *dir;               /* its record directory */
    bool started;            /* the command could be started */
    bool timed_out;
    int exit_status;         /* when it exited */
    int signal;              /* when a signal ended it, else 0 */
    int crash_signal;        /* a process of it crashed (the hook saw the
                                signal), else 0 */
    double seconds;
    struct pl_rec_places errors, faults_injected, leaks, sites;
    char *output;            /* stdout + stderr, at most 16 MiB */
    size_t processes;        /* processes that loaded the hook */
};

struct pl_testrun_options {
    char *const *command;    /* argv, NULL-terminated */
    const char *runtime_dir; /* holds libpymemrt-hook.so, sitecustomize.py */
    unsigned jobs;           /* runs at once */
    unsigned timeout;        /* seconds per run; 0: none */
    bool preload;            /* LD_PRELOAD the hook (free() check) */
    const char *work_dir;    /* where run directories go */
};

/* Find the runtime next to the pymem-lint binary (build tree or install
 * tree) or in $PYMEM_LINT_RUNTIME. Heap string, or NULL after reporting. */
char *pl_runtime_dir(const char *explicit_dir);

/* Run 'runs' (each once), at most o->jobs at a time; fills their out
 * fields. Returns 0, or -1 after reporting a failure to set up. */
int pl_testruns(struct pl_testrun *runs, size_t n,
                const struct pl_testrun_options *o);

/* How a run ended, for messages: "exit 0", "SIGSEGV", "timed out". */
const char *pl_testrun_ending(const struct pl_testrun *run, char *buf,
                              size_t size);

/* Whether the run crashed: a signal, or a crash its shell or interpreter
 * reported. */
bool pl_testrun_crashed(const struct pl_testrun *run);

void pl_testrun_release(struct pl_testrun *run);

#endif
