# tests/bench/alloc_workload.py - an allocation-heavy Python workload for
# tests/bench/hook-overhead.py: small dicts, tuples, strings and lists made
# and dropped (PyObject_Malloc/Free through the interpreter), plus, when
# the pmvictim module is importable, PyMem_Malloc/Free pairs made by
# extension code. Prints the seconds the workload took, without start-up.
import sys
import time


def python_objects(n):
    keep = []
    for i in range(n):
        keep.append({"i": i, "s": str(i) * 3, "t": (i, i + 1, [i])})
        if len(keep) >= 512:
            keep.clear()


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    try:
        import pmvictim
    except ImportError:
        pmvictim = None
    start = time.perf_counter()
    python_objects(n)
    if pmvictim is not None:
        for _ in range(10):
            pmvictim.work(n // 10)
    print(f"{time.perf_counter() - start:.6f}")


main()
