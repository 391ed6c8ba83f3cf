"""The image flags shared by ``classify`` and ``segment``: preprocessing (mean, std, pixel scale), the background
for transparent images, and the image files given (folders expanded)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path

from trtcore.errors import ArgumentError, FileError
from trtcore.image import IMAGENET_MEAN, IMAGENET_STD, background_rgb
from trtcore.pipelines import Preprocess
from trtcore.pipelines.image_prep import check_image_path


def _csv(values: Sequence[float]) -> str:
    return ",".join(f"{v:g}" for v in values)


def add_device(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto",
                   help="where images are pre- and post-processed: cuda (the GPU pipeline, around a model on the "
                        "GPU), cpu, or auto (default: cuda when the model runs on a GPU)")


def add_preprocess(p: argparse.ArgumentParser, imagenet_help: str = "ImageNet's mean/std (the default)"
                   ) -> argparse._ArgumentGroup:
    g = p.add_argument_group("preprocessing: tensor = (pixel / maxval - mean) / std, CHW")
    g.add_argument("--mean", default=None,
                   help=f"per-channel means, comma separated (default ImageNet's {_csv(IMAGENET_MEAN)}; "
                        "0 with --std 1 for pixel / 255 models and grey models)")
    g.add_argument("--std", default=None,
                   help=f"per-channel standard deviations (default ImageNet's {_csv(IMAGENET_STD)})")
    g.add_argument("--maxval", type=float, default=255.0, help="pixel scale of an 8-bit image, > 0 (default 255)")
    g.add_argument("--imagenet", action="store_true", help=imagenet_help)
    g.add_argument("--background", default="255,255,255", metavar="R,G,B",
                   help="colour transparent pixels are composited on, 0..255 (default white 255,255,255; one "
                        "number for a grey)")
    return g


def _floats(text: str, flag: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise ArgumentError(f"{flag}: expected comma-separated numbers, got {text!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise ArgumentError(f"{flag}: expected finite numbers, got {text!r}")
    return values


def preprocess_from(args: argparse.Namespace) -> Preprocess:
    if args.imagenet and (args.mean is not None or args.std is not None):
        raise ArgumentError("--imagenet sets ImageNet's mean and std; leave out --mean/--std, or --imagenet")
    mean = IMAGENET_MEAN if args.mean is None else _floats(args.mean, "--mean")
    std = IMAGENET_STD if args.std is None else _floats(args.std, "--std")
    return Preprocess(mean, std, args.maxval)


def background_from(args: argparse.Namespace) -> tuple[int, int, int]:
    try:
        values = [int(v) for v in args.background.split(",")]
    except ValueError:
        raise ArgumentError(f"--background: expected R,G,B or one grey value, integers 0..255, got "
                            f"{args.background!r}") from None
    return background_rgb(values if len(values) != 1 else values[0], "--background")


def describe_preprocess(pre: Preprocess) -> str:
    """The normalization in words, for the CLI's output."""
    if tuple(pre.mean) == IMAGENET_MEAN and tuple(pre.std) == IMAGENET_STD:
        stats = "ImageNet mean/std"
    else:
        stats = f"mean {_csv(pre.mean)}, std {_csv(pre.std)}"
    return f"(pixel / {pre.maxval:g} - mean) / std with {stats}"


def expand_images(items: Sequence[Path], suffixes: Sequence[str]) -> list[Path]:
    """Files as given (each checked: it exists and is an image type); folders expanded to their image files
    (sorted). Whether a file decodes is found out when it is read."""
    out: list[Path] = []
    for item in items:
        if item.is_dir():
            found = sorted(p for p in item.iterdir() if p.suffix.lower() in suffixes and p.is_file())
            if not found:
                raise FileError(f"{item}: folder has no images ({', '.join(suffixes)})")
            out.extend(found)
        else:
            check_image_path(item)
            out.append(item)
    return out
