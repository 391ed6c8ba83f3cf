"""The ``trtcore`` command line. One module per subcommand, each with ``add_parser(subparsers)`` and ``run(args)``.

Exit codes: 0 success; 1 the work ran and failed or found a problem (``compare`` mismatch, a failed build, a
TensorRT, CUDA or ONNX Runtime error); 2 bad command line or bad input (any other trtcore.Error); 3 a missing
capability (TensorRT, a GPU or an optional package not present); 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys
from collections.abc import Sequence

from trtcore._info import build_info
from trtcore.errors import (BackendError, CudaError, DTypeError, Error, MissingDependency, TensorRTError,
                            TensorRTNotFound)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_MISSING, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

# Every module in trtcore.cli is a subcommand; this order is the order of `trtcore --help`, others follow.
ORDER = ("info", "build", "inspect", "run", "classify", "segment", "compare", "bench", "export", "demo", "serve",
         "triton_repo")


def subcommands() -> list[str]:
    found = {m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")}
    return [n for n in ORDER if n in found] + sorted(found - set(ORDER))


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trtcore", description="ONNX → TensorRT engine → inference.")
    parser.add_argument("--log-level", default="WARNING", type=str.upper,
                        choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
                        help="Python logging level (default WARNING)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in subcommands():
        module = importlib.import_module(f"trtcore.cli.{name}")
        sub_parser = module.add_parser(sub)
        sub_parser.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args._run(args) or 0)
    except (TensorRTNotFound, MissingDependency) as e:
        print(f"trtcore {args.command}: {e}", file=sys.stderr)
        return EXIT_MISSING
    except (CudaError, TensorRTError, BackendError) as e:
        print(f"trtcore {args.command}: error: {e}", file=sys.stderr)
        if isinstance(e, CudaError) and not build_info()["cuda"]["devices"]:
            return EXIT_MISSING  # no GPU (or no driver) here: a missing capability, not a failed run
        return EXIT_FAILED
    except Error as e:
        # The one dtype policy's message names the Python fix; on the command line that is --cast.
        hint = " (on the command line: --cast)" if isinstance(e, DTypeError) and "cast=True" in str(e) else ""
        print(f"trtcore {args.command}: error: {e}{hint}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"trtcore {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
