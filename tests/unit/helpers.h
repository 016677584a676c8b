/*
 * tests/unit/helpers.h - parse C text into functions and CFGs for tests.
 */
#ifndef PL_TEST_HELPERS_H
#define PL_TEST_HELPERS_H

#include "../../analyzer/cfg.h"
#include "../../analyzer/frontend.h"

#include <stddef.h>

/*
 * Parse 'text' (plain C, no Python headers) into 'unit'; fails the test
 * on a parse error. Release with pl_unit_release().
 */
void test_parse(struct pl_unit *unit, const char *text);

/* Blocks reachable from the entry and the edges leaving them. */
struct cfg_counts {
    size_t blocks, edges;
};

/* Build the CFG of the only function in 'text' and count it. */
struct cfg_counts test_cfg_counts(const char *text);

#endif
