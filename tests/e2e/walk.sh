#!/usr/bin/env bash
# tests/e2e/walk.sh - directory walks: *.c files found recursively, hidden and
# build directories skipped, --exclude honoured (path and basename globs).
# Usage: walk.sh PYMEM_LINT
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"
cd "$TMP"

for f in proj/a.c proj/sub/d.c proj/sub/deeper/e.c proj/build/b.c \
    proj/_build/b.c proj/.hidden/c.c proj/sub/.git/c.c \
    proj/node_modules/m.c proj/__pycache__/p.c; do
    write_c "$f" <<<"$BUG_C"
done
write_c proj/sub/notes.txt <<<"$BUG_C"
write_c proj/sub/header.h <<<"$BUG_C"

echo "== walk skips hidden and build directories, and non-.c files"
run --no-color proj
expect_rc 1
expect_files proj/a.c proj/sub/d.c proj/sub/deeper/e.c
expect_finding proj/a.c "$BUG_LINE" PML002

echo "== a file named explicitly is analyzed even under build/"
run --no-color proj/build/b.c
expect_rc 1
expect_files proj/build/b.c

echo "== --exclude on the basename"
run --no-color --exclude d.c proj
expect_rc 1
expect_files proj/a.c proj/sub/deeper/e.c

echo "== --exclude on the path"
run --no-color --exclude '*/sub/*' proj
expect_rc 1
expect_files proj/a.c

echo "== --exclude a directory name"
run --no-color --exclude deeper proj
expect_rc 1
expect_files proj/a.c proj/sub/d.c

echo "== --exclude is repeatable; nothing left means exit 0"
run --no-color --exclude a.c --exclude 'sub' proj
expect_rc 0
expect_empty_out

echo "== a file reached under two names is analyzed once, under the first"
mkdir -p twice/vendor
printf '%s' "$BUG_C" > twice/vendor/real.c
ln -s vendor/real.c twice/alias.c
ln twice/vendor/real.c twice/hard.c
run --no-color twice
expect_rc 1
expect_files twice/alias.c
n=$(warning_lines | wc -l)
if [ "$n" -eq 1 ]; then pass; else fail "$n findings for one bug"; fi
run --no-color twice/vendor/real.c twice
expect_files twice/vendor/real.c
n=$(warning_lines | wc -l)
if [ "$n" -eq 1 ]; then pass; else fail "$n findings for one bug"; fi

e2e_finish
