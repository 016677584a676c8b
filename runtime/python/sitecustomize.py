# runtime/python/sitecustomize.py - loads the pymem-lint runtime hook into
# every Python process that has this directory on PYTHONPATH (pymem-lint
# validate puts it there, so child processes get it too), then runs the
# sitecustomize module the user had, if any.
import os
import sys


def _pymemrt_load(lib):
    try:
        import ctypes
        import sysconfig
        dll = ctypes.PyDLL(lib)
        install = dll.pymemrt_hook_install
        install.argtypes = [ctypes.c_char_p]
        install.restype = ctypes.c_int
        paths = sysconfig.get_paths()
        ignore = [paths[k] for k in ("stdlib", "platstdlib") if paths.get(k)]
        if install(":".join(ignore).encode()) < 0:
            print("pymemrt: error: the hook could not be installed",
                  file=sys.stderr)
        else:
            os.environ["PYMEMRT_HOOK_PID"] = str(os.getpid())
    except Exception as e:  # never break the user's program
        print(f"pymemrt: error: {lib}: cannot load the hook: {e}",
              file=sys.stderr)


def _pymemrt_install():
    here = os.path.dirname(os.path.abspath(__file__))
    lib = os.environ.get("PYMEMRT_HOOK_LIB") or os.path.join(
        here, "libpymemrt-hook.so")
    # The allocators are the process's: a sub-interpreter (which runs site
    # too, and may not load ctypes) finds the hook installed already. By
    # pid, so that a child process still installs its own.
    if os.environ.get("PYMEMRT_HOOK_PID") != str(os.getpid()):
        _pymemrt_load(lib)
    # chain to the user's own sitecustomize, if there is one
    sys.path[:] = [p for p in sys.path
                   if os.path.abspath(p or os.curdir) != here]
    mine = sys.modules.pop("sitecustomize", None)
    try:
        import importlib
        importlib.import_module("sitecustomize")
    except ImportError:
        if mine is not None:
            sys.modules["sitecustomize"] = mine


_pymemrt_install()
