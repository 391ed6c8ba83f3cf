"""Running an execution backend (a TensorRT execution context, or a test backend) from Python.

:class:`Executor` does the copy-in -> enqueue -> copy-out sequence in C++ (``cpp/runtime/executor.cpp``) with the
GIL released: it validates the feed, sets input shapes, resolves output shapes, grows device and pinned staging
buffers only when a shape no longer fits, and copies results back.

Zero-copy paths:

- ``input_buffer(name, shape)`` returns a numpy array over the input's pinned staging buffer; fill it and feed it
  (``infer({name: buf})``) and no host-side copy is made.
- ``infer(feed, copy_outputs=False)`` returns numpy views of the pinned output staging buffers. They are valid
  until the next call on this executor, which overwrites them; the default ``copy_outputs=True`` returns arrays
  the caller owns.
- CUDA arrays (torch, cupy, jax: ``__cuda_array_interface__`` or DLPack) are bound directly as inputs, with no
  host round trip; ``output_device="cuda"`` returns :class:`DeviceArray` objects that ``torch.from_dlpack``,
  ``torch.as_tensor``, ``cupy.asarray`` and ``cupy.from_dlpack`` take without a copy.

Input policy: dtypes must match exactly (no silent casts: :class:`~trtcore.DTypeError`); non-contiguous numpy
arrays are copied once into a contiguous array; non-contiguous CUDA arrays are rejected
(:class:`~trtcore.ArgumentError`, call ``.contiguous()``), because copying on the GPU behind the user's back would
hide a cost the user can avoid.

Threading: one Executor runs one inference at a time (calls from several threads are serialised by a lock).
For parallel inference create one Executor per thread, each over its own backend (for TensorRT: its own execution
context of the same engine); they run concurrently on their own streams.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

import numpy as np

from trtcore import _core
from trtcore.errors import ArgumentError, CudaError

__all__ = ["DeviceArray", "ExecutionBackend", "Executor", "TensorInfo", "plan"]

log = logging.getLogger(__name__)

ExecutionBackend = _core.ExecutionBackend
TensorInfo = _core.TensorInfo
DeviceArray = getattr(_core, "DeviceArray", None)


def _stream_handle(stream: Any) -> int | None:
    """A cudaStream_t as an int from an int, a torch.cuda.Stream / cupy Stream (``.cuda_stream`` / ``.ptr``)."""
    if stream is None or (isinstance(stream, int) and not isinstance(stream, bool)):
        return stream
    for attr in ("cuda_stream", "ptr", "handle"):
        value = getattr(stream, attr, None)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    raise ArgumentError(f"stream must be an int (cudaStream_t) or a torch/cupy stream, got {type(stream).__name__}")


def plan(backend: ExecutionBackend, inputs: Mapping[str, tuple[str, tuple[int, ...]]]) -> list[dict[str, Any]]:
    """Validate input dtypes/shapes against ``backend`` and resolve every tensor's shape and size (no GPU needed).

    >>> from trtcore import _testing
    >>> b = _testing.IdentityBackend([("x", "float32", [1, -1])], [("y", "float32", [1, -1], "x")])
    >>> [(t["name"], t["shape"], t["nbytes"]) for t in plan(b, {"x": ("float32", (1, 5))})]
    [('x', (1, 5), 20), ('y', (1, 5), 20)]
    """
    return _core.plan(backend, dict(inputs))


class Executor:
    """Runs one execution backend on one CUDA stream, with reusable device and pinned staging buffers.

    ``backend`` is any :class:`ExecutionBackend` (``engine.create_context()``, or
    ``trtcore._testing.IdentityBackend`` in tests). ``stream``: run on this CUDA stream (an int handle or a
    torch/cupy stream; it is borrowed, never destroyed) instead of a stream of the executor's own.
    ``cuda_graph=True`` records the whole copy-in/enqueue/copy-out sequence as a CUDA graph and replays it while
    shapes and buffer addresses stay the same (the first run after a change runs plainly, the second captures; if
    capture fails where a plain run works, graphs are turned off for this executor, see ``stats``).
    Constructing makes no CUDA call; CUDA errors surface on first use as :class:`trtcore.CudaError`.

    >>> import numpy as np
    >>> from trtcore import _testing
    >>> ex = Executor(_testing.IdentityBackend([("x", "float32", [2])], [("y", "float32", [2], "x")]))
    >>> ex.infer({"x": np.array([1, 2], np.float32)})["y"]  # doctest: +SKIP
    array([1., 2.], dtype=float32)
    """

    def __init__(self, backend: ExecutionBackend, stream: Any = None, cuda_graph: bool = False,
                 stage_timing: bool = False) -> None:
        if not hasattr(_core, "Executor"):
            raise CudaError("trtcore was built without CUDA support: no Executor (rebuild with the CUDA toolkit)")
        self._impl = _core.Executor(backend, _stream_handle(stream), bool(cuda_graph))
        self._impl.stage_timing = bool(stage_timing)

    def infer(
        self, feed: Mapping[str, Any], copy_outputs: bool = True, output_device: str = "cpu"
    ) -> dict[str, Any]:
        """Run once and wait: ``{input name: array}`` -> ``{output name: array}``.

        Host outputs (``output_device="cpu"``) are numpy arrays: owned copies by default, or with
        ``copy_outputs=False`` views of pinned staging buffers valid until the next call. Device outputs
        (``output_device="cuda"``) are :class:`DeviceArray` objects; with ``copy_outputs=True`` each owns its
        memory (the executor allocates anew next call), with ``False`` they view the executor's device buffers.

        >>> out = ex.infer({"x": np.ones((1, 3), np.float32)})  # doctest: +SKIP
        """
        return self._impl.infer(feed, copy_outputs, output_device)

    def infer_async(self, feed: Mapping[str, Any], stream: Any = None, output_device: str = "cpu") -> dict[str, Any]:
        """Queue one run on ``stream`` (default: the executor's) and return without waiting.

        Host inputs are copied into staging before this returns, so the caller may reuse or drop them at once;
        CUDA inputs are kept alive until their run has completed (released by :meth:`synchronize` or by a later
        call once the GPU is past the run). Returned host arrays are views of the pinned staging buffers, valid
        after ``synchronize()`` (or the stream finishing) and until the next call. Returned DeviceArrays make a
        consumer's stream wait for them (DLPack ``stream=``, where None is the legacy default stream; CUDA Array
        Interface v3).

        >>> views = ex.infer_async({"x": x}); ex.synchronize(); y = views["y"].copy()  # doctest: +SKIP
        """
        return self._impl.infer_async(feed, _stream_handle(stream), output_device)

    def synchronize(self) -> None:
        """Wait until everything this executor queued has finished (GIL released while waiting).

        >>> ex.synchronize()  # doctest: +SKIP
        """
        self._impl.synchronize()

    def input_buffer(self, name: str, shape: tuple[int, ...] | list[int]) -> np.ndarray:
        """The pinned staging buffer of input ``name`` as a writable numpy array of ``shape``.

        Write the input into it and feed it: ``infer({name: buf})`` then skips the host-side copy. The array keeps
        its memory alive; if a later, larger shape makes the executor grow the buffer, feeding this old array
        still works (it is then copied).

        >>> buf = ex.input_buffer("x", (1, 3)); buf[:] = 1; ex.infer({"x": buf})  # doctest: +SKIP
        """
        return self._impl.input_buffer(name, list(shape))

    @property
    def tensors(self) -> list[TensorInfo]:
        """All I/O tensors of the backend, inputs first."""
        return self._impl.tensors

    @property
    def inputs(self) -> list[TensorInfo]:
        """The backend's input tensors."""
        return [t for t in self._impl.tensors if t.io == "input"]

    @property
    def outputs(self) -> list[TensorInfo]:
        """The backend's output tensors."""
        return [t for t in self._impl.tensors if t.io == "output"]

    @property
    def backend(self) -> ExecutionBackend:
        """The execution backend this executor runs."""
        return self._impl.backend

    @property
    def stream(self) -> int:
        """The executor's CUDA stream handle (created on first use)."""
        return self._impl.stream

    @property
    def stats(self) -> dict[str, Any]:
        """Counters: runs, graph_captures, graph_launches, allocations, host_copy_bytes, last_run_seconds, the
        last run's stage times last_h2d_seconds, last_compute_seconds, last_d2h_seconds (None unless measured), and
        graph_disabled / graph_error (a CUDA graph capture failed, so this executor runs without graphs)."""
        return self._impl.stats

    @property
    def stage_timing(self) -> bool:
        """Whether synchronous runs time their stages with CUDA events (a few microseconds per run; not with
        CUDA graphs, whose replay is one launch)."""
        return self._impl.stage_timing

    @stage_timing.setter
    def stage_timing(self, on: bool) -> None:
        self._impl.stage_timing = bool(on)

    def last_timings(self) -> dict[str, float]:
        """GPU seconds of the last run's stages, ``{"h2d": s, "compute": s, "d2h": s}`` (trtexec's H2D Latency,
        GPU Compute Time, D2H Latency), or ``{}`` when they were not measured.

        >>> ex.stage_timing = True; ex.infer(feed); ex.last_timings()["compute"]  # doctest: +SKIP
        0.00042
        """
        s = self._impl.stats
        if s["last_compute_seconds"] is None:
            return {}
        return {"h2d": s["last_h2d_seconds"], "compute": s["last_compute_seconds"], "d2h": s["last_d2h_seconds"]}

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.synchronize()
