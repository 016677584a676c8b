/*
 * analyzer/flags.c - find compile arguments for a source file: a
 * compilation database (compile_commands.json, via libclang's API), or the
 * include directories of a Python interpreter.
 */

#include "flags.h"
#include "util.h"

#include <clang-c/CXCompilationDatabase.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- argument vectors ---- */

void pl_argv_init(struct pl_argv *a)
{
    a->argv = NULL;
    a->argc = a->cap = 0;
}

void pl_argv_release(struct pl_argv *a)
{
    for (size_t i = 0; i < a->argc; i++)
        free(a->argv[i]);
    free(a->argv);
    pl_argv_init(a);
}

void pl_argv_push(struct pl_argv *a, const char *arg)
{
    PL_PUSH(a->argv, a->argc, a->cap, pl_xstrdup(arg));
}

/* ---- databases ---- */

/* The files a database lists: real paths (else as written), sorted. */
struct listed {
    char **files;
    size_t n, cap;
};

struct loaded_db {
    char *dir;                       /* directory holding the json */
    CXCompilationDatabase db;        /* NULL: none there */
    struct listed listed;
};

struct pl_flags {
    struct loaded_db *dbs;
    size_t ndbs, dbs_cap;
    CXCompilationDatabase forced;    /* from -p */
    char *forced_dir;
    struct listed forced_listed;
    struct pl_argv python_args;      /* -I of the interpreter */
    bool python_done;
    char *python;
    struct pl_argv extra;
    char origin[PATH_MAX + 64];
};

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void listed_release(struct listed *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->files[i]);
    free(l->files);
    memset(l, 0, sizeof *l);
}

static bool is_listed(const struct listed *l, const char *path_abs)
{
    return l->n && bsearch(&path_abs, l->files, l->n, sizeof *l->files,
                           compare_paths) != NULL;
}

/*
 * Check 'json' ourselves (libclang would print its own multi-line errors
 * and say nothing of the reason) and collect the files it lists. Returns
 * false with the reason in 'why'.
 */
static bool read_listed(const char *json, struct listed *l, char *why,
                        size_t why_len)
{
    json_error_t error;
    json_t *doc = json_load_file(json, 0, &error);
    if (!doc) {
        snprintf(why, why_len, "line %d: %s", error.line, error.text);
        return false;
    }
    bool ok = json_is_array(doc);
    if (!ok)
        snprintf(why, why_len, "not a JSON array of compile commands");
    size_t i;
    json_t *entry;
    json_array_foreach(doc, i, entry) {
        const char *dir = json_string_value(json_object_get(entry, "directory"));
        const char *file = json_string_value(json_object_get(entry, "file"));
        if (!ok)
            break;
        if (!dir || !file) {
            snprintf(why, why_len, "entry %zu has no \"%s\" string", i + 1,
                     dir ? "file" : "directory");
            ok = false;
            break;
        }
        char joined[PATH_MAX];
        if (file[0] == '/')
            snprintf(joined, sizeof joined, "%s", file);
        else
            snprintf(joined, sizeof joined, "%s/%s", dir, file);
        char *real = realpath(joined, NULL);
        PL_PUSH(l->files, l->n, l->cap, real ? real : pl_xstrdup(joined));
    }
    json_decref(doc);
    if (!ok) {
        listed_release(l);
        return false;
    }
    if (l->n)
        qsort(l->files, l->n, sizeof *l->files, compare_paths);
    return true;
}

/* The database in 'dir', or NULL: none there, or (after a warning, or
   with 'forced' an error) not a valid one. */
static CXCompilationDatabase open_db(const char *dir, struct listed *listed,
                                     bool forced)
{
    char json[PATH_MAX];
    if (snprintf(json, sizeof json, "%s/compile_commands.json", dir) >=
            (int)sizeof json ||
        !file_exists(json))
        return NULL;
    char why[512];
    CXCompilationDatabase db = NULL;
    if (read_listed(json, listed, why, sizeof why)) {
        CXCompilationDatabase_Error err;
        db = clang_CompilationDatabase_fromDirectory(dir, &err);
        if (err != CXCompilationDatabase_NoError || !db) {
            snprintf(why, sizeof why, "libclang cannot load it");
            listed_release(listed);
            db = NULL;
        }
    }
    if (!db && forced)
        pl_error("cannot use '%s': %s", json, why);
    else if (!db)
        pl_warning("cannot use '%s': %s; using the Python include directory "
                   "instead", json, why);
    return db;
}

/* The database of directory 'dir' (cached), or NULL. */
static CXCompilationDatabase db_in(struct pl_flags *f, const char *dir,
                                   const char **found_dir,
                                   const struct listed **listed)
{
    for (size_t i = 0; i < f->ndbs; i++)
        if (strcmp(f->dbs[i].dir, dir) == 0) {
            *found_dir = f->dbs[i].dir;
            *listed = &f->dbs[i].listed;
            return f->dbs[i].db;
        }
    struct loaded_db entry = {pl_xstrdup(dir), NULL, {0}};
    entry.db = open_db(dir, &entry.listed, false);
    PL_PUSH(f->dbs, f->ndbs, f->dbs_cap, entry);
    *found_dir = f->dbs[f->ndbs - 1].dir;
    *listed = &f->dbs[f->ndbs - 1].listed;
    return entry.db;
}

struct pl_flags *pl_flags_new(const char *db_dir, const char *python,
                              const struct pl_argv *extra)
{
    struct pl_flags *f = pl_xcalloc(1, sizeof *f);
    pl_argv_init(&f->python_args);
    pl_argv_init(&f->extra);
    f->python = pl_xstrdup(python ? python : "python3");
    for (size_t i = 0; extra && i < extra->argc; i++)
        pl_argv_push(&f->extra, extra->argv[i]);
    if (db_dir) {
        char *abs = realpath(db_dir, NULL);
        if (!abs) {
            pl_error("cannot use -p '%s': %s", db_dir, strerror(errno));
            pl_flags_free(f);
            return NULL;
        }
        struct stat sb;
        char *slash = strrchr(abs, '/');
        if (stat(abs, &sb) == 0 && S_ISREG(sb.st_mode) && slash &&
            strcmp(slash + 1, "compile_commands.json") == 0)
            *(slash == abs ? slash + 1 : slash) = '\0'; /* the file itself */
        char json[PATH_MAX];
        snprintf(json, sizeof json, "%s/compile_commands.json", abs);
        bool there = file_exists(json);
        f->forced = open_db(abs, &f->forced_listed, true);
        if (!f->forced) {
            if (!there)
                pl_error("cannot use -p '%s': no compile_commands.json there",
                         db_dir);
            free(abs);
            pl_flags_free(f);
            return NULL;
        }
        f->forced_dir = abs;
    }
    return f;
}

void pl_flags_free(struct pl_flags *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->ndbs; i++) {
        if (f->dbs[i].db)
            clang_CompilationDatabase_dispose(f->dbs[i].db);
        listed_release(&f->dbs[i].listed);
        free(f->dbs[i].dir);
    }
    free(f->dbs);
    if (f->forced)
        clang_CompilationDatabase_dispose(f->forced);
    free(f->forced_dir);
    listed_release(&f->forced_listed);
    pl_argv_release(&f->python_args);
    pl_argv_release(&f->extra);
    free(f->python);
    free(f);
}

/* ---- arguments from a compile command ---- */

static bool takes_value(const char *arg)
{
    static const char *const opts[] = {"-o", "-MF", "-MT", "-MQ", "-MJ",
                                       "-Xclang", "-arch", "--serialize-diagnostics"};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (strcmp(arg, opts[i]) == 0)
            return true;
    return false;
}

static bool dropped(const char *arg)
{
    static const char *const opts[] = {"-c", "-M", "-MM", "-MD", "-MMD",
                                       "-MG", "-MP", "-S", "-E", "-pipe"};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (strcmp(arg, opts[i]) == 0)
            return true;
    return strncmp(arg, "-W", 2) == 0 || strncmp(arg, "-o", 2) == 0 ||
           strncmp(arg, "-f", 2) == 0 || strncmp(arg, "-g", 2) == 0 ||
           strncmp(arg, "-O", 2) == 0;
}

static bool same_file(const char *a, const char *dir, const char *path_abs)
{
    char joined[PATH_MAX];
    if (a[0] == '/')
        snprintf(joined, sizeof joined, "%s", a);
    else
        snprintf(joined, sizeof joined, "%s/%s", dir, a);
    char *real = realpath(joined, NULL);
    bool same = real && strcmp(real, path_abs) == 0;
    free(real);
    return same;
}

/* A source file named in the command: the file itself when its directory
   does not exist (same_file() cannot tell), or another one. libclang is
   given the file to parse apart, and a second input makes it fail. */
static bool another_source(const char *arg)
{
    if (arg[0] == '-')
        return false;
    const char *dot = strrchr(arg, '.');
    return dot && (strcmp(dot, ".c") == 0 || strcmp(dot, ".i") == 0 ||
                   strcmp(dot, ".cc") == 0 || strcmp(dot, ".cpp") == 0 ||
                   strcmp(dot, ".cxx") == 0 || strcmp(dot, ".m") == 0);
}

static bool args_from_db(CXCompilationDatabase db, const char *path_abs,
                         struct pl_argv *out)
{
    CXCompileCommands cmds =
        clang_CompilationDatabase_getCompileCommands(db, path_abs);
    if (!cmds)
        return false;
    bool ok = clang_CompileCommands_getSize(cmds) > 0;
    if (ok) {
        CXCompileCommand cmd = clang_CompileCommands_getCommand(cmds, 0);
        CXString dir_s = clang_CompileCommand_getDirectory(cmd);
        char *dir = pl_xstrdup(clang_getCString(dir_s));
        clang_disposeString(dir_s);
        unsigned n = clang_CompileCommand_getNumArgs(cmd);
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
            pl_argv_push(out, "-working-directory");
            pl_argv_push(out, dir);
        } /* else: a database for a build tree not made yet */
        for (unsigned i = 1; i < n; i++) {
            CXString s = clang_CompileCommand_getArg(cmd, i);
            const char *a = clang_getCString(s);
            if (takes_value(a))
                i++;
            else if (!dropped(a) && !same_file(a, dir, path_abs) &&
                     !another_source(a) && strcmp(a, "--") != 0)
                pl_argv_push(out, a);
            clang_disposeString(s);
        }
        free(dir);
    }
    clang_CompileCommands_dispose(cmds);
    return ok;
}

/* ---- the Python fallback ---- */

static void load_python_includes(struct pl_flags *f)
{
    f->python_done = true;
    char cmd[PATH_MAX + 200];
    snprintf(cmd, sizeof cmd,
             "'%s' -c 'import sysconfig; p = sysconfig.get_paths(); "
             "print(p[\"include\"]); print(p[\"platinclude\"])' 2>/dev/null",
             f->python);
    FILE *pipe = popen(cmd, "r");
    if (!pipe) {
        pl_warning("cannot run '%s': %s", f->python, strerror(errno));
        return;
    }
    char line[PATH_MAX];
    while (fgets(line, sizeof line, pipe)) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0])
            continue;
        char arg[PATH_MAX + 3];
        snprintf(arg, sizeof arg, "-I%s", line);
        bool seen = false;
        for (size_t i = 0; i < f->python_args.argc; i++)
            seen |= strcmp(f->python_args.argv[i], arg) == 0;
        if (!seen)
            pl_argv_push(&f->python_args, arg);
    }
    int status = pclose(pipe);
    if (status != 0 || f->python_args.argc == 0)
        pl_warning("cannot find the include directory of '%s'; Python.h "
                   "will not be found (use --python or -p)", f->python);
}

/* ---- lookup ---- */

static CXCompilationDatabase find_db(struct pl_flags *f, const char *path_abs,
                                     const char **found_dir,
                                     const struct listed **listed)
{
    if (f->forced) {
        *found_dir = f->forced_dir;
        *listed = &f->forced_listed;
        return f->forced;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path_abs);
    for (;;) {
        char *slash = strrchr(dir, '/');
        if (!slash)
            break;
        *slash = '\0';
        const char *here = dir[0] ? dir : "/";
        CXCompilationDatabase db = db_in(f, here, found_dir, listed);
        if (db)
            return db;
        char build[PATH_MAX];
        if (snprintf(build, sizeof build, "%s/build", dir) < (int)sizeof build) {
            db = db_in(f, build, found_dir, listed);
            if (db)
                return db;
        }
        if (!dir[0])
            break;
    }
    return NULL;
}

int pl_flags_for(struct pl_flags *f, const char *path, struct pl_argv *out)
{
    char *abs = realpath(path, NULL);
    if (!abs)
        return pl_error("cannot access '%s': %s", path, strerror(errno));
    const char *db_dir = NULL;
    const struct listed *listed = NULL;
    CXCompilationDatabase db = find_db(f, abs, &db_dir, &listed);
    /* only a file the database lists: for others libclang guesses a
       command from a file of a similar name, even a deleted one */
    bool from_db = db && is_listed(listed, abs) && args_from_db(db, abs, out);
    if (from_db) {
        snprintf(f->origin, sizeof f->origin,
                 "database %s/compile_commands.json", db_dir);
    } else {
        if (!f->python_done)
            load_python_includes(f);
        for (size_t i = 0; i < f->python_args.argc; i++)
            pl_argv_push(out, f->python_args.argv[i]);
        snprintf(f->origin, sizeof f->origin, "%s include directory",
                 f->python);
    }
    pl_argv_push(out, "-w");
    for (size_t i = 0; i < f->extra.argc; i++)
        pl_argv_push(out, f->extra.argv[i]);
    pl_argv_push(out, "-UNDEBUG"); /* assert(p) is a NULL check we honour */
    free(abs);
    return 0;
}

const char *pl_flags_origin(const struct pl_flags *f)
{
    return f->origin;
}
