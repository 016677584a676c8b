/*
 * analyzer/merge.h - 'pymem-lint merge': combine the SARIF files of the
 * shards of one analysis (--shard K/N) into one SARIF file.
 */
#ifndef PL_MERGE_H
#define PL_MERGE_H

#include <stddef.h>

/*
 * Merge the pymem-lint SARIF files 'inputs' into one run written to
 * 'output' (atomically; NULL: stdout). Returns 0, or -1 after reporting
 * (an input that cannot be read, is not JSON, or is not pymem-lint's
 * SARIF; nothing is written then).
 */
int pl_merge_sarif(const char *const *inputs, size_t ninputs,
                   const char *output);

#endif
