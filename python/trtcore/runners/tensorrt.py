"""TensorRT runner: a thin adapter from the runner contract onto the native ``_core.Engine``.

What this file expects from ``_core.Engine`` (owned by the runtime layer):

- ``_core.Engine(path: str)`` deserializes a plan file (raises trtcore errors on a bad file);
- ``engine.inputs`` / ``engine.outputs``: sequences of objects with ``name: str``, ``dtype: str`` (numpy's name,
  e.g. ``"float32"``), ``shape: list[int]`` (-1 for a dynamic extent) and, for inputs of dynamic engines,
  ``min_shape`` / ``max_shape`` (profile 0) or ``None``;
- ``engine.infer(feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]`` on C-contiguous arrays of the declared
  dtypes (the base class guarantees that), releasing the GIL while it waits on the GPU;
- optionally ``engine.last_timings() -> dict[str, float]`` with ``h2d``/``compute``/``d2h`` seconds.

Plans are code to TensorRT: never load an engine file from a source you do not trust.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from trtcore.errors import FileError, TensorRTNotFound
from trtcore.runners.base import Runner, TensorMeta


def tensorrt_unavailable_reason() -> str | None:
    """Why TensorRT cannot run here, or None when it can.

    >>> tensorrt_unavailable_reason()  # doctest: +SKIP
    'this trtcore was built without TensorRT headers'
    """
    from trtcore import _core
    from trtcore._info import build_info

    info = build_info()
    trt = info["tensorrt"]
    if not trt["compiled"]:
        return ("this trtcore was built without TensorRT headers (rebuild with TensorRT_ROOT=/path/to/TensorRT "
                "pip install .)")
    if not hasattr(_core, "Engine"):
        return "this trtcore build has no TensorRT runtime (_core.Engine is missing)"
    if not trt["library"]:
        return "libnvinfer was not found (pip install tensorrt, or set TRTCORE_TENSORRT_LIB_DIR); looked in: " + \
            "; ".join(trt["searched"])
    if not info["cuda"]["devices"]:
        return f"no usable CUDA device ({info['cuda']['error'] or 'none found'})"
    return None


class TensorRTRunner(Runner):
    """Runs a serialized TensorRT engine (``.engine`` / ``.plan``).

    >>> with TensorRTRunner("model.engine") as r:  # doctest: +SKIP
    ...     out = r.infer({"input": x})
    """

    backend = "tensorrt"

    def __init__(self, path: str | Path, *, name: str | None = None) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileError(f"{self.path}: no such engine file")
        super().__init__(name or str(self.path))
        self.engine: Any = None

    def activate_impl(self) -> None:
        reason = tensorrt_unavailable_reason()
        if reason is not None:
            raise TensorRTNotFound(f"{self.name}: cannot run a TensorRT engine: {reason}")
        from trtcore import _core

        self.engine = _core.Engine(str(self.path))

    def deactivate_impl(self) -> None:
        self.engine = None

    @staticmethod
    def _meta(t: Any) -> TensorMeta:
        shape = tuple(int(d) if int(d) >= 0 else None for d in t.shape)
        lo, hi = getattr(t, "min_shape", None), getattr(t, "max_shape", None)
        return TensorMeta(t.name, np.dtype(t.dtype), shape,
                          tuple(lo) if lo is not None else None, tuple(hi) if hi is not None else None)

    def input_metadata_impl(self) -> list[TensorMeta]:
        return [self._meta(t) for t in self.engine.inputs]

    def output_metadata_impl(self) -> list[TensorMeta]:
        return [self._meta(t) for t in self.engine.outputs]

    def infer_impl(self, feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return dict(self.engine.infer(feed))

    def last_timings(self) -> dict[str, float]:
        fn = getattr(self.engine, "last_timings", None)
        return dict(fn()) if fn is not None else {}
