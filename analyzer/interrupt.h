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
   a file, a directory tree, or a process group to kill (registered by
   pl_interrupt_fork_group below). Thread-safe; 'path' is copied. */
void pl_interrupt_remove_file(const char *path);
void pl_interrupt_remove_tree(const char *path);

void pl_interrupt_forget(const char *path);
void pl_interrupt_forget_group(pid_t pgid);

/* fork() a child that leads a process group of its own, registered to be
   killed on interrupt before the interrupt can be acted on: a SIGINT that
   arrives just after fork() once found the group not yet registered and
   left the command running. Returns as fork() does; in the child the
   group is set (setpgid) and nothing else of this module may be used.
   The parent forgets the group with pl_interrupt_forget_group(). */
pid_t pl_interrupt_fork_group(void);

#endif
