/*
 * analyzer/baseline.c - baseline files (see baseline.h), read and written
 * with jansson:
 *
 * {
 *   "format": "pymem-lint baseline", "version": 1,
 *   "findings": [
 *     {"file": "src/mod.c", "rule": "PML005", "function": "f",
 *      "fingerprint": "9c1e...", "line": 12, "message": "..."}
 *   ]
 * }
 *
 * "file" is relative to the baseline's directory, so the file works from
 * any working directory; "line" and "message" are for the reader only.
 */
#include "baseline.h"
#include "output.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define FORMAT_NAME "pymem-lint baseline"

/* The directory of 'path' (absolute), or NULL when it does not exist. */
static char *directory_of(const char *path)
{
    char *copy = pl_xstrdup(path);
    char *slash = strrchr(copy, '/');
    const char *dir = ".";
    if (slash == copy)
        dir = "/";
    else if (slash) {
        *slash = '\0';
        dir = copy;
    }
    char *abs = realpath(dir, NULL);
    free(copy);
    return abs;
}

/* 'file' relative to directory 'base' (absolute); heap string. */
static char *relative_to(const char *base, const char *file)
{
    char *abs = realpath(file, NULL);
    if (!abs)
        return pl_xstrdup(file);
    /* the longest common prefix that ends at a component boundary */
    size_t i = 0, common = 0;
    while (base[i] && base[i] == abs[i]) {
        i++;
        if (base[i - 1] == '/')
            common = i;
    }
    if (base[i] == '\0' && (abs[i] == '/' || abs[i] == '\0'))
        common = i;
    struct pl_strbuf sb;
    pl_strbuf_init(&sb);
    const char *rest = base + common;
    while (*rest == '/')
        rest++;
    if (*rest) { /* one ".." per component of base below the prefix */
        pl_strbuf_add(&sb, "../");
        for (const char *p = rest; *p; p++)
            if (*p == '/' && p[1])
                pl_strbuf_add(&sb, "../");
    }
    const char *tail = abs + common;
    while (*tail == '/')
        tail++;
    pl_strbuf_add(&sb, tail);
    free(abs);
    return sb.text ? sb.text : pl_xstrdup(".");
}

int pl_baseline_write(const char *path, const struct pl_findings *f,
                      const char *version)
{
    char *base = directory_of(path);
    if (!base)
        return pl_error("cannot write baseline '%s': %s", path,
                        strerror(errno));
    unsigned *occ = pl_finding_occurrences(f);
    json_t *items = json_array();
    for (size_t i = 0; i < f->len; i++) {
        const struct pl_finding *it = &f->items[i];
        char fp[17];
        pl_finding_fingerprint(it, occ[i], fp);
        char *rel = relative_to(base, it->file);
        json_t *entry = json_pack("{s:s?, s:s, s:s?, s:s, s:I, s:s?}", "file",
                                  rel, "rule", it->rule_id, "function",
                                  it->function, "fingerprint", fp, "line",
                                  (json_int_t)it->line, "message",
                                  it->message);
        free(rel);
        if (!entry) /* a string that is not UTF-8: keep the match keys */
            entry = json_pack("{s:s, s:s, s:I}", "rule", it->rule_id,
                              "fingerprint", fp, "line", (json_int_t)it->line);
        json_array_append_new(items, entry);
    }
    free(occ);
    free(base);
    json_t *doc = json_pack("{s:s, s:i, s:s, s:o}", "format", FORMAT_NAME,
                            "version", 1, "tool_version", version, "findings",
                            items);
    FILE *out;
    struct pl_atomic *a = pl_atomic_open(path, &out);
    if (!a) {
        json_decref(doc);
        return -1;
    }
    int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    if (rc == 0 && fputc('\n', out) == EOF)
        rc = -1;
    json_decref(doc);
    return pl_atomic_commit(a, rc == 0);
}

int pl_baseline_filter(const char *path, struct pl_findings *f, size_t *known,
                       size_t *gone)
{
    *known = *gone = 0;
    json_error_t err;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (!doc) {
        if (err.line < 1)
            return pl_error("cannot read baseline '%s': %s", path, err.text);
        return pl_error("invalid baseline '%s': line %d, column %d: %s", path,
                        err.line, err.column, err.text);
    }
    json_t *items = json_object_get(doc, "findings");
    const char *format = json_string_value(json_object_get(doc, "format"));
    if (!format || strcmp(format, FORMAT_NAME) != 0 ||
        json_integer_value(json_object_get(doc, "version")) != 1 ||
        !json_is_array(items)) {
        json_decref(doc);
        return pl_error("invalid baseline '%s': not a pymem-lint baseline "
                        "(format 1)", path);
    }
    char *base = directory_of(path);
    size_t n = json_array_size(items);
    bool *used = pl_xcalloc(n ? n : 1, sizeof *used);
    unsigned *occ = pl_finding_occurrences(f);
    bool *drop = pl_xcalloc(f->len ? f->len : 1, sizeof *drop);
    for (size_t i = 0; i < f->len; i++) {
        const struct pl_finding *it = &f->items[i];
        char fp[17];
        pl_finding_fingerprint(it, occ[i], fp);
        char *rel = base ? relative_to(base, it->file) : pl_xstrdup(it->file);
        bool match = false;
        for (size_t k = 0; k < n && !match; k++) {
            json_t *e = json_array_get(items, k);
            const char *efp = json_string_value(json_object_get(e, "fingerprint"));
            const char *efile = json_string_value(json_object_get(e, "file"));
            const char *erule = json_string_value(json_object_get(e, "rule"));
            if (!used[k] && efp && erule && strcmp(efp, fp) == 0 &&
                strcmp(erule, it->rule_id) == 0 &&
                (!efile || strcmp(efile, rel) == 0)) {
                used[k] = true;
                match = true;
            }
        }
        free(rel);
        drop[i] = match;
        *known += match;
    }
    for (size_t k = 0; k < n; k++)
        *gone += !used[k];
    pl_findings_remove(f, drop);
    free(drop);
    free(occ);
    free(used);
    free(base);
    json_decref(doc);
    return 0;
}
