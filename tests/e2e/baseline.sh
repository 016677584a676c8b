#!/usr/bin/env bash
# tests/e2e/baseline.sh - --baseline-write records the accepted findings
# in a reviewable file; --baseline then reports only new ones, through
# line shifts and from another working directory; runs with --baseline
# never rewrite the file; a broken baseline is an error naming it.
# Usage: baseline.sh PYMEM_LINT
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"
cd "$TMP"
mkdir -p proj/src
cp "$ROOT"/examples/spam/*.c "$ROOT"/examples/spam/*.h proj/src/
cd proj

echo "== --baseline-write"
run --no-color --baseline-write pymem-lint-baseline.json src
expect_rc 0
expect_empty_out
expect_err "wrote 5 findings to baseline 'pymem-lint-baseline.json'"
if "$PYTHON3" - pymem-lint-baseline.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "pymem-lint baseline" and d["version"] == 1
f = d["findings"]
assert len(f) == 5
assert all(x["file"] in ("src/spam.c", "src/textutil.c") and len(x["fingerprint"]) == 16 for x in f), f
assert sorted(x["rule"] for x in f) == ["PML001", "PML002", "PML003", "PML005", "PML006"], f
PY
then pass; else fail "baseline content"; fi
sum_before=$(sha256sum pymem-lint-baseline.json)

echo "== --baseline: nothing new"
run --no-color --baseline pymem-lint-baseline.json src
expect_rc 0
expect_empty_out
expect_err "5 known findings not shown"

echo "== from another directory"
(cd src && "$BIN" --no-color --baseline ../pymem-lint-baseline.json . > "$TMP/sub.out" 2>&1) && pass || fail "$(cat "$TMP/sub.out")"

echo "== lines shifted above, and one new bug"
{ printf '/* a new header comment */\n\n\n'; cat src/spam.c; } > src/spam.c.new
mv src/spam.c.new src/spam.c
cat >> src/spam.c <<'C'

static void
new_bug(void)
{
    char *p = PyMem_Malloc(8);
    free(p);
}
C
run --no-color --baseline pymem-lint-baseline.json src
expect_rc 1
n=$(warning_lines | wc -l)
if [ "$n" -eq 1 ]; then pass; else fail "expected 1 new finding, got $n"; fi
expect_out 'src/spam\.c:[0-9]+:5: warning: .*released by free.*\[PML002\]$'
expect_err "5 known findings not shown"

echo "== the same with SARIF output"
run --format sarif -o new.sarif --baseline pymem-lint-baseline.json src
expect_rc 1
n=$("$PYTHON3" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"][0]["results"]))' new.sarif)
if [ "$n" -eq 1 ]; then pass; else fail "SARIF has $n results, not 1"; fi

echo "== a fixed finding is counted as gone; the file is never rewritten"
sed -i 's/PyObject_Free(tmp)/PyMem_Free(tmp)/' src/spam.c
run --no-color --baseline pymem-lint-baseline.json src
expect_err "4 known findings not shown; 1 entry is no longer found"
if [ "$(sha256sum pymem-lint-baseline.json)" = "$sum_before" ]; then pass; else fail "the baseline changed"; fi

echo "== a broken or foreign baseline: an error naming it, the file kept"
printf '{"format": "pymem-lint baseline", "version": 1, "findings": [}\n' > broken.json
cp broken.json broken.copy
run --no-color --baseline broken.json src
expect_rc 2
expect_err "invalid baseline 'broken.json': line 1, column [0-9]+"
expect_out '\[PML002\]$' # findings still shown, unfiltered
if cmp -s broken.json broken.copy; then pass; else fail "broken.json changed"; fi
printf '{"findings": []}\n' > foreign.json
run --no-color --baseline foreign.json src
expect_rc 2
expect_err "not a pymem-lint baseline"
run --no-color --baseline missing.json src
expect_rc 2
expect_err "cannot read baseline 'missing.json'"

e2e_finish
