#!/usr/bin/env bash
# tests/e2e/compdb.sh - compile flags: compile_commands.json found in the tree
# root, in its build/ dir, upward from a file, or named with -p; and
# --extra-arg.  The bug is compiled only when ONLY_IN_DB is defined, so a
# finding proves the flags reached the parser.
# Usage: compdb.sh PYMEM_LINT
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"
cd "$TMP"

pyinc=$("$PYTHON3" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
ifdef_bug='#include <Python.h>

void drop(void)
{
#ifdef ONLY_IN_DB
    char *p = PyMem_Malloc(8);
    PyObject_Free(p); // expected-warning {{[PML002]}}
#endif
}
'
write_c proj/src/mod.c <<<"$ifdef_bug"
write_c plain/mod.c <<<"$ifdef_bug"
absproj=$(cd proj && pwd -P)

# db_command DIR: a database in CMake's style ("command" strings).
db_command()
{
    mkdir -p "$1"
    cat >"$1/compile_commands.json" <<JSON
[
  {
    "directory": "$absproj/build",
    "command": "/usr/bin/cc -DONLY_IN_DB=1 -I$pyinc -O2 -o CMakeFiles/mod.dir/src/mod.c.o -c $absproj/src/mod.c",
    "file": "$absproj/src/mod.c",
    "output": "CMakeFiles/mod.dir/src/mod.c.o"
  }
]
JSON
}

# db_arguments DIR: a database in Bear's style ("arguments" lists).
db_arguments()
{
    mkdir -p "$1"
    cat >"$1/compile_commands.json" <<JSON
[
  {
    "directory": "$absproj",
    "arguments": ["cc", "-c", "-DONLY_IN_DB", "-I$pyinc", "-o", "src/mod.o", "src/mod.c"],
    "file": "$absproj/src/mod.c"
  }
]
JSON
}

echo "== no database: the guarded bug is not compiled"
run --no-color proj
expect_rc 0
expect_empty_out

echo "== database in the tree root"
db_command proj
run --no-color proj
expect_rc 1
expect_finding proj/src/mod.c 7 PML002
echo "   (and upward from a file)"
run --no-color proj/src/mod.c
expect_rc 1
expect_finding proj/src/mod.c 7 PML002
rm proj/compile_commands.json

echo "== database in the tree root's build/ directory"
db_command proj/build
run --no-color proj
expect_rc 1
expect_finding proj/src/mod.c 7 PML002
rm -r proj/build

echo "== -p DIR (the database is elsewhere)"
db_arguments db
run --no-color proj/src/mod.c
expect_rc 0
expect_empty_out
run --no-color -p db proj/src/mod.c
expect_rc 1
expect_finding proj/src/mod.c 7 PML002
run --no-color -p "$TMP/db" proj
expect_rc 1
expect_finding proj/src/mod.c 7 PML002
echo "== -p FILE (the database file itself, as users often write it)"
run --no-color -p db/compile_commands.json proj/src/mod.c
expect_rc 1
expect_finding proj/src/mod.c 7 PML002

echo "== --extra-arg (no database)"
run --no-color plain/mod.c
expect_rc 0
expect_empty_out
run --no-color --extra-arg=-DONLY_IN_DB plain/mod.c
expect_rc 1
expect_finding plain/mod.c 7 PML002
run --no-color --extra-arg -DONLY_IN_DB plain
expect_rc 1
expect_finding plain/mod.c 7 PML002
run --no-color --extra-arg=-UONLY_IN_DB --extra-arg=-DONLY_IN_DB plain/mod.c
expect_rc 1
expect_finding plain/mod.c 7 PML002

e2e_finish
