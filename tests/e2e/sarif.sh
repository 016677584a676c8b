#!/usr/bin/env bash
# tests/e2e/sarif.sh - machine-readable output: --format sarif validates
# against the official SARIF 2.1.0 schema and carries what GitHub code
# scanning needs (tests/sarif_check.py), its primaryLocationLineHash equals
# GitHub's own, fingerprints survive edits above a finding, odd file names
# become valid URIs, --format json is parseable and complete, and -o
# replaces its file atomically (a failed write leaves the old file).
# Usage: sarif.sh PYMEM_LINT
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"

# a Python that has python3-jsonschema (Debian's, which setup.sh provides)
CHECKER=""
for py in /usr/bin/python3 "$PYTHON3"; do
    if "$py" -c 'import jsonschema' 2>/dev/null; then
        CHECKER=$py
        break
    fi
done
if [ -z "$CHECKER" ]; then
    echo "no python3 with jsonschema (install python3-jsonschema: scripts/setup.sh --deps-only)" >&2
    exit 1
fi

check_sarif()
{
    if "$CHECKER" "$ROOT/tests/sarif_check.py" --srcroot "$1" "$2" > "$TMP/check.out" 2>&1; then
        pass
    else
        fail "$(cat "$TMP/check.out")"
    fi
}

echo "== the example and the whole corpus"
cd "$ROOT"
run --format sarif -o "$TMP/corpus.sarif" examples/spam tests/corpus
expect_rc 1
expect_empty_out
check_sarif "$ROOT" "$TMP/corpus.sarif"
n=$("$PYTHON3" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"][0]["results"]))' "$TMP/corpus.sarif")
text_n=$("$BIN" --no-color examples/spam tests/corpus 2>/dev/null | grep -cE ': (warning|error): ' || true)
if [ "$n" = "$text_n" ] && [ "$n" -gt 400 ]; then pass; else fail "SARIF has $n results, text $text_n"; fi

echo "== odd file names: spaces, quotes, non-ASCII, a backslash"
cd "$TMP"
mkdir -p 'odd dir/ünï"côde'
printf '%s\n' "$BUG_C" > 'odd dir/ünï"côde/a b\c.c'
printf '%s\n' "$BUG_C" > "odd dir/tab	name.c"
run --format sarif -o odd.sarif 'odd dir'
expect_rc 1
check_sarif "$TMP" odd.sarif
expect_file_has()
{
    if grep -q -- "$2" "$1"; then pass; else fail "$1 lacks $2"; fi
}
expect_file_has odd.sarif 'odd%20dir/%C3%BCn%C3%AF%22c%C3%B4de/a%20b%5Cc.c'
expect_file_has odd.sarif '"uriBaseId": "%SRCROOT%"'

echo "== fingerprints survive unrelated edits above the finding"
mkdir -p shift
printf '%s\n' "$BUG_C" > shift/mod.c
run --format sarif -o before.sarif shift
fingerprints()
{
    "$PYTHON3" -c 'import json,sys
r = json.load(open(sys.argv[1]))["runs"][0]["results"]
print(" ".join("%s %s %d" % (x["partialFingerprints"]["pymemLint/v1"],
      x["partialFingerprints"]["primaryLocationLineHash"],
      x["locations"][0]["physicalLocation"]["region"]["startLine"]) for x in r))' "$1"
}
before=$(fingerprints before.sarif)
{ printf '/* a new comment */\n\n#define UNRELATED 1\n'; printf '%s\n' "$BUG_C"; } > shift/mod.c
run --format sarif -o after.sarif shift
after=$(fingerprints after.sarif)
read -r fp1 lh1 line1 <<< "$before"
read -r fp2 lh2 line2 <<< "$after"
if [ "$fp1" = "$fp2" ] && [ "$lh1" = "$lh2" ] && [ "$line2" -eq $((line1 + 3)) ]; then
    pass
else
    fail "fingerprints moved: before [$before], after [$after]"
fi
check_sarif "$TMP" after.sarif

echo "== --format json"
run --format json shift
expect_rc 1
if "$PYTHON3" - "$TMP/.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == 1 and d["tool"]["name"] == "pymem-lint", d
f = d["findings"]
assert len(f) == 1, f
x = f[0]
assert x["rule"] == "PML002" and x["name"] == "mismatched-free", x
assert x["file"] == "shift/mod.c" and x["line"] == 9 and x["column"] == 5, x
assert x["function"] == "drop" and x["severity"] == "warning", x
assert x["notes"] and all({"line", "column", "message"} <= set(n) for n in x["notes"]), x
assert len(x["fingerprint"]) == 16, x
PY
then pass; else fail "the JSON output is not as documented"; fi

echo "== -o replaces atomically; a failed write keeps the old file"
run --format sarif -o keep.sarif shift
expect_rc 1
cp keep.sarif keep.copy
chmod a-w .
run --format sarif -o keep.sarif shift
chmod u+w .
if [ "$(id -u)" -ne 0 ]; then
    expect_rc 2
    expect_err "cannot write 'keep.sarif'"
fi
if cmp -s keep.sarif keep.copy; then pass; else fail "keep.sarif changed"; fi
if ls keep.sarif.tmp.* >/dev/null 2>&1; then fail "a temporary file was left"; else pass; fi
run --format sarif -o no/such/dir/out.sarif shift
expect_rc 2
expect_err "cannot write 'no/such/dir/out.sarif'"

echo "== unknown format"
run --format xml shift
expect_rc 2
expect_err "unknown --format 'xml'"

e2e_finish
