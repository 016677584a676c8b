#!/usr/bin/env bash
# tests/e2e/watchdog.sh - a file that crashes or hangs the analysis is
# given up, reported in one line naming it, and the rest of the run goes
# on: its findings, the output file, the store. The faults are a SIGSEGV
# and a real stack overflow in pymem-lint's own code and a loop without
# end (PYMEM_LINT_TEST_FAULT, watchdog.c), a PCH build that never ends
# while another file waits for it, and two hostile inputs that act
# on libclang itself: '#pragma clang __debug crash' (libclang's own crash
# recovery) and '#pragma clang __debug overflow_stack' (a loop without
# end inside libclang's parse: only the time limit ends it).
# Usage: watchdog.sh PYMEM_LINT
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"
cd "$TMP"
unset PYMEM_LINT_FILE_TIMEOUT
mkdir -p src
printf '%s' "$BUG_C" > src/a_good.c
printf '%s' "$BUG_C" > src/bad.c
printf '%s' "$BUG_C" > src/z_good.c

# A run that gave up a file exits with 1 (the other files were analyzed),
# as for findings; 2 only when no file at all was.

# given_up FILE REASON_ERE: exactly one error line, naming FILE
given_up()
{
    local n
    n=$(grep -c "^pymem-lint: error: cannot analyze '$1': " "$TMP/.err" || true)
    if [ "$n" -eq 1 ]; then pass; else fail "$n error lines name $1, not 1"; fi
    expect_err "^pymem-lint: error: cannot analyze '$1': $2"
}

# the good files' findings, and nothing from the bad one
expect_good_files()
{
    expect_files src/a_good.c src/z_good.c
    expect_finding src/a_good.c "$BUG_LINE" PML002
    expect_finding src/z_good.c "$BUG_LINE" PML002
}

echo "== a SIGSEGV in pymem-lint's analysis of one file"
for jobs in 1 2; do
    PYMEM_LINT_TEST_FAULT=bad.c:segv run --no-cache -j "$jobs" src
    expect_rc 1
    given_up src/bad.c 'pymem-lint crashed on it \(Segmentation fault\); this is a bug'
    expect_good_files
done

echo "== a file that never ends: given up after --file-timeout"
# the good files must fit in the limit: under Valgrind one takes 10-20 s
limit=2
if [ -n "${PL_MEMCHECK:-}" ]; then
    limit=90
fi
start=$(date +%s)
PYMEM_LINT_TEST_FAULT=bad.c:hang run --no-cache -j 2 --file-timeout "$limit" src
took=$(($(date +%s) - start))
expect_rc 1
given_up src/bad.c "no result after $limit s \\(the limit set by --file-timeout\\); given up"
expect_good_files
if [ "$took" -lt $((limit + 58)) ]; then pass; else fail "the run took ${took}s"; fi
# the environment sets the same limit; the option wins over it
PYMEM_LINT_FILE_TIMEOUT=2 PYMEM_LINT_TEST_FAULT=bad.c:hang run --no-cache src
given_up src/bad.c 'no result after 2 s'
PYMEM_LINT_FILE_TIMEOUT=1000 PYMEM_LINT_TEST_FAULT=bad.c:hang \
    run --no-cache --file-timeout 1 src
given_up src/bad.c 'no result after 1 s'
run --file-timeout never src
expect_rc 2
expect_err "invalid --file-timeout 'never'"

echo "== a file given up while it builds the PCH that others wait for"
# the first file to ask builds the PCH (--pch-dir) and hangs there; the
# file waiting for that PCH parses without it once the builder is given
# up, rather than waiting out its own time limit (it once did)
mkdir -p shared
for i in 1 2 3; do printf '%s' "$BUG_C" > "shared/p$i.c"; done
start=$(date +%s)
PYMEM_LINT_TEST_FAULT=.c:pch-hang run --no-cache -j 2 --file-timeout "$limit" \
    --pch-dir "$TMP/pch" shared
took=$(($(date +%s) - start))
expect_rc 1
n=$(grep -c "^pymem-lint: error: cannot analyze 'shared/p[123].c': no result after $limit s" "$TMP/.err" || true)
if [ "$n" -eq 1 ]; then pass; else fail "$n files given up, expected only the PCH's builder"; fi
found=$(grep -c "^shared/p[123].c:$BUG_LINE:.*\[PML002\]" "$TMP/.out" || true)
if [ "$found" -eq 2 ]; then pass; else fail "$found of the 2 other files have their finding"; fi
if [ "$took" -lt $((limit + 58)) ]; then pass; else fail "the run took ${took}s"; fi

echo "== the output file and the store after a given-up file"
PYMEM_LINT_TEST_FAULT=bad.c:segv run --db "$TMP/store.db" --format sarif -o out.sarif src
expect_rc 1
if "$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(len(d["runs"][0]["results"]) != 2)' out.sarif; then
    pass
else
    fail "out.sarif is not valid SARIF with the 2 good files' results"
fi
# the next run, without the fault: the crashed file was not stored as
# analyzed, so it is analyzed now and its finding appears
run --db "$TMP/store.db" --stats src
expect_rc 1
expect_files src/a_good.c src/bad.c src/z_good.c
expect_err 'stats: 2 of 3 files from the cache'

echo "== more files that never end than the run will give up"
mkdir -p many
for i in $(seq -w 1 19); do printf '%s' "$BUG_C" > "many/hang$i.c"; done
PYMEM_LINT_TEST_FAULT=.c:hang run --no-cache -j 2 --file-timeout 1 many
expect_rc 2 # not one file analyzed
n=$(grep -c "no result after 1 s" "$TMP/.err" || true)
m=$(grep -Ec "not started, 1[67] files were given up already" "$TMP/.err" || true)
# 16, and the one the other worker was on then (all 19 files hang)
if [ "$n" -ge 16 ] && [ "$n" -le 17 ] && [ "$((n + m))" -eq 19 ]; then
    pass
else
    fail "$n files given up and $m not started, expected 16 or 17 and 19 in all"
fi

echo "== a real stack overflow in pymem-lint's own code"
PYMEM_LINT_TEST_FAULT=bad.c:overflow run --no-cache -j 2 --file-timeout 120 src
expect_rc 1
given_up src/bad.c 'the analysis ran out of stack \(code nested too deep\?\); given up'
expect_good_files

echo "== hostile input that works on libclang itself"
cat > src/bad.c <<'C'
#pragma clang __debug crash
int f(void) { return 0; }
C
run --no-cache -j 2 src
expect_rc 1
given_up src/bad.c 'libclang crashed while parsing'
expect_good_files
cat > src/bad.c <<'C'
#pragma clang __debug overflow_stack
int f(void) { return 0; }
C
start=$(date +%s)
run --no-cache -j 2 --file-timeout $((limit + 1)) src
took=$(($(date +%s) - start))
expect_rc 1
# libclang 19 loops there; another build may overflow its stack instead
given_up src/bad.c "(no result after $((limit + 1)) s|libclang crashed while parsing)"
expect_good_files
if [ "$took" -lt $((limit + 58)) ]; then pass; else fail "the run took ${took}s"; fi

e2e_finish
