/*
 * analyzer/findings.c - collect, sort and print findings in compiler
 * style: "file:line:col: warning: message [PML005]", the source line with
 * a caret, then the path notes.
 */
#include "findings.h"

#include <stdlib.h>
#include <string.h>

void pl_findings_init(struct pl_findings *f)
{
    f->items = NULL;
    f->len = f->cap = 0;
}

static void finding_release(struct pl_finding *item)
{
    free(item->file);
    free(item->message);
    free(item->source_line);
    free(item->function);
    for (size_t k = 0; k < item->nnotes; k++)
        free(item->notes[k].text);
    free(item->notes);
    free(item->verdict);
    free(item->evidence);
}

void pl_findings_release(struct pl_findings *f)
{
    for (size_t i = 0; i < f->len; i++)
        finding_release(&f->items[i]);
    free(f->items);
    pl_findings_init(f);
}

struct pl_finding *pl_findings_add(struct pl_findings *f, const char *rule_id,
                     const char *file, unsigned line, unsigned col,
                     const char *message, const char *source_line,
                     const struct pl_finding_note *notes, size_t nnotes)
{
    for (size_t i = 0; i < f->len; i++) {
        const struct pl_finding *it = &f->items[i];
        if (it->line == line && it->col == col &&
            strcmp(it->rule_id, rule_id) == 0 && strcmp(it->file, file) == 0)
            return NULL;
    }
    struct pl_finding item = {
        .rule_id = rule_id,
        .file = pl_xstrdup(file),
        .line = line,
        .col = col,
        .message = pl_xstrdup(message),
        .source_line = source_line ? pl_xstrdup(source_line) : NULL,
    };
    if (nnotes) {
        item.notes = pl_xcalloc(nnotes, sizeof *item.notes);
        item.nnotes = nnotes;
        for (size_t k = 0; k < nnotes; k++) {
            item.notes[k].line = notes[k].line;
            item.notes[k].col = notes[k].col;
            item.notes[k].text = pl_xstrdup(notes[k].text);
        }
    }
    PL_PUSH(f->items, f->len, f->cap, item);
    return &f->items[f->len - 1];
}

void pl_findings_remove(struct pl_findings *f, const bool *drop)
{
    size_t kept = 0;
    for (size_t i = 0; i < f->len; i++) {
        if (drop[i])
            finding_release(&f->items[i]);
        else
            f->items[kept++] = f->items[i];
    }
    f->len = kept;
}

void pl_findings_take(struct pl_findings *to, struct pl_findings *from)
{
    for (size_t i = 0; i < from->len; i++)
        PL_PUSH(to->items, to->len, to->cap, from->items[i]);
    free(from->items);
    pl_findings_init(from);
}

static int compare_findings(const void *a, const void *b)
{
    const struct pl_finding *x = a, *y = b;
    int c = strcmp(x->file, y->file);
    if (c)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return strcmp(x->rule_id, y->rule_id);
}

void pl_findings_sort(struct pl_findings *f)
{
    if (f->len > 1)
        qsort(f->items, f->len, sizeof *f->items, compare_findings);
}

void pl_findings_unique(struct pl_findings *f)
{
    size_t out = 0;
    for (size_t i = 0; i < f->len; i++) {
        struct pl_finding *it = &f->items[i];
        if (out > 0) {
            const struct pl_finding *prev = &f->items[out - 1];
            if (prev->line == it->line && prev->col == it->col &&
                strcmp(prev->rule_id, it->rule_id) == 0 &&
                strcmp(prev->file, it->file) == 0) {
                finding_release(it);
                continue;
            }
        }
        f->items[out++] = *it;
    }
    f->len = out;
}

#define BOLD "\033[1m"
#define MAGENTA "\033[1;35m"
#define GREEN "\033[1;32m"
#define CYAN "\033[1;36m"
#define RESET "\033[0m"

/* Source lines longer than this are not shown (as clang does): one
   generated line can be megabytes. */
#define MAX_SHOWN_LINE 4096

/* Print the source line and a caret under column 'col' (1-based). */
static void print_caret(FILE *out, const char *text, unsigned col,
                        bool color)
{
    size_t len = strlen(text);
    if (len > MAX_SHOWN_LINE)
        return;
    pl_put_safe(out, text);
    fputc('\n', out);
    for (unsigned i = 1; i < col && i <= len; i++)
        fputc(text[i - 1] == '\t' ? '\t' : ' ', out);
    fprintf(out, "%s^%s\n", color ? GREEN : "", color ? RESET : "");
}

/* "FILE:LINE:COL: " in bold (with colour), the file name made safe. */
static void print_place(FILE *out, const char *file, unsigned line,
                        unsigned col, bool color)
{
    fputs(color ? BOLD : "", out);
    pl_put_safe(out, file);
    fprintf(out, ":%u:%u: ", line, col);
}

static void print_one(const struct pl_finding *it, FILE *out, bool color)
{
    print_place(out, it->file, it->line, it->col, color);
    fprintf(out, "%swarning: %s", color ? MAGENTA : "",
            color ? RESET BOLD : "");
    pl_put_safe(out, it->message);
    fprintf(out, " [%s]%s\n", it->rule_id, color ? RESET : "");
    if (it->source_line)
        print_caret(out, it->source_line, it->col, color);
    for (size_t k = 0; k < it->nnotes; k++) {
        print_place(out, it->file, it->notes[k].line, it->notes[k].col,
                    color);
        fprintf(out, "%snote: %s", color ? CYAN : "", color ? RESET : "");
        pl_put_safe(out, it->notes[k].text);
        fputc('\n', out);
    }
    if (it->verdict) {
        print_place(out, it->file, it->line, it->col, color);
        fprintf(out, "%snote: %svalidated by running: ", color ? CYAN : "",
                color ? RESET : "");
        pl_put_safe(out, it->verdict);
        if (it->evidence) {
            fputs(": ", out);
            pl_put_safe(out, it->evidence);
        }
        fputc('\n', out);
    }
}

void pl_findings_print(const struct pl_findings *f, FILE *out, bool color)
{
    for (size_t i = 0; i < f->len; i++)
        print_one(&f->items[i], out, color);
}

/* ---- places ---- */

void pl_lines_add(struct pl_lines *l, const char *file, unsigned line,
                  const char *text)
{
    if (pl_lines_has(l, file, line))
        return;
    struct pl_line_ref ref = {pl_xstrdup(file), line,
                              text ? pl_xstrdup(text) : NULL};
    PL_PUSH(l->items, l->len, l->cap, ref);
}

bool pl_lines_has(const struct pl_lines *l, const char *file, unsigned line)
{
    for (size_t i = 0; i < l->len; i++)
        if (l->items[i].line == line && strcmp(l->items[i].file, file) == 0)
            return true;
    return false;
}

void pl_lines_release(struct pl_lines *l)
{
    for (size_t i = 0; i < l->len; i++) {
        free(l->items[i].file);
        free(l->items[i].text);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}
