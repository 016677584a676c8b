/*
 * analyzer/output.c - SARIF 2.1.0 and JSON writers (see output.h), built
 * with jansson: every string goes through json_string() after invalid
 * UTF-8 is replaced, so no escaping is done by hand.
 *
 * SARIF as GitHub code scanning reads it: one run; tool.driver with the
 * rules; results with ruleId/ruleIndex/level/message, one physical
 * location with a full region relative to %SRCROOT% (the working
 * directory), partialFingerprints (primaryLocationLineHash computed as
 * github/codeql-action does, plus our own line-independent
 * "pymemLint/v1"), and the path notes as a codeFlow.
 */
#include "output.h"
#include "interrupt.h"
#include "linehash.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INFORMATION_URI "https://github.com/pymem-lint/pymem-lint"

int pl_format_parse(const char *name, enum pl_format *format)
{
    if (strcmp(name, "text") == 0)
        *format = PL_FORMAT_TEXT;
    else if (strcmp(name, "json") == 0)
        *format = PL_FORMAT_JSON;
    else if (strcmp(name, "sarif") == 0)
        *format = PL_FORMAT_SARIF;
    else
        return -1;
    return 0;
}

/* ---- strings ---- */

/* Length of the valid UTF-8 sequence at 's', or 0. */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3
               : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || (n == 2 && s[0] < 0xC2) || (n == 4 && s[0] > 0xF4))
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    if (n == 3 && s[0] == 0xE0 && s[1] < 0xA0)
        return 0; /* overlong */
    if (n == 3 && s[0] == 0xED && s[1] >= 0xA0)
        return 0; /* a surrogate */
    if (n == 4 && ((s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] >= 0x90)))
        return 0;
    return n;
}

/* A JSON string of 's' (invalid UTF-8 bytes become U+FFFD). */
static json_t *text(const char *s)
{
    if (!s)
        s = "";
    struct pl_strbuf sb;
    pl_strbuf_init(&sb);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        size_t n = utf8_len(p);
        if (n == 0) {
            pl_strbuf_add(&sb, "\xEF\xBF\xBD");
            p++;
            continue;
        }
        char piece[5] = {0};
        memcpy(piece, p, n);
        pl_strbuf_add(&sb, piece);
        p += n;
    }
    json_t *j = json_string(sb.text ? sb.text : "");
    pl_strbuf_release(&sb);
    return j;
}

/* A relative URI reference of 'path' (percent-encoded, '/' kept). */
static char *uri_path(const char *path)
{
    struct pl_strbuf sb;
    pl_strbuf_init(&sb);
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (isalnum(*p) || strchr("-._~/", *p))
            pl_strbuf_addf(&sb, "%c", *p);
        else
            pl_strbuf_addf(&sb, "%%%02X", *p);
    }
    return sb.text ? sb.text : pl_xstrdup("");
}

/* ---- fingerprints ---- */

static void normalized_line(const struct pl_finding *f, struct pl_strbuf *sb)
{
    for (const char *p = f->source_line ? f->source_line : ""; *p; p++)
        if (!isspace((unsigned char)*p))
            pl_strbuf_addf(sb, "%c", *p);
}

void pl_finding_fingerprint(const struct pl_finding *finding,
                            unsigned occurrence, char buf[17])
{
    struct pl_strbuf sb;
    pl_strbuf_init(&sb);
    pl_strbuf_addf(&sb, "%s\n%s\n", finding->rule_id,
                   finding->function ? finding->function : "");
    normalized_line(finding, &sb);
    pl_strbuf_addf(&sb, "\n%u", occurrence);
    uint64_t h = pl_hash_bytes(PL_HASH_SEED, sb.text, sb.len);
    pl_strbuf_release(&sb);
    snprintf(buf, 17, "%016llx", (unsigned long long)h);
}

unsigned *pl_finding_occurrences(const struct pl_findings *f)
{
    unsigned *occ = pl_xcalloc(f->len ? f->len : 1, sizeof *occ);
    for (size_t i = 0; i < f->len; i++) {
        const struct pl_finding *a = &f->items[i];
        occ[i] = 1;
        for (size_t k = 0; k < i; k++) {
            const struct pl_finding *b = &f->items[k];
            if (strcmp(a->file, b->file) == 0 &&
                strcmp(a->rule_id, b->rule_id) == 0 &&
                strcmp(a->function ? a->function : "",
                       b->function ? b->function : "") == 0) {
                struct pl_strbuf x, y;
                pl_strbuf_init(&x);
                pl_strbuf_init(&y);
                normalized_line(a, &x);
                normalized_line(b, &y);
                if (strcmp(x.text ? x.text : "", y.text ? y.text : "") == 0)
                    occ[i]++;
                pl_strbuf_release(&x);
                pl_strbuf_release(&y);
            }
        }
    }
    return occ;
}

/* The primaryLocationLineHash values of one file, read once. */
struct file_hashes {
    char *file;
    char **hashes;
    long n;
};

static const char *line_hash(struct file_hashes **cache, size_t *ncache,
                             size_t *cap, const char *file, unsigned line)
{
    struct file_hashes *fh = NULL;
    for (size_t i = 0; i < *ncache; i++)
        if (strcmp((*cache)[i].file, file) == 0)
            fh = &(*cache)[i];
    if (!fh) {
        struct file_hashes entry = {pl_xstrdup(file), NULL, 0};
        FILE *in = fopen(file, "rb");
        if (in) {
            char *data = NULL;
            size_t len = 0, room = 0, got;
            char chunk[65536];
            while ((got = fread(chunk, 1, sizeof chunk, in)) > 0) {
                pl_grow((void **)&data, &room, len + got, 1);
                memcpy(data + len, chunk, got);
                len += got;
            }
            fclose(in);
            entry.n = pl_linehash(data ? data : "", len, &entry.hashes);
            if (entry.n < 0)
                entry.n = 0;
            free(data);
        }
        PL_PUSH(*cache, *ncache, *cap, entry);
        fh = &(*cache)[*ncache - 1];
    }
    return line >= 1 && (long)line <= fh->n ? fh->hashes[line - 1] : NULL;
}

/* ---- SARIF ---- */

/* The column after the token that starts at 'col' of 'line'. */
static unsigned end_column(const char *line, unsigned col)
{
    size_t len = line ? strlen(line) : 0;
    if (!line || col < 1 || col > len)
        return col + 1;
    size_t i = col - 1;
    if (isalnum((unsigned char)line[i]) || line[i] == '_') {
        while (i < len && (isalnum((unsigned char)line[i]) || line[i] == '_'))
            i++;
        return (unsigned)i + 1;
    }
    return col + 1;
}

static json_t *artifact(const char *file)
{
    if (file[0] == '/') {
        char *enc = uri_path(file);
        json_t *a = json_pack("{s:s+}", "uri", "file://", enc);
        free(enc);
        return a;
    }
    char *enc = uri_path(file);
    json_t *a = json_pack("{s:s, s:s}", "uri", enc, "uriBaseId", "%SRCROOT%");
    free(enc);
    return a;
}

static json_t *physical(const char *file, unsigned line, unsigned col,
                        unsigned end_col)
{
    if (line < 1)
        line = 1;
    if (col < 1)
        col = 1;
    if (end_col <= col)
        end_col = col + 1;
    return json_pack("{s:o, s:{s:I, s:I, s:I, s:I}}", "artifactLocation",
                     artifact(file), "region", "startLine", (json_int_t)line,
                     "startColumn", (json_int_t)col, "endLine",
                     (json_int_t)line, "endColumn", (json_int_t)end_col);
}

static json_t *flow_step(const char *file, unsigned line, unsigned col,
                         const char *message)
{
    return json_pack("{s:{s:o, s:o}}", "location", "physicalLocation",
                     physical(file, line, col, col + 1), "message",
                     json_pack("{s:o}", "text", text(message)));
}

static json_t *code_flow(const struct pl_finding *f)
{
    json_t *steps = json_array();
    bool placed = false;
    for (size_t i = 0; i < f->nnotes; i++) {
        const struct pl_finding_note *n = &f->notes[i];
        if (!placed && n->line > f->line) {
            json_array_append_new(steps, flow_step(f->file, f->line, f->col,
                                                   f->message));
            placed = true;
        }
        json_array_append_new(steps, flow_step(f->file, n->line, n->col,
                                               n->text));
    }
    if (!placed)
        json_array_append_new(steps,
                              flow_step(f->file, f->line, f->col, f->message));
    return json_pack("[{s:[{s:o}]}]", "threadFlows", "locations", steps);
}

/* The explanation as Markdown: example lines become code blocks. */
static char *markdown(const char *explanation)
{
    struct pl_strbuf sb;
    pl_strbuf_init(&sb);
    bool code = false;
    const char *p = explanation ? explanation : "";
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        bool indented = n >= 4 && strncmp(p, "    ", 4) == 0;
        if (indented && !code) {
            pl_strbuf_add(&sb, "```c\n");
            code = true;
        } else if (!indented && code && n > 0) {
            pl_strbuf_add(&sb, "```\n");
            code = false;
        }
        pl_strbuf_addf(&sb, "%.*s\n", (int)(indented ? n - 4 : n),
                       indented ? p + 4 : p);
        p += n + (nl ? 1 : 0);
    }
    if (code)
        pl_strbuf_add(&sb, "```\n");
    return sb.text ? sb.text : pl_xstrdup("");
}

/* The first paragraph of an explanation after its title line. */
static char *first_paragraph(const char *explanation)
{
    const char *p = explanation ? strstr(explanation, "\n\n") : NULL;
    p = p ? p + 2 : explanation ? explanation : "";
    const char *end = strstr(p, "\n\n");
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n > 1000)
        n = 1000;
    char *out = pl_xcalloc(n + 1, 1);
    for (size_t i = 0; i < n; i++)
        out[i] = p[i] == '\n' ? ' ' : p[i];
    return out;
}

static json_t *rule_descriptor(const struct pl_rule_info *r)
{
    char *full = first_paragraph(r->explanation);
    char *md = markdown(r->explanation);
    json_t *d = json_pack(
        "{s:s, s:s, s:{s:o}, s:{s:o}, s:{s:o, s:o}, s:{s:s},"
        " s:{s:[s, s, s], s:s}}",
        "id", r->id, "name", r->name, "shortDescription", "text",
        text(r->summary), "fullDescription", "text", text(full), "help",
        "text", text(r->explanation), "markdown", text(md),
        "defaultConfiguration", "level", r->level, "properties", "tags",
        "memory", "cpython", "correctness", "precision", "high");
    free(full);
    free(md);
    return d;
}

static json_t *sarif(const struct pl_findings *f, const struct pl_run_info *run)
{
    json_t *rules = json_array();
    for (size_t i = 0; i < run->nrules; i++)
        json_array_append_new(rules, rule_descriptor(&run->rules[i]));
    size_t extra_index = run->nrules; /* "unused-suppression", if needed */
    bool extra = false;
    json_t *results = json_array();
    struct file_hashes *cache = NULL;
    size_t ncache = 0, cache_cap = 0;
    unsigned *occ = pl_finding_occurrences(f);
    for (size_t i = 0; i < f->len; i++) {
        const struct pl_finding *it = &f->items[i];
        size_t index = extra_index;
        const char *level = "warning";
        for (size_t k = 0; k < run->nrules; k++)
            if (strcmp(run->rules[k].id, it->rule_id) == 0) {
                index = k;
                level = run->rules[k].level;
            }
        if (index == extra_index)
            extra = true;
        char fp[17];
        pl_finding_fingerprint(it, occ[i], fp);
        json_t *prints = json_pack("{s:s}", "pymemLint/v1", fp);
        const char *lh = line_hash(&cache, &ncache, &cache_cap, it->file,
                                   it->line);
        if (lh)
            json_object_set_new(prints, "primaryLocationLineHash",
                                json_string(lh));
        json_t *result = json_pack(
            "{s:s, s:I, s:s, s:{s:o}, s:[{s:o}], s:o}", "ruleId", it->rule_id,
            "ruleIndex", (json_int_t)index, "level", level, "message", "text",
            text(it->message), "locations", "physicalLocation",
            physical(it->file, it->line, it->col,
                     end_column(it->source_line, it->col)),
            "partialFingerprints", prints);
        if (it->nnotes)
            json_object_set_new(result, "codeFlows", code_flow(it));
        if (it->verdict) {
            /* a finding the code's own tests made happen is an error */
            if (strcmp(it->verdict, "confirmed") == 0)
                json_object_set_new(result, "level", json_string("error"));
            json_object_set_new(
                result, "properties",
                json_pack("{s:o, s:o}", "pymemLint/verdict", text(it->verdict),
                          "pymemLint/evidence",
                          text(it->evidence ? it->evidence : "")));
        }
        json_array_append_new(results, result);
    }
    free(occ);
    for (size_t i = 0; i < ncache; i++) {
        free(cache[i].file);
        pl_linehash_free(cache[i].hashes, cache[i].n);
    }
    free(cache);
    if (extra)
        json_array_append_new(
            rules,
            json_pack("{s:s, s:s, s:{s:s}, s:{s:s}, s:{s:s, s:s},"
                      " s:{s:s}}",
                      "id", "unused-suppression", "name", "unused-suppression",
                      "shortDescription", "text",
                      "suppression comment that matches no finding",
                      "fullDescription", "text",
                      "A pymem-lint suppression comment silenced no finding: "
                      "it is stale or names the wrong rule.",
                      "help", "text",
                      "Remove the comment, or correct the rule it names.",
                      "markdown",
                      "Remove the comment, or correct the rule it names.",
                      "defaultConfiguration", "level", "note"));
    char cwd[PATH_MAX];
    char *root = NULL;
    if (getcwd(cwd, sizeof cwd)) {
        char *enc = uri_path(cwd);
        root = pl_xcalloc(strlen(enc) + 9, 1);
        sprintf(root, "file://%s/", strcmp(enc, "/") ? enc : "");
        free(enc);
    }
    json_t *driver = json_pack(
        "{s:s, s:s, s:s, s:s, s:o}", "name", "pymem-lint", "version",
        run->version, "semanticVersion", run->version, "informationUri",
        INFORMATION_URI, "rules", rules);
    json_t *one = json_pack("{s:{s:o}, s:[{s:b}], s:o}", "tool", "driver",
                            driver, "invocations", "executionSuccessful",
                            run->successful, "results", results);
    if (root) {
        json_object_set_new(one, "originalUriBaseIds",
                            json_pack("{s:{s:s}}", "%SRCROOT%", "uri", root));
        free(root);
    }
    return json_pack("{s:s, s:s, s:[o]}", "$schema",
                     "https://json.schemastore.org/sarif-2.1.0.json",
                     "version", "2.1.0", "runs", one);
}

/* ---- JSON ---- */

static json_t *plain_json(const struct pl_findings *f,
                          const struct pl_run_info *run)
{
    json_t *items = json_array();
    unsigned *occ = pl_finding_occurrences(f);
    for (size_t i = 0; i < f->len; i++) {
        const struct pl_finding *it = &f->items[i];
        const char *name = it->rule_id, *level = "warning";
        for (size_t k = 0; k < run->nrules; k++)
            if (strcmp(run->rules[k].id, it->rule_id) == 0) {
                name = run->rules[k].name;
                level = run->rules[k].level;
            }
        json_t *notes = json_array();
        for (size_t k = 0; k < it->nnotes; k++)
            json_array_append_new(
                notes, json_pack("{s:I, s:I, s:o}", "line",
                                 (json_int_t)it->notes[k].line, "column",
                                 (json_int_t)it->notes[k].col, "message",
                                 text(it->notes[k].text)));
        char fp[17];
        pl_finding_fingerprint(it, occ[i], fp);
        json_t *item =
            json_pack("{s:s, s:s, s:s, s:o, s:I, s:I, s:o, s:o, s:o, s:s}",
                      "rule", it->rule_id, "name", name, "severity", level,
                      "file", text(it->file), "line", (json_int_t)it->line,
                      "column", (json_int_t)it->col, "function",
                      it->function ? text(it->function) : json_null(),
                      "message", text(it->message), "notes", notes,
                      "fingerprint", fp);
        if (it->verdict)
            json_object_set_new(
                item, "verdict",
                json_pack("{s:o, s:o}", "result", text(it->verdict),
                          "evidence",
                          it->evidence ? text(it->evidence) : json_null()));
        json_array_append_new(items, item);
    }
    free(occ);
    return json_pack("{s:i, s:{s:s, s:s}, s:b, s:o}", "format", 1, "tool",
                     "name", "pymem-lint", "version", run->version,
                     "complete", run->successful, "findings", items);
}

int pl_output_write(FILE *out, enum pl_format format,
                    const struct pl_findings *f, const struct pl_run_info *run)
{
    json_t *doc = format == PL_FORMAT_SARIF ? sarif(f, run) : plain_json(f, run);
    if (!doc)
        return pl_error("cannot build the %s output (out of memory?)",
                        format == PL_FORMAT_SARIF ? "SARIF" : "JSON");
    int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    json_decref(doc);
    if (rc != 0 || fputc('\n', out) == EOF)
        return pl_error("cannot write the output: %s", strerror(errno));
    return 0;
}

/* ---- atomic files ---- */

struct pl_atomic {
    char *path, *tmp;
    FILE *file;
};

struct pl_atomic *pl_atomic_open(const char *path, FILE **out)
{
    struct pl_atomic *a = pl_xcalloc(1, sizeof *a);
    a->path = pl_xstrdup(path);
    a->tmp = pl_xcalloc(strlen(path) + 16, 1);
    sprintf(a->tmp, "%s.tmp.XXXXXX", path);
    int fd = pl_interrupt_mkstemp(a->tmp);
    if (fd < 0 || !(a->file = fdopen(fd, "w"))) {
        pl_error("cannot write '%s': %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(a->tmp);
            pl_interrupt_forget(a->tmp);
        }
        free(a->path);
        free(a->tmp);
        free(a);
        return NULL;
    }
    /* mkstemp makes it 0600: give it the mode of the file it replaces,
       or that of a new file under the umask */
    struct stat old;
    mode_t mode;
    if (stat(path, &old) == 0) {
        mode = old.st_mode & 07777;
    } else {
        mode_t mask = umask(0);
        umask(mask);
        mode = 0666 & ~mask;
    }
    if (fchmod(fd, mode) != 0)
        pl_warning("cannot set the mode of '%s': %s", path, strerror(errno));
    *out = a->file;
    return a;
}

int pl_atomic_commit(struct pl_atomic *a, bool ok)
{
    int rc = 0;
    if (fflush(a->file) != 0 || ferror(a->file) || fsync(fileno(a->file)) != 0) {
        if (ok)
            rc = pl_error("cannot write '%s': %s", a->path, strerror(errno));
        ok = false;
    }
    if (fclose(a->file) != 0 && ok) {
        rc = pl_error("cannot write '%s': %s", a->path, strerror(errno));
        ok = false;
    }
    if (ok && rename(a->tmp, a->path) != 0) {
        rc = pl_error("cannot write '%s': %s", a->path, strerror(errno));
        ok = false;
    }
    if (!ok)
        unlink(a->tmp);
    pl_interrupt_forget(a->tmp);
    free(a->path);
    free(a->tmp);
    free(a);
    return ok ? rc : (rc ? rc : -1);
}
