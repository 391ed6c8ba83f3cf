"""What the Classifier and the Segmenter share: preprocessing configuration and lazy runner loading."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from trtcore.errors import ArgumentError, DTypeError, FormatError
from trtcore.pipelines import imaging
from trtcore.runners import Runner, TensorMeta, load


@dataclass(frozen=True)
class Preprocess:
    """How images become input tensors: ``(pixel / maxval - mean) / std`` per channel, CHW.

    One value for ``mean``/``std`` (a number or a 1-tuple) applies to every channel.

    >>> IMAGENET.mean
    (0.485, 0.456, 0.406)
    """

    mean: tuple[float, ...] = (0.0,)
    std: tuple[float, ...] = (1.0,)
    maxval: float = 255.0

    def __post_init__(self) -> None:
        for name in ("mean", "std"):  # accept one number for every channel
            value = getattr(self, name)
            if isinstance(value, (int, float)):
                object.__setattr__(self, name, (float(value),))
            else:
                object.__setattr__(self, name, tuple(float(v) for v in value))
        if any(s == 0 for s in self.std):
            raise ArgumentError(f"preprocess std must be non-zero, got {self.std}")
        if self.maxval <= 0:
            raise ArgumentError(f"preprocess maxval must be positive, got {self.maxval}")

    def for_channels(self, c: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """(mean, std) with one value per channel; a single value is repeated.

        >>> Preprocess(0.5, 0.25).for_channels(3)
        ((0.5, 0.5, 0.5), (0.25, 0.25, 0.25))
        """
        def fit(v: tuple[float, ...], what: str) -> tuple[float, ...]:
            if len(v) == c:
                return v
            if len(v) == 1:
                return v * c
            raise ArgumentError(f"preprocess {what} has {len(v)} values but the model takes {c} channels")
        return fit(tuple(self.mean), "mean"), fit(tuple(self.std), "std")

    def apply(self, image: np.ndarray, dtype: np.dtype | type = np.float32) -> np.ndarray:
        """HWC uint8 → CHW normalized array.

        >>> Preprocess().apply(np.full((2, 2, 1), 255, np.uint8)).tolist()
        [[[1.0, 1.0], [1.0, 1.0]]]
        """
        mean, std = self.for_channels(image.shape[2])
        return imaging.normalize(image, mean, std, self.maxval, dtype)


#: torchvision's ImageNet statistics, as used by the quick start's ResNet-50 and FCN-ResNet101
IMAGENET = Preprocess((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))


class ModelHolder:
    """Loads the runner on first use and picks the model's image input and its one relevant output."""

    def __init__(self, model: str | Path | Runner, backend: str, output_name: str | None,
                 build_config: Any = None) -> None:
        if isinstance(model, Runner):
            self._runner: Runner | None = model
            self.model_name = model.name
        else:
            self._runner = None
            self.model_name = str(model)
            self._path = Path(model)
        self.backend = backend
        self.output_name = output_name
        self.build_config = build_config

    @property
    def runner(self) -> Runner:
        """The runner, loaded (and checked) on first access."""
        if self._runner is None:
            self._runner = load(self._path, self.backend, build_config=self.build_config)
        if not getattr(self, "_checked", False):
            self._runner.activate()
            self._check_io(self._runner)
            self._checked = True
        return self._runner

    def _check_io(self, runner: Runner) -> None:
        if len(runner.inputs) != 1:
            raise FormatError(f"{self.model_name}: expected a model with one input, got "
                              f"{[m.name for m in runner.inputs]}")
        self.input: TensorMeta = runner.inputs[0]
        outputs = runner.outputs
        if self.output_name is not None:
            found = [m for m in outputs if m.name == self.output_name]
            if not found:
                raise ArgumentError(f"{self.model_name}: no output named '{self.output_name}'; outputs: "
                                    f"{[m.name for m in outputs]}")
            self.output: TensorMeta = found[0]
        elif len(outputs) == 1:
            self.output = outputs[0]
        else:
            raise FormatError(f"{self.model_name}: the model has {len(outputs)} outputs "
                              f"{[m.name for m in outputs]}; choose one with output_name=")
        self.check_io()

    def check_io(self) -> None:  # overridden by pipelines
        pass

    def image_input_layout(self) -> tuple[int, int | None, int | None]:
        """(channels, height, width) of an NCHW image input; None for a dynamic extent."""
        shape = self.input.shape
        if len(shape) != 4 or not isinstance(shape[1], int) or shape[1] not in (1, 3):
            raise FormatError(f"{self.model_name}: input '{self.input.name}' has shape {self.input.shape_str()}; "
                              "images need an NCHW input with 1 or 3 channels")
        h, w = (d if isinstance(d, int) and d >= 0 else None for d in shape[2:])
        return shape[1], h, w


def static_batch(meta: TensorMeta) -> int | None:
    """The input's fixed batch size, or None when the batch axis is dynamic.

    >>> static_batch(TensorMeta("x", np.dtype(np.float32), (32, 3)))
    32
    """
    d = meta.shape[0] if meta.shape else None
    return d if isinstance(d, int) and d >= 0 else None


def max_batch(meta: TensorMeta) -> int | None:
    """The largest batch the backend accepts: the static batch, the profile maximum, or None (unbounded).

    >>> max_batch(TensorMeta("x", np.dtype(np.float32), (None, 3), (1, 3), (64, 3)))
    64
    """
    b = static_batch(meta)
    if b is not None:
        return b
    return meta.max_shape[0] if meta.max_shape else None


def softmax(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax.

    >>> softmax(np.array([0.0, 0.0])).tolist()
    [0.5, 0.5]
    """
    z = scores - scores.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def image_list(items: Sequence[str | Path | np.ndarray] | str | Path | np.ndarray) -> list[str | Path | np.ndarray]:
    if isinstance(items, (str, Path)) or (isinstance(items, np.ndarray) and items.ndim in (2, 3)):
        return [items]  # one image: HWC, or HW grey
    return list(items)


def as_image(item: str | Path | np.ndarray) -> np.ndarray:
    if isinstance(item, (str, Path)):
        return imaging.load_image(item)
    arr = np.asarray(item)
    if arr.dtype != np.uint8:
        raise DTypeError(f"image arrays must be HWC uint8, got {arr.dtype}")
    return imaging._hwc(arr, "image array")
