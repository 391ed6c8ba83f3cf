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

from trtcore.engine import Engine
from trtcore.errors import DTypeError, FileError, TensorRTNotFound
from trtcore.runners.base import Runner, TensorMeta


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
    if not trt["library"]:
        return "the TensorRT library libnvinfer was not found (pip install tensorrt, or set TRTCORE_TENSORRT_LIB_DIR); looked in: " + \
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

    def __init__(self, source: str | Path | bytes | bytearray | memoryview | Engine, *, name: str | None = None,
                 allow_host_code: bool = False) -> None:
        self.engine: Engine | None = source if isinstance(source, Engine) else None
        self._plan: bytes | bytearray | memoryview | None = None
        self.path: Path | None = None
        if isinstance(source, (bytes, bytearray, memoryview)):
            self._plan = source
            label = "<bytes>"
        elif isinstance(source, Engine):
            label = source.source
        else:
            self.path = Path(source)
            if not self.path.exists():
                raise FileError(f"{self.path}: no such engine file")
            if self.path.is_dir():
                raise FileError(f"{self.path}: is a folder, expected an engine file (.engine, .plan)")
            label = str(self.path)
        self.allow_host_code = allow_host_code
        super().__init__(name or label)

    def activate_impl(self) -> None:
        # The engine layer raises TensorRTNotFound itself, listing where it looked for libnvinfer.
        if self.engine is not None:
            return
        try:
            if self._plan is not None:
                self.engine = Engine.from_bytes(self._plan, self.name, allow_host_code=self.allow_host_code)
            else:
                self.engine = Engine.from_file(self.path, allow_host_code=self.allow_host_code)
        except TensorRTNotFound as e:
            raise TensorRTNotFound(f"{self.name}: cannot run a TensorRT engine: {e}") from None

    def deactivate_impl(self) -> None:
        if self.path is not None or self._plan is not None:
            self.engine = None

    # The engine's own facts, for users of trtcore.load("m.engine") (the runner contract covers the rest).
    def inspect(self) -> dict[str, Any]:
        """The engine inspector's layer information (parsed JSON). See :meth:`trtcore.Engine.inspect`."""
        return self._active_engine().inspect()

    @property
    def device_memory_size(self) -> int:
        return self._active_engine().device_memory_size

    @property
    def num_profiles(self) -> int:
        return self._active_engine().num_profiles

    def create_execution(self, stream: int | None = None, cuda_graph: bool = False, profile: int = 0) -> Any:
        """An explicit executor (own context, stream, buffers). See :meth:`trtcore.Engine.create_execution`."""
        return self._active_engine().create_execution(stream=stream, cuda_graph=cuda_graph, profile=profile)

    def _active_engine(self) -> Engine:
        if self.engine is None:
            self.activate()
        assert self.engine is not None
        return self.engine

    def _meta(self, t: Any) -> TensorMeta:
        try:
            dtype = np.dtype(t.dtype)
        except TypeError:
            raise DTypeError(f"{self.name}: tensor '{t.name}' has type {t.dtype}, which numpy cannot hold "
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

    def set_stage_timing(self, on: bool) -> None:
        self._active_engine().set_stage_timing(on)

    def last_timings(self) -> dict[str, float]:
        return self.engine.last_timings() if self.engine is not None else {}
