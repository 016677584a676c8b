/*
 * examples/spam/textutil.h - text helpers shared by the spam module.
 * Include <Python.h> first.
 */
#ifndef SPAM_TEXTUTIL_H
#define SPAM_TEXTUTIL_H

/*
 * Find line 'index' (0-based) of text[0:len]; store its bounds, newline
 * excluded, in *start and *end.  Return 0, or -1 if there is no such line.
 */
int tu_find_line(const char *text, Py_ssize_t len, Py_ssize_t index,
                 Py_ssize_t *start, Py_ssize_t *end);

/*
 * Return a NUL-terminated copy of text[start:end], or NULL with
 * MemoryError set.
 * Ownership: the caller releases the copy with PyMem_Free().
 */
char *tu_dup_range(const char *text, Py_ssize_t start, Py_ssize_t end);

/*
 * Return how often 'word' (wlen > 0 bytes) occurs in text[0:len], ignoring
 * ASCII case, or -1 with MemoryError set.
 */
Py_ssize_t tu_count_fold(const char *text, Py_ssize_t len, const char *word,
                         Py_ssize_t wlen);

#endif
