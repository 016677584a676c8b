#!/usr/bin/env bash
# tests/e2e/precommit.sh - the pre-commit hook with Debian's real
# pre-commit: a repository with a bad and a good extension file; the hook,
# tried from a hook repository holding this project's
# .pre-commit-hooks.yaml (pre-commit try-repo) and as a `repo: local`
# hook, fails on the bad file with the finding shown and passes the good
# one. pre-commit gives bare file names: the flags come from the Python
# headers, or from a compile_commands.json found in the repository.
# Usage: precommit.sh PYMEM_LINT
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"
cd "$TMP"

if ! command -v pre-commit >/dev/null 2>&1; then
    echo "pre-commit is not installed (scripts/setup.sh --deps-only installs Debian's)" >&2
    exit 1
fi
export PRE_COMMIT_HOME=$TMP/pre-commit-home
export PATH=$(dirname "$BIN"):$PATH
export GIT_CONFIG_NOSYSTEM=1 HOME=$TMP/home
mkdir -p "$HOME"
git config --global user.email test@example.invalid
git config --global user.name test
git config --global init.defaultBranch main

# the hook repository: this project's manifest, committed (try-repo needs a commit)
mkdir hooks
cp "$ROOT/.pre-commit-hooks.yaml" hooks/
(cd hooks && git init -q && git add . && git commit -qm hooks)
if (cd hooks && pre-commit validate-manifest .pre-commit-hooks.yaml); then pass; else fail "manifest invalid"; fi

# the user's repository
mkdir work
cd work
git init -q
mkdir src
printf '%s\n' "$BUG_C" > src/bad.c
cat > src/good.c <<'C'
#include <Python.h>

void keep(void)
{
    char *p = PyMem_Malloc(8);
    PyMem_Free(p);
}
C
git add src
git commit -qm code

echo "== pre-commit try-repo: the bad file fails with the finding shown"
run_pc()
{
    LAST_CMD="pre-commit $*"
    set +e
    pre-commit "$@" > "$TMP/.out" 2> "$TMP/.err"
    RC=$?
    set -e
}
run_pc try-repo ../hooks pymem-lint --files src/bad.c
expect_rc 1
expect_out 'src/bad\.c:6:5: warning: .*\[PML002\]'
expect_out 'pymem-lint\.*Failed'

echo "== the good file passes"
run_pc try-repo ../hooks pymem-lint --files src/good.c
expect_rc 0
expect_out 'pymem-lint\.*Passed'

echo "== as a repo: local hook, on a commit"
cat > .pre-commit-config.yaml <<'Y'
repos:
  - repo: local
    hooks:
      - id: pymem-lint
        name: pymem-lint
        entry: pymem-lint
        language: system
        types_or: [c]
Y
git add .pre-commit-config.yaml
run_pc validate-config .pre-commit-config.yaml
expect_rc 0
run_pc install
expect_rc 0
printf '\n/* touched */\n' >> src/good.c
git add src/good.c
set +e
git commit -qm 'good change' > "$TMP/.out" 2> "$TMP/.err"
RC=$?
set -e
LAST_CMD="git commit (good change)"
expect_rc 0
printf '\n/* touched */\n' >> src/bad.c
git add src/bad.c
set +e
git commit -qm 'bad change' > "$TMP/.out" 2>&1
RC=$?
set -e
LAST_CMD="git commit (bad change)"
expect_rc 1
expect_out 'src/bad\.c:6:5: warning: .*\[PML002\]'

echo "== flags from a compile_commands.json in the repository"
git reset -q --hard HEAD
cat > src/flagged.c <<'C'
#include <Python.h>

void drop_flagged(void)
{
#ifdef ONLY_IN_DB
    char *p = PyMem_Malloc(8);
    PyObject_Free(p);
#endif
}
C
inc=$("$PYTHON3" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
printf '[{"directory": "%s", "file": "src/flagged.c", "arguments": ["cc", "-DONLY_IN_DB", "-I%s", "-c", "src/flagged.c"]}]\n' \
    "$PWD" "$inc" > compile_commands.json
run_pc try-repo ../hooks pymem-lint --files src/flagged.c
expect_rc 1
expect_out 'src/flagged\.c:7:5: warning: .*\[PML002\]'

e2e_finish
