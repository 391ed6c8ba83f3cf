"""ONNX Runtime runner: the same contract as the TensorRT runner, on CPU or ONNX Runtime's CUDA provider."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from trtcore.errors import BackendError, FileError, FormatError
from trtcore.runners.base import Runner, TensorMeta

log = logging.getLogger("trtcore.runners")

# ONNX Runtime names element types "tensor(float)"; map them to numpy's names.
_ORT_DTYPES = {
    "tensor(float)": np.float32, "tensor(float16)": np.float16, "tensor(double)": np.float64,
    "tensor(int8)": np.int8, "tensor(int16)": np.int16, "tensor(int32)": np.int32, "tensor(int64)": np.int64,
    "tensor(uint8)": np.uint8, "tensor(uint16)": np.uint16, "tensor(uint32)": np.uint32,
    "tensor(uint64)": np.uint64, "tensor(bool)": np.bool_,
}


def _import_ort() -> Any:
    try:
        import onnxruntime
    except ImportError as e:
        raise BackendError("ONNX Runtime is not installed: pip install 'trtcore[onnx]' "
                           f"(or pip install onnxruntime / onnxruntime-gpu) ({e})") from None
    return onnxruntime


def default_providers() -> list[str]:
    """CUDA first when ONNX Runtime offers it (onnxruntime-gpu), then CPU.

    >>> default_providers()[-1]
    'CPUExecutionProvider'
    """
    available = _import_ort().get_available_providers()
    return [p for p in ("CUDAExecutionProvider", "CPUExecutionProvider") if p in available]


class OnnxRuntimeRunner(Runner):
    """Runs an ONNX model with ONNX Runtime.

    ``providers`` defaults to :func:`default_providers`; ``threads`` sets intra-op threads (0 = ORT default).

    >>> with OnnxRuntimeRunner("model.onnx") as r:  # doctest: +SKIP
    ...     out = r.infer({"input": x})
    """

    backend = "onnxruntime"

    def __init__(self, model: str | Path | bytes, *, providers: Sequence[str] | None = None,
                 threads: int = 0, name: str | None = None) -> None:
        if isinstance(model, (bytes, bytearray)):
            self._model: Path | bytes = bytes(model)
            label = name or "<onnx bytes>"
        else:
            path = Path(model)
            if not path.is_file():
                raise FileError(f"{path}: no such ONNX file")
            self._model = path
            label = name or str(path)
        super().__init__(label)
        self.providers = list(providers) if providers else None
        self.threads = threads
        self.session: Any = None
        self._run: Any = None
        self._output_names: list[str] = []

    def activate_impl(self) -> None:
        ort = _import_ort()
        opts = ort.SessionOptions()
        if self.threads:
            opts.intra_op_num_threads = self.threads
        providers = self.providers or default_providers()
        model = str(self._model) if isinstance(self._model, Path) else self._model
        try:
            self.session = ort.InferenceSession(model, sess_options=opts, providers=providers)
        except Exception as e:  # ORT raises its own Fail/InvalidGraph/... types
            kind = FormatError if "protobuf" in str(e).lower() or "load model" in str(e).lower() else BackendError
            raise kind(f"{self.name}: ONNX Runtime cannot load this model: {e}") from None
        self._output_names = [o.name for o in self.session.get_outputs()]
        # The base class has validated names, dtypes and shapes already; InferenceSession.run would check the
        # names again in Python on every call, so call the C++ session underneath when it is there.
        inner = getattr(self.session, "_sess", None)
        self._run = inner.run if inner is not None and hasattr(inner, "run") else self.session.run
        log.debug("%s: ONNX Runtime session on %s", self.name, self.session.get_providers())

    def deactivate_impl(self) -> None:
        self.session = None
        self._run = None

    @property
    def active_providers(self) -> list[str]:
        """The execution providers the session actually uses (after activation)."""
        self.activate()
        return list(self.session.get_providers())

    def _meta(self, args: Sequence[Any]) -> list[TensorMeta]:
        metas = []
        for a in args:
            if a.type not in _ORT_DTYPES:
                raise FormatError(f"{self.name}: tensor '{a.name}' has type {a.type}, which trtcore does not "
                                  f"support (supported: {sorted(_ORT_DTYPES)})")
            shape = tuple(d if isinstance(d, str) or d is None else int(d) for d in a.shape)
            metas.append(TensorMeta(a.name, np.dtype(_ORT_DTYPES[a.type]), shape))
        return metas

    def input_metadata_impl(self) -> list[TensorMeta]:
        return self._meta(self.session.get_inputs())

    def output_metadata_impl(self) -> list[TensorMeta]:
        return self._meta(self.session.get_outputs())

    def infer_impl(self, feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        try:
            values = self._run(self._output_names, feed, None)
        except Exception as e:
            raise BackendError(f"{self.name}: ONNX Runtime failed: {e}") from None
        return dict(zip(self._output_names, values))
