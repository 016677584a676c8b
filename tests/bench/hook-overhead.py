#!/usr/bin/env python3
"""tests/bench/hook-overhead.py - the cost of the pymem-lint runtime hook.

Runs tests/bench/alloc_workload.py (an allocation-heavy workload) under
several configurations in the same run, interleaved, and prints the median
workload time of each and its ratio to the plain interpreter:

  plain         no hook
  tracemalloc   python -X tracemalloc=1 (one frame), the reference
  hook          the hook in its default mode (return address only,
                LD_PRELOAD for the free() check)
  hook-deep     the hook with PYMEMRT_DEEP=1 (stack walk for interpreter
                callers), as 'pymem-lint validate' runs it

Usage: hook-overhead.py BUILD_DIR [--python EXE] [--reps N] [--n N]
BUILD_DIR is the CMake build tree (holds runtime/ and, if built,
tests/runtime/victim/ with the pmvictim module).
"""
import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--n", type=int, default=300_000)
    a = ap.parse_args()
    runtime = os.path.join(os.path.abspath(a.build_dir), "runtime")
    victim = os.path.join(os.path.abspath(a.build_dir), "tests", "runtime",
                          "victim")
    lib = os.path.join(runtime, "libpymemrt-hook.so")
    if not os.path.exists(lib):
        sys.exit(f"hook-overhead: {lib} not found: build first")
    base = dict(os.environ)
    for k in list(base):
        if k.startswith("PYMEMRT_"):
            del base[k]
    base["PYTHONPATH"] = victim
    hooked = dict(base, PYTHONPATH=runtime + ":" + victim, LD_PRELOAD=lib,
                  PYMEMRT_LEAKS="0")
    configs = [
        ("plain", [], base),
        ("tracemalloc", ["-X", "tracemalloc=1"], base),
        ("hook", [], hooked),
        ("hook-deep", [], dict(hooked, PYMEMRT_DEEP="1")),
    ]
    workload = os.path.join(HERE, "alloc_workload.py")
    times = {name: [] for name, _, _ in configs}
    for _ in range(a.reps):
        for name, flags, env in configs:
            out = subprocess.run([a.python, *flags, workload, str(a.n)],
                                 env=env, capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"hook-overhead: {name} failed:\n{out.stderr}")
            times[name].append(float(out.stdout.split()[-1]))
    plain = statistics.median(times["plain"])
    print(f"workload: {a.n} Python objects + {a.n} PyMem pairs from pmvictim, "
          f"{a.reps} runs each, interleaved; {os.cpu_count()} cores; "
          f"{a.python}")
    print(f"{'configuration':<14} {'median s':>9} {'vs plain':>9}")
    for name, _, _ in configs:
        m = statistics.median(times[name])
        print(f"{name:<14} {m:9.4f} {m / plain:8.2f}x")
    tm = statistics.median(times["tracemalloc"])
    hk = statistics.median(times["hook"])
    print(f"hook / tracemalloc: {hk / tm:.2f}")


main()
