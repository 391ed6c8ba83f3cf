"""Loading and running TensorRT engines (plans) from Python.

SECURITY: a TensorRT plan is trusted code. Deserializing one runs NVIDIA's kernels and whatever the plan embeds
(plugins, and host code for version-compatible plans); a crafted plan can do what a shared library can. Load
plans only from sources you trust, as you would a ``.so`` file.

>>> import trtcore
>>> eng = trtcore.load("model.engine")  # doctest: +SKIP
>>> out = eng.infer({"input": x})  # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from trtcore import _core
from trtcore.errors import ArgumentError, TensorRTNotFound
from trtcore.files import native_path

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["TEMPFILE_CONTROLS", "Engine", "TensorInfo"]

logger = logging.getLogger(__name__)

Shape = tuple[int, ...]


#: One input or output of a model (the C++ ``trtcore::TensorInfo``, bound once; ``trtcore.TensorInfo``).
TensorInfo = _core.TensorInfo


#: What ``tempfile_controls`` may allow or deny (TensorRT's TempfileControlFlag, trtexec's --tempfileControls keys):
#: in-memory files, and files in the temporary folder (``temp_dir``).
TEMPFILE_CONTROLS = ("in_memory", "temporary")


def _tempfile_controls(controls: Mapping[str, bool] | None) -> tuple[bool, bool]:
    """``{"in_memory": True, "temporary": False}`` → (allow in-memory files, allow temporary files); a key left
    out is allowed, as in TensorRT."""
    if controls is None:
        return True, True
    if not isinstance(controls, Mapping):
        raise ArgumentError(f"tempfile_controls: expected a mapping such as {{'in_memory': True, 'temporary': "
                            f"False}}, got {type(controls).__name__}")
    unknown = sorted(str(k) for k in controls if k not in TEMPFILE_CONTROLS)
    if unknown:
        raise ArgumentError(f"tempfile_controls: unknown key {', '.join(unknown)} (known: "
                            f"{', '.join(TEMPFILE_CONTROLS)})")
    for key, allowed in controls.items():
        if not isinstance(allowed, bool):
            raise ArgumentError(f"tempfile_controls[{key!r}]: expected True (allow) or False (deny), got {allowed!r}")
    return controls.get("in_memory", True), controls.get("temporary", True)


def _load_options(allow_host_code: bool, plugins: Sequence[str | os.PathLike[str]],
                  lean_runtime: str | os.PathLike[str] | None, temp_dir: str | os.PathLike[str] | None,
                  tempfile_controls: Mapping[str, bool] | None) -> Any:
    """The ``_core.LoadOptions`` (cpp/tensorrt/engine.h) of :meth:`Engine.from_file`'s arguments, with file paths as
    the C++ layer takes them (a bare name is a file in the working folder there, never a name the loader searches
    for)."""
    if isinstance(plugins, (str, os.PathLike)):
        plugins = [plugins]  # one library given alone, not a sequence of characters
    files = [native_path(p, "plugin library") for p in plugins]
    lean = native_path(lean_runtime, "lean runtime") if lean_runtime is not None else b""
    folder = native_path(temp_dir, "temp_dir") if temp_dir is not None else b""
    in_memory, temporary = _tempfile_controls(tempfile_controls)
    options = _tensorrt_native("LoadOptions")()
    options.allow_host_code = allow_host_code
    options.plugins, options.lean_runtime, options.temp_dir = files, lean, folder
    options.allow_in_memory_files, options.allow_temporary_files = in_memory, temporary
    return options


def _tensorrt_native(name: str) -> Any:
    """``_core.Engine`` (or ``LoadOptions``), or TensorRTNotFound saying how to rebuild when trtcore was built without
    TensorRT headers: the one way in to a TensorRT engine, for every runner and the CLI."""
    native = getattr(_core, name, None)
    if native is None:
        from trtcore._info import not_compiled_message

        raise TensorRTNotFound(not_compiled_message())
    return native


class Engine:
    """A deserialized TensorRT engine.

    Thread-safe: :meth:`infer` keeps one execution context per calling thread, so several Python threads run
    the engine concurrently (each with its own context, stream and buffers).

    >>> eng = Engine.from_file("model.engine")  # doctest: +SKIP
    >>> [t.name for t in eng.inputs]  # doctest: +SKIP
    ['input']
    """

    def __init__(self, native: Any) -> None:
        self._native = native
        tensors = native.tensors
        self._inputs = [t for t in tensors if t.is_input]
        self._outputs = [t for t in tensors if not t.is_input]
        from trtcore.runtime import PerThreadExecutors

        self._executors = PerThreadExecutors(lambda: native.create_context(0))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], allow_host_code: bool = False, *,
                  plugins: Sequence[str | os.PathLike[str]] = (),
                  lean_runtime: str | os.PathLike[str] | None = None,
                  temp_dir: str | os.PathLike[str] | None = None,
                  tempfile_controls: Mapping[str, bool] | None = None) -> Engine:
        """Loads a plan file. Raises FileError, TensorRTError (corrupt plan, other TensorRT version or GPU, a
        plugin missing), TensorRTNotFound. ``allow_host_code`` lets the plan run embedded host code (needed by
        version-compatible plans); enable it only for plans you trust. ``plugins``: the plugin libraries the plan's
        layers need (the ones it was built with), registered with TensorRT's plugin registry first.
        ``lean_runtime``: the ``libnvinfer_lean.so`` of the TensorRT that built a version-compatible plan with
        ``exclude_lean_runtime`` (trtexec's ``--leanDLLPath``). ``temp_dir``: the folder TensorRT writes temporary
        files to while loading (trtexec's ``--tempdir``; it must exist, else FileError). ``tempfile_controls``:
        which temporary files TensorRT may create, ``{"in_memory": bool, "temporary": bool}`` (trtexec's
        ``--tempfileControls``; a key left out is allowed).

        >>> eng = Engine.from_file("model.engine", plugins=["libmy_plugin.so"])  # doctest: +SKIP
        >>> eng = Engine.from_file("model.engine", temp_dir="/scratch", tempfile_controls={"in_memory": False})  # doctest: +SKIP
        """
        file = native_path(path, "engine")
        options = _load_options(allow_host_code, plugins, lean_runtime, temp_dir, tempfile_controls)
        return cls(_tensorrt_native("Engine").from_file(file, options))

    @classmethod
    def from_bytes(
        cls, data: bytes | bytearray | memoryview, source: str = "<bytes>", allow_host_code: bool = False, *,
        plugins: Sequence[str | os.PathLike[str]] = (), lean_runtime: str | os.PathLike[str] | None = None,
        temp_dir: str | os.PathLike[str] | None = None, tempfile_controls: Mapping[str, bool] | None = None
    ) -> Engine:
        """Loads a plan held in memory (``source`` names it in error messages; ``allow_host_code``, ``plugins``,
        ``lean_runtime``, ``temp_dir`` and ``tempfile_controls`` as in :meth:`from_file`).

        >>> eng = Engine.from_bytes(Path("model.engine").read_bytes())  # doctest: +SKIP
        """
        options = _load_options(allow_host_code, plugins, lean_runtime, temp_dir, tempfile_controls)
        return cls(_tensorrt_native("Engine").from_bytes(data, source, options))

    @property
    def inputs(self) -> list[TensorInfo]:
        """The engine's inputs, in TensorRT's order.

        >>> eng.inputs[0].shape  # doctest: +SKIP
        (-1, 3, 224, 224)
        """
        return list(self._inputs)

    @property
    def outputs(self) -> list[TensorInfo]:
        """The engine's outputs, in TensorRT's order.

        >>> eng.outputs[0].dtype  # doctest: +SKIP
        dtype('float32')
        """
        return list(self._outputs)

    @property
    def device_memory_size(self) -> int:
        """Bytes of device memory one execution context needs for activations.

        >>> eng.device_memory_size  # doctest: +SKIP
        1048576
        """
        return int(self._native.device_memory_size)

    @property
    def num_profiles(self) -> int:
        """Number of optimization profiles (1 for a static engine).

        >>> eng.num_profiles  # doctest: +SKIP
        1
        """
        return int(self._native.num_profiles)

    @property
    def source(self) -> str:
        """The file the engine came from, or ``"<bytes>"``.

        >>> eng.source  # doctest: +SKIP
        'model.engine'
        """
        return str(self._native.source)

    def inspect(self) -> dict[str, Any]:
        """Layer information from TensorRT's engine inspector, parsed from its JSON. Engines built with
        ``BuildConfig(profiling_verbosity="detailed")`` (``trtcore build --profilingVerbosity=detailed``) describe
        each layer; others list layer names only.

        >>> eng.inspect()["Layers"]  # doctest: +SKIP
        ['conv1 + relu1', ...]
        """
        return json.loads(self._native.inspect())

    def create_context(self, profile: int = 0) -> Any:
        """A new TensorRT execution context (a ``trtcore._core.Context``, the runtime's backend) on ``profile``.

        >>> ctx = eng.create_context(profile=0)  # doctest: +SKIP
        """
        return self._native.create_context(profile)

    def create_execution(self, stream: Any = None, cuda_graph: bool = False, profile: int = 0,
                         stage_timing: bool = False) -> Any:
        """A :class:`trtcore.Executor` over a new context: explicit control of the stream (an int handle or a
        torch/cupy stream), CUDA graphs and the profile. Use one per thread.

        >>> ex = eng.create_execution(cuda_graph=True)  # doctest: +SKIP
        >>> ex.infer({"input": x})  # doctest: +SKIP
        """
        from trtcore.runtime import new_executor

        return new_executor(self.create_context(profile), stream=stream, cuda_graph=cuda_graph,
                            stage_timing=stage_timing)

    def infer(self, feed: Mapping[str, Any], copy_outputs: bool = True, output_device: str = "cpu", *,
              cast: bool = False) -> dict[str, Any]:
        """Runs the engine on ``feed`` (input name → array) and returns every output by name.

        Inputs are numpy arrays (used in place when C-contiguous and of the engine's dtype), DLPack objects or
        CUDA arrays (``__cuda_array_interface__``; bound directly, no host round trip). A dtype mismatch raises
        DTypeError unless ``cast=True`` (host arrays only). With ``copy_outputs=False`` outputs are views of
        reusable staging buffers, valid until this thread's next call; ``output_device="cuda"`` returns
        :class:`trtcore.runtime.DeviceArray` objects.

        >>> out = eng.infer({"input": np.zeros((1, 3, 224, 224), np.float32)})  # doctest: +SKIP
        >>> out["output"].shape  # doctest: +SKIP
        (1, 1000)
        """
        return self._executors.get().infer(feed if type(feed) is dict else dict(feed), copy_outputs, output_device,
                                           cast=cast)

    def set_stage_timing(self, on: bool) -> None:
        """Time H2D, compute and D2H of :meth:`infer` with CUDA events from now on (see :meth:`last_timings`).

        >>> eng.set_stage_timing(True); eng.infer(feed); eng.last_timings()  # doctest: +SKIP
        {'h2d': 0.0006, 'compute': 0.0041, 'd2h': 0.0003}
        """
        self._executors.stage_timing = on

    def last_timings(self) -> dict[str, float]:
        """This thread's last :meth:`infer` stage times in seconds (``{}`` unless stage timing is on)."""
        executor = self._executors.current()
        return executor.last_timings() if executor is not None else {}

    def __repr__(self) -> str:
        def fmt(ts: list[TensorInfo]) -> str:
            return ", ".join(f"{t.name}: {t.dtype} {list(t.shape)}" for t in ts)

        return f"<trtcore.Engine {self.source!r} inputs=[{fmt(self._inputs)}] outputs=[{fmt(self._outputs)}]>"
