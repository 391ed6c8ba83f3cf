"""Runner overhead and batched classification, measured side by side in one process.

    python benchmarks/bench_runners.py [--repeats 7] [--calls 2000]

1. ``OnnxRuntimeRunner.infer`` (validation + dict in/out) against a bare ``onnxruntime.InferenceSession.run`` on
   the same session, on the demo models. The two loops alternate, each repeat times ``--calls`` calls of each; the
   ratio is of the medians over repeats (the machine may be shared, so medians, not means).
2. ``Classifier.classify`` on a folder of digit images: batch 1 against batch 64, images/s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from trtcore.demo import DIGITS_MODEL, DIGITS_SAMPLES, SHAPES_MODEL
from trtcore.pipelines import UNIT, Classifier
from trtcore.runners import OnnxRuntimeRunner


def per_call(fn, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def overhead(model: Path, shape: tuple[int, ...], repeats: int, calls: int) -> tuple[float, float]:
    runner = OnnxRuntimeRunner(model, providers=["CPUExecutionProvider"], threads=1).activate()
    session = runner.session
    name = runner.inputs[0].name
    x = np.random.default_rng(0).random(shape, dtype=np.float32)
    feed = {name: x}

    def bare():
        return session.run(None, feed)

    def ours():
        return runner.infer(feed)

    for fn in (bare, ours):  # warm up both paths
        per_call(fn, max(100, calls // 10))
    t_bare, t_ours = [], []
    for _ in range(repeats):
        t_bare.append(per_call(bare, calls))
        t_ours.append(per_call(ours, calls))
    return statistics.median(t_bare), statistics.median(t_ours)


def classify_rate(n_images: int, repeats: int) -> dict[int, float]:
    sources = sorted(DIGITS_SAMPLES.glob("*.pgm"))
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i in range(n_images):
            dst = Path(tmp) / f"img_{i:04d}.pgm"
            shutil.copyfile(sources[i % len(sources)], dst)
            paths.append(dst)
        runner = OnnxRuntimeRunner(DIGITS_MODEL, providers=["CPUExecutionProvider"], threads=1)
        clf = Classifier(runner, preprocess=UNIT)  # the digits model takes pixel / 255
        clf.classify(paths[:64], k=1, batch_size=64)  # warm up
        rates: dict[int, list[float]] = {1: [], 64: []}
        for _ in range(repeats):
            for bs in rates:
                start = time.perf_counter()
                clf.classify(paths, k=1, batch_size=bs)
                rates[bs].append(n_images / (time.perf_counter() - start))
    return {bs: statistics.median(v) for bs, v in rates.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--calls", type=int, default=2000)
    p.add_argument("--images", type=int, default=512)
    args = p.parse_args()
    print("1. OnnxRuntimeRunner.infer vs bare InferenceSession.run (same session, 1 thread, medians of "
          f"{args.repeats} x {args.calls} calls)")
    print(f"{'model':8} {'input':18} {'bare us':>9} {'runner us':>10} {'overhead':>9}")
    cases = [(DIGITS_MODEL, (1, 1, 8, 8)), (DIGITS_MODEL, (64, 1, 8, 8)), (SHAPES_MODEL, (1, 3, 64, 64)),
             (SHAPES_MODEL, (1, 3, 256, 256))]
    for model, shape in cases:
        calls = args.calls if np.prod(shape) < 50000 else max(20, args.calls // 20)
        bare, ours = overhead(model, shape, args.repeats, calls)
        print(f"{model.stem:8} {'x'.join(map(str, shape)):18} {bare * 1e6:9.2f} {ours * 1e6:10.2f} "
              f"{(ours / bare - 1) * 100:+8.1f}%")
    print(f"\n2. Classifier.classify on {args.images} digit images (PGM files), medians of {args.repeats}")
    rates = classify_rate(args.images, args.repeats)
    print(f"batch 1: {rates[1]:.0f} images/s; batch 64: {rates[64]:.0f} images/s; "
          f"ratio {rates[64] / rates[1]:.2f}x")


if __name__ == "__main__":
    main()
