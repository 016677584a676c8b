# tests/e2e/lib.bash - helpers shared by the end-to-end tests (sourced, not run).
# shellcheck shell=bash disable=SC2034 # BIN, ROOT, BUG_C, ... are used by the tests
#
# A test script does:
#   source "$(dirname "$0")/lib.bash"
#   e2e_init "$@"                  # $1 = the pymem-lint binary; sets BIN ROOT TMP
#   run --no-color some/file.c     # sets RC; stdout/stderr in $TMP/.out, .err
#   expect_rc 1
#   expect_out '^some/file\.c:5:[0-9]+: warning: .*\[PML002\]$'
#   e2e_finish                     # exit 1 if any check failed
# A failed check prints what was run and its output, and the script goes on,
# so one run reports every broken behaviour.  E2E_KEEP=1 keeps the scratch
# directory for a look afterwards.

E2E_FAILS=0
E2E_CHECKS=0
LAST_CMD=""

e2e_init()
{
    if [ $# -lt 1 ]; then
        echo "usage: $0 PYMEM_LINT" >&2
        exit 2
    fi
    BIN=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
    if [ ! -x "$BIN" ]; then
        echo "$0: '$1' is not an executable" >&2
        exit 2
    fi
    ROOT=${PL_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
    TMP=$(mktemp -d "${TMPDIR:-/tmp}/pymem-lint-e2e.XXXXXX")
    if [ -n "${E2E_KEEP:-}" ]; then
        echo "keeping the scratch directory $TMP"
    else
        trap 'rm -rf "$TMP"' EXIT
    fi
    PYTHON3=${PYTHON3:-python3}
}

# fail MESSAGE: record a failed check and show the last run.
fail()
{
    E2E_FAILS=$((E2E_FAILS + 1))
    echo "FAIL: $*"
    if [ -n "$LAST_CMD" ]; then
        echo "  command: $LAST_CMD"
        echo "  exit status: $RC"
        sed 's/^/  stdout| /' "$TMP/.out"
        sed 's/^/  stderr| /' "$TMP/.err"
    fi
}

pass()
{
    E2E_CHECKS=$((E2E_CHECKS + 1))
}

# run ARGS...: run pymem-lint with no stdin; set RC, keep stdout in $TMP/.out
# and stderr in $TMP/.err.
# A crash or a sanitizer report is a failure whatever the test expects.
run()
{
    local q
    printf -v q '%q ' "$@"
    LAST_CMD="(cd $(printf '%q' "$PWD") && pymem-lint ${q% })"
    RC=0
    "$BIN" "$@" </dev/null >"$TMP/.out" 2>"$TMP/.err" || RC=$?
    check_sane
}

# check_sane: fail on a crash or a sanitizer report in the last run, and on
# a crash the run survived (a file given up as crashed) unless the test
# asked for one.
check_sane()
{
    if [ "$RC" -gt 2 ]; then
        fail "pymem-lint exited with status $RC (crash or sanitizer abort?)"
    elif grep -Eq 'ERROR: [A-Za-z]+Sanitizer|runtime error: |Sanitizer:DEADLYSIGNAL' \
        "$TMP/.err"; then
        fail "sanitizer report on stderr"
    elif [ -z "${PYMEM_LINT_TEST_FAULT:-}" ] &&
        grep -Eq 'pymem-lint crashed on it|ran out of stack' "$TMP/.err"; then
        fail "a crash in pymem-lint, survived but a crash (watchdog.c)"
    fi
}

expect_rc()
{
    if [ "$RC" -eq "$1" ]; then pass; else fail "expected exit status $1, got $RC"; fi
}

# expect_out ERE: some line of stdout matches ERE.
expect_out()
{
    if grep -Eq -- "$1" "$TMP/.out"; then pass; else fail "no stdout line matches /$1/"; fi
}

expect_no_out()
{
    if grep -Eq -- "$1" "$TMP/.out"; then fail "a stdout line matches /$1/"; else pass; fi
}

expect_err()
{
    if grep -Eq -- "$1" "$TMP/.err"; then pass; else fail "no stderr line matches /$1/"; fi
}

# expect_no_err ERE: no line of stderr matches ERE.
expect_no_err()
{
    if grep -Eq -- "$1" "$TMP/.err"; then fail "a stderr line matches /$1/"; else pass; fi
}

expect_empty_out()
{
    if [ -s "$TMP/.out" ]; then fail "stdout is not empty"; else pass; fi
}

expect_nonempty_out()
{
    if [ -s "$TMP/.out" ]; then pass; else fail "stdout is empty"; fi
}

# from_cache: "N M" from the last run's "--stats" line "N of M files from
# the cache" (empty without one).
from_cache()
{
    sed -n 's/^pymem-lint: stats: \([0-9]*\) of \([0-9]*\) files from the cache$/\1 \2/p' "$TMP/.err"
}
expect_cached()
{
    local got
    got=$(from_cache)
    if [ "$got" = "$1" ]; then pass; else fail "from the cache: expected '$1', got '$got'"; fi
}

# warning_lines: the "path:line:col: warning: ..." lines of the last run.
warning_lines()
{
    grep -E '^[^ ].*:[0-9]+:[0-9]+: (warning|error): ' "$TMP/.out" || true
}

# finding_files: the sorted distinct paths with a finding in the last run.
finding_files()
{
    warning_lines | sed -E 's/:[0-9]+:[0-9]+: (warning|error): .*//' | sort -u
}

# expect_files PATH...: exactly these paths have findings (none if no PATH).
expect_files()
{
    local want got
    want=$(printf '%s\n' "$@" | sed '/^$/d' | sort -u | tr '\n' ' ')
    got=$(finding_files | tr '\n' ' ')
    if [ "$want" = "$got" ]; then
        pass
    else
        fail "files with findings: expected [$want], got [$got]"
    fi
}

# expected_findings FILE...: one "file:line:PMLxxx" per expected-warning
# marker in the given files (the examples mark each planted bug that way).
expected_findings()
{
    local f
    for f in "$@"; do
        grep -nE 'expected-warning \{\{\[PML[0-9]+\]\}\}' "$f" |
            sed -E "s|^([0-9]+):.*\\{\\{\\[(PML[0-9]+)\\]\\}\\}.*|$f:\\1:\\2|"
    done
}

# expect_finding FILE LINE ID: the last run reported rule ID at FILE:LINE.
expect_finding()
{
    local file=${1//./\\.}
    expect_out "^$file:$2:[0-9]+: warning: .*\\[$3\\]\$"
}

# write_c PATH: write stdin to PATH, creating its directory.
write_c()
{
    mkdir -p "$(dirname "$1")"
    cat >"$1"
}

# A file with one certain finding: a PyMem block released by PyObject_Free.
BUG_C='#include <Python.h>

void drop(void)
{
    char *p = PyMem_Malloc(8);
    PyObject_Free(p); // expected-warning {{[PML002]}}
}
'
BUG_LINE=6

# A file with nothing to report.
CLEAN_C='#include <Python.h>

int fill(size_t n)
{
    char *p = PyMem_Malloc(n);
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memset(p, 0, n);
    PyMem_Free(p);
    return 0;
}
// expected-no-diagnostics
'

e2e_finish()
{
    if [ "$E2E_FAILS" -ne 0 ]; then
        echo "$(basename "$0"): $E2E_FAILS check(s) failed, $E2E_CHECKS passed"
        exit 1
    fi
    echo "$(basename "$0"): all $E2E_CHECKS checks passed"
    exit 0
}
