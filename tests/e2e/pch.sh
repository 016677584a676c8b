#!/usr/bin/env bash
# tests/e2e/pch.sh - the precompiled Python.h: files whose text up to
# '#include <Python.h>' is comments, #defines and #includes share
# one PCH per (arguments, directives), kept in the store's pch/ directory
# and reused by the next run; the findings are the same as without it
# (--no-pch, PYMEM_LINT_NO_PCH=1); a conditional that holds only
# directives is part of the prefix; a PCH that three files will use is built
# when the first asks for it; when Python.h changes the PCH is built again,
# the cached results of the files that include it are not reused, and the
# new header is what the analysis sees. --pch-dir (PYMEM_LINT_PCH_DIR)
# keeps PCHs in a directory of its own, with or without a store, and
# builds one when the first file needs it.
# Usage: pch.sh PYMEM_LINT
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"
cd "$TMP"
unset PYMEM_LINT_NO_PCH PYMEM_LINT_NO_CACHE PYMEM_LINT_PCH_DIR
mkdir -p proj/inc proj/src
# a small stand-in for Python.h, so that the test can change it
cat > proj/inc/Python.h <<'H'
#ifndef FAKE_PYTHON_H
#define FAKE_PYTHON_H
#include <stddef.h>
void *PyMem_Malloc(size_t n);
void PyMem_Free(void *p);
void PyObject_Free(void *p);
#define LEAK_IT 1
#endif
H
for name in a b c; do
    cat > proj/src/$name.c <<C
/* $name.c: a comment before the includes does not matter */
#define PY_SSIZE_T_CLEAN // nor does one after a directive
#include <string.h>
#include <Python.h>

int $name(void)
{
    char *p = PyMem_Malloc(8);
    if (p == NULL)
        return -1;
#if LEAK_IT
    return 0;
#else
    PyMem_Free(p);
    return 0;
#endif
}
C
done
cat > proj/src/local.h <<'H'
#define LOCAL 1
H
cat > proj/src/d.c <<'C'
#if 1 /* a conditional before Python.h is part of the prefix */
#include "local.h"
#endif
#include <Python.h>

void d(void)
{
    char *p = PyMem_Malloc(8);
    PyObject_Free(p);
}
C
# a header without include guards in the prefix: read once, not twice
cat > proj/src/noguard.h <<'H'
struct point { int x, y; };
H
cat > proj/src/e.c <<'C'
#include "noguard.h"
#include <Python.h>

int e(struct point *p)
{
    char *q = PyMem_Malloc(8);
    if (q == NULL)
        return -1;
    return p->x;
}
C
sed 's/int e(/int f(/' proj/src/e.c > proj/src/f.c
sed 's/int e(/int g(/' proj/src/e.c > proj/src/g.c
sed 's/void d(/void h(/' proj/src/d.c > proj/src/h.c
sed 's/void d(/void i(/' proj/src/d.c > proj/src/i.c
absproj=$(cd proj && pwd -P)
{
    echo '['
    for name in a b c d e f g h i; do
        sep=,; [ $name = i ] && sep=
        echo "{\"directory\": \"$absproj\", \"command\": \"cc -I$absproj/inc -c src/$name.c\", \"file\": \"$absproj/src/$name.c\"}$sep"
    done
    echo ']'
} > proj/compile_commands.json
cd proj
git init -q .

run --no-color --stats -j 2 src
expect_rc 1
# three files of a kind: the first to ask builds their PCH
expect_err '^pymem-lint: stats: 9 parses with a precompiled Python.h, 3 built$'
cp "$TMP/.out" "$TMP/with-pch.txt"
if [ "$(grep -c 'warning: .*\[PML006\]' "$TMP/with-pch.txt")" = 6 ] &&
    grep -q 'src/d.c:.*\[PML002\]' "$TMP/with-pch.txt"; then
    pass
else
    fail "expected three leaks and d.c's PML002"
fi
if [ "$(grep -c 'warning: .*\[PML002\]' "$TMP/with-pch.txt")" = 3 ]; then
    pass
else
    fail "expected PML002 in d.c, h.c and i.c"
fi
if compgen -G ".pymem-lint/pch/*.pch" >/dev/null && compgen -G ".pymem-lint/pch/*.deps" >/dev/null; then
    pass
else
    fail "no PCH kept in .pymem-lint/pch"
fi
# the same findings without it
run --no-color --no-cache --no-pch src
if cmp -s "$TMP/.out" "$TMP/with-pch.txt"; then pass; else fail "--no-pch found something else"; fi
PYMEM_LINT_NO_PCH=1 run --no-color --no-cache --stats src
expect_err '^pymem-lint: stats: 0 parses with a precompiled Python.h, 0 built$'
# the next run: results from the store; with no cache, the kept PCH
run --no-color --stats src
expect_err '^pymem-lint: stats: 9 of 9 files from the cache$'
run --no-color --stats --no-cache src # no store: a PCH for this run only
expect_err '^pymem-lint: stats: 9 parses with a precompiled Python.h, 3 built$'
run --no-color --stats --db .pymem-lint/other.db src # the kept PCHs
expect_err '^pymem-lint: stats: 9 parses with a precompiled Python.h, 0 built$'
# files that ask one at a time: the first two of a kind parse plainly, the
# third builds the PCH (one for one or two files is a loss)
mkdir one && cp src/a.c src/b.c one/
run --no-color --stats --no-cache -p . one/a.c
expect_err '^pymem-lint: stats: 0 parses with a precompiled Python.h, 0 built$'

# Python.h changes: the PCH is rebuilt, the files are analyzed again
sleep 1 # mtime granularity
sed -i 's/#define LEAK_IT 1/#define LEAK_IT 0/' inc/Python.h
run --no-color --stats src
expect_err '^pymem-lint: stats: 0 of 9 files from the cache$'
expect_err '^pymem-lint: stats: 9 parses with a precompiled Python.h, 3 built$'
if [ "$(grep -c 'PML006' "$TMP/.out")" = 3 ]; then pass; else fail "the old Python.h was used"; fi
expect_out 'src/d.c:.*\[PML002\]'

# the directory is tidied before a run: temporary files of builds whose
# process is gone, and all but the 16 most recently used PCHs
pchdir=.pymem-lint/pch
dead=99999
while kill -0 "$dead" 2>/dev/null; do dead=$((dead + 1)); done
touch "$pchdir/0123456789abcdef.pch.tmp.$dead.7f00aa" "$pchdir/0123456789abcdef.pch.tmp.$$.7f00bb"
for i in $(seq -w 1 20); do
    for kind in pch h deps; do
        touch -d "2020-01-$i 12:00" "$pchdir/old$i.$kind"
    done
done
run --no-color --stats --db .pymem-lint/third.db src
expect_err '^pymem-lint: stats: 9 parses with a precompiled Python.h, 0 built$'
if [ ! -e "$pchdir/0123456789abcdef.pch.tmp.$dead.7f00aa" ]; then pass; else fail "a dead build's temporary file was kept"; fi
if [ -e "$pchdir/0123456789abcdef.pch.tmp.$$.7f00bb" ]; then pass; else fail "a live process's temporary file was removed"; fi
# 3 real ones (used by this run) + 20 old: the 7 oldest old ones go
left=$(compgen -G "$pchdir/old*.deps" | wc -l)
if [ "$left" -eq 13 ] && [ ! -e "$pchdir/old07.pch" ] && [ ! -e "$pchdir/old07.h" ] &&
    [ -e "$pchdir/old08.pch" ] && [ -e "$pchdir/old20.deps" ]; then
    pass
else
    fail "$left old PCHs left ($(ls "$pchdir" | tr '\n' ' ')), expected old08 to old20"
fi
run --no-color --stats --db .pymem-lint/fourth.db src # still all there
expect_err '^pymem-lint: stats: 9 parses with a precompiled Python.h, 0 built$'

# --pch-dir: a run of one file without a store builds the PCH there at
# once, and the next run of another file of the same kind uses it; the
# findings are those of a plain parse
run --no-color --stats --no-cache --no-pch src/e.c
plain=$(cat "$TMP/.out")
run --no-color --stats --no-cache --pch-dir "$TMP/own pch" src/e.c
expect_rc 1
expect_err '^pymem-lint: stats: 1 parses with a precompiled Python.h, 1 built$'
if [ "$(cat "$TMP/.out")" = "$plain" ]; then pass; else fail "the findings differ from a plain parse's"; fi
if [ "$(compgen -G "$TMP/own pch/*.pch" | wc -l)" -eq 1 ]; then pass; else fail "no PCH in the --pch-dir"; fi
PYMEM_LINT_PCH_DIR="$TMP/own pch" run --no-color --stats --no-cache src/f.c
expect_err '^pymem-lint: stats: 1 parses with a precompiled Python.h, 0 built$'
expect_out 'src/f.c:.*\[PML006\]'
# with a store too, the PCH comes from the --pch-dir, not pch/ beside it
PYMEM_LINT_PCH_DIR="$TMP/own pch" run --no-color --stats --db "$TMP/fifth.db" src/g.c
expect_err '^pymem-lint: stats: 1 parses with a precompiled Python.h, 0 built$'
if [ ! -e "$TMP/pch" ]; then pass; else fail "a pch/ was made beside the store"; fi
# --no-pch wins over the variable; a directory that cannot be made is
# one warning and a plain parse
PYMEM_LINT_PCH_DIR="$TMP/own pch" run --no-color --stats --no-cache --no-pch src/g.c
expect_err '^pymem-lint: stats: 0 parses with a precompiled Python.h, 0 built$'
run --no-color --stats --no-cache --pch-dir "$TMP/no/such/dir" src/g.c
expect_rc 1
expect_err "^pymem-lint: warning: cannot keep precompiled headers in '.*/no/such/dir': No such file or directory; parsing without them$"
expect_err '^pymem-lint: stats: 0 parses with a precompiled Python.h, 0 built$'
run --pch-dir '' src/g.c
expect_rc 2
expect_err "^pymem-lint: error: invalid --pch-dir '': expected a directory$"
e2e_finish
