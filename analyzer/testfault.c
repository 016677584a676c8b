/*
 * analyzer/testfault.c - PYMEM_LINT_TEST_FAULT=NAME:KIND (see testfault.h).
 */
#include "testfault.h"

#include <stdlib.h>
#include <string.h>

bool pl_test_fault_is(const char *name, const char *kind)
{
    const char *spec = getenv("PYMEM_LINT_TEST_FAULT");
    const char *colon = spec ? strrchr(spec, ':') : NULL;
    if (!colon || strcmp(colon + 1, kind) != 0)
        return false;
    size_t n = (size_t)(colon - spec), len = strlen(name);
    return n > 0 && n <= len && memcmp(name + len - n, spec, n) == 0;
}
