#!/usr/bin/env bash
# tests/e2e/example.sh - pymem-lint on examples/spam reports exactly the
# planted bugs (one per `expected-warning {{[PMLxxx]}}` marker) and exits 1.
# Usage: example.sh PYMEM_LINT
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"
cd "$ROOT"

mapfile -t want < <(expected_findings examples/spam/*.c)
ids=$(printf '%s\n' "${want[@]}" | sed 's/.*://' | sort | tr '\n' ' ')
if [ "$ids" = "PML001 PML002 PML003 PML005 PML006 " ]; then
    pass
else
    fail "examples/spam should mark one bug each of PML001-003,005,006, marks: $ids"
fi

for args in "examples/spam" "examples/spam/" "examples/spam/spam.c examples/spam/textutil.c"; do
    echo "== pymem-lint --no-color $args"
    # shellcheck disable=SC2086 # split the path list on purpose
    run --no-color $args
    expect_rc 1
    for w in "${want[@]}"; do
        IFS=: read -r file line id <<<"$w"
        # a trailing slash may or may not be kept in the printed path
        expect_out "^examples/spam/+${file#examples/spam/}:$line:[0-9]+: warning: .*\\[$id\\]\$"
    done
    n=$(warning_lines | wc -l)
    if [ "$n" -eq "${#want[@]}" ]; then
        pass
    else
        fail "expected ${#want[@]} findings, got $n"
    fi
done

echo "== absolute paths stay absolute"
run --no-color "$ROOT/examples/spam/spam.c"
expect_rc 1
expect_out "^${ROOT//./\\.}/examples/spam/spam\\.c:[0-9]+:[0-9]+: warning: "

e2e_finish
