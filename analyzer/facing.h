/*
 * analyzer/facing.h - mark the Python-facing functions of a unit (see
 * facing.c): the ones whose error return Python sees.
 */
#ifndef PL_FACING_H
#define PL_FACING_H

#include "frontend.h"

/* Set python_facing on the functions of 'unit' that Python calls, or
 * whose result such a function returns as it is. */
void pl_unit_mark_python_facing(struct pl_unit *unit);

#endif
