"""GPU pre- and post-processing (cpp/pipeline, cpp/image/cuda), measured side by side in one run on a GPU machine.

The model is the identity backend (trtcore._testing): logits [1, 21, H, W] are the normalized image's 3 planes
repeated, so the post-processing reads FCN-sized logits. For a 1282x1026 RGB image it prints:

1. Stages, GPU time from CUDA events (the pipeline's stage timing), medians:
   - uint8 pinned image -> normalized float32 NCHW on the device (upload + normalize) against torch doing the same
     (``from_numpy(pinned).cuda(non_blocking=True)``, permute, float, scale, normalize) and the PCIe floor (a bare
     pinned H2D copy of the image's bytes, torch);
   - argmax [1, 21, H, W] float32 -> labels, against ``torch.argmax(dim=1)`` and the HBM floor (the logits' bytes
     read once: half of a device-to-device copy of them);
   - labels -> RGB palette image in pinned host memory (colorize + download), against torch (palette indexing +
     a copy to pinned memory) and the PCIe floor (a bare D2H copy of the RGB bytes).
2. Whole pipelines, wall time: ``Segmenter.colorized`` (image in, colour image out) with device="cuda" (CUDA graph)
   and device="cpu" (trtcore's CPU kernels around the same model), and ``Classifier.classify`` top-5 on 224x224
   and on a 640x480 photo through torchvision's eval geometry (resized on the GPU, or with Pillow on the CPU).

Usage: python benchmarks/bench_pipeline.py [--iters N] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from trtcore import _testing
from trtcore.pipelines import IMAGENET, Classifier, Segmenter
from trtcore.runners.tensorrt import ExecutorRunner

H, W, CLASSES = 1026, 1282, 21


def seg_runner(classes: int = CLASSES) -> ExecutorRunner:
    return ExecutorRunner(lambda: _testing.IdentityBackend([("input", "float32", [1, 3, -1, -1])],
                                                           [("logits", "float32", [1, classes, -1, -1], "input")]),
                          name="identity")


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1e3


def torch_events(torch, fn, iters: int) -> float:
    """Median GPU milliseconds of fn() on torch's current stream (CUDA events)."""
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def torch_events_loop(torch, fn, iters: int, repeat: int = 20) -> float:
    """Median GPU milliseconds per call of ``repeat`` back-to-back fn() calls between two CUDA events (the kernel's
    own time, without the launch latency a single call between events includes)."""
    return torch_events(torch, lambda: [fn() for _ in range(repeat)], max(10, iters // repeat)) / repeat


def pipeline_stages(seg: Segmenter, img: np.ndarray, iters: int, colors: bool, zero_copy: bool = False
                    ) -> dict[str, float]:
    """Median stage milliseconds of the Segmenter's GPU pipeline (stage timing: plain runs, events per stage)."""
    run = (lambda: seg.colorized(img)) if colors else (lambda: seg.segment(img))
    run()
    (pipe,) = seg.gpu_pipelines.current()
    pipe.zero_copy = zero_copy
    pipe.set_stage_timing(True)
    samples: dict[str, list[float]] = {}
    for _ in range(iters):
        run()
        for name, seconds in pipe.stats["stage_seconds"].items():
            samples.setdefault(name, []).append(seconds)
    pipe.set_stage_timing(False)
    return {name: median_ms(v) for name, v in samples.items()}


def wall_ms(fn, iters: int) -> float:
    fn()
    times = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return median_ms(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--json", help="also write the numbers to this file")
    args = ap.parse_args()
    import torch

    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    results: dict[str, dict[str, float]] = {}

    # -- 1. stages -----------------------------------------------------------------------------------------------
    seg = Segmenter(seg_runner(), preprocess=IMAGENET, device="cuda")
    labels_only = pipeline_stages(seg, img, args.iters, colors=False, zero_copy=False)
    with_colors = pipeline_stages(Segmenter(seg_runner(), preprocess=IMAGENET, device="cuda"), img, args.iters,
                                  colors=True, zero_copy=False)
    zc_labels = pipeline_stages(Segmenter(seg_runner(), preprocess=IMAGENET, device="cuda"), img, args.iters,
                                colors=False, zero_copy=True)
    zc_colors = pipeline_stages(Segmenter(seg_runner(), preprocess=IMAGENET, device="cuda"), img, args.iters,
                                colors=True, zero_copy=True)
    dev = torch.device("cuda")
    pinned = torch.from_numpy(img).pin_memory()
    mean = torch.tensor(IMAGENET.mean, device=dev)[:, None, None]
    std = torch.tensor(IMAGENET.std, device=dev)[:, None, None]
    on_device = torch.empty(img.nbytes, dtype=torch.uint8, device=dev)
    logits = torch.rand(1, CLASSES, H, W, device=dev)
    logits_copy = torch.empty_like(logits)
    labels = logits.argmax(dim=1)[0]
    palette = torch.randint(0, 256, (CLASSES, 3), dtype=torch.uint8, device=dev)
    rgb_pinned = torch.empty((H, W, 3), dtype=torch.uint8).pin_memory()
    rgb_device = torch.empty((H, W, 3), dtype=torch.uint8, device=dev)

    def torch_normalize():
        x = pinned.to(dev, non_blocking=True).permute(2, 0, 1).float().div_(255)
        return (x - mean) / std

    def torch_colorize():
        rgb_pinned.copy_(palette[labels], non_blocking=True)

    floors = {
        "h2d_image": torch_events(torch, lambda: on_device.copy_(pinned.view(-1), non_blocking=True), args.iters),
        "hbm_logits_read": torch_events(torch, lambda: logits_copy.copy_(logits), args.iters) / 2,
        "d2h_rgb": torch_events(torch, lambda: rgb_pinned.copy_(rgb_device, non_blocking=True), args.iters),
    }
    ours = {
        "pinned_u8_to_normalized": labels_only["upload"] + labels_only["preprocess"],
        "pinned_u8_to_normalized (zero-copy)": zc_labels["upload"] + zc_labels["preprocess"],
        "argmax": labels_only["postprocess"],
        "labels_to_rgb_pinned": with_colors["postprocess"] - labels_only["postprocess"] + with_colors["download"],
        "labels_to_rgb_pinned (zero-copy)": zc_colors["postprocess"] - zc_labels["postprocess"] + zc_colors["download"],
    }
    torch_ms = {
        "pinned_u8_to_normalized": torch_events(torch, torch_normalize, args.iters),
        "argmax": torch_events(torch, lambda: logits.argmax(dim=1), args.iters),
        "labels_to_rgb_pinned": torch_events(torch, torch_colorize, args.iters),
    }
    floor_of = {"pinned_u8_to_normalized": floors["h2d_image"], "argmax": floors["hbm_logits_read"],
                "labels_to_rgb_pinned": floors["d2h_rgb"]}
    for step in list(ours):
        torch_ms.setdefault(step, torch_ms[step.split(" ")[0]])
        floor_of.setdefault(step, floor_of[step.split(" ")[0]])
    print(f"stages, {W}x{H} RGB, {CLASSES} classes, median of {args.iters} (GPU ms, CUDA events):")
    print(f"  {'step':36s} {'trtcore':>9s} {'torch':>9s} {'floor':>9s} {'torch/ours':>11s} {'ours/floor':>11s}")
    for step in ours:
        a, b, f = ours[step], torch_ms[step], floor_of[step]
        print(f"  {step:36s} {a:9.4f} {b:9.4f} {f:9.4f} {b / a:10.2f}x {a / f:10.2f}x")
        results[step] = {"trtcore_ms": a, "torch_ms": b, "floor_ms": f}
    # The argmax kernel alone, back-to-back launches timed the same way for trtcore, torch and the floor.
    stream = torch.cuda.current_stream().cuda_stream
    labels_out = torch.empty((1, H, W), dtype=torch.int64, device=dev)
    loop = {"trtcore": torch_events(torch, lambda: _testing.launch_argmax(logits, labels_out, stream, 20),
                                    max(10, args.iters // 20)) / 20}
    assert torch.equal(labels_out, logits.argmax(dim=1)), "argmax differs from torch's"
    loop["torch"] = torch_events_loop(torch, lambda: torch.argmax(logits, dim=1, out=labels_out), args.iters)
    loop["floor"] = torch_events_loop(torch, lambda: logits_copy.copy_(logits), args.iters) / 2
    a, b, f = loop["trtcore"], loop["torch"], loop["floor"]
    print(f"  {'argmax kernel, 20 launches / 20':36s} {a:9.4f} {b:9.4f} {f:9.4f} {b / a:10.2f}x {a / f:10.2f}x")
    results["argmax_kernel_loop"] = {f"{k}_ms": v for k, v in loop.items()}
    print("  pipeline stages (labels only):", {k: round(v, 4) for k, v in labels_only.items()})
    print("  pipeline stages (colours):    ", {k: round(v, 4) for k, v in with_colors.items()})
    print("  zero-copy stages (labels only):", {k: round(v, 4) for k, v in zc_labels.items()})
    print("  zero-copy stages (colours):    ", {k: round(v, 4) for k, v in zc_colors.items()})
    results["stages_zero_copy_labels"] = zc_labels
    results["stages_zero_copy_colors"] = zc_colors
    results["stages_labels"] = labels_only
    results["stages_colors"] = with_colors
    results["floors"] = floors

    # -- 2. whole pipelines ------------------------------------------------------------------------------------
    runner = seg_runner()
    gpu = Segmenter(runner, preprocess=IMAGENET, device="cuda")
    cpu = Segmenter(runner, preprocess=IMAGENET, device="cpu")
    assert np.array_equal(gpu.colorized(img), cpu.colorized(img)), "GPU and CPU pipelines disagree"
    model_ms = with_colors["model"]
    seg_gpu = wall_ms(lambda: gpu.colorized(img), args.iters)  # zero-copy transfers (the default)
    gpu.gpu_pipelines.current()[0].zero_copy = False
    seg_gpu_zc = seg_gpu
    seg_gpu = wall_ms(lambda: gpu.colorized(img), args.iters)
    assert np.array_equal(gpu.colorized(img), cpu.colorized(img)), "copying GPU and CPU pipelines disagree"
    gpu.gpu_pipelines.current()[0].zero_copy = True
    seg_cpu = wall_ms(lambda: cpu.colorized(img), max(10, args.iters // 10))
    seg_gpu_labels = wall_ms(lambda: gpu.segment(img), args.iters)
    print(f"\nSegmenter.colorized {W}x{H} (image in, RGB out), wall ms, median:")
    print(f"  device=cuda (graph, copies) {seg_gpu:8.3f}   device=cpu {seg_cpu:8.3f}   cpu/cuda {seg_cpu / seg_gpu:6.1f}x")
    print(f"  around the model (wall - model GPU time {model_ms:.3f}): cuda {seg_gpu - model_ms:8.3f}   cpu "
          f"{seg_cpu - model_ms:8.3f}   {(seg_cpu - model_ms) / (seg_gpu - model_ms):6.1f}x")
    print(f"  device=cuda, zero-copy transfers (default) {seg_gpu_zc:8.3f}   cpu/cuda {seg_cpu / seg_gpu_zc:6.1f}x")
    print(f"  Segmenter.segment (int64 labels down) device=cuda {seg_gpu_labels:8.3f}")
    results["segmenter"] = {"cuda_ms": seg_gpu, "cuda_zero_copy_ms": seg_gpu_zc, "cpu_ms": seg_cpu,
                            "model_ms": model_ms, "segment_labels_cuda_ms": seg_gpu_labels}

    clf_runner = ExecutorRunner(lambda: _testing.IdentityBackend([("input", "float32", [1, 3, 224, 224])],
                                                                 [("scores", "float32", [1, 1000, 1, 1], "input")]))

    def classifiers(img: np.ndarray, **kwargs) -> tuple[float, float]:
        """Wall ms of Classifier.classify top-5 with device="cuda" and "cpu" (checked equal first)."""
        gpu_clf, cpu_clf = (Classifier(clf_runner, softmax=True, preprocess=IMAGENET, device=d, **kwargs)
                            for d in ("cuda", "cpu"))
        assert gpu_clf.classify([img], k=5) == cpu_clf.classify([img], k=5), f"GPU and CPU disagree ({kwargs})"
        return (wall_ms(lambda: gpu_clf.classify([img], k=5), args.iters),
                wall_ms(lambda: cpu_clf.classify([img], k=5), args.iters))

    clf_gpu, clf_cpu = classifiers(rng.integers(0, 256, (224, 224, 3), dtype=np.uint8))
    print(f"\nClassifier.classify 224x224 top-5, wall ms: cuda {clf_gpu:.3f}   cpu {clf_cpu:.3f}   "
          f"cpu/cuda {clf_cpu / clf_gpu:.1f}x")
    results["classifier"] = {"cuda_ms": clf_gpu, "cpu_ms": clf_cpu}
    # A VGA photo through torchvision's eval geometry: resized on the GPU, or with Pillow on the CPU.
    eval_gpu, eval_cpu = classifiers(rng.integers(0, 256, (480, 640, 3), dtype=np.uint8), resize="imagenet")
    print(f"Classifier.classify 640x480 resize='imagenet' (shorter side 256, crop 224) top-5, wall ms: cuda "
          f"{eval_gpu:.3f} (resized on the GPU)   cpu {eval_cpu:.3f} (Pillow)   cpu/cuda {eval_cpu / eval_gpu:.1f}x")
    results["classifier_imagenet_eval"] = {"cuda_ms": eval_gpu, "cpu_ms": eval_cpu}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
