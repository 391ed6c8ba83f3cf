"""Runs the bundled demo models on their held-out samples and on a real photograph (what ``trtcore demo`` prints)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trtcore import image as _image
from trtcore.demo import (DATA, DIGITS_MODEL, DIGITS_SAMPLES, PHOTOS, SHAPES_CLASSES, SHAPES_MODEL,
                          SHAPES_SAMPLES, build_configs)
from trtcore.errors import ArgumentError, FileError, FormatError, MissingDependency
from trtcore.pipelines import UNIT, Classifier, Segmenter, class_iou, confusion_matrix
from trtcore.pipelines.image_prep import load_image


@dataclass
class PhotoResult:
    """The shapes segmenter on a real photograph, in the guide's flow: ``input.ppm`` → ``output.ppm``."""

    name: str
    size: tuple[int, int]  # (height, width)
    input: Path
    output: Path
    previews: list[Path]
    fractions: dict[str, float]  # share of the pixels given each class


@dataclass
class DemoResult:
    """Scores and written files of one demo run."""

    folder: Path
    accuracy: float
    digits_count: int
    digits_backend: str
    digits_batch: int
    miou: float
    shapes_count: int
    shapes_backend: str
    classes: tuple[str, ...] = SHAPES_CLASSES
    class_iou: dict[str, float] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    photo: PhotoResult | None = None
    photo_skipped: str | None = None


def digit_samples() -> tuple[list[Path], list[int]]:
    """The held-out digit images and their true classes."""
    listing = DIGITS_SAMPLES / "labels.txt"
    if not listing.is_file():
        raise FileError(f"{listing}: demo samples missing; run python -m trtcore.demo.train")
    paths, truth = [], []
    for n, line in enumerate(listing.read_text().splitlines(), 1):
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            raise FormatError(f"{listing}:{n}: expected 'FILE LABEL', got {line!r}")
        paths.append(DIGITS_SAMPLES / parts[0])
        truth.append(int(parts[1]))
    return paths, truth


def shape_samples() -> list[tuple[Path, Path]]:
    """(image, ground-truth labels) pairs of the held-out shapes pictures."""
    images = sorted(p for p in SHAPES_SAMPLES.glob("shapes_*.ppm"))
    return [(p, p.with_name(f"{p.stem}_labels.pgm")) for p in images]


def photograph(name: str) -> np.ndarray:
    """A real photograph shipped by scikit-image (``pip install 'trtcore[photos]'``): HWC uint8 RGB."""
    if name not in PHOTOS:
        raise ArgumentError(f"photo must be one of {', '.join(PHOTOS)}, got {name!r}")
    try:
        from skimage import data
    except ImportError:
        raise MissingDependency("the demo's photograph comes from scikit-image: pip install 'trtcore[photos]'"
                                ) from None
    return np.ascontiguousarray(getattr(data, name)()[:, :, :3])


def segment_photo(seg: Segmenter, name: str, folder: Path) -> PhotoResult:
    """The guide's flow on a photograph: write it as ``input.ppm``, segment the file, write ``output.ppm`` with the
    guide's palette, and PNG previews (input, labels, overlay) a browser shows."""
    pixels = photograph(name)
    source = folder / f"{name}.input.ppm"
    _image.write_image(source, pixels)
    labels = seg.segment(source)
    output = seg.save(folder / f"{name}.output.ppm", labels)
    previews = [_write_png(folder / f"{name}.input.png", pixels),
                seg.save(folder / f"{name}.output.png", labels),
                seg.save(folder / f"{name}.overlay.png", labels, image=pixels)]
    counts = np.bincount(labels.ravel(), minlength=len(SHAPES_CLASSES))
    fractions = {c: float(n / labels.size) for c, n in zip(SHAPES_CLASSES, counts)}
    return PhotoResult(name, (int(pixels.shape[0]), int(pixels.shape[1])), source, output, previews, fractions)


def _write_png(path: Path, pixels: np.ndarray) -> Path:
    _image.write_image(path, pixels)
    return path


def run_demo(output: str | Path, backend: str = "auto", batch_size: int = 32, photo: str | None = "coffee"
             ) -> DemoResult:
    """Classifies the held-out digits (batched), segments the shapes pictures (mIoU and per-class IoU), writes
    colour labels and overlays to ``output``, and runs the segmenter on a real photograph (``photo``: "coffee",
    "astronaut", None to skip; skipped with a note when scikit-image is missing).

    >>> run_demo("trtcore-demo").accuracy > 0.9  # doctest: +SKIP
    True
    """
    folder = Path(output)
    if folder.exists() and not folder.is_dir():
        raise FileError(f"{folder}: is a file; the demo writes its images into a folder (give another -o)")
    if photo is not None and photo not in PHOTOS:
        raise ArgumentError(f"photo must be one of {', '.join(PHOTOS)} or None, got {photo!r}")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise FileError(f"{folder}: cannot create the output folder ({e.strerror or e})") from None
    paths, truth = digit_samples()
    digits_config, shapes_config = build_configs()
    # the digits model takes pixel / 255 (grey: no ImageNet statistics); the shapes model ImageNet's, the default
    clf = Classifier(DIGITS_MODEL, labels=DATA / "digits_labels.txt", softmax=True, backend=backend,
                     build_config=digits_config, preprocess=UNIT)
    rows = clf.classify(paths, k=1, batch_size=batch_size)
    accuracy = float(np.mean([row[0].index == t for row, t in zip(rows, truth)]))

    n = len(SHAPES_CLASSES)
    seg = Segmenter(SHAPES_MODEL, num_classes=n, backend=backend, build_config=shapes_config)
    conf, count, written = np.zeros((n, n), np.int64), 0, []
    for image, gt_path in shape_samples():
        labels = seg.segment(image)
        gt = load_image(gt_path)[:, :, 0].astype(np.int64)
        conf += confusion_matrix(labels, gt, n)
        written.append(seg.save(folder / f"{image.stem}.labels.ppm", labels))
        written.append(seg.save(folder / f"{image.stem}.overlay.ppm", labels, image=image))
        count += 1
    # over all held-out pixels, as PASCAL VOC scores: per-class IoU, and mIoU their mean
    iou = class_iou(conf)
    result = DemoResult(folder, accuracy, len(paths), clf.runner.backend, batch_size, float(np.nanmean(iou)),
                        count, seg.runner.backend, class_iou=dict(zip(SHAPES_CLASSES, map(float, iou))),
                        written=written)
    if photo is not None:
        try:
            result.photo = segment_photo(seg, photo, folder)
            result.written += [result.photo.input, result.photo.output, *result.photo.previews]
        except MissingDependency as e:
            result.photo_skipped = str(e)
    return result
