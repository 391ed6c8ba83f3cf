"""Ctrl-C, wherever it lands: during ``import trtcore``, the command line's start-up, a run, or shutdown.

Two things make an interrupt go wrong. First, the command line's entry points (the ``trtcore`` script and
``python -m trtcore``) import the whole package before ``trtcore.cli.main`` can catch anything, so a Ctrl-C there
used to end in a ``KeyboardInterrupt`` traceback and exit -2 (killed by SIGINT). :func:`guard_cli_startup`, called
first thing in ``trtcore/__init__.py``, makes SIGINT print one line and exit 130 until ``main`` takes over
(:func:`end_cli_startup`); ``main`` ignores SIGINT again once it has its exit code, for shutdown.

Second, C extensions report an interrupted module initialisation as an ``ImportError`` ("initialization failed")
chained from the ``KeyboardInterrupt`` (pybind11 does, so do ONNX Runtime's and torch's modules), which an
``except ImportError`` around an optional import then reports as a missing package ("ONNX Runtime is not
installed"). Every such site calls :func:`reraise_interrupt` first.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

EXIT_INTERRUPTED = 130


def caused_by_interrupt(error: BaseException) -> KeyboardInterrupt | None:
    """The KeyboardInterrupt `error` is or comes from (through ``__cause__`` / ``__context__``), else None.

    >>> try:
    ...     try:
    ...         raise KeyboardInterrupt
    ...     except KeyboardInterrupt as k:
    ...         raise ImportError("initialization failed") from k
    ... except ImportError as e:
    ...     caused_by_interrupt(e) is not None
    True
    """
    seen: set[int] = set()
    e: BaseException | None = error
    while e is not None and id(e) not in seen:
        if isinstance(e, KeyboardInterrupt):
            return e
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return None


def reraise_interrupt(error: BaseException) -> None:
    """Raises the KeyboardInterrupt behind `error` (an ImportError from an interrupted import), if there is one.

    >>> try:
    ...     import no_such_module_here
    ... except ImportError as e:
    ...     reraise_interrupt(e)  # a plain missing module: returns, the caller reports it
    """
    interrupt = caused_by_interrupt(error)
    if interrupt is not None:
        raise KeyboardInterrupt(*interrupt.args) from error


def interrupted_message(argv: Sequence[str]) -> str:
    """``"trtcore build: interrupted"``: the one line a Ctrl-C prints (the subcommand when there is one)."""
    command = next((f" {a}" for a in argv if not a.startswith("-")), "")
    return f"trtcore{command}: interrupted"


def _starting_the_cli() -> bool:
    """Whether this import of trtcore is the command line starting (the console script, or ``-m trtcore``)."""
    argv0 = sys.argv[0] if sys.argv else ""
    if argv0 == "-m":  # runpy sets argv[0] to "-m" while it imports the package of ``python -m trtcore``
        orig = list(getattr(sys, "orig_argv", []))
        return any(a == "-m" and b in ("trtcore", "trtcore.cli") for a, b in itertools.pairwise(orig)) or \
            any(a in ("-mtrtcore", "-mtrtcore.cli") for a in orig)
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    return Path(argv0).name == "trtcore" and main_file is not None and Path(main_file).name == "trtcore"


def _exit_interrupted(signum: int, frame: FrameType | None) -> None:
    # os._exit, not an exception: an exception raised here can be turned into an ImportError by the module being
    # initialised (see above) and printed as a traceback; nothing is buffered yet that exiting would lose.
    os.write(2, (interrupted_message(sys.argv[1:]) + "\n").encode(errors="replace"))
    os._exit(EXIT_INTERRUPTED)


def guard_cli_startup() -> None:
    """When the command line is starting, a Ctrl-C before ``main`` runs exits 130 with one line."""
    if (threading.current_thread() is threading.main_thread() and _starting_the_cli()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
        signal.signal(signal.SIGINT, _exit_interrupted)


def end_cli_startup() -> None:
    """``main`` catches KeyboardInterrupt from here on: Python's own SIGINT handler is back."""
    if signal.getsignal(signal.SIGINT) is _exit_interrupted:
        signal.signal(signal.SIGINT, signal.default_int_handler)
