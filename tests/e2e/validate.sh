#!/usr/bin/env bash
# tests/e2e/validate.sh - 'pymem-lint validate' on pmvictim, a real
# extension module of deliberate bugs built against the system's Python
# (tests/runtime/victim): every finding gets the verdict its
# 'verdict=...' comment in victim.c names (the bugs the script runs are
# confirmed, the function it never calls is not-reached); the verdicts are
# kept in the store and shown by later plain runs (text, JSON, SARIF with
# confirmed results raised to error); a command that cannot run, a missing
# '--' and a run past --timeout are handled.
# Usage: validate.sh PYMEM_LINT   (env: PL_RUNTIME_DIR PL_VICTIM_DIR PL_VICTIM_PYTHON)
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"

VICTIM_SRC=$ROOT/tests/runtime/victim
if ! compgen -G "${PL_VICTIM_DIR:-/nonexistent}/pmvictim*.so" >/dev/null; then
    echo "SKIP: pmvictim was not built (no Python development headers?)"
    exit 77
fi
PY=${PL_VICTIM_PYTHON:-python3}
cd "$TMP"
cp "$VICTIM_SRC/victim.c" victim.c

# ---- validate: the verdicts match the source's verdict= comments ----
run validate --db "$TMP/db/cache.db" --format json -o verdicts.json \
    --keep-runs "$TMP/runs" -j 2 victim.c -- \
    "$PY" "$VICTIM_SRC/exercise.py" --module-dir "$PL_VICTIM_DIR"
expect_rc 1
expect_err '^pymem-lint: validate: plain run: exit 0'
expect_err '^pymem-lint: validate: 15 findings: 14 confirmed, 0 not reproduced, 1 not reached, 0 not exercisable'
if "$PYTHON3" - victim.c verdicts.json <<'PY'; then pass; else fail "verdicts differ from the verdict= comments"; fi
import json, re, sys
want = {}
for n, line in enumerate(open(sys.argv[1]), 1):
    m = re.search(r"expected-warning \{\{\[(PML\d+)\]\}\}\s+verdict=([\w-]+)", line)
    if m:
        want[n] = (m.group(1), m.group(2))
got = {f["line"]: (f["rule"], f["verdict"]["result"])
       for f in json.load(open(sys.argv[2]))["findings"] if "verdict" in f}
bad = 0
for line in sorted(set(want) | set(got)):
    if want.get(line) != got.get(line):
        print(f"  line {line}: expected {want.get(line)}, got {got.get(line)}")
        bad += 1
print(f"  {len(want)} expected verdicts, {len(got)} given, {bad} wrong")
sys.exit(1 if bad or not want else 0)
PY
# the evidence names what happened
if grep -q 'the tests crashed (SIGSEGV) after the allocation at victim.c:[0-9]* was made to fail' verdicts.json &&
    grep -q 'SystemError (a NULL result with no exception)' verdicts.json &&
    grep -q 'still live at exit after the allocation at victim.c:[0-9]* was made to fail (plain run: 0)' verdicts.json; then
    pass
else
    fail "evidence for PML001, PML008 or PML005 missing from verdicts.json"
fi
# each run kept its records and output
if [ -s "$TMP/runs/run-0/output.txt" ] && compgen -G "$TMP/runs/run-0/pymemrt.*.jsonl" >/dev/null; then
    pass
else
    fail "--keep-runs did not keep run-0's output and records"
fi

# the hook's reports of every run are kept in the store
if "$PYTHON3" - "$TMP/db/cache.db" <<'PY'; then pass; else fail "runtime_reports in the store"; fi
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT run, event, kind FROM runtime_reports").fetchall()
plain = {k for r, e, k in rows if r == 0 and e == "error"}
faults = {r for r, e, k in rows if e == "fault"}
print(f"  {len(rows)} rows; plain-run error kinds {sorted(plain)}; fault runs {sorted(faults)}")
sys.exit(0 if {"double-free", "wrong-domain", "no-gil", "libc-free"} <= plain
         and len(faults) >= 4 else 1)
PY

# ---- the hook reaches child processes: the tests run in a subprocess ----
run validate --db "$TMP/child.db" --format json -o child.json victim.c -- \
    "$PY" -c 'import subprocess, sys; sys.exit(subprocess.call([sys.executable] + sys.argv[1:]))' \
    "$VICTIM_SRC/exercise.py" --module-dir "$PL_VICTIM_DIR"
expect_rc 1
expect_err '^pymem-lint: validate: 15 findings: 14 confirmed, 0 not reproduced, 1 not reached'
expect_err '^pymem-lint: validate: plain run: exit 0, [0-9.]+ s, 2 processes with the hook'

# ---- later plain runs show the stored verdicts ----
run --no-color --db "$TMP/db/cache.db" victim.c
expect_rc 1
expect_out '^victim\.c:[0-9]+:[0-9]+: note: validated by running: confirmed: the hook saw it: PyMem_Free of a block already released'
expect_out '^victim\.c:[0-9]+:[0-9]+: note: validated by running: not-reached: the tests never ran this allocation$'
run --format sarif --db "$TMP/db/cache.db" victim.c
if "$PYTHON3" - "$TMP/.out" <<'PY'; then pass; else fail "SARIF verdicts"; fi
import json, sys
results = json.load(open(sys.argv[1]))["runs"][0]["results"]
verdicts = [r.get("properties", {}).get("pymemLint/verdict") for r in results]
levels = {r["level"] for r in results
          if r.get("properties", {}).get("pymemLint/verdict") == "confirmed"}
ok = verdicts.count("confirmed") == 14 and verdicts.count("not-reached") == 1 \
    and levels == {"error"} and all(
        r["level"] == "warning" for r in results
        if r["properties"]["pymemLint/verdict"] != "confirmed")
print("  SARIF:", verdicts.count("confirmed"), "confirmed, levels", levels)
sys.exit(0 if ok else 1)
PY
if [ -f "$ROOT/tests/sarif_check.py" ] && /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
    cp "$TMP/.out" verdicts.sarif
    if /usr/bin/python3 "$ROOT/tests/sarif_check.py" verdicts.sarif >"$TMP/check.txt" 2>&1; then
        pass
    else
        fail "SARIF with verdicts is not valid: $(cat "$TMP/check.txt")"
    fi
fi
# the verdicts follow a finding when its line moves
{ printf '/* a new first line */\n'; cat victim.c; } > moved.c && mv moved.c victim.c
run --no-color --db "$TMP/db/cache.db" victim.c
if [ "$(grep -c 'validated by running: confirmed' "$TMP/.out")" = 14 ]; then
    pass
else
    fail "verdicts lost when the lines moved"
fi

# ---- bad invocations ----
run validate --db "$TMP/db/cache.db" victim.c
expect_rc 2
expect_err 'usage: pymem-lint validate'
run validate --db "$TMP/db/cache.db" victim.c -- ./no-such-command
expect_rc 2
expect_err "cannot run './no-such-command'"
run --timeout 5 victim.c
expect_rc 2
expect_err "'--timeout' goes with 'pymem-lint validate'"
# a run past the time limit is stopped, and said so
start=$(date +%s)
run validate --db "$TMP/db2.db" --timeout 2 victim.c -- "$PY" -c 'import time; time.sleep(60)'
took=$(( $(date +%s) - start ))
expect_err 'plain run: timed out after [0-9]+ s'
if [ "$took" -lt 30 ]; then pass; else fail "--timeout 2 took ${took}s"; fi

e2e_finish
