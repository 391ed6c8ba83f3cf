"""``trtcore segment``: per-pixel labels for images, written as colour images (PPM; PNG via Pillow)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from trtcore.cli._image_args import (add_device, add_preprocess, background_from, describe_preprocess,
                                     expand_images, preprocess_from)
from trtcore.cli._model_args import add_model
from trtcore.cli._progress import progress_bar
from trtcore.errors import ArgumentError, Error, FileError
from trtcore.files import check_target
from trtcore.pipelines import Segmenter, image_prep
from trtcore.pipelines.image_prep import IMAGE_SUFFIXES

EXIT_OK, EXIT_SOME_FAILED = 0, 1


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("segment", help="segment images and write colour label images (and overlays)",
                       description="Outputs: with -o FILE the labels go to FILE (overlay: FILE's name + "
                                   ".overlay); with -o FOLDER each image NAME.EXT gives NAME.EXT.labels.ppm (and "
                                   "NAME.EXT.overlay.ppm). Exit codes: 0 ok, 1 some images could not be read "
                                   "(reported, the others segmented), 2 bad input (e.g. an image/model size "
                                   "mismatch without --resize/--pad), 3 TensorRT/GPU missing.")
    add_model(p)
    p.add_argument("images", type=Path, nargs="+", help="image files or folders")
    p.add_argument("-o", "--output", type=Path, default=Path("."),
                   help="output image file (one input) or folder (default: current folder)")
    p.add_argument("--format", choices=("ppm", "png"), default="ppm",
                   help="output type in folders: NAME.EXT.labels.FORMAT (default ppm)")
    p.add_argument("--overlay", action="store_true", help="also write the labels blended over the image")
    p.add_argument("--alpha", type=float, default=0.5, help="overlay opacity of the labels, in [0, 1] (default 0.5)")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--resize", action="store_true", help="resize images to a fixed-size model (and back)")
    size.add_argument("--pad", action="store_true", help="pad smaller images to a fixed-size model (and crop)")
    p.add_argument("--num-classes", type=int, help="palette size, 1..16777216 (default: from the model, else 21)")
    p.add_argument("--json", action="store_true",
                   help="print one JSON list on stdout, per image: image, output, overlay, height, width, classes "
                        "(class id: pixel count)")
    add_preprocess(p)
    add_device(p)
    return p


def _labels_path(image: Path, folder: Path, fmt: str) -> Path:
    """``cat.jpg`` → ``cat.jpg.labels.ppm``: the whole input name, so cat.jpg and cat.png never share an output,
    and no output can be taken for an input's own ``_labels`` file."""
    return folder / f"{image.name}.labels.{fmt}"


def _overlay_path(target: Path) -> Path:
    """The overlay beside a labels file: ``cat.jpg.labels.ppm`` → ``cat.jpg.overlay.ppm``; an ``-o`` file name
    ``output.ppm`` → ``output.overlay.ppm``."""
    stem = target.name[: -len(target.suffix)] if target.suffix else target.name
    return target.with_name(f"{stem.removesuffix('.labels')}.overlay{target.suffix}")


def _targets(images: list[Path], out: Path, single_file: bool, fmt: str, overlay: bool) -> list[Path]:
    """The output file of each image, checked before any work: two inputs with one name in different folders
    (A/img.ppm, B/img.ppm) would overwrite each other, and an output that is an input would replace it."""
    folder = out.parent if single_file else out
    targets = [out if single_file else _labels_path(path, folder, fmt) for path in images]
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
    preprocess, background = preprocess_from(args), background_from(args)  # flags first, then files
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
    seg = Segmenter(args.model, preprocess=preprocess, num_classes=args.num_classes, size_policy=policy,
                    backend=args.backend, background=background, device=args.device)
    failed = 0
    rows: list[dict] = []
    with progress_bar("segment", len(images), enabled=len(images) > 4 and not args.json) as bar:
        for path, target in zip(images, targets):
            try:  # a file that cannot be read is reported and skipped; the others are segmented
                img, maxval = image_prep.read_pixels(path, seg.background)
            except Error as e:
                failed += 1
                print(f"trtcore segment: skipped: {e}", file=sys.stderr)
            else:
                labels, colors = seg.segment_colorized(img, maxval=maxval)  # on the GPU when the model is there
                image_prep.save_image(target, colors)
                counts = {int(c): int(n) for c, n in zip(*np.unique(labels, return_counts=True))}
                if not args.json:
                    print(f"{path}: {labels.shape[0]}x{labels.shape[1]}, classes {counts} -> {target}")
                over = _overlay_path(target) if args.overlay else None
                if over is not None:
                    seg.save(over, labels, image=image_prep.to_uint8(img, maxval), alpha=args.alpha)
                    if not args.json:
                        print(f"{path}: overlay -> {over}")
                rows.append({"image": path, "output": target, "overlay": over, "height": int(labels.shape[0]),
                             "width": int(labels.shape[1]), "classes": counts})
            if bar is not None:
                bar.advance(bar.task_ids[0])
    if args.json:
        from trtcore.cli import print_json

        print_json(rows)
    else:
        print(f"preprocessing: {describe_preprocess(seg.preprocess)}; size policy {policy}")
    if failed:
        print(f"trtcore segment: {failed} of {len(images)} images could not be segmented (listed above)",
              file=sys.stderr)
        return EXIT_SOME_FAILED
    return EXIT_OK
