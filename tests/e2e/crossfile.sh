#!/usr/bin/env bash
# tests/e2e/crossfile.sh - cross-file summaries: an allocation wrapper and
# a release wrapper defined in one file and misused in another are
# reported (second pass); with the store, a change in the wrapper's file
# that leaves its summary alone does not re-analyze the caller, and one
# that changes it does.
# A function that never returns (it calls Py_FatalError) tells the
# callers of other files that the path ends there.
# Usage: crossfile.sh PYMEM_LINT
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"
cd "$TMP"
unset PYMEM_LINT_NO_CACHE
mkdir proj
cd proj
git init -q .
write_c util.c <<'C'
#include <Python.h>

char *buf_alloc(size_t n)
{
    return PyMem_Malloc(n);
}

void buf_free(char *p)
{
    PyMem_Free(p);
}
C
write_c mod.c <<'C'
#include <Python.h>

char *buf_alloc(size_t n);
void buf_free(char *p);

void wrong_family(void)
{
    char *p = buf_alloc(8);
    if (p == NULL)
        return;
    free(p);
}

int leaks_on_error(int flag)
{
    char *q = buf_alloc(16);
    if (q == NULL)
        return -1;
    if (flag)
        return -1;
    buf_free(q);
    return 0;
}

void twice(void)
{
    char *r = buf_alloc(4);
    buf_free(r);
    buf_free(r);
}
C
echo "== wrappers of util.c misused in mod.c"
run --no-color --no-cache --stats mod.c util.c
expect_rc 1
# mod.c, kept lowered by the first pass, is analyzed again without a parse
expect_err '^pymem-lint: stats: [0-9]+ functions exported to other files; 1 files analyzed again with them, 1 of them not parsed again$'
expect_out '^mod\.c:11:5: warning: .p. was allocated by buf_alloc \(PyMem family\) but released by free.*\[PML002\]$'
expect_out '^mod\.c:16:15: warning: memory allocated by buf_alloc leaks when .leaks_on_error. returns -1.*\[PML005\]$'
expect_out '^mod\.c:29:5: warning: .*\[PML003\]$'

echo "== mod.c alone knows nothing of the wrappers"
run --no-color --no-cache mod.c
expect_rc 0

echo "== with the store: an unrelated change in util.c keeps mod.c cached"
run --no-color --stats mod.c util.c
expect_rc 1
printf '\nint unrelated(void) { return 1; }\n' >> util.c
run --no-color --stats mod.c util.c
expect_rc 1
got=$(from_cache)
if [ "$got" = "1 2" ]; then pass; else fail "from the cache: '$got', expected '1 2'"; fi
expect_out '\[PML002\]$'

echo "== a change of the wrapper's family reaches mod.c"
sed -i 's/PyMem_Malloc(n)/PyObject_Malloc(n)/; s/PyMem_Free(p)/PyObject_Free(p)/' util.c
run --no-color --stats mod.c util.c
got=$(from_cache)
if [ "$got" = "0 2" ]; then pass; else fail "from the cache: '$got', expected '0 2'"; fi
expect_out '^mod\.c:11:5: warning: .*buf_alloc \(PyObject family\).*\[PML002\]$'

echo "== a function of another file that never returns ends the path"
mkdir ../nr
cd ../nr
write_c util.c <<'C'
#include <Python.h>

void die(const char *why)
{
    Py_FatalError(why);
}
C
write_c mod.c <<'C'
#include <Python.h>

void die(const char *why);

void fill(void)
{
    char *p = PyMem_Malloc(8);
    if (p == NULL)
        die("out of memory");
    p[0] = 1;
    PyMem_Free(p);
}
C
run --no-color --no-cache mod.c
expect_rc 1
expect_out '^mod\.c:10:5: warning: .*\[PML001\]$'
run --no-color --no-cache mod.c util.c
expect_rc 0
expect_empty_out

e2e_finish
