/*
 * analyzer/merge.c - combine shard SARIF files (see merge.h) with
 * jansson: the first file's run is the base; the other files' results are
 * appended, their ruleIndex renumbered against the merged rule list (the
 * union by rule id), and the run is successful only when every shard's
 * was.
 */
#include "merge.h"
#include "output.h"
#include "util.h"

#include <jansson.h>
#include <string.h>

/* runs[0] of a pymem-lint SARIF file, or NULL after reporting. */
static json_t *load_run(const char *path, json_t **doc)
{
    json_error_t err;
    *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (!*doc) {
        if (err.line < 1)
            pl_error("cannot read '%s': %s", path, err.text);
        else
            pl_error("invalid SARIF '%s': line %d, column %d: %s", path,
                     err.line, err.column, err.text);
        return NULL;
    }
    json_t *run = json_array_get(json_object_get(*doc, "runs"), 0);
    const char *version = json_string_value(json_object_get(*doc, "version"));
    const char *tool = json_string_value(json_object_get(
        json_object_get(json_object_get(run, "tool"), "driver"), "name"));
    if (!version || strcmp(version, "2.1.0") != 0 || !tool ||
        strcmp(tool, "pymem-lint") != 0 ||
        !json_is_array(json_object_get(run, "results"))) {
        pl_error("'%s' is not a SARIF 2.1.0 file of pymem-lint", path);
        json_decref(*doc);
        *doc = NULL;
        return NULL;
    }
    return run;
}

/* The index of rule 'id' in 'rules', adding 'descriptor' when missing. */
static size_t rule_index(json_t *rules, const char *id, json_t *descriptor)
{
    size_t i;
    json_t *r;
    json_array_foreach(rules, i, r) {
        const char *rid = json_string_value(json_object_get(r, "id"));
        if (rid && strcmp(rid, id) == 0)
            return i;
    }
    json_array_append(rules, descriptor);
    return json_array_size(rules) - 1;
}

int pl_merge_sarif(const char *const *inputs, size_t ninputs,
                   const char *output)
{
    if (ninputs == 0)
        return pl_error("merge: no SARIF file given");
    json_t *base_doc = NULL;
    json_t *base = load_run(inputs[0], &base_doc);
    if (!base)
        return -1;
    json_t *rules = json_object_get(
        json_object_get(json_object_get(base, "tool"), "driver"), "rules");
    json_t *results = json_object_get(base, "results");
    bool ok_all = true;
    int rc = 0;
    for (size_t f = 0; f < ninputs && rc == 0; f++) {
        json_t *doc = NULL;
        json_t *run = f == 0 ? base : load_run(inputs[f], &doc);
        if (!run) {
            rc = -1;
            break;
        }
        json_t *inv = json_array_get(json_object_get(run, "invocations"), 0);
        if (json_is_false(json_object_get(inv, "executionSuccessful")))
            ok_all = false;
        if (f == 0)
            continue;
        json_t *their_rules = json_object_get(
            json_object_get(json_object_get(run, "tool"), "driver"), "rules");
        size_t i;
        json_t *res;
        json_array_foreach(json_object_get(run, "results"), i, res) {
            const char *id = json_string_value(json_object_get(res, "ruleId"));
            json_int_t old = json_integer_value(json_object_get(res, "ruleIndex"));
            json_t *desc = json_array_get(their_rules, (size_t)old);
            if (!id || !desc) {
                rc = pl_error("'%s': result %zu names no rule", inputs[f], i);
                break;
            }
            json_object_set_new(res, "ruleIndex",
                                json_integer((json_int_t)rule_index(rules, id,
                                                                    desc)));
            json_array_append(results, res);
        }
        json_decref(doc);
    }
    if (rc == 0) {
        json_t *inv = json_array_get(json_object_get(base, "invocations"), 0);
        if (inv)
            json_object_set_new(inv, "executionSuccessful",
                                json_boolean(ok_all));
        FILE *out = stdout;
        struct pl_atomic *a = NULL;
        if (output && !(a = pl_atomic_open(output, &out)))
            rc = -1;
        if (rc == 0) {
            int w = json_dumpf(base_doc, out, JSON_INDENT(2) | JSON_ENSURE_ASCII);
            if (w == 0 && fputc('\n', out) == EOF)
                w = -1;
            if (a)
                rc = pl_atomic_commit(a, w == 0) < 0 ? -1 : 0;
            else if (w != 0 || fflush(stdout) != 0)
                rc = pl_error("cannot write the merged SARIF");
        }
    }
    json_decref(base_doc);
    return rc;
}
