/*
 * examples/spam/textutil.c - text helpers of the spam module: line lookup,
 * range copies and case-insensitive counting over a byte buffer.
 * Contains two planted bugs (see README.md): PML001 and PML006.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string.h>

#include "textutil.h"

int tu_find_line(const char *text, Py_ssize_t len, Py_ssize_t index,
                 Py_ssize_t *start, Py_ssize_t *end)
{
    Py_ssize_t pos = 0;

    if (index < 0)
        return -1;
    for (; index > 0; index--) {
        const char *nl = memchr(text + pos, '\n', (size_t)(len - pos));
        if (nl == NULL)
            return -1;
        pos = nl - text + 1;
    }
    *start = pos;
    while (pos < len && text[pos] != '\n')
        pos++;
    *end = pos;
    return 0;
}

char *tu_dup_range(const char *text, Py_ssize_t start, Py_ssize_t end)
{
    Py_ssize_t n = end - start;
    char *copy = PyMem_Malloc((size_t)n + 1);

    /* BUG: the NULL check (and PyErr_NoMemory) is missing. */
    copy[n] = '\0'; // expected-warning {{[PML001]}}
    memcpy(copy, text + start, (size_t)n);
    return copy;
}

Py_ssize_t tu_count_fold(const char *text, Py_ssize_t len, const char *word,
                         Py_ssize_t wlen)
{
    /* Fold the haystack once; the needle is folded as it is compared. */
    char *low = PyMem_Malloc((size_t)len + 1); // expected-warning {{[PML006]}}
    Py_ssize_t count = 0;

    if (low == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < len; i++)
        low[i] = (char)Py_TOLOWER(text[i]);
    for (Py_ssize_t i = 0; i + wlen <= len; i++) {
        Py_ssize_t k = 0;
        while (k < wlen && low[i + k] == (char)Py_TOLOWER(word[k]))
            k++;
        if (k == wlen)
            count++;
    }
    /* BUG: 'low' is never released. */
    return count;
}
