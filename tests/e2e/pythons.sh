#!/usr/bin/env bash
# tests/e2e/pythons.sh - the API table and the engine against the headers
# of every Python 3.9 to 3.13 this machine has (pyenv's, or python3.X on
# PATH): each rule's corpus parsed with that Python's headers gives no
# finding that is not expected and no tool error. Expected findings may be
# missing where a file uses an API that version lacks (Py_NewRef before
# 3.10, _PyMem_RawStrdup after 3.12): such a function does not compile and
# is skipped, which the run says on stderr. Exits 77 (skipped) when no
# other Python is found.
# Usage: pythons.sh PYMEM_LINT
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"

found=0
for minor in 9 10 11 12 13; do
    py=""
    for cand in "$HOME"/.pyenv/versions/3."$minor".*/bin/python3 \
                "$(command -v python3."$minor" || true)"; do
        if [ -n "$cand" ] && [ -x "$cand" ] &&
           "$cand" -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null; then
            py=$cand
            break
        fi
    done
    [ -n "$py" ] || continue
    found=$((found + 1))
    echo "== Python 3.$minor: $py"
    wrapper=$TMP/pymem-lint-3.$minor
    printf '#!/bin/sh\nexec "%s" --python "%s" "$@"\n' "$BIN" "$py" > "$wrapper"
    chmod +x "$wrapper"
    # one run per Python (per set of RUN-ARGS), each file still judged by
    # its own comments: 10 times faster than a run per file, which makes
    # the test affordable under Valgrind
    "$PYTHON3" "$ROOT/tests/verify.py" --pymem-lint "$wrapper" --summary \
        --one-run "$ROOT"/tests/corpus/* "$ROOT/examples/spam" > "$TMP/summary-3.$minor" 2>&1 || true
    total=$(grep '^total ' "$TMP/summary-3.$minor" || true)
    echo "   $total"
    # columns: files fail xfail error expected found matched missing unexpected
    read -r _ _ _ _ errors expected _ matched _ unexpected _ <<< "$total"
    if [ -z "$total" ]; then
        fail "3.$minor: no summary"
    elif [ "$errors" != 0 ] || [ "$unexpected" != 0 ]; then
        grep -E 'unexpected|error' "$TMP/summary-3.$minor" | head -20
        fail "3.$minor: $errors tool errors, $unexpected unexpected findings"
    elif [ $((matched * 100)) -lt $((expected * 90)) ]; then
        fail "3.$minor: only $matched of $expected expected findings"
    else
        pass
    fi
done
if [ "$found" -eq 0 ]; then
    echo "no Python 3.9-3.13 with headers besides the default: skipped"
    exit 77
fi
e2e_finish
