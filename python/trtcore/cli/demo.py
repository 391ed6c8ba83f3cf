"""``trtcore demo``: the bundled digit classifier and shapes segmenter, end to end on held-out samples, and the
segmenter on a real photograph (scikit-image's)."""

from __future__ import annotations

import argparse
from pathlib import Path

from trtcore.demo import PHOTOS
from trtcore.demo.run import run_demo
from trtcore.runners import BACKENDS


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("demo", help="run the bundled demo models (accuracy, mIoU, output images)",
                       description="Exit codes: 0 ok, 2 bad input, 3 TensorRT/GPU missing (--backend tensorrt).")
    p.add_argument("-o", "--output", type=Path, default=Path("trtcore-demo"),
                   help="folder for the output images (default ./trtcore-demo, created)")
    p.add_argument("--backend", choices=BACKENDS, default="auto", help="default auto: the best available")
    p.add_argument("--photo", choices=(*PHOTOS, "none"), default="coffee",
                   help="scikit-image photograph to segment in the guide's flow, input.ppm -> output.ppm "
                        "(default coffee; needs pip install 'trtcore[photos]'; none to skip)")
    return p


def run(args: argparse.Namespace) -> int:
    result = run_demo(args.output, args.backend, photo=None if args.photo == "none" else args.photo)
    print(f"digits  ({result.digits_backend}): top-1 accuracy {result.accuracy:.1%} on {result.digits_count} "
          f"held-out images, batch {result.digits_batch}")
    per_class = ", ".join(f"{name} {iou:.3f}" for name, iou in result.class_iou.items())
    print(f"shapes  ({result.shapes_backend}): mIoU {result.miou:.3f} on {result.shapes_count} held-out images "
          f"of random colours, textures and overlaps; IoU per class: {per_class}")
    if result.photo is not None:
        ph = result.photo
        shares = ", ".join(f"{name} {share:.0%}" for name, share in ph.fractions.items())
        print(f"photo   ({result.shapes_backend}): scikit-image's {ph.name} ({ph.size[1]}x{ph.size[0]}), "
              f"{ph.input.name} -> {ph.output.name} (the guide's palette); pixels per class: {shares}")
    elif result.photo_skipped:
        print(f"photo   skipped: {result.photo_skipped}")
    print(f"output images in {result.folder}/:")
    for path in result.written:
        print(f"  {path}")
    return 0
