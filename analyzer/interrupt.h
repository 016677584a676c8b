/*
 * analyzer/interrupt.h - Ctrl-C and SIGTERM: the run stops at once, what it
 * was writing is left as it was (outputs are written to a temporary file
 * and renamed, the store is an sqlite database), and what it made for
 * itself is removed: temporary files and directories, and the process
 * groups of the commands 'validate' runs.
 */
#ifndef PL_INTERRUPT_H
#define PL_INTERRUPT_H

#include <stdbool.h>
#include <sys/types.h>

/* Catch SIGINT and SIGTERM from now on (main calls it once). */
void pl_interrupt_install(void);

/* What to remove if the run is interrupted, until it is forgotten:
   a file, a directory tree, or a process group to kill. Thread-safe;
   'path' is copied. */
void pl_interrupt_remove_file(const char *path);
void pl_interrupt_remove_tree(const char *path);
void pl_interrupt_kill_group(pid_t pgid);
void pl_interrupt_forget(const char *path);
void pl_interrupt_forget_group(pid_t pgid);

#endif
