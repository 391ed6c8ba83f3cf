"""Running an execution backend (a TensorRT execution context, or a test backend) from Python.

:class:`Executor` is the bound C++ executor (``cpp/runtime/executor.cpp``, ``trtcore.Executor``): it runs the
copy-in -> enqueue -> copy-out sequence with the GIL released, checks the feed once with the one validator
(``cpp/runtime/validate.cpp``), sets input shapes, resolves output shapes, grows device and pinned staging buffers
only when a shape no longer fits, and copies results back.

Zero-copy paths:

- ``input_buffer(name, shape)`` returns a numpy array over the input's pinned staging buffer; fill it and feed it
  (``infer({name: buf})``) and no host-side copy is made.
- ``infer(feed, copy_outputs=False)`` returns numpy views of the pinned output staging buffers. They are valid
  until the next call on this executor, which overwrites them; the default ``copy_outputs=True`` returns arrays
  the caller owns.
- CUDA arrays (torch, cupy, jax: ``__cuda_array_interface__`` or DLPack) are bound directly as inputs, with no
  host round trip (``stats["host_copy_bytes"]`` counts what was staged from the host); ``output_device="cuda"``
  returns :class:`DeviceArray` objects that ``torch.from_dlpack``, ``torch.as_tensor``, ``cupy.asarray`` and
  ``cupy.from_dlpack`` take without a copy. DLPack tensors in host memory are viewed by numpy in place.

Input policy (every backend, see :func:`trtcore.runners.base.Runner.infer`): dtypes must match exactly, else
:class:`~trtcore.DTypeError` naming the tensor, both dtypes and the fix; ``cast=True`` converts host arrays (numpy
``astype``) and is refused for CUDA arrays. Non-contiguous numpy arrays are copied once into a contiguous array;
non-contiguous CUDA arrays are rejected (:class:`~trtcore.ArgumentError`, call ``.contiguous()``), because copying
on the GPU behind the user's back would hide a cost the user can avoid.

Threading: one Executor runs one inference at a time (calls from several threads are serialised by a lock).
For parallel inference create one Executor per thread, each over its own backend (for TensorRT: its own execution
context of the same engine); :class:`PerThreadExecutors` does that.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from trtcore import _core
from trtcore.errors import CudaError

__all__ = ["DeviceArray", "ExecutionBackend", "Executor", "PerThreadExecutors", "TensorInfo"]

log = logging.getLogger(__name__)

ExecutionBackend = _core.ExecutionBackend
TensorInfo = _core.TensorInfo
#: The one executor class: ``Executor(backend, stream=None, cuda_graph=False, stage_timing=False)`` (None when
#: trtcore was built without CUDA).
Executor = getattr(_core, "Executor", None)
DeviceArray = getattr(_core, "DeviceArray", None)


def new_executor(backend: ExecutionBackend, stream: Any = None, cuda_graph: bool = False,
                 stage_timing: bool = False) -> Any:
    """An :class:`Executor` over ``backend``; CudaError when trtcore was built without CUDA.

    >>> ex = new_executor(engine.create_context(), cuda_graph=True)  # doctest: +SKIP
    """
    if Executor is None:
        raise CudaError("trtcore was built without CUDA support: no Executor (rebuild with the CUDA toolkit)")
    return Executor(backend, stream, bool(cuda_graph), stage_timing=bool(stage_timing))


class PerThreadExecutors:
    """One :class:`Executor` per calling thread, each over its own backend from ``backend_factory`` (for TensorRT:
    ``engine.create_context``), so several threads run one model concurrently on their own streams.

    >>> executors = PerThreadExecutors(engine.create_context)  # doctest: +SKIP
    >>> executors.get().infer({"input": x})  # doctest: +SKIP
    """

    def __init__(self, backend_factory: Callable[[], ExecutionBackend], *, cuda_graph: bool = False) -> None:
        self.backend_factory = backend_factory
        self.cuda_graph = cuda_graph
        self._local = threading.local()
        self._stage_timing = False

    def get(self) -> Any:
        """This thread's executor (created on first use)."""
        ex = getattr(self._local, "executor", None)
        if ex is None:
            ex = new_executor(self.backend_factory(), cuda_graph=self.cuda_graph, stage_timing=self._stage_timing)
            self._local.executor = ex
            log.debug("new executor for thread %s", threading.get_ident())
        elif ex.stage_timing != self._stage_timing:
            ex.stage_timing = self._stage_timing
        return ex

    def current(self) -> Any:
        """This thread's executor, or None before its first :meth:`get`."""
        return getattr(self._local, "executor", None)

    @property
    def stage_timing(self) -> bool:
        return self._stage_timing

    @stage_timing.setter
    def stage_timing(self, on: bool) -> None:
        self._stage_timing = bool(on)
