"""trtcore.image against the numpy a user would otherwise write, side by side in one run.

    python benchmarks/bench_image.py [--repeat 30] [--threads N]

Each round times the numpy call and the trtcore call back to back (so a noisy neighbour hits both), then reports
min and median per call and the ratio numpy / trtcore. Sizes are the guide's: a 1282 x 1026 RGB image, FCN-ResNet101
logits [1, 21, 1026, 1282].

The hardware limit is measured in the same rounds: a plain numpy copy of the same number of bytes as the kernel
moves (in.nbytes + out.nbytes), timed with 1 thread and with all CPUs (the faster median counts). "of copy" is
copy time / kernel time: the kernel's effective bandwidth (bytes moved / time) as a fraction of the copy's
(bytes copied / time). The copy reads and writes every byte, so it puts twice the kernel's traffic through memory:
"of copy" / 2 is the fraction by equal traffic. --kernels (or TRTCORE_CPU_KERNELS) picks the CPU kernel variant:
scalar (the reference), baseline, avx2, avx512, auto (the widest the machine has); the header names the one run.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np

import trtcore._testing as tt
import trtcore.image as ti

H, W, C = 1026, 1282, 21


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


class Copy:
    """np.copyto of `nbytes` bytes, on 1 thread and split over all CPUs (numpy releases the GIL while copying)."""

    def __init__(self, nbytes: int, pool: concurrent.futures.ThreadPoolExecutor, workers: int) -> None:
        self.src = np.ones(max(nbytes, 1), np.uint8)
        self.dst = np.zeros_like(self.src)
        self.pool, self.workers = pool, workers
        step = -(-self.src.size // workers)
        self.parts = [(self.dst[i:i + step], self.src[i:i + step]) for i in range(0, self.src.size, step)]

    def one(self) -> None:
        np.copyto(self.dst, self.src)

    def all(self) -> None:
        for f in [self.pool.submit(np.copyto, d, s) for d, s in self.parts]:
            f.result()


def compare(name: str, baseline: Callable[[], object], ours: Callable[[], object], repeat: int,
            baseline_name: str, ours_name: str, moved: int = 0, copy_env: tuple | None = None) -> dict:
    """moved: bytes the trtcore call reads plus writes; when given, a copy moving as much is timed alongside."""
    copy = Copy(moved, *copy_env) if moved else None
    baseline(), ours()  # warm-up: page faults, lookup tables, thread start
    if copy:
        copy.one(), copy.all()
    tb, to, t1, ta = [], [], [], []
    for _ in range(repeat):
        tb.append(timed(baseline))
        to.append(timed(ours))
        if copy:
            t1.append(timed(copy.one))
            ta.append(timed(copy.all))
    row = {
        "name": name, "baseline": baseline_name, "ours": ours_name,
        "b_min": min(tb) * 1e3, "b_med": statistics.median(tb) * 1e3,
        "o_min": min(to) * 1e3, "o_med": statistics.median(to) * 1e3,
    }
    row["ratio_med"] = row["b_med"] / row["o_med"]
    row["ratio_min"] = row["b_min"] / row["o_min"]
    if copy:
        c1, ca = statistics.median(t1) * 1e3, statistics.median(ta) * 1e3
        row["copy_med"], row["copy_how"] = min(c1, ca), ("1 thread" if c1 <= ca else f"{copy.workers} threads")
        row["of_copy"] = row["copy_med"] / row["o_med"]
        row["moved_mb"] = moved / 1e6
    return row


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=30, help="timed rounds per comparison (default 30)")
    ap.add_argument("--threads", type=int, default=0, help="trtcore threads (default: TRTCORE_NUM_THREADS or all)")
    ap.add_argument("--kernels", default=os.environ.get("TRTCORE_CPU_KERNELS", "auto"),
                    help="CPU kernel variant: scalar, baseline, avx2, avx512 or auto (default: TRTCORE_CPU_KERNELS)")
    args = ap.parse_args()
    if args.kernels != os.environ.get("TRTCORE_CPU_KERNELS", "auto"):
        # The variant is read once per process from TRTCORE_CPU_KERNELS: run again with it set.
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "TRTCORE_CPU_KERNELS": args.kernels})
    ti.set_num_threads(args.threads)
    threads = ti.get_num_threads()
    load_start = os.getloadavg()[0]

    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=(H, W, 3), dtype=np.uint8)
    mean64, std64 = np.array(ti.IMAGENET_MEAN), np.array(ti.IMAGENET_STD)
    mean32, std32 = mean64.astype(np.float32), std64.astype(np.float32)
    out32 = np.empty((3, H, W), np.float32)
    logits = rng.standard_normal((1, C, H, W), dtype=np.float32)
    logits16 = logits.astype(np.float16)
    labels = rng.integers(0, C, size=(H, W), dtype=np.int64)
    pal = ti.palette()
    rgb_out = np.empty((H, W, 3), np.uint8)
    labels_out = np.empty((1, H, W), np.int64)

    rows = []
    r = args.repeat
    workers = os.cpu_count() or 1
    pool = concurrent.futures.ThreadPoolExecutor(workers)
    env = (pool, workers)
    # preprocess: the guide's formula. numpy's natural spelling computes in float64 and its transpose is a lazy
    # view (no contiguous NCHW buffer yet); the float32 + contiguous variants are the honest comparisons.
    rows.append(compare("normalize HWC->CHW", lambda: ((img / 255 - mean64) / std64).transpose(2, 0, 1),
                        lambda: ti.normalize(img), r, "numpy float64, lazy transpose", "float32 NCHW"))
    rows.append(compare("normalize HWC->CHW", lambda: np.ascontiguousarray(
                            ((img / 255 - mean64) / std64).transpose(2, 0, 1), dtype=np.float32),
                        lambda: ti.normalize(img), r, "numpy float64 -> contiguous float32", "float32 NCHW"))
    rows.append(compare("normalize HWC->CHW", lambda: np.ascontiguousarray(
                            ((img.astype(np.float32) / np.float32(255) - mean32) / std32).transpose(2, 0, 1)),
                        lambda: ti.normalize(img, out=out32), r, "numpy float32, contiguous", "float32, out=",
                        img.nbytes + out32.nbytes, env))
    out16 = np.empty((3, H, W), np.float16)
    rows.append(compare("normalize HWC->CHW",
                        lambda: ((img / 255 - mean64) / std64).transpose(2, 0, 1).astype(np.float16),
                        lambda: ti.normalize(img, dtype=np.float16, out=out16), r, "numpy float64 -> float16",
                        "float16, out=", img.nbytes + out16.nbytes, env))
    rows.append(compare("normalize HWC->CHW",
                        lambda: ((img / 255 - mean64) / std64).transpose(2, 0, 1).astype(np.float16),
                        lambda: ti.normalize(img, dtype=np.float16), r, "numpy float64 -> float16", "float16 NCHW"))
    rows.append(compare("argmax [1,21,1026,1282]", lambda: np.argmax(logits, axis=1),
                        lambda: ti.argmax(logits), r, "np.argmax(axis=1) float32", "float32 -> int64"))
    rows.append(compare("argmax [1,21,1026,1282]", lambda: np.argmax(logits, axis=1),
                        lambda: ti.argmax(logits, out=labels_out), r, "np.argmax(axis=1) float32", "float32, out=",
                        logits.nbytes + labels_out.nbytes, env))
    rows.append(compare("argmax [1,21,1026,1282]", lambda: np.argmax(logits16, axis=1),
                        lambda: ti.argmax(logits16), r, "np.argmax(axis=1) float16", "float16 -> int64"))
    rows.append(compare("argmax [1,21,1026,1282]", lambda: np.argmax(logits16, axis=1),
                        lambda: ti.argmax(logits16, out=labels_out), r, "np.argmax(axis=1) float16", "float16, out=",
                        logits16.nbytes + labels_out.nbytes, env))
    rows.append(compare("colorize 1026x1282", lambda: pal[labels], lambda: ti.colorize(labels), r,
                        "palette[labels] int64", "int64 -> RGB"))
    rows.append(compare("colorize 1026x1282", lambda: pal[labels], lambda: ti.colorize(labels, out=rgb_out), r,
                        "palette[labels] int64", "int64 -> RGB, out=", labels.nbytes + rgb_out.nbytes, env))
    scores = rng.standard_normal((256, 1000), dtype=np.float32)

    def np_softmax() -> np.ndarray:
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    rows.append(compare("softmax [256,1000]", np_softmax, lambda: ti.softmax(scores), r,
                        "numpy float32 stable softmax", "float32"))
    rows.append(compare("top-5 [256,1000]", lambda: np.argsort(-scores, axis=1, kind="stable")[:, :5],
                        lambda: ti.top_k(scores, 5), r, "np.argsort(-x, stable)[:, :5]", "indices + values"))
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "in.ppm"
        ti.write_image(path, img)
        try:
            from PIL import Image

            rows.append(compare("read 1282x1026 P6", lambda: np.asarray(Image.open(path)),
                                lambda: ti.read_image(path), r, "np.asarray(PIL.Image.open)", "read_image",
                                2 * img.nbytes, env))
        except ImportError:
            pass

    print(f"# trtcore.image benchmark: {cpu_model()}, {os.cpu_count()} CPUs, trtcore threads = {threads}, "
          f"numpy {np.__version__}, Python {sys.version.split()[0]}, {r} rounds, 1-minute load average "
          f"{load_start:.2f} at start, {os.getloadavg()[0]:.2f} at end; CPU kernels {tt.cpu_kernels()} "
          f"(machine supports {tt.supported_cpu_kernels()})")
    print()
    print("| operation | numpy baseline | trtcore | numpy min / median (ms) | trtcore min / median (ms) | "
          "speed-up (median) | speed-up (min) | bytes moved | copy median (ms) | of copy |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        copy = (f"{row['moved_mb']:.1f} MB | {row['copy_med']:.2f} ({row['copy_how']}) | {row['of_copy']:.0%}"
                if "of_copy" in row else " | | ")
        print(f"| {row['name']} | {row['baseline']} | {row['ours']} | {row['b_min']:.2f} / {row['b_med']:.2f} | "
              f"{row['o_min']:.2f} / {row['o_med']:.2f} | {row['ratio_med']:.1f}x | {row['ratio_min']:.1f}x | "
              f"{copy} |")
    pool.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
