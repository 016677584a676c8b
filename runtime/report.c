/*
 * runtime/report.c - what the runtime says: misuse as compiler-style lines
 * on stderr ("file:line: error: ... [pymemrt]", each kind once per site,
 * then only counted), and every event as one JSON line in
 * $PYMEMRT_LOG_DIR/pymemrt.<pid>.jsonl, written with one write() so that
 * a crash loses nothing already said and processes never interleave.
 * At exit: blocks still live from watched sites, grouped by site, and the
 * watched sites that ran.
 */
#include "rt.h"

#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const kinds[] = {
    "wrong-domain", "double-free", "unknown-free", "interior-free",
    "non-heap-free", "guard-overwrite", "write-after-free", "no-gil",
    "libc-free",
};
#define NKINDS (sizeof kinds / sizeof kinds[0])
static atomic_size_t kind_counts[NKINDS + 1];

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1;
static pid_t log_pid;

static size_t kind_index(const char *kind)
{
    for (size_t i = 0; i < NKINDS; i++)
        if (strcmp(kinds[i], kind) == 0)
            return i;
    return NKINDS;
}

size_t rt_report_count(const char *kind)
{
    if (!kind) {
        size_t n = 0;
        for (size_t i = 0; i <= NKINDS; i++)
            n += atomic_load(&kind_counts[i]);
        return n;
    }
    return atomic_load(&kind_counts[kind_index(kind)]);
}

/* ---- JSON lines ---- */

struct buf {
    char data[8192];
    size_t len;
    bool full;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->len + n + 2 > sizeof b->data) {
        b->full = true;
        return;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

static void put_str(struct buf *b, const char *s)
{
    put(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            put(b, esc, 2);
        } else if (*p < 0x20 || *p == 0x7f) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            put(b, esc, 6);
        } else {
            put(b, (const char *)p, 1);
        }
    }
    put(b, "\"", 1);
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* Open (or, after fork(), reopen) this process's record file; under
 * log_lock. */
static void open_log(const char *dir)
{
    pid_t pid = getpid();
    if (log_fd >= 0 && log_pid == pid)
        return;
    if (log_fd >= 0)
        close(log_fd); /* the parent's, after fork() */
    char path[4096];
    snprintf(path, sizeof path, "%s/pymemrt.%ld.jsonl", dir, (long)pid);
    log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    log_pid = pid;
    if (log_fd < 0)
        fprintf(stderr, "pymemrt: error: %s: cannot write records: %s\n",
                path, strerror(errno));
}

static void write_line(struct buf *b)
{
    const char *dir = getenv("PYMEMRT_LOG_DIR");
    if (!dir || !*dir || b->full)
        return;
    b->data[b->len++] = '\n';
    pthread_mutex_lock(&log_lock);
    open_log(dir);
    if (log_fd >= 0) {
        ssize_t n = write(log_fd, b->data, b->len);
        (void)n;
    }
    pthread_mutex_unlock(&log_lock);
}

void rt_log_open(void)
{
    const char *dir = getenv("PYMEMRT_LOG_DIR");
    if (!dir || !*dir)
        return;
    pthread_mutex_lock(&log_lock);
    open_log(dir);
    pthread_mutex_unlock(&log_lock);
}

/* Async-signal-safe: digits of 'v' at 'out', returns the length. */
static size_t put_uint(char *out, unsigned long v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

void rt_record_crash(int sig)
{
    if (log_fd < 0)
        return;
    char line[128];
    static const char head[] = "{\"event\":\"crash\",\"pid\":";
    static const char mid[] = ",\"signal\":";
    size_t n = 0;
    memcpy(line, head, sizeof head - 1);
    n += sizeof head - 1;
    n += put_uint(line + n, (unsigned long)getpid());
    memcpy(line + n, mid, sizeof mid - 1);
    n += sizeof mid - 1;
    n += put_uint(line + n, (unsigned long)sig);
    line[n++] = '}';
    line[n++] = '\n';
    ssize_t ignored = write(log_fd, line, n);
    (void)ignored;
}

static void vrecord(const char *event, va_list ap)
{
    struct buf b = {.len = 0};
    char pid[24];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    put(&b, "{\"event\":", 9);
    put_str(&b, event);
    put(&b, ",\"pid\":", 7);
    put(&b, pid, strlen(pid));
    for (;;) {
        const char *key = va_arg(ap, const char *);
        if (!key)
            break;
        const char *value = va_arg(ap, const char *);
        put(&b, ",", 1);
        put_str(&b, key);
        put(&b, ":", 1);
        if (value && all_digits(value) && strlen(value) < 19)
            put(&b, value, strlen(value));
        else
            put_str(&b, value ? value : "");
    }
    put(&b, "}", 1);
    write_line(&b);
}

void rt_record(const char *event, ...)
{
    va_list ap;
    va_start(ap, event);
    vrecord(event, ap);
    va_end(ap);
}

/* ---- misuse ---- */

/* (kind, pc) pairs already shown on stderr */
#define SEEN_SLOTS 4096
static struct { size_t kind; uintptr_t pc; } seen[SEEN_SLOTS];
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;

static bool first_time(size_t kind, uintptr_t pc)
{
    bool first = true;
    pthread_mutex_lock(&seen_lock);
    size_t h = (size_t)((pc * 0x9E3779B97F4A7C15ull + kind) >> 40) % SEEN_SLOTS;
    for (size_t probe = 0; probe < SEEN_SLOTS; probe++) {
        size_t i = (h + probe) % SEEN_SLOTS;
        if (seen[i].pc == 0) {
            seen[i].kind = kind;
            seen[i].pc = pc ? pc : 1;
            break;
        }
        if (seen[i].kind == kind && seen[i].pc == (pc ? pc : 1)) {
            first = false;
            break;
        }
    }
    pthread_mutex_unlock(&seen_lock);
    return first;
}

void rt_report(const char *kind, struct rt_site *site, uintptr_t pc,
               const char *message, struct rt_site *related,
               const char *related_what)
{
    size_t k = kind_index(kind);
    atomic_fetch_add(&kind_counts[k], 1);
    char where[1024], rel[1024] = "";
    rt_site_format(site, pc, where, sizeof where);
    if (related)
        rt_site_format(related, 0, rel, sizeof rel);
    if (first_time(k, site ? site->pc : pc)) {
        fprintf(stderr, "%s: error: %s [pymemrt]\n", where, message);
        if (related)
            fprintf(stderr, "%s: note: %s here [pymemrt]\n", rel,
                    related_what ? related_what : "related");
        if (rt_env_flag("PYMEMRT_BACKTRACE", false)) {
            /* the whole stack, on request only: it is slow */
            void *frames[64];
            int n = backtrace(frames, 64);
            fflush(stderr);
            backtrace_symbols_fd(frames, n, 2);
        }
    }
    char line[24], rline[24];
    snprintf(line, sizeof line, "%u", site ? site->line : 0);
    snprintf(rline, sizeof rline, "%u", related ? related->line : 0);
    rt_record("error", "kind", kind, "file",
              site && site->file ? site->file : "", "line", line,
              "function", site && site->function ? site->function : "",
              "where", where, "message", message, "related_file",
              related && related->file ? related->file : "", "related_line",
              rline, (const char *)NULL);
    if (rt_env_flag("PYMEMRT_ABORT", false)) {
        fprintf(stderr, "pymemrt: aborting (PYMEMRT_ABORT=1)\n");
        abort();
    }
}

/* ---- at exit ---- */

struct group {
    struct rt_site *site;
    uint8_t domain;
    size_t blocks, bytes;
};

struct groups {
    struct group *slots;
    size_t cap, used;
};

static void add_to_group(const struct rt_block *b, void *arg)
{
    struct groups *g = arg;
    if (!b->alloc_site || !b->alloc_site->watched || g->used * 2 >= g->cap)
        return;
    size_t h = (size_t)(((uintptr_t)b->alloc_site >> 4) * 31 + b->domain) %
               g->cap;
    for (;; h = (h + 1) % g->cap) {
        struct group *x = &g->slots[h];
        if (!x->site) {
            *x = (struct group){b->alloc_site, b->domain, 0, 0};
            g->used++;
        }
        if (x->site == b->alloc_site && x->domain == b->domain) {
            x->blocks++;
            x->bytes += b->size;
            return;
        }
    }
}

static void record_site(struct rt_site *s, void *arg)
{
    (void)arg;
    rt_site_resolve(s);
    char line[24], calls[24];
    snprintf(line, sizeof line, "%u", s->line);
    snprintf(calls, sizeof calls, "%lu", __atomic_load_n(&s->calls, __ATOMIC_RELAXED));
    rt_record("site", "file", s->file ? s->file : "", "line", line,
              "function", s->function ? s->function : "", "object",
              s->object ? s->object : "", "calls", calls, (const char *)NULL);
}

size_t rt_report_exit(bool leaks)
{
    size_t leaked = 0;
    if (leaks) {
        struct groups g = {rt_alloc(8192 * sizeof(struct group)), 8192, 0};
        rt_table_each_live(add_to_group, &g);
        /* one group per source line: an unrolled or inlined call has
           several return addresses on one line */
        size_t n = 0;
        for (size_t i = 0; i < g.cap; i++)
            if (g.slots[i].site) {
                rt_site_resolve(g.slots[i].site);
                g.slots[n++] = g.slots[i];
            }
        for (size_t i = 0; i < n; i++) {
            struct group *x = &g.slots[i];
            if (!x->site || !x->site->file)
                continue;
            for (size_t k = i + 1; k < n; k++) {
                struct group *y = &g.slots[k];
                if (y->site && y->site->file && y->domain == x->domain &&
                    y->site->line == x->site->line &&
                    strcmp(y->site->file, x->site->file) == 0) {
                    x->blocks += y->blocks;
                    x->bytes += y->bytes;
                    y->site = NULL;
                }
            }
        }
        for (size_t i = 0; i < n; i++) {
            struct group *x = &g.slots[i];
            if (!x->site)
                continue;
            leaked += x->blocks;
            char where[1024];
            rt_site_format(x->site, 0, where, sizeof where);
            fprintf(stderr,
                    "%s: warning: %zu block%s (%zu bytes) from %s still live "
                    "at exit [pymemrt]\n",
                    where, x->blocks, x->blocks == 1 ? "" : "s", x->bytes,
                    rt_domain_name((enum rt_domain)x->domain));
            char line[24], blocks[24], bytes[24];
            snprintf(line, sizeof line, "%u", x->site->line);
            snprintf(blocks, sizeof blocks, "%zu", x->blocks);
            snprintf(bytes, sizeof bytes, "%zu", x->bytes);
            rt_record("leak", "file", x->site->file ? x->site->file : "",
                      "line", line, "function",
                      x->site->function ? x->site->function : "", "where",
                      where, "domain", rt_domain_name((enum rt_domain)x->domain),
                      "blocks", blocks, "bytes", bytes, (const char *)NULL);
        }
        rt_free(g.slots);
    }
    rt_sites_each(record_site, NULL);
    char errors[24], faults[24];
    snprintf(errors, sizeof errors, "%zu", rt_report_count(NULL));
    snprintf(faults, sizeof faults, "%zu", rt_faults_injected());
    rt_record("exit", "errors", errors, "faults", faults, (const char *)NULL);
    return leaked;
}
