/*
 * analyzer/linehash.h - GitHub code scanning's primaryLocationLineHash of
 * every line of a file: the rolling hash that github/codeql-action
 * computes (src/fingerprints.ts, hash()) when a SARIF result has none, so
 * that our value and the action's agree.
 */
#ifndef PL_LINEHASH_H
#define PL_LINEHASH_H

#include <stddef.h>

/*
 * The hashes of the lines of 'text' ('size' bytes, UTF-8): out[i] is the
 * hash of line i + 1 as "<hex>:<occurrence>". Returns the number of lines,
 * or -1 when out of memory. Ownership: *out is a heap array of heap
 * strings; free it with pl_linehash_free().
 */
long pl_linehash(const char *text, size_t size, char ***out);

void pl_linehash_free(char **hashes, long n);

#endif
