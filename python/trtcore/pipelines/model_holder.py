"""What the Classifier and the Segmenter share about their model: lazy runner loading, the one image input and
the one output, and reading tensor descriptions whatever their convention for dynamic dims (the runners'
``None``/names or trtcore.TensorInfo's ``-1``): a dim is static only when it is an int >= 0.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from trtcore.errors import ArgumentError, FormatError
from trtcore.runners import Runner, load


def static_dim(d: object) -> int | None:
    """The dim when it is static (an int >= 0), else None (None, -1, a name such as "batch").

    >>> static_dim(3), static_dim(-1), static_dim(None), static_dim("batch")
    (3, None, None, None)
    """
    return int(d) if isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 0 else None


def shape_text(meta: Any) -> str:
    """A tensor description's shape for messages: static dims, dim names, "?" for unnamed dynamic dims.

    >>> from types import SimpleNamespace as T
    >>> shape_text(T(shape=("batch", 3))), shape_text(T(shape=(-1, 3), dim_names=["batch", None]))
    ('(batch, 3)', '(batch, 3)')
    """
    names = list(getattr(meta, "dim_names", None) or [])
    parts = []
    for i, d in enumerate(meta.shape):
        if static_dim(d) is not None:
            parts.append(str(d))
        elif isinstance(d, str):
            parts.append(d)
        else:
            parts.append(names[i] if i < len(names) and names[i] else "?")
    return "(" + ", ".join(parts) + ")"


def device_tensor(x: object) -> bool:
    """True for an object that is not a numpy array but speaks DLPack or the CUDA Array Interface (torch, cupy,
    ...): the pipelines hand such objects to the runner as they are, never through the host.

    >>> device_tensor(np.zeros(3)), device_tensor([1, 2])
    (False, False)
    """
    return not isinstance(x, np.ndarray) and (hasattr(x, "__dlpack__") or hasattr(x, "__cuda_array_interface__"))


def tensor_shape(x: object) -> tuple[int, ...]:
    """The shape of a numpy, DLPack or CUDA-array object without converting it.

    >>> tensor_shape(np.zeros((2, 3)))
    (2, 3)
    """
    shape = getattr(x, "shape", None)
    if shape is None and hasattr(x, "__cuda_array_interface__"):
        shape = x.__cuda_array_interface__["shape"]
    if shape is None:
        raise ArgumentError(f"cannot read the shape of a {type(x).__name__}")
    return tuple(int(d) for d in shape)


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
        self.input: Any = runner.inputs[0]
        outputs = runner.outputs
        if self.output_name is not None:
            found = [m for m in outputs if m.name == self.output_name]
            if not found:
                raise ArgumentError(f"{self.model_name}: no output named '{self.output_name}'; outputs: "
                                    f"{[m.name for m in outputs]}")
            self.output: Any = found[0]
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
        if len(shape) != 4 or static_dim(shape[1]) not in (1, 3):
            raise FormatError(f"{self.model_name}: input '{self.input.name}' has shape {shape_text(self.input)}; "
                              "images need an NCHW input with 1 or 3 channels")
        h, w = (static_dim(d) for d in shape[2:])
        return shape[1], h, w

    def input_dtype(self) -> np.dtype:
        """The dtype preprocessing writes: the model input's when it is float16 or float32, else float32 (the
        runner then casts, e.g. for a float64 model).

        >>> Classifier("fp16.engine").input_dtype()  # doctest: +SKIP
        dtype('float16')
        """
        dt = np.dtype(self.input.dtype)
        return dt if dt in (np.dtype(np.float16), np.dtype(np.float32)) else np.dtype(np.float32)


def static_batch(meta: Any) -> int | None:
    """The input's fixed batch size, or None when the batch axis is dynamic.

    >>> from types import SimpleNamespace as T
    >>> static_batch(T(shape=(32, 3))), static_batch(T(shape=(-1, 3)))
    (32, None)
    """
    return static_dim(meta.shape[0]) if meta.shape else None


def max_batch(meta: Any) -> int | None:
    """The largest batch the backend accepts: the static batch, the profile maximum, or None (unbounded).

    >>> from types import SimpleNamespace as T
    >>> max_batch(T(shape=(-1, 3), max_shape=(64, 3)))
    64
    """
    b = static_batch(meta)
    if b is not None:
        return b
    return static_dim(meta.max_shape[0]) if meta.max_shape else None
