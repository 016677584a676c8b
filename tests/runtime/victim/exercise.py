#!/usr/bin/env python3
"""
tests/runtime/victim/exercise.py - run the pmvictim module (victim.c) for
`pymem-lint validate` tests.

  exercise.py [--module-dir DIR]              call every function once (but
                                              bug_unreached), print "exercise: done"
  exercise.py [--module-dir DIR] --threads N  hammer() from N threads at once, plus work()
  exercise.py [--module-dir DIR] --work N     work(N) ten times, print the seconds taken

The buggy functions corrupt a normal interpreter's heap: the default mode is
meant to run under the runtime hook.  The --threads and --work modes only
call correct functions.  Only the standard library is used.
"""

import argparse
import sys
import threading
import time
import traceback

# Each bug_* function of victim.c but bug_unreached, and the correct ones,
# with their arguments.
CALLS = [
    ('bug_unchecked', (16,)),
    ('bug_mismatched', ()),
    ('bug_double_free', ()),
    ('bug_error_leak', ()),
    ('bug_error_leak_api', ()),
    ('bug_libc_free', ()),
    ('bug_leak', ()),
    ('bug_realloc', ()),
    ('bug_no_exception', ()),
    ('bug_nogil', ()),
    ('bug_free_stack', ()),
    ('bug_free_interior', ()),
    ('bug_free_borrowed', (b'borrowed bytes',)),
    ('bug_widechar_leak', ('a wide string',)),
    ('ok_alloc_free', (64,)),
    ('ok_realloc', ()),
    ('ok_raw_nogil', ()),
    ('ok_widechar', ('a wide string',)),
    ('hammer', (100,)),
    ('work', (100,)),
]


def run_all(mod):
    for name, args in CALLS:
        try:
            getattr(mod, name)(*args)
        except Exception:
            print('exercise: %s raised:' % name, file=sys.stderr)
            traceback.print_exc()
    print('exercise: done', flush=True)


def run_threads(mod, nthreads):
    errors = []
    start = threading.Barrier(nthreads)

    def worker():
        try:
            start.wait()
            for _ in range(20):
                mod.hammer(500)
                mod.work(500)
        except Exception:
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=worker) for _ in range(nthreads)]
    for t in threads:
        t.start()
    mod.work(1000)
    for t in threads:
        t.join()
    for e in errors:
        sys.stderr.write(e)
    print('exercise: %d threads done, %d failed' % (nthreads, len(errors)),
          flush=True)
    return 1 if errors else 0


def run_work(mod, n, rounds=10):
    t0 = time.perf_counter()
    for _ in range(rounds):
        mod.work(n)
    print('%.6f' % (time.perf_counter() - t0), flush=True)


def main():
    ap = argparse.ArgumentParser(
        description='Run the pmvictim module for pymem-lint validate tests.')
    ap.add_argument('--module-dir', metavar='DIR',
                    help='directory holding the built pmvictim module')
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument('--threads', type=int, metavar='N',
                      help='run hammer() from N threads at once')
    mode.add_argument('--work', type=int, metavar='N',
                      help='time ten work(N) calls and print the seconds')
    args = ap.parse_args()
    if args.module_dir:
        sys.path.insert(0, args.module_dir)
    import pmvictim

    if args.threads is not None:
        if args.threads < 1:
            ap.error('--threads needs N >= 1')
        return run_threads(pmvictim, args.threads)
    if args.work is not None:
        if args.work < 0:
            ap.error('--work needs N >= 0')
        run_work(pmvictim, args.work)
        return 0
    run_all(pmvictim)
    return 0


if __name__ == '__main__':
    sys.exit(main())
