/*
 * analyzer/argparse.c - read PyArg_Parse* format strings (see
 * argparse.h). The units are those of the C-API page "Parsing arguments
 * and building values" (c-api/arg.html), Python 3.9 to 3.13.
 */
#include "argparse.h"

#include <stdbool.h>
#include <string.h>

/* Join the literal's pieces: drop quotes and the blanks between them.
 * Escapes are kept as written (format units never need them). */
static bool unquote(const char *spelling, char *buf, size_t size)
{
    size_t len = 0;
    bool inside = false;
    for (const char *p = spelling; *p; p++) {
        if (*p == '"' && (p == spelling || p[-1] != '\\')) {
            inside = !inside;
            continue;
        }
        if (!inside)
            continue;
        if (len + 1 >= size)
            return false;
        buf[len++] = *p;
    }
    buf[len] = '\0';
    return true;
}

static void put(enum pl_fmt_out *out, int max, int index,
                enum pl_fmt_out role)
{
    if (index < max)
        out[index] = role;
}

int pl_argparse_outputs(const char *spelling, enum pl_fmt_out *out, int max)
{
    char fmt[512];
    if (!spelling || !unquote(spelling, fmt, sizeof fmt))
        return -1;
    for (int i = 0; i < max; i++)
        out[i] = PL_OUT_OTHER;
    int n = 0;
    for (const char *p = fmt; *p && *p != ':' && *p != ';'; p++) {
        switch (*p) {
        case '(': case ')': case '|': case '$': case ' ':
            break;
        case 's': case 'z': case 'y': case 'u': case 'Z':
            if (p[1] == '*') {
                put(out, max, n++, PL_OUT_VIEW);
                p++;
            } else if (p[1] == '#') {
                put(out, max, n++, PL_OUT_BORROWED);
                n++; /* the length */
                p++;
            } else {
                put(out, max, n++, PL_OUT_BORROWED);
            }
            break;
        case 'w':
            if (p[1] != '*')
                return -1;
            put(out, max, n++, PL_OUT_VIEW);
            p++;
            break;
        case 'e':
            if (p[1] != 's' && p[1] != 't')
                return -1;
            n++; /* the encoding */
            put(out, max, n++, PL_OUT_BUFFER);
            p++;
            if (p[1] == '#') {
                n++; /* the length */
                p++;
            }
            break;
        case 'O':
            if (p[1] == '!' || p[1] == '&') {
                n++; /* the type or the converter */
                p++;
            }
            n++;
            break;
        case 'S': case 'Y': case 'U': case 'p':
        case 'b': case 'B': case 'h': case 'H': case 'i': case 'I':
        case 'l': case 'k': case 'L': case 'K': case 'n': case 'c':
        case 'C': case 'f': case 'd': case 'D':
            n++;
            break;
        default:
            return -1;
        }
    }
    return n;
}
