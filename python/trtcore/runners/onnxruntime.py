"""ONNX Runtime runner: the same contract as the TensorRT runner, on CPU or ONNX Runtime's CUDA provider.

It accepts the same feeds as every runner (numpy arrays, DLPack objects, CUDA arrays) and hands ONNX Runtime host
numpy arrays: DLPack CPU tensors are viewed in place (``np.from_dlpack``), CUDA tensors are copied to the host
once (``trtcore.runners.base.host_array``). Outputs are host numpy arrays (``output_device="cuda"`` is refused).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trtcore import dtypes
from trtcore._interrupt import reraise_interrupt
from trtcore.errors import ArgumentError, BackendError, FileError, FormatError
from trtcore.runners.base import Runner, TensorInfo, host_feed

log = logging.getLogger("trtcore.runners")


def _import_ort() -> Any:
    try:
        import onnxruntime
    except ImportError as e:
        reraise_interrupt(e)  # Ctrl-C during the import is not a missing package
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
        # host_feed has validated names, dtypes and shapes already; InferenceSession.run would check the names
        # again in Python on every call, so call the C++ session underneath when it is there.
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

    def _describe(self, args: Sequence[Any], io: str) -> list[TensorInfo]:
        infos = []
        for a in args:
            row = dtypes.from_ort(a.type)
            if row is None:
                raise FormatError(f"{self.name}: tensor '{a.name}' has type {a.type}, which trtcore does not support")
            dims = list(a.shape) if a.shape is not None else []
            shape = [d if isinstance(d, int) and d >= 0 else -1 for d in dims]
            names = [d if isinstance(d, str) else None for d in dims]
            infos.append(TensorInfo(a.name, row.name, shape, io=io, dim_names=names, location="host"))
        return infos

    def input_metadata_impl(self) -> list[TensorInfo]:
        return self._describe(self.session.get_inputs(), "input")

    def output_metadata_impl(self) -> list[TensorInfo]:
        return self._describe(self.session.get_outputs(), "output")

    def infer_impl(self, feed: dict[str, Any], *, cast: bool, output_device: str) -> dict[str, Any]:
        if output_device != "cpu":
            raise ArgumentError(f"{self.name}: ONNX Runtime returns host arrays; output_device must be 'cpu', got "
                                f"{output_device!r} (run the model on TensorRT for device outputs)")
        host = host_feed(self._feed_checker, feed, cast=cast)
        try:
            values = self._run(self._output_names, host, None)
        except Exception as e:
            raise BackendError(f"{self.name}: ONNX Runtime failed: {e}") from None
        return dict(zip(self._output_names, values))
