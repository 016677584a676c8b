#!/usr/bin/env bash
# shellcheck disable=SC2317 # the expect_* functions are run through check()
# tests/e2e/hook.sh - the interpreter hook (libpymemrt-hook.so and
# sitecustomize.py) in a real Python, on the pmvictim extension
# (tests/runtime/victim): each planted bug is reported at its line as its
# kind and nothing else is; the leaks at exit (the wide-char one only in
# deep mode) and the sites that ran; the compiler-style stderr line;
# failures injected by site crash, raise or leak as victim.c says; without
# LD_PRELOAD only the free() check is off; eight threads at once report
# nothing; a bad fault spec is one error line and the program still runs.
# The bug lines are taken from the expected-warning comments of victim.c.
# Exits 77 (skipped) when the hook, the victim module or its Python is
# missing.
# Usage: hook.sh PYMEM_LINT   (the binary is not used here)
# Environment (set by CTest): PL_RUNTIME_DIR, PL_VICTIM_DIR,
# PL_VICTIM_PYTHON, PL_SOURCE_DIR.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.bash
source "$(dirname "$0")/lib.bash"
e2e_init "$@"

skip()
{
    echo "$(basename "$0"): $*: skipped"
    exit 77
}

HOOK=${PL_RUNTIME_DIR:-}/libpymemrt-hook.so
if [ -z "${PL_RUNTIME_DIR:-}" ] || [ ! -f "$HOOK" ] ||
   [ ! -f "$PL_RUNTIME_DIR/sitecustomize.py" ]; then
    skip "no libpymemrt-hook.so and sitecustomize.py in PL_RUNTIME_DIR='${PL_RUNTIME_DIR:-}'"
fi
if [ -z "${PL_VICTIM_DIR:-}" ] || ! compgen -G "$PL_VICTIM_DIR/pmvictim*.so" >/dev/null; then
    skip "the pmvictim module is not built (PL_VICTIM_DIR='${PL_VICTIM_DIR:-}')"
fi
if [ -z "${PL_VICTIM_PYTHON:-}" ] || [ ! -x "$(command -v "$PL_VICTIM_PYTHON" || true)" ]; then
    skip "no interpreter PL_VICTIM_PYTHON='${PL_VICTIM_PYTHON:-}'"
fi
# the interpreter itself, not a wrapper such as a pyenv shim, so that
# LD_PRELOAD and the exit status are the interpreter's own
PY=$("$PL_VICTIM_PYTHON" -c 'import sys; print(sys.executable)') ||
    skip "$PL_VICTIM_PYTHON does not run"
# the records are read with python3 (its own path: a wrapper is slow to start)
PYTHON3=$("$PYTHON3" -c 'import sys; print(sys.executable)')
VICTIM_C=$ROOT/tests/runtime/victim/victim.c
EXERCISE=$ROOT/tests/runtime/victim/exercise.py
ulimit -c 0 2>/dev/null || true # one run crashes on purpose
echo "hook: $HOOK"
echo "python: $PY"

# ---- the bug lines, from the expected-warning comments of victim.c ----

# marker_lines RULE: the lines of RULE's markers, with the marker text.
marker_lines()
{
    grep -nE "expected-warning \\{\\{\\[$1\\]\\}\\}" "$VICTIM_C" || true
}

# one_line WHAT TEXT: TEXT must be a single line number; print it (or
# stop the whole test: a victim.c this script cannot read is a failure).
one_line()
{
    if ! [[ "$2" =~ ^[0-9]+$ ]]; then
        echo "FAIL: cannot find the line of $1 in $VICTIM_C (got '$2')" >&2
        exit 1
    fi
    echo "$2"
}

# alloc_near LINE up|down: the nearest line above (below) LINE in the same
# function (between the '{' and '}' in column 1 around it) that calls
# PyMem_Malloc; nothing when there is none.
alloc_near()
{
    awk -v m="$1" -v dir="$2" '
        NR < m && /^\{/ { l = "" }
        NR > m && /^\}/ { exit }
        /PyMem_Malloc\(/ { if (dir == "up" && NR < m) l = NR
                           if (dir == "down" && NR > m && l == "") l = NR }
        END { print l }' "$VICTIM_C"
}

# the function LINE is in
function_of()
{
    awk -v m="$1" 'NR < m && /^[A-Za-z_][A-Za-z0-9_]*\(/ { f = $0; sub(/\(.*/, "", f) }
                   END { print f }' "$VICTIM_C"
}

# The errors the hook reports as they happen, one per confirmed marker of
# these rules, as kind:victim.c:line (the kind by the marked line's text):
#   PML002 wrong-domain, or libc-free when the release is free()
#   PML003 double-free   PML010 no-gil   PML012 interior-free
#   PML011 interior-free for 'p + N', non-heap-free otherwise
immediate_errors()
{
    local line text kind
    marker_lines 'PML0(02|03|10|11|12)' | grep 'verdict=confirmed' |
    while IFS=: read -r line text; do
        case $text in
        *'[PML002]'*)
            if [[ $text =~ (^|[^A-Za-z_])free\( ]]; then kind=libc-free; else kind=wrong-domain; fi ;;
        *'[PML003]'*) kind=double-free ;;
        *'[PML010]'*) kind=no-gil ;;
        *'[PML011]'*)
            if [[ $text =~ Free\([^\)]*\+ ]]; then kind=interior-free; else kind=non-heap-free; fi ;;
        *'[PML012]'*) kind=interior-free ;;
        esac
        echo "$kind:victim.c:$line"
    done
}
PLAIN_ERRORS=$(immediate_errors)
# without LD_PRELOAD: no libc-free; the functions with one are not called
# (glibc would abort on the pymalloc block)
NO_PRELOAD_ERRORS=$(grep -v '^libc-free:' <<<"$PLAIN_ERRORS" || true)
LIBC_FREE_FUNCS=$(grep '^libc-free:' <<<"$PLAIN_ERRORS" | cut -d: -f3 |
    while read -r l; do function_of "$l"; done)

# the lines the checks below name
for kind in wrong-domain double-free no-gil non-heap-free interior-free; do
    grep -q "^$kind:" <<<"$PLAIN_ERRORS" ||
        { echo "FAIL: no $kind bug found among the markers of $VICTIM_C" >&2; exit 1; }
done
L_MISMATCH=$(one_line "PML002 (wrong domain)" "$(grep -m1 '^wrong-domain:' <<<"$PLAIN_ERRORS" | cut -d: -f3)")
L_DOUBLE=$(one_line PML003 "$(grep -m1 '^double-free:' <<<"$PLAIN_ERRORS" | cut -d: -f3)")
L_UNCHECKED=$(one_line PML001 "$(marker_lines PML001 | cut -d: -f1)")
# PML005: the marker whose function allocates a second time with PyMem_Malloc
# (there may be other PML005 markers, where an API call fails instead)
L_ERRLEAK=$(one_line "PML005 with a second PyMem_Malloc" "$(marker_lines PML005 | cut -d: -f1 |
    while read -r l; do [ -z "$(alloc_near "$l" down)" ] || echo "$l"; done)")
L_LEAK=$(one_line "PML006 confirmed" "$(marker_lines PML006 | grep 'verdict=confirmed' | cut -d: -f1)")
L_UNREACHED=$(one_line "PML006 not-reached" "$(marker_lines PML006 | grep 'verdict=not-reached' | cut -d: -f1)")
L_NOEXC=$(one_line PML008 "$(marker_lines PML008 | cut -d: -f1)")
L_WIDECHAR=$(one_line PML013 "$(marker_lines PML013 | cut -d: -f1)")
A_UNCHECKED=$(one_line "PML001 allocation" "$(alloc_near "$L_UNCHECKED" up)")
A_NOEXC=$(one_line "PML008 allocation" "$(alloc_near "$L_NOEXC" up)")
A_ERRLEAK2=$(one_line "PML005 second allocation" "$(alloc_near "$L_ERRLEAK" down)")
echo "victim.c: errors expected in a plain run: $(tr '\n' ' ' <<<"$PLAIN_ERRORS")"
echo "victim.c lines: PML001 $L_UNCHECKED (allocation $A_UNCHECKED)," \
     "PML005 $L_ERRLEAK (second allocation $A_ERRLEAK2), PML006 $L_LEAK" \
     "(never called: $L_UNREACHED), PML008 $L_NOEXC (allocation" \
     "$A_NOEXC), PML013 $L_WIDECHAR"

# ---- running under the hook ----

# hook_run NAME [VAR=VALUE...] [-- SCRIPT ARGS...]: run the victim Python
# under the hook (exercise.py with no arguments by default), its records
# in $TMP/NAME (LOGS); set RC, stdout in $TMP/.out, stderr in $TMP/.err.
hook_run()
{
    LOGS=$TMP/$1
    shift
    local vars=() q
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        vars+=("$1")
        shift
    done
    [ $# -gt 0 ] && shift
    [ $# -gt 0 ] || set -- "$EXERCISE"
    mkdir -p "$LOGS"
    vars=(PYTHONPATH="$PL_RUNTIME_DIR:$PL_VICTIM_DIR" PYMEMRT_LOG_DIR="$LOGS"
          LD_PRELOAD="$HOOK" "${vars[@]}")
    printf -v q '%q ' "${vars[@]}" "$PY" "$@"
    LAST_CMD="(cd $(printf '%q' "$PWD") && env ${q% })"
    RC=0
    # (the outer 2>/dev/null: no "Segmentation fault" notice from bash)
    { env "${vars[@]}" "$PY" "$@" </dev/null >"$TMP/.out" 2>"$TMP/.err" || RC=$?; } 2>/dev/null
}

# records EVENT FIELD...: one line per EVENT record of the last hook_run,
# its FIELDs separated by ':' (a file as its base name), sorted; fails on
# a line that is not JSON or a run that wrote no "start" record.
records()
{
    "$PYTHON3" - "$LOGS" "$@" <<'PY'
import glob, json, os, sys
logs, event, fields = sys.argv[1], sys.argv[2], sys.argv[3:]
out, started = [], False
for path in sorted(glob.glob(os.path.join(logs, "pymemrt.*.jsonl"))):
    with open(path) as f:
        for n, line in enumerate(f, 1):
            try:
                r = json.loads(line)
            except ValueError:
                sys.exit("%s:%d: not a JSON record: %r" % (path, n, line))
            started = started or r.get("event") == "start"
            if r.get("event") == event:
                vals = [str(r.get(k, "")) for k in fields]
                out.append(":".join(os.path.basename(v) if k in ("file", "related_file")
                                    else v for k, v in zip(fields, vals)))
if not started:
    sys.exit("no start record in %s" % logs)
for o in sorted(out):
    print(o)
PY
}

# check WHAT CMD ARGS...: run one check (an expect_* function) and say
# what it checked when it passed (a failure says so itself).
check()
{
    local what=$1 before=$E2E_FAILS
    shift
    "$@"
    if [ "$E2E_FAILS" -eq "$before" ]; then
        echo "  ok: $what"
    fi
}

# expect_records EXPECTED EVENT FIELD...: the records' lines (see records)
# are exactly EXPECTED (newline-separated, any order; "" for none).
expect_records()
{
    local want got
    want=$(printf '%s\n' "$1" | sed '/^$/d' | sort)
    shift
    if ! got=$(records "$@"); then
        fail "cannot read the $1 records in $LOGS"
        return
    fi
    if [ "$want" = "$got" ]; then
        pass
    else
        fail "$1 records ($*): expected [$(echo "$want" | tr '\n' ' ')], got [$(echo "$got" | tr '\n' ' ')]"
    fi
}

# has_record LINE EVENT FIELD...: LINE is among the records' lines.
has_record()
{
    local want=$1 got
    shift
    got=$(records "$@" || true)
    if grep -qxF -- "$want" <<<"$got"; then
        pass
    else
        fail "no $1 record '$want' ($*) among [$(echo "$got" | tr '\n' ' ')]"
    fi
}

# lacks_record LINE EVENT FIELD...: LINE is not among the records' lines.
lacks_record()
{
    local unwanted=$1 got
    shift
    got=$(records "$@" || true)
    if grep -qxF -- "$unwanted" <<<"$got"; then
        fail "an unexpected $1 record '$unwanted' ($*)"
    else
        pass
    fi
}

ERRORS_SAID=$(tr '\n' ' ' <<<"$PLAIN_ERRORS")

echo "== a plain run: exit 0, each bug at its line as its kind, nothing else"
hook_run plain
check "exit status 0" expect_rc 0
check "exercise.py ran to its end" expect_out '^exercise: done$'
check "exactly these errors: $ERRORS_SAID" \
    expect_records "$PLAIN_ERRORS" error kind file line
n=$(grep -c . <<<"$PLAIN_ERRORS")
check "the exit record counts $n errors" expect_records "$n" exit errors
check "one leak: PML006's line $L_LEAK, 1 block" \
    expect_records "victim.c:$L_LEAK:1" leak file line blocks
check "no leak at PML005's line $L_ERRLEAK (nothing failed)" \
    lacks_record "victim.c:$L_ERRLEAK" leak file line
check "no leak at PML013's line $L_WIDECHAR (not deep)" \
    lacks_record "victim.c:$L_WIDECHAR" leak file line
check "no leak at line $L_UNREACHED (never called)" \
    lacks_record "victim.c:$L_UNREACHED" leak file line
check "site records: line $L_LEAK ran once" \
    has_record "victim.c:$L_LEAK:1" site file line calls
check "site records: line $L_UNREACHED never ran" \
    lacks_record "victim.c:$L_UNREACHED" site file line
check "no fault injected" expect_records "" fault line

echo "== stderr: compiler-style lines"
check "the double free: victim.c:$L_DOUBLE: error: ... [pymemrt]" \
    expect_err "(^|/)victim\\.c:$L_DOUBLE: error: .*already released.*\\[pymemrt\\]\$"
check "the wrong domain: victim.c:$L_MISMATCH: error: ... [pymemrt]" \
    expect_err "(^|/)victim\\.c:$L_MISMATCH: error: PyObject_Free of a block from PyMem_Malloc .*\\[pymemrt\\]\$"
check "the leak: victim.c:$L_LEAK: warning: ... [pymemrt]" \
    expect_err "(^|/)victim\\.c:$L_LEAK: warning: 1 block \\([0-9]+ bytes\\) from PyMem still live at exit \\[pymemrt\\]\$"

echo "== deep mode (PYMEMRT_DEEP=1): the wide-char copy leaks at PML013 too"
hook_run deep PYMEMRT_DEEP=1
check "exit status 0" expect_rc 0
check "exercise.py ran to its end" expect_out '^exercise: done$'
check "the same errors" expect_records "$PLAIN_ERRORS" error kind file line
check "leaks at lines $L_LEAK (PML006) and $L_WIDECHAR (PML013), nothing else" \
    expect_records "victim.c:$L_LEAK
victim.c:$L_WIDECHAR" leak file line
check "the start record says deep" expect_records "1" start deep

echo "== a failure injected at PML001's allocation (line $A_UNCHECKED): the unchecked write crashes"
hook_run fault-unchecked PYMEMRT_FAULTS="site=victim.c:$A_UNCHECKED"
check "killed by SIGSEGV (exit status 139)" expect_rc 139
check "a fault record for line $A_UNCHECKED, written before the crash" \
    expect_records "PyMem_Malloc:victim.c:$A_UNCHECKED" fault api file line
check "the injection noted on stderr" \
    expect_err "(^|/)victim\\.c:$A_UNCHECKED: note: pymemrt injected a failure of PyMem_Malloc"

echo "== a failure injected at PML008's allocation (line $A_NOEXC): NULL without an exception"
hook_run fault-noexc PYMEMRT_FAULTS="site=victim.c:$A_NOEXC"
check "exit status 0" expect_rc 0
check "exercise.py ran to its end" expect_out '^exercise: done$'
check "bug_no_exception raised SystemError" \
    expect_err '^exercise: bug_no_exception raised:$'
check "SystemError on stderr" expect_err '^SystemError: '
check "one fault, at line $A_NOEXC" expect_records "victim.c:$A_NOEXC" fault file line
check "the same errors as the plain run" \
    expect_records "$PLAIN_ERRORS" error kind file line

echo "== a failure injected at PML005's second allocation (line $A_ERRLEAK2): the first block leaks"
hook_run fault-errleak PYMEMRT_FAULTS="site=victim.c:$A_ERRLEAK2"
check "exit status 0" expect_rc 0
check "exercise.py ran to its end" expect_out '^exercise: done$'
check "bug_error_leak raised MemoryError" \
    expect_err '^exercise: bug_error_leak raised:$'
check "MemoryError on stderr" expect_err '^MemoryError'
check "one fault, at line $A_ERRLEAK2" expect_records "victim.c:$A_ERRLEAK2" fault file line
check "a leak at PML005's line $L_ERRLEAK: 1 block of 32 bytes" \
    has_record "victim.c:$L_ERRLEAK:1:32" leak file line blocks bytes
check "leaks at lines $L_ERRLEAK and $L_LEAK, nothing else" \
    expect_records "victim.c:$L_ERRLEAK
victim.c:$L_LEAK" leak file line

echo "== without LD_PRELOAD: everything but the free() check"
# exercise.py's calls but those of the functions that call free()
cat >"$TMP/exercise_but.py" <<'PY'
import sys
import exercise
import pmvictim
exercise.CALLS = [c for c in exercise.CALLS if c[0] not in sys.argv[1:]]
exercise.run_all(pmvictim)
PY
echo "  (not calling: $(tr '\n' ' ' <<<"$LIBC_FREE_FUNCS"))"
# shellcheck disable=SC2086 # one argument per function name
hook_run no-preload LD_PRELOAD= \
    PYTHONPATH="$PL_RUNTIME_DIR:$PL_VICTIM_DIR:$(dirname "$EXERCISE")" \
    -- "$TMP/exercise_but.py" $LIBC_FREE_FUNCS
check "exit status 0" expect_rc 0
check "exercise.py's calls ran to their end" expect_out '^exercise: done$'
check "the double free at line $L_DOUBLE" \
    has_record "double-free:victim.c:$L_DOUBLE" error kind file line
check "the errors of the plain run but libc-free: $(tr '\n' ' ' <<<"$NO_PRELOAD_ERRORS")" \
    expect_records "$NO_PRELOAD_ERRORS" error kind file line
check "the same leak as the plain run" \
    expect_records "victim.c:$L_LEAK" leak file line
# free() of a PyMem_RawMalloc block, from Python through ctypes
cat >"$TMP/libc_free.py" <<'PY'
import ctypes
raw = ctypes.pythonapi.PyMem_RawMalloc
raw.restype, raw.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
free = ctypes.CDLL(None).free  # the process's free(): the hook's when preloaded
free.argtypes = [ctypes.c_void_p]
free(raw(32))
print("libc_free: done")
PY
hook_run libc-free-preloaded -- "$TMP/libc_free.py"
check "preloaded: exit status 0" expect_rc 0
check "preloaded: free() of a PyMem_RawMalloc block reported" \
    expect_records "libc-free" error kind
hook_run libc-free-not-preloaded LD_PRELOAD= -- "$TMP/libc_free.py"
check "not preloaded: exit status 0" expect_rc 0
check "not preloaded: the script ran to its end" expect_out '^libc_free: done$'
check "not preloaded: free() is not checked" expect_records "" error kind

echo "== eight threads at once: nothing reported"
hook_run threads -- "$EXERCISE" --threads 8
check "exit status 0" expect_rc 0
check "every thread done" expect_out '^exercise: 8 threads done, 0 failed$'
check "no error record" expect_records "" error kind file line
check "the exit record counts 0 errors" expect_records "0" exit errors
# exercise.py: each thread runs hammer(500) 20 times
l=$(one_line "hammer's PyMem_Malloc" "$(alloc_near "$(grep -n '^hammer(' "$VICTIM_C" | cut -d: -f1)" down)")
calls=$(records site file line calls | awk -F: -v l="$l" '$1 == "victim.c" && $2 == l { n += $3 } END { print n + 0 }')
if [ "$calls" -eq $((8 * 20 * 500)) ]; then
    pass
    echo "  ok: hammer's PyMem_Malloc (line $l) counted $calls calls, all of them"
else
    fail "hammer's PyMem_Malloc (line $l) counted $calls calls, expected $((8 * 20 * 500))"
fi

echo "== a bad PYMEMRT_FAULTS: one error line, the program still runs"
hook_run bad-spec PYMEMRT_FAULTS="nth=0"
check "exit status 0" expect_rc 0
check "exercise.py ran to its end" expect_out '^exercise: done$'
n=$(grep -c '^pymemrt: error: fault spec ' "$TMP/.err" || true)
if [ "$n" -eq 1 ]; then
    pass
    echo "  ok: one 'pymemrt: error: fault spec' line on stderr"
else
    fail "$n 'pymemrt: error: fault spec' lines on stderr, expected 1"
fi
check "it names the spec" expect_err "^pymemrt: error: fault spec 'nth=0': "
check "nothing injected" expect_records "" fault line
check "the same errors as the plain run" \
    expect_records "$PLAIN_ERRORS" error kind file line

echo "== sub-interpreters with their own GIL, allocating at once (Python 3.12+)"
# The allocators are the process's: 8 isolated sub-interpreters on 8 threads
# go through the hook at the same time. Each runs site, where the hook is
# found installed (it used to print "cannot load the hook" per interpreter:
# ctypes does not load in an isolated one).
cat > "$TMP/subinterp.py" <<'PY'
import sys, threading
try:
    import _interpreters as interp          # 3.13
except ImportError:
    import _xxsubinterpreters as interp     # 3.12: isolated by default
code = """
data = []
for i in range(20000):
    data.append(("x" * (i % 50)).encode() + bytes(i % 7))
    if len(data) > 500:
        data = [bytearray(d) for d in data[250:]]
"""
ids = [interp.create() for _ in range(8)]
errors = []
def work(i):
    try:
        for _ in range(3):
            r = interp.run_string(ids[i], code)
            if r is not None:
                errors.append(r)
    except Exception as e:
        errors.append(repr(e))
threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
for t in threads: t.start()
for t in threads: t.join()
for i in ids: interp.destroy(i)
print("subinterp: 8 threads done, %d failed %s" % (len(errors), errors[:1]))
PY
subs=0
for minor in 12 13; do
    sub_py=""
    for cand in "$HOME"/.pyenv/versions/3."$minor".*/bin/python3 \
                "$(command -v python3."$minor" || true)"; do
        if [ -n "$cand" ] && [ -x "$cand" ]; then
            sub_py=$cand
            break
        fi
    done
    [ -n "$sub_py" ] || continue
    subs=$((subs + 1))
    # as hook_run does, with this Python instead of the victim's
    LOGS=$TMP/subinterp-3.$minor
    mkdir -p "$LOGS"
    RC=0
    LAST_CMD="PYTHONPATH=$PL_RUNTIME_DIR LD_PRELOAD=$HOOK $sub_py $TMP/subinterp.py"
    { env PYTHONPATH="$PL_RUNTIME_DIR" PYMEMRT_LOG_DIR="$LOGS" LD_PRELOAD="$HOOK" \
        "$sub_py" "$TMP/subinterp.py" </dev/null >"$TMP/.out" 2>"$TMP/.err" || RC=$?; } 2>/dev/null
    check "3.$minor: exit status 0" expect_rc 0
    check "3.$minor: every sub-interpreter done" \
        expect_out '^subinterp: 8 threads done, 0 failed \[\]$'
    check "3.$minor: nothing from pymemrt on stderr" expect_no_err '^pymemrt'
    check "3.$minor: the exit record counts 0 errors" expect_records "0" exit errors
done
if [ "$subs" -eq 0 ]; then
    echo "  (no Python 3.12 or 3.13 here: not checked)"
fi

e2e_finish
