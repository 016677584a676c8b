/*
 * analyzer/testfault.h - PYMEM_LINT_TEST_FAULT=NAME:KIND, the tests' way to
 * make pymem-lint fail at a chosen place: the places that can fail ask
 * whether the fault names them (watchdog.c: a file's analysis and its PCH
 * build; interrupt.c: validate's fork). README lists them ("A file that
 * crashes or hangs the analysis").
 */
#ifndef PL_TESTFAULT_H
#define PL_TESTFAULT_H

#include <stdbool.h>

/* Whether PYMEM_LINT_TEST_FAULT is NAME:KIND with NAME a non-empty suffix
   of 'name' and KIND equal to 'kind'. Unset, it costs one getenv. */
bool pl_test_fault_is(const char *name, const char *kind);

#endif
