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

/* What to remove if the run is interrupted, until it is forgotten. Each
   is on the list from the moment it exists, so an interrupt never finds
   it made and not yet listed. Thread-safe; paths are copied. */

/* A file that will be made later (by another library). */
void pl_interrupt_remove_file(const char *path);

/* mkstemp(templ), the file listed. Returns as mkstemp does. */
int pl_interrupt_mkstemp(char *templ);

/* pl_temp_dir(name) (util.h), the tree listed. Heap path, or NULL (errno
   set). */
char *pl_interrupt_temp_dir(const char *name);

/* fork() a child that leads a process group of its own, listed to be
   killed. Returns as fork() does; in the child the group is set (setpgid)
   and nothing else of this module may be used. */
pid_t pl_interrupt_fork_group(void);

void pl_interrupt_forget(const char *path);
void pl_interrupt_forget_group(pid_t pgid);

#endif
