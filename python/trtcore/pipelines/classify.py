"""Image classification: the quick start's ``ONNXClassifierWrapper``, done right.

Differences from the guide's wrapper: any batch size (the guide returns 1000 values whatever the batch and
overruns its device buffer for N > 1), any backend, labels checked against the model, optional softmax, and
top-k with labels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from trtcore import image as _image
from trtcore.errors import ArgumentError, Error, FileError, FormatError, ShapeError
from trtcore.pipelines import gpu, image_prep
from trtcore.pipelines.image_prep import BACKGROUND, Background, ResizePolicy, as_image, image_list
from trtcore.pipelines.model_holder import (ModelHolder, device_tensor, max_batch, shape_text, static_batch,
                                            static_dim, tensor_shape)
from trtcore.pipelines.preprocess import Preprocess
from trtcore.runners import Runner


@dataclass(frozen=True)
class Prediction:
    """One of the top-k classes of one sample."""

    index: int
    score: float
    label: str | None = None


def read_labels(path: str | Path) -> list[str]:
    """A labels file: one class name per line (trailing blank lines ignored).

    >>> read_labels("imagenet_labels.txt")[:2]  # doctest: +SKIP
    ['tench', 'goldfish']
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise FileError(f"{path}: no such labels file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise FileError(f"{path}: cannot read labels file: {e}") from None
    while lines and not lines[-1].strip():
        lines.pop()
    return [line.strip() for line in lines]


class Classifier(ModelHolder):
    """Classifies batches (or images) with any trtcore model whose output is ``[N, num_classes]``.

    The model is loaded on the first ``predict``. ``target_dtype`` is the dtype of the returned scores; inputs
    are converted to the model's input dtype (e.g. float32 batches to a float16 engine) on the way in.
    ``labels`` is a list or a labels file with one name per line. ``softmax=True`` turns logits into
    probabilities. ``build_config`` (a :class:`trtcore.BuildConfig`) is used when an ONNX model is built for
    TensorRT.

    Images (:meth:`classify`, :meth:`preprocess_images`) are normalized with ``preprocess`` (default ImageNet's
    mean/std, like :func:`trtcore.image.normalize`; ``trtcore.pipelines.UNIT`` for ``pixel / 255`` models) and
    brought to the model's size by ``resize``: ``"stretch"`` (default: straight to the input size) or
    ``"imagenet"`` (torchvision's ImageNet eval transform: shorter side to 256, centre crop 224, bilinear with
    antialias), or any :class:`~trtcore.pipelines.ResizePolicy`. The policy in use is ``self.resize``
    (``self.resize.describe()`` says it in words). Transparent images are composited on ``background`` (RGB
    0..255, default white). ``device`` picks where :meth:`classify` pre- and post-processes
    (:mod:`trtcore.pipelines.gpu`): on the GPU, around a model on the GPU, one image at a time, only the image goes
    up and only the top-k comes down; the predictions are the CPU path's.

    >>> clf = Classifier("resnet50.onnx", labels="imagenet_labels.txt", softmax=True, resize="imagenet")  # doctest: +SKIP
    >>> clf.predict(batch).shape  # doctest: +SKIP
    (32, 1000)
    """

    def __init__(self, model: str | Path | Runner, target_dtype: np.dtype | type = np.float32, *,
                 labels: Sequence[str] | str | Path | None = None, softmax: bool = False, backend: str = "auto",
                 preprocess: Preprocess | None = None, output_name: str | None = None,
                 build_config: Any = None, resize: str | ResizePolicy = "stretch",
                 background: Background = BACKGROUND, device: str = "auto") -> None:
        super().__init__(model, backend, output_name, build_config)
        self.device = gpu.check_device(device)
        self.target_dtype = np.dtype(target_dtype)
        self.softmax = softmax
        self.preprocess = preprocess or Preprocess()
        self.resize = image_prep.resize_policy(resize)
        self.background = _image.background_rgb(background)
        self._labels_source = str(labels) if isinstance(labels, (str, Path)) else "labels"
        self.labels = read_labels(labels) if isinstance(labels, (str, Path)) else (
            list(labels) if labels is not None else None)
        self.num_classes: int | None = None

    def check_io(self) -> None:
        out = self.output
        shape = out.shape
        trailing_ones = all(static_dim(d) == 1 for d in shape[2:])
        if len(shape) < 2 or not trailing_ones:
            raise FormatError(f"{self.model_name}: output '{out.name}' has shape {shape_text(out)}; a classifier "
                              "needs [N, num_classes] (or [N, num_classes, 1, 1])")
        if static_dim(shape[1]) is not None:
            self._set_num_classes(static_dim(shape[1]))
        if self.input.rank == 4 and self.resize.crop is not None:  # a crop the model cannot take: say so now
            _, h, w = self.image_input_layout()
            image_prep.plan_resize(*self.resize.crop, self.resize, (h, w))

    def _set_num_classes(self, n: int) -> None:
        self.num_classes = n
        if self.labels is not None and len(self.labels) != n:
            raise ArgumentError(f"{self._labels_source}: has {len(self.labels)} labels but the model "
                                f"{self.model_name} has {n} classes")

    # -- batches ---------------------------------------------------------------------------------------------
    def _chunks(self, n: int) -> Iterator[tuple[int, int]]:
        step = max_batch(self.input) or n
        for start in range(0, n, step):
            yield start, min(n, start + step)

    def predict(self, batch: Any) -> np.ndarray:
        """Scores ``[N, num_classes]`` in ``target_dtype`` for a preprocessed batch shaped like the input.

        A model with a fixed batch size B takes any N: the batch is split into B-sized pieces and the last one
        padded, and only N rows come back. A batch already on the device (torch/cupy: DLPack or
        ``__cuda_array_interface__``) of the input's rank goes to the runner as it is (no host copy, no split).
        Softmax runs in C++ (:func:`trtcore.image.softmax`).

        >>> Classifier("digits.onnx").predict(np.zeros((5, 1, 8, 8), np.float32)).shape  # doctest: +SKIP
        (5, 10)
        """
        runner = self.runner
        if device_tensor(batch) and len(tensor_shape(batch)) == self.input.rank:
            return self._scores([self._output(runner.infer({self.input.name: batch}), tensor_shape(batch)[0])])
        batch = np.asarray(batch)
        if batch.ndim != self.input.rank:
            raise ShapeError(f"{self.model_name}: batch must have {self.input.rank} dimensions like input "
                             f"'{self.input.name}' {shape_text(self.input)}, got {batch.shape}")
        n = batch.shape[0]
        if n == 0:
            raise ShapeError(f"{self.model_name}: empty batch")
        fixed = static_batch(self.input)
        results = []
        for start, stop in self._chunks(n):
            piece = batch[start:stop]
            if fixed is not None and len(piece) < fixed:  # pad a fixed-batch model's last piece
                pad = np.zeros((fixed - len(piece),) + piece.shape[1:], piece.dtype)
                piece = np.concatenate([piece, pad])
            results.append(self._output(runner.infer({self.input.name: piece}, cast=True), len(piece))
                           [: stop - start])
        return self._scores(results)

    def _output(self, outputs: dict[str, Any], n: int) -> np.ndarray:
        out = np.asarray(outputs[self.output.name])
        if out.ndim < 2 or out.shape[0] != n:
            raise FormatError(f"{self.model_name}: output '{self.output.name}' has shape {out.shape} for a "
                              f"batch of {n}; expected [{n}, num_classes]")
        return out.reshape(out.shape[0], -1)

    def _scores(self, results: list[np.ndarray]) -> np.ndarray:
        scores = np.concatenate(results) if len(results) > 1 else results[0]
        if self.num_classes is None:
            self._set_num_classes(scores.shape[1])
        if self.softmax:
            if scores.dtype not in (np.float32, np.float16):
                scores = scores.astype(np.float32)
            scores = _image.softmax(scores)
        return scores.astype(self.target_dtype, copy=False)

    def top_k(self, batch: np.ndarray, k: int = 5, labels: Sequence[str] | None = None) -> list[list[Prediction]]:
        """The ``k`` best classes of every sample, best first, with labels when known.

        >>> clf.top_k(batch, k=1)[0][0]  # doctest: +SKIP
        Prediction(index=7, score=0.98, label='7')
        """
        return self._top_k_scores(self.predict(batch), k, labels)

    def _top_k_scores(self, scores: np.ndarray, k: int, labels: Sequence[str] | None) -> list[list[Prediction]]:
        if not isinstance(k, (int, np.integer)) or k < 1:
            raise ArgumentError(f"k must be a positive integer, got {k!r}")
        k = min(int(k), scores.shape[1])
        names = list(labels) if labels is not None else self.labels
        if names is not None and len(names) != scores.shape[1]:
            raise ArgumentError(f"labels: {len(names)} given but the model has {scores.shape[1]} classes")
        # Ranked in C++ (ties: lower index first; NaN last); other dtypes are ranked as float32, and the scores
        # reported are the predicted ones.
        ranked = scores if scores.dtype in (np.float32, np.float16) else scores.astype(np.float32)
        order, _ = _image.top_k(ranked, k)
        return [[Prediction(int(j), float(scores[i, j]), names[j] if names is not None else None) for j in row]
                for i, row in enumerate(order.tolist())]

    # -- images ----------------------------------------------------------------------------------------------
    @property
    def on_gpu(self) -> bool:
        """Whether :meth:`classify` pre- and post-processes on the GPU (``device``, resolved once the model is
        loaded). "auto" takes the GPU for float32 scores (``target_dtype``) and a batch axis that takes 1."""
        if getattr(self, "_device", None) is None:
            self.runner  # noqa: B018 - loads the model (and its input/output descriptions)
            device = self.device
            if device == "auto" and (self.target_dtype != np.float32 or static_batch(self.input) not in (None, 1)):
                device = "cpu"
            self._device = gpu.resolve_device(device, self.runner, self.model_name)
            if self._device == "cuda":
                self.gpu_pipelines = gpu.GpuPipelines(self.runner, self.input.name, self.output.name)
        return self._device == "cuda"

    def _gpu_image(self, item: str | Path | np.ndarray) -> tuple[np.ndarray, int, tuple[int, ...] | None]:
        """One image read for the GPU pipeline, as :meth:`preprocess_image` reads it, and the resize the GPU does
        (:func:`~trtcore.pipelines.gpu.device_resize`); a resize it cannot do is done here on the host."""
        c, h, w = self.image_input_layout()
        img, maxval = gpu.pipeline_image(item, self.background, None, c)
        plan = image_prep.plan_resize(img.shape[0], img.shape[1], self.resize, (h, w))
        resize = gpu.device_resize(img, plan)
        if resize is None and isinstance(img, gpu.CudaImage) and plan.size != img.shape[:2]:
            raise ArgumentError(f"image: a {img.dtype} CUDA image of {img.shape[0]}x{img.shape[1]} cannot be "
                                f"resized on the GPU (only uint8 images with bilinear resizes are); resize it first")
        if resize is None and not isinstance(img, gpu.CudaImage):
            img = image_prep.apply_resize(img, plan)
        return img, maxval, resize

    def _gpu_top_k(self, img: np.ndarray, maxval: int, k: int, resize: tuple[int, ...] | None = None
                   ) -> list[Prediction]:
        """resize, normalize, the model and top-k on the GPU (with softmax: the row on the host, as the CPU
        path)."""
        mean, std = self.preprocess.for_channels(img.shape[2])
        pipe = self.gpu_pipelines.get(mean, std, self.preprocess.divisor(maxval), False)
        indices, values, classes = pipe.classify(gpu.contiguous_image(img), k, self.softmax, resize=resize,
                                                 tall_vertical_first=gpu.pillow_resizes_tall_images_vertically_first())
        if self.num_classes is None:
            self._set_num_classes(classes)
        names = self.labels
        return [Prediction(int(j), float(v), names[j] if names is not None else None)
                for j, v in zip(indices.tolist(), values.tolist())]

    def preprocess_image(self, image: str | Path | np.ndarray) -> np.ndarray:
        """One image (a path or an HWC uint8/uint16 array) → CHW in the model input's dtype (float16 for a
        float16 engine): read upright (EXIF) with transparency on ``background``, channels converted, resized and
        cropped as ``resize`` plans it (:func:`~trtcore.pipelines.plan_resize`, at the image's own depth),
        normalized from the image's own maxval with ``preprocess``.

        >>> Classifier("resnet50.onnx", resize="imagenet").preprocess_image("cat.jpg").shape  # doctest: +SKIP
        (3, 224, 224)
        """
        self.runner  # noqa: B018 - loads the model to learn its input layout
        c, h, w = self.image_input_layout()
        img, maxval = as_image(image, self.background)
        img = image_prep.to_channels(img, c)
        plan = image_prep.plan_resize(img.shape[0], img.shape[1], self.resize, (h, w))
        img = image_prep.apply_resize(img, plan)
        return self.preprocess.apply(img, self.input_dtype(), maxval)

    def preprocess_images(self, images: Sequence[str | Path | np.ndarray]) -> np.ndarray:
        """Images (paths or HWC uint8/uint16 arrays) → one NCHW batch (:meth:`preprocess_image` each).

        >>> clf.preprocess_images(["a.png", "b.ppm"]).shape  # doctest: +SKIP
        (2, 3, 224, 224)
        """
        return self._stack([self.preprocess_image(item) for item in image_list(images)])

    def _stack(self, tensors: list[np.ndarray]) -> np.ndarray:
        if len({t.shape for t in tensors}) > 1:
            raise ShapeError(f"{self.model_name}: the model takes any image size, but the images of one batch "
                             f"differ in size: {sorted({t.shape[1:] for t in tensors})}")
        return np.stack(tensors)

    def classify(self, images: Sequence[str | Path | np.ndarray], k: int = 5, batch_size: int = 32, *,
                 on_error: Callable[[Any, Error], None] | None = None) -> list[list[Prediction]]:
        """Top-k for each image, reading and running ``batch_size`` images at a time. Images are paths, HWC
        arrays, or HWC CUDA tensors (torch/cupy), which the GPU pipeline reads where they are.

        With ``on_error``, an image that cannot be read or prepared (a trtcore error from :meth:`preprocess_image`:
        a corrupt or unreadable file) is passed to ``on_error(image, error)`` and skipped: its row is None and
        the others are classified. Without it, the first such error is raised.

        >>> Classifier("digits.onnx").classify(["three.pgm"], k=1)[0][0].index  # doctest: +SKIP
        3
        """
        if batch_size < 1:
            raise ArgumentError(f"batch_size must be >= 1, got {batch_size}")
        items = image_list(images)
        self.runner  # noqa: B018 - model and settings problems are raised here, not passed to on_error
        self.preprocess.for_channels(self.image_input_layout()[0])
        rows: list[list[Prediction] | None] = []
        if self.on_gpu:
            if not isinstance(k, (int, np.integer)) or k < 1:
                raise ArgumentError(f"k must be a positive integer, got {k!r}")
            for item in items:
                try:
                    img, maxval, resize = self._gpu_image(item)
                except Error as e:
                    if on_error is None:
                        raise
                    on_error(item, e)
                    rows.append(None)
                    continue
                rows.append(self._gpu_top_k(img, maxval, int(k), resize))
            return rows  # type: ignore[return-value]
        for start in range(0, len(items), batch_size):
            chunk = items[start:start + batch_size]
            if on_error is None:
                rows.extend(self.top_k(self.preprocess_images(chunk), k))
                continue
            tensors, kept = [], []
            for i, item in enumerate(chunk):
                try:
                    tensors.append(self.preprocess_image(item))
                except Error as e:
                    on_error(item, e)
                else:
                    kept.append(i)
            chunk_rows: list[list[Prediction] | None] = [None] * len(chunk)
            if tensors:
                for i, row in zip(kept, self.top_k(self._stack(tensors), k)):
                    chunk_rows[i] = row
            rows.extend(chunk_rows)
        return rows  # type: ignore[return-value]
