#!/usr/bin/env bash
# tests/e2e/validate-blind1.sh - 'pymem-lint validate' on blindmod
# (tests/runtime/blind1), an extension with its own unittest suite written
# from the rule catalog alone by an author who saw none of pymem-lint's code.
# Its '// BUG PMLxxx reached|unreached' comments are the truth: every
# reached bug is confirmed (or, where the analysis has no finding, named
# among the misuse the hook saw that no finding names), every unreached one
# is not-reached, and no other line is confirmed.
# Usage: validate-blind1.sh PYMEM_LINT   (env: PL_BLIND1_DIR PL_VICTIM_PYTHON)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"

SRC=$ROOT/tests/runtime/blind1
if ! compgen -G "${PL_BLIND1_DIR:-/nonexistent}/blindmod*.so" >/dev/null; then
    echo "SKIP: blindmod was not built (no Python development headers?)"
    exit 77
fi
PY=${PL_VICTIM_PYTHON:-python3}
cd "$TMP"
run validate --db "$TMP/cache.db" --format json -o verdicts.json -j 2 "$SRC" -- \
    "$PY" "$SRC/test_blindmod.py" --module-dir "$PL_BLIND1_DIR"
expect_rc 1
expect_err '^pymem-lint: validate: plain run: exit 0'
if "$PYTHON3" - "$SRC" verdicts.json "$TMP/.err" <<'PY'; then pass; else fail "blindmod verdicts"; fi
import json, os, re, sys
src, verdicts, err = sys.argv[1:4]
bugs = {}
for name in sorted(os.listdir(src)):
    if name.endswith(".c"):
        for n, line in enumerate(open(os.path.join(src, name)), 1):
            m = re.search(r"// BUG (PML\d+) (reached|unreached)", line)
            if m:
                bugs[(name, n)] = (m.group(1), m.group(2))
found = {(os.path.basename(f["file"]), f["line"]): f
         for f in json.load(open(verdicts))["findings"]}
unclaimed = set()
for line in open(err):
    m = re.match(r"(\S+):(\d+): [a-z-]+: ", line)
    if m:
        unclaimed.add((os.path.basename(m.group(1)), int(m.group(2))))
bad = 0
confirmed = seen_by_hook = unreached_ok = 0
for key, (rule, reach) in sorted(bugs.items()):
    f = found.get(key)
    verdict = f["verdict"]["result"] if f and "verdict" in f else None
    if reach == "reached":
        if verdict == "confirmed":
            confirmed += 1
        elif f is None and key in unclaimed:
            seen_by_hook += 1
            print(f"  {key[0]}:{key[1]} {rule}: no finding; the hook named it")
        else:
            bad += 1
            print(f"  {key[0]}:{key[1]} {rule} reached: verdict {verdict}")
    else:
        if verdict in (None, "not-reached"):
            unreached_ok += 1
        else:
            bad += 1
            print(f"  {key[0]}:{key[1]} {rule} unreached: verdict {verdict}")
for key, f in sorted(found.items()):
    if key not in bugs and f.get("verdict", {}).get("result") == "confirmed":
        bad += 1
        print(f"  {key[0]}:{key[1]} {f['rule']}: confirmed, but no bug is planted there")
reached = sum(1 for r in bugs.values() if r[1] == "reached")
print(f"  {len(bugs)} planted bugs ({reached} reached): {confirmed} confirmed, "
      f"{seen_by_hook} seen by the hook without a finding, "
      f"{unreached_ok} unreached ones not confirmed; {bad} wrong")
sys.exit(1 if bad or not bugs else 0)
PY
e2e_finish
