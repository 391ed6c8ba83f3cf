"""Semantic segmentation: image → labels [H, W] → colour image (and overlay), as in the quick start's C++ sample.

Works with models whose output is logits ``[N, C, H, W]`` (argmax is taken here) or labels ``[N, 1, H, W]`` /
``[N, H, W]`` integers (the quick start appends ``argmax(1, keepdims=True)`` to FCN-ResNet101).

When the image and a fixed-size model disagree, ``size_policy`` decides — never a silent wrong answer:
``"error"`` (default) raises ShapeError; ``"resize"`` resizes the image to the model (bilinear) and the labels
back (nearest); ``"pad"`` pads the image at the bottom/right with the mean colour and crops the labels (images
larger than the model still raise).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from trtcore.errors import ArgumentError, FormatError, ShapeError
from trtcore.pipelines import imaging
from trtcore.pipelines.common import ModelHolder, Preprocess, as_image
from trtcore.runners import Runner

SIZE_POLICIES = ("error", "resize", "pad")


class Segmenter(ModelHolder):
    """Segments images with a trtcore model (loaded on first use).

    ``num_classes`` sets the palette size (default: the logits' channel count, else 21 like PASCAL VOC).
    ``build_config`` (a :class:`trtcore.BuildConfig`) is used when an ONNX model is built for TensorRT.

    >>> seg = Segmenter("fcn-resnet101.onnx", preprocess=IMAGENET)  # doctest: +SKIP
    >>> labels = seg.segment("input.ppm")  # doctest: +SKIP
    >>> seg.save("output.ppm", labels)  # doctest: +SKIP
    """

    def __init__(self, model: str | Path | Runner, *, preprocess: Preprocess | None = None,
                 num_classes: int | None = None, size_policy: str = "error", backend: str = "auto",
                 output_name: str | None = None, colors: np.ndarray | None = None, build_config: Any = None
                 ) -> None:
        if size_policy not in SIZE_POLICIES:
            raise ArgumentError(f"size_policy must be one of {', '.join(SIZE_POLICIES)}, got {size_policy!r}")
        if num_classes is not None and num_classes < 1:
            raise ArgumentError(f"num_classes must be >= 1, got {num_classes}")
        super().__init__(model, backend, output_name, build_config)
        self.preprocess = preprocess or Preprocess()
        self.size_policy = size_policy
        self.num_classes = num_classes
        self.colors = None if colors is None else np.asarray(colors, np.uint8)

    def check_io(self) -> None:
        self.image_input_layout()
        out = self.output
        if out.rank == 4 and np.issubdtype(out.dtype, np.floating):
            c = out.shape[1]
            if isinstance(c, int) and c < 2:  # argmax over one channel is always class 0: a silent wrong answer
                raise FormatError(f"{self.model_name}: output '{out.name}' is float {out.shape_str()} with one "
                                  "channel; a segmenter needs logits with C >= 2 (a thresholded binary output "
                                  "needs its own post-processing)")
            if self.num_classes is None and isinstance(c, int) and c > 0:
                self.num_classes = c
        elif not ((out.rank in (3, 4)) and np.issubdtype(out.dtype, np.integer)):
            raise FormatError(f"{self.model_name}: output '{out.name}' is {out.dtype.name} {out.shape_str()}; a "
                              "segmenter needs float logits [N, C, H, W] or integer labels [N, 1, H, W] / [N, H, W]")

    def _fit(self, img: np.ndarray) -> tuple[np.ndarray, str]:
        """Applies the size policy; returns the model-sized image and what was done ("", "resize", "pad")."""
        _, mh, mw = self.image_input_layout()
        h, w = img.shape[:2]
        if (mh is None or mh == h) and (mw is None or mw == w):
            return img, ""
        th, tw = mh if mh is not None else h, mw if mw is not None else w
        if self.size_policy == "resize":
            return imaging.resize_image(img, th, tw), "resize"
        if self.size_policy == "pad":
            if h > th or w > tw:
                raise ShapeError(f"{self.model_name}: image is {h}x{w} (HxW), larger than the model's input "
                                 f"{th}x{tw}; padding cannot shrink it, use size_policy='resize'")
            return img, "pad"
        raise ShapeError(f"{self.model_name}: image is {h}x{w} (HxW) but the model takes {th}x{tw}; choose "
                         "size_policy='resize' or 'pad' (CLI: --resize / --pad)")

    def segment(self, image: str | Path | np.ndarray) -> np.ndarray:
        """Labels ``[H, W]`` (int64) for one image (path or HWC uint8 array), at the image's own size.

        >>> Segmenter("shapes.onnx").segment("shapes_0.ppm").shape  # doctest: +SKIP
        (64, 64)
        """
        runner = self.runner
        img = as_image(image)
        c, mh, mw = self.image_input_layout()
        img = imaging.to_channels(img, c)
        h, w = img.shape[:2]
        fitted, action = self._fit(img)
        tensor = self.preprocess.apply(fitted, np.float32)
        if action == "pad":
            padded = np.zeros((c, mh or h, mw or w), np.float32)  # 0 after normalization = the mean colour
            padded[:, :h, :w] = tensor
            tensor = padded
        out = runner.infer({self.input.name: tensor[None]}, cast=True)[self.output.name]
        labels = self._labels(out, tensor.shape[1:])
        if action == "resize":
            labels = resize_labels(labels, h, w)
        elif action == "pad":
            labels = labels[:h, :w]
        return labels

    def _labels(self, out: np.ndarray, size: tuple[int, int]) -> np.ndarray:
        if np.issubdtype(out.dtype, np.floating) and out.ndim == 4:
            labels = imaging.argmax(np.ascontiguousarray(out))[0]
        elif np.issubdtype(out.dtype, np.integer) and out.ndim == 4 and out.shape[1] == 1:
            labels = out[0, 0]
        elif np.issubdtype(out.dtype, np.integer) and out.ndim == 3:
            labels = out[0]
        else:
            raise FormatError(f"{self.model_name}: output '{self.output.name}' came back as {out.dtype} "
                              f"{out.shape}; expected logits [1, C, H, W] or labels [1, 1, H, W]")
        if labels.shape != tuple(size):
            raise FormatError(f"{self.model_name}: output '{self.output.name}' is {labels.shape[0]}x"
                              f"{labels.shape[1]} but the input was {size[0]}x{size[1]}; trtcore expects "
                              "per-pixel outputs at the input's size")
        return labels.astype(np.int64, copy=False)

    def _palette(self, labels: np.ndarray) -> np.ndarray:
        if self.colors is not None:
            return self.colors
        n = max(self.num_classes or 21, int(labels.max(initial=0)) + 1)
        return imaging.palette(n)

    def colorize(self, labels: np.ndarray) -> np.ndarray:
        """Labels [H, W] → RGB image [H, W, 3] uint8 with the quick start's palette (or ``colors``).

        >>> seg.colorize(labels).shape  # doctest: +SKIP
        (512, 512, 3)
        """
        return imaging.colorize(np.asarray(labels), self._palette(np.asarray(labels)))

    def overlay(self, image: str | Path | np.ndarray, labels: np.ndarray, alpha: float = 0.5) -> np.ndarray:
        """The colour labels blended over the image.

        >>> seg.overlay("input.ppm", labels).shape  # doctest: +SKIP
        (512, 512, 3)
        """
        return imaging.overlay(as_image(image), self.colorize(labels), alpha)

    def save(self, path: str | Path, labels: np.ndarray, *, image: str | Path | np.ndarray | None = None,
             alpha: float = 0.5) -> Path:
        """Writes the colour labels (or, with ``image``, the overlay) to ``path`` (.ppm natively, .png via Pillow).

        >>> seg.save("output.ppm", labels)  # doctest: +SKIP
        PosixPath('output.ppm')
        """
        picture = self.colorize(labels) if image is None else self.overlay(image, labels, alpha)
        return imaging.save_image(path, picture)


def resize_labels(labels: np.ndarray, height: int, width: int) -> np.ndarray:
    """Nearest-neighbour resize of a label map (pixel centres, like Pillow's NEAREST), any integer dtype.

    >>> resize_labels(np.array([[0, 1]]), 1, 4).tolist()
    [[0, 0, 1, 1]]
    """
    lh, lw = labels.shape
    rows = np.minimum(((np.arange(height) + 0.5) * (lh / height)).astype(np.int64), lh - 1)
    cols = np.minimum(((np.arange(width) + 0.5) * (lw / width)).astype(np.int64), lw - 1)
    return labels[rows[:, None], cols[None, :]]


def mean_iou(pred: np.ndarray, truth: np.ndarray, num_classes: int) -> float:
    """Mean intersection-over-union over the classes present in ``pred`` or ``truth``.

    >>> mean_iou(np.array([0, 1]), np.array([0, 1]), 2)
    1.0
    """
    pred, truth = np.asarray(pred).ravel(), np.asarray(truth).ravel()
    if pred.shape != truth.shape:
        raise ShapeError(f"mean_iou: prediction {pred.shape} and truth {truth.shape} differ in size")
    conf = np.bincount(truth * num_classes + pred, minlength=num_classes * num_classes).reshape(num_classes, -1)
    inter = np.diag(conf).astype(np.float64)
    union = conf.sum(0) + conf.sum(1) - np.diag(conf)
    present = union > 0
    return float((inter[present] / union[present]).mean()) if present.any() else 1.0
