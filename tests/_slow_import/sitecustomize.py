"""Test hook (tests/test_cli_interrupt.py puts this folder on PYTHONPATH): makes the window for a Ctrl-C wide.

TRTCORE_TEST_SLOW_IMPORT=MODULE[:cext]  the import of MODULE prints "slow-import: MODULE" to stderr and waits (up to
    30 s) before it goes ahead. With ":cext" an interrupt during the wait is reported the way a C extension's
    module init reports it (pybind11: ImportError "initialization failed" chained from the KeyboardInterrupt).
TRTCORE_TEST_SLOW_EXIT=1  the interpreter prints "slow-exit" at shutdown (last atexit handler) and waits 3 s.
"""

import atexit
import os
import sys
import time


class _SlowImport:
    def __init__(self, name: str, cext: bool) -> None:
        self.name, self.cext, self.done = name, cext, False

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.name or self.done:
            return
        self.done = True
        sys.stderr.write(f"slow-import: {fullname}\n")
        sys.stderr.flush()
        try:
            for _ in range(600):
                time.sleep(0.05)
        except KeyboardInterrupt as k:
            if self.cext:
                raise ImportError("initialization failed") from k
            raise
        # None: the real finders import it


_spec = os.environ.get("TRTCORE_TEST_SLOW_IMPORT", "")
if _spec:
    _name, _, _mode = _spec.partition(":")
    sys.meta_path.insert(0, _SlowImport(_name, _mode == "cext"))


def _slow_exit() -> None:
    sys.stderr.write("slow-exit\n")
    sys.stderr.flush()
    for _ in range(60):
        time.sleep(0.05)


if os.environ.get("TRTCORE_TEST_SLOW_EXIT") == "1":
    atexit.register(_slow_exit)
