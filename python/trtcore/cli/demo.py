"""``trtcore demo``: the bundled digit classifier and shapes segmenter, end to end on held-out samples."""

from __future__ import annotations

import argparse
from pathlib import Path

from trtcore.demo.run import run_demo
from trtcore.runners import BACKENDS


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("demo", help="run the bundled demo models (accuracy, mIoU, output images)",
                       description="Exit codes: 0 ok, 2 bad input, 3 TensorRT/GPU missing (--backend tensorrt).")
    p.add_argument("-o", "--output", type=Path, default=Path("trtcore-demo"),
                   help="folder for the output images (default ./trtcore-demo, created)")
    p.add_argument("--backend", choices=BACKENDS, default="auto", help="default auto: the best available")
    return p


def run(args: argparse.Namespace) -> int:
    result = run_demo(args.output, args.backend)
    print(f"digits  ({result.digits_backend}): top-1 accuracy {result.accuracy:.1%} on {result.digits_count} "
          f"held-out images, batch {result.digits_batch}")
    print(f"shapes  ({result.shapes_backend}): mIoU {result.miou:.3f} on {result.shapes_count} held-out images "
          f"(classes: {', '.join(result.classes)})")
    print(f"output images in {result.folder}/:")
    for path in result.written:
        print(f"  {path}")
    return 0
