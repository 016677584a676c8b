#!/usr/bin/env bash
# tests/sarif-multitool.sh - validate SARIF files with Microsoft's SARIF
# Multitool and GitHub's ingestion rules (--rule-kind "Gh;Sarif"). Not part
# of the default test run: it needs the 104 MB npm package
# @microsoft/sarif-multitool-linux, installed on first use into
# ${PL_MULTITOOL_DIR:-~/.cache/pymem-lint/multitool}. The Multitool exits 0
# even when it finds problems, so this script counts the results it writes.
# Usage: tests/sarif-multitool.sh FILE.sarif...
# Exit status: 0 no problem, 1 problems, 2 the tool could not run.
set -euo pipefail
dir=${PL_MULTITOOL_DIR:-$HOME/.cache/pymem-lint/multitool}
version=5.7.0
tool=$dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
if [ ! -f "$tool" ]; then
    mkdir -p "$dir"
    (cd "$dir" && npm install --no-audit --no-fund \
        "@microsoft/sarif-multitool-linux@$version" >/dev/null) || {
        echo "sarif-multitool.sh: cannot install the Multitool with npm" >&2
        exit 2
    }
fi
chmod u+x "$tool" # npm's install-scripts policy skips its chmod
status=0
for f in "$@"; do
    out=$(mktemp)
    "$tool" validate "$f" --rule-kind "Gh;Sarif" -o "$out" \
        --log ForceOverwrite >/dev/null
    counts=$(python3 - "$out" <<'PY'
import json, sys, collections
r = json.load(open(sys.argv[1]))["runs"][0].get("results", [])
c = collections.Counter(x.get("level", "warning") for x in r)
print(len(r), c["error"], " ".join("%s:%s" % (x["ruleId"], x["message"].get("text", "")[:80]) for x in r[:5]))
PY
)
    rm -f "$out"
    read -r total errors rest <<< "$counts"
    echo "$f: $total Multitool result(s), $errors error(s) ${rest:+($rest)}"
    [ "$total" -eq 0 ] || status=1
done
exit $status
