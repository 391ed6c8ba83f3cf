"""Semantic segmentation: image → labels [H, W] → colour image (and overlay), as in the quick start's C++ sample.

Works with models whose output is logits ``[N, C, H, W]`` (argmax is taken here) or labels ``[N, 1, H, W]`` /
``[N, H, W]`` integers (the quick start appends ``argmax(1, keepdims=True)`` to FCN-ResNet101).

When the image and a fixed-size model disagree, ``size_policy`` decides — never a silent wrong answer:
``"error"`` (default) raises ShapeError; ``"resize"`` resizes the image to the model (bilinear) and the labels
back (nearest); ``"pad"`` pads the image at the bottom/right with the mean colour and crops the labels (images
larger than the model still raise).

``device`` picks where pre- and post-processing run (:mod:`trtcore.pipelines.gpu`): on the GPU, around a model on
the GPU, only the image goes up and only labels (or the colour image, :meth:`Segmenter.colorized`) come down; the
results are the CPU kernels', bit for bit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from trtcore import image as _image
from trtcore.errors import ArgumentError, DTypeError, FormatError, ShapeError
from trtcore.pipelines import gpu, image_prep
from trtcore.pipelines.image_prep import BACKGROUND, Background, as_image
from trtcore.pipelines.model_holder import ModelHolder, device_tensor, shape_text, static_dim, tensor_shape
from trtcore.pipelines.preprocess import Preprocess
from trtcore.runners import Runner

SIZE_POLICIES = ("error", "resize", "pad")
MAX_CLASSES = 2**24  # a palette colour per class: more than this is a mistake, not a model


class Segmenter(ModelHolder):
    """Segments images with a trtcore model (loaded on first use).

    ``num_classes`` sets the palette size (default: the logits' channel count, else 21 like PASCAL VOC).
    ``build_config`` (a :class:`trtcore.BuildConfig`) is used when an ONNX model is built for TensorRT.
    ``preprocess`` defaults to ImageNet's mean/std, as :func:`trtcore.image.normalize` and the guide's
    FCN-ResNet101 (``trtcore.pipelines.UNIT`` for ``pixel / 255`` models). Transparent images are composited on
    ``background`` (RGB 0..255, default white).

    >>> seg = Segmenter("fcn-resnet101.onnx")  # doctest: +SKIP
    >>> labels = seg.segment("input.ppm")  # doctest: +SKIP
    >>> seg.save("output.ppm", labels)  # doctest: +SKIP
    """

    def __init__(self, model: str | Path | Runner, *, preprocess: Preprocess | None = None,
                 num_classes: int | None = None, size_policy: str = "error", backend: str = "auto",
                 output_name: str | None = None, colors: np.ndarray | None = None, build_config: Any = None,
                 background: Background = BACKGROUND, device: str = "auto") -> None:
        if size_policy not in SIZE_POLICIES:
            raise ArgumentError(f"size_policy must be one of {', '.join(SIZE_POLICIES)}, got {size_policy!r}")
        if num_classes is not None and (isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer))
                                        or not 1 <= num_classes <= MAX_CLASSES):
            raise ArgumentError(f"num_classes must be an integer 1..{MAX_CLASSES}, got {num_classes!r}")
        super().__init__(model, backend, output_name, build_config)
        self.device = gpu.check_device(device)
        self.preprocess = preprocess or Preprocess()
        self.size_policy = size_policy
        self.background = _image.background_rgb(background)
        self.num_classes = num_classes
        self.colors = None if colors is None else np.asarray(colors, np.uint8)
        # One palette object per Segmenter (per palette size), reused by every colorize: no rebuild per image.
        self._palettes: dict[int, _image.Palette] = {}

    def check_io(self) -> None:
        self.image_input_layout()
        out = self.output
        if out.rank == 4 and np.issubdtype(out.dtype, np.floating):
            c = static_dim(out.shape[1])
            if c is not None and c < 2:  # argmax over one channel is always class 0: a silent wrong answer
                raise FormatError(f"{self.model_name}: output '{out.name}' is float {shape_text(out)} with one "
                                  "channel; a segmenter needs logits with C >= 2 (a thresholded binary output "
                                  "needs its own post-processing)")
            if self.num_classes is None and c is not None and c > 0:
                self.num_classes = c
        elif not ((out.rank in (3, 4)) and np.issubdtype(out.dtype, np.integer)):
            raise FormatError(f"{self.model_name}: output '{out.name}' is {out.dtype.name} {shape_text(out)}; a "
                              "segmenter needs float logits [N, C, H, W] or integer labels [N, 1, H, W] / [N, H, W]")

    def _fit(self, img: np.ndarray, *, on_device: bool = False) -> tuple[np.ndarray, str, tuple[int, ...] | None]:
        """Applies the size policy; returns the model-sized image, what was done ("", "resize", "pad") and, with
        ``on_device``, the resize the GPU pipeline does instead (:func:`~trtcore.pipelines.gpu.device_resize`;
        the image is then returned as it is)."""
        _, mh, mw = self.image_input_layout()
        h, w = img.shape[:2]
        if (mh is None or mh == h) and (mw is None or mw == w):
            return img, "", None
        th, tw = mh if mh is not None else h, mw if mw is not None else w
        if self.size_policy == "resize":
            plan = image_prep.plan_resize(h, w, image_prep.STRETCH, (th, tw))
            resize = gpu.device_resize(img, plan) if on_device else None
            if resize is None and isinstance(img, gpu.CudaImage):
                raise ArgumentError(f"image: a {img.dtype} CUDA image of {h}x{w} cannot be resized on the GPU "
                                    f"(only uint8 images are) to the model's {th}x{tw}; resize it first")
            return (img if resize is not None else image_prep.apply_resize(img, plan)), "resize", resize
        if self.size_policy == "pad":
            if h > th or w > tw:
                raise ShapeError(f"{self.model_name}: image is {h}x{w} (HxW), larger than the model's input "
                                 f"{th}x{tw}; padding cannot shrink it, use size_policy='resize'")
            return img, "pad", None
        raise ShapeError(f"{self.model_name}: image is {h}x{w} (HxW) but the model takes {th}x{tw}; choose "
                         "size_policy='resize' or 'pad' (CLI: --resize / --pad)")

    def segment(self, image: Any, *, maxval: int | None = None) -> np.ndarray:
        """Labels ``[H, W]`` (int64) for one image at the image's own size: a path, an HWC uint8/uint16 array
        (full scale ``maxval``, default the dtype's: 255 / 65535), or an input tensor ``[1, C, H, W]`` already on
        the device (torch/cupy: DLPack or ``__cuda_array_interface__``), which goes to the runner as it is. An HWC
        image that is a CUDA tensor is read where it is by the GPU pipeline (nothing is uploaded; it must have the
        model's channels, and only uint8 ones are resized); the CPU pipeline copies it to the host once.

        Files keep their depth and are normalized from their own maxval in C++ (a 16-bit PPM gets exactly
        :func:`trtcore.image.read_normalized`'s values), straight into the model input's dtype (float16 for a
        float16 engine).

        >>> Segmenter("shapes.onnx").segment("shapes_0.ppm").shape  # doctest: +SKIP
        (64, 64)
        """
        runner = self.runner
        if device_tensor(image) and len(tensor_shape(image)) == self.input.rank:
            shape = tensor_shape(image)
            out = runner.infer({self.input.name: image})[self.output.name]
            return self._labels(out, (shape[2], shape[3]))
        c, mh, mw = self.image_input_layout()
        img, maxval = self._read_image(image, maxval)
        h, w = img.shape[:2]
        fitted, action, resize = self._fit(img, on_device=self.on_gpu)
        if self.on_gpu:
            labels, _ = self._gpu_run(fitted, maxval, action, labels=True, colors=False, resize=resize)
            labels = labels.astype(np.int64, copy=False)  # a model's own int32 / uint8 labels, widened
            return resize_labels(labels, h, w) if action == "resize" else labels
        dtype = self.input_dtype()
        if action == "pad":
            tensor = np.zeros((1, c, mh or h, mw or w), dtype)  # 0 after normalization = the mean colour
            tensor[0, :, :h, :w] = self.preprocess.apply(fitted, dtype, maxval)
        else:
            tensor = self.preprocess.apply(fitted, dtype, maxval)[None]
        out = runner.infer({self.input.name: tensor}, cast=True)[self.output.name]
        labels = self._labels(out, tensor.shape[2:])
        if action == "resize":
            labels = resize_labels(labels, h, w)
        elif action == "pad":
            labels = labels[:h, :w]
        return labels

    def _read_image(self, image: Any, maxval: int | None) -> tuple[Any, int]:
        """An HWC image with the model's channels, and its full scale: on the host, or (with the GPU pipeline) a
        CUDA image left where it is (:func:`~trtcore.pipelines.gpu.pipeline_image`)."""
        c = self.image_input_layout()[0]
        if self.on_gpu:
            return gpu.pipeline_image(image, self.background, maxval, c)
        img, maxval = as_image(image, self.background, maxval)
        return image_prep.to_channels(img, c), maxval

    @property
    def on_gpu(self) -> bool:
        """Whether pre- and post-processing run on the GPU (``device``, resolved once the model is loaded)."""
        if getattr(self, "_device", None) is None:
            self.runner  # noqa: B018 - loads the model (and its input/output descriptions)
            self._device = gpu.resolve_device(self.device, self.runner, self.model_name)
            if self._device == "cuda":
                self.gpu_pipelines = gpu.GpuPipelines(self.runner, self.input.name, self.output.name)
        return self._device == "cuda"

    def _gpu_run(self, fitted: np.ndarray, maxval: int, action: str, *, labels: bool, colors: bool,
                 resize: tuple[int, ...] | None = None) -> tuple[np.ndarray | None, np.ndarray | None]:
        mean, std = self.preprocess.for_channels(fitted.shape[2])
        pipe = self.gpu_pipelines.get(mean, std, self.preprocess.divisor(maxval), action == "pad")
        palette = self.palette() if colors else None
        return pipe.segment(gpu.contiguous_image(fitted), labels=labels, labels_dtype="int64", palette=palette,
                            resize=resize, tall_vertical_first=gpu.pillow_resizes_tall_images_vertically_first())

    def colorized(self, image: Any, *, maxval: int | None = None) -> np.ndarray:
        """The colour label image ``[H, W, 3]`` uint8 of one image (what :meth:`save` writes): on the GPU only this
        comes down; elsewhere it is ``colorize(segment(image))``.

        >>> seg.colorized("input.ppm").shape  # doctest: +SKIP
        (512, 512, 3)
        """
        return self._segment_colors(image, maxval, labels=False)[1]

    def segment_colorized(self, image: Any, *, maxval: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Labels ``[H, W]`` (int64) and the colour image ``[H, W, 3]`` of one image, from one run (on the GPU
        both are made there and come down together).

        >>> labels, rgb = seg.segment_colorized("input.ppm")  # doctest: +SKIP
        """
        labels, rgb = self._segment_colors(image, maxval, labels=True)
        return labels.astype(np.int64, copy=False), rgb

    def _segment_colors(self, image: Any, maxval: int | None, *, labels: bool) -> tuple[Any, np.ndarray]:
        self.runner  # noqa: B018 - loads the model to learn its layout
        if self.on_gpu and not (device_tensor(image) and len(tensor_shape(image)) == self.input.rank):
            img, maxval = self._read_image(image, maxval)
            fitted, action, _ = self._fit(img, on_device=True)
            # Labels resized back on the host, or label ids that may need a larger palette: colorize on the host.
            if action != "resize" and (self.colors is not None or self._logits_output()):
                return self._gpu_run(fitted, maxval, action, labels=labels, colors=True)
        ids = self.segment(image, maxval=maxval)
        return ids, self.colorize(ids)

    def _logits_output(self) -> bool:
        return self.output.rank == 4 and np.issubdtype(self.output.dtype, np.floating)

    def _labels(self, out: Any, size: tuple[int, int]) -> np.ndarray:
        # One C++ function (image::labels_from_output) for logits and label ids of any integer width, shared
        # with the C++ segmentation_tutorial.
        return _image.labels_from_output(np.asarray(out), f"{self.model_name}: output '{self.output.name}'",
                                         int(size[0]), int(size[1]))

    def palette(self, labels: np.ndarray | None = None) -> _image.Palette:
        """The palette colorize uses: ``colors``, or the guide's with ``num_classes`` colours (or more when the
        labels hold a larger id); built once per size and kept.

        >>> len(Segmenter("m.onnx", num_classes=3).palette())  # doctest: +SKIP
        3
        """
        if self.colors is not None:
            n = -1
        else:
            top = int(labels.max(initial=0)) + 1 if labels is not None and labels.size else 0
            n = max(self.num_classes or 21, top)
        pal = self._palettes.get(n)
        if pal is None:
            pal = (_image.as_palette(self.colors) if n == -1
                   else _image.Palette.guide(n, list(_image.GUIDE_PALETTE_BASE)))
            self._palettes[n] = pal
        return pal

    def colorize(self, labels: np.ndarray) -> np.ndarray:
        """Labels [H, W] → RGB image [H, W, 3] uint8 with the quick start's palette (or ``colors``).

        >>> seg.colorize(labels).shape  # doctest: +SKIP
        (512, 512, 3)
        """
        labels = np.asarray(labels)
        return _image.colorize(labels, self.palette(labels))

    def overlay(self, image: str | Path | np.ndarray, labels: np.ndarray, alpha: float = 0.5) -> np.ndarray:
        """The colour labels blended over the image.

        >>> seg.overlay("input.ppm", labels).shape  # doctest: +SKIP
        (512, 512, 3)
        """
        picture = (image_prep.load_image(image, self.background) if isinstance(image, (str, Path))
                   else np.asarray(image))
        if picture.dtype != np.uint8:
            raise DTypeError(f"overlay: the picture must be HWC uint8, got {picture.dtype}")
        return image_prep.overlay(image_prep._hwc(picture, "image array", self.background), self.colorize(labels),
                                  alpha)

    def save(self, path: str | Path, labels: np.ndarray, *, image: str | Path | np.ndarray | None = None,
             alpha: float = 0.5) -> Path:
        """Writes the colour labels (or, with ``image``, the overlay) to ``path`` (.ppm natively, .png via Pillow).

        >>> seg.save("output.ppm", labels)  # doctest: +SKIP
        PosixPath('output.ppm')
        """
        picture = self.colorize(labels) if image is None else self.overlay(image, labels, alpha)
        return image_prep.save_image(path, picture)


def resize_labels(labels: np.ndarray, height: int, width: int) -> np.ndarray:
    """Nearest-neighbour resize of a label map (pixel centres, like Pillow's NEAREST), any integer dtype.

    >>> resize_labels(np.array([[0, 1]]), 1, 4).tolist()
    [[0, 0, 1, 1]]
    """
    lh, lw = labels.shape
    rows = np.minimum(((np.arange(height) + 0.5) * (lh / height)).astype(np.int64), lh - 1)
    cols = np.minimum(((np.arange(width) + 0.5) * (lw / width)).astype(np.int64), lw - 1)
    return labels[rows[:, None], cols[None, :]]


def confusion_matrix(pred: np.ndarray, truth: np.ndarray, num_classes: int) -> np.ndarray:
    """Pixel counts ``[truth class, predicted class]`` (int64), to be summed over images.

    >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 1, 0]), 2).tolist()
    [[1, 1], [0, 1]]
    """
    pred, truth = np.asarray(pred).ravel().astype(np.int64), np.asarray(truth).ravel().astype(np.int64)
    if pred.shape != truth.shape:
        raise ShapeError(f"mean_iou: prediction {pred.shape} and truth {truth.shape} differ in size")
    for what, a in (("prediction", pred), ("truth", truth)):
        if a.size and (a.min() < 0 or a.max() >= num_classes):
            raise ArgumentError(f"mean_iou: {what} holds class ids outside 0..{num_classes - 1}")
    return np.bincount(truth * num_classes + pred, minlength=num_classes * num_classes).reshape(num_classes, -1)


def class_iou(conf: np.ndarray) -> np.ndarray:
    """Intersection over union of each class from a confusion matrix; NaN for a class in neither prediction nor
    truth.

    >>> class_iou(np.array([[1, 1], [0, 1]])).tolist()
    [0.5, 0.5]
    """
    inter = np.diag(conf).astype(np.float64)
    union = conf.sum(0) + conf.sum(1) - np.diag(conf)
    return np.where(union > 0, inter / np.maximum(union, 1), np.nan)


def mean_iou(pred: np.ndarray, truth: np.ndarray, num_classes: int) -> float:
    """Mean intersection-over-union over the classes present in ``pred`` or ``truth``.

    >>> mean_iou(np.array([0, 1]), np.array([0, 1]), 2)
    1.0
    """
    iou = class_iou(confusion_matrix(pred, truth, num_classes))
    return float(np.nanmean(iou)) if not np.isnan(iou).all() else 1.0
