/*
 * analyzer/config.c - read .pymem-lint.json files (see config.h) with
 * jansson, and find the one that applies to each file.
 *
 * {
 *   "enable": ["PML001", "leak"],        only these rules (ids or names)
 *   "disable": ["PML009"],               not these
 *   "exclude": ["third_party"],          fnmatch() patterns, relative to
 *                                        the file's directory
 *   "extra-args": ["-DWITH_FOO"],        compiler arguments
 *   "allocators": [                      the project's own families
 *     {"family": "arena", "alloc": ["arena_alloc"],
 *      "realloc": ["arena_grow"], "free": ["arena_free"]}
 *   ],
 *   "takes-ownership": ["queue_push"],   keep a pointer passed to them
 *   "noreturn": ["die"]                  never return
 * }
 */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct pl_configs {
    char *explicit_path;
    bool disabled;
    /* loaded files, and the directories whose search ended at them */
    struct loaded {
        char *path;
        struct pl_config *config; /* NULL: invalid (reported) */
    } *files;
    size_t nfiles, files_cap;
    struct dir_entry {
        char *dir;
        size_t file; /* index into files, or SIZE_MAX: none */
    } *dirs;
    size_t ndirs, dirs_cap;
};

struct pl_configs *pl_configs_new(const char *explicit_path, bool disabled)
{
    struct pl_configs *c = pl_xcalloc(1, sizeof *c);
    c->explicit_path = explicit_path ? pl_xstrdup(explicit_path) : NULL;
    c->disabled = disabled;
    return c;
}

static void config_free(struct pl_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->path);
    free(cfg->dir);
    free(cfg->enable);
    free(cfg->disable);
    pl_argv_release(&cfg->excludes);
    pl_argv_release(&cfg->extra_args);
    for (size_t i = 0; i < cfg->project.len; i++)
        free((char *)cfg->project.entries[i].name);
    free(cfg->project.entries);
    free(cfg);
}

void pl_configs_free(struct pl_configs *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nfiles; i++) {
        free(c->files[i].path);
        config_free(c->files[i].config);
    }
    for (size_t i = 0; i < c->ndirs; i++)
        free(c->dirs[i].dir);
    free(c->files);
    free(c->dirs);
    free(c->explicit_path);
    free(c);
}

/* ---- reading one file ---- */

/* Report a problem with 'cfg' at 'what'; returns -1. */
static int bad(const char *path, const char *what, const char *why)
{
    return pl_error("invalid configuration '%s': %s %s", path, what, why);
}

/* Append the strings of array 'value' (key 'key') to 'out'. */
static int read_strings(const char *path, json_t *value, const char *key,
                        struct pl_argv *out)
{
    if (!json_is_array(value))
        return bad(path, key, "must be an array of strings");
    size_t i;
    json_t *item;
    json_array_foreach(value, i, item) {
        if (!json_is_string(item))
            return bad(path, key, "must be an array of strings");
        pl_argv_push(out, json_string_value(item));
    }
    return 0;
}

/* A comma-separated copy of the strings of 'value'. */
static int read_rule_list(const char *path, json_t *value, const char *key,
                          char **out)
{
    struct pl_argv list;
    pl_argv_init(&list);
    if (read_strings(path, value, key, &list) < 0) {
        pl_argv_release(&list);
        return -1;
    }
    struct pl_strbuf sb;
    pl_strbuf_init(&sb);
    for (size_t i = 0; i < list.argc; i++)
        pl_strbuf_addf(&sb, "%s%s", i ? "," : "", list.argv[i]);
    pl_argv_release(&list);
    *out = sb.text ? sb.text : pl_xstrdup("");
    return 0;
}

static void add_entry(struct pl_config *cfg, size_t *cap, const char *name,
                      enum pl_api_role role, enum pl_family family,
                      unsigned flags)
{
    struct pl_api entry = {.name = pl_xstrdup(name), .role = role,
                           .family = family, .flags = flags, .arg = -1,
                           .doc = cfg->path};
    PL_PUSH(cfg->project.entries, cfg->project.len, *cap, entry);
}

/* Add the names of array 'value' as entries of 'role'. */
static int read_functions(struct pl_config *cfg, size_t *cap, json_t *value,
                          const char *key, enum pl_api_role role,
                          enum pl_family family, unsigned flags)
{
    struct pl_argv names;
    pl_argv_init(&names);
    int rc = read_strings(cfg->path, value, key, &names);
    for (size_t i = 0; rc == 0 && i < names.argc; i++)
        add_entry(cfg, cap, names.argv[i], role, family, flags);
    pl_argv_release(&names);
    return rc;
}

static int read_allocators(struct pl_config *cfg, size_t *cap, json_t *value)
{
    if (!json_is_array(value))
        return bad(cfg->path, "\"allocators\"", "must be an array of objects");
    size_t i;
    json_t *fam;
    json_array_foreach(value, i, fam) {
        json_t *name = json_object_get(fam, "family");
        json_t *frees = json_object_get(fam, "free");
        if (!json_is_object(fam) || !json_is_string(name))
            return bad(cfg->path, "\"allocators\"",
                       "entries need a \"family\" name");
        if (!json_is_array(frees) || json_array_size(frees) == 0 ||
            !json_is_string(json_array_get(frees, 0)))
            return bad(cfg->path, "\"allocators\"",
                       "entries need a \"free\" array of function names");
        const char *key;
        json_t *v;
        json_object_foreach(fam, key, v) {
            if (strcmp(key, "family") && strcmp(key, "alloc") &&
                strcmp(key, "realloc") && strcmp(key, "free"))
                return bad(cfg->path, key,
                           "is not a key of an allocator family "
                           "(family, alloc, realloc, free)");
        }
        enum pl_family f =
            pl_family_register(json_string_value(name),
                               json_string_value(json_array_get(frees, 0)));
        if (f == PL_FAM_NONE)
            return bad(cfg->path, "\"allocators\"", "declares too many families");
        json_t *allocs = json_object_get(fam, "alloc");
        json_t *reallocs = json_object_get(fam, "realloc");
        if ((allocs && read_functions(cfg, cap, allocs, "\"alloc\"",
                                      PL_API_ALLOC, f, 0) < 0) ||
            (reallocs && read_functions(cfg, cap, reallocs, "\"realloc\"",
                                        PL_API_REALLOC, f, 0) < 0) ||
            read_functions(cfg, cap, frees, "\"free\"", PL_API_FREE, f, 0) < 0)
            return -1;
    }
    return 0;
}

static int compare_entries(const void *a, const void *b)
{
    return strcmp(((const struct pl_api *)a)->name,
                  ((const struct pl_api *)b)->name);
}

/* Read the file 'path' (absolute). Returns NULL after reporting. */
static struct pl_config *config_read(const char *path)
{
    json_error_t err;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (!root) {
        pl_error("invalid configuration '%s': line %d, column %d: %s", path,
                 err.line, err.column, err.text);
        return NULL;
    }
    struct pl_config *cfg = pl_xcalloc(1, sizeof *cfg);
    cfg->path = pl_xstrdup(path);
    cfg->dir = pl_xstrdup(path);
    char *slash = strrchr(cfg->dir, '/');
    if (slash)
        *(slash == cfg->dir ? slash + 1 : slash) = '\0';
    pl_argv_init(&cfg->excludes);
    pl_argv_init(&cfg->extra_args);
    size_t cap = 0;
    int rc = 0;
    if (!json_is_object(root))
        rc = bad(path, "the top level", "must be an object");
    const char *key;
    json_t *v;
    if (rc == 0)
        json_object_foreach(root, key, v) {
            if (strcmp(key, "enable") == 0)
                rc = read_rule_list(path, v, "\"enable\"", &cfg->enable);
            else if (strcmp(key, "disable") == 0)
                rc = read_rule_list(path, v, "\"disable\"", &cfg->disable);
            else if (strcmp(key, "exclude") == 0)
                rc = read_strings(path, v, "\"exclude\"", &cfg->excludes);
            else if (strcmp(key, "extra-args") == 0)
                rc = read_strings(path, v, "\"extra-args\"", &cfg->extra_args);
            else if (strcmp(key, "allocators") == 0)
                rc = read_allocators(cfg, &cap, v);
            else if (strcmp(key, "takes-ownership") == 0)
                rc = read_functions(cfg, &cap, v, "\"takes-ownership\"",
                                    PL_API_UNKNOWN, PL_FAM_NONE, PL_AF_KEEPS);
            else if (strcmp(key, "noreturn") == 0)
                rc = read_functions(cfg, &cap, v, "\"noreturn\"", PL_API_READS,
                                    PL_FAM_NONE, PL_AF_NORETURN);
            else
                rc = bad(path, key,
                         "is not a configuration key (enable, disable, "
                         "exclude, extra-args, allocators, takes-ownership, "
                         "noreturn)");
            if (rc < 0)
                break;
        }
    json_decref(root);
    if (rc < 0) {
        config_free(cfg);
        return NULL;
    }
    if (cfg->project.len > 1)
        qsort(cfg->project.entries, cfg->project.len,
              sizeof cfg->project.entries[0], compare_entries);
    for (size_t i = 1; i < cfg->project.len; i++)
        if (strcmp(cfg->project.entries[i - 1].name,
                   cfg->project.entries[i].name) == 0) {
            bad(path, cfg->project.entries[i].name, "is listed twice");
            config_free(cfg);
            return NULL;
        }
    return cfg;
}

/* ---- finding the file that applies ---- */

static int load(struct pl_configs *c, const char *path,
                const struct pl_config **config)
{
    for (size_t i = 0; i < c->nfiles; i++)
        if (strcmp(c->files[i].path, path) == 0) {
            *config = c->files[i].config;
            return *config ? 0 : -1;
        }
    struct loaded l = {pl_xstrdup(path), config_read(path)};
    PL_PUSH(c->files, c->nfiles, c->files_cap, l);
    *config = l.config;
    return l.config ? 0 : -1;
}

/* The configuration file that applies to directory 'dir' (absolute, it
 * is cut while searching); its index in c->files or SIZE_MAX. */
static size_t search(struct pl_configs *c, char *dir, int *rc)
{
    for (size_t i = 0; i < c->ndirs; i++)
        if (strcmp(c->dirs[i].dir, dir) == 0)
            return c->dirs[i].file;
    size_t found = SIZE_MAX;
    char candidate[PATH_MAX];
    struct stat sb;
    if (snprintf(candidate, sizeof candidate, "%s%s" PL_CONFIG_NAME, dir,
                 strcmp(dir, "/") ? "/" : "") < (int)sizeof candidate &&
        stat(candidate, &sb) == 0) {
        const struct pl_config *cfg;
        *rc = load(c, candidate, &cfg);
        found = c->nfiles - 1;
        for (size_t i = 0; i < c->nfiles; i++)
            if (strcmp(c->files[i].path, candidate) == 0)
                found = i;
    } else if (strcmp(dir, "/") != 0) {
        char *copy = pl_xstrdup(dir);
        char *slash = strrchr(copy, '/');
        if (slash == copy)
            slash[1] = '\0';
        else if (slash)
            *slash = '\0';
        found = slash ? search(c, copy, rc) : SIZE_MAX;
        free(copy);
    }
    struct dir_entry d = {pl_xstrdup(dir), found};
    PL_PUSH(c->dirs, c->ndirs, c->dirs_cap, d);
    return found;
}

int pl_config_for(struct pl_configs *c, const char *file,
                  const struct pl_config **config)
{
    *config = NULL;
    if (c->disabled)
        return 0;
    if (c->explicit_path) {
        char *real = realpath(c->explicit_path, NULL);
        if (!real)
            return pl_error("cannot read configuration '%s': %s",
                            c->explicit_path, strerror(errno));
        int rc = load(c, real, config);
        free(real);
        return rc;
    }
    char *real = realpath(file, NULL);
    if (!real)
        return 0; /* the file itself is reported elsewhere */
    char *slash = strrchr(real, '/');
    if (slash == real)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    int rc = 0;
    size_t index = search(c, real, &rc);
    free(real);
    if (index == SIZE_MAX)
        return 0;
    *config = c->files[index].config;
    return *config ? 0 : -1;
}

bool pl_config_excludes(const struct pl_config *config, const char *file)
{
    if (!config || !config->excludes.argc)
        return false;
    char *real = realpath(file, NULL);
    if (!real)
        return false;
    const char *rel = real;
    size_t n = strlen(config->dir);
    if (strncmp(real, config->dir, n) == 0 && real[n] == '/')
        rel = real + n + 1;
    bool excluded = false;
    for (size_t i = 0; !excluded && i < config->excludes.argc; i++) {
        const char *pat = config->excludes.argv[i];
        excluded = fnmatch(pat, rel, 0) == 0 ||
                   fnmatch(pat, rel, FNM_LEADING_DIR) == 0;
        const char *base = strrchr(rel, '/');
        if (!excluded && !strchr(pat, '/'))
            excluded = fnmatch(pat, base ? base + 1 : rel, 0) == 0;
    }
    free(real);
    return excluded;
}
