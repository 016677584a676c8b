/*
 * analyzer/suppress.c - read inline suppression comments (suppress.h).
 */
#include "suppress.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define MARK "pymem-lint:"

/*
 * Does the suppression list that starts at 'p' ("[PML005,leak]" or no
 * bracket at all) name rule 'id' or 'name'?
 */
static bool list_names(const char *p, const char *id, const char *name)
{
    if (*p != '[')
        return true; /* no list: every rule */
    p++;
    while (*p && *p != ']') {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ",] ");
        if ((n == strlen(id) && strncasecmp(p, id, n) == 0) ||
            (name && n == strlen(name) && strncmp(p, name, n) == 0))
            return true;
        p += n;
    }
    return false;
}

/* Does 'text' carry the directive 'word' ("ignore", "ignore-file") for
 * the rule? */
static bool has_directive(const char *text, const char *word, const char *id,
                          const char *name)
{
    for (const char *p = strstr(text, MARK); p; p = strstr(p + 1, MARK)) {
        const char *q = p + strlen(MARK);
        while (*q == ' ')
            q++;
        size_t n = strlen(word);
        if (strncmp(q, word, n) == 0 && (q[n] == '[' || q[n] == '\0' ||
                                         isspace((unsigned char)q[n]) ||
                                         q[n] == '*'))
            if (list_names(q + n, id, name))
                return true;
    }
    return false;
}

/* True when 'text' is only a comment. */
static bool comment_only(const char *text)
{
    while (isspace((unsigned char)*text))
        text++;
    return strncmp(text, "//", 2) == 0 || strncmp(text, "/*", 2) == 0;
}

unsigned pl_suppressed(char *const *lines, size_t nlines, unsigned line,
                       const char *id, const char *name)
{
    if (!lines)
        return 0;
    if (line < nlines && has_directive(lines[line], "ignore", id, name))
        return line;
    if (line >= 2 && line - 1 < nlines && comment_only(lines[line - 1]) &&
        has_directive(lines[line - 1], "ignore", id, name))
        return line - 1;
    for (size_t i = 1; i < nlines; i++)
        if (strstr(lines[i], MARK) &&
            has_directive(lines[i], "ignore-file", id, name))
            return (unsigned)i;
    return 0;
}

bool pl_is_suppression(const char *text)
{
    for (const char *p = text ? strstr(text, MARK) : NULL; p;
         p = strstr(p + 1, MARK)) {
        const char *q = p + strlen(MARK);
        while (*q == ' ')
            q++;
        if (strncmp(q, "ignore", 6) == 0)
            return true;
    }
    return false;
}
