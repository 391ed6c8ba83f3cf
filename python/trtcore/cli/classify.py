"""``trtcore classify``: top-k classes for image files or folders, in batches."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from trtcore.cli._image_args import (add_device, add_preprocess, background_from, describe_preprocess,
                                     expand_images, preprocess_from)
from trtcore.cli._model_args import add_model
from trtcore.cli._progress import progress_bar
from trtcore.errors import ArgumentError, Error
from trtcore.pipelines import Classifier
from trtcore.pipelines.image_prep import IMAGE_SUFFIXES, RESIZE_POLICIES

EXIT_OK, EXIT_SOME_FAILED = 0, 1


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("classify", help="classify images (files or folders) with a classification model",
                       description="Exit codes: 0 ok, 1 some images could not be read (reported, the others "
                                   "classified), 2 bad input, 3 TensorRT/GPU missing.")
    add_model(p)
    p.add_argument("images", type=Path, nargs="+", help="image files (.ppm .pgm .png .jpg ...) or folders")
    p.add_argument("--labels", type=Path, help="labels file, one class name per line")
    p.add_argument("-k", "--top-k", type=int, default=5, help="classes to show per image, >= 1 (default 5)")
    p.add_argument("--batch-size", type=int, default=32, help="images per inference, >= 1 (default 32)")
    p.add_argument("--softmax", action="store_true", help="report probabilities (softmax of the outputs)")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    g = add_preprocess(p, imagenet_help="torchvision's ImageNet eval preset: ImageNet's mean/std (the default) and "
                                    "--resize-policy imagenet")
    g.add_argument("--resize-policy", choices=tuple(RESIZE_POLICIES), default=None,
                   help="how images reach the model's size: stretch (straight to the input size; the default) or "
                        "imagenet (shorter side to 256, centre crop 224, bilinear with antialias: torchvision's "
                        "ImageNet eval transform; the default with --imagenet)")
    add_device(p)
    return p


def run(args: argparse.Namespace) -> int:
    if args.batch_size < 1 or args.top_k < 1:
        raise ArgumentError(f"--batch-size and --top-k must be >= 1, got {args.batch_size}, {args.top_k}")
    preprocess, background = preprocess_from(args), background_from(args)  # flags first, then files
    images = expand_images(args.images, IMAGE_SUFFIXES)
    policy = args.resize_policy or ("imagenet" if args.imagenet else "stretch")
    clf = Classifier(args.model, labels=args.labels, softmax=args.softmax, backend=args.backend,
                     preprocess=preprocess, resize=policy, background=background, device=args.device)
    clf.runner  # noqa: B018 - load (and maybe build) before the clock starts
    failed: list[tuple[Path, Error]] = []

    def skip(path: Path, error: Error) -> None:
        failed.append((path, error))
        print(f"trtcore classify: skipped: {error}", file=sys.stderr)

    rows = []
    start = time.perf_counter()
    with progress_bar("classify", len(images), enabled=len(images) > args.batch_size and not args.json) as bar:
        for i in range(0, len(images), args.batch_size):
            chunk = images[i:i + args.batch_size]
            rows.extend(clf.classify(chunk, k=args.top_k, batch_size=args.batch_size, on_error=skip))
            if bar is not None:
                bar.advance(bar.task_ids[0], len(chunk))
    elapsed = time.perf_counter() - start
    done = [(p, row) for p, row in zip(images, rows) if row is not None]
    if args.json:
        print(json.dumps([{"image": str(p), "top_k": [{"index": r.index, "score": r.score, "label": r.label}
                                                      for r in row]} for p, row in done], indent=2))
    else:
        for path, row in done:
            best = ", ".join(f"{r.index}" + (f" '{r.label}'" if r.label is not None else "") + f" ({r.score:.4g})"
                             for r in row)
            print(f"{path}: {best}")
        print(f"preprocessing: {clf.resize.describe()}; {describe_preprocess(clf.preprocess)}")
        print(f"{len(done)} images in {elapsed:.3f} s ({len(done) / elapsed:.1f} images/s, batch "
              f"{args.batch_size}, {clf.runner.backend})")
    if failed:
        print(f"trtcore classify: {len(failed)} of {len(images)} images could not be classified (listed above)",
              file=sys.stderr)
        return EXIT_SOME_FAILED
    return EXIT_OK
