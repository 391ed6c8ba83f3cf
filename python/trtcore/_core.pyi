"""trtcore's C++ core (use the trtcore package, not this module). Typed by hand from cpp/bindings/*.cpp;
tests/test_stubs.py checks that the names here and in the module are the same.

Executor and DeviceArray exist only when trtcore is built with CUDA; Engine, LoadOptions, Context, LayerProfiler and
the TensorRT functions only with TensorRT headers (python/trtcore then raises TensorRTNotFound saying how to
rebuild)."""

from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import Any

import numpy as np

# PPM/PGM, normalize, argmax, colorize, overlay (cpp/bindings/image.cpp); wrapped by trtcore.image.
image: ModuleType

Shape = Sequence[int]
Feed = Mapping[str, Any]  # {input name: numpy array | DLPack object | __cuda_array_interface__ object}

# --- the one vocabulary ----------------------------------------------------------------------------------------
def dtype_table() -> list[dict[str, Any]]: ...

class TensorInfo:
    def __init__(self, name: str, dtype: Any, shape: Shape, io: str = "input",
                 profiles: Sequence[tuple[Shape, Shape, Shape]] = [], dim_names: Sequence[str | None] = [],
                 location: str = "device", format: str = "") -> None: ...
    @property
    def name(self) -> str: ...
    @property
    def io(self) -> str: ...  # "input" | "output"
    @property
    def is_input(self) -> bool: ...
    @property
    def dtype_name(self) -> str: ...
    @property
    def dtype(self) -> np.dtype | str: ...  # the name where numpy has no dtype (bfloat16, fp8 without ml_dtypes)
    @property
    def shape(self) -> tuple[int, ...]: ...  # -1 for dynamic dims
    @property
    def rank(self) -> int: ...
    @property
    def is_dynamic(self) -> bool: ...
    @property
    def dim_names(self) -> tuple[str | None, ...]: ...
    @property
    def profiles(self) -> list[tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]]: ...
    @property
    def min_shape(self) -> tuple[int, ...] | None: ...
    @property
    def opt_shape(self) -> tuple[int, ...] | None: ...
    @property
    def max_shape(self) -> tuple[int, ...] | None: ...
    @property
    def location(self) -> str: ...  # "device" | "host"
    @property
    def format(self) -> str: ...
    def __eq__(self, other: object) -> bool: ...

# (dtype name, shape, "host" | "device") of a numpy, DLPack or CUDA-array object, read in place by the one reader.
def array_info(array: Any) -> tuple[str, tuple[int, ...], str]: ...

class FeedChecker:
    """The one validator (cpp/runtime/validate.h) against inputs converted once: a host backend makes one at
    activation."""
    inputs: list[TensorInfo]
    def __init__(self, inputs: Sequence[TensorInfo], profile: int | None = 0) -> None: ...
    def check(self, feed: Feed, cast: bool = False) -> list[str] | None:
        """Checks a feed {name: numpy array | DLPack | __cuda_array_interface__ object} against the inputs (names,
        dtypes, shapes, optimization `profile`; None: no profile check) without converting it; raises ArgumentError /
        DTypeError / ShapeError naming the tensor. Returns the names of the host inputs to convert to their declared
        dtype (only with cast=True; device inputs of another dtype are refused), or None when the feed needs no work
        on the host (every value a C-contiguous numpy.ndarray of the declared dtype)."""

# --- build and run-time facts ------------------------------------------------------------------------------------
def compiled_info() -> dict[str, Any]: ...  # what this build of trtcore was compiled with
def cuda_runtime_info() -> dict[str, Any]: ...  # CUDA driver and devices present now (never raises)
# Looks for libnvinfer.so.<major> for each major given (never raises): found, path, version, tried.
def tensorrt_runtime_info(majors: Sequence[int]) -> dict[str, Any]: ...
def set_tensorrt_extra_folders(folders: Sequence[str]) -> None: ...

# --- runtime -----------------------------------------------------------------------------------------------------
class ExecutionBackend:
    @property
    def tensors(self) -> list[TensorInfo]: ...
    def set_input_shape(self, name: str, shape: Shape) -> None: ...
    def output_shape(self, name: str) -> tuple[int, ...]: ...

class DeviceArray:
    @property
    def shape(self) -> tuple[int, ...]: ...
    @property
    def dtype(self) -> str: ...
    @property
    def nbytes(self) -> int: ...
    @property
    def ptr(self) -> int: ...
    @property
    def device(self) -> int: ...
    @property
    def __cuda_array_interface__(self) -> dict[str, Any]: ...
    def __dlpack__(self, *, stream: int | None = None, max_version: tuple[int, int] | None = None,
                   dl_device: tuple[int, int] | None = None, copy: bool | None = None) -> Any: ...
    def __dlpack_device__(self) -> tuple[int, int]: ...
    def numpy(self) -> np.ndarray: ...

Output = np.ndarray | DeviceArray

class Executor:
    """Runs one ExecutionBackend (a TensorRT execution context, or a test backend) on one CUDA stream: copy-in,
    enqueue, copy-out, with reusable device and pinned staging buffers (cpp/runtime/executor.cpp).

    stream: run on this CUDA stream (an int handle or a torch/cupy stream; borrowed, never destroyed) instead of one
    of its own. cuda_graph: record the sequence as a CUDA graph and replay it while shapes and addresses stay the
    same. Feeds are numpy arrays (used in place when C-contiguous), DLPack objects or __cuda_array_interface__
    objects (CUDA ones bound directly, no host round trip), checked once per call by the one validator: a dtype
    mismatch is a DTypeError unless cast=True (host arrays only). Constructing makes no CUDA call.
    """
    stage_timing: bool
    copy_threads: int  # threads copying large host tensors (0: default, up to 8)
    staging_chunk_bytes: int  # chunk size of host copies overlapped with the DMA (0: one copy, no overlap)
    def __init__(self, backend: ExecutionBackend, stream: Any = None, cuda_graph: bool = False,
                 stage_timing: bool = False) -> None: ...
    def infer(self, feed: Feed, copy_outputs: bool = True, output_device: str = "cpu", *,
              cast: bool = False, out: Mapping[str, np.ndarray] | None = None) -> dict[str, Output]:
        """Run once and wait. Host outputs are owned copies, or with copy_outputs=False views of pinned staging
        buffers valid until the next call; output_device='cuda' returns DeviceArrays (owned with
        copy_outputs=True). out={name: numpy array} writes those outputs into the given C-contiguous, writable
        arrays (returned as they are)."""
    def infer_async(self, feed: Feed, stream: Any = None, output_device: str = "cpu", *,
                    cast: bool = False) -> dict[str, Output]:
        """Queue one run on `stream` (default: the executor's) and return without waiting; host outputs are
        staging views valid after synchronize() and until the next call."""
    def last_timings(self) -> dict[str, float]:
        """GPU seconds of the last run's stages {'h2d', 'compute', 'd2h'} (trtexec's H2D Latency, GPU Compute
        Time, D2H Latency), or {} when not measured (stage_timing off, async run, CUDA graph replay)."""
    def synchronize(self) -> None: ...
    def input_buffer(self, name: str, shape: Shape) -> np.ndarray: ...
    def __enter__(self) -> Executor: ...
    def __exit__(self, *args: object) -> None: ...
    @property
    def inputs(self) -> list[TensorInfo]: ...
    @property
    def outputs(self) -> list[TensorInfo]: ...
    @property
    def tensors(self) -> list[TensorInfo]: ...
    @property
    def backend(self) -> ExecutionBackend: ...
    @property
    def cuda_graph(self) -> bool: ...
    @property
    def stream(self) -> int: ...
    @property
    def device(self) -> int: ...
    @property
    def stats(self) -> dict[str, Any]: ...
    @property
    def _pending_runs(self) -> int: ...  # asynchronous runs whose CUDA inputs are still kept alive (for tests)

# --- the GPU pipeline (GPU kernels compiled in) -------------------------------------------------------------------
class GpuPipeline:
    zero_copy: bool
    def __init__(self, backend: ExecutionBackend, input: str, output: str, mean: Sequence[float],
                 std: Sequence[float], maxval: float, pad: bool = False, cuda_graph: bool = True) -> None: ...
    # image: an HWC numpy array, or a CUDA array read in place. resize: (height, width, top, left, crop height,
    # crop width), Pillow's bilinear resize then a crop, on the GPU (uint8 images; tall_vertical_first: Pillow >=
    # 12.2's order for very tall images).
    def segment(self, image: Any, labels: bool = True, labels_dtype: str = "int64",
                palette: Any = None, copy: bool = True, resize: Sequence[int] | None = None,
                tall_vertical_first: bool = True) -> tuple[np.ndarray | None, np.ndarray | None]: ...
    def classify(self, image: Any, k: int, softmax: bool = False, resize: Sequence[int] | None = None,
                 tall_vertical_first: bool = True) -> tuple[np.ndarray, np.ndarray, int]: ...
    def set_stage_timing(self, on: bool) -> None: ...
    @property
    def input_shape(self) -> list[int]: ...
    @property
    def stats(self) -> dict[str, Any]: ...

# --- TensorRT ----------------------------------------------------------------------------------------------------
class ProfileInput:
    name: str
    min: list[int]
    opt: list[int]
    max: list[int]
    def __init__(self, name: str, min: Shape, opt: Shape, max: Shape) -> None: ...

class BuildRequest:
    onnx_path: str
    flags: list[str]
    profiles: list[list[ProfileInput]]
    memory_pools: list[tuple[str, int]]
    builder_optimization_level: int
    max_aux_streams: int
    hardware_compatibility_level: str
    timing_cache: bytes | None
    plugins: list[str]
    verbose: bool
    profiling_verbosity: str
    io_types: list[tuple[str, str]]
    device: int
    tactic_sources: list[str]
    layer_precisions: list[tuple[str, str]]
    def __init__(self) -> None: ...

class BuildResult:
    engine: bytes
    timing_cache: bytes | None
    timing_cache_used: bool
    seconds: float
    tensorrt_version: str
    def __init__(self) -> None: ...

class LoadOptions:
    """How Engine loads a plan (cpp/tensorrt/engine.h)."""
    allow_host_code: bool
    plugins: list[str]
    lean_runtime: str
    temp_dir: str
    allow_in_memory_files: bool
    allow_temporary_files: bool
    def __init__(self) -> None: ...

class Engine:
    """A deserialized TensorRT engine (plan). Plans are trusted code: load only plans you trust."""
    @staticmethod
    def from_file(path: str | bytes, options: LoadOptions = ...) -> Engine: ...
    @staticmethod
    def from_bytes(data: bytes | bytearray | memoryview | np.ndarray, source: str = "<bytes>",
                   options: LoadOptions = ...) -> Engine: ...
    @property
    def tensors(self) -> list[TensorInfo]: ...
    @property
    def device_memory_size(self) -> int: ...
    @property
    def num_profiles(self) -> int: ...
    @property
    def source(self) -> str: ...
    def inspect(self) -> str: ...  # layer information as TensorRT's JSON text
    # A new execution context (one per stream/thread) on optimization profile `profile`.
    def create_context(self, profile: int = 0, stream: int = 0) -> Context: ...

class LayerProfiler:
    """Per-layer times of a context's runs, through TensorRT's IProfiler (Context.set_profiler)."""
    def __init__(self) -> None: ...
    def layers(self) -> list[tuple[str, list[float]]]: ...  # [(layer name, [ms per run, ...]), ...], TensorRT's order
    @property
    def runs(self) -> int: ...

class Context(ExecutionBackend):
    @property
    def profile(self) -> int: ...
    @property
    def engine(self) -> Engine: ...
    @property
    def profiler(self) -> LayerProfiler | None: ...
    def set_profiler(self, profiler: LayerProfiler | None) -> None: ...  # later enqueues' layer times; None detaches

# ONNX → plan per the build contract (docs/tensorrt.md), without the GIL while TensorRT builds.
# progress(event: "start" | "step" | "finish", phase, parent phase, value) -> False cancels; log(severity, message)
def build_engine(request: BuildRequest, progress: Callable[[str, str, str | None, int], bool | None] | None = None,
                 log: Callable[[str, str], None] | None = None) -> BuildResult: ...
def merge_timing_caches(caches: Sequence[bytes]) -> bytes: ...  # one timing cache holding every entry of `caches`
# The plan refitted with the weights of ONNX model `onnx_path` (IRefitter + IParserRefitter), serialized with its
# weights, without the GIL (options: plugins and allow_host_code).
def refit_engine(plan: bytes | bytearray | memoryview | np.ndarray, onnx_path: str, source: str = "<bytes>",
                 options: LoadOptions = ...) -> bytes: ...
# Version of the TensorRT library loaded (loads it: raises TensorRTNotFound when it is missing).
def tensorrt_version() -> str: ...
