/*
 * analyzer/pch.c - precompiled Python.h (see pch.h).
 */
#include "pch.h"
#include "frontend.h"
#include "interrupt.h"
#include "output.h"
#include "watchdog.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* WANTED: files asked; a PCH is built when the third one does, or at
 * once when the run plans three or more files for it (a PCH costs about
 * three plain parses: one for one or two files is a loss) */
enum entry_state { WANTED, BUILDING, READY, FAILED };

struct entry {
    char key[17];
    enum entry_state state;
    char *pch;            /* path of the .pch */
    bool disk_checked;    /* an earlier run's PCH was looked for */
    unsigned asked;       /* requests while WANTED */
    unsigned planned;     /* files of this run that will ask */
    pthread_t builder;    /* the thread building it, while BUILDING */
    char **deps;          /* headers it holds */
    size_t ndeps, deps_cap;
};

struct pl_pch_cache {
    char *dir;
    bool temporary;       /* remove 'dir' at the end */
    bool eager;           /* build a PCH when the first file asks */
    pthread_mutex_t lock;
    pthread_cond_t changed;
    struct entry **entries;
    size_t len, cap;
    size_t used, built;
    bool warned_room;     /* said once that the disk is too full */
};

/* Free space a PCH build needs: a PCH of Python.h is 3 to 30 MiB. */
#define PCH_ROOM_NEEDED ((unsigned long long)256 << 20)

/* PCHs kept in a store's directory: the most recently used ones. */
#define PCH_KEEP 16

struct kept_pch {
    char *key;
    struct timespec used;  /* the .deps file's mtime, touched on each use */
};

static int older_first(const void *a, const void *b)
{
    const struct timespec *x = &((const struct kept_pch *)a)->used;
    const struct timespec *y = &((const struct kept_pch *)b)->used;
    if (x->tv_sec != y->tv_sec)
        return x->tv_sec < y->tv_sec ? -1 : 1;
    return (x->tv_nsec > y->tv_nsec) - (x->tv_nsec < y->tv_nsec);
}

/* Whether 'name' is "KEY.pch.tmp.PID.THREAD" left by a process that is
   gone (killed while it built a PCH). */
static bool orphan_temp(const char *name)
{
    const char *t = strstr(name, ".pch.tmp.");
    if (!t)
        return false;
    char *end;
    long pid = strtol(t + 9, &end, 10);
    return pid > 0 && *end == '.' && kill((pid_t)pid, 0) != 0 &&
           errno == ESRCH;
}

/*
 * Tidy a store's PCH directory before a run: remove the temporary files of
 * builds whose process is gone, and every PCH but the PCH_KEEP most
 * recently used (with its .h and .deps). A run that is using one at that
 * moment keeps its open file; one about to open it finds it gone and
 * parses without it.
 */
static void tidy(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct kept_pch *all = NULL;
    size_t n = 0, cap = 0;
    struct dirent *ent;
    char path[4200];
    while ((ent = readdir(d)) != NULL) {
        const char *name = ent->d_name;
        size_t len = strlen(name);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        struct stat st;
        if (orphan_temp(name)) {
            unlink(path);
        } else if (len > 5 && strcmp(name + len - 5, ".deps") == 0 &&
                   stat(path, &st) == 0) {
            struct kept_pch k = {pl_xstrdup(name), st.st_mtim};
            k.key[len - 5] = '\0';
            PL_PUSH(all, n, cap, k);
        }
    }
    closedir(d);
    if (n > PCH_KEEP) {
        qsort(all, n, sizeof *all, older_first);
        for (size_t i = 0; i < n - PCH_KEEP; i++) {
            static const char *const kinds[] = {".pch", ".h", ".deps"};
            for (size_t k = 0; k < 3; k++) {
                snprintf(path, sizeof path, "%s/%s%s", dir, all[i].key,
                         kinds[k]);
                unlink(path);
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        free(all[i].key);
    free(all);
}

struct pl_pch_cache *pl_pch_cache_new(const char *dir,
                                      bool build_on_first_need)
{
    char *path = NULL;
    bool temporary = false;
    if (dir) {
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
            pl_warning("cannot keep precompiled headers in '%s': %s; parsing "
                       "without them", dir, strerror(errno));
            return NULL;
        }
        path = realpath(dir, NULL);
        if (path)
            tidy(path);
    } else {
        path = pl_interrupt_temp_dir("pch");
        temporary = path != NULL;
    }
    if (!path)
        return NULL;
    struct pl_pch_cache *c = pl_xcalloc(1, sizeof *c);
    c->dir = path;
    c->temporary = temporary;
    c->eager = build_on_first_need;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->changed, NULL);
    return c;
}

void pl_pch_cache_free(struct pl_pch_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->len; i++) {
        struct entry *e = c->entries[i];
        free(e->pch);
        for (size_t k = 0; k < e->ndeps; k++)
            free(e->deps[k]);
        free(e->deps);
        free(e);
    }
    free(c->entries);
    if (c->temporary) {
        pl_interrupt_forget(c->dir);
        pl_remove_tree(c->dir);
    }
    free(c->dir);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->changed);
    free(c);
}

void pl_pch_cache_leave(struct pl_pch_cache *c)
{
    if (c && c->temporary) {
        pl_interrupt_forget(c->dir);
        pl_remove_tree(c->dir);
    }
}

void pl_pch_counts(const struct pl_pch_cache *c, size_t *used, size_t *built)
{
    *used = c ? c->used : 0;
    *built = c ? c->built : 0;
}

/* ---- which files fit ---- */

static size_t skip_line(const char *t, size_t i, size_t len)
{
    while (i < len && t[i] != '\n')
        i++;
    return i < len ? i + 1 : i;
}

/* The directive at t[j...] (after '#' and blanks): its kind. */
enum directive { D_OTHER, D_DEFINE, D_INCLUDE, D_OPEN, D_MIDDLE, D_CLOSE };

static bool word_at(const char *t, size_t j, size_t len, const char *word)
{
    size_t n = strlen(word);
    return len - j >= n && strncmp(t + j, word, n) == 0 &&
           (len - j == n || !(isalnum((unsigned char)t[j + n]) ||
                              t[j + n] == '_'));
}

static enum directive directive_kind(const char *t, size_t j, size_t len)
{
    if (word_at(t, j, len, "define") || word_at(t, j, len, "undef"))
        return D_DEFINE;
    if (word_at(t, j, len, "include"))
        return D_INCLUDE;
    if (word_at(t, j, len, "if") || word_at(t, j, len, "ifdef") ||
        word_at(t, j, len, "ifndef"))
        return D_OPEN;
    if (word_at(t, j, len, "elif") || word_at(t, j, len, "else"))
        return D_MIDDLE;
    if (word_at(t, j, len, "endif"))
        return D_CLOSE;
    return D_OTHER;
}

size_t pl_pch_prefix(const char *t, size_t len, struct pl_strbuf *directives,
                     char *blanked)
{
    /* what is taken is committed only where no conditional is open */
    size_t i = 0, end = 0, includes = 0, committed_includes = 0;
    size_t committed_text = directives->len;
    int depth = 0;
    bool python_h = false;
    while (i < len) {
        char c = t[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            i++;
            continue;
        }
        if (c == '/' && i + 1 < len && t[i + 1] == '/') {
            i = skip_line(t, i, len);
            continue;
        }
        if (c == '/' && i + 1 < len && t[i + 1] == '*') {
            const char *close = memmem(t + i + 2, len - i - 2, "*/", 2);
            if (!close)
                break;
            i = (size_t)(close - t) + 2;
            continue;
        }
        if (c != '#')
            break; /* code: the prefix ends */
        size_t j = i + 1;
        while (j < len && (t[j] == ' ' || t[j] == '\t'))
            j++;
        size_t line_end = skip_line(t, j, len);
        /* no line continuations: keep the scanner simple */
        bool continued = false;
        for (size_t k = j; k + 1 < line_end; k++)
            continued |= t[k] == '\\' && (t[k + 1] == '\n' || t[k + 1] == '\r');
        /* the directive, without a // comment after it */
        size_t text_end = line_end;
        while (text_end > i && (t[text_end - 1] == '\n' || t[text_end - 1] == '\r'))
            text_end--;
        const char *comment = memmem(t + i, text_end - i, "//", 2);
        if (comment)
            text_end = (size_t)(comment - t);
        /* a block comment that ends the line, as after '#endif', is cut
           off; any other (over lines, in a string) ends the prefix */
        const char *open = memmem(t + i, text_end - i, "/*", 2);
        if (open) {
            size_t at = (size_t)(open - t), quotes = 0;
            for (size_t k = i; k < at; k++)
                quotes += t[k] == '"' || t[k] == '\'';
            const char *close = memmem(t + at + 2, text_end - at - 2, "*/", 2);
            bool alone = close != NULL && quotes % 2 == 0;
            for (size_t k = close ? (size_t)(close - t) + 2 : 0;
                 alone && k < text_end; k++)
                alone = t[k] == ' ' || t[k] == '\t';
            if (!alone)
                break;
            text_end = at;
        }
        if (continued)
            break;
        enum directive kind = directive_kind(t, j, len);
        if (kind == D_OTHER)
            break; /* #pragma, #error, ...: the prefix ends */
        if (kind == D_INCLUDE) {
            size_t k = j + 7;
            while (k < len && (t[k] == ' ' || t[k] == '\t'))
                k++;
            if (k >= len || (t[k] != '<' && t[k] != '"'))
                break;
            char close = t[k] == '<' ? '>' : '"';
            size_t name = k + 1, m = name;
            while (m < line_end && t[m] != close)
                m++;
            if (m >= line_end)
                break;
            if (m - name >= 2 && t[m - 2] == '.' && t[m - 1] == 'c')
                break; /* an included .c file is lowered: not in a PCH */
            python_h |= m - name == 8 && strncmp(t + name, "Python.h", 8) == 0;
            includes++;
        }
        if ((kind == D_MIDDLE || kind == D_CLOSE) && depth == 0)
            break; /* closes what the prefix did not open */
        depth += kind == D_OPEN ? 1 : kind == D_CLOSE ? -1 : 0;
        /* as "#name ...": the indentation in '#  define' is no difference */
        pl_strbuf_addf(directives, "#%.*s\n", (int)(text_end - j), t + j);
        if (blanked)
            memset(blanked + i, ' ', text_end - i);
        i = line_end;
        if (depth == 0) {
            end = line_end;
            committed_text = directives->len;
            committed_includes = includes;
            if (python_h)
                break; /* what follows differs from file to file */
        }
    }
    /* undo what an unclosed conditional took */
    if (directives->len > committed_text) {
        directives->len = committed_text;
        directives->text[committed_text] = '\0';
    }
    if (blanked && i > end)
        memcpy(blanked + end, t + end, i - end);
    return committed_includes ? end : 0;
}

/* ---- building ---- */

static void add_dep(CXFile file, CXSourceLocation *stack, unsigned depth,
                    CXClientData data)
{
    (void)stack;
    (void)depth;
    struct entry *e = data;
    char *path = pl_file_path(file);
    if (path)
        PL_PUSH(e->deps, e->ndeps, e->deps_cap, path);
}

/* Write 'text' to 'path' through a temporary file and a rename. */
static int write_file(const char *path, const char *text, size_t len)
{
    FILE *out;
    struct pl_atomic *a = pl_atomic_open(path, &out);
    if (!a)
        return -1;
    return pl_atomic_commit(a, fwrite(text, 1, len, out) == len);
}

static bool read_deps(struct entry *e, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n')
            line[n - 1] = '\0';
        if (*line)
            PL_PUSH(e->deps, e->ndeps, e->deps_cap, pl_xstrdup(line));
    }
    free(line);
    fclose(f);
    return e->ndeps > 0;
}

/* Whether the PCH on disk is newer than every header it holds. */
static bool still_fresh(const struct entry *e)
{
    struct stat pch;
    if (stat(e->pch, &pch) != 0)
        return false;
    for (size_t i = 0; i < e->ndeps; i++) {
        struct stat st;
        if (stat(e->deps[i], &st) != 0)
            return false;
        /* the ctime too: a header put back with an old mtime (cp -p,
           tar, rsync -t) has a new ctime */
        const struct timespec *changed =
            st.st_ctim.tv_sec > st.st_mtim.tv_sec ||
                          (st.st_ctim.tv_sec == st.st_mtim.tv_sec &&
                           st.st_ctim.tv_nsec > st.st_mtim.tv_nsec)
                      ? &st.st_ctim
                      : &st.st_mtim;
        if (changed->tv_sec > pch.st_mtim.tv_sec ||
            (changed->tv_sec == pch.st_mtim.tv_sec &&
             changed->tv_nsec > pch.st_mtim.tv_nsec))
            return false;
    }
    return true;
}

/* Make the PCH of 'e' (or find an earlier run's, still fresh): 1 built,
 * 2 found, 0 failed. */
static int build(struct pl_pch_cache *c, struct entry *e, CXIndex index,
                  const char *prefix, size_t prefix_len,
                  const char *const *args, int nargs, const char *quote_dir)
{
    char header[4200], deps_path[4200], tmp[4300];
    snprintf(header, sizeof header, "%s/%s.h", c->dir, e->key);
    snprintf(deps_path, sizeof deps_path, "%s/%s.deps", c->dir, e->key);
    if (read_deps(e, deps_path) && still_fresh(e))
        return 2; /* an earlier run's */
    for (size_t k = 0; k < e->ndeps; k++)
        free(e->deps[k]);
    e->ndeps = 0;
    /* libclang aborts the process when the disk fills while it saves a
       PCH ("IO failure on output stream"): none without room to spare */
    struct statvfs fs;
    if (statvfs(c->dir, &fs) == 0 &&
        (unsigned long long)fs.f_bavail * fs.f_frsize < PCH_ROOM_NEEDED) {
        if (!c->warned_room) {
            pl_warning("less than %d MiB free in '%s': parsing without a "
                       "precompiled Python.h", (int)(PCH_ROOM_NEEDED >> 20),
                       c->dir);
            c->warned_room = true;
        }
        return 0;
    }
    if (write_file(header, prefix, prefix_len) < 0)
        return 0;
    const char **all = pl_xcalloc((size_t)nargs + 4, sizeof *all);
    int n = 0;
    if (quote_dir) {
        all[n++] = "-iquote";
        all[n++] = quote_dir;
    }
    for (int i = 0; i < nargs; i++)
        all[n++] = args[i];
    all[n++] = "-x";
    all[n++] = "c-header";
    CXTranslationUnit tu = NULL;
    pl_watchdog_libclang_enter();
    enum CXErrorCode code = clang_parseTranslationUnit2(
        index, header, all, n, NULL, 0,
        /* no bodies: only .c files are lowered, never a header's functions */
        CXTranslationUnit_ForSerialization | CXTranslationUnit_Incomplete |
            CXTranslationUnit_SkipFunctionBodies,
        &tu);
    pl_watchdog_libclang_leave();
    free(all);
    if (code != CXError_Success || !tu)
        return 0;
    bool ok = true;
    for (unsigned i = 0, nd = clang_getNumDiagnostics(tu); i < nd && ok; i++) {
        CXDiagnostic d = clang_getDiagnostic(tu, i);
        ok = clang_getDiagnosticSeverity(d) < CXDiagnostic_Error;
        clang_disposeDiagnostic(d);
    }
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%lx", e->pch, (long)getpid(),
             (unsigned long)pthread_self());
    pl_interrupt_remove_file(tmp);
    if (ok) {
        pl_watchdog_libclang_enter();
        ok = clang_saveTranslationUnit(tu, tmp, clang_defaultSaveOptions(tu)) ==
             CXSaveError_None;
        pl_watchdog_libclang_leave();
    }
    if (ok)
        clang_getInclusions(tu, add_dep, e);
    clang_disposeTranslationUnit(tu);
    if (ok) {
        struct pl_strbuf sb;
        pl_strbuf_init(&sb);
        for (size_t k = 0; k < e->ndeps; k++)
            pl_strbuf_addf(&sb, "%s\n", e->deps[k]);
        ok = rename(tmp, e->pch) == 0 &&
             write_file(deps_path, pl_strbuf_str(&sb), sb.len) == 0;
        pl_strbuf_release(&sb);
    }
    if (!ok)
        unlink(tmp);
    pl_interrupt_forget(tmp);
    return ok ? 1 : 0;
}

/* The file's directory when a header it includes in quotes is there (a
 * quoted #include looks next to the file first; the PCH, built
 * elsewhere, must be told), else NULL. Heap. */
static char *quoted_next_to(const char *path, const char *directives)
{
    char *dir = pl_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    else
        strcpy(dir, ".");
    bool found = false;
    for (const char *q = strchr(directives, '"'); q && !found;) {
        const char *end = strchr(q + 1, '"');
        if (!end)
            break;
        char candidate[4200];
        snprintf(candidate, sizeof candidate, "%s/%.*s", dir,
                 (int)(end - q - 1), q + 1);
        found = access(candidate, F_OK) == 0;
        q = strchr(end + 1, '"');
    }
    if (!found) {
        free(dir);
        return NULL;
    }
    return dir;
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    return pl_hash_bytes(h, s, strlen(s) + 1);
}

/* The key of the PCH for 'path' with 'args' (17 bytes with the NUL), its
   directives and the directory of its quoted headers (heap, or NULL).
   False when the file does not fit. */
static bool key_of(const char *path, const char *const *args, int nargs,
                   char key[17], struct pl_strbuf *directives,
                   char **quote_dir)
{
    *quote_dir = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char head[65536];
    ssize_t n = read(fd, head, sizeof head - 1);
    close(fd);
    if (n <= 0 || !pl_pch_prefix(head, (size_t)n, directives, NULL))
        return false;
    CXString version = clang_getClangVersion();
    uint64_t h = hash_str(PL_HASH_SEED, clang_getCString(version));
    clang_disposeString(version);
    for (int i = 0; i < nargs; i++)
        h = hash_str(h, args[i]);
    h = hash_str(h, pl_strbuf_str(directives));
    /* "header.h" is looked up next to the file first: the PCH, built
       elsewhere, is told where that is */
    *quote_dir = quoted_next_to(path, pl_strbuf_str(directives));
    if (*quote_dir)
        h = hash_str(h, *quote_dir);
    snprintf(key, 17, "%016llx", (unsigned long long)h);
    return true;
}

/* The entry for 'key', added when missing. The caller holds the lock. */
static struct entry *entry_for(struct pl_pch_cache *c, const char *key)
{
    for (size_t i = 0; i < c->len; i++)
        if (strcmp(c->entries[i]->key, key) == 0)
            return c->entries[i];
    struct entry *e = pl_xcalloc(1, sizeof *e);
    memcpy(e->key, key, sizeof e->key);
    e->state = WANTED;
    char pch[4200];
    snprintf(pch, sizeof pch, "%s/%s.pch", c->dir, key);
    e->pch = pl_xstrdup(pch);
    PL_PUSH(c->entries, c->len, c->cap, e);
    return e;
}

void pl_pch_plan(struct pl_pch_cache *c, const char *path,
                 const char *const *args, int nargs)
{
    if (!c)
        return;
    char key[17];
    struct pl_strbuf directives;
    pl_strbuf_init(&directives);
    char *quote_dir = NULL;
    if (key_of(path, args, nargs, key, &directives, &quote_dir)) {
        pthread_mutex_lock(&c->lock);
        entry_for(c, key)->planned++;
        pthread_mutex_unlock(&c->lock);
    }
    pl_strbuf_release(&directives);
    free(quote_dir);
}

const char *pl_pch_for(struct pl_pch_cache *c, CXIndex index,
                       const char *path, const char *const *args, int nargs,
                       char *const **deps, size_t *ndeps)
{
    if (!c)
        return NULL;
    char key[17];
    struct pl_strbuf directives;
    pl_strbuf_init(&directives);
    char *quote_dir = NULL;
    if (!key_of(path, args, nargs, key, &directives, &quote_dir)) {
        pl_strbuf_release(&directives);
        free(quote_dir);
        return NULL;
    }
    pthread_mutex_lock(&c->lock);
    struct entry *e = entry_for(c, key);
    if (e->state == WANTED) {
        /* an earlier run's PCH is used at once; a new one is built when
           the third file asks for it, or by the first of three planned
           (or by the first file in an eager cache) */
        bool on_disk = false;
        if (!e->disk_checked) {
            char deps_path[4200];
            snprintf(deps_path, sizeof deps_path, "%s/%s.deps", c->dir, key);
            on_disk = read_deps(e, deps_path) && still_fresh(e);
            e->disk_checked = true;
            if (on_disk) /* used now: kept the longest (tidy) */
                utimensat(AT_FDCWD, deps_path, NULL, 0);
        }
        if (on_disk) {
            e->state = READY;
        } else if (++e->asked >= 3 || e->planned >= 3 || c->eager) {
            e->state = BUILDING;
            e->builder = pthread_self();
            pthread_mutex_unlock(&c->lock);
            pl_watchdog_test_fault(path, true);
            int made = build(c, e, index, pl_strbuf_str(&directives),
                             directives.len, args, nargs, quote_dir);
            pthread_mutex_lock(&c->lock);
            /* not when the driver gave this thread up meanwhile: the
               waiters went on without it (pl_pch_give_up_builds) */
            if (e->state == BUILDING) {
                e->state = made ? READY : FAILED;
                c->built += made == 1;
                pthread_cond_broadcast(&c->changed);
            }
        }
    }
    /* another thread's build: not this file's time (the driver's limit) */
    if (e->state == BUILDING) {
        pl_watchdog_wait_begin();
        while (e->state == BUILDING)
            pthread_cond_wait(&c->changed, &c->lock);
        pl_watchdog_wait_end();
    }
    const char *result = NULL;
    if (e->state == READY) {
        result = e->pch;
        *deps = e->deps;
        *ndeps = e->ndeps;
        c->used++;
    }
    pthread_mutex_unlock(&c->lock);
    pl_strbuf_release(&directives);
    free(quote_dir);
    return result;
}

void pl_pch_give_up_builds(struct pl_pch_cache *c, pthread_t thread)
{
    if (!c)
        return;
    /* the thread may have died holding the lock: then nothing is done,
       and the waiters wait out their own time limits */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 1;
    if (pthread_mutex_timedlock(&c->lock, &until) != 0)
        return;
    for (size_t i = 0; i < c->len; i++) {
        struct entry *e = c->entries[i];
        if (e->state == BUILDING && pthread_equal(e->builder, thread)) {
            e->state = FAILED;
            pthread_cond_broadcast(&c->changed);
        }
    }
    pthread_mutex_unlock(&c->lock);
}

void pl_pch_reject(struct pl_pch_cache *c, const char *pch)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < c->len; i++) {
        struct entry *e = c->entries[i];
        if (strcmp(e->pch, pch) == 0 && e->state == READY) {
            e->state = FAILED;
            unlink(e->pch);
        }
    }
    pthread_mutex_unlock(&c->lock);
}
