#!/usr/bin/env bash
# tests/e2e/jobs.sh - parallel runs (-j N) print exactly what -j 1 prints,
# sorted by path, line and column.
# Usage: jobs.sh PYMEM_LINT
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"
cd "$TMP"

# A tree with more files than jobs: copies of the example under several dirs.
for d in alpha beta gamma delta epsilon; do
    mkdir -p "tree/$d"
    cp "$ROOT"/examples/spam/*.c "$ROOT"/examples/spam/*.h "tree/$d/"
done
write_c tree/zeta/clean.c <<<"$CLEAN_C"

compare_jobs()
{
    local dir=$1 j
    run --no-color -j 1 "$dir"
    expect_rc 1
    cp "$TMP/.out" "$TMP/j1.out"
    local rc1=$RC
    if [ -n "$(warning_lines)" ]; then pass; else fail "no findings on $dir"; fi
    # sorted by path, then line, then column
    if warning_lines | cut -d: -f1-3 | sort -t: -k1,1 -k2,2n -k3,3n -c 2>/dev/null; then
        pass
    else
        fail "-j 1 findings are not sorted by path, line, column"
    fi
    for j in 2 4; do
        run --no-color -j "$j" "$dir"
        if [ "$RC" -eq "$rc1" ] && cmp -s "$TMP/j1.out" "$TMP/.out"; then
            pass
        else
            fail "-j $j output differs from -j 1 on $dir"
            diff "$TMP/j1.out" "$TMP/.out" | head -20 || true
        fi
    done
}

echo "== examples/"
cd "$ROOT"
compare_jobs examples
echo "== a tree of 11 files"
cd "$TMP"
compare_jobs tree

e2e_finish
