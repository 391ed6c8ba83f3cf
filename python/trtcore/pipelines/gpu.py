"""The Classifier's and the Segmenter's GPU path: image in, result out on one CUDA stream (C++
``pipeline::GpuPipeline``, cpp/pipeline/). The uint8/uint16 image goes up, is normalized on the device straight
into the model's input, the model runs, and the output is reduced there (argmax and colorize; scores for top-k);
only the result comes down. For fixed shapes the whole sequence is one CUDA graph.

``device="cuda"`` asks for it (an error says why it cannot run), ``"cpu"`` keeps the CPU kernels, and ``"auto"``
(the default) takes the GPU whenever the model already runs there (a TensorRT engine, or any
:class:`~trtcore.runners.ExecutorRunner`) and trtcore was built with its GPU kernels.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

import numpy as np

from trtcore import _core
from trtcore.errors import ArgumentError

DEVICES = ("auto", "cpu", "cuda")


def check_device(device: Any) -> str:
    """The device argument, checked.

    >>> check_device("cuda")
    'cuda'
    """
    if device not in DEVICES:
        raise ArgumentError(f"device must be one of {', '.join(DEVICES)}, got {device!r}")
    return device


def gpu_unavailable_reason(runner: Any) -> str | None:
    """Why the GPU pipeline cannot run this runner's model, or None when it can.

    >>> gpu_unavailable_reason(onnxruntime_runner)  # doctest: +SKIP
    'the model runs on onnxruntime (the CPU); the GPU pipeline needs a TensorRT engine'
    """
    from trtcore._info import build_info
    from trtcore.runners.tensorrt import ExecutorRunner

    if not hasattr(_core, "GpuPipeline"):
        return "this trtcore was built without its GPU kernels (no CUDA compiler, nvcc, when it was built)"
    if not isinstance(runner, ExecutorRunner):
        return (f"the model runs on {runner.backend} (the CPU); the GPU pipeline needs a model on the GPU "
                "(a TensorRT engine)")
    cuda = build_info()["cuda"]
    if not cuda["devices"]:
        return f"no usable CUDA device ({cuda['error'] or 'none found'})"
    return None


def resolve_device(device: str, runner: Any, model_name: str) -> str:
    """"cpu" or "cuda" for ``device`` ("auto", "cpu", "cuda") and the runner; ArgumentError when "cuda" cannot be."""
    if device == "cpu":
        return "cpu"
    reason = gpu_unavailable_reason(runner)
    if reason is None:
        return "cuda"
    if device == "cuda":
        raise ArgumentError(f"{model_name}: device='cuda' cannot be used: {reason}")
    return "cpu"


class GpuPipelines:
    """One :class:`trtcore._core.GpuPipeline` per calling thread and preprocessing, each over its own backend
    (``runner.new_backend()``: for TensorRT a new execution context of the same engine).
    """

    def __init__(self, runner: Any, input_name: str, output_name: str, *, cuda_graph: bool = True) -> None:
        self.runner = runner
        self.input_name = input_name
        self.output_name = output_name
        self.cuda_graph = cuda_graph
        self._local = threading.local()

    def get(self, mean: tuple[float, ...], std: tuple[float, ...], maxval: float, pad: bool) -> Any:
        """This thread's pipeline for these preprocessing values (created on first use)."""
        cache = getattr(self._local, "pipelines", None)
        if cache is None:
            cache = self._local.pipelines = {}
        key = (tuple(mean), tuple(std), float(maxval), bool(pad))
        pipe = cache.get(key)
        if pipe is None:
            pipe = cache[key] = _core.GpuPipeline(self.runner.new_backend(), self.input_name, self.output_name,
                                                  list(mean), list(std), float(maxval), pad, self.cuda_graph)
        return pipe

    def current(self) -> list[Any]:
        """This thread's pipelines (for their ``stats``)."""
        return list(getattr(self._local, "pipelines", {}).values())


def device_resize(img: np.ndarray, plan: Any) -> tuple[int, ...] | None:
    """The GPU pipeline's ``resize`` argument that carries out ``plan`` (an
    :class:`~trtcore.pipelines.image_prep.ResizePlan`) on the device, bit for bit as the host's Pillow resize, or
    None when there is nothing to resize or the host must do it: 16-bit images, bicubic or nearest interpolation,
    channel counts other than 1 and 3, a crop without a resize, and shrinking without antialias (the host path
    refuses that). The GPU resize is Pillow's bilinear filter (cpp/image/resize.h).

    >>> from trtcore.pipelines.image_prep import plan_resize, IMAGENET_EVAL
    >>> device_resize(np.zeros((480, 640, 3), np.uint8), plan_resize(480, 640, IMAGENET_EVAL))
    (256, 341, 16, 58, 224, 224)
    """
    h, w = img.shape[:2]
    if plan.resize == (h, w):
        return None
    shrinks = plan.resize[0] < h or plan.resize[1] < w
    if img.dtype != np.uint8 or img.shape[2] not in (1, 3) or plan.interpolation != "bilinear":
        return None
    if shrinks and not plan.antialias:
        return None
    return (*plan.resize, *plan.crop)


@functools.cache
def pillow_resizes_tall_images_vertically_first() -> bool:
    """Whether the installed Pillow (>= 12.2) resizes images over 100 times taller than wide vertically first, as
    the GPU resize must then too to give the same bytes."""
    from PIL import Image

    return tuple(int(p) for p in Image.__version__.split(".")[:2]) >= (12, 2)


def contiguous_image(img: np.ndarray) -> np.ndarray:
    """An HWC image as the pipeline reads it (C-contiguous, native byte order)."""
    return np.ascontiguousarray(img)
