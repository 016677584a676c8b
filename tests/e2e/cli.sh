#!/usr/bin/env bash
# tests/e2e/cli.sh - the command line contract: --help, --version,
# --list-rules, --explain, usage errors, missing paths, a clean file, colour.
# Usage: cli.sh PYMEM_LINT
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"
cd "$TMP"

echo "== --help / -h"
for opt in --help -h; do
    run "$opt"
    expect_rc 0
    expect_out '[Uu]sage'
done

echo "== --version"
run --version
expect_rc 0
expect_out '^pymem-lint [0-9]+\.[0-9]+\.[0-9]+'
if [ -n "${PL_EXPECTED_VERSION:-}" ]; then
    expect_out "^pymem-lint ${PL_EXPECTED_VERSION//./\\.}\$"
fi

echo "== --list-rules"
run --list-rules
expect_rc 0
for rule in PML001:unchecked-alloc PML002:mismatched-free PML003:double-free \
    PML004:use-after-free PML005:leak-on-error-path PML006:leak \
    PML007:realloc-loses-block PML008:no-exception-on-failure \
    PML009:size-overflow PML010:alloc-without-gil PML011:free-non-heap \
    PML012:free-borrowed PML013:api-buffer-leak; do
    expect_out "^${rule%%:*}[[:space:]]+${rule#*:}[[:space:]]+(warning|error)[[:space:]]+[^[:space:]]"
done

echo "== --explain"
run --explain PML005
expect_rc 0
expect_nonempty_out
run --explain leak-on-error-path
expect_rc 0
expect_nonempty_out
for id in PML001 PML002 PML003 PML004 PML005 PML006 PML007 PML008 PML009 \
    PML010 PML011 PML012 PML013; do
    run --explain "$id" # every rule explains with a bad and a fixed example
    expect_rc 0
    expect_out "^Bad:"
    expect_out "^Fixed"
done
n=$("$BIN" --list-rules | wc -l)
if [ "$n" -eq 13 ]; then pass; else fail "--list-rules lists $n rules, not 13"; fi
run --explain PML999
expect_rc 2
expect_err .

echo "== usage errors"
run --no-such-option x.c
expect_rc 2
expect_err 'no-such-option'
expect_empty_out
run
expect_rc 2
expect_err .

echo "== a path that does not exist"
write_c bug.c <<<"$BUG_C"
run --no-color nope.c
expect_rc 2
expect_err "^pymem-lint: error: cannot access 'nope\\.c': No such file or directory\$"
if [ "$(wc -l <"$TMP/.err")" -eq 1 ]; then pass; else fail "stderr is not one line"; fi
echo "   (the other paths are still analyzed)"
run --no-color nope.c bug.c
expect_rc 1 # README: files not analyzed make it 1 when others were
expect_finding bug.c "$BUG_LINE" PML002
expect_err "cannot access 'nope\\.c'"
echo "   (next to a clean file: 1 all the same, the run did not see everything)"
write_c clean0.c <<<"$CLEAN_C"
run --no-color nope.c clean0.c
expect_rc 1
expect_empty_out

echo "== a clean file"
write_c clean.c <<<"$CLEAN_C"
run clean.c
expect_rc 0
expect_empty_out
run --no-color bug.c
expect_rc 1
expect_finding bug.c "$BUG_LINE" PML002
expect_out '^[[:space:]]*\^[[:space:]]*$'

echo "== --no-color"
run --no-color "$ROOT/examples/spam"
expect_rc 1
if grep -q $'\x1b' "$TMP/.out" "$TMP/.err"; then fail "ESC in --no-color output"; else pass; fi
# Colour is only ever used on a terminal: run on a pseudo-terminal too.
if command -v script >/dev/null 2>&1; then
    for how in "--no-color" "NO_COLOR=1"; do
        if [ "$how" = "--no-color" ]; then
            cmd="$(printf '%q' "$BIN") --no-color $(printf '%q' "$ROOT/examples/spam")"
        else
            cmd="NO_COLOR=1 $(printf '%q' "$BIN") $(printf '%q' "$ROOT/examples/spam")"
        fi
        LAST_CMD="script -qefc '$cmd' /dev/null"
        RC=0
        env -u NO_COLOR script -qefc "$cmd" /dev/null </dev/null >"$TMP/.out" 2>"$TMP/.err" || RC=$?
        expect_rc 1
        if grep -q $'\x1b' "$TMP/.out"; then fail "ESC on a terminal with $how"; else pass; fi
        expect_out 'warning: .*\[PML00[1-6]\]'
    done
else
    echo "   (script(1) not installed: terminal checks skipped)"
fi

echo "== a progress line on a terminal, none otherwise"
if command -v script >/dev/null 2>&1; then
    env -u CI PYMEM_LINT_NO_CACHE=1 script -qec "'$BIN' --no-color '$ROOT/examples/spam'" /dev/null > "$TMP/pty.out" 2>&1 || true
    if grep -aq 'pymem-lint: 2/2 files, [0-9]* findings' "$TMP/pty.out"; then pass; else fail "no progress line on a terminal: $(tr '\r' '\n' < "$TMP/pty.out" | head -5)"; fi
fi
run --no-color "$ROOT/examples/spam"
if grep -q 'files, ' "$TMP/.err"; then fail "a progress line when stderr is a file"; else pass; fi

e2e_finish
