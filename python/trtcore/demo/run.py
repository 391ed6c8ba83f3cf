"""Runs the bundled demo models on their held-out samples (what ``trtcore demo`` prints)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from trtcore.demo import (DATA, DIGITS_MODEL, DIGITS_SAMPLES, SHAPES_CLASSES, SHAPES_MODEL, SHAPES_SAMPLES,
                          build_configs)
from trtcore.errors import FileError, FormatError
from trtcore.pipelines import Classifier, Segmenter, mean_iou
from trtcore.pipelines.image_prep import load_image


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
    written: list[Path] = field(default_factory=list)


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


def run_demo(output: str | Path, backend: str = "auto", batch_size: int = 32) -> DemoResult:
    """Classifies the held-out digits (batched), segments the shapes pictures and writes colour labels and
    overlays to ``output``.

    >>> run_demo("trtcore-demo").accuracy > 0.9  # doctest: +SKIP
    True
    """
    folder = Path(output)
    if folder.exists() and not folder.is_dir():
        raise FileError(f"{folder}: is a file; the demo writes its images into a folder (give another -o)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise FileError(f"{folder}: cannot create the output folder ({e.strerror or e})") from None
    paths, truth = digit_samples()
    digits_config, shapes_config = build_configs()
    clf = Classifier(DIGITS_MODEL, labels=DATA / "digits_labels.txt", softmax=True, backend=backend,
                     build_config=digits_config)
    rows = clf.classify(paths, k=1, batch_size=batch_size)
    accuracy = float(np.mean([row[0].index == t for row, t in zip(rows, truth)]))

    seg = Segmenter(SHAPES_MODEL, num_classes=len(SHAPES_CLASSES), backend=backend, build_config=shapes_config)
    ious, written = [], []
    for image, gt_path in shape_samples():
        labels = seg.segment(image)
        gt = load_image(gt_path)[:, :, 0].astype(np.int64)
        ious.append(mean_iou(labels, gt, len(SHAPES_CLASSES)))
        written.append(seg.save(folder / f"{image.stem}_labels.ppm", labels))
        written.append(seg.save(folder / f"{image.stem}_overlay.ppm", labels, image=image))
    return DemoResult(folder, accuracy, len(paths), clf.runner.backend, batch_size, float(np.mean(ious)),
                      len(ious), seg.runner.backend, written=written)
