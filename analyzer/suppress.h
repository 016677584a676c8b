/*
 * analyzer/suppress.h - inline suppressions written in the source:
 *   code;  // pymem-lint: ignore[PML005]      this line, these rules
 *   // pymem-lint: ignore[PML005,leak]         on its own line: the next line
 *   // pymem-lint: ignore-file[PML006]         the whole file
 * A suppression without brackets covers every rule.
 */
#ifndef PL_SUPPRESS_H
#define PL_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * When the finding of rule 'id' (or 'name') at 'line' of the file whose
 * lines are 'lines' (1-based, 'nlines' long) is suppressed: the line of
 * the comment that suppresses it; otherwise 0.
 */
unsigned pl_suppressed(char *const *lines, size_t nlines, unsigned line,
                       const char *id, const char *name);

/* True when 'text' (one line) holds a suppression comment. */
bool pl_is_suppression(const char *text);

#endif
