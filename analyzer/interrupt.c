/*
 * analyzer/interrupt.c - Ctrl-C and SIGTERM (see interrupt.h). The signal
 * handler only writes the signal's number to a pipe; a thread waiting on
 * it does the cleaning, which needs locks and nftw(), then ends the
 * process with status 128 + the signal, as a shell reports it.
 */
#include "interrupt.h"
#include "testfault.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum kind { REMOVE_FILE, REMOVE_TREE, KILL_GROUP };

struct item {
    enum kind kind;
    char *path;   /* REMOVE_*: heap */
    pid_t pgid;   /* KILL_GROUP */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct item *items;
static size_t nitems, items_cap;
static int wake[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char byte = (unsigned char)sig;
    if (write(wake[1], &byte, 1) < 0) {
        /* nothing else is safe here: the default action then */
        signal(sig, SIG_DFL);
        raise(sig);
    }
    errno = saved;
}

static void *reaper(void *arg)
{
    (void)arg;
    unsigned char sig = 0;
    while (read(wake[0], &sig, 1) < 0 && errno == EINTR)
        ;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nitems; i++)
        if (items[i].kind == KILL_GROUP)
            kill(-items[i].pgid, SIGKILL);
    for (size_t i = 0; i < nitems; i++) {
        if (items[i].kind == REMOVE_FILE)
            unlink(items[i].path);
        else if (items[i].kind == REMOVE_TREE)
            pl_remove_tree(items[i].path);
    }
    fprintf(stderr, "\npymem-lint: interrupted by %s; no output written\n",
            sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal");
    fflush(stderr);
    _exit(128 + sig);
}

void pl_interrupt_install(void)
{
    if (pipe(wake) != 0) {
        pl_warning("cannot catch Ctrl-C: %s", strerror(errno));
        return;
    }
    fcntl(wake[0], F_SETFD, FD_CLOEXEC);
    fcntl(wake[1], F_SETFD, FD_CLOEXEC);
    pthread_t thread;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&thread, &attr, reaper, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        pl_warning("cannot catch Ctrl-C: %s", strerror(rc));
        return;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* with the lock held */
static void add_locked(enum kind kind, const char *path, pid_t pgid)
{
    struct item it = {kind, path ? pl_xstrdup(path) : NULL, pgid};
    PL_PUSH(items, nitems, items_cap, it);
}

void pl_interrupt_remove_file(const char *path)
{
    pthread_mutex_lock(&lock);
    add_locked(REMOVE_FILE, path, 0);
    pthread_mutex_unlock(&lock);
}

/* The reaper takes the lock before it removes or kills anything: what is
   made under it is on the list before an interrupt is acted on (made
   first and listed after, a SIGINT in between left it behind). */

int pl_interrupt_mkstemp(char *templ)
{
    pthread_mutex_lock(&lock);
    int fd = mkstemp(templ);
    if (fd >= 0)
        add_locked(REMOVE_FILE, templ, 0);
    int saved = errno;
    pthread_mutex_unlock(&lock);
    errno = saved;
    return fd;
}

char *pl_interrupt_temp_dir(const char *name)
{
    pthread_mutex_lock(&lock);
    char *dir = pl_temp_dir(name);
    if (dir)
        add_locked(REMOVE_TREE, dir, 0);
    int saved = errno;
    pthread_mutex_unlock(&lock);
    errno = saved;
    return dir;
}

/* PYMEM_LINT_TEST_FAULT=validate-fork:slow (tests/e2e/hostile.sh, 6d): the
   parent waits 3 s after fork() where the group was once not yet
   registered, so that a test can interrupt it there. */
static void test_fault_after_fork(void)
{
    if (pl_test_fault_is("validate-fork", "slow"))
        sleep(3);
}

pid_t pl_interrupt_fork_group(void)
{
    pthread_mutex_lock(&lock);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        return 0; /* the child's copy of the lock stays held: unused */
    }
    if (pid > 0) {
        setpgid(pid, pid); /* as the child does: whichever runs first */
        test_fault_after_fork();
        add_locked(KILL_GROUP, NULL, pid);
    }
    pthread_mutex_unlock(&lock);
    return pid;
}

static void forget(const char *path, pid_t pgid)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nitems; i++) {
        bool match = path ? items[i].path && strcmp(items[i].path, path) == 0
                          : items[i].kind == KILL_GROUP && items[i].pgid == pgid;
        if (match) {
            free(items[i].path);
            items[i] = items[--nitems];
            break;
        }
    }
    pthread_mutex_unlock(&lock);
}

void pl_interrupt_forget(const char *path)
{
    forget(path, 0);
}

void pl_interrupt_forget_group(pid_t pgid)
{
    forget(NULL, pgid);
}
