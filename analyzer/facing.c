/*
 * analyzer/facing.c - which functions of a unit are Python-facing: their
 * error return reaches Python, which then needs an exception set (PML008).
 * They are the functions named in Python tables (PyMethodDef[],
 * PyTypeObject, PyType_Slot[], PyGetSetDef[], module definitions), stored
 * in tp_* and similar slots at run time, module init functions
 * (PyInit_*), and helpers whose result a Python-facing function returns
 * as it is.
 */
#include "facing.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

static struct pl_function *find(struct pl_unit *unit, const char *name)
{
    for (size_t i = 0; name && i < unit->nfuncs; i++)
        if (strcmp(unit->funcs[i].name, name) == 0)
            return &unit->funcs[i];
    return NULL;
}

static bool is_slot_name(const char *field)
{
    static const char *const prefixes[] = {"tp_", "nb_", "sq_", "mp_",
                                           "bf_", "am_", "ml_meth", "m_"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(field, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

static const struct pl_node *function_ref(const struct pl_node *n)
{
    const struct pl_node *s = n ? pl_node_strip(n) : NULL;
    if (s && s->kind == PL_N_UNARY && s->op == PL_OP_ADDR)
        s = pl_node_strip(s->kids[0]);
    return s && s->kind == PL_N_VAR && (s->flags & PL_F_FUNCTION) ? s : NULL;
}

/* Functions stored in slots or in initializer lists inside bodies. */
static void mark_stored(struct pl_unit *unit, const struct pl_node *n,
                        bool in_init)
{
    if (!n)
        return;
    if (n->kind == PL_N_ASSIGN && n->nkids == 2) {
        const struct pl_node *lhs = pl_node_strip(n->kids[0]);
        const struct pl_node *f = function_ref(n->kids[1]);
        if (f && lhs->kind == PL_N_MEMBER && lhs->name &&
            is_slot_name(lhs->name)) {
            struct pl_function *fn = find(unit, f->name);
            if (fn)
                fn->python_facing = true;
        }
    }
    if (in_init) {
        const struct pl_node *f = function_ref(n);
        struct pl_function *fn = f ? find(unit, f->name) : NULL;
        if (fn)
            fn->python_facing = true;
    }
    bool init = in_init || n->kind == PL_N_INITLIST;
    for (unsigned i = 0; i < n->nkids; i++)
        mark_stored(unit, n->kids[i], init);
}

/* What a facing body says about the functions it calls. */
struct body_facts {
    const char **returned_vars; /* 'return v;' */
    size_t nreturned, returned_cap;
    bool sets_exception;        /* calls PyErr_* */
};

static void scan_body(const struct pl_node *n, struct body_facts *bf)
{
    if (!n)
        return;
    if (n->kind == PL_N_RETURN && n->nkids) {
        const struct pl_node *v = pl_node_strip(n->kids[0]);
        if (v->kind == PL_N_VAR)
            PL_PUSH(bf->returned_vars, bf->nreturned, bf->returned_cap,
                    v->name);
    }
    if (n->kind == PL_N_CALL && n->name && strncmp(n->name, "PyErr_", 6) == 0)
        bf->sets_exception = true;
    for (unsigned i = 0; i < n->nkids; i++)
        scan_body(n->kids[i], bf);
}

static bool returned(const struct body_facts *bf, const char *name)
{
    for (size_t i = 0; name && i < bf->nreturned; i++)
        if (strcmp(bf->returned_vars[i], name) == 0)
            return true;
    return false;
}

/* Mark the callees whose result 'n' (in a facing body) returns as it is;
 * true when one was newly marked. */
static bool mark_returned(struct pl_unit *unit, const struct pl_node *n,
                          const struct body_facts *bf)
{
    if (!n)
        return false;
    bool changed = false;
    const struct pl_node *call = NULL;
    if (n->kind == PL_N_RETURN && n->nkids)
        call = pl_node_strip(n->kids[0]);
    else if (!bf->sets_exception && n->kind == PL_N_DECL && n->nkids &&
             returned(bf, n->name))
        call = pl_node_strip(n->kids[0]);
    else if (!bf->sets_exception && n->kind == PL_N_ASSIGN &&
             n->op == PL_OP_ASSIGN && n->nkids == 2) {
        const struct pl_node *lhs = pl_node_strip(n->kids[0]);
        if (lhs->kind == PL_N_VAR && returned(bf, lhs->name))
            call = pl_node_strip(n->kids[1]);
    }
    if (call && call->kind == PL_N_CALL) {
        struct pl_function *fn = find(unit, call->name);
        if (fn && !fn->python_facing) {
            fn->python_facing = true;
            changed = true;
        }
    }
    for (unsigned i = 0; i < n->nkids; i++)
        changed |= mark_returned(unit, n->kids[i], bf);
    return changed;
}

void pl_unit_mark_python_facing(struct pl_unit *unit)
{
    for (size_t i = 0; i < unit->nfuncs; i++) {
        struct pl_function *fn = &unit->funcs[i];
        if (strncmp(fn->name, "PyInit_", 7) == 0)
            fn->python_facing = true;
    }
    for (size_t i = 0; i < unit->ntable_funcs; i++) {
        struct pl_function *fn = find(unit, unit->table_funcs[i]);
        if (fn)
            fn->python_facing = true;
    }
    for (size_t i = 0; i < unit->nfuncs; i++)
        mark_stored(unit, unit->funcs[i].body, false);
    bool changed = true;
    for (unsigned round = 0; changed && round < 32; round++) {
        changed = false;
        for (size_t i = 0; i < unit->nfuncs; i++) {
            struct pl_function *fn = &unit->funcs[i];
            if (!fn->python_facing || !fn->body)
                continue;
            struct body_facts bf = {0};
            scan_body(fn->body, &bf);
            changed |= mark_returned(unit, fn->body, &bf);
            free(bf.returned_vars);
        }
    }
}
