#!/usr/bin/env bash
# tests/bench/run-tree.sh - time pymem-lint against the libclang parse-only
# floor on a source tree the user already has, in one run, interleaved.
# usage: tests/bench/run-tree.sh BUILD_DIR TREE [REPETITIONS] [-- PYMEM-LINT ARGS]
# Both tools run single-threaded (-j 1) so the ratio compares like with like.
set -euo pipefail
build=${1:?usage: run-tree.sh BUILD_DIR TREE [REPETITIONS] [-- ARGS]}
tree=${2:?usage: run-tree.sh BUILD_DIR TREE [REPETITIONS] [-- ARGS]}
reps=${3:-3}
shift $(( $# < 3 ? $# : 3 ))
[ "${1:-}" = "--" ] && shift
extra=("$@")
now() { date +%s.%N; }
floor_times=() lint_times=()
for ((r = 1; r <= reps; r++)); do
    t0=$(now)
    "$build/tests/bench/parse-floor" "${extra[@]}" "$tree" > /tmp/parse-floor.out 2>&1 || true
    t1=$(now)
    "$build/pymem-lint" --no-color -j 1 --stats "${extra[@]}" "$tree" > /tmp/pymem-lint.out 2> /tmp/pymem-lint.err || true
    t2=$(now)
    floor_times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')")
    lint_times+=("$(awk -v a="$t1" -v b="$t2" 'BEGIN {print b - a}')")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
f=$(median "${floor_times[@]}")
l=$(median "${lint_times[@]}")
echo "files:           $(grep -o '[0-9]* files parsed' /tmp/parse-floor.out)"
echo "parse-only:      ${f}s (median of $reps)"
echo "pymem-lint:      ${l}s (median of $reps)"
echo "ratio:           $(awk -v l="$l" -v f="$f" 'BEGIN {printf "%.2f", l / f}')"
echo "findings:        $(grep -c 'warning: .*\[PML' /tmp/pymem-lint.out || true)"
tail -n 1 /tmp/pymem-lint.err
