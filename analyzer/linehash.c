/*
 * analyzer/linehash.c - primaryLocationLineHash (see linehash.h): a port
 * of github/codeql-action's src/fingerprints.ts hash(). The hash of a line
 * is a rolling hash, modulo 2^64 with base 37, of the first 100
 * characters from the start of that line, skipping spaces and tabs,
 * with CR and CRLF read as LF, an end-of-file mark (65535) after the
 * text and zeros after that. Characters are UTF-16 code units, as in
 * JavaScript's charCodeAt(). A hash seen before in the file gets the next
 * occurrence number.
 */
#include "linehash.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 100
#define EOF_MARK 65535

struct hasher {
    uint32_t window[BLOCK];
    long line_at[BLOCK];  /* line starting at this window slot, or -1 */
    uint64_t hash, first_mod;
    unsigned index;
    long line;
    int line_start, prev_cr;
    /* results */
    char **out;
    long nout, cap;
    /* occurrence counts of hash values: open addressing */
    struct count {
        uint64_t hash;
        unsigned n;
        int used;
    } *counts;
    size_t ncounts;
    int failed;
};

static unsigned *count_of(struct hasher *h, uint64_t value)
{
    size_t i = (size_t)(value * 0x9E3779B97F4A7C15ull) & (h->ncounts - 1);
    while (h->counts[i].used && h->counts[i].hash != value)
        i = (i + 1) & (h->ncounts - 1);
    h->counts[i].used = 1;
    h->counts[i].hash = value;
    return &h->counts[i].n;
}

static void output(struct hasher *h)
{
    long line = h->line_at[h->index];
    h->line_at[h->index] = -1;
    unsigned *n = count_of(h, h->hash);
    ++*n;
    if (line < 1 || line > h->cap || h->failed)
        return;
    char buf[40];
    snprintf(buf, sizeof buf, "%llx:%u", (unsigned long long)h->hash, *n);
    h->out[line - 1] = strdup(buf);
    if (!h->out[line - 1])
        h->failed = 1;
    if (line > h->nout)
        h->nout = line;
}

static void update(struct hasher *h, uint32_t c)
{
    uint32_t begin = h->window[h->index];
    h->window[h->index] = c;
    h->hash = 37 * h->hash + c - h->first_mod * begin; /* wraps mod 2^64 */
    h->index = (h->index + 1) % BLOCK;
}

static void character(struct hasher *h, uint32_t c)
{
    if (c == ' ' || c == '\t' || (h->prev_cr && c == '\n')) {
        h->prev_cr = 0;
        return;
    }
    if (c == '\r') {
        c = '\n';
        h->prev_cr = 1;
    } else {
        h->prev_cr = 0;
    }
    if (h->line_at[h->index] != -1)
        output(h);
    if (h->line_start) {
        h->line_start = 0;
        h->line_at[h->index] = ++h->line;
    }
    if (c == '\n')
        h->line_start = 1;
    update(h, c);
}

/* Decode one UTF-8 character at *p (< end) into UTF-16 code units, as a
 * JavaScript decoder would (U+FFFD for a malformed sequence). */
static int utf16_units(const unsigned char **p, const unsigned char *end,
                       uint32_t units[2])
{
    const unsigned char *s = *p;
    uint32_t cp;
    int len;
    if (s[0] < 0x80) {
        cp = s[0];
        len = 1;
    } else if ((s[0] & 0xE0) == 0xC0) {
        cp = s[0] & 0x1F;
        len = 2;
    } else if ((s[0] & 0xF0) == 0xE0) {
        cp = s[0] & 0x0F;
        len = 3;
    } else if ((s[0] & 0xF8) == 0xF0) {
        cp = s[0] & 0x07;
        len = 4;
    } else {
        *p = s + 1;
        units[0] = 0xFFFD;
        return 1;
    }
    if (end - s < len) {
        *p = s + 1;
        units[0] = 0xFFFD;
        return 1;
    }
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *p = s + i;
            units[0] = 0xFFFD;
            return 1;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    *p = s + len;
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        units[0] = 0xFFFD;
        return 1;
    }
    if (cp >= 0x10000) {
        cp -= 0x10000;
        units[0] = 0xD800 + (cp >> 10);
        units[1] = 0xDC00 + (cp & 0x3FF);
        return 2;
    }
    units[0] = cp;
    return 1;
}

long pl_linehash(const char *text, size_t size, char ***out)
{
    *out = NULL;
    long lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += text[i] == '\n' || text[i] == '\r';
    struct hasher *h = calloc(1, sizeof *h);
    if (!h)
        return -1;
    h->cap = lines;
    h->out = calloc((size_t)lines, sizeof *h->out);
    h->ncounts = 64;
    while (h->ncounts < (size_t)lines * 2)
        h->ncounts *= 2;
    h->counts = calloc(h->ncounts, sizeof *h->counts);
    if (!h->out || !h->counts) {
        free(h->out);
        free(h->counts);
        free(h);
        return -1;
    }
    h->first_mod = 1;
    for (int i = 0; i < BLOCK; i++) {
        h->first_mod *= 37;
        h->line_at[i] = -1;
    }
    h->line_start = 1;
    const unsigned char *p = (const unsigned char *)text;
    const unsigned char *end = p + size;
    while (p < end) {
        uint32_t units[2];
        int n = utf16_units(&p, end, units);
        for (int i = 0; i < n; i++)
            character(h, units[i]);
    }
    character(h, EOF_MARK);
    for (int i = 0; i < BLOCK; i++) {
        if (h->line_at[h->index] != -1)
            output(h);
        update(h, 0);
    }
    long n = h->failed ? -1 : h->nout;
    if (h->failed)
        pl_linehash_free(h->out, h->cap);
    else
        *out = h->out;
    free(h->counts);
    free(h);
    return n;
}

void pl_linehash_free(char **hashes, long n)
{
    for (long i = 0; hashes && i < n; i++)
        free(hashes[i]);
    free(hashes);
}
