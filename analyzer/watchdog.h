/*
 * analyzer/watchdog.h - keep a run going past a file that crashes the
 * analysis. A worker thread marks the stretch in which it analyzes one
 * file; a SIGSEGV, SIGBUS, SIGFPE, SIGILL or SIGABRT there (a stack
 * overflow too: the handler runs on the thread's alternate stack) parks
 * the thread for good, records the signal and wakes the driver, which
 * reports the file as failed and goes on with another thread. A crash
 * inside libclang's own parse goes to libclang's crash recovery first.
 * The per-file time limit is the driver's (driver.c).
 */
#ifndef PL_WATCHDOG_H
#define PL_WATCHDOG_H

#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

/* Install the crash handlers. Call once, from the main thread, before
   any worker starts; creates a libclang index first, so that libclang's
   crash recovery (its own handlers) is installed before ours. */
void pl_watchdog_install(void);

/* What a crash left for the driver: the signal, and for a fault the
   address it touched. */
struct pl_crash {
    volatile sig_atomic_t signal; /* 0 until a crash */
    void *volatile address;
};

/* Time a watched thread spent waiting for another thread's work (a PCH
   that one builds), which its file's time limit does not count: 'now'
   while it waits, 'total_ns' waited on this file. */
struct pl_wait {
    atomic_bool now;
    atomic_llong total_ns;
};

/* This thread analyzes a file from now on: a crash fills '*crash', posts
   'wake' and parks the thread; waits are counted in '*wait' (reset here).
   Gives the thread an alternate signal stack the first time. */
void pl_watchdog_watch(struct pl_crash *crash, struct pl_wait *wait,
                       sem_t *wake);

/* Around a wait for another thread's work, in a watched thread (else
   nothing is counted). */
void pl_watchdog_wait_begin(void);
void pl_watchdog_wait_end(void);

/* Whether a crash's address lies in the guard below the calling thread's
   stack or the stack's last 64 KiB: the stack ran out. For the driver to
   ask about another thread, 'stack_low' is that thread's lowest stack
   address (pl_watchdog_stack_low() in it). */
bool pl_watchdog_is_overflow(const struct pl_crash *crash, const void *stack_low);
void *pl_watchdog_stack_low(void);

/* No file from now on: a crash is a crash again. Frees the alternate
   stack when 'thread_ends'. */
void pl_watchdog_unwatch(bool thread_ends);

/* Around calls that libclang runs under its own crash recovery
   (clang_parseTranslationUnit2, clang_saveTranslationUnit): a crash there
   is libclang's to recover from. */
void pl_watchdog_libclang_enter(void);
void pl_watchdog_libclang_leave(void);

/*
 * The tests' way to make the analysis of one file fail as a bug in it
 * would: PYMEM_LINT_TEST_FAULT=NAME:segv (a SIGSEGV), NAME:overflow (a
 * real stack overflow) or NAME:hang (a loop without end) when analyzing
 * the file whose name ends in NAME ('in_pch_build' false), and
 * NAME:pch-hang while building the PCH that file asked for (true)
 * (testfault.h).
 */
void pl_watchdog_test_fault(const char *path, bool in_pch_build);

#endif
