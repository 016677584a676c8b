/*
 * analyzer/calls.c - what a call does to a path's state: allocation,
 * reallocation and release through the API table or a learned summary,
 * arguments that are only read, and arguments that are taken over;
 * buffers CPython hands over or lends (PyArg_Parse* formats included);
 * whether an exception may be set and whether the GIL is held.
 */
#include "argparse.h"
#include "engine.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* ---- calls ---- */

#define MAX_ARGS 16

/* Does a binding other than the fields matched by 'm' hold the start of
 * block 'b'? */
static bool held_elsewhere(const struct pl_state *st, int b,
                           struct match_ctx *m)
{
    for (unsigned i = 0; i < st->nbindings; i++) {
        const struct pl_value *v = &st->bindings[i].value;
        if (v->kind == PL_V_BLOCK && v->block == b && !v->interior &&
            !pl_binding_in_record(st->bindings[i].key, m))
            return true;
    }
    return false;
}

/*
 * An argument '&var': the callee may write 'var' and its fields. A C
 * library function ('clib': zlib's inflate(&zst), ...) takes no block
 * over: a block a field points to stays ours when a variable still holds
 * it; a pointer into the middle of a block ('zst.next_out = out + n')
 * never hands the block over.
 */
static void address_taken_by(struct pl_engine *e, struct pl_state *st,
                             const struct pl_node *arg, bool clib)
{
    const struct pl_node *s = pl_node_strip(arg);
    if (s->kind != PL_N_UNARY || s->op != PL_OP_ADDR)
        return;
    uint32_t key;
    if (!pl_lvalue_key(e, s->kids[0], &key))
        return;
    struct pl_value *cur = pl_state_lookup(st, key);
    if (cur)
        pl_escape(e, st, *cur);
    const char *text = pl_keys_text(&e->keys, key);
    struct match_ctx m = {&e->keys, NULL, text};
    for (unsigned i = 0; i < st->nbindings; i++) { /* fields of a struct */
        if (!pl_binding_in_record(st->bindings[i].key, &m))
            continue;
        struct pl_value v = st->bindings[i].value;
        if (v.kind == PL_V_BLOCK &&
            (v.interior || (clib && held_elsewhere(st, v.block, &m)))) {
            pl_state_bind(st, st->bindings[i].key, pl_unknown_value);
            i--; /* the binding is gone: look at the next one here */
            continue;
        }
        pl_escape(e, st, v);
    }
    pl_store_key(e, st, key, pl_unknown_value);
}

static void address_taken(struct pl_engine *e, struct pl_state *st,
                          const struct pl_node *arg)
{
    address_taken_by(e, st, arg, false);
}

/* A fresh block from allocating call 'n'; unknown when the state is full. */
static struct pl_value new_allocation(struct pl_engine *e, struct pl_state *st,
                                      const struct pl_node *n,
                                      enum pl_family family)
{
    int b = pl_state_new_block(st, n, family, pl_api_display_name(n->name));
    if (b < 0)
        return pl_unknown_value;
    if (e->stats)
        e->stats->allocations++;
    return pl_block_value(b);
}

/* A lent buffer: releasing it is PML012. Its 'block' tells the call
 * that lent it, so that copies of one buffer compare equal. */
static struct pl_value borrowed_value(struct pl_engine *e, const char *lender)
{
    const struct pl_node *at = e->cur_call;
    struct pl_value v = {PL_V_BORROWED, false,
                         (int16_t)(at ? at->id & 0x7fff : 0),
                         pl_keys_intern(&e->keys, pl_api_display_name(lender))};
    return v;
}

/* Store 'v' into the variable that argument '&var' names; false when the
 * argument is not of that form. */
static bool store_through(struct pl_engine *e, struct pl_state *st,
                          const struct pl_node *arg, struct pl_value v)
{
    const struct pl_node *s = pl_node_strip(arg);
    uint32_t key;
    if (s->kind != PL_N_UNARY || s->op != PL_OP_ADDR ||
        !pl_lvalue_key(e, s->kids[0], &key))
        return false;
    pl_store_key(e, st, key, v);
    return true;
}

/* Argument 'arg' is a Py_buffer that a call filled: its 'buf' is lent. */
static void view_filled(struct pl_engine *e, struct pl_state *st,
                        const struct pl_node *arg, const char *lender)
{
    const struct pl_node *s = pl_node_strip(arg);
    char text[PL_TEXT_MAX], key_text[PL_TEXT_MAX + 8];
    bool addr = s->kind == PL_N_UNARY && s->op == PL_OP_ADDR;
    if (!pl_lvalue_text(addr ? s->kids[0] : s, text, sizeof text))
        return;
    snprintf(key_text, sizeof key_text, "%s%sbuf", text, addr ? "." : "->");
    pl_store_key(e, st, pl_keys_intern(&e->keys, key_text),
                 borrowed_value(e, lender));
}

/* The value of the variable '&var' points to before a call, or unknown. */
static struct pl_value value_through(struct pl_engine *e, struct pl_state *st,
                                     const struct pl_node *arg)
{
    const struct pl_node *s = pl_node_strip(arg);
    uint32_t key;
    if (s->kind != PL_N_UNARY || s->op != PL_OP_ADDR ||
        !pl_lvalue_key(e, s->kids[0], &key))
        return pl_unknown_value;
    struct pl_value *v = pl_state_lookup(st, key);
    return v ? *v : pl_unknown_value;
}

/*
 * PyArg_ParseTuple and its relatives: the outputs the literal format
 * names receive a new buffer (es, et) or a lent one (s, z, y, s*, ...).
 * Returns the value of the call: the first new buffer stands for it, so
 * that 'if (!PyArg_ParseTuple(...))' tells that nothing was allocated.
 */
static struct pl_value parse_outputs(struct pl_engine *e, struct pl_state *st,
                                     const struct pl_node *n,
                                     const struct pl_api *api)
{
    unsigned fmt_index = 1 + (unsigned)api->arg;
    unsigned first = fmt_index + ((api->flags & PL_AF_KEYWORDS) ? 2 : 1);
    if (fmt_index >= n->nkids)
        return pl_unknown_value;
    const struct pl_node *fmt = pl_node_strip(n->kids[fmt_index]);
    enum pl_fmt_out out[32];
    int count = fmt->kind == PL_N_STRING
                    ? pl_argparse_outputs(fmt->name, out, 32)
                    : -1;
    struct pl_value result = pl_unknown_value;
    for (unsigned k = 1; k < n->nkids; k++) {
        const struct pl_node *arg = n->kids[k];
        int i = (int)k - (int)first;
        enum pl_fmt_out role = i >= 0 && i < count && i < 32 ? out[i]
                                                             : PL_OUT_OTHER;
        if (role == PL_OUT_BORROWED) {
            if (!store_through(e, st, arg, borrowed_value(e, n->name)))
                address_taken(e, st, arg);
        } else if (role == PL_OUT_VIEW) {
            view_filled(e, st, arg, n->name);
        } else if (role == PL_OUT_BUFFER) {
            /* es#/et# with a buffer of the caller's fill that buffer */
            struct pl_value cur = value_through(e, st, arg);
            if (cur.kind == PL_V_STACK || cur.kind == PL_V_BLOCK ||
                cur.kind == PL_V_BORROWED)
                continue;
            struct pl_value v = new_allocation(e, st, n, PL_FAM_MEM);
            if (v.kind != PL_V_BLOCK) {
                address_taken(e, st, arg);
                continue;
            }
            st->blocks[v.block].flags |= PL_BF_API_BUFFER;
            if (!store_through(e, st, arg, v) || result.kind == PL_V_BLOCK) {
                /* one value can stand for the call's result: a second
                   buffer is not followed */
                pl_escape(e, st, v);
                address_taken(e, st, arg);
                continue;
            }
            result = v;
        } else {
            address_taken(e, st, arg);
        }
    }
    return result;
}

/* The GIL is released on this path: a PyMem/PyObject call is PML010. */
static void check_gil(struct pl_engine *e, struct pl_state *st,
                      const struct pl_node *n, const char *inner)
{
    if (!st->gil_released_line || e->acc)
        return;
    struct pl_event ev = {.kind = PL_EV_NO_GIL, .fn = e->fn,
                          .line = n->line, .col = n->col,
                          .subject = n->name, .gil_line = st->gil_released_line,
                          .inner_call = inner};
    pl_emit(e, st, &ev, st->notes_dropped + st->nnotes);
}

/* A call may change what is reached through pointers. */
static void forget_indirect(struct pl_engine *e, struct pl_state *st)
{
    /* Known conditions stay: a callee that changes a field a caller just
       tested is rarer than the caller testing the same field twice. */
    struct match_ctx m = {&e->keys, NULL, NULL};
    for (unsigned i = 0; i < st->nbindings; i++)
        if (pl_binding_through_pointer(st->bindings[i].key, &m))
            pl_hand_over(e, st, st->bindings[i].value);
    pl_state_unbind_if(st, pl_binding_through_pointer, &m);
}

static struct pl_value call_summary(struct pl_engine *e, struct pl_state *st,
                                    const struct pl_node *n, const char *what,
                                    const struct pl_summary *sum,
                                    struct pl_value *args, unsigned nargs)
{
    for (unsigned i = 0; i < nargs; i++) {
        const struct pl_node *arg = n->kids[i + 1];
        enum pl_param_role role = i < 16 ? sum->roles[i] : PL_PARAM_UNKNOWN;
        if (role == PL_PARAM_RELEASES) {
            pl_release(e, st, args[i], n, arg, sum->release_family[i], n->name,
                    false);
        } else {
            pl_use_pass(e, st, args[i], arg, what);
            if (role != PL_PARAM_BORROWS)
                pl_escape(e, st, args[i]);
        }
        address_taken(e, st, arg);
    }
    forget_indirect(e, st);
    if (sum->returns_family == PL_FAM_NONE)
        return pl_unknown_value;
    struct pl_value v = new_allocation(e, st, n, sum->returns_family);
    if (v.kind == PL_V_BLOCK && sum->returns_nonnull)
        st->blocks[v.block].status = PL_B_NONNULL;
    return v;
}

static struct pl_value call_realloc(struct pl_engine *e, struct pl_state *st,
                                    const struct pl_node *n, const char *what,
                                    const struct pl_api *api,
                                    struct pl_value old)
{
    if (old.kind == PL_V_BLOCK) {
        struct pl_block *ob = &st->blocks[old.block];
        if (ob->status == PL_B_FREED) {
            pl_use_pass(e, st, old, n->kids[1], what);
            return pl_unknown_value;
        }
        if (ob->site == n) /* growing in a loop: same block, same site */
            return old;
        if (ob->family != PL_FAM_NONE && ob->family != api->family &&
            pl_block_is_live(ob)) {
            char subject[PL_TEXT_MAX];
            pl_subject_text(n->kids[1], subject, sizeof subject);
            struct pl_event ev = {.kind = PL_EV_RELEASE_MISMATCH,
                                  .line = n->line, .col = n->col,
                                  .subject = subject,
                                  .release_name = n->name,
                                  .release_family = api->family};
            pl_event_from_block(&ev, e, st, old.block);
            pl_emit(e, st, &ev, ob->note_start);
        }
    }
    struct pl_value v = new_allocation(e, st, n, api->family);
    if (v.kind == PL_V_BLOCK && old.kind == PL_V_BLOCK &&
        pl_block_is_live(&st->blocks[old.block])) {
        st->blocks[v.block].moved_from = (int8_t)old.block;
        st->blocks[old.block].flags |= PL_BF_PENDING_MOVE;
    } else {
        pl_escape(e, st, old); /* not followed any more */
    }
    return v;
}

static struct pl_value call_api(struct pl_engine *e, struct pl_state *st,
                                const struct pl_node *n, const char *what,
                                const struct pl_api *api,
                                struct pl_value *args, unsigned nargs)
{
    switch (api->role) {
    case PL_API_ALLOC: {
        if (api->family == PL_FAM_MEM || api->family == PL_FAM_OBJ)
            check_gil(e, st, n, NULL);
        if (!(api->flags & PL_AF_API_BUFFER) && nargs)
            pl_check_size(e, st, n, n->kids[1]);
        struct pl_value v = new_allocation(e, st, n, api->family);
        if (v.kind == PL_V_BLOCK) {
            if (api->flags & PL_AF_API_BUFFER)
                st->blocks[v.block].flags |= PL_BF_API_BUFFER;
            if (!(api->flags & PL_AF_SETS_EXC))
                st->blocks[v.block].flags |= PL_BF_NO_EXC;
        }
        return v;
    }
    case PL_API_REALLOC: {
        if (api->family == PL_FAM_MEM || api->family == PL_FAM_OBJ)
            check_gil(e, st, n, NULL);
        if (nargs > 1)
            pl_check_size(e, st, n, n->kids[2]);
        struct pl_value v = call_realloc(e, st, n, what, api,
                                         nargs ? args[0] : pl_unknown_value);
        if (v.kind == PL_V_BLOCK)
            st->blocks[v.block].flags |= PL_BF_NO_EXC;
        return v;
    }
    case PL_API_FREE:
        if (api->family == PL_FAM_MEM || api->family == PL_FAM_OBJ)
            check_gil(e, st, n, NULL);
        if (nargs)
            pl_release(e, st, args[0], n, n->kids[1], api->family, n->name,
                    true);
        return pl_unknown_value;
    case PL_API_ARGPARSE:
        for (unsigned i = 0; i < nargs; i++)
            pl_use_pass(e, st, args[i], n->kids[i + 1], what);
        return parse_outputs(e, st, n, api);
    default:
        break;
    }
    for (unsigned i = 0; i < nargs; i++) {
        if (i < 32 && (api->nonnull_args >> i) & 1)
            pl_use_deref(e, st, args[i], n->kids[i + 1], what);
        else
            pl_use_pass(e, st, args[i], n->kids[i + 1], what);
        if (!(api->flags & PL_AF_NO_STORE))
            address_taken(e, st, n->kids[i + 1]);
    }
    if (api->flags & PL_AF_GIL_RELEASE)
        st->gil_released_line = n->line;
    if (api->flags & PL_AF_GIL_ACQUIRE)
        st->gil_released_line = 0;
    if (api->arg >= 0 && (unsigned)api->arg < nargs) {
        const struct pl_node *out = n->kids[1 + api->arg];
        if (api->flags & PL_AF_OUT_BORROWED)
            store_through(e, st, out, borrowed_value(e, n->name));
        else if (api->flags & PL_AF_OUT_VIEW)
            view_filled(e, st, out, n->name);
    }
    if (api->role == PL_API_BORROWS) {
        /* a capsule's destructor, void f(PyObject *), owns its pointer */
        if (strcmp(n->name, "PyCapsule_GetPointer") == 0 &&
            e->fn->return_kind == PL_RET_VOID && e->fn->nparams == 1)
            return pl_unknown_value;
        return borrowed_value(e, n->name);
    }
    if (api->returns_arg0 && nargs)
        return args[0]; /* strcpy, memcpy, ... return their destination */
    return api->role == PL_API_RETURNS_NULL ? pl_int_value(0) : pl_unknown_value;
}

static struct pl_value call_unknown(struct pl_engine *e, struct pl_state *st,
                                    const struct pl_node *n, const char *what,
                                    struct pl_value *args, unsigned nargs)
{
    for (unsigned i = 0; i < nargs; i++) {
        pl_use_pass(e, st, args[i], n->kids[i + 1], what);
        pl_escape(e, st, args[i]);
        address_taken(e, st, n->kids[i + 1]);
    }
    forget_indirect(e, st);
    return pl_unknown_value;
}

/*
 * A function of Python's C API not in the table: an argument given to a
 * pointer-to-const parameter is only read; one given to a plain pointer
 * parameter may be kept.
 */
static struct pl_value call_python_api(struct pl_engine *e,
                                       struct pl_state *st,
                                       const struct pl_node *n, const char *what,
                                       struct pl_value *args, unsigned nargs)
{
    unsigned long long reads = (unsigned long long)n->value;
    bool clib = strncmp(n->name, "Py", 2) != 0 && strncmp(n->name, "_Py", 3) != 0;
    for (unsigned i = 0; i < nargs; i++) {
        pl_use_pass(e, st, args[i], n->kids[i + 1], what);
        if ((i >= 64 || !((reads >> i) & 1)) && !(n->flags & PL_F_STDLIB) &&
            !(clib && args[i].kind == PL_V_BLOCK && args[i].interior))
            pl_escape(e, st, args[i]);
        address_taken_by(e, st, n->kids[i + 1], clib);
    }
    return pl_unknown_value;
}

struct pl_value pl_eval_call(struct pl_engine *e, struct pl_state *st,
                             const struct pl_node *n)
{
    if (!n->name && n->nkids && n->kids[0])
        pl_eval(e, st, n->kids[0]);
    struct pl_value args[MAX_ARGS];
    unsigned nargs = 0;
    for (unsigned i = 1; i < n->nkids; i++) {
        struct pl_value v = pl_eval(e, st, n->kids[i]);
        if (nargs < MAX_ARGS)
            args[nargs++] = v;
        else
            pl_escape(e, st, v);
    }
    e->cur_call = n;
    struct match_ctx globals = {&e->keys, NULL, NULL};
    pl_state_unbind_if(st, pl_is_global_key, &globals); /* a call may
                                                          change them */
    char what[PL_TEXT_MAX]; /* how the arguments are used, for messages */
    snprintf(what, sizeof what, "passed to '%s'",
             n->name ? n->name : "a function pointer");
    const struct pl_summary *sum =
        n->name ? pl_summary_get(e->sums, n->name) : NULL;
    const struct pl_api *api =
        sum ? NULL : pl_api_find(e->unit->project, n->name);
    if (pl_summary_may_set_exception(e->sums, n->name))
        st->no_exc_line = 0;
    struct pl_value v;
    if (sum) {
        const char *inner = st->gil_released_line
                                ? pl_summary_gil_call(e->sums, n->name)
                                : NULL;
        if (inner)
            check_gil(e, st, n, inner);
        v = call_summary(e, st, n, what, sum, args, nargs);
    } else if (api && !(api->flags & PL_AF_KEEPS)) {
        v = call_api(e, st, n, what, api, args, nargs);
    } else if ((n->flags & PL_F_LIBRARY) && !api) {
        v = call_python_api(e, st, n, what, args, nargs);
    } else {
        v = call_unknown(e, st, n, what, args, nargs);
    }
    e->last_call = n;
    e->last_call_value = v;
    return v;
}
