/*
 * analyzer/store.h - the sqlite store: a cache of each file's results,
 * reused when nothing that affects them changed, and the history of runs.
 * One database file (default .pymem-lint/cache.db at the project root),
 * schema versioned and migrated, WAL mode, every statement parameterized.
 */
#ifndef PL_STORE_H
#define PL_STORE_H

#include "driver.h"
#include "testrun.h"

#include <stdbool.h>
#include <stdint.h>

struct pl_store;

/*
 * Open (creating it and its directory) the store at 'path'. Returns NULL
 * after a one-line warning when it cannot be used (locked too long,
 * corrupt, from a newer pymem-lint, unwritable): the run goes on without a
 * cache, and the file is left as it was.
 */
struct pl_store *pl_store_open(const char *path);
void pl_store_close(struct pl_store *store);

/* The default store path for a run from the current directory: under the
 * nearest ancestor that holds .git or .pymem-lint.json, else here. Heap. */
char *pl_store_default_path(void);

/*
 * The part of a file's cache key that is the same for every file of a
 * job kind: tool version, compile arguments, rules, configuration.
 */
uint64_t pl_store_job_key(const struct pl_job *job, const char *version,
                          const char *config_path);

/* Fill 'job' from the store when its entry is current: the key matches
 * and no file it read changed. Returns true on a hit. */
bool pl_store_lookup(struct pl_store *store, struct pl_job *job, uint64_t key);

/* Record the results of analyzed (not cached) jobs, in one transaction. */
void pl_store_save(struct pl_store *store, struct pl_job *jobs, size_t njobs,
                   const uint64_t *keys);

/* Append a run to the history: findings per rule id. */
void pl_store_record_run(struct pl_store *store, const struct pl_findings *f,
                         size_t files, size_t analyzed);

/*
 * Store the verdicts of the findings of 'f' that have one (keyed by file
 * and fingerprint, so they follow a finding when lines move), replacing
 * older ones; 'command' is the test command that produced them. Returns 0,
 * or -1 after a warning.
 */
int pl_store_put_verdicts(struct pl_store *store, const struct pl_findings *f,
                          const char *command);

/* Keep what the hook reported in the runs of a validation (misuse, faults
 * injected, blocks live at exit), replacing the reports of the last
 * validation with the same command. 0, or -1 after a warning. */
int pl_store_put_runtime_reports(struct pl_store *store,
                                 const struct pl_testrun *runs, size_t n,
                                 const char *command);

/* Give the findings of 'f' their stored verdicts; returns how many had
 * one. */
size_t pl_store_attach_verdicts(struct pl_store *store, struct pl_findings *f);

/* Print the history of runs ('pymem-lint stats'). Returns 0 or -1. */
int pl_store_print_history(struct pl_store *store, FILE *out);

#endif
