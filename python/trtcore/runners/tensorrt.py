"""TensorRT runner: a thin adapter from the runner contract onto :class:`trtcore.engine.Engine`.

It uses the engine layer's public Python API only: ``Engine.from_file(path)``, ``engine.inputs``/``outputs``
(``TensorInfo`` with ``name``, numpy ``dtype``, ``shape`` with -1 for dynamic extents, ``profiles`` as
``[(min, opt, max), ...]``) and ``engine.infer(feed) -> {name: array}``; optionally ``engine.last_timings()``
(``h2d``/``compute``/``d2h`` seconds) for ``trtcore bench``.

Plans are code to TensorRT: never load an engine file from a source you do not trust.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from trtcore.errors import FileError, FormatError, TensorRTNotFound
from trtcore.runners.base import Runner, TensorMeta


def _engine_class() -> Any:
    """trtcore's Engine class, or None in builds that predate the engine layer."""
    try:
        from trtcore.engine import Engine
    except ImportError:
        return None
    return Engine


def tensorrt_unavailable_reason() -> str | None:
    """Why TensorRT cannot run here, or None when it can.

    >>> tensorrt_unavailable_reason()  # doctest: +SKIP
    'this trtcore was built without TensorRT headers (...)'
    """
    from trtcore._info import build_info

    info = build_info()
    trt = info["tensorrt"]
    if not trt["compiled"]:
        return ("this trtcore was built without TensorRT headers (rebuild with TensorRT_ROOT=/path/to/TensorRT "
                "pip install .)")
    if _engine_class() is None:
        return "this trtcore has no TensorRT engine layer (trtcore.engine is missing)"
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
        self.engine = _engine_class().from_file(self.path)

    def deactivate_impl(self) -> None:
        self.engine = None

    def _meta(self, t: Any) -> TensorMeta:
        try:
            dtype = np.dtype(t.dtype)
        except TypeError:
            raise FormatError(f"{self.name}: tensor '{t.name}' has type {t.dtype}, which numpy cannot hold "
                              "(pip install ml_dtypes for bfloat16/fp8)") from None
        shape = tuple(int(d) if int(d) >= 0 else None for d in t.shape)
        profiles = getattr(t, "profiles", None) or []
        lo, _, hi = profiles[0] if profiles else (None, None, None)
        return TensorMeta(t.name, dtype, shape, tuple(lo) if lo is not None else None,
                          tuple(hi) if hi is not None else None)

    def input_metadata_impl(self) -> list[TensorMeta]:
        return [self._meta(t) for t in self.engine.inputs]

    def output_metadata_impl(self) -> list[TensorMeta]:
        return [self._meta(t) for t in self.engine.outputs]

    def infer_impl(self, feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return dict(self.engine.infer(feed))

    def last_timings(self) -> dict[str, float]:
        fn = getattr(self.engine, "last_timings", None)
        return dict(fn()) if fn is not None else {}
