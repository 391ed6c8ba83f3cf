"""Refitting an engine's weights from an ONNX model, as trtexec's ``--refitFromOnnx`` does: TensorRT's
``IRefitter`` over the engine, the ONNX parser's ``IParserRefitter::refitFromFile`` for the weights, then the
engine serialized again with its weights (cpp/tensorrt/refit.cpp).

For engines built ``--refit`` (new weights, same network: fine-tuned or retrained models) or ``--stripWeights``
(a small plan shipped without its weights, refitted from the model where it runs)::

    trtcore.builder.refit("stripped.engine", "model.onnx", "model.engine")
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from trtcore import _core
from trtcore.errors import FileError, TensorRTNotFound
from trtcore.files import check_target, write_file_atomic

log = logging.getLogger(__name__)

__all__ = ["RefitReport", "refit"]

PathLike = str | os.PathLike


@dataclass(frozen=True)
class RefitReport:
    """What :func:`refit` did: the refitted engine written to ``output`` (``engine_bytes`` long, in ``seconds``
    from loading the engine to the refitted plan)."""

    engine: Path
    onnx: Path
    output: Path
    engine_bytes: int
    seconds: float


def _regular_file(path: Path, what: str) -> None:
    """FileError unless ``path`` is a regular file (a FIFO would block the read, a folder cannot be read)."""
    if not path.is_file():
        why = "it is a folder" if path.is_dir() else "not a regular file" if path.exists() else "no such file"
        raise FileError(f"{what} {path}: cannot read: {why}")


def _read_engine(path: Path) -> bytes:
    _regular_file(path, "engine")
    try:
        return path.read_bytes()
    except OSError as e:
        raise FileError(f"engine {path}: cannot read ({e.strerror or e})") from e


def refit(engine: PathLike, onnx: PathLike, output: PathLike | None = None, *, plugins: Sequence[PathLike] = (),
          allow_host_code: bool = False) -> RefitReport:
    """Refits the weights of the engine file ``engine`` from the ONNX model ``onnx`` and writes the refitted
    engine, with its weights, to ``output`` (default: ``engine`` itself, replaced atomically).

    The engine must have been built refittable (``BuildConfig(refit=True)`` / ``--refit``) or weight-stripped
    (``strip_weights=True`` / ``--stripWeights``), from a model with the same network; ``onnx`` must hold every
    weight it needs under the same names. ``plugins`` and ``allow_host_code`` are as for :func:`trtcore.load`.

    Raises FileError (a file missing or unreadable, ``output`` not writable), ArgumentError (the engine is not
    refittable), TensorRTError (the model lacks weights the engine needs, naming them; TensorRT's parser or
    refitter refused, with its words), TensorRTNotFound.

    >>> trtcore.builder.refit("stripped.engine", "model.onnx", "model.engine").output  # doctest: +SKIP
    PosixPath('model.engine')
    """
    engine, onnx = Path(os.fsdecode(engine)), Path(os.fsdecode(onnx))
    plan = _read_engine(engine)
    _regular_file(onnx, "ONNX model")
    target = check_target(engine if output is None else output, "output")
    if _core.compiled_info()["tensorrt_major"] is None:
        from trtcore._info import REBUILD_WITH_TENSORRT

        raise TensorRTNotFound(f"this trtcore was built without TensorRT headers, so it cannot refit engines: "
                               f"{REBUILD_WITH_TENSORRT}")
    options = _core.LoadOptions()
    options.plugins, options.allow_host_code = [os.fsdecode(p) for p in plugins], allow_host_code
    start = time.perf_counter()
    refitted = _core.refit_engine(plan, str(onnx), str(engine), options)
    seconds = time.perf_counter() - start
    written = write_file_atomic(target, refitted, what="output")
    log.info("refitted %s from %s into %s (%d bytes, %.2f s)", engine, onnx, written, len(refitted), seconds)
    return RefitReport(engine, onnx, written, len(refitted), seconds)
