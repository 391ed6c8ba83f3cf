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
from trtcore.errors import ArgumentError, ShapeError
from trtcore.pipelines import image_prep

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


class CudaImage:
    """An HWC image already on a CUDA device (a torch, cupy or jax CUDA tensor), described in place by the one reader
    (``_core.array_info``). The GPU pipeline reads it where it is: nothing is uploaded, and a resize it needs runs
    on the GPU (8-bit images)."""

    def __init__(self, obj: Any, dtype: str, shape: tuple[int, ...]) -> None:
        self.obj = obj
        self.dtype = np.dtype(dtype) if dtype in ("uint8", "uint16") else dtype
        self.shape = shape

    def __repr__(self) -> str:
        return f"CudaImage({type(self.obj).__name__}, {self.dtype}, {list(self.shape)})"


def cuda_image(x: Any) -> CudaImage | None:
    """``x`` as a :class:`CudaImage` when it is an array in CUDA device memory, else None (numpy arrays, paths,
    DLPack CPU tensors).

    >>> cuda_image(np.zeros((2, 2, 3), np.uint8)) is None
    True
    """
    if isinstance(x, np.ndarray) or not (hasattr(x, "__cuda_array_interface__") or hasattr(x, "__dlpack_device__")):
        return None
    dtype, shape, location = _core.array_info(x)
    return CudaImage(x, dtype, tuple(shape)) if location == "device" else None


def pipeline_image(item: Any, background: Any, maxval: int | None, channels: int
                   ) -> tuple[np.ndarray | CudaImage, int]:
    """One image for the GPU pipeline and its full scale: a CUDA image as it is (HWC uint8/uint16 with the model's
    ``channels``; ShapeError / DTypeError / ArgumentError naming it otherwise), anything else read on the host
    (:func:`~trtcore.pipelines.image_prep.as_image`, channels converted)."""
    cuda = cuda_image(item)
    if cuda is None:
        img, top = image_prep.as_image(item, background, maxval)
        return image_prep.to_channels(img, channels), top
    if len(cuda.shape) != 3:
        raise ShapeError(f"image: a CUDA image must be HWC, got shape {list(cuda.shape)} (a grey one: [H, W, 1])")
    top = image_prep.image_maxval(cuda.dtype, maxval)
    if cuda.shape[2] != channels:
        raise ArgumentError(f"image: the CUDA image has {cuda.shape[2]} channels, the model takes {channels}; "
                            "convert it on the device first, or pass it as a host array")
    return cuda, top


def device_resize(img: Any, plan: Any) -> tuple[int, ...] | None:
    """The GPU pipeline's ``resize`` argument that carries out ``plan`` (an
    :class:`~trtcore.pipelines.image_prep.ResizePlan`) on the device, bit for bit as the host's Pillow resize, or
    None when there is nothing to resize or the host must do it: 16-bit images, bicubic or nearest interpolation,
    channel counts other than 1 and 3, and shrinking without antialias (the host path refuses that). A crop without
    a resize is a slice on the host, and a crop on the device for a :class:`CudaImage`. The GPU resize is
    Pillow's bilinear filter (cpp/image/resize.h).

    >>> from trtcore.pipelines.image_prep import plan_resize, IMAGENET_EVAL
    >>> device_resize(np.zeros((480, 640, 3), np.uint8), plan_resize(480, 640, IMAGENET_EVAL))
    (256, 341, 16, 58, 224, 224)
    """
    h, w = img.shape[:2]
    if plan.resize == (h, w) and not (isinstance(img, CudaImage) and plan.crop != (0, 0, h, w)):
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


def contiguous_image(img: np.ndarray | CudaImage) -> Any:
    """An HWC image as the pipeline reads it: a host array C-contiguous, a CUDA image as it is (the pipeline
    refuses a non-contiguous one)."""
    return img.obj if isinstance(img, CudaImage) else np.ascontiguousarray(img)
