#!/usr/bin/env bash
# tests/e2e/shard.sh - --shard K/N splits the files into N stable,
# disjoint parts that cover the tree; 'pymem-lint merge' combines the
# parts' SARIF files into one with the same results as an unsharded run,
# valid SARIF; bad shard specs and bad inputs are errors.
# Usage: shard.sh PYMEM_LINT
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"
cd "$ROOT"

echo "== three shards cover the corpus once"
: > "$TMP/files"
for k in 1 2 3; do
    run --no-color --format json --shard "$k/3" tests/corpus
    "$PYTHON3" -c 'import json,sys; [print(f["file"]) for f in json.load(open(sys.argv[1]))["findings"]]' "$TMP/.out" | sort -u >> "$TMP/files"
    run --format sarif -o "$TMP/part$k.sarif" --shard "$k/3" tests/corpus
done
run --no-color --format json tests/corpus
"$PYTHON3" -c 'import json,sys; [print(f["file"]) for f in json.load(open(sys.argv[1]))["findings"]]' "$TMP/.out" | sort -u > "$TMP/all-files"
if [ "$(sort "$TMP/files")" = "$(cat "$TMP/all-files")" ]; then pass; else fail "the shards' files differ from the whole run's"; fi
if [ "$(sort "$TMP/files" | uniq -d | wc -l)" -eq 0 ]; then pass; else fail "a file is in two shards"; fi

echo "== the same shard twice: the same files"
run --no-color --format json --shard 2/3 tests/corpus
cp "$TMP/.out" "$TMP/again1"
run --no-color --format json --shard 2/3 tests/corpus
if cmp -s "$TMP/again1" "$TMP/.out"; then pass; else fail "shard 2/3 changed between runs"; fi

echo "== merge"
run --format sarif -o "$TMP/whole.sarif" tests/corpus
run merge -o "$TMP/merged.sarif" "$TMP/part1.sarif" "$TMP/part2.sarif" "$TMP/part3.sarif"
expect_rc 0
if "$PYTHON3" - "$TMP/whole.sarif" "$TMP/merged.sarif" <<'PY'
import json, sys
def keys(p):
    run = json.load(open(p))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    out = []
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"], r
        loc = r["locations"][0]["physicalLocation"]
        out.append((loc["artifactLocation"]["uri"], loc["region"]["startLine"],
                    r["ruleId"], r["partialFingerprints"]["pymemLint/v1"]))
    return sorted(out)
a, b = keys(sys.argv[1]), keys(sys.argv[2])
assert a == b, (len(a), len(b))
PY
then pass; else fail "merged results differ from the whole run"; fi
for py in /usr/bin/python3 "$PYTHON3"; do
    if "$py" -c 'import jsonschema' 2>/dev/null; then
        if "$py" "$ROOT/tests/sarif_check.py" --srcroot "$ROOT" "$TMP/merged.sarif" > "$TMP/check.out"; then pass; else fail "$(cat "$TMP/check.out")"; fi
        break
    fi
done

echo "== errors"
run --shard 4/3 tests/corpus
expect_rc 2
expect_err "invalid --shard '4/3'"
run --shard x tests/corpus
expect_rc 2
echo '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "other"}}, "results": []}]}' > "$TMP/other.sarif"
run merge -o "$TMP/bad.sarif" "$TMP/part1.sarif" "$TMP/other.sarif"
expect_rc 2
expect_err "is not a SARIF 2.1.0 file of pymem-lint"
if [ -e "$TMP/bad.sarif" ]; then fail "merge wrote a file after an error"; else pass; fi

e2e_finish
