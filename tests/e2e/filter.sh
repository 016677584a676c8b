#!/usr/bin/env bash
# tests/e2e/filter.sh - --enable and --disable select rules by id or name;
# the exit status follows the findings that are left.
# Usage: filter.sh PYMEM_LINT
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"
cd "$ROOT"

# ids_found: the sorted distinct rule ids of the last run's findings.
ids_found()
{
    warning_lines | grep -oE '\[PML[0-9]+\]$' | tr -d '[]' | sort -u | tr '\n' ' '
}

expect_ids()
{
    local got
    got=$(ids_found)
    if [ "$got" = "$1" ]; then pass; else fail "rules found: expected [$1], got [$got]"; fi
}

echo "== all rules"
run --no-color examples/spam
expect_rc 1
expect_ids "PML001 PML002 PML003 PML005 PML006 "

for sel in PML005 leak-on-error-path; do
    echo "== --disable $sel"
    run --no-color --disable "$sel" examples/spam
    expect_rc 1
    expect_ids "PML001 PML002 PML003 PML006 "
done

echo "== --disable a list"
run --no-color --disable PML005,double-free examples/spam
expect_rc 1
expect_ids "PML001 PML002 PML006 "

for sel in PML001 unchecked-alloc; do
    echo "== --enable $sel"
    run --no-color --enable "$sel" examples/spam
    expect_rc 1
    expect_ids "PML001 "
    n=$(warning_lines | wc -l)
    if [ "$n" -eq 1 ]; then pass; else fail "expected 1 finding, got $n"; fi
done

echo "== --enable a list"
run --no-color --enable PML002,leak examples/spam
expect_rc 1
expect_ids "PML002 PML006 "

echo "== nothing left to report: exit 0"
run --no-color --enable PML004 examples/spam
expect_rc 0
expect_empty_out
run --no-color --disable PML001,PML002,PML003,PML005,PML006 examples/spam
expect_rc 0
expect_empty_out

e2e_finish
