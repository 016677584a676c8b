/*
 * analyzer/locations.c - the names of tracked locations (local variables,
 * fields of local structs, fields reached through local pointers) and the
 * matching of bindings and known conditions by those names.
 */
#include "engine.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* ---- keys of locations ---- */

/* Write the key of a trackable lvalue (local variable or a field of a
 * local struct); false when 'n' is not one. */
bool pl_lvalue_text(const struct pl_node *n, char *buf, size_t size)
{
    n = pl_node_strip(n);
    if (!n)
        return false;
    if ((n->kind == PL_N_VAR || n->kind == PL_N_TEMP) &&
        (n->flags & PL_F_LOCAL) && !(n->flags & PL_F_FUNCTION))
        return snprintf(buf, size, "%s", n->name) < (int)size;
    if (n->kind == PL_N_MEMBER && n->nkids == 1 && n->name) {
        /* s.f of a local struct, or p->f through a local pointer */
        if (!pl_lvalue_text(n->kids[0], buf, size))
            return false;
        size_t len = strlen(buf);
        const char *sep = n->flags & PL_F_ARROW ? "->" : ".";
        return snprintf(buf + len, size - len, "%s%s", sep, n->name) <
               (int)(size - len);
    }
    return false;
}

bool pl_lvalue_key(struct pl_engine *e, const struct pl_node *n,
                       uint32_t *key)
{
    char buf[PL_TEXT_MAX];
    if (!pl_lvalue_text(n, buf, sizeof buf))
        return false;
    *key = pl_keys_intern(&e->keys, buf);
    return true;
}

bool pl_global_key(struct pl_engine *e, const struct pl_node *n,
                   uint32_t *key)
{
    char buf[PL_TEXT_MAX];
    n = pl_node_strip(n);
    if (n->kind != PL_N_VAR || !(n->flags & PL_F_GLOBAL) ||
        (n->flags & PL_F_FUNCTION) || !n->name ||
        snprintf(buf, sizeof buf, "@%s", n->name) >= (int)sizeof buf)
        return false;
    *key = pl_keys_intern(&e->keys, buf);
    return true;
}

bool pl_is_global_key(uint32_t key, void *data)
{
    const struct match_ctx *m = data;
    return pl_keys_text(m->keys, key)[0] == '@';
}

/* Does 'text' mention identifier 'ident' as a whole word? */
bool pl_mentions(const char *text, const char *ident)
{
    size_t n = strlen(ident);
    for (const char *p = strstr(text, ident); p; p = strstr(p + 1, ident)) {
        bool start = p == text || !(p[-1] == '_' || (p[-1] >= '0' &&
                                    p[-1] <= '9') || ((p[-1] | 32) >= 'a' &&
                                    (p[-1] | 32) <= 'z'));
        char c = p[n];
        bool end = !(c == '_' || (c >= '0' && c <= '9') ||
                     ((c | 32) >= 'a' && (c | 32) <= 'z'));
        if (start && end)
            return true;
    }
    return false;
}

bool pl_fact_mentions(uint32_t key, void *data)
{
    struct match_ctx *m = data;
    return pl_mentions(pl_keys_text(m->keys, key), m->ident);
}

bool pl_fact_indirect(uint32_t key, void *data)
{
    struct match_ctx *m = data;
    const char *t = pl_keys_text(m->keys, key);
    return strstr(t, "->") || strchr(t, '*') || strchr(t, '[');
}

/* Is the key a field reached from 'prefix' ("s.f", "p->f->g")? */
bool pl_binding_in_record(uint32_t key, void *data)
{
    struct match_ctx *m = data;
    const char *t = pl_keys_text(m->keys, key);
    size_t n = strlen(m->prefix);
    return strncmp(t, m->prefix, n) == 0 &&
           (t[n] == '.' || (t[n] == '-' && t[n + 1] == '>'));
}

/* Is the key a field reached through a pointer ("p->f")? */
bool pl_binding_through_pointer(uint32_t key, void *data)
{
    struct match_ctx *m = data;
    return strstr(pl_keys_text(m->keys, key), "->") != NULL;
}

/* The variable at the root of a key: "s.f" -> "s". */
void pl_key_root(const char *key, char *buf, size_t size)
{
    size_t n = strcspn(key, ".");
    if (n >= size)
        n = size - 1;
    memcpy(buf, key, n);
    buf[n] = '\0';
}

void pl_forget_facts_about(struct pl_engine *e, struct pl_state *st,
                               const char *key_text)
{
    char root[PL_TEXT_MAX];
    pl_key_root(key_text, root, sizeof root);
    struct match_ctx m = {&e->keys, root, NULL};
    pl_state_drop_facts_if(st, pl_fact_mentions, &m);
}
