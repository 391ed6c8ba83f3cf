"""The image flags shared by ``classify`` and ``segment``: preprocessing (mean, std, pixel scale) and the image
files given (folders expanded)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path

from trtcore.errors import ArgumentError, FileError
from trtcore.pipelines import IMAGENET, Preprocess


def add_preprocess(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("preprocessing: tensor = (pixel / maxval - mean) / std, CHW")
    g.add_argument("--mean", default="0", help="per-channel means, comma separated (default 0)")
    g.add_argument("--std", default="1", help="per-channel standard deviations (default 1)")
    g.add_argument("--maxval", type=float, default=255.0, help="pixel scale, > 0 (default 255)")
    g.add_argument("--imagenet", action="store_true", help="ImageNet mean/std (ResNet-50, FCN-ResNet101)")


def _floats(text: str, flag: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise ArgumentError(f"{flag}: expected comma-separated numbers, got {text!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise ArgumentError(f"{flag}: expected finite numbers, got {text!r}")
    return values


def preprocess_from(args: argparse.Namespace) -> Preprocess:
    if args.imagenet:
        return Preprocess(IMAGENET.mean, IMAGENET.std, args.maxval)
    return Preprocess(_floats(args.mean, "--mean"), _floats(args.std, "--std"), args.maxval)


def expand_images(items: Sequence[Path], suffixes: Sequence[str]) -> list[Path]:
    """Files as given; folders expanded to their image files (sorted)."""
    out: list[Path] = []
    for item in items:
        if item.is_dir():
            found = sorted(p for p in item.iterdir() if p.suffix.lower() in suffixes and p.is_file())
            if not found:
                raise FileError(f"{item}: folder has no images ({', '.join(suffixes)})")
            out.extend(found)
        else:
            out.append(item)
    return out
