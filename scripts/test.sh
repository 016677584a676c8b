#!/usr/bin/env bash
# scripts/test.sh - the second README command (and what CI runs): build with
# -Werror in build/ and run the whole CTest suite, then build again under
# AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/ and rerun it,
# run the corpus with libclang 14 in build-clang14/, and run the suite under
# Valgrind memcheck in build-memcheck/.
# Exits non-zero if any tree fails to build or to pass.
# Works without a terminal (CI=true, no stdin).
set -euo pipefail
cd "$(dirname "$0")/.."

say()
{
    printf '==> %s\n' "$*"
}

# sanitizers_work CC: CC can build and run an ASan+UBSan program.
sanitizers_work()
{
    local dir status=0
    command -v "$1" >/dev/null 2>&1 || return 1
    dir=$(mktemp -d)
    printf 'int main(void) { return 0; }\n' >"$dir/t.c"
    "$1" -fsanitize=address,undefined "$dir/t.c" -o "$dir/t" 2>/dev/null &&
        "$dir/t" || status=1
    rm -rf "$dir"
    return $status
}

# check_tree DIR CMAKE_ARGS...: configure, build and test one tree.
check_tree()
{
    local dir=$1
    shift
    say "configuring $dir/ $*"
    cmake -S . -B "$dir" "$@" &&
        say "building $dir/" &&
        cmake --build "$dir" -j"$(nproc)" &&
        say "testing $dir/" &&
        ctest --test-dir "$dir" --output-on-failure -j2 </dev/null
}

scripts/setup.sh --deps-only

failed=()
check_tree build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPL_WERROR=ON ||
    failed+=("build/ (-Werror)")

cc=clang
if ! command -v clang >/dev/null 2>&1; then
    scripts/setup.sh --install clang libclang-rt-dev ||
        say "could not install clang: using gcc for the sanitizer build"
fi
if ! sanitizers_work clang; then
    cc=gcc
    sanitizers_work gcc || {
        say "neither clang nor gcc can build with -fsanitize=address,undefined"
        failed+=("build-asan/ (no sanitizer-capable compiler)")
        cc=""
    }
fi
if [ -n "$cc" ]; then
    # use_sigaltstack=0: libclang's LLVM installs its own alternate signal
    # stack in a thread that saves a PCH (to remove the temporary file on
    # a signal); ASan would then unmap that stack, which it did not map,
    # when the thread exits ("unable to unmap", sanitizer_posix.cpp:61)
    export ASAN_OPTIONS=detect_leaks=1:use_sigaltstack=0
    export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    check_tree build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER="$cc" \
        -DPL_SANITIZE=address,undefined ||
        failed+=("build-asan/ (address,undefined with $cc)")
fi

# The main build uses the newest libclang; libclang 14 (Debian's default
# libclang-dev) takes another path to operators, so its corpus runs too.
if [ -f /usr/lib/llvm-14/lib/libclang.so ] &&
    ! grep -q 'llvm-14' build/CMakeCache.txt 2>/dev/null; then
    say "configuring build-clang14/ (libclang 14: operators read from the source)"
    if cmake -S . -B build-clang14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DPL_CLANG_INCLUDE=/usr/lib/llvm-14/include \
        -DPL_CLANG_LIBRARY=/usr/lib/llvm-14/lib/libclang.so &&
        cmake --build build-clang14 -j"$(nproc)" &&
        ctest --test-dir build-clang14 --output-on-failure -j2 \
            -L 'corpus|unit' </dev/null; then
        :
    else
        failed+=("build-clang14/ (libclang 14)")
    fi
fi

# Valgrind memcheck: every test's pymem-lint and every unit test run under
# it (tests/CMakeLists.txt, PL_MEMCHECK); an error or a definite leak fails.
if ! command -v valgrind >/dev/null 2>&1; then
    scripts/setup.sh --install valgrind ||
        say "could not install valgrind"
fi
if command -v valgrind >/dev/null 2>&1; then
    check_tree build-memcheck -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DPL_WERROR=ON -DPL_MEMCHECK=ON ||
        failed+=("build-memcheck/ (Valgrind memcheck)")
else
    failed+=("build-memcheck/ (no valgrind)")
fi

if [ ${#failed[@]} -ne 0 ]; then
    say "FAILED: ${failed[*]}"
    exit 1
fi
say "all tests passed in build/, build-asan/, build-memcheck/ (and build-clang14/ where libclang 14 is installed)"
