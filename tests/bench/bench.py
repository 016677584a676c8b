#!/usr/bin/env python3
"""tests/bench/bench.py - pymem-lint against the parse floor and its peers,
on a source tree the user already has (with a compile_commands.json).

Measured in one run, interleaved, --reps repetitions, medians; each
command alone on one core (-j 1) unless --jobs says otherwise:

  floor        tests/bench/parse-floor: libclang parses every file with the
               same flags and disposes of it, no analysis
  cold         pymem-lint with an empty store (no cached results, no PCH)
  warm         pymem-lint again on the unchanged tree
  touched      pymem-lint after touching (changing the mtime and content
               of) one header the files include (--touch HEADER)
  cppcheck     cppcheck --library=python with each file's -I/-D/-U flags
               (when installed; --peers-fraction of the files)
  clang        clang --analyze with each file's flags (when installed;
               --peers-fraction of the files)
  gcc          gcc -fanalyzer with each file's flags (when installed;
               --peers-fraction of the files)

CPU seconds (user + system, children included) and peak RSS come from
wait4(). Peers run on a fraction of the files and are scaled up; the
table says so. Scaling: pymem-lint cold and the floor on 25%, 50% and
100% of the files. Paths: generated functions with 2^k paths.

Usage: bench.py BUILD_DIR TREE... [--reps N] [--touch HEADER]
                [--peers-fraction F] [--no-peers] [--paths] [--jobs N]
                [--peer-timeout S]
Each TREE holds a compile_commands.json (with several, their entries are
merged into one in a scratch directory); nothing in them is changed except
the --touch header, which is restored. The peers' lines that speak of a
leak or a double free are counted, to compare with pymem-lint's findings.
"""
import argparse
import json
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def run(cmd, cwd=None, env=None, limit=None):
    """Run cmd; return (wall s, cpu s, peak MiB, stdout, stderr, status).
    With 'limit', the command is killed after that many seconds (status
    -9)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL,
                                start_new_session=limit is not None)
        timer = None
        if limit:  # the whole group: gcc's cc1 is a child of the driver
            timer = threading.Timer(
                limit, lambda: os.killpg(proc.pid, signal.SIGKILL))
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        if timer:
            timer.cancel()
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        return (wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                out.read().decode(errors="replace"),
                err.read().decode(errors="replace"), status)


def files_of(tree):
    db = json.load(open(os.path.join(tree, "compile_commands.json")))
    seen, entries = set(), []
    for e in db:
        path = os.path.normpath(os.path.join(e["directory"], e["file"]))
        if path.endswith(".c") and path not in seen and os.path.exists(path):
            seen.add(path)
            entries.append((path, e))
    entries.sort()
    return entries


def subset(entries, fraction):
    """Every k-th file, so a fraction spreads over the tree."""
    if fraction >= 1:
        return entries
    step = 1 / fraction
    return [entries[int(i * step)] for i in range(int(len(entries) * fraction))]


def clang_args(entry):
    args = entry.get("arguments") or shlex.split(entry["command"])
    out, skip = [], False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
            continue
        if a in ("-c", "-MD", "-MMD") or a.endswith((".c", ".o")):
            continue
        out.append(a)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("trees", nargs="+", metavar="tree")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--touch", help="a header to touch for the 'touched' run")
    ap.add_argument("--peers-fraction", type=float, default=0.25)
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--paths", action="store_true",
                    help="also time functions with 2^k paths")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--peer-timeout", type=float, default=600,
                    help="kill a peer after this many seconds on one file")
    a = ap.parse_args()
    build = os.path.abspath(a.build_dir)
    lint = os.path.join(build, "pymem-lint")
    floor = os.path.join(build, "tests", "bench", "parse-floor")
    entries = []
    for tree in a.trees:
        found = files_of(os.path.abspath(tree))
        if not found:
            sys.exit(f"bench: no .c files in {tree}/compile_commands.json")
        entries += found
    entries.sort()
    paths = [p for p, _ in entries]
    env = dict(os.environ)
    env.pop("PYMEM_LINT_NO_CACHE", None)
    env.pop("PYMEM_LINT_NO_PCH", None)
    scratch = tempfile.mkdtemp(prefix="pymem-lint-bench.")
    if len(a.trees) == 1:
        tree = os.path.abspath(a.trees[0])
    else:  # one compile database for all (absolute paths in each entry)
        tree = scratch
        merged = []
        for _, e in entries:
            e = dict(e)
            e["file"] = os.path.normpath(os.path.join(e["directory"], e["file"]))
            merged.append(e)
        with open(os.path.join(scratch, "compile_commands.json"), "w") as f:
            json.dump(merged, f)
    rows = {}

    def record(name, result, files):
        rows.setdefault(name, []).append((result, files))

    def lint_cmd(db, files):
        return [lint, "--no-color", "-j", str(a.jobs), "--db", db, "-p", tree,
                *files]

    for rep in range(a.reps):
        # the floor and pymem-lint alternate, so load changes hit both
        record("floor", run([floor, "-p", tree, *paths]), len(paths))
        db = os.path.join(scratch, f"rep{rep}", "cache.db")
        cold = run(lint_cmd(db, paths), env=env)
        record("pymem-lint cold", cold, len(paths))
        record("pymem-lint warm", run(lint_cmd(db, paths), env=env), len(paths))
        if a.touch:
            saved = open(a.touch, "rb").read()
            try:
                with open(a.touch, "ab") as f:
                    f.write(b"\n/* touched by bench.py */\n")
                record("pymem-lint touched",
                       run(lint_cmd(db, paths), env=env), len(paths))
            finally:
                with open(a.touch, "wb") as f:
                    f.write(saved)
        record("pymem-lint cold, no PCH",
               run([*lint_cmd(db + ".nopch", paths), "--no-pch"], env=env),
               len(paths))
    # scaling: 25% and 50% of the files, cold, once per rep
    for fraction in (0.25, 0.5):
        part = [p for p, _ in subset(entries, fraction)]
        for rep in range(a.reps):
            db = os.path.join(scratch, f"scale{fraction}-{rep}", "cache.db")
            record(f"floor {int(fraction * 100)}%",
                   run([floor, "-p", tree, *part]), len(part))
            record(f"pymem-lint cold {int(fraction * 100)}%",
                   run(lint_cmd(db, part), env=env), len(part))
    # peers, once, on a fraction of the files
    peer_part = subset(entries, a.peers_fraction)

    def peer(name, command_of):
        total, said, killed = [0.0, 0.0, 0.0], 0, 0
        for path, e in peer_part:
            w, c, m, out, err, status = run(command_of(path, e),
                                            cwd=e["directory"],
                                            limit=a.peer_timeout)
            killed += os.WIFSIGNALED(status) and os.WTERMSIG(status) == 9
            total = [total[0] + w, total[1] + c, max(total[2], m)]
            said += sum(1 for line in (out + err).splitlines()
                        if ("leak" in line.lower() or "double" in line.lower())
                        and ("warning" in line or "error" in line))
        if killed:  # the time shown is a floor for these
            name += f" ({killed} killed at {a.peer_timeout:g} s)"
        record(name, (*total, "", "", 0), len(peer_part))
        peer_findings[name] = said

    peer_findings = {}
    if not a.no_peers and shutil.which("cppcheck"):
        peer("cppcheck --library=python", lambda path, e: [
            "cppcheck", "--library=python", "-q", "--enable=warning",
            *[x for x in clang_args(e) if x.startswith(("-I", "-D", "-U"))],
            path])
    if not a.no_peers and shutil.which("clang"):
        peer("clang --analyze", lambda path, e: [
            "clang", "--analyze", *clang_args(e), path, "-o", os.devnull])
    if not a.no_peers and shutil.which("gcc"):
        peer("gcc -fanalyzer", lambda path, e: [
            "gcc", "-fanalyzer", "-c", *clang_args(e), path, "-o", os.devnull])
    # paths: 2^k paths in one function
    if a.paths:
        for k in (10, 20, 30, 40):
            src = os.path.join(scratch, f"paths{k}.c")
            with open(src, "w") as f:
                f.write("#include <Python.h>\n\nint paths(int *c)\n{\n"
                        "    char *p = PyMem_Malloc(16);\n    int n = 0;\n")
                for i in range(k):
                    f.write(f"    if (c[{i}])\n        n += {i};\n"
                            f"    else\n        n -= {i};\n")
                f.write("    return n;\n}\n")
            record(f"paths 2^{k}",
                   run([lint, "--no-cache", "--stats", src], env=env), 1)
    shutil.rmtree(scratch, ignore_errors=True)

    def med(name, i):
        return statistics.median(r[0][i] for r in rows[name])

    n = len(paths)
    print(f"trees: {' '.join(a.trees)} ({n} files); {os.cpu_count()} cores; "
          f"{a.reps} repetitions, medians; -j {a.jobs}")
    print(f"{'run':<30} {'files':>5} {'wall s':>8} {'CPU s':>8} "
          f"{'peak MiB':>9} {'CPU s/100 files':>16}")
    for name in rows:
        files = rows[name][0][1]
        cpu = med(name, 1)
        print(f"{name:<30} {files:>5} {med(name, 0):8.2f} {cpu:8.2f} "
              f"{med(name, 2):9.0f} {100 * cpu / max(files, 1):16.2f}")

    def per_file(name):
        return med(name, 1) / rows[name][0][1]

    print("ratios (CPU per file):")
    print(f"  pymem-lint cold / floor          "
          f"{per_file('pymem-lint cold') / per_file('floor'):.2f}")
    print(f"  pymem-lint cold, no PCH / floor  "
          f"{per_file('pymem-lint cold, no PCH') / per_file('floor'):.2f}")
    print(f"  warm / cold                      "
          f"{per_file('pymem-lint warm') / per_file('pymem-lint cold'):.3f}")
    if "pymem-lint touched" in rows:
        print(f"  touched / cold                   "
              f"{per_file('pymem-lint touched') / per_file('pymem-lint cold'):.3f}")
    for name in rows:
        if name.startswith(("clang --analyze", "gcc -fanalyzer",
                            "cppcheck --library=python")):
            print(f"  pymem-lint cold / {name:<22} "
                  f"{per_file('pymem-lint cold') / per_file(name):.3f}")
    for fraction in ("25%", "50%"):
        print(f"  cold {fraction} / floor {fraction}              "
              f"{per_file('pymem-lint cold ' + fraction) / per_file('floor ' + fraction):.2f}")
    findings = [r[0][3].count("[PML") for r in rows["pymem-lint cold"]]
    print(f"findings (cold): {findings[0]}")
    for name, said in peer_findings.items():
        print(f"{name}: {said} lines about a leak or a double free, on "
              f"{len(peer_part)} files")


main()
