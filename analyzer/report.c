/*
 * analyzer/report.c - build a finding and its path notes from an event.
 */
#include "report.h"
#include "suppress.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_NOTES 40

struct note_list {
    struct pl_finding_note items[MAX_NOTES];
    char texts[MAX_NOTES][160];
    size_t len;
};

static void add_note(struct note_list *notes, unsigned line, unsigned col,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void add_note(struct note_list *notes, unsigned line, unsigned col,
                     const char *fmt, ...)
{
    if (notes->len == MAX_NOTES || line == 0)
        return;
    size_t i = notes->len++;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(notes->texts[i], sizeof notes->texts[i], fmt, ap);
    va_end(ap);
    notes->items[i].line = line;
    notes->items[i].col = col;
    notes->items[i].text = notes->texts[i];
}

static void event_notes(struct note_list *notes, const struct pl_event *ev,
                        unsigned line, unsigned col)
{
    if (ev->alloc_line && (ev->alloc_line != line || ev->alloc_col != col))
        add_note(notes, ev->alloc_line, ev->alloc_col, "allocated here by %s",
                 ev->alloc_name ? ev->alloc_name : "an allocator");
    for (unsigned i = 0; i < ev->nnotes; i++)
        add_note(notes, ev->notes[i].line, ev->notes[i].col, "%s",
                 ev->notes[i].text);
    if (ev->prev_release_name)
        add_note(notes, ev->prev_line, ev->prev_col, "released here by %s",
                 ev->prev_release_name);
    if (ev->kind == PL_EV_LEAK) {
        if (ev->lost_how &&
            (ev->lost_line != ev->exit_line || ev->lost_col != ev->exit_col))
            add_note(notes, ev->lost_line, ev->lost_col, "%s here", ev->lost_how);
        if (ev->exit_what)
            add_note(notes, ev->exit_line, ev->exit_col, "'%s' %s here%s",
                     ev->fn ? ev->fn->name : "the function", ev->exit_what,
                     ev->lost_how && ev->lost_line == ev->exit_line &&
                             ev->lost_col == ev->exit_col
                         ? " without releasing it"
                         : "");
    }
}

void pl_report(struct pl_reporter *r, const char *rule_id,
               const struct pl_event *ev, unsigned line, unsigned col,
               const char *fmt, ...)
{
    if (r->unit && ev->fn && ev->fn->source < r->unit->nsources) {
        const struct pl_source *src = &r->unit->sources[ev->fn->source];
        unsigned by = pl_suppressed(src->lines, src->nlines, line, rule_id,
                                    r->rule_name);
        if (by) {
            if (r->used)
                pl_lines_add(r->used, src->path, by, NULL);
            return;
        }
    }
    char message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    struct note_list *notes = pl_xcalloc(1, sizeof *notes);
    event_notes(notes, ev, line, col);
    const char *source = r->unit ? pl_unit_line(r->unit, ev->fn, line) : NULL;
    const char *file = ev->fn ? ev->fn->file : r->file;
    struct pl_finding *added =
        pl_findings_add(r->findings, rule_id, file, line, col, message,
                        source, notes->items, notes->len);
    if (added && ev->fn)
        added->function = pl_xstrdup(ev->fn->name);
    free(notes);
}
