"""The runner contract every backend shares (modelled on Polygraphy's ``backend/base/runner.py``).

A runner owns one model on one backend. Its life is ``activate()`` → any number of ``infer(feed_dict)`` →
``deactivate()``; ``with runner:`` does the first and last step. Input checking happens exactly once, here in the
base class, so every backend raises the same errors with the same words.

What a backend subclass implements (and nothing else):

- ``activate_impl()`` — load the model, create sessions/contexts, allocate buffers.
- ``deactivate_impl()`` — free what ``activate_impl`` created. Must not raise.
- ``input_metadata_impl()`` / ``output_metadata_impl()`` — ``list[TensorMeta]`` in the model's order; called
  once, after ``activate_impl``.
- ``infer_impl(feed)`` — run on a *validated* feed: exactly the model's input names, each value a C-contiguous
  ``np.ndarray`` of the declared dtype and a shape that fits the declared one. Returns ``{output name: array}``
  in the model's output order.
- optionally ``set_stage_timing(on)`` and ``last_timings()`` — ``{"h2d": s, "compute": s, "d2h": s}`` of the
  latest ``infer`` where the backend can measure them (TensorRT with CUDA events); the defaults do nothing and
  return ``{}``.

Input rules (documented once, for every backend):

- Names: a missing or unknown input name raises :class:`trtcore.ArgumentError` listing the expected names.
- Types: anything ``np.asarray`` accepts. A dtype that converts without loss (``np.can_cast(got, want, "safe")``,
  e.g. uint8 → float32, int32 → int64, float16 → float32) is converted silently; a lossy one (float64 → float32,
  float → int) raises :class:`trtcore.DTypeError` unless ``infer(..., cast=True)`` asks for the conversion.
- Shapes: the rank and every static extent must match, and a named dynamic extent (``"batch"``) must have one
  value across all inputs, else :class:`trtcore.ShapeError` naming the tensor with expected and got. Where the
  backend knows a shape range (TensorRT optimization profiles), extents outside it raise ShapeError too.
- Memory: C-contiguous arrays of the right dtype are passed through without a copy; any other array (a strided
  view, Fortran order) is copied to C order once.
"""

from __future__ import annotations

import abc
import logging
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trtcore.errors import ArgumentError, DTypeError, ShapeError

log = logging.getLogger("trtcore.runners")

Dim = int | str | None  # an int is static; a str is a named dynamic extent; None an unnamed dynamic one


@dataclass(frozen=True)
class TensorMeta:
    """One model input or output: name, numpy dtype and shape (``str``/``None`` for dynamic extents).

    ``min_shape``/``max_shape`` are set where the backend enforces a range (TensorRT profiles).

    >>> m = TensorMeta("input", np.dtype(np.float32), ("batch", 3, 224, 224))
    >>> m.is_dynamic, m.rank
    (True, 4)
    """

    name: str
    dtype: np.dtype
    shape: tuple[Dim, ...]
    min_shape: tuple[int, ...] | None = None
    max_shape: tuple[int, ...] | None = None

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def is_dynamic(self) -> bool:
        return any(not isinstance(d, int) or d < 0 for d in self.shape)

    def shape_str(self) -> str:
        return "(" + ", ".join("?" if d is None else str(d) for d in self.shape) + ")"

    def concrete_shape(self, fill: int = 1, named: Mapping[str, int] | None = None) -> tuple[int, ...]:
        """The shape with dynamic extents replaced: by ``named[name]``, else the range minimum, else ``fill``.

        >>> TensorMeta("x", np.dtype(np.float32), ("batch", 3)).concrete_shape(named={"batch": 8})
        (8, 3)
        """
        out = []
        for i, d in enumerate(self.shape):
            if isinstance(d, int) and d >= 0:
                out.append(d)
            elif named and isinstance(d, str) and d in named:
                out.append(int(named[d]))
            elif self.min_shape is not None:
                out.append(max(self.min_shape[i], min(fill, self.max_shape[i] if self.max_shape else fill)))
            else:
                out.append(fill)
        return tuple(out)


@dataclass
class _InputCheck:
    """Precomputed per-input checks so the per-call cost is a few attribute compares."""

    meta: TensorMeta
    static: tuple[tuple[int, int], ...] = field(default=())  # (axis, extent)
    named: tuple[tuple[int, str], ...] = field(default=())  # (axis, symbol)


class Runner(abc.ABC):
    """Base of every trtcore runner. Subclasses implement only the ``*_impl`` methods (see the module docstring).

    >>> import trtcore
    >>> with trtcore.load("model.onnx") as runner:  # doctest: +SKIP
    ...     outputs = runner.infer({"input": x})
    """

    #: short backend name used in messages and reports ("onnxruntime", "tensorrt")
    backend: str = "base"

    def __init__(self, name: str) -> None:
        self.name = name
        self.is_active = False
        self._inputs: list[TensorMeta] = []
        self._outputs: list[TensorMeta] = []
        self._checks: dict[str, _InputCheck] = {}
        self._input_names: frozenset[str] = frozenset()
        self._shared_symbols: frozenset[str] = frozenset()
        self._fast: tuple[tuple[Any, ...], ...] = ()

    # -- what a backend implements -------------------------------------------------------------------------------
    @abc.abstractmethod
    def activate_impl(self) -> None: ...

    @abc.abstractmethod
    def deactivate_impl(self) -> None: ...

    @abc.abstractmethod
    def input_metadata_impl(self) -> list[TensorMeta]: ...

    @abc.abstractmethod
    def output_metadata_impl(self) -> list[TensorMeta]: ...

    @abc.abstractmethod
    def infer_impl(self, feed: dict[str, np.ndarray]) -> dict[str, np.ndarray]: ...

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
            except BaseException:
                self.deactivate()
                raise
            self._prepare_checks()
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
    def inputs(self) -> list[TensorMeta]:
        """Input metadata in the model's order (activates the runner if needed).

        >>> [m.name for m in runner.inputs]  # doctest: +SKIP
        ['input']
        """
        self.activate()
        return list(self._inputs)

    @property
    def outputs(self) -> list[TensorMeta]:
        """Output metadata in the model's order (activates the runner if needed).

        >>> [m.name for m in runner.outputs]  # doctest: +SKIP
        ['output']
        """
        self.activate()
        return list(self._outputs)

    # -- inference -----------------------------------------------------------------------------------------------
    def infer(self, feed_dict: Mapping[str, Any], *, cast: bool = False) -> dict[str, np.ndarray]:
        """Runs the model on ``feed_dict`` ({input name: array}) and returns {output name: array}.

        Inputs are checked once here (names, dtype, rank, static extents; see the module docstring); ``cast=True``
        converts lossy dtypes (e.g. float64 → float32) instead of raising DTypeError.

        >>> out = runner.infer({"input": np.zeros((1, 3, 224, 224), np.float32)})  # doctest: +SKIP
        """
        return self.infer_impl(self.validate(feed_dict, cast=cast))

    def validate(self, feed_dict: Mapping[str, Any], *, cast: bool = False) -> dict[str, np.ndarray]:
        """Checks and normalizes a feed dict without running it; raises what ``infer`` would raise.

        >>> runner.validate({"input": np.zeros((1, 3, 224, 224), np.float32)})  # doctest: +SKIP
        """
        # This runs on every inference: the common case (right names, dtypes and shapes, contiguous) is a few
        # compares per input; everything unusual falls through to the slower paths below.
        if not self.is_active:
            self.activate()
        if type(feed_dict) is not dict and not isinstance(feed_dict, Mapping):
            raise ArgumentError(f"{self.name}: infer() takes a dict {{input name: array}}, "
                                f"got {type(feed_dict).__name__}; inputs: {self._expected()}")
        if feed_dict.keys() != self._input_names:
            self._raise_names(feed_dict)
        feed: dict[str, np.ndarray] = {}
        symbols: dict[str, tuple[int, str]] | None = {} if self._shared_symbols else None
        for name, dtype, rank, getter, values, extra, check in self._fast:
            value = feed_dict[name]
            if type(value) is not np.ndarray:
                value = self._as_array(name, value)
            if value.dtype is not dtype and value.dtype != dtype:
                value = self._convert(name, value, dtype, cast)
            shape = value.shape
            if extra or len(shape) != rank or (getter is not None and getter(shape) != values):
                self._check_shape(name, shape, check, symbols)
            if not value.flags.c_contiguous:
                log.debug("%s: input '%s' is not C-contiguous; copying it", self.name, name)
                value = np.ascontiguousarray(value)
            feed[name] = value
        return feed

    def _check_shape(self, name: str, shape: tuple[int, ...], check: "_InputCheck",
                     symbols: dict[str, tuple[int, str]] | None) -> None:
        meta = check.meta
        if len(shape) != meta.rank:
            raise ShapeError(f"{self.name}: input '{name}' must have {meta.rank} dimensions "
                             f"{meta.shape_str()}, got {len(shape)}: {shape}")
        for axis, extent in check.static:
            if shape[axis] != extent:
                raise ShapeError(f"{self.name}: input '{name}' has shape {shape}, expected {meta.shape_str()} "
                                 f"(axis {axis} must be {extent}, got {shape[axis]})")
        if symbols is not None:
            for axis, symbol in check.named:
                if symbol not in self._shared_symbols:
                    continue
                seen = symbols.setdefault(symbol, (shape[axis], name))
                if seen[0] != shape[axis]:
                    raise ShapeError(f"{self.name}: dynamic extent '{symbol}' is {seen[0]} in input '{seen[1]}' "
                                     f"but {shape[axis]} in input '{name}' (axis {axis}); it must be equal")
        if meta.min_shape is not None and meta.max_shape is not None:
            self._check_range(name, shape, meta)

    # -- helpers -------------------------------------------------------------------------------------------------
    def _prepare_checks(self) -> None:
        checks = {}
        counts: dict[str, int] = {}
        for meta in self._inputs:
            static = tuple((i, d) for i, d in enumerate(meta.shape) if isinstance(d, int) and d >= 0)
            named = tuple((i, d) for i, d in enumerate(meta.shape) if isinstance(d, str))
            checks[meta.name] = _InputCheck(meta, static, named)
            for _, symbol in named:
                counts[symbol] = counts.get(symbol, 0) + 1
        self._checks = checks
        self._input_names = frozenset(checks)
        # only a symbol used on two or more axes can disagree with itself
        self._shared_symbols = frozenset(s for s, n in counts.items() if n > 1)
        # Per input, what the hot loop in validate() needs: itemgetter pulls the static extents out of a shape in
        # one C call; "extra" sends the input to _check_shape every time (shared symbols, profile ranges).
        fast = []
        for name, check in checks.items():
            meta, axes = check.meta, [a for a, _ in check.static]
            getter = operator.itemgetter(*axes) if axes else None
            values = tuple(d for _, d in check.static)
            if len(values) == 1:
                values = values[0]  # itemgetter with one index returns the item, not a tuple
            extra = meta.min_shape is not None or any(s in self._shared_symbols for _, s in check.named)
            fast.append((name, meta.dtype, meta.rank, getter, values, extra, check))
        self._fast = tuple(fast)

    def _expected(self) -> str:
        return ", ".join(f"'{m.name}' {m.dtype.name} {m.shape_str()}" for m in self._inputs) or "(none)"

    def _raise_names(self, feed_dict: Mapping[str, Any]) -> None:
        missing = [m.name for m in self._inputs if m.name not in feed_dict]
        unknown = [str(k) for k in feed_dict if k not in self._input_names]
        parts = []
        if missing:
            parts.append("missing input(s) " + ", ".join(f"'{n}'" for n in missing))
        if unknown:
            parts.append("unknown input(s) " + ", ".join(f"'{n}'" for n in unknown))
        raise ArgumentError(f"{self.name}: {'; '.join(parts)}; the model's inputs are: {self._expected()}")

    def _as_array(self, name: str, value: Any) -> np.ndarray:
        try:
            arr = np.asarray(value)
        except Exception as e:  # numpy raises several types for ragged/odd objects
            raise DTypeError(f"{self.name}: input '{name}' cannot be converted to an array: {e}") from None
        return arr

    def _convert(self, name: str, value: np.ndarray, want: np.dtype, cast: bool) -> np.ndarray:
        if value.dtype.kind in "OUSVMm":  # objects, strings, records, dates: no numeric meaning to keep
            raise DTypeError(f"{self.name}: input '{name}' must be {want.name}, got {value.dtype} which is not "
                             "numeric")
        if cast or np.can_cast(value.dtype, want, casting="safe"):
            return value.astype(want, order="C")
        raise DTypeError(f"{self.name}: input '{name}' must be {want.name}, got {value.dtype.name}; converting "
                         f"would lose information, so convert it yourself or pass cast=True")

    def _check_range(self, name: str, shape: tuple[int, ...], meta: TensorMeta) -> None:
        for axis, (lo, hi, got) in enumerate(zip(meta.min_shape or (), meta.max_shape or (), shape)):
            if not lo <= got <= hi:
                raise ShapeError(f"{self.name}: input '{name}' has shape {shape}; axis {axis} must be in "
                                 f"[{lo}, {hi}] (engine profile min {meta.min_shape}, max {meta.max_shape})")


def random_feed(inputs: Sequence[TensorMeta], *, seed: int = 0, shapes: Mapping[str, Sequence[int]] | None = None,
                fill: int = 1, named: Mapping[str, int] | None = None) -> dict[str, np.ndarray]:
    """Random inputs for ``inputs`` (floats in [0, 1), integers in [0, 10), bools), for run/compare/bench.

    ``shapes`` overrides a tensor's shape; a named dynamic extent takes ``named[name]`` when given, others take
    ``fill`` (or the profile minimum).

    >>> feed = random_feed([TensorMeta("x", np.dtype(np.float32), ("batch", 4))], shapes={"x": (2, 4)})
    >>> feed["x"].shape
    (2, 4)
    """
    rng = np.random.default_rng(seed)
    shapes = dict(shapes or {})
    unknown = set(shapes) - {m.name for m in inputs}
    if unknown:
        raise ArgumentError(f"shape given for unknown input(s) {sorted(unknown)}; inputs: "
                            f"{[m.name for m in inputs]}")
    feed = {}
    for m in inputs:
        shape = tuple(int(s) for s in shapes[m.name]) if m.name in shapes else m.concrete_shape(fill, named)
        if np.issubdtype(m.dtype, np.floating):
            feed[m.name] = rng.random(shape, dtype=np.float32).astype(m.dtype)
        elif m.dtype == np.bool_:
            feed[m.name] = rng.random(shape) < 0.5
        else:
            feed[m.name] = rng.integers(0, 10, size=shape).astype(m.dtype)
    return feed

