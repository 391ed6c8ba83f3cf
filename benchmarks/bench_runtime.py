"""trtcore.runtime overheads, measured side by side in one process on a GPU machine.

1. Large round trip: ``Executor.infer`` on a 1x3x1026x1282 float32 input with the identity backend (output = a
   device-to-device copy of the input) against the bare baseline a user would write: pinned ``cudaMemcpyAsync``
   host-to-device + device-to-host of the same bytes and one stream sync (through ``_testing.roundtrip``, and
   through cupy if it is installed). Iterations are interleaved so clock and PCIe drift hit all variants alike.
2. Python overhead on tiny tensors: wall time of ``infer()`` minus the C++ run time the executor measures itself
   (``stats["last_run_seconds"]``: validation, copies, enqueue, GPU time and sync), i.e. GPU time excluded.
3. CUDA graphs: host time to queue one inference (``infer_async``, C++ side) with plain enqueue vs graph replay,
   for backends issuing 1, 16 and 64 launches per inference (``IdentityBackend(launches=...)``).
4. The numpy path (issue 13): pageable numpy in and numpy out with chunked staging overlapped with the DMA and
   copy threads (the default), against the same executor with chunking off and one copy thread (the path before),
   an ``out=`` array reused across calls, owned results kept alive (fresh pages every call), registering the
   user's arrays with ``cudaHostRegister`` per call (through cupy), and a sweep of chunk sizes and thread counts;
   each against the bare pinned copies timed in the same phase.
5. Tiny ``infer`` wall time (1x4 float32) with and without a CUDA graph, beside the bare floors (pinned
   H2D+D2D+D2H of 16 bytes and one sync through ``_testing.roundtrip``; the same three copies replayed from a torch
   CUDA graph) and the GPU time of each stage (``stage_timing``).

Usage: python benchmarks/bench_runtime.py [--iters N] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

import trtcore
from trtcore import _testing
from trtcore.runtime import Executor

SHAPE = (1, 3, 1026, 1282)


def identity(shape, launches=1):
    return _testing.IdentityBackend(
        [("x", "float32", list(shape))], [("y", "float32", list(shape), "x")], launches=launches
    )


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench_large(iters: int) -> dict:
    nbytes = int(np.prod(SHAPE)) * 4
    rng = np.random.default_rng(0)
    data = rng.standard_normal(SHAPE, dtype=np.float32)

    # One executor per variant, and three phases: the round trip against the bare copies is timed interleaved only
    # with the other bare copies; the variants that move tens of MB through host memory per call (pageable numpy)
    # are timed in a second phase, the slow alternatives and torch in a third. Interleaving the heavy variants with the round trip raised
    # its ratio by 3-6 points on the H100 machine (docs/benchmarks.md), an effect of the mix, not of the executor.
    ex = Executor(identity(SHAPE))
    ex_pageable = Executor(identity(SHAPE))
    ex_cuda = Executor(identity(SHAPE))
    staged = ex.input_buffer("x", SHAPE)
    staged[:] = data
    stream = _testing.cuda.Stream()
    pin_in = _testing.cuda.PinnedBuffer(nbytes).array("float32", SHAPE)
    pin_out = _testing.cuda.PinnedBuffer(nbytes).array("float32", SHAPE)
    pin_in[:] = data
    device, device2 = _testing.cuda.DeviceBuffer(nbytes), _testing.cuda.DeviceBuffer(nbytes)

    # name -> (callable, the executor whose stats["last_run_seconds"] reports its C++ time, or None)
    variants = {
        "bare pinned H2D+D2H (_core)": (lambda: _testing.roundtrip(pin_in, device, pin_out, stream), None),
        "bare pinned H2D+D2D+D2H (_core)": (
            lambda: _testing.roundtrip(pin_in, device, pin_out, stream, device2), None),
        "infer, staged input, output views": (lambda: ex.infer({"x": staged}, copy_outputs=False), ex),
    }
    heavy = {"infer, pageable numpy in, owned numpy out": (lambda: ex_pageable.infer({"x": data}), ex_pageable)}
    numpy_rows, others = numpy_path_variants(data)
    heavy.update(numpy_rows)
    try:  # the GPU-side cost of the enqueue alone: CUDA array in, device output view out, no PCIe transfer
        import torch

        x_gpu = torch.from_numpy(data).cuda()
        others["infer, torch CUDA in + CUDA out (no PCIe)"] = (
            lambda: ex_cuda.infer({"x": x_gpu}, copy_outputs=False, output_device="cuda"), ex_cuda)
    except Exception as e:  # noqa: BLE001 (torch is optional here)
        print(f"(torch variant skipped: {type(e).__name__}: {e})")
    try:
        import cupy as cp

        cp_stream = cp.cuda.Stream(non_blocking=True)
        cp_in = cp.cuda.alloc_pinned_memory(nbytes)
        cp_out = cp.cuda.alloc_pinned_memory(nbytes)
        np.frombuffer(cp_in, np.float32, int(np.prod(SHAPE)))[:] = data.ravel()
        cp_dev = cp.cuda.alloc(nbytes)
        rt = cp.cuda.runtime

        def cupy_round_trip():
            rt.memcpyAsync(cp_dev.ptr, cp_in.ptr, nbytes, rt.memcpyHostToDevice, cp_stream.ptr)
            rt.memcpyAsync(cp_out.ptr, cp_dev.ptr, nbytes, rt.memcpyDeviceToHost, cp_stream.ptr)
            cp_stream.synchronize()

        variants["bare pinned H2D+D2H (cupy)"] = (cupy_round_trip, None)
    except Exception as e:  # noqa: BLE001 (cupy is an optional second baseline)
        print(f"(cupy baseline skipped: {type(e).__name__}: {e})")

    bare = "bare pinned H2D+D2H (_core)"
    # Third phase: the slow alternatives (no chunking, registering memory per call) and the torch path, apart from
    # the numpy-path rows so that their memory traffic does not weigh on those.
    phases = [interleaved(variants, iters), interleaved({bare: variants[bare], **heavy}, iters),
              interleaved({bare: variants[bare], **others}, iters)]
    out = ex.infer({"x": staged}, copy_outputs=False)["y"]
    assert np.array_equal(out, data), "identity backend returned wrong data"
    for phase in phases:
        phase["ratio_vs_bare"] = {k: v / phase["median_s"][bare] for k, v in phase["median_s"].items()}
    return {"bytes": nbytes, "round_trip": phases[0], "heavy": phases[1], "others": phases[2]}


def numpy_path_variants(data: np.ndarray) -> tuple[dict, dict]:
    """The numpy-path rows of issue 13 (pageable numpy in, numpy out), each on its own executor, and the slower
    alternatives (the path before: no chunking, one thread; registering the user's memory per call)."""
    before = Executor(identity(SHAPE))
    before.staging_chunk_bytes, before.copy_threads = 0, 1  # one memcpy each way on the calling thread
    into = Executor(identity(SHAPE))
    out = {"y": np.empty_like(data)}
    kept_ex = Executor(identity(SHAPE))
    kept: list = []

    def keep_results():  # the caller holds its last 4 results: no recycled buffer, fresh pages every call
        kept.append(kept_ex.infer({"x": data}))
        del kept[:-4]

    rows = {
        "infer, pageable in, out= array": (lambda: into.infer({"x": data}, out=out), into),
        "infer, pageable in, owned out, results kept": (keep_results, kept_ex),
    }
    slow = {"infer, pageable in, owned out, no chunking, 1 thread": (lambda: before.infer({"x": data}), before)}
    try:  # registering the user's memory per call instead of staging it (one-shot arrays)
        import cupy as cp

        rt = cp.cuda.runtime
        nbytes = data.nbytes
        dev = cp.cuda.alloc(nbytes)
        reg_out = np.empty_like(data)
        reg_stream = cp.cuda.Stream(non_blocking=True)

        def registered():
            rt.hostRegister(data.ctypes.data, nbytes, 0)
            rt.hostRegister(reg_out.ctypes.data, nbytes, 0)
            try:
                rt.memcpyAsync(dev.ptr, data.ctypes.data, nbytes, rt.memcpyHostToDevice, reg_stream.ptr)
                rt.memcpyAsync(reg_out.ctypes.data, dev.ptr, nbytes, rt.memcpyDeviceToHost, reg_stream.ptr)
                reg_stream.synchronize()
            finally:
                rt.hostUnregister(data.ctypes.data)
                rt.hostUnregister(reg_out.ctypes.data)

        slow["cudaHostRegister in+out per call + H2D+D2H (cupy)"] = (registered, None)
    except Exception as e:  # noqa: BLE001 (cupy is optional)
        print(f"(cudaHostRegister row skipped: {type(e).__name__}: {e})")
    return rows, slow


def bench_sweep(iters: int) -> dict:
    """Chunk size x copy threads for pageable numpy in and an out= array, each against the bare pinned copies."""
    nbytes = int(np.prod(SHAPE)) * 4
    data = np.random.default_rng(1).standard_normal(SHAPE, dtype=np.float32)
    stream = _testing.cuda.Stream()
    pin_in = _testing.cuda.PinnedBuffer(nbytes).array("float32", SHAPE)
    pin_out = _testing.cuda.PinnedBuffer(nbytes).array("float32", SHAPE)
    device = _testing.cuda.DeviceBuffer(nbytes)
    bare = "bare pinned H2D+D2H (_core)"
    variants = {bare: (lambda: _testing.roundtrip(pin_in, device, pin_out, stream), None)}
    out = {"y": np.empty_like(data)}
    for chunk in (1 << 19, 1 << 20, 2 << 20):
        for threads in (4, 8, 16):
            ex = Executor(identity(SHAPE))
            ex.staging_chunk_bytes, ex.copy_threads = chunk, threads
            variants[f"chunk {chunk >> 10:5d} KiB, {threads} threads, out="] = (
                lambda ex=ex: ex.infer({"x": data}, out=out), ex)
    phase = interleaved(variants, iters)
    phase["ratio_vs_bare"] = {k: v / phase["median_s"][bare] for k, v in phase["median_s"].items()}
    return phase


def interleaved(variants: dict, iters: int) -> dict:
    """Medians of each variant, the variants called in turn so that background load hits all of them alike."""
    for fn, _ in variants.values():  # warm up: allocations, first-touch, clocks
        for _ in range(5):
            fn()
    times: dict[str, list[float]] = {k: [] for k in variants}
    cxx: dict[str, list[float]] = {k: [] for k, (_, owner) in variants.items() if owner is not None}
    for _ in range(iters):
        for k, (fn, owner) in variants.items():
            times[k].append(timed(fn))
            if owner is not None:
                cxx[k].append(owner.stats["last_run_seconds"])
    return {"median_s": {k: statistics.median(v) for k, v in times.items()},
            "median_cxx_run_s": {k: statistics.median(v) for k, v in cxx.items()}}


def bench_tiny(iters: int) -> dict:
    x = np.arange(4, dtype=np.float32).reshape(1, 4)
    result = {}
    for graph in (False, True):
        ex = Executor(identity((1, 4)), cuda_graph=graph)
        for label, kwargs in (("infer(copy_outputs=True)", {}), ("infer(copy_outputs=False)", {"copy_outputs": False})):
            def call(ex=ex, kwargs=kwargs):
                return ex.infer({"x": x}, **kwargs)

            for _ in range(50):
                call()
            wall, overhead = [], []
            for _ in range(iters):
                t = timed(call)
                wall.append(t)
                overhead.append(t - ex.stats["last_run_seconds"])
            assert not graph or ex.stats["graph_launches"] >= iters, "graph was not replayed"
            result[f"{label}, graph {'on' if graph else 'off'}"] = {
                "wall_us": statistics.median(wall) * 1e6,
                "cxx_run_us": (statistics.median(wall) - statistics.median(overhead)) * 1e6,
                "python_overhead_us": statistics.median(overhead) * 1e6,
            }
    return result


def bench_tiny_floors(iters: int) -> dict:
    """What the GPU round trip of 16 bytes costs without the executor, and the GPU time of each stage in it."""
    floors = {}
    stream = _testing.cuda.Stream()
    pin_in = _testing.cuda.PinnedBuffer(16).array("float32", (1, 4))
    pin_out = _testing.cuda.PinnedBuffer(16).array("float32", (1, 4))
    d1, d2 = _testing.cuda.DeviceBuffer(16), _testing.cuda.DeviceBuffer(16)
    for _ in range(50):
        _testing.roundtrip(pin_in, d1, pin_out, stream, d2)
    floors["bare pinned H2D+D2D+D2H + sync (_testing.roundtrip)"] = statistics.median(
        timed(lambda: _testing.roundtrip(pin_in, d1, pin_out, stream, d2)) for _ in range(iters)) * 1e6
    try:
        import torch

        t_in = torch.zeros(4).pin_memory()
        t_out = torch.zeros(4).pin_memory()
        g1, g2 = torch.zeros(4, device="cuda"), torch.zeros(4, device="cuda")
        s = torch.cuda.Stream()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.stream(s):
            for _ in range(3):  # warm up on the side stream, as torch asks before capture
                g1.copy_(t_in, non_blocking=True)
                g2.copy_(g1)
                t_out.copy_(g2, non_blocking=True)
        s.synchronize()
        with torch.cuda.graph(graph, stream=s):
            g1.copy_(t_in, non_blocking=True)
            g2.copy_(g1)
            t_out.copy_(g2, non_blocking=True)

        def replay():
            graph.replay()
            s.synchronize()

        for _ in range(50):
            replay()
        floors["bare H2D+D2D+D2H as a torch CUDA graph + sync"] = statistics.median(
            timed(replay) for _ in range(iters)) * 1e6
    except Exception as e:  # noqa: BLE001 (torch is optional)
        print(f"(torch graph floor skipped: {type(e).__name__}: {e})")
    ex = Executor(identity((1, 4)), stage_timing=True)
    x = np.arange(4, dtype=np.float32).reshape(1, 4)
    stages: dict[str, list[float]] = {"h2d": [], "compute": [], "d2h": []}
    for i in range(iters + 50):
        ex.infer({"x": x})
        if i >= 50:
            for k, v in ex.last_timings().items():
                stages[k].append(v)
    floors["stage GPU us (h2d / compute / d2h)"] = [statistics.median(v) * 1e6 for v in stages.values()]
    return floors


def bench_graph(iters: int) -> dict:
    result = {}
    for launches in (1, 16, 64):
        row = {}
        for graph in (False, True):
            ex = Executor(identity((1, 256), launches=launches), cuda_graph=graph)
            buf = ex.input_buffer("x", (1, 256))
            buf[:] = 1.0
            for _ in range(20):
                ex.infer({"x": buf}, copy_outputs=False)
            launch, wall = [], []
            for _ in range(iters):
                ex.infer_async({"x": buf})
                launch.append(ex.stats["last_run_seconds"])
                ex.synchronize()
                wall.append(timed(lambda: ex.infer({"x": buf}, copy_outputs=False)))
            assert not graph or ex.stats["graph_launches"] >= iters, "graph was not replayed"
            row["graph" if graph else "plain"] = {
                "host_launch_us": statistics.median(launch) * 1e6,
                "infer_wall_us": statistics.median(wall) * 1e6,
            }
        row["launch_ratio_plain_over_graph"] = row["plain"]["host_launch_us"] / row["graph"]["host_launch_us"]
        result[f"launches={launches}"] = row
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=200, help="iterations of the large round trip")
    parser.add_argument("--tiny-iters", type=int, default=3000)
    parser.add_argument("--sweep-iters", type=int, default=50,
                        help="iterations of the chunk size x thread sweep (0: skip it)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    info = trtcore.build_info()["cuda"]
    if not info["devices"]:
        print(f"no usable CUDA device: {info['error']}")
        return 1
    results = {
        "device": info["devices"][0]["name"],
        "driver": info["driver_version"],
        "large": bench_large(args.iters),
        "tiny": bench_tiny(args.tiny_iters),
        "tiny_floors": bench_tiny_floors(args.tiny_iters),
        "graph": bench_graph(args.tiny_iters // 3),
        "sweep": bench_sweep(args.sweep_iters) if args.sweep_iters > 0 else None,
    }
    print(f"device: {results['device']} (driver {results['driver']})")
    large = results["large"]
    for title, phase in (("round trip vs bare copies", large["round_trip"]),
                         ("pageable numpy in, numpy out", large["heavy"]), ("other paths", large["others"])):
        print(f"\n1x3x1026x1282 float32 ({large['bytes'] / 1e6:.1f} MB), {title}, median of {args.iters}:")
        for k, v in phase["median_s"].items():
            cxx = phase["median_cxx_run_s"].get(k)
            inside = f"   (C++ run {cxx * 1e3:.3f} ms)" if cxx is not None else ""
            print(f"  {k:52s} {v * 1e3:8.3f} ms   x{phase['ratio_vs_bare'][k]:.3f} of bare{inside}")
    if results["sweep"] is not None:
        sweep = results["sweep"]
        print(f"\npageable in, out= array: chunk size x copy threads, median of {args.sweep_iters}:")
        for k, v in sweep["median_s"].items():
            print(f"  {k:45s} {v * 1e3:8.3f} ms   x{sweep['ratio_vs_bare'][k]:.3f} of bare")
    print("\ntiny (1x4 float32), median:")
    for k, v in results["tiny"].items():
        print(f"  {k:40s} wall {v['wall_us']:6.1f} us  C++ run {v['cxx_run_us']:6.1f} us  "
              f"Python overhead {v['python_overhead_us']:5.1f} us")
    for k, v in results["tiny_floors"].items():
        shown = " / ".join(f"{u:.1f}" for u in v) if isinstance(v, list) else f"{v:.1f}"
        print(f"  {k:55s} {shown} us")
    print("\nhost time to queue one inference (infer_async, C++), median:")
    for k, v in results["graph"].items():
        print(f"  {k:12s} plain {v['plain']['host_launch_us']:7.1f} us  graph {v['graph']['host_launch_us']:6.1f} us"
              f"  ratio {v['launch_ratio_plain_over_graph']:.2f}x   (infer wall: plain "
              f"{v['plain']['infer_wall_us']:.1f} us, graph {v['graph']['infer_wall_us']:.1f} us)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
