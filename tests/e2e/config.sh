#!/usr/bin/env bash
# tests/e2e/config.sh - .pymem-lint.json, found upward from each file:
# rules, excludes, extra arguments, the project's allocators and noreturn
# functions; --config, --no-config and the command line winning; a broken
# file names itself and its reason and stops only the files it covers.
# Usage: config.sh PYMEM_LINT
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"
cd "$TMP"

mkdir -p proj/src/vendor other
cat > proj/src/mod.c <<'C'
#define PY_SSIZE_T_CLEAN
#include <Python.h>
void *arena_alloc(size_t n);
void arena_free(void *p);
void die(const char *why);
#ifdef WITH_ARENA
static PyObject *
use_arena(PyObject *self, PyObject *arg)
{
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    char *block = arena_alloc(16);
    char *items = PyMem_Malloc(n * 8);
    if (items == NULL) {
        arena_free(block);
        return PyErr_NoMemory();
    }
    if (block == NULL)
        die("out of arena");
    block[0] = 1;
    PyMem_Free(block);
    PyMem_Free(items);
    Py_RETURN_NONE;
}
#endif
C
cp proj/src/mod.c proj/src/vendor/copy.c
cp proj/src/mod.c other/mod.c
cat > proj/.pymem-lint.json <<'J'
{
  "disable": ["PML009"],
  "exclude": ["src/vendor"],
  "extra-args": ["-DWITH_ARENA"],
  "allocators": [
    {"family": "arena", "alloc": ["arena_alloc"], "free": ["arena_free"]}
  ],
  "noreturn": ["die"]
}
J

echo "== the configuration applies to the files below it"
run --no-color proj other
expect_rc 1
expect_out '^proj/src/mod\.c:20:5: warning: .*arena_alloc \(arena family\).* use arena_free \[PML002\]$'
expect_no_out 'vendor'
expect_no_out '\[PML009\]'
expect_no_out '\[PML001\]'
expect_no_out '^other/'

echo "== the command line wins over it"
run --no-color --enable PML009 proj
expect_rc 1
expect_out '^proj/src/mod\.c:12:[0-9]+: warning: .*\[PML009\]$'
expect_no_out '\[PML002\]'

echo "== --no-config ignores it"
run --no-color --no-config --extra-arg=-DWITH_ARENA proj/src/mod.c
expect_rc 1
expect_out '\[PML009\]$'
expect_no_out '\[PML002\]'

echo "== --config names one file for every path"
run --no-color --config proj/.pymem-lint.json other
expect_rc 1
expect_out '^other/mod\.c:20:5: warning: .*\[PML002\]$'

echo "== a broken file: its name and reason, its files skipped, others go on"
mkdir -p broken
cp proj/src/mod.c broken/mod.c
printf '{"disable": ["PML009",]}\n' > broken/.pymem-lint.json
run --no-color broken other
expect_rc 1 # the other directory was analyzed
expect_err "invalid configuration '.*broken/\.pymem-lint\.json': line 1, column [0-9]+: "
expect_no_out '^broken/'

echo "== unknown keys and rules are errors, not silently ignored"
printf '{"disabel": ["PML009"]}\n' > broken/.pymem-lint.json
run --no-color broken
expect_rc 2
expect_err "disabel is not a configuration key"
printf '{"disable": ["PML999"]}\n' > broken/.pymem-lint.json
run --no-color broken
expect_rc 2
expect_err "unknown rule 'PML999'"
printf '{"allocators": [{"family": "x", "alloc": ["a"]}]}\n' > broken/.pymem-lint.json
run --no-color broken
expect_rc 2
expect_err 'entries need a "free" array'

e2e_finish
