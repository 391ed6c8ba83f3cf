"""The ``trtcore`` command line. One module per subcommand, each with ``add_parser(subparsers)`` and ``run(args)``.

Global flags (``--debug``, ``--log-level``, ``--json``) go before or after the subcommand; ``--json`` prints one
JSON document on stdout (the keys are listed in docs/cli.md) for the subcommands that have it.

Exit codes: 0 success; 1 the work ran and failed or found a problem (``compare`` mismatch, a failed build, a
TensorRT, CUDA or ONNX Runtime error); 2 bad command line or bad input (any other trtcore.Error); 3 a missing
capability (TensorRT, a GPU or an optional package not present); 130 interrupted. A closed output pipe
(``trtcore info | head``) ends quietly with 141, like other Unix tools killed by SIGPIPE. No user error prints a
traceback; ``--debug`` or ``TRTCORE_DEBUG=1`` does.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import os
import pkgutil
import signal
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import trtcore
from trtcore._info import build_info
from trtcore._interrupt import caused_by_interrupt, end_cli_startup, interrupted_message, reraise_interrupt
from trtcore.builder.flags import speak_flags
from trtcore.cli._argv import plain_help, reclaim_positionals
from trtcore.cli._trtexec import unsupported_message
from trtcore.errors import (BackendError, CudaError, Error, MissingDependency, TensorRTError,
                            TensorRTNotFound)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_MISSING, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 3, 130, 141

# Every module in trtcore.cli is a subcommand; this order is the order of `trtcore --help`, others follow.
ORDER = ("info", "build", "refit", "merge_timing_caches", "inspect", "run", "classify", "segment", "compare", "bench",
         "export", "demo", "serve", "triton_repo")


def subcommands() -> list[str]:
    found = {m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")}
    return [n for n in ORDER if n in found] + sorted(found - set(ORDER))


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _add_global_flags(parser: argparse.ArgumentParser, json_flag: bool) -> None:
    """The flags every subcommand takes before or after its name. SUPPRESS: a flag not given after the subcommand
    leaves the one given before it in place."""
    g = parser.add_argument_group("global options (before or after the subcommand)")
    g.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="print Python tracebacks with errors, for bug reports (also TRTCORE_DEBUG=1)")
    g.add_argument("--log-level", default=argparse.SUPPRESS, type=str.upper, choices=LOG_LEVELS,
                   help="Python logging level: " + ", ".join(LOG_LEVELS) + " (default WARNING)")
    if json_flag:
        g.add_argument("--json", dest="_global_json", action="store_true", default=argparse.SUPPRESS,
                       help="print one JSON document on stdout, for scripts (subcommands with --json)")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trtcore", description="ONNX → TensorRT engine → inference.")
    parser.add_argument("--version", action="version", version=f"trtcore {trtcore.__version__}",
                        help="print trtcore's version and exit")
    _add_global_flags(parser, json_flag=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in subcommands():
        module = importlib.import_module(f"trtcore.cli.{name}")
        sub_parser = module.add_parser(sub)
        _add_global_flags(sub_parser, json_flag=False)
        plain_help(sub_parser)
        sub_parser.set_defaults(_run=module.run, _parser=sub_parser)
    return parser


def print_json(document: Any) -> None:
    """The one JSON document a ``--json`` run prints on stdout (paths and numpy scalars as text)."""
    print(json.dumps(document, indent=2, default=str))


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = make_parser()
    args, unknown = parser.parse_known_args(reclaim_positionals(argv, parser))
    if unknown:  # in the subcommand's words (its usage), naming trtexec's flags trtcore does not take
        where = getattr(args, "_parser", parser)
        for token in unknown:
            message = unsupported_message(token, args.command)
            if message is not None:
                where.error(message)
        where.error(f"unrecognized arguments: {' '.join(unknown)}")
    if getattr(args, "_global_json", False):  # trtcore --json SUBCOMMAND ...
        if not hasattr(args, "json"):
            args._parser.error(f"--json: trtcore {args.command} has no JSON output")
        args.json = True
    return args


def _debug_requested(argv: Sequence[str]) -> bool:
    return "--debug" in argv or os.environ.get("TRTCORE_DEBUG", "").strip() not in ("", "0")


def _run(argv: Sequence[str], debug: bool) -> int:
    args = _parse(argv)
    logging.basicConfig(level=getattr(args, "log_level", "WARNING"), format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args._run(args) or 0)
    except (TensorRTNotFound, MissingDependency) as e:
        _error(args.command, str(e), debug, prefix="")
        return EXIT_MISSING
    except (CudaError, TensorRTError, BackendError) as e:
        _error(args.command, str(e), debug)
        if isinstance(e, CudaError) and not build_info()["cuda"]["devices"]:
            return EXIT_MISSING  # no GPU (or no driver) here: a missing capability, not a failed run
        return EXIT_FAILED
    except Error as e:
        reraise_interrupt(e)  # "X is not installed" because Ctrl-C interrupted its import
        _error(args.command, speak_flags(str(e), getattr(args, "_parser", None)), debug)
        return EXIT_BAD_INPUT
    except MemoryError as e:
        _error(args.command, f"out of memory ({e or 'the inputs or outputs are too large'})", debug)
        return EXIT_BAD_INPUT
    except (KeyboardInterrupt, BrokenPipeError):
        raise
    except Exception as e:  # a bug in trtcore: one line, and the traceback on request
        reraise_interrupt(e)  # unless it is a Ctrl-C that an import turned into an ImportError
        _error(args.command, f"internal error: {type(e).__name__}: {e} (please report it with the output of "
                             "--debug)", debug)
        return EXIT_FAILED


def _error(command: str, message: str, debug: bool, prefix: str = "error: ") -> None:
    if debug:
        traceback.print_exc()
    print(f"trtcore {command}: {prefix}{message}", file=sys.stderr)


def _quiet_stdout() -> None:
    """After a broken pipe (``trtcore info | head``) nothing more can be printed: point stdout at /dev/null so
    the interpreter's final flush does not fail again."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs ``trtcore``; returns the exit code (see the top of this module). ``--debug`` (before or after the
    subcommand) or ``TRTCORE_DEBUG=1`` prints tracebacks with the one-line errors, for bug reports."""
    entry_point = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = _debug_requested(argv)
    argv = [a for a in argv if a != "--debug"]
    # File names from os.listdir may hold bytes that are not UTF-8 (legal on Linux). Where stdout would fail on
    # them (a UTF-8 locale other than C.UTF-8), print them escaped ("caf\\udce9.ppm", as stderr does) instead of
    # failing in the middle of a batch.
    if getattr(sys.stdout, "errors", None) == "strict":
        with contextlib.suppress(AttributeError, ValueError):
            sys.stdout.reconfigure(errors="backslashreplace")
    try:
        if entry_point:
            end_cli_startup()  # KeyboardInterrupt is caught below from here on (see trtcore/_interrupt.py)
        code = _run(argv, debug)
        sys.stdout.flush()  # inside the try: a reader that went away is reported here, not at interpreter exit
        return code
    except KeyboardInterrupt:
        if debug:
            traceback.print_exc()
        with contextlib.suppress(OSError, ValueError):
            print(interrupted_message(argv), file=sys.stderr)
        return EXIT_INTERRUPTED
    except ImportError as e:  # a subcommand's import interrupted (make_parser imports them all)
        if caused_by_interrupt(e) is None:
            raise
        with contextlib.suppress(OSError, ValueError):
            print(interrupted_message(argv), file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    finally:
        if entry_point:  # a Ctrl-C while the interpreter shuts down must not turn exit 0 into a traceback or -2
            signal.signal(signal.SIGINT, signal.SIG_IGN)


if __name__ == "__main__":
    sys.exit(main())
