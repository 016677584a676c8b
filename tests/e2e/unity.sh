#!/usr/bin/env bash
# tests/e2e/unity.sh - unity builds: functions of a .c file that another .c
# file #includes are analyzed as part of it and reported under their own
# path, once, even when the included file is also analyzed on its own; a
# file spoiled by compile errors is named on stderr and its functions are
# not reported on.
# Usage: unity.sh PYMEM_LINT
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"
cd "$TMP"

# part.c needs the type that main.c defines first: alone it does not compile
write_c unity/part.c <<'C'
static char *
part_dup(Counter *c)
{
    char *p = PyMem_Malloc(c->n);
    PyObject_Free(p);
    return NULL;
}
C
write_c unity/main.c <<'C'
#include <Python.h>

typedef struct { Py_ssize_t n; } Counter;

#include "part.c"

char *
entry(Counter *c)
{
    return part_dup(c);
}
C

echo "== an included .c file is analyzed through the file that includes it"
run --no-color unity/main.c
expect_rc 1
expect_files unity/part.c
expect_finding unity/part.c 5 PML002

echo "== analyzed alone, the included file has errors: named, not reported on"
run --no-color unity/part.c
expect_rc 0
expect_empty_out
expect_err "part\\.c.*compile error"

echo "== a self-contained included file reported once, not twice"
write_c self/part.c <<<"$BUG_C"
write_c self/main.c <<'C'
#include "part.c"
C
run --no-color self
expect_rc 1
if [ "$(warning_lines | wc -l)" -eq 1 ]; then
    pass
else
    fail "expected exactly one finding"
fi
expect_finding self/part.c "$BUG_LINE" PML002

e2e_finish
