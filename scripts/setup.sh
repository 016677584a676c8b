#!/usr/bin/env bash
# scripts/setup.sh - the first README command: install what the build needs
# (Debian 12 packages), build pymem-lint in build/, and run it on the example
# extension examples/spam.
#
# Usage: scripts/setup.sh               install, build, run the example
#        scripts/setup.sh --deps-only   install the build dependencies only
#        scripts/setup.sh --install PKG...
#                                       install the given packages if missing
# Needs root or sudo only when a package is missing.  Works without a
# terminal (CI=true, no stdin).
set -euo pipefail
cd "$(dirname "$0")/.."

DEPS=(cmake gcc make pkg-config python3 python3-dev libclang-dev
    libsqlite3-dev libjansson-dev libcmocka-dev libdw-dev python3-jsonschema
    pre-commit)

# A libclang of version 17 or newer tells which operator an expression
# has, also inside macro bodies; older ones make pymem-lint read operators
# from the source text. Debian 12 has libclang-19-dev in main.
NEWER_LIBCLANG=(libclang-22-dev libclang-19-dev libclang-18-dev libclang-17-dev)

say()
{
    printf '==> %s\n' "$*"
}

die()
{
    printf 'setup.sh: error: %s\n' "$*" >&2
    exit 1
}

installed()
{
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
}

# install_packages PKG...: apt-get install those of PKG not installed yet;
# "apt-get update" runs only when something is missing.
install_packages()
{
    local missing=() pkg
    local -a sudo=()
    for pkg in "$@"; do
        installed "$pkg" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        say "packages present: $*"
        return 0
    fi
    command -v apt-get >/dev/null 2>&1 ||
        die "missing ${missing[*]} and no apt-get: install them by hand"
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 ||
            die "missing ${missing[*]}: run as root or install sudo"
        sudo=(sudo)
        [ -t 0 ] || sudo=(sudo -n) # no terminal: never wait for a password
    fi
    say "installing ${missing[*]}"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends "${missing[@]}" </dev/null
}

# install_newer_libclang: make sure a libclang >= 17 is there if the
# archive has one; libclang-dev (14) stays the fallback.
install_newer_libclang()
{
    local pkg
    for pkg in "${NEWER_LIBCLANG[@]}"; do
        installed "$pkg" && return 0
    done
    if install_packages libclang-19-dev 2>/dev/null; then
        return 0
    fi
    say "libclang-19-dev is not available: building with libclang-dev"
}

build()
{
    say "configuring and building in build/"
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
    cmake --build build -j"$(nproc)"
}

# run_example: run the fresh binary on examples/spam and explain the result.
run_example()
{
    local status=0
    say "./build/pymem-lint examples/spam"
    ./build/pymem-lint examples/spam </dev/null || status=$?
    case $status in
    1)
        say "exit status 1: pymem-lint reported findings, as it should: examples/spam"
        say "has one planted bug per rule PML001-PML003, PML005, PML006 (see"
        say "examples/spam/README.md).  Exit status 0 means no findings; 2 that nothing"
        say "useful could be done (README, \"Exit status\")."
        ;;
    0)
        say "exit status 0: no findings, but examples/spam has five planted bugs"
        say "(see examples/spam/README.md): the analysis misses them."
        ;;
    *)
        die "pymem-lint failed on examples/spam with exit status $status"
        ;;
    esac
    say "done: the binary is ./build/pymem-lint; run the tests with scripts/test.sh"
}

case ${1:-} in
--deps-only)
    install_packages "${DEPS[@]}"
    install_newer_libclang
    ;;
--install)
    shift
    [ $# -gt 0 ] || die "--install needs package names"
    install_packages "$@"
    ;;
"")
    install_packages "${DEPS[@]}"
    install_newer_libclang
    build
    run_example
    ;;
-h | --help)
    sed -n '2,11s/^# \{0,1\}//p' "$0"
    ;;
*)
    die "unknown argument '$1' (try --help)"
    ;;
esac
