/*
 * analyzer/testrun.c - run the user's test command under the runtime hook
 * and read back what the hook recorded (see testrun.h).
 */
#include "testrun.h"
#include "interrupt.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HOOK_LIB "libpymemrt-hook.so"
#define OUTPUT_LIMIT (16u << 20)

static bool runtime_in(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, HOOK_LIB);
    if (access(path, R_OK) != 0)
        return false;
    snprintf(path, sizeof path, "%s/sitecustomize.py", dir);
    return access(path, R_OK) == 0;
}

char *pl_runtime_dir(const char *explicit_dir)
{
    const char *env = getenv("PYMEM_LINT_RUNTIME");
    const char *named = explicit_dir ? explicit_dir : env;
    if (named) {
        if (runtime_in(named))
            return realpath(named, NULL);
        pl_error("'%s' does not hold the runtime (%s and sitecustomize.py)",
                 named, HOOK_LIB);
        return NULL;
    }
    char *exe = realpath("/proc/self/exe", NULL);
    if (exe) {
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        static const char *const candidates[] = {"runtime", "../lib/pymem-lint"};
        for (size_t i = 0; i < 2; i++) {
            char dir[4096];
            snprintf(dir, sizeof dir, "%s/%s", exe, candidates[i]);
            if (runtime_in(dir)) {
                free(exe);
                return realpath(dir, NULL);
            }
        }
        free(exe);
    }
    pl_error("the runtime (%s) was not found next to pymem-lint; build it, "
             "or name its directory with --runtime DIR", HOOK_LIB);
    return NULL;
}

/* ---- reading the records ---- */

static void place_add(struct pl_rec_places *p, json_t *rec, const char *kind,
                      unsigned long count)
{
    const char *file = json_string_value(json_object_get(rec, "file"));
    json_int_t line = json_integer_value(json_object_get(rec, "line"));
    if (!file || !*file || line <= 0)
        return;
    const char *message = json_string_value(json_object_get(rec, "message"));
    struct pl_rec_place place = {pl_xstrdup(file), (unsigned)line,
                                 kind ? pl_xstrdup(kind) : NULL,
                                 message ? pl_xstrdup(message) : NULL, count};
    PL_PUSH(p->items, p->len, p->cap, place);
}

static void read_records(struct pl_testrun *run, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *rec = json_loads(line, 0, NULL);
        if (!json_is_object(rec)) {
            json_decref(rec);
            continue; /* a line cut short by a crash */
        }
        const char *event = json_string_value(json_object_get(rec, "event"));
        json_int_t n;
        if (!event) {
            /* not ours */
        } else if (strcmp(event, "crash") == 0) {
            n = json_integer_value(json_object_get(rec, "signal"));
            if (!run->crash_signal)
                run->crash_signal = (int)n;
        } else if (strcmp(event, "start") == 0) {
            run->processes++;
        } else if (strcmp(event, "error") == 0) {
            place_add(&run->errors, rec,
                      json_string_value(json_object_get(rec, "kind")), 1);
        } else if (strcmp(event, "fault") == 0) {
            place_add(&run->faults_injected, rec, NULL, 1);
        } else if (strcmp(event, "leak") == 0) {
            n = json_integer_value(json_object_get(rec, "blocks"));
            place_add(&run->leaks, rec, NULL, n > 0 ? (unsigned long)n : 0);
        } else if (strcmp(event, "site") == 0) {
            n = json_integer_value(json_object_get(rec, "calls"));
            place_add(&run->sites, rec, NULL, n > 0 ? (unsigned long)n : 0);
        }
        json_decref(rec);
    }
    free(line);
    fclose(f);
}

static void read_run_dir(struct pl_testrun *run)
{
    DIR *d = opendir(run->dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "pymemrt.", 8) != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", run->dir, e->d_name);
        read_records(run, path);
    }
    closedir(d);
    char path[4096];
    snprintf(path, sizeof path, "%s/output.txt", run->dir);
    FILE *f = fopen(path, "r");
    if (f) {
        run->output = pl_xmalloc(OUTPUT_LIMIT + 1);
        size_t n = fread(run->output, 1, OUTPUT_LIMIT, f);
        run->output[n] = '\0';
        fclose(f);
    }
}

/* ---- starting and waiting ---- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "VALUE" or "VALUE:OLD" when the variable was set. */
static void set_prefixed(const char *name, const char *value)
{
    const char *old = getenv(name);
    if (old && *old) {
        char *both = pl_xmalloc(strlen(value) + strlen(old) + 2);
        sprintf(both, "%s:%s", value, old);
        setenv(name, both, 1);
        free(both);
    } else {
        setenv(name, value, 1);
    }
}

/* In the child: set up and exec; never returns. */
static void exec_run(const struct pl_testrun *run,
                     const struct pl_testrun_options *o)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/output.txt", run->dir);
    int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = open("/dev/null", O_RDONLY);
    if (out < 0 || in < 0)
        _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    close(in);
    close(out);
    char lib[4096];
    snprintf(lib, sizeof lib, "%s/%s", o->runtime_dir, HOOK_LIB);
    set_prefixed("PYTHONPATH", o->runtime_dir);
    if (o->preload)
        set_prefixed("LD_PRELOAD", lib);
    setenv("PYMEMRT_HOOK_LIB", lib, 1);
    setenv("PYMEMRT_LOG_DIR", run->dir, 1);
    setenv("PYMEMRT_DEEP", run->deep_all ? "all" : "1", 1);
    if (run->faults)
        setenv("PYMEMRT_FAULTS", run->faults, 1);
    else
        unsetenv("PYMEMRT_FAULTS");
    unsetenv("PYMEMRT_FAULTS_FILE");
    unsetenv("PYMEMRT_ABORT");
    execvp(o->command[0], o->command);
    fprintf(stderr, "pymem-lint: error: cannot run '%s': %s\n", o->command[0],
            strerror(errno));
    _exit(127);
}

struct child {
    pid_t pid;
    size_t run;
    double started;
    bool killed;
};

int pl_testruns(struct pl_testrun *runs, size_t n,
                const struct pl_testrun_options *o)
{
    unsigned jobs = o->jobs ? o->jobs : 1;
    struct child *children = pl_xcalloc(jobs, sizeof *children);
    size_t next = 0, running = 0;
    for (size_t i = 0; i < n; i++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/run-%zu", o->work_dir, i);
        if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
            free(children);
            return pl_error("cannot create '%s': %s", dir, strerror(errno));
        }
        runs[i].dir = pl_xstrdup(dir);
    }
    fflush(NULL);
    while (next < n || running) {
        while (next < n && running < jobs) {
            pid_t pid = pl_interrupt_fork_group();
            if (pid < 0) {
                pl_error("cannot start a run: %s", strerror(errno));
                runs[next++].started = false;
                continue;
            }
            if (pid == 0)
                exec_run(&runs[next], o);
            for (unsigned k = 0; k < jobs; k++)
                if (!children[k].pid) {
                    children[k] = (struct child){pid, next, now(), false};
                    break;
                }
            runs[next].started = true;
            next++;
            running++;
        }
        int status;
        pid_t done = waitpid(-1, &status, WNOHANG);
        if (done <= 0) {
            double t = now();
            for (unsigned k = 0; k < jobs; k++) {
                struct child *c = &children[k];
                if (c->pid && o->timeout && !c->killed &&
                    t - c->started > o->timeout) {
                    kill(-c->pid, SIGKILL);
                    c->killed = true;
                    runs[c->run].timed_out = true;
                }
            }
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
            continue;
        }
        for (unsigned k = 0; k < jobs; k++) {
            struct child *c = &children[k];
            if (c->pid != done)
                continue;
            struct pl_testrun *run = &runs[c->run];
            run->seconds = now() - c->started;
            if (WIFEXITED(status))
                run->exit_status = WEXITSTATUS(status);
            else if (WIFSIGNALED(status))
                run->signal = WTERMSIG(status);
            kill(-c->pid, SIGKILL); /* what it left behind */
            pl_interrupt_forget_group(c->pid);
            read_run_dir(run);
            c->pid = 0;
            running--;
        }
    }
    free(children);
    return 0;
}

const char *pl_testrun_ending(const struct pl_testrun *run, char *buf,
                              size_t size)
{
    if (!run->started)
        snprintf(buf, size, "not started");
    else if (run->timed_out)
        snprintf(buf, size, "timed out after %.0f s", run->seconds);
    else if (run->signal)
        snprintf(buf, size, "SIG%s", sigabbrev_np(run->signal)
                                         ? sigabbrev_np(run->signal) : "?");
    else if (run->crash_signal)
        snprintf(buf, size, "SIG%s in a child process, exit %d",
                 sigabbrev_np(run->crash_signal) ? sigabbrev_np(run->crash_signal)
                                                 : "?",
                 run->exit_status);
    else
        snprintf(buf, size, "exit %d", run->exit_status);
    return buf;
}

bool pl_testrun_crashed(const struct pl_testrun *run)
{
    if (run->timed_out || !run->started)
        return false;
    if (run->crash_signal)
        return true;
    if (run->signal && run->signal != SIGKILL && run->signal != SIGTERM &&
        run->signal != SIGINT)
        return true;
    /* a shell or test runner in between reports the child's crash */
    if (run->exit_status >= 128 + SIGILL && run->exit_status <= 128 + SIGSYS &&
        run->exit_status != 128 + SIGKILL && run->exit_status != 128 + SIGTERM &&
        run->exit_status != 128 + SIGINT)
        return true;
    const char *out = run->output ? run->output : "";
    return strstr(out, "Segmentation fault") || strstr(out, "Fatal Python error") ||
           strstr(out, "AddressSanitizer") || strstr(out, "crashed with signal");
}

static void places_release(struct pl_rec_places *p)
{
    for (size_t i = 0; i < p->len; i++) {
        free(p->items[i].file);
        free(p->items[i].kind);
        free(p->items[i].message);
    }
    free(p->items);
}

void pl_testrun_release(struct pl_testrun *run)
{
    free(run->faults);
    free(run->dir);
    free(run->output);
    places_release(&run->errors);
    places_release(&run->faults_injected);
    places_release(&run->leaks);
    places_release(&run->sites);
}
