/*
 * runtime/pymemrt.h - libpymemrt: a strict, standalone implementation of
 * CPython's allocation API (PyMem_*, PyMem_Raw*, PyObject_* malloc family)
 * so that an extension's C code can be unit-tested without an interpreter.
 *
 * Every block carries a header (domain, size, allocation site), guard bytes
 * before and after it, is filled with PYMEMRT_FILL_NEW when handed out and
 * with PYMEMRT_FILL_FREED when released; released blocks wait in a
 * quarantine where writes to them are detected; realloc always moves the
 * block. Misuse is reported on stderr in compiler style
 * ("file:line: error: ... [pymemrt]") and, when PYMEMRT_LOG_DIR is set, as
 * JSON lines in that directory. Blocks still live at exit are reported,
 * grouped by allocation site.
 *
 * Environment:
 *   PYMEMRT_FAULTS="spec;spec"   fault injection (see runtime/README.md):
 *                                site=FILE:LINE | func=NAME | nth=N |
 *                                count=K | every | prob=P,seed=S |
 *                                domain=raw|mem|obj | scope=all
 *   PYMEMRT_FAULTS_FILE=PATH     the same, one spec per line
 *   PYMEMRT_LOG_DIR=DIR          machine-readable records (one file per pid)
 *   PYMEMRT_ABORT=1              abort() at the first misuse
 *   PYMEMRT_QUARANTINE=BYTES     quarantine size (default 4 MiB)
 *   PYMEMRT_LEAKS=0              no leak report at exit
 *   PYMEMRT_BACKTRACE=1          print the stack with each misuse report
 *
 * Link with -lpymemrt instead of libpython. All functions are thread-safe.
 */
#ifndef PYMEMRT_H
#define PYMEMRT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PYMEMRT_FILL_NEW 0xCB
#define PYMEMRT_FILL_FREED 0xDB
#define PYMEMRT_GUARD_BYTE 0xFD
#define PYMEMRT_GUARD_SIZE 16

/* CPython's allocation API, same names and contracts (a 0-byte request
 * returns a distinct non-NULL pointer; free(NULL) does nothing). */
void *PyMem_RawMalloc(size_t size);
void *PyMem_RawCalloc(size_t nelem, size_t elsize);
void *PyMem_RawRealloc(void *ptr, size_t size);
void PyMem_RawFree(void *ptr);
void *PyMem_Malloc(size_t size);
void *PyMem_Calloc(size_t nelem, size_t elsize);
void *PyMem_Realloc(void *ptr, size_t size);
void PyMem_Free(void *ptr);
void *PyObject_Malloc(size_t size);
void *PyObject_Calloc(size_t nelem, size_t elsize);
void *PyObject_Realloc(void *ptr, size_t size);
void PyObject_Free(void *ptr);

/* Blocks live now, in all domains. */
size_t pymemrt_live_blocks(void);

/* Misuse reports so far: all of them (kind NULL) or of one kind:
 * "wrong-domain", "double-free", "unknown-free", "interior-free",
 * "non-heap-free", "guard-overwrite", "write-after-free". */
size_t pymemrt_errors(const char *kind);

/* Check the guard bytes of every live block and the fill of every block in
 * the quarantine now; returns how many new errors were reported. */
size_t pymemrt_check(void);

/* Replace the fault injection specs (the PYMEMRT_FAULTS syntax); NULL or
 * "" injects nothing. Returns 0, or -1 after reporting a bad spec (the
 * previous specs are kept). */
int pymemrt_set_faults(const char *specs);

/* Allocations failed by injection so far. */
size_t pymemrt_faults_injected(void);

/* Report the live blocks, grouped by allocation site, on stderr (what
 * happens at exit); returns the number of blocks. */
size_t pymemrt_report_leaks(void);

#ifdef __cplusplus
}
#endif

#endif
