"""Runners over :class:`trtcore.Executor`: :class:`ExecutorRunner` runs any execution backend (a factory of
backends, one per thread), :class:`TensorRTRunner` a TensorRT engine (its execution contexts are the backends).

The inference path is three hops: ``Runner.infer`` → ``ExecutorRunner.infer_impl`` → ``trtcore.Executor.infer``
(the bound C++ executor, which validates the feed once with the one validator and runs it).

Plans are code to TensorRT: never load an engine file from a source you do not trust.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from trtcore.engine import Engine
from trtcore.errors import ArgumentError, CudaError, FileError, TensorRTNotFound
from trtcore.runners.base import Runner, TensorInfo
from trtcore.runtime import ExecutionBackend, PerThreadExecutors


def tensorrt_unavailable_reason() -> str | None:
    """Why TensorRT cannot run here, or None when it can.

    >>> tensorrt_unavailable_reason()  # doctest: +SKIP
    'this trtcore was built without TensorRT headers (...)'
    """
    from trtcore._info import build_info, enable_tensorrt_hint

    info = build_info()
    hint = enable_tensorrt_hint(info)
    if hint is not None:
        searched = info["tensorrt"]["searched"]
        return hint + (" Looked in: " + "; ".join(searched) if searched else "")
    if not info["cuda"]["devices"]:
        return f"no usable CUDA device ({info['cuda']['error'] or 'none found'})"
    return None


_DRIVER_LOCK = threading.Lock()
_driver: Any = None
_primary_contexts: dict[int, ctypes.c_void_p] = {}


def _check(driver: Any, status: int, call: str) -> None:
    if status != 0:
        text = ctypes.c_char_p()
        driver.cuGetErrorString(status, ctypes.byref(text))
        raise CudaError(f"{call}: CUDA error {status} ({(text.value or b'unknown').decode()})")


def _primary_context(index: int) -> tuple[Any, ctypes.c_void_p]:
    global _driver
    with _DRIVER_LOCK:
        if _driver is None:
            try:
                driver = ctypes.CDLL("libcuda.so.1")
            except OSError as e:
                raise CudaError(f"device {index}: cannot load the NVIDIA driver (libcuda.so.1): {e}") from None
            _check(driver, driver.cuInit(0), "cuInit")
            _driver = driver
        if index not in _primary_contexts:
            count = ctypes.c_int()
            _check(_driver, _driver.cuDeviceGetCount(ctypes.byref(count)), "cuDeviceGetCount")
            if not 0 <= index < count.value:
                raise ArgumentError(f"device {index}: no such GPU ({count.value} visible: 0 to {count.value - 1}; "
                                    "CUDA_VISIBLE_DEVICES renumbers them)")
            device, context = ctypes.c_int(), ctypes.c_void_p()
            _check(_driver, _driver.cuDeviceGet(ctypes.byref(device), index), f"cuDeviceGet({index})")
            # Retained for the life of the process: it is the context the CUDA runtime itself uses for the GPU.
            _check(_driver, _driver.cuDevicePrimaryCtxRetain(ctypes.byref(context), device),
                   f"cuDevicePrimaryCtxRetain({index})")
            _primary_contexts[index] = context
        return _driver, _primary_contexts[index]


def use_device(index: int) -> None:
    """Makes GPU ``index`` the calling thread's current CUDA device (``cudaSetDevice``), through the driver: its
    primary context made current, the one the CUDA runtime (trtcore's and TensorRT's) uses for that GPU. Engines
    deserialize, and executors make their streams and buffers, on the current device.

    >>> use_device(1)  # doctest: +SKIP
    """
    driver, context = _primary_context(index)
    _check(driver, driver.cuCtxSetCurrent(context), f"cuCtxSetCurrent (device {index})")


class ExecutorRunner(Runner):
    """Runs any execution backend through :class:`trtcore.Executor`, one executor (and backend) per calling thread.

    ``backend_factory()`` returns a new :class:`trtcore.runtime.ExecutionBackend` (TensorRT: an engine's
    ``create_context``; tests: the identity backend). Feeds may be numpy arrays, DLPack objects or CUDA arrays
    (bound directly on the device); ``infer(..., output_device="cuda")`` returns DeviceArrays.

    ``device``: the GPU (an index, as ``cudaSetDevice`` takes it) made current in each thread before the runner
    creates or runs anything there, so its backends, streams and buffers live on that GPU (it stays the thread's
    current device afterwards, as after ``cudaSetDevice``); None uses the thread's current device (GPU 0 unless
    the caller chose another).

    >>> runner = ExecutorRunner(engine.create_context, name="model")  # doctest: +SKIP
    >>> runner.infer({"input": torch_cuda_tensor}, output_device="cuda")  # doctest: +SKIP
    """

    backend = "executor"
    writes_out = True

    def __init__(self, backend_factory: Callable[[], ExecutionBackend] | None, *, name: str = "executor",
                 cuda_graph: bool = False, device: int | None = None) -> None:
        super().__init__(name)
        if device is not None and (isinstance(device, bool) or not isinstance(device, int) or device < 0):
            raise ArgumentError(f"{name}: device must be a GPU index (0 or more) or None, got {device!r}")
        self.device = device
        self.cuda_graph = cuda_graph
        self._executors: PerThreadExecutors | None = None
        self._factory = backend_factory
        self._stage_timing = False

    def _on_device(self) -> None:
        if self.device is not None:
            use_device(self.device)

    def activate_impl(self) -> None:
        self._on_device()
        self._executors = PerThreadExecutors(self._factory, cuda_graph=self.cuda_graph)
        self._executors.stage_timing = self._stage_timing

    def _load_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"allow_host_code": self.allow_host_code}
        if self.plugins:
            options["plugins"] = self.plugins
        if self.lean_runtime is not None:
            options["lean_runtime"] = self.lean_runtime
        if self.temp_dir is not None:
            options["temp_dir"] = self.temp_dir
        if self.tempfile_controls is not None:
            options["tempfile_controls"] = self.tempfile_controls
        return options

    def deactivate_impl(self) -> None:
        self._executors = None

    def _tensors(self) -> list[TensorInfo]:
        return list(self._executors.get().backend.tensors)

    def input_metadata_impl(self) -> list[TensorInfo]:
        return [t for t in self._tensors() if t.is_input]

    def output_metadata_impl(self) -> list[TensorInfo]:
        return [t for t in self._tensors() if not t.is_input]

    def infer_impl(self, feed: dict[str, Any], *, cast: bool, output_device: str,
                   out: dict[str, Any] | None = None) -> dict[str, Any]:
        # out=: the executor checks the arrays and copies the outputs into them chunk by chunk as they land.
        self._on_device()  # this thread's executor is made, and runs, on the runner's GPU
        return self._executors.get().infer(feed, True, output_device, cast=cast, out=out)

    def new_backend(self) -> ExecutionBackend:
        """A new backend over the same model (TensorRT: a new execution context of the engine), e.g. for the
        Classifier's and the Segmenter's GPU pipelines."""
        self.activate()
        self._on_device()
        return self._factory()

    @property
    def executor(self) -> Any:
        """This thread's :class:`trtcore.Executor` (its ``stats`` count runs, allocations, host_copy_bytes)."""
        self.activate()
        self._on_device()
        return self._executors.get()

    def set_stage_timing(self, on: bool) -> None:
        self._stage_timing = bool(on)
        if self._executors is not None:
            self._executors.stage_timing = on

    def last_timings(self) -> dict[str, float]:
        ex = self._executors.current() if self._executors is not None else None
        return ex.last_timings() if ex is not None else {}


class TensorRTRunner(ExecutorRunner):
    """Runs a serialized TensorRT engine (``.engine`` / ``.plan``).

    ``device``: the GPU to deserialize the engine on and run it on (see :class:`ExecutorRunner`); an
    :class:`Engine` given ready-made stays on the device it was loaded on. ``allow_host_code``, ``plugins``,
    ``lean_runtime``, ``temp_dir`` and ``tempfile_controls``: as in :meth:`Engine.from_file`.

    >>> with TensorRTRunner("model.engine", device=1) as r:  # doctest: +SKIP
    ...     out = r.infer({"input": x})
    """

    backend = "tensorrt"

    def __init__(self, source: str | Path | bytes | bytearray | memoryview | Engine, *, name: str | None = None,
                 allow_host_code: bool = False, plugins: Sequence[str | Path] = (),
                 lean_runtime: str | Path | None = None, temp_dir: str | Path | None = None,
                 tempfile_controls: Mapping[str, bool] | None = None, device: int | None = None) -> None:
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
        self.plugins = list(plugins)  # as Engine.from_file takes them
        self.lean_runtime = lean_runtime
        self.temp_dir = temp_dir  # Engine.from_file checks both when the engine loads
        self.tempfile_controls = tempfile_controls
        super().__init__(None, name=name or label, device=device)

    def activate_impl(self) -> None:
        # The engine layer raises TensorRTNotFound itself, listing where it looked for libnvinfer.
        self._on_device()  # TensorRT deserializes onto the current device
        if self.engine is None:
            self._load_engine()
        self._factory = lambda: self.engine.create_context(0)
        super().activate_impl()

    def _load_engine(self) -> None:
        try:
            if self._plan is not None:
                self.engine = Engine.from_bytes(self._plan, self.name, **self._load_options())
            else:
                self.engine = Engine.from_file(self.path, **self._load_options())
        except TensorRTNotFound as e:
            raise TensorRTNotFound(f"{self.name}: cannot run a TensorRT engine: {e}") from None

    def deactivate_impl(self) -> None:
        super().deactivate_impl()
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
        engine = self._active_engine()
        self._on_device()
        return engine.create_execution(stream=stream, cuda_graph=cuda_graph, profile=profile)

    def _active_engine(self) -> Engine:
        if self.engine is None:
            self.activate()
        assert self.engine is not None
        return self.engine

    def input_metadata_impl(self) -> list[TensorInfo]:
        return self.engine.inputs

    def output_metadata_impl(self) -> list[TensorInfo]:
        return self.engine.outputs
