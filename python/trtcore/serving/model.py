"""What Triton needs to know about one model, planned once from a runner's :class:`trtcore.TensorInfo`: names,
Triton data types, dims (−1 for dynamic), the batch axis and ``max_batch_size``. ``trtcore serve`` binds it on
PyTriton, ``trtcore triton-repo`` writes it as ``config.pbtxt``; both read this one plan."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trtcore.dtypes import triton_name
from trtcore.errors import ArgumentError, FileError
from trtcore.runners import TensorInfo

__all__ = ["DEFAULT_MAX_BATCH_SIZE", "TritonTensor", "TritonModel", "plan_model", "model_source", "check_name",
           "parse_gpus", "plan_instances", "visible_gpus"]

#: max_batch_size for a model with a batch axis but no optimization profile to bound it (ONNX Runtime).
DEFAULT_MAX_BATCH_SIZE = 64

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_DEMOS = ("digits", "shapes")


@dataclass(frozen=True)
class TritonTensor:
    """One input or output as Triton sees it: ``dims`` exclude the batch axis when the model batches."""

    name: str
    dtype: str  # numpy's name, "float32"
    triton_type: str  # "FP32"
    dims: tuple[int, ...]


@dataclass(frozen=True)
class TritonModel:
    """A model's Triton configuration. ``max_batch_size`` 0: no batch axis (dims are the full shapes).
    ``profiles``: per optimization profile, {input name: (min, opt, max)} full shapes (TensorRT engines)."""

    name: str
    inputs: tuple[TritonTensor, ...]
    outputs: tuple[TritonTensor, ...]
    max_batch_size: int
    profiles: tuple[dict[str, tuple[tuple[int, ...], ...]], ...] = ()

    @property
    def batching(self) -> bool:
        return self.max_batch_size > 0


def check_name(name: str, flag: str = "--name") -> str:
    """A Triton model name: letters, digits, '.', '_', '-' (it is a folder name and a URL path segment).

    >>> check_name("digits")
    'digits'
    """
    if not _NAME.match(name):
        raise ArgumentError(f"{flag}: {name!r} is not a Triton model name (letters, digits, '.', '_', '-')")
    return name


def model_source(model: str | Path) -> tuple[Path, Any]:
    """The file behind a MODEL argument and the build configuration to load it with: a model file as given, or the
    bundled demo ``digits`` / ``shapes`` (with their TensorRT profiles) when no such file exists.

    >>> model_source("digits")[0].name
    'digits.onnx'
    """
    path = Path(model)
    if not path.exists() and str(model) in _DEMOS:
        from trtcore import demo

        digits, shapes = demo.build_configs()
        return (demo.DIGITS_MODEL, digits) if str(model) == "digits" else (demo.SHAPES_MODEL, shapes)
    if not path.exists():
        raise FileError(f"{path}: no such model file (the demo models are named {' and '.join(_DEMOS)})")
    return path, None


def _batch_axis(tensors: Sequence[TensorInfo]) -> bool:
    """True when every tensor's first extent is dynamic and the named ones share one name ("batch")."""
    if not tensors or any(t.rank == 0 or t.shape[0] != -1 for t in tensors):
        return False
    names = {t.dim_names[0] for t in tensors if t.dim_names and t.dim_names[0] is not None}
    return len(names) <= 1


def _profile_batch_range(inputs: Sequence[TensorInfo]) -> tuple[int, int] | None:
    """(largest minimum, smallest maximum) batch over the inputs' profiles; None without profiles."""
    lows, highs = [], []
    for t in inputs:
        for lo, _, hi in t.profiles:
            lows.append(lo[0])
            highs.append(hi[0])
    if not highs:
        return None
    return max(lows), min(highs)


def plan_model(inputs: Sequence[TensorInfo], outputs: Sequence[TensorInfo], name: str,
               max_batch_size: int | None = None) -> TritonModel:
    """Plans the Triton configuration of a model from its inputs and outputs (a runner's ``.inputs``/``.outputs``).

    ``max_batch_size`` None: from the profiles when the model has a batch axis (dynamic first extent on every
    tensor), :data:`DEFAULT_MAX_BATCH_SIZE` without profiles, 0 without a batch axis. 0 turns batching off; a value
    above the profiles' maximum, or on a model without a batch axis, is an ArgumentError.

    >>> x = TensorInfo("x", "float32", [-1, 4], dim_names=["batch", None])
    >>> y = TensorInfo("y", "float32", [-1, 2], dim_names=["batch", None])
    >>> plan = plan_model([x], [y], "m")
    >>> plan.max_batch_size, plan.inputs[0].dims
    (64, (4,))
    """
    check_name(name)
    if max_batch_size is not None and max_batch_size < 0:
        raise ArgumentError(f"max_batch_size: must be 0 (no batching) or more, got {max_batch_size}")
    batch_axis = _batch_axis(list(inputs) + list(outputs))
    limits = _profile_batch_range(inputs) if batch_axis else None
    if limits is not None and limits[0] > 1:
        batch_axis = False  # Triton sends batches of one; a profile that starts above 1 cannot run them
    if not batch_axis:
        if max_batch_size:
            raise ArgumentError(f"max_batch_size {max_batch_size}: {name} has no batch axis (a dynamic first "
                                "extent on every input and output, and a profile from batch 1); use 0")
        mbs = 0
    elif max_batch_size is None:
        mbs = limits[1] if limits is not None else DEFAULT_MAX_BATCH_SIZE
    else:
        if limits is not None and max_batch_size > limits[1]:
            raise ArgumentError(f"max_batch_size {max_batch_size}: {name}'s optimization profiles allow batches "
                                f"up to {limits[1]}")
        mbs = max_batch_size
    skip = 1 if mbs else 0

    def tensor(t: TensorInfo) -> TritonTensor:
        return TritonTensor(t.name, t.dtype_name, triton_name(t.dtype_name, t.name), tuple(t.shape[skip:]))

    n_profiles = max((len(t.profiles) for t in inputs), default=0)
    profiles = tuple({t.name: tuple(tuple(s) for s in t.profiles[k]) for t in inputs if k < len(t.profiles)}
                     for k in range(n_profiles))
    return TritonModel(name, tuple(tensor(t) for t in inputs), tuple(tensor(t) for t in outputs), mbs, profiles)


def parse_gpus(text: str, flag: str = "--gpus") -> list[int] | None:
    """``--gpus 0,2``: the GPU numbers, distinct and 0 or more; None for an empty text (every visible GPU).

    >>> parse_gpus("0,2"), parse_gpus("")
    ([0, 2], None)
    """
    if not text.strip():
        return None
    try:
        gpus = [int(g) for g in text.split(",")]
    except ValueError:
        raise ArgumentError(f"{flag}: expected comma-separated GPU numbers, got {text!r}") from None
    if any(g < 0 for g in gpus) or len(set(gpus)) != len(gpus):
        raise ArgumentError(f"{flag}: GPU numbers are distinct and 0 or more, got {text!r}")
    return gpus


def visible_gpus() -> int:
    """How many GPUs this process sees (CUDA's count, after ``CUDA_VISIBLE_DEVICES``); 0 without a driver."""
    from trtcore import _core

    return len(_core.cuda_runtime_info()["devices"])


def plan_instances(instances: int, gpus: Sequence[int] | None, visible: int) -> list[int | None]:
    """The device of each model instance, placed as Triton's ``instance_group [ { count: instances kind: KIND_GPU
    gpus: [g] } ... ]`` places them: ``instances`` copies on each GPU of ``gpus`` (every one of the ``visible``
    GPUs when None), GPU after GPU. With no GPU visible and none asked for, ``instances`` copies on the CPU (None).

    >>> plan_instances(2, None, 2), plan_instances(1, [1], 2), plan_instances(2, None, 0)
    ([0, 0, 1, 1], [1], [None, None])
    """
    if instances < 1:
        raise ArgumentError(f"instances: at least 1, got {instances}")
    if gpus is None:
        return [g for g in range(visible) for _ in range(instances)] if visible else [None] * instances
    if not gpus:
        raise ArgumentError("gpus: name at least one GPU, or leave it out for every visible GPU")
    if len(set(gpus)) != len(gpus) or any(g < 0 for g in gpus):
        raise ArgumentError(f"gpus: GPU numbers are distinct and 0 or more, got {list(gpus)}")
    missing = [g for g in gpus if g >= visible]
    if missing:
        seen = f"{visible} visible (0 to {visible - 1})" if visible else "none visible here"
        raise ArgumentError(f"gpus: no GPU {', '.join(map(str, missing))} (asked for {','.join(map(str, gpus))}); "
                            f"{seen}")
    return [g for g in gpus for _ in range(instances)]
