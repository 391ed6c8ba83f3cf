"""``trtcore segment``: per-pixel labels for images, written as colour images (PPM; PNG via Pillow)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from trtcore.cli._image_args import add_preprocess, expand_images, preprocess_from
from trtcore.cli._model_args import add_model
from trtcore.cli._progress import progress_bar
from trtcore.errors import ArgumentError, FileError
from trtcore.files import check_target
from trtcore.pipelines import Segmenter
from trtcore.pipelines.image_prep import IMAGE_SUFFIXES


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("segment", help="segment images and write colour label images (and overlays)",
                       description="Exit codes: 0 ok, 2 bad input (e.g. an image/model size mismatch without "
                                   "--resize/--pad), 3 TensorRT/GPU missing.")
    add_model(p)
    p.add_argument("images", type=Path, nargs="+", help="image files or folders")
    p.add_argument("-o", "--output", type=Path, default=Path("."),
                   help="output image file (one input) or folder (default: current folder)")
    p.add_argument("--format", choices=("ppm", "png"), default="ppm", help="output type in folders (default ppm)")
    p.add_argument("--overlay", action="store_true", help="also write the labels blended over the image")
    p.add_argument("--alpha", type=float, default=0.5, help="overlay opacity of the labels (default 0.5)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--resize", action="store_true", help="resize images to a fixed-size model (and back)")
    size.add_argument("--pad", action="store_true", help="pad smaller images to a fixed-size model (and crop)")
    p.add_argument("--num-classes", type=int, help="palette size (default: from the model, else 21)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON list on stdout, per image: image, output, overlay, height, width, classes "
                        "(class id: pixel count)")
    add_preprocess(p)
    return p


def _overlay_path(target: Path) -> Path:
    return target.with_name(f"{target.stem.removesuffix('_labels')}_overlay{target.suffix}")


def _targets(images: list[Path], out: Path, single_file: bool, fmt: str, overlay: bool) -> list[Path]:
    """The output file of each image, checked before any work: two inputs with one stem (A/img.ppm, B/img.ppm)
    would overwrite each other, and an output that is an input would replace it."""
    folder = out.parent if single_file else out
    targets = [out if single_file else folder / f"{path.stem}_labels.{fmt}" for path in images]
    written: dict[Path, Path] = {}
    inputs = {p.resolve(): p for p in images}
    for path, target in zip(images, targets):
        for t in [target, _overlay_path(target)] if overlay else [target]:
            key = t.resolve()
            if key in inputs:
                raise ArgumentError(f"{t}: the output for {path} would overwrite the input image {inputs[key]}; "
                                    "give another -o")
            if key in written:
                raise ArgumentError(f"{t}: both {written[key]} and {path} would be written there (same file "
                                    "name in different folders); segment them into different -o folders")
            written[key] = path
    return targets


def run(args: argparse.Namespace) -> int:
    images = expand_images(args.images, IMAGE_SUFFIXES)
    out = args.output
    single_file = out.suffix.lower() in IMAGE_SUFFIXES
    if single_file and len(images) != 1:
        raise ArgumentError(f"-o {out}: a file name takes one image; give a folder for {len(images)} images")
    folder = out.parent if single_file else out
    if not folder.is_dir():
        raise FileError(f"{folder}: output folder does not exist")
    if not 0.0 <= args.alpha <= 1.0:  # NaN too
        raise ArgumentError(f"--alpha must be in [0, 1], got {args.alpha}")
    targets = _targets(images, out, single_file, args.format, args.overlay)
    for target in targets:
        check_target(target, "-o")
    policy = "resize" if args.resize else "pad" if args.pad else "error"
    seg = Segmenter(args.model, preprocess=preprocess_from(args), num_classes=args.num_classes,
                    size_policy=policy, backend=args.backend)
    rows: list[dict] = []
    with progress_bar("segment", len(images), enabled=len(images) > 4 and not args.json) as bar:
        for path, target in zip(images, targets):
            labels = seg.segment(path)
            seg.save(target, labels)
            counts = {int(c): int(n) for c, n in zip(*np.unique(labels, return_counts=True))}
            if not args.json:
                print(f"{path}: {labels.shape[0]}x{labels.shape[1]}, classes {counts} -> {target}")
            over = _overlay_path(target) if args.overlay else None
            if over is not None:
                seg.save(over, labels, image=path, alpha=args.alpha)
                if not args.json:
                    print(f"{path}: overlay -> {over}")
            rows.append({"image": path, "output": target, "overlay": over, "height": int(labels.shape[0]),
                         "width": int(labels.shape[1]), "classes": counts})
            if bar is not None:
                bar.advance(bar.task_ids[0])
    if args.json:
        from trtcore.cli import print_json

        print_json(rows)
    return 0
