#!/usr/bin/env bash
# tests/e2e/store.sh - the sqlite store: the second run over an unchanged
# tree takes every file's results from the cache and prints the same;
# changing a header re-analyzes exactly the files that include it;
# touching it without a change does not; new flags, rules or
# configuration re-analyze; the database is a WAL-mode sqlite file with a
# schema version; a foreign or newer database is left alone and the run
# goes on without it, an older one has its cache rebuilt and its history
# kept; a file put back with its old size and mtime, or a row changed
# behind our back, is not served; 'pymem-lint stats' shows the history.
# Usage: store.sh PYMEM_LINT
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"
cd "$TMP"
unset PYMEM_LINT_NO_CACHE
mkdir -p proj/src proj/other
cp "$ROOT"/examples/spam/*.c "$ROOT"/examples/spam/*.h proj/src/
printf '%s\n' "$BUG_C" > proj/other/alone.c
cd proj
git init -q . # the project root, where the default store lives


echo "== first run: everything analyzed, the store created"
run --no-color --stats src other
expect_rc 1
expect_cached "0 3"
cp "$TMP/.out" first.out
if [ -f .pymem-lint/cache.db ]; then pass; else fail "no .pymem-lint/cache.db"; fi
if "$PYTHON3" - .pymem-lint/cache.db <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
assert db.execute("PRAGMA user_version").fetchone()[0] == 1
rows = db.execute("SELECT path FROM results ORDER BY path").fetchall()
assert [r[0] for r in rows] == ["other/alone.c", "src/spam.c", "src/textutil.c"], rows
assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
PY
then pass; else fail "store content"; fi

echo "== second run: all from the cache, the same output"
run --no-color --stats src other
expect_rc 1
expect_cached "3 3"
if cmp -s first.out "$TMP/.out"; then pass; else fail "the output changed"; fi

echo "== a header changed: its includers only"
echo '/* changed */' >> src/textutil.h
run --no-color --stats src other
expect_cached "1 3"
if cmp -s first.out "$TMP/.out"; then pass; else fail "the output changed"; fi
grep -l textutil.h src/*.c | wc -l | grep -q '^2$' && pass || fail "both spam.c and textutil.c include textutil.h"

echo "== touched without a change: still cached"
touch src/textutil.h src/spam.c
run --no-color --stats src other
expect_cached "3 3"

echo "== a header changed, then put back with its old size and mtime (cp -p, tar)"
touch -r src/textutil.h stamp
sed -i 's|/\* changed \*/|/* chanGed */|' src/textutil.h # the same size
touch -r stamp src/textutil.h
run --no-color --stats src other
expect_cached "1 3" # its ctime is new: hashed, found changed
run --no-color --stats src other
expect_cached "3 3"

echo "== a stored result changed behind its back: a miss, not a wrong answer"
"$PYTHON3" - .pymem-lint/cache.db <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = db.execute("UPDATE results SET result = replace(result, '\"line\":', '\"line\":1')"
               " WHERE path = 'src/spam.c'").rowcount
assert n == 1, n
db.commit()
PY
run --no-color --stats src other
expect_cached "2 3"
if cmp -s first.out "$TMP/.out"; then pass; else fail "the changed result was shown"; fi

echo "== the file itself changed"
printf '\n' >> other/alone.c
run --no-color --stats src other
expect_cached "2 3"

echo "== other flags, rules or configuration: analyzed again"
run --no-color --stats --extra-arg=-DSOMETHING src other
expect_cached "0 3"
run --no-color --stats --disable PML009 src other
expect_cached "0 3"
run --no-color --stats --disable PML009 src other
expect_cached "3 3"
printf '{"disable": ["PML009"]}\n' > .pymem-lint.json
run --no-color --stats src other
expect_cached "0 3"

echo "== --no-cache and --db"
run --no-color --stats --no-cache src
expect_cached "0 2"
run --no-color --stats --db "$TMP/elsewhere.db" src
expect_cached "0 2"
if [ -f "$TMP/elsewhere.db" ]; then pass; else fail "--db did not create its file"; fi

echo "== stats"
run stats
expect_rc 0
expect_out '^run \(UTC\) +files analyzed findings  by rule$'
n=$(grep -c '"PML002"' "$TMP/.out" || true)
if [ "$n" -ge 8 ]; then pass; else fail "history has $n runs with PML002"; fi

echo "== a foreign file where the store should be: left alone, the run goes on"
head -c 4096 /dev/urandom > "$TMP/junk.db"
cp "$TMP/junk.db" "$TMP/junk.copy"
run --no-color --db "$TMP/junk.db" src
expect_rc 1
expect_err "cannot use the cache '.*junk\.db'.*running without it"
expect_out '\[PML002\]$'
if cmp -s "$TMP/junk.db" "$TMP/junk.copy"; then pass; else fail "junk.db was changed"; fi

echo "== a store from a newer pymem-lint: left alone"
"$PYTHON3" -c 'import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); db.execute("PRAGMA user_version=99"); db.commit()' "$TMP/newer.db"
run --no-color --db "$TMP/newer.db" src
expect_rc 1
expect_err "written by a newer pymem-lint"
v=$("$PYTHON3" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA user_version").fetchone()[0])' "$TMP/newer.db")
if [ "$v" = 99 ]; then pass; else fail "newer.db changed to version $v"; fi

echo "== a store from before schema versions: the cache rebuilt, the history kept"
run --no-color --db "$TMP/older.db" src
"$PYTHON3" - "$TMP/older.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA user_version=0")
db.execute("DROP TABLE results")
db.execute("CREATE TABLE results (path TEXT PRIMARY KEY, key TEXT, result TEXT)")
db.commit()
PY
run --no-color --stats --db "$TMP/older.db" src
expect_rc 1
expect_err "older.db' has results in an older layout: rebuilding them"
expect_cached "0 2"
run --no-color --stats --db "$TMP/older.db" src
expect_cached "2 2"
n=$("$PYTHON3" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM runs").fetchone()[0])' "$TMP/older.db")
if [ "$n" = 3 ]; then pass; else fail "the history has $n runs, expected 3"; fi

e2e_finish
