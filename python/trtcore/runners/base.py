"""The runner contract every backend shares (modelled on Polygraphy's ``backend/base/runner.py``).

A runner owns one model on one backend. Its life is ``activate()`` → any number of ``infer(feed_dict)`` →
``deactivate()``; ``with runner:`` does the first and last step.

What a backend subclass implements (and nothing else):

- ``activate_impl()`` — load the model, create sessions/contexts, allocate buffers.
- ``deactivate_impl()`` — free what ``activate_impl`` created. Must not raise.
- ``input_metadata_impl()`` / ``output_metadata_impl()`` — ``list[trtcore.TensorInfo]`` in the model's order;
  called once, after ``activate_impl``.
- ``infer_impl(feed, cast=, output_device=)`` (and ``out=`` where the class sets ``writes_out = True``) — run on ``feed`` ({name: array}, a dict, not yet validated) and
  return ``{output name: array}`` in the model's output order. The feed is checked exactly once per call by the
  one validator (C++ ``check_feed``, ``cpp/runtime/validate.cpp``): a backend over :class:`trtcore.Executor` has
  the executor do it (in the same C++ call that runs), a host backend calls :func:`host_feed`.
- optionally ``set_stage_timing(on)`` and ``last_timings()`` — ``{"h2d": s, "compute": s, "d2h": s}`` of the
  latest ``infer`` where the backend can measure them (TensorRT with CUDA events); the defaults do nothing and
  return ``{}``.

Input rules (one policy, for every backend and the CLI):

- Values: numpy arrays, DLPack objects (``__dlpack__``/``__dlpack_device__``: torch, cupy, jax; CPU or CUDA) and
  ``__cuda_array_interface__`` objects. Their dtype and shape are read without converting them.
- Names: a missing or unknown input name raises :class:`trtcore.ArgumentError` listing the expected inputs.
- Types: the dtype must be the input's. Otherwise :class:`trtcore.DTypeError` names the tensor, the given and the
  expected dtype and the fix ("convert with .astype(np.float32) or pass cast=True"). ``cast=True`` converts host
  arrays (numpy ``astype``); a CUDA array of another dtype is refused all the same (convert it on the device).
- Shapes: the rank and every static extent must match, a named dynamic extent (``"batch"``) must have one value
  across all inputs, and extents must lie in the optimization profile where there is one, else
  :class:`trtcore.ShapeError` naming the tensor with expected and got.
- Memory: C-contiguous arrays of the right dtype are passed through without a copy; CUDA arrays stay on the
  device on TensorRT; ``output_device="cuda"`` returns outputs on the device where the backend computes there.
"""

from __future__ import annotations

import abc
import math
import os
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from trtcore import _core
from trtcore.errors import ArgumentError, DTypeError, ShapeError

log = logging.getLogger("trtcore.runners")

TensorInfo = _core.TensorInfo


class Runner(abc.ABC):
    """Base of every trtcore runner. Subclasses implement only the ``*_impl`` methods (see the module docstring).

    >>> import trtcore
    >>> with trtcore.load("model.onnx") as runner:  # doctest: +SKIP
    ...     outputs = runner.infer({"input": x})
    """

    #: short backend name used in messages and reports ("onnxruntime", "tensorrt")
    backend: str = "base"
    #: whether ``infer_impl`` takes ``out=`` and writes outputs into those arrays itself; otherwise :meth:`infer`
    #: copies the results into them
    writes_out: bool = False

    def __init__(self, name: str) -> None:
        self.name = name
        self.is_active = False
        self._inputs: list[TensorInfo] = []
        self._outputs: list[TensorInfo] = []
        self._feed_checker: _core.FeedChecker | None = None

    # -- what a backend implements -------------------------------------------------------------------------------
    @abc.abstractmethod
    def activate_impl(self) -> None: ...

    @abc.abstractmethod
    def deactivate_impl(self) -> None: ...

    @abc.abstractmethod
    def input_metadata_impl(self) -> list[TensorInfo]: ...

    @abc.abstractmethod
    def output_metadata_impl(self) -> list[TensorInfo]: ...

    @abc.abstractmethod
    def infer_impl(self, feed: dict[str, Any], *, cast: bool, output_device: str) -> dict[str, Any]: ...

    def set_stage_timing(self, on: bool) -> None:
        """Asks the backend to time the stages of each ``infer`` (see :meth:`last_timings`); a no-op where it
        cannot (ONNX Runtime)."""

    def last_timings(self) -> dict[str, float]:
        """Per-stage seconds of the latest ``infer`` (keys among ``h2d``, ``compute``, ``d2h``) where measurable."""
        return {}

    # -- life cycle ----------------------------------------------------------------------------------------------
    def activate(self) -> "Runner":
        """Loads the model; idempotent. Returns the runner.

        >>> runner = trtcore.load("model.onnx").activate()  # doctest: +SKIP
        """
        if not self.is_active:
            self.activate_impl()
            self.is_active = True
            try:
                self._inputs = list(self.input_metadata_impl())
                self._outputs = list(self.output_metadata_impl())
                self._feed_checker = _core.FeedChecker(self._inputs)
            except BaseException:
                self.deactivate()
                raise
        return self

    def deactivate(self) -> None:
        """Frees the backend's resources; idempotent. The runner can be activated again.

        >>> runner.deactivate()  # doctest: +SKIP
        """
        if self.is_active:
            self.is_active = False
            self.deactivate_impl()

    def __enter__(self) -> "Runner":
        return self.activate()

    def __exit__(self, *exc: object) -> None:
        self.deactivate()

    def __repr__(self) -> str:
        state = "active" if self.is_active else "inactive"
        return f"{type(self).__name__}({self.name!r}, {state})"

    # -- metadata ------------------------------------------------------------------------------------------------
    @property
    def inputs(self) -> list[TensorInfo]:
        """Input descriptions (:class:`trtcore.TensorInfo`) in the model's order (activates the runner if needed).

        >>> [(t.name, t.shape) for t in runner.inputs]  # doctest: +SKIP
        [('input', (-1, 3, 224, 224))]
        """
        self.activate()
        return list(self._inputs)

    @property
    def outputs(self) -> list[TensorInfo]:
        """Output descriptions in the model's order (activates the runner if needed).

        >>> [t.name for t in runner.outputs]  # doctest: +SKIP
        ['output']
        """
        self.activate()
        return list(self._outputs)

    @property
    def feed_checker(self) -> _core.FeedChecker:
        """The one validator over :attr:`inputs`, made once at activation, for :func:`host_feed` on every call."""
        self.activate()
        return self._feed_checker

    # -- inference -----------------------------------------------------------------------------------------------
    def infer(self, feed_dict: Mapping[str, Any], *, cast: bool = False,
              output_device: str = "cpu", out: Mapping[str, np.ndarray] | None = None) -> dict[str, Any]:
        """Runs the model on ``feed_dict`` ({input name: array}) and returns {output name: array}.

        Values are numpy arrays, DLPack objects or CUDA arrays (see the module docstring for the one input policy);
        ``cast=True`` converts host arrays of another dtype instead of raising DTypeError. ``output_device="cuda"``
        returns :class:`trtcore.runtime.DeviceArray` outputs (executor backends; ONNX Runtime refuses it).
        ``out={output name: numpy array}`` writes those outputs into the given C-contiguous arrays of the output's
        dtype and shape (returned as they are): reused across calls, no allocation and no page faults.

        >>> out = runner.infer({"input": np.zeros((1, 3, 224, 224), np.float32)})  # doctest: +SKIP
        >>> out = runner.infer({"input": torch_cuda_tensor}, output_device="cuda")  # doctest: +SKIP
        >>> y = np.empty((1, 1000), np.float32); runner.infer({"input": x}, out={"output": y})  # doctest: +SKIP
        """
        if not self.is_active:
            self.activate()
        if type(feed_dict) is not dict:
            if not isinstance(feed_dict, Mapping):
                raise ArgumentError(f"{self.name}: infer() takes a dict {{input name: array}}, "
                                    f"got {type(feed_dict).__name__}")
            feed_dict = dict(feed_dict)
        if out is None:
            return self.infer_impl(feed_dict, cast=cast, output_device=output_device)
        if self.writes_out:
            return self.infer_impl(feed_dict, cast=cast, output_device=output_device, out=out)
        return _copy_into(self.infer_impl(feed_dict, cast=cast, output_device=output_device), out)


def _copy_into(results: dict[str, Any], out: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """``out=`` for backends that cannot write into the caller's arrays themselves: the same checks, then a copy."""
    if not isinstance(out, Mapping):
        raise ArgumentError(f"out must be a dict {{output name: numpy array}}, got {type(out).__name__}")
    for name, arr in out.items():
        if name not in results:
            raise ArgumentError(f"out['{name}']: no output of that name; the outputs are: "
                                + ", ".join(f"'{n}'" for n in results))
        got = np.asarray(results[name])
        if not isinstance(arr, np.ndarray) or not arr.flags.c_contiguous or not arr.flags.writeable:
            raise ArgumentError(f"out['{name}']: expected a C-contiguous, writable numpy array")
        if arr.dtype != got.dtype:
            raise DTypeError(f"out['{name}']: the array is {arr.dtype}, output '{name}' is {got.dtype}")
        if arr.shape != got.shape:
            raise ShapeError(f"out['{name}']: the array has shape {list(arr.shape)}, output '{name}' has shape "
                             f"{list(got.shape)} for this feed")
        np.copyto(arr, got)
        results[name] = arr
    return results


# -- feeds for backends that compute on the host -----------------------------------------------------------------
def _is_cuda(value: Any) -> bool:
    if hasattr(value, "__cuda_array_interface__"):
        return True
    device = getattr(value, "__dlpack_device__", None)
    return device is not None and hasattr(value, "__dlpack__") and device()[0] in (2, 13)  # kDLCUDA, managed


def host_array(name: str, value: Any) -> np.ndarray:
    """``value`` as a C-contiguous numpy array, for a backend that computes on the host: numpy arrays as they are
    (contiguous ones without a copy), DLPack CPU tensors viewed in place (``np.from_dlpack``), CUDA arrays copied
    to the host once (torch ``.cpu()``, cupy ``.get()``, trtcore ``DeviceArray.numpy()``).

    >>> host_array("x", np.zeros(3, np.float32)).shape
    (3,)
    """
    if type(value) is not np.ndarray:
        if _is_cuda(value):
            for method in ("get", "cpu", "numpy"):  # cupy, torch, trtcore.DeviceArray
                fn = getattr(value, method, None)
                if callable(fn):
                    log.debug("input '%s': copying a CUDA array to the host", name)
                    value = np.asarray(fn())
                    break
            else:
                raise ArgumentError(f"input '{name}': cannot copy a {type(value).__name__} CUDA array to the host; "
                                    "pass a numpy array, or a torch/cupy tensor")
        elif hasattr(value, "__dlpack__") and hasattr(value, "__dlpack_device__"):
            value = np.from_dlpack(value)
        else:
            value = np.asarray(value)
    return value if value.flags.c_contiguous else np.ascontiguousarray(value)


def host_feed(inputs: Sequence[TensorInfo] | _core.FeedChecker, feed: Mapping[str, Any], *,
              cast: bool = False) -> dict[str, np.ndarray]:
    """Checks ``feed`` once with the one validator (``trtcore._core.FeedChecker``: names, dtypes, shapes, reading
    numpy/DLPack/CUDA objects without converting them), then makes each value a host numpy array
    (:func:`host_array`), converting with ``astype`` the host arrays of another dtype when ``cast=True``.

    ``inputs`` is the declared tensors or, on a hot path, the ``_core.FeedChecker`` a runner made of them at
    activation (:attr:`Runner.feed_checker`). A feed that needs no work (C-contiguous numpy arrays of the declared
    dtypes) is returned as it is, not copied.

    >>> x = TensorInfo("x", "float32", [2])
    >>> host_feed([x], {"x": np.zeros(2, np.uint8)}, cast=True)["x"].dtype
    dtype('float32')
    """
    checker = inputs if type(inputs) is _core.FeedChecker else _core.FeedChecker(list(inputs))
    if type(feed) is not dict:
        feed = dict(feed)
    to_cast = checker.check(feed, cast)
    if to_cast is None:
        return feed
    declared = {t.name: t for t in checker.inputs}
    out = {}
    for name, value in feed.items():
        arr = host_array(name, value)
        if name in to_cast:
            arr = arr.astype(declared[name].dtype, order="C")
        out[name] = arr
    return out


# -- random inputs ------------------------------------------------------------------------------------------------
def concrete_shape(info: TensorInfo, fill: int = 1, named: Mapping[str, int] | None = None) -> tuple[int, ...]:
    """``info.shape`` with dynamic extents (-1) replaced: by ``named[dim name]``, else ``fill`` clamped to the
    profile's range, else ``fill``.

    >>> concrete_shape(TensorInfo("x", "float32", [-1, 3], dim_names=["batch", None]), named={"batch": 8})
    (8, 3)
    """
    lo, hi = info.min_shape, info.max_shape
    out = []
    for i, (d, sym) in enumerate(zip(info.shape, info.dim_names)):
        if d >= 0:
            out.append(d)
        elif named and sym is not None and sym in named:
            out.append(int(named[sym]))
        elif lo is not None:
            out.append(max(lo[i], min(fill, hi[i] if hi is not None else fill)))
        else:
            out.append(fill)
    return tuple(out)


def _memory_bytes() -> int:
    """Physical memory: no random input bigger than this can be made (a huge --shapes is an argument error)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 2**62


def random_feed(inputs: Sequence[TensorInfo], *, seed: int = 0, shapes: Mapping[str, Sequence[int]] | None = None,
                fill: int = 1, named: Mapping[str, int] | None = None) -> dict[str, np.ndarray]:
    """Random inputs for ``inputs`` (floats in [0, 1), integers in [0, 10), bools), for run/compare/bench.

    ``shapes`` overrides a tensor's shape; a named dynamic extent takes ``named[name]`` when given, others take
    ``fill`` (or the profile minimum).

    >>> feed = random_feed([TensorInfo("x", "float32", [-1, 4])], shapes={"x": (2, 4)})
    >>> feed["x"].shape
    (2, 4)
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ArgumentError(f"seed must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng(seed)
    shapes = dict(shapes or {})
    unknown = set(shapes) - {m.name for m in inputs}
    if unknown:
        raise ArgumentError(f"shape given for unknown input(s) {sorted(unknown)}; inputs: "
                            f"{[m.name for m in inputs]}")
    feed = {}
    for m in inputs:
        shape = tuple(int(s) for s in shapes[m.name]) if m.name in shapes else concrete_shape(m, fill, named)
        dtype = m.dtype
        if isinstance(dtype, str):
            raise DTypeError(f"input '{m.name}': numpy has no dtype {dtype} (pip install ml_dtypes and import it)")
        nbytes = math.prod(shape) * np.dtype(dtype).itemsize
        if nbytes > _memory_bytes():
            raise ArgumentError(f"input '{m.name}': shape {shape} of {np.dtype(dtype).name} needs "
                                f"{nbytes / 2**30:.1f} GiB, more than this machine's memory "
                                f"({_memory_bytes() / 2**30:.1f} GiB); give smaller --shapes")
        if np.issubdtype(dtype, np.floating):
            feed[m.name] = rng.random(shape, dtype=np.float32).astype(dtype)
        elif dtype == np.bool_:
            feed[m.name] = rng.random(shape) < 0.5
        else:
            feed[m.name] = rng.integers(0, 10, size=shape).astype(dtype)
    return feed
