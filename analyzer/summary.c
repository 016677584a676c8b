/*
 * analyzer/summary.c - learn what each function of a file does with
 * memory by running the dataflow engine over its body: does it return a
 * fresh block (an allocation wrapper), and does it release, keep or only
 * read each pointer parameter.
 */
#include "engine.h"
#include "exports.h"
#include "flags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pl_summaries *pl_summaries_new(const struct pl_unit *unit,
                                      struct pl_dataflow_stats *stats)
{
    struct pl_summaries *sums = pl_xcalloc(1, sizeof *sums);
    sums->unit = unit;
    sums->len = unit->nfuncs;
    sums->items = pl_xcalloc(sums->len ? sums->len : 1, sizeof *sums->items);
    sums->stats = stats;
    for (size_t i = 0; i < sums->len; i++)
        sums->items[i].name = unit->funcs[i].name;
    /* a file may define thousands of functions, each called many times:
       find them by name in constant time */
    sums->nslots = 16;
    while (sums->nslots < 2 * sums->len)
        sums->nslots *= 2;
    sums->by_name = pl_xcalloc(sums->nslots, sizeof *sums->by_name);
    for (size_t i = 0; i < sums->len; i++) {
        const char *name = sums->items[i].name;
        if (!name)
            continue;
        size_t slot = pl_hash_bytes(PL_HASH_SEED, name, strlen(name)) &
                      (sums->nslots - 1);
        bool taken = false; /* the first of two same-named functions wins */
        while (sums->by_name[slot] && !taken) {
            taken = strcmp(sums->items[sums->by_name[slot] - 1].name,
                           name) == 0;
            slot = (slot + 1) & (sums->nslots - 1);
        }
        if (!taken)
            sums->by_name[slot] = i + 1;
    }
    return sums;
}

void pl_summaries_free(struct pl_summaries *sums)
{
    if (!sums)
        return;
    free(sums->items);
    free(sums->by_name);
    for (size_t i = 0; i < sums->nothers; i++)
        free(sums->others[i]);
    free(sums->others);
    free(sums);
}

/* The index of same-file function 'name' among the summaries, or -1. */
static long own_index(const struct pl_summaries *sums, const char *name)
{
    if (!sums || !name || !sums->by_name)
        return -1;
    size_t slot = pl_hash_bytes(PL_HASH_SEED, name, strlen(name)) &
                  (sums->nslots - 1);
    for (; sums->by_name[slot]; slot = (slot + 1) & (sums->nslots - 1))
        if (strcmp(sums->items[sums->by_name[slot] - 1].name, name) == 0)
            return (long)(sums->by_name[slot] - 1);
    return -1;
}

/* ---- other files' functions ---- */

static const struct pl_summary *other_file(const struct pl_summaries *sums,
                                           const char *name)
{
    const struct pl_export *x = pl_exports_find(sums->unit->globals, name);
    if (!x)
        return NULL;
    struct pl_summaries *s = (struct pl_summaries *)sums; /* its cache */
    for (size_t i = 0; i < s->nothers; i++)
        if (strcmp(s->others[i]->name, x->name) == 0)
            return s->others[i];
    struct pl_summary sum = {.name = x->name, .done = true, .gil_state = 2,
                             .gil_call = x->gil_call, .noreturn = x->noreturn,
                             .returns_nonnull = x->returns_nonnull,
                             .returns_alloc_name = x->returns_alloc_name};
    sum.returns_family = pl_family_by_name(x->returns_family);
    for (int i = 0; i < 16 && x->roles[i]; i++) {
        switch (x->roles[i]) {
        case 'b': sum.roles[i] = PL_PARAM_BORROWS; break;
        case 'r':
            sum.roles[i] = PL_PARAM_RELEASES;
            sum.release_family[i] = pl_family_by_name(x->release_family[i]);
            break;
        case 'k': sum.roles[i] = PL_PARAM_KEEPS; break;
        default: sum.roles[i] = PL_PARAM_UNKNOWN; break;
        }
    }
    for (int i = (int)strlen(x->roles); i < 16; i++)
        sum.roles[i] = PL_PARAM_UNKNOWN;
    struct pl_summary *copy = pl_xcalloc(1, sizeof *copy);
    *copy = sum;
    PL_PUSH(s->others, s->nothers, s->others_cap, copy);
    return copy;
}

void pl_summaries_export(const struct pl_summaries *sums,
                         struct pl_exports *out)
{
    for (size_t i = 0; i < sums->len; i++) {
        const struct pl_function *fn = &sums->unit->funcs[i];
        if (fn->is_static || fn->too_deep || !fn->body)
            continue;
        const struct pl_summary *sum = pl_summary_get(sums, fn->name);
        if (!sum)
            continue;
        struct pl_export x = {.name = (char *)fn->name,
                              .noreturn = sum->noreturn,
                              .may_set_exc =
                                  pl_summary_may_set_exception(sums, fn->name),
                              .returns_nonnull = sum->returns_nonnull,
                              .returns_alloc_name =
                                  (char *)sum->returns_alloc_name};
        if (sum->returns_family != PL_FAM_NONE)
            x.returns_family = (char *)pl_family_name(sum->returns_family);
        for (unsigned k = 0; k < fn->nparams && k < PL_EXPORT_PARAMS; k++) {
            static const char letters[] = {'u', 'b', 'r', 'k'};
            x.roles[k] = letters[sum->roles[k]];
            if (sum->roles[k] == PL_PARAM_RELEASES)
                x.release_family[k] =
                    (char *)pl_family_name(sum->release_family[k]);
        }
        x.gil_call = (char *)pl_summary_gil_call(sums, fn->name);
        pl_exports_add(out, &x);
    }
}

static void external_calls(const struct pl_summaries *sums,
                           const struct pl_node *n, struct pl_argv *out)
{
    if (!n)
        return;
    if (n->kind == PL_N_CALL && n->name && !(n->flags & PL_F_LIBRARY) &&
        !pl_api_find(sums->unit->project, n->name) &&
        own_index(sums, n->name) < 0) {
        bool seen = false;
        for (size_t i = 0; i < out->argc && !seen; i++)
            seen = strcmp(out->argv[i], n->name) == 0;
        if (!seen)
            pl_argv_push(out, n->name);
    }
    for (unsigned i = 0; i < n->nkids; i++)
        external_calls(sums, n->kids[i], out);
}

void pl_summaries_external_calls(const struct pl_summaries *sums,
                                 struct pl_argv *out)
{
    for (size_t i = 0; i < sums->len; i++)
        external_calls(sums, sums->unit->funcs[i].body, out);
}

static void derive(struct pl_summary *sum, const struct pl_function *fn,
                   const struct pl_summary_acc *acc)
{
    if (acc->returns_fresh && !acc->returns_other &&
        fn->return_kind == PL_RET_POINTER) {
        sum->returns_family = acc->fresh_family;
        sum->returns_alloc_name = acc->fresh_name;
        sum->returns_nonnull = !acc->fresh_maybe_null;
    }
    for (unsigned i = 0; i < fn->nparams && i < 16; i++) {
        if (!fn->params[i].is_pointer) {
            sum->roles[i] = PL_PARAM_BORROWS;
            continue;
        }
        if (acc->released_all[i] && acc->seen_nonnull[i]) {
            sum->roles[i] = PL_PARAM_RELEASES;
            sum->release_family[i] = acc->family[i];
        } else if (acc->kept_any[i] || acc->seen_nonnull[i]) {
            sum->roles[i] = PL_PARAM_KEEPS;
        } else {
            sum->roles[i] = PL_PARAM_BORROWS;
        }
    }
}

/* Can a return (or the end of the body) be reached from the entry? */
static bool returns_somewhere(const struct pl_cfg *cfg)
{
    bool *seen = pl_xcalloc(cfg->nblocks ? cfg->nblocks : 1, sizeof *seen);
    unsigned *stack = pl_xcalloc(cfg->nblocks + 1, sizeof *stack);
    size_t len = 0;
    bool found = false;
    if (cfg->nblocks) {
        stack[len++] = cfg->entry;
        seen[cfg->entry] = true;
    }
    while (len && !found) {
        const struct pl_cfg_block *b = &cfg->blocks[stack[--len]];
        found = b->term == PL_T_RETURN || b->term == PL_T_FALLOFF;
        for (size_t i = 0; i < b->nsuccs; i++)
            if (!seen[b->succs[i]]) {
                seen[b->succs[i]] = true;
                stack[len++] = b->succs[i];
            }
    }
    free(seen);
    free(stack);
    return found || !cfg->nblocks;
}

bool pl_summaries_noreturn(const void *ctx, const char *name)
{
    const struct pl_summaries *sums = ctx;
    if (pl_project_is_noreturn(sums ? sums->unit->project : NULL, name))
        return true;
    const struct pl_summary *sum = sums ? pl_summary_get(sums, name) : NULL;
    return sum && sum->noreturn;
}

static void compute(const struct pl_summaries *sums, size_t index)
{
    struct pl_summary *sum = &sums->items[index];
    const struct pl_function *fn = &sums->unit->funcs[index];
    sum->busy = true;
    struct pl_summary_acc acc;
    memset(&acc, 0, sizeof acc);
    for (int i = 0; i < 16; i++)
        acc.released_all[i] = true;
    struct pl_cfg *cfg = pl_cfg_build(fn, pl_summaries_noreturn, sums);
    sum->noreturn = !returns_somewhere(cfg);
    struct pl_engine e = {.unit = sums->unit, .fn = fn, .cfg = cfg,
                          .sums = sums, .acc = &acc, .stats = NULL};
    pl_engine_run(&e);
    pl_engine_release(&e);
    pl_cfg_free(cfg);
    derive(sum, fn, &acc);
    sum->busy = false;
    sum->done = true;
    if (getenv("PYMEM_LINT_SUMMARIES")) {
        char *text = pl_summaries_describe(sums, fn->name);
        fprintf(stderr, "summary of %s: %s\n", fn->name, text ? text : "?");
        free(text);
    }
}

const struct pl_summary *pl_summary_get(const struct pl_summaries *sums,
                                        const char *name)
{
    long i = own_index(sums, name);
    if (i >= 0) {
        struct pl_summary *sum = &sums->items[i];
        if (sum->busy) {
            /* a recursive call: assume it only reads its arguments, as
               the caller's own body decides what happens to them */
            static const struct pl_summary reads_only = {
                .name = "", .done = true,
                .roles = {PL_PARAM_BORROWS, PL_PARAM_BORROWS,
                          PL_PARAM_BORROWS, PL_PARAM_BORROWS,
                          PL_PARAM_BORROWS, PL_PARAM_BORROWS,
                          PL_PARAM_BORROWS, PL_PARAM_BORROWS,
                          PL_PARAM_BORROWS, PL_PARAM_BORROWS,
                          PL_PARAM_BORROWS, PL_PARAM_BORROWS,
                          PL_PARAM_BORROWS, PL_PARAM_BORROWS,
                          PL_PARAM_BORROWS, PL_PARAM_BORROWS},
            };
            return &reads_only;
        }
        if (!sum->done)
            compute(sums, (size_t)i);
        return sum;
    }
    return sums && name ? other_file(sums, name) : NULL;
}

char *pl_summaries_describe(const struct pl_summaries *sums,
                            const char *name)
{
    const struct pl_summary *sum = pl_summary_get(sums, name);
    if (!sum)
        return NULL;
    const struct pl_function *fn = pl_unit_find(sums->unit, name);
    struct pl_strbuf sb;
    pl_strbuf_init(&sb);
    if (sum->returns_family != PL_FAM_NONE)
        pl_strbuf_addf(&sb, "alloc(%s)", pl_family_name(sum->returns_family));
    static const char *const roles[] = {"unknown", "borrows", "releases",
                                        "keeps"};
    for (unsigned i = 0; fn && i < fn->nparams && i < 16; i++) {
        if (!fn->params[i].is_pointer)
            continue;
        pl_strbuf_addf(&sb, "%sp%u:%s", sb.len ? " " : "", i,
                       roles[sum->roles[i]]);
        if (sum->roles[i] == PL_PARAM_RELEASES)
            pl_strbuf_addf(&sb, "(%s)",
                           pl_family_name(sum->release_family[i]));
    }
    if (!sb.len)
        pl_strbuf_add(&sb, "-");
    return sb.text;
}

/* ---- PML010: PyMem/PyObject calls a helper makes ---- */

static const char *find_gil_call(const struct pl_summaries *sums,
                                 const struct pl_node *n, bool *takes_gil)
{
    if (!n)
        return NULL;
    if (n->kind == PL_N_CALL && n->name) {
        const struct pl_api *api = pl_api_find(sums->unit->project, n->name);
        if (api && (api->flags & PL_AF_GIL_ACQUIRE))
            *takes_gil = true;
        if (api && (api->family == PL_FAM_MEM || api->family == PL_FAM_OBJ) &&
            (api->role == PL_API_ALLOC || api->role == PL_API_REALLOC ||
             api->role == PL_API_FREE))
            return n->name;
        const char *inner = pl_summary_gil_call(sums, n->name);
        if (inner)
            return n->name;
    }
    for (unsigned i = 0; i < n->nkids; i++) {
        const char *inner = find_gil_call(sums, n->kids[i], takes_gil);
        if (inner)
            return inner;
    }
    return NULL;
}

const char *pl_summary_gil_call(const struct pl_summaries *sums,
                                const char *name)
{
    long i = own_index(sums, name);
    if (i >= 0) {
        struct pl_summary *sum = &sums->items[i];
        if (sum->gil_state == 0) {
            sum->gil_state = 1; /* recursion finds nothing more */
            const struct pl_function *fn = &sums->unit->funcs[i];
            bool takes_gil = false;
            const char *inner = find_gil_call(sums, fn->body, &takes_gil);
            sum->gil_call = takes_gil ? NULL : inner;
            sum->gil_state = 2;
        }
        return sum->gil_state == 2 ? sum->gil_call : NULL;
    }
    const struct pl_summary *other =
        sums && name ? other_file(sums, name) : NULL;
    return other ? other->gil_call : NULL;
}

/* ---- PML008: functions that may set an exception ---- */

static bool body_sets_exception(const struct pl_summaries *sums,
                                const struct pl_node *n)
{
    if (!n)
        return false;
    if (n->kind == PL_N_CALL) {
        if (!n->name)
            return true; /* through a function pointer: anything */
        if (pl_summary_may_set_exception(sums, n->name))
            return true;
    }
    for (unsigned i = 0; i < n->nkids; i++)
        if (body_sets_exception(sums, n->kids[i]))
            return true;
    return false;
}

bool pl_summary_may_set_exception(const struct pl_summaries *sums,
                                  const char *name)
{
    if (!name)
        return true;
    long i = own_index(sums, name);
    if (i >= 0) {
        struct pl_summary *sum = &sums->items[i];
        if (sum->exc_state == 0) {
            sum->exc_state = 1; /* recursion adds nothing */
            sum->may_set_exc =
                body_sets_exception(sums, sums->unit->funcs[i].body);
            sum->exc_state = 2;
        }
        return sum->exc_state == 2 ? sum->may_set_exc : false;
    }
    const struct pl_export *x =
        sums ? pl_exports_find(sums->unit->globals, name) : NULL;
    if (x)
        return x->may_set_exc;
    const struct pl_api *api =
        pl_api_find(sums ? sums->unit->project : NULL, name);
    if (api)
        return (api->flags & PL_AF_SETS_EXC) || api->role == PL_API_UNKNOWN;
    return true; /* not known: it may */
}
