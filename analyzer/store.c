/*
 * analyzer/store.c - the sqlite store (see store.h).
 *
 * Schema version 1 (PRAGMA user_version):
 *   results(path PRIMARY KEY, key, deps, result, updated)
 *     key:    hex of a hash of the tool version, the compile arguments,
 *             the rules, the configuration and the file's own content,
 *             then hex of a checksum of the row's deps and result text;
 *     deps:   JSON [[path, size, mtime_ns, content hash, ctime_ns,
 *             inode], ...] of every file the translation unit read (the
 *             file, its headers);
 *     result: JSON of the job's results (findings, compile errors, ...).
 *   runs(id PRIMARY KEY, started, files, analyzed, findings, by_rule)
 * An entry is current when its key and checksum match and every
 * dependency has the same size, mtime, ctime and inode, or else the same
 * content hash: touching a header without changing it keeps the cache,
 * changing it re-analyzes exactly the files that read it, and a row
 * changed behind our back is a miss.
 */
#include "store.h"
#include "output.h"
#include "../rules/rule.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SCHEMA_VERSION 1

struct file_state {
    char *path;
    long long size, mtime;
    long long ctime, inode; /* a file put back with its old size and mtime
                               (cp -p, tar, rsync -t) has a new ctime */
    uint64_t hash;
    bool hashed, exists;
};

struct pl_store {
    sqlite3 *db;
    char *path;
    /* files looked at in this run, so each is hashed at most once, and
       an index of them by path (open addressing: index + 1, 0 empty) */
    struct file_state *files;
    size_t nfiles, files_cap;
    size_t *slots;
    size_t nslots;
    bool write_failed;  /* said once; nothing more is written this run */
};

static size_t path_slot(const struct pl_store *s, const char *path)
{
    uint64_t h = pl_hash_bytes(PL_HASH_SEED, path, strlen(path));
    size_t i = (size_t)h & (s->nslots - 1);
    while (s->slots[i] && strcmp(s->files[s->slots[i] - 1].path, path) != 0)
        i = (i + 1) & (s->nslots - 1);
    return i;
}

static void index_files(struct pl_store *s)
{
    free(s->slots);
    s->nslots = 1024;
    while (s->nslots < s->nfiles * 2 + 2)
        s->nslots *= 2;
    s->slots = pl_xcalloc(s->nslots, sizeof *s->slots);
    for (size_t i = 0; i < s->nfiles; i++)
        s->slots[path_slot(s, s->files[i].path)] = i + 1;
}

static void warn_db(const char *path, const char *what, sqlite3 *db)
{
    pl_warning("cannot use the cache '%s': %s: %s; running without it", path,
               what, db ? sqlite3_errmsg(db) : "out of memory");
}

/* After the analysis, when its results cannot be written: the cache was
   read, so "running without it" would not be true. */
static void warn_db_write(const char *path, sqlite3 *db)
{
    pl_warning("cannot use the cache '%s': cannot store results: %s; this "
               "run's results are not kept (the next run analyzes these "
               "files again)", path, db ? sqlite3_errmsg(db) : "out of memory");
}

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

#define VERDICTS_TABLE                                                      \
    "CREATE TABLE IF NOT EXISTS verdicts ("                                 \
    "  file TEXT NOT NULL, fingerprint TEXT NOT NULL, rule TEXT NOT NULL,"  \
    "  line INTEGER NOT NULL, verdict TEXT NOT NULL, evidence TEXT,"        \
    "  command TEXT NOT NULL, updated INTEGER NOT NULL,"                    \
    "  PRIMARY KEY (file, fingerprint));"                                   \
    "CREATE TABLE IF NOT EXISTS runtime_reports ("                          \
    "  command TEXT NOT NULL, run INTEGER NOT NULL, faults TEXT,"            \
    "  ending TEXT NOT NULL, event TEXT NOT NULL, kind TEXT, file TEXT,"    \
    "  line INTEGER, count INTEGER, message TEXT, updated INTEGER NOT NULL)"

/* Whether 'table' is missing or has exactly the columns 'columns'
   ("a,b,c", in order). */
static bool has_columns(sqlite3 *db, const char *table, const char *columns)
{
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA table_info(%s)", table);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return true; /* cannot tell: CREATE IF NOT EXISTS will say */
    struct pl_strbuf found;
    pl_strbuf_init(&found);
    while (sqlite3_step(st) == SQLITE_ROW)
        pl_strbuf_addf(&found, "%s%s", found.len ? "," : "",
                       (const char *)sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
    bool ok = found.len == 0 || strcmp(pl_strbuf_str(&found), columns) == 0;
    pl_strbuf_release(&found);
    return ok;
}

static int migrate(struct pl_store *s)
{
    sqlite3_stmt *st;
    int version = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version == SCHEMA_VERSION)
        return 0;
    if (version > SCHEMA_VERSION) {
        pl_warning("cannot use the cache '%s': it was written by a newer "
                   "pymem-lint (schema %d); running without it",
                   s->path, version);
        return 1;
    }
    /* version 0: a new file, or one from before schema versions whose
       tables do not have our columns: the cache is only a cache, rebuilt;
       the history is kept aside */
    if (!has_columns(s->db, "results", "path,key,deps,result,updated")) {
        pl_warning("the cache '%s' has results in an older layout: "
                   "rebuilding them", s->path);
        exec(s->db, "DROP TABLE results");
    }
    if (!has_columns(s->db, "runs",
                     "id,started,files,analyzed,findings,by_rule")) {
        pl_warning("the history in '%s' has an older layout: kept as the "
                   "table runs_old", s->path);
        exec(s->db, "DROP TABLE IF EXISTS runs_old");
        exec(s->db, "ALTER TABLE runs RENAME TO runs_old");
    }
    const char *schema =
        "BEGIN IMMEDIATE;"
        "CREATE TABLE IF NOT EXISTS results ("
        "  path TEXT PRIMARY KEY, key TEXT NOT NULL, deps TEXT NOT NULL,"
        "  result TEXT NOT NULL, updated INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS runs ("
        "  id INTEGER PRIMARY KEY, started INTEGER NOT NULL,"
        "  files INTEGER NOT NULL, analyzed INTEGER NOT NULL,"
        "  findings INTEGER NOT NULL, by_rule TEXT NOT NULL);"
        "PRAGMA user_version = 1;"
        "COMMIT;";
    if (exec(s->db, schema) != SQLITE_OK) {
        warn_db(s->path, "cannot create its tables", s->db);
        exec(s->db, "ROLLBACK");
        return 1;
    }
    return 0;
}

struct pl_store *pl_store_open(const char *path)
{
    /* the directory: created when missing */
    char *dir = pl_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
            pl_warning("cannot use the cache '%s': cannot create '%s': %s; "
                       "running without it", path, dir, strerror(errno));
            free(dir);
            return NULL;
        }
    }
    free(dir);
    struct pl_store *s = pl_xcalloc(1, sizeof *s);
    s->path = pl_xstrdup(path);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK) {
        warn_db(path, "cannot open it", s->db);
        pl_store_close(s);
        return NULL;
    }
    sqlite3_busy_timeout(s->db, 10000);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) {
        warn_db(path, "not a usable database", s->db);
        pl_store_close(s);
        return NULL;
    }
    exec(s->db, "PRAGMA synchronous=NORMAL");
    if (migrate(s) != 0) {
        pl_store_close(s);
        return NULL;
    }
    /* 'pymem-lint validate' verdicts: a table older versions of schema 1
       do not have and do not read */
    if (exec(s->db, VERDICTS_TABLE) != SQLITE_OK) {
        warn_db(path, "cannot create its tables", s->db);
        pl_store_close(s);
        return NULL;
    }
    return s;
}

void pl_store_close(struct pl_store *s)
{
    if (!s)
        return;
    sqlite3_close(s->db);
    for (size_t i = 0; i < s->nfiles; i++)
        free(s->files[i].path);
    free(s->files);
    free(s->slots);
    free(s->path);
    free(s);
}

char *pl_store_default_path(void)
{
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return pl_xstrdup(".pymem-lint/cache.db");
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", cwd);
    for (;;) {
        char probe[PATH_MAX + 32];
        struct stat sb;
        snprintf(probe, sizeof probe, "%s/.git", dir);
        bool root = stat(probe, &sb) == 0;
        snprintf(probe, sizeof probe, "%s/.pymem-lint.json", dir);
        root = root || stat(probe, &sb) == 0;
        if (root)
            break;
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir) {
            snprintf(dir, sizeof dir, "%s", cwd); /* none: here */
            break;
        }
        *slash = '\0';
    }
    char *out = pl_xcalloc(strlen(dir) + 32, 1);
    sprintf(out, "%s/.pymem-lint/cache.db", dir);
    return out;
}

/* ---- keys and file states ---- */

static uint64_t hash_file(const char *path, bool *ok)
{
    FILE *in = fopen(path, "rb");
    *ok = in != NULL;
    uint64_t h = PL_HASH_SEED;
    if (!in)
        return h;
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, in)) > 0)
        h = pl_hash_bytes(h, buf, got);
    *ok = !ferror(in);
    fclose(in);
    return h;
}

static struct file_state *file_state(struct pl_store *s, const char *path,
                                     bool need_hash)
{
    struct file_state *fs = NULL;
    if (!s->slots || s->nfiles * 2 + 2 > s->nslots)
        index_files(s);
    size_t slot = path_slot(s, path);
    if (s->slots[slot])
        fs = &s->files[s->slots[slot] - 1];
    if (!fs) {
        struct file_state fresh = {.path = pl_xstrdup(path)};
        struct stat sb;
        if (stat(path, &sb) == 0) {
            fresh.exists = true;
            fresh.size = (long long)sb.st_size;
            fresh.mtime = (long long)sb.st_mtim.tv_sec * 1000000000LL +
                          sb.st_mtim.tv_nsec;
            fresh.ctime = (long long)sb.st_ctim.tv_sec * 1000000000LL +
                          sb.st_ctim.tv_nsec;
            fresh.inode = (long long)sb.st_ino;
        }
        PL_PUSH(s->files, s->nfiles, s->files_cap, fresh);
        s->slots[slot] = s->nfiles;
        fs = &s->files[s->nfiles - 1];
    }
    if (need_hash && fs->exists && !fs->hashed) {
        bool ok;
        fs->hash = hash_file(path, &ok);
        fs->hashed = true;
        fs->exists = ok;
    }
    return fs;
}

uint64_t pl_store_job_key(const struct pl_job *job, const char *version,
                          const char *config_path)
{
    uint64_t h = pl_hash_bytes(PL_HASH_SEED, version, strlen(version) + 1);
    for (size_t i = 0; i < job->args.argc; i++)
        h = pl_hash_bytes(h, job->args.argv[i], strlen(job->args.argv[i]) + 1);
    h = pl_hash_bytes(h, "|rules|", 7);
    for (size_t i = 0; i < job->nrules; i++) {
        const char *id = job->rules[i]->id;
        h = pl_hash_bytes(h, id, strlen(id) + 1);
    }
    if (config_path) {
        bool ok;
        uint64_t c = hash_file(config_path, &ok);
        h = pl_hash_bytes(h, config_path, strlen(config_path) + 1);
        h = pl_hash_bytes(h, &c, sizeof c);
    }
    return h;
}

static uint64_t file_key(struct pl_store *s, const struct pl_job *job,
                         uint64_t job_key, bool *ok)
{
    const char *path = job->parse_path ? job->parse_path : job->path;
    struct file_state *fs = file_state(s, path, true);
    *ok = fs->exists;
    uint64_t h = pl_hash_bytes(job_key, &fs->hash, sizeof fs->hash);
    return pl_hash_bytes(h, job->path, strlen(job->path) + 1);
}

/* ---- results as JSON ---- */

static json_t *exports_json(const struct pl_exports *e)
{
    json_t *a = json_array();
    for (size_t i = 0; i < e->len; i++) {
        const struct pl_export *x = &e->items[i];
        json_t *rel = json_array();
        for (int k = 0; k < PL_EXPORT_PARAMS; k++)
            json_array_append_new(rel, x->release_family[k]
                                           ? json_string(x->release_family[k])
                                           : json_null());
        json_array_append_new(
            a, json_pack("{s:s, s:s?, s:s?, s:b, s:b, s:b, s:s, s:o, s:s?}",
                         "name", x->name, "family", x->returns_family,
                         "alloc", x->returns_alloc_name, "nonnull",
                         x->returns_nonnull, "noreturn", x->noreturn, "exc",
                         x->may_set_exc, "roles", x->roles, "release", rel,
                         "gil", x->gil_call));
    }
    return a;
}

static void exports_from(json_t *a, struct pl_exports *e)
{
    size_t i;
    json_t *j;
    json_array_foreach(a, i, j) {
        struct pl_export x = {0};
        x.name = (char *)json_string_value(json_object_get(j, "name"));
        const char *roles = json_string_value(json_object_get(j, "roles"));
        if (!x.name || !roles)
            continue;
        snprintf(x.roles, sizeof x.roles, "%s", roles);
        x.returns_family = (char *)json_string_value(json_object_get(j, "family"));
        x.returns_alloc_name = (char *)json_string_value(json_object_get(j, "alloc"));
        x.returns_nonnull = json_is_true(json_object_get(j, "nonnull"));
        x.noreturn = json_is_true(json_object_get(j, "noreturn"));
        x.may_set_exc = json_is_true(json_object_get(j, "exc"));
        x.gil_call = (char *)json_string_value(json_object_get(j, "gil"));
        json_t *rel = json_object_get(j, "release");
        for (int k = 0; k < PL_EXPORT_PARAMS; k++)
            x.release_family[k] =
                (char *)json_string_value(json_array_get(rel, (size_t)k));
        pl_exports_add(e, &x); /* copies */
    }
}

static json_t *lines_json(const struct pl_lines *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->len; i++)
        json_array_append_new(a, json_pack("[s, I, s?]", l->items[i].file,
                                           (json_int_t)l->items[i].line,
                                           l->items[i].text));
    return a;
}

static void lines_from(json_t *a, struct pl_lines *l)
{
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e)
        pl_lines_add(l, json_string_value(json_array_get(e, 0)),
                     (unsigned)json_integer_value(json_array_get(e, 1)),
                     json_string_value(json_array_get(e, 2)));
}

static char *result_json(const struct pl_job *job)
{
    json_t *findings = json_array();
    for (size_t i = 0; i < job->findings.len; i++) {
        const struct pl_finding *f = &job->findings.items[i];
        json_t *notes = json_array();
        for (size_t k = 0; k < f->nnotes; k++)
            json_array_append_new(notes, json_pack("[I, I, s]",
                                                   (json_int_t)f->notes[k].line,
                                                   (json_int_t)f->notes[k].col,
                                                   f->notes[k].text));
        json_array_append_new(
            findings,
            json_pack("{s:s, s:s, s:I, s:I, s:s, s:s?, s:s?, s:o}", "rule",
                      f->rule_id, "file", f->file, "line", (json_int_t)f->line,
                      "col", (json_int_t)f->col, "message", f->message,
                      "source", f->source_line, "function", f->function,
                      "notes", notes));
    }
    json_t *callees = json_array();
    for (size_t i = 0; i < job->callees.argc; i++)
        json_array_append_new(callees, json_string(job->callees.argv[i]));
    char digest[17];
    snprintf(digest, sizeof digest, "%016llx",
             (unsigned long long)job->callee_digest);
    json_t *doc = json_pack(
        "{s:i, s:I, s:s?, s:I, s:I, s:o, s:o, s:o, s:[I, I, I, I, I, I],"
        " s:o, s:o, s:s}",
        "status", job->status, "nerrors", (json_int_t)job->nerrors,
        "first_error", job->first_error, "skipped", (json_int_t)job->skipped,
        "too_deep", (json_int_t)job->too_deep, "findings", findings,
        "suppressions", lines_json(&job->suppressions), "used",
        lines_json(&job->used_suppressions), "stats",
        (json_int_t)job->stats.functions, (json_int_t)job->stats.states,
        (json_int_t)job->stats.states_cut, (json_int_t)job->stats.functions_cut,
        (json_int_t)job->stats.allocations,
        (json_int_t)job->stats.functions_capped, "exports",
        exports_json(&job->exports), "callees", callees, "digest", digest);
    if (doc && job->first_too_deep)
        json_object_set_new(doc, "first_too_deep",
                            json_string(job->first_too_deep));
    /* strings that are not UTF-8 make json_pack fail: not cached then */
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    return text;
}

/* The rule id string of the registered rule 'id' (findings keep a
 * pointer to a static string), or NULL. */
static const char *static_rule_id(const struct pl_job *job, const char *id)
{
    for (size_t i = 0; i < job->nrules; i++) {
        const char *rid = job->rules[i]->id;
        if (strcmp(rid, id) == 0)
            return rid;
    }
    if (strcmp(id, "unused-suppression") == 0)
        return "unused-suppression";
    return NULL;
}

static bool result_from(struct pl_job *job, const char *text)
{
    json_error_t err;
    json_t *doc = json_loads(text, 0, &err);
    if (!doc)
        return false;
    bool ok = true;
    json_t *findings = json_object_get(doc, "findings");
    size_t i;
    json_t *f;
    json_array_foreach(findings, i, f) {
        const char *id = json_string_value(json_object_get(f, "rule"));
        const char *rule = id ? static_rule_id(job, id) : NULL;
        if (!rule) {
            ok = false;
            break;
        }
        json_t *notes = json_object_get(f, "notes");
        size_t nn = json_array_size(notes);
        struct pl_finding_note *nv = pl_xcalloc(nn ? nn : 1, sizeof *nv);
        for (size_t k = 0; k < nn; k++) {
            json_t *n = json_array_get(notes, k);
            nv[k].line = (unsigned)json_integer_value(json_array_get(n, 0));
            nv[k].col = (unsigned)json_integer_value(json_array_get(n, 1));
            nv[k].text = (char *)json_string_value(json_array_get(n, 2));
        }
        struct pl_finding *added = pl_findings_add(
            &job->findings, rule, json_string_value(json_object_get(f, "file")),
            (unsigned)json_integer_value(json_object_get(f, "line")),
            (unsigned)json_integer_value(json_object_get(f, "col")),
            json_string_value(json_object_get(f, "message")),
            json_string_value(json_object_get(f, "source")), nv, nn);
        free(nv);
        const char *fn = json_string_value(json_object_get(f, "function"));
        if (added && fn)
            added->function = pl_xstrdup(fn);
    }
    if (ok) {
        job->status = (int)json_integer_value(json_object_get(doc, "status"));
        job->nerrors = (unsigned)json_integer_value(json_object_get(doc, "nerrors"));
        const char *fe = json_string_value(json_object_get(doc, "first_error"));
        job->first_error = fe ? pl_xstrdup(fe) : NULL;
        job->skipped = (size_t)json_integer_value(json_object_get(doc, "skipped"));
        job->too_deep = (size_t)json_integer_value(json_object_get(doc, "too_deep"));
        const char *deep = json_string_value(json_object_get(doc, "first_too_deep"));
        job->first_too_deep = deep ? pl_xstrdup(deep) : NULL;
        lines_from(json_object_get(doc, "suppressions"), &job->suppressions);
        lines_from(json_object_get(doc, "used"), &job->used_suppressions);
        json_t *stats = json_object_get(doc, "stats");
        job->stats.functions = (size_t)json_integer_value(json_array_get(stats, 0));
        job->stats.states = (size_t)json_integer_value(json_array_get(stats, 1));
        job->stats.states_cut = (size_t)json_integer_value(json_array_get(stats, 2));
        job->stats.functions_cut = (size_t)json_integer_value(json_array_get(stats, 3));
        job->stats.allocations = (size_t)json_integer_value(json_array_get(stats, 4));
        job->stats.functions_capped = (size_t)json_integer_value(json_array_get(stats, 5));
        exports_from(json_object_get(doc, "exports"), &job->exports);
        json_t *callees = json_object_get(doc, "callees");
        json_t *c;
        json_array_foreach(callees, i, c)
            if (json_is_string(c))
                pl_argv_push(&job->callees, json_string_value(c));
        const char *digest = json_string_value(json_object_get(doc, "digest"));
        job->callee_digest = digest ? strtoull(digest, NULL, 16) : 0;
    } else {
        pl_findings_release(&job->findings);
    }
    json_decref(doc);
    return ok;
}

/* ---- lookup and save ---- */

static bool deps_current(struct pl_store *s, const char *deps_text)
{
    json_error_t err;
    json_t *deps = json_loads(deps_text, 0, &err);
    if (!json_is_array(deps)) {
        json_decref(deps);
        return false;
    }
    bool current = true;
    size_t i;
    json_t *d;
    json_array_foreach(deps, i, d) {
        const char *path = json_string_value(json_array_get(d, 0));
        const char *hash = json_string_value(json_array_get(d, 3));
        if (!path || !hash) {
            current = false;
            break;
        }
        struct file_state *fs = file_state(s, path, false);
        if (!fs->exists) {
            current = false;
            break;
        }
        if (fs->size == json_integer_value(json_array_get(d, 1)) &&
            fs->mtime == json_integer_value(json_array_get(d, 2)) &&
            fs->ctime == json_integer_value(json_array_get(d, 4)) &&
            fs->inode == json_integer_value(json_array_get(d, 5)))
            continue; /* unchanged by size, times and inode */
        fs = file_state(s, path, true);
        char hex[17];
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)fs->hash);
        if (!fs->exists || strcmp(hex, hash) != 0) {
            current = false;
            break;
        }
    }
    json_decref(deps);
    return current;
}

/* A checksum of a row's dependencies and result, as 16 hex digits in a
   static buffer of the calling thread. */
static const char *row_sum(const char *deps, const char *result)
{
    static _Thread_local char hex[17];
    uint64_t h = pl_hash_bytes(PL_HASH_SEED, deps, strlen(deps) + 1);
    h = pl_hash_bytes(h, result, strlen(result) + 1);
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    return hex;
}

bool pl_store_lookup(struct pl_store *s, struct pl_job *job, uint64_t job_key)
{
    if (!s)
        return false;
    bool ok;
    uint64_t key = file_key(s, job, job_key, &ok);
    if (!ok)
        return false;
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)key);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT key, deps, result FROM results WHERE path = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, job->path, -1, SQLITE_TRANSIENT);
    bool hit = false;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        const char *deps = (const char *)sqlite3_column_text(st, 1);
        const char *result = (const char *)sqlite3_column_text(st, 2);
        /* the key column holds the key and a checksum of the row's
           text: a row changed by anything but us is a miss (sqlite has
           no checksums of its own) */
        if (k && deps && result && strlen(k) == 32 &&
            strncmp(k, hex, 16) == 0 && strcmp(k + 16, row_sum(deps, result)) == 0 &&
            deps_current(s, deps))
            hit = result_from(job, result);
    }
    sqlite3_finalize(st);
    return hit;
}

static char *deps_json(struct pl_store *s, const struct pl_job *job)
{
    json_t *a = json_array();
    for (size_t i = 0; i < job->ndeps; i++) {
        struct file_state *fs = file_state(s, job->deps[i], true);
        if (!fs->exists) {
            json_decref(a);
            return NULL; /* a file gone already: do not cache */
        }
        char hex[17];
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)fs->hash);
        json_array_append_new(a, json_pack("[s, I, I, s, I, I]", job->deps[i],
                                           (json_int_t)fs->size,
                                           (json_int_t)fs->mtime, hex,
                                           (json_int_t)fs->ctime,
                                           (json_int_t)fs->inode));
    }
    char *text = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return text;
}

void pl_store_save(struct pl_store *s, struct pl_job *jobs, size_t njobs,
                   const uint64_t *keys)
{
    if (!s)
        return;
    if (exec(s->db, "BEGIN IMMEDIATE") != SQLITE_OK) {
        warn_db_write(s->path, s->db);
        s->write_failed = true;
        return;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT OR REPLACE INTO results"
                           " (path, key, deps, result, updated)"
                           " VALUES (?1, ?2, ?3, ?4, ?5)",
                           -1, &st, NULL) != SQLITE_OK) {
        exec(s->db, "ROLLBACK");
        return;
    }
    for (size_t i = 0; i < njobs; i++) {
        struct pl_job *job = &jobs[i];
        if (job->cached || job->status != 0 || job->ndeps == 0)
            continue; /* a file that failed is tried again next time */
        bool ok;
        uint64_t key = file_key(s, job, keys[i], &ok);
        char *deps = ok ? deps_json(s, job) : NULL;
        char *result = deps ? result_json(job) : NULL;
        if (result) {
            char hex[33];
            snprintf(hex, sizeof hex, "%016llx%s", (unsigned long long)key,
                     row_sum(deps, result));
            sqlite3_bind_text(st, 1, job->path, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 2, hex, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 3, deps, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 4, result, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(st, 5, (sqlite3_int64)time(NULL));
            if (sqlite3_step(st) != SQLITE_DONE) {
                /* read-only, full, corrupt: the same for every row, so
                   said once, and nothing of this run is kept */
                warn_db_write(s->path, s->db);
                s->write_failed = true;
            }
            sqlite3_reset(st);
        }
        free(deps);
        free(result);
        if (s->write_failed)
            break;
    }
    sqlite3_finalize(st);
    if (s->write_failed) {
        exec(s->db, "ROLLBACK");
    } else if (exec(s->db, "COMMIT") != SQLITE_OK) {
        warn_db_write(s->path, s->db);
        s->write_failed = true;
        exec(s->db, "ROLLBACK");
    }
}

void pl_store_record_run(struct pl_store *s, const struct pl_findings *f,
                         size_t files, size_t analyzed)
{
    if (!s || s->write_failed)
        return; /* already said why */
    json_t *by_rule = json_object();
    for (size_t i = 0; i < f->len; i++) {
        json_t *n = json_object_get(by_rule, f->items[i].rule_id);
        json_object_set_new(by_rule, f->items[i].rule_id,
                            json_integer(n ? json_integer_value(n) + 1 : 1));
    }
    char *text = json_dumps(by_rule, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(by_rule);
    sqlite3_stmt *st;
    if (text && sqlite3_prepare_v2(s->db,
                                   "INSERT INTO runs (started, files, analyzed,"
                                   " findings, by_rule)"
                                   " VALUES (?1, ?2, ?3, ?4, ?5)",
                                   -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
        sqlite3_bind_int64(st, 2, (sqlite3_int64)files);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)analyzed);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)f->len);
        sqlite3_bind_text(st, 5, text, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE)
            pl_warning("cannot record the run in '%s': %s", s->path,
                       sqlite3_errmsg(s->db));
        sqlite3_finalize(st);
    }
    free(text);
}

int pl_store_print_history(struct pl_store *s, FILE *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT started, files, analyzed, findings, by_rule"
                           " FROM runs ORDER BY id DESC LIMIT 20",
                           -1, &st, NULL) != SQLITE_OK)
        return pl_error("cannot read the history in '%s': %s", s->path,
                        sqlite3_errmsg(s->db));
    fprintf(out, "%-20s %6s %8s %8s  %s\n", "run (UTC)", "files", "analyzed",
            "findings", "by rule");
    while (sqlite3_step(st) == SQLITE_ROW) {
        time_t t = (time_t)sqlite3_column_int64(st, 0);
        struct tm tm;
        char when[32];
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", gmtime_r(&t, &tm));
        fprintf(out, "%-20s %6lld %8lld %8lld  %s\n", when,
                (long long)sqlite3_column_int64(st, 1),
                (long long)sqlite3_column_int64(st, 2),
                (long long)sqlite3_column_int64(st, 3),
                (const char *)sqlite3_column_text(st, 4));
    }
    sqlite3_finalize(st);
    return 0;
}

/* ---- verdicts of 'pymem-lint validate' ---- */

int pl_store_put_verdicts(struct pl_store *store, const struct pl_findings *f,
                          const char *command)
{
    if (!store)
        return -1;
    sqlite3_stmt *st = NULL;
    int rc = exec(store->db, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(
            store->db,
            "INSERT OR REPLACE INTO verdicts (file, fingerprint, rule, line,"
            " verdict, evidence, command, updated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, strftime('%s','now'))",
            -1, &st, NULL);
    unsigned *occ = rc == SQLITE_OK ? pl_finding_occurrences(f) : NULL;
    for (size_t i = 0; rc == SQLITE_OK && i < f->len; i++) {
        const struct pl_finding *it = &f->items[i];
        if (!it->verdict)
            continue;
        char fp[17];
        pl_finding_fingerprint(it, occ[i], fp);
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, it->file, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, fp, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, it->rule_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, it->line);
        sqlite3_bind_text(st, 5, it->verdict, -1, SQLITE_STATIC);
        if (it->evidence)
            sqlite3_bind_text(st, 6, it->evidence, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 6);
        sqlite3_bind_text(st, 7, command, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    free(occ);
    sqlite3_finalize(st);
    if (rc == SQLITE_OK)
        rc = exec(store->db, "COMMIT");
    if (rc != SQLITE_OK) {
        pl_warning("cannot store the verdicts in '%s': %s", store->path,
                   sqlite3_errmsg(store->db));
        exec(store->db, "ROLLBACK");
        return -1;
    }
    return 0;
}

size_t pl_store_attach_verdicts(struct pl_store *store, struct pl_findings *f)
{
    if (!store || !f->len)
        return 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(store->db,
                           "SELECT verdict, evidence FROM verdicts"
                           " WHERE file = ? AND fingerprint = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    size_t found = 0;
    unsigned *occ = pl_finding_occurrences(f);
    for (size_t i = 0; i < f->len; i++) {
        struct pl_finding *it = &f->items[i];
        char fp[17];
        pl_finding_fingerprint(it, occ[i], fp);
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, it->file, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, fp, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_ROW)
            continue;
        const char *verdict = (const char *)sqlite3_column_text(st, 0);
        const char *evidence = (const char *)sqlite3_column_text(st, 1);
        free(it->verdict);
        free(it->evidence);
        it->verdict = pl_xstrdup(verdict ? verdict : "?");
        it->evidence = evidence ? pl_xstrdup(evidence) : NULL;
        found++;
    }
    free(occ);
    sqlite3_finalize(st);
    return found;
}

/* Insert the places of one kind of record of one run. */
static int put_places(sqlite3_stmt *st, const char *command, size_t run,
                      const struct pl_testrun *r, const char *ending,
                      const char *event, const struct pl_rec_places *places)
{
    for (size_t i = 0; i < places->len; i++) {
        const struct pl_rec_place *x = &places->items[i];
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, command, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)run);
        if (r->faults)
            sqlite3_bind_text(st, 3, r->faults, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 3);
        sqlite3_bind_text(st, 4, ending, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, event, -1, SQLITE_STATIC);
        if (x->kind)
            sqlite3_bind_text(st, 6, x->kind, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 6);
        sqlite3_bind_text(st, 7, x->file, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 8, x->line);
        sqlite3_bind_int64(st, 9, (sqlite3_int64)x->count);
        if (x->message)
            sqlite3_bind_text(st, 10, x->message, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 10);
        if (sqlite3_step(st) != SQLITE_DONE)
            return -1;
    }
    return 0;
}

int pl_store_put_runtime_reports(struct pl_store *store,
                                 const struct pl_testrun *runs, size_t n,
                                 const char *command)
{
    if (!store)
        return -1;
    sqlite3_stmt *del = NULL, *st = NULL;
    int rc = exec(store->db, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(store->db,
                                "DELETE FROM runtime_reports WHERE command = ?",
                                -1, &del, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(del, 1, command, -1, SQLITE_STATIC);
        rc = sqlite3_step(del) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(
            store->db,
            "INSERT INTO runtime_reports (command, run, faults, ending, event,"
            " kind, file, line, count, message, updated) VALUES"
            " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, strftime('%s','now'))",
            -1, &st, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
        char ending[64];
        pl_testrun_ending(&runs[i], ending, sizeof ending);
        if (put_places(st, command, i, &runs[i], ending, "error",
                       &runs[i].errors) < 0 ||
            put_places(st, command, i, &runs[i], ending, "fault",
                       &runs[i].faults_injected) < 0 ||
            put_places(st, command, i, &runs[i], ending, "leak",
                       &runs[i].leaks) < 0)
            rc = SQLITE_ERROR;
    }
    sqlite3_finalize(del);
    sqlite3_finalize(st);
    if (rc == SQLITE_OK)
        rc = exec(store->db, "COMMIT");
    if (rc != SQLITE_OK) {
        pl_warning("cannot store the runtime reports in '%s': %s", store->path,
                   sqlite3_errmsg(store->db));
        exec(store->db, "ROLLBACK");
        return -1;
    }
    return 0;
}
