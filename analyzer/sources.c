/*
 * analyzer/sources.c - walk the command line's paths for C source files,
 * skipping hidden and build directories, excluded globs, and symlinked
 * directories (so that symlink loops cannot make the walk endless).
 */

#include "sources.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool excluded(const char *path, const struct pl_argv *excludes)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (size_t i = 0; i < excludes->argc; i++)
        if (fnmatch(excludes->argv[i], path, 0) == 0 ||
            fnmatch(excludes->argv[i], base, 0) == 0)
            return true;
    return false;
}

static bool skipped_dir(const char *name)
{
    static const char *const names[] = {
        "build", "_build", "node_modules", "__pycache__", "dist",
        "venv", "CMakeFiles", "site-packages",
    };
    if (name[0] == '.')
        return true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return strncmp(name, "build-", 6) == 0 || strncmp(name, "cmake-build", 11) == 0;
}

static bool is_c_file(const char *name)
{
    size_t n = strlen(name);
    return n > 2 && strcmp(name + n - 2, ".c") == 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files taken so far, by device and inode: a file reached under two
   names (a symlink, a hard link, a path given twice) is analyzed once,
   under the first name met. An open-addressing set. */
struct taken {
    struct pl_argv *out;
    struct file_id {
        dev_t dev;
        ino_t ino;
    } *ids;
    size_t n, cap; /* cap: a power of two, or 0 */
};

static size_t id_slot(const struct taken *t, struct file_id id)
{
    uint64_t h = pl_hash_bytes(PL_HASH_SEED, &id, sizeof id);
    size_t i = (size_t)h & (t->cap - 1);
    while ((t->ids[i].dev || t->ids[i].ino) &&
           (t->ids[i].dev != id.dev || t->ids[i].ino != id.ino))
        i = (i + 1) & (t->cap - 1);
    return i;
}

/* Add 'path', whose target is 'st', unless its file was taken already. */
static void take(struct taken *t, const char *path, const struct stat *st)
{
    if (2 * (t->n + 1) > t->cap) {
        struct taken bigger = {t->out, NULL, 0, t->cap ? 2 * t->cap : 64};
        bigger.ids = pl_xcalloc(bigger.cap, sizeof *bigger.ids);
        for (size_t i = 0; i < t->cap; i++)
            if (t->ids[i].dev || t->ids[i].ino)
                bigger.ids[id_slot(&bigger, t->ids[i])] = t->ids[i];
        free(t->ids);
        t->ids = bigger.ids;
        t->cap = bigger.cap;
    }
    struct file_id id;
    memset(&id, 0, sizeof id); /* padding too: it is hashed */
    id.dev = st->st_dev;
    id.ino = st->st_ino;
    size_t i = id_slot(t, id);
    if (t->ids[i].dev || t->ids[i].ino)
        return; /* the same file under another name */
    t->ids[i] = id;
    t->n++;
    pl_argv_push(t->out, path);
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    struct pl_strbuf sb;
    pl_strbuf_init(&sb);
    pl_strbuf_add(&sb, dir);
    if (n && dir[n - 1] != '/')
        pl_strbuf_add(&sb, "/");
    pl_strbuf_add(&sb, name);
    return sb.text;
}

static int walk(const char *dir, const struct pl_argv *excludes,
                struct taken *out, int depth)
{
    if (depth > 64) {
        pl_error("cannot walk '%s': directories nested too deep", dir);
        return 1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        pl_error("cannot read directory '%s': %s", dir, strerror(errno));
        return 1;
    }
    struct pl_argv names;
    pl_argv_init(&names);
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL)
        if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, ".."))
            pl_argv_push(&names, ent->d_name);
    closedir(d);
    qsort(names.argv, names.argc, sizeof *names.argv, compare_names);
    int errors = 0;
    for (size_t i = 0; i < names.argc; i++) {
        char *path = join(dir, names.argv[i]);
        struct stat st;
        if (excluded(path, excludes) || lstat(path, &st) != 0) {
            free(path);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (!skipped_dir(names.argv[i]))
                errors += walk(path, excludes, out, depth + 1);
        } else if (is_c_file(names.argv[i])) {
            struct stat target = st;
            if (S_ISREG(st.st_mode) ||
                (S_ISLNK(st.st_mode) && stat(path, &target) == 0 &&
                 S_ISREG(target.st_mode)))
                take(out, path, &target);
        }
        free(path);
    }
    pl_argv_release(&names);
    return errors;
}

int pl_sources_collect(char *const *paths, size_t npaths,
                       const struct pl_argv *excludes, struct pl_argv *out)
{
    int errors = 0;
    struct taken taken = {out, NULL, 0, 0};
    for (size_t i = 0; i < npaths; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            pl_error("cannot access '%s': %s", paths[i], strerror(errno));
            errors++;
        } else if (S_ISDIR(st.st_mode)) {
            errors += walk(paths[i], excludes, &taken, 0);
        } else if (S_ISREG(st.st_mode)) {
            take(&taken, paths[i], &st);
        } else {
            pl_error("cannot analyze '%s': not a regular file or directory",
                     paths[i]);
            errors++;
        }
    }
    free(taken.ids);
    return errors;
}
