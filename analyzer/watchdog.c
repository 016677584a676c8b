/*
 * analyzer/watchdog.c - survive a crash while one file is analyzed: the
 * crashed thread is parked, never resumed, and the driver reports the
 * file and starts another thread. Nothing jumps out of the crashed code,
 * so no C++ frame of libclang is skipped and libclang's own recovery
 * state stays sound. See watchdog.h.
 */
#include "watchdog.h"
#include "testfault.h"
#include "util.h"

#include <clang-c/Index.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define NCRASH_SIGNALS (sizeof crash_signals / sizeof crash_signals[0])

/* what each signal did before ours: libclang's recovery, or the default */
static struct sigaction previous[NCRASH_SIGNALS];
static bool installed;

/* per thread: where to say that it crashed, and whether it is inside a
   libclang call with recovery of its own */
static _Thread_local struct pl_crash *crash_flag;
static _Thread_local sem_t *crash_wake;
static _Thread_local struct pl_wait *wait_count;
static _Thread_local double wait_started;
static _Thread_local volatile sig_atomic_t in_libclang;
static _Thread_local void *alt_stack;

/* 256 KiB: libclang's handler runs on it too when it recovers a parse */
#define ALT_STACK_SIZE ((size_t)256 << 10)

static int signal_slot(int sig)
{
    for (size_t i = 0; i < NCRASH_SIGNALS; i++)
        if (crash_signals[i] == sig)
            return (int)i;
    return 0;
}

static void on_crash(int sig, siginfo_t *info, void *context)
{
    const struct sigaction *before = &previous[signal_slot(sig)];
    bool handled_before = (before->sa_flags & SA_SIGINFO)
                              ? before->sa_sigaction != NULL
                              : before->sa_handler != SIG_DFL &&
                                    before->sa_handler != SIG_IGN;
    if (in_libclang && handled_before) {
        /* libclang's recovery jumps back into its parse call */
        if (before->sa_flags & SA_SIGINFO)
            before->sa_sigaction(sig, info, context);
        else
            before->sa_handler(sig);
        return;
    }
    if (!crash_flag) {
        /* not in a file's analysis: what the signal did before. A fault
           happens again on return; abort() raises it again itself */
        sigaction(sig, before, NULL);
        if (!(info && info->si_code > 0)) /* sent, not a fault */
            raise(sig);
        return;
    }
    crash_flag->address = info ? info->si_addr : NULL;
    crash_flag->signal = sig;
    sem_post(crash_wake); /* async-signal-safe */
    sigset_t none;
    sigemptyset(&none);
    for (;;)
        sigsuspend(&none); /* parked: the driver has given up on it */
}

void pl_watchdog_install(void)
{
    if (installed)
        return;
    /* libclang installs its crash recovery handlers with its first index:
       they must come first, ours call them for libclang's own calls */
    clang_disposeIndex(clang_createIndex(0, 0));
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_crash;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < NCRASH_SIGNALS; i++)
        sigaction(crash_signals[i], &sa, &previous[i]);
    installed = true;
}

void pl_watchdog_watch(struct pl_crash *crashed, struct pl_wait *wait,
                       sem_t *wake)
{
    atomic_store(&wait->now, false);
    atomic_store(&wait->total_ns, 0);
    wait_count = wait;
    if (!alt_stack) {
        alt_stack = malloc(ALT_STACK_SIZE);
        stack_t ss = {.ss_sp = alt_stack, .ss_size = ALT_STACK_SIZE};
        if (!alt_stack || sigaltstack(&ss, NULL) != 0) {
            free(alt_stack); /* a crash then is a crash, as before */
            alt_stack = NULL;
        }
    }
    crash_wake = wake;
    crash_flag = crashed;
}

void pl_watchdog_unwatch(bool thread_ends)
{
    crash_flag = NULL;
    crash_wake = NULL;
    wait_count = NULL;
    if (thread_ends && alt_stack) {
        stack_t ss = {.ss_flags = SS_DISABLE};
        sigaltstack(&ss, NULL);
        free(alt_stack);
        alt_stack = NULL;
    }
}

void *pl_watchdog_stack_low(void)
{
    pthread_attr_t attr;
    void *low = NULL;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) != 0)
        return NULL;
    pthread_attr_getstack(&attr, &low, &size);
    pthread_attr_destroy(&attr);
    return low;
}

bool pl_watchdog_is_overflow(const struct pl_crash *crash, const void *stack_low)
{
    uintptr_t at = (uintptr_t)crash->address, low = (uintptr_t)stack_low;
    const uintptr_t guard = (uintptr_t)4 << 20, last = (uintptr_t)64 << 10;
    return crash->signal == SIGSEGV && low && at &&
           at + guard >= low && at < low + last;
}

void pl_watchdog_libclang_enter(void)
{
    in_libclang = 1;
}

void pl_watchdog_libclang_leave(void)
{
    in_libclang = 0;
}

/* Recurse until the stack runs out (for the tests: see below). */
static size_t overflow_stack(volatile char *above, size_t depth)
{
    volatile char frame[512];
    frame[0] = above ? above[0] : (char)depth;
    if (depth == SIZE_MAX) /* never: the stack ends long before */
        return frame[0];
    return overflow_stack(frame, depth + 1) + frame[0];
}

void pl_watchdog_test_fault(const char *path, bool in_pch_build)
{
    if (in_pch_build) {
        if (pl_test_fault_is(path, "pch-hang"))
            for (;;)
                pause();
    } else if (pl_test_fault_is(path, "segv")) {
        raise(SIGSEGV);
    } else if (pl_test_fault_is(path, "overflow")) {
        overflow_stack(NULL, 0);
    } else if (pl_test_fault_is(path, "hang")) {
        for (;;)
            pause();
    }
}

void pl_watchdog_wait_begin(void)
{
    if (!wait_count)
        return;
    wait_started = pl_monotonic_seconds();
    atomic_store(&wait_count->now, true);
}

void pl_watchdog_wait_end(void)
{
    if (!wait_count)
        return;
    double waited = pl_monotonic_seconds() - wait_started;
    atomic_fetch_add(&wait_count->total_ns, (long long)(waited * 1e9));
    atomic_store(&wait_count->now, false);
}
