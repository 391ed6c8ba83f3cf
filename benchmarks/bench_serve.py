"""Serving the demo digits model on a real Triton server (PyTriton), side by side in one run:

    python benchmarks/bench_serve.py [--requests 1600] [--levels 1,8,32,64]

For each concurrency level C, C client threads (one gRPC client each, ``tritonclient.grpc``) send batch-1
requests until ``--requests`` have been answered, against (a) ``trtcore.serve`` with dynamic batching
(``--max-queue-delay-us``), (b) the same server with ``max_batch_size=0`` (every request executed alone), and
(c) C threads calling ``runner.infer`` in this process (no server). Prints throughput (requests/s), p50/p99
latency, the batched/unbatched throughput ratio and, at concurrency 1, the latency the server adds to a direct
call. Clients and server share this machine's cores, as they would on one host.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import threading
import time

import numpy as np

import trtcore
from trtcore.demo import DIGITS_MODEL


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def run_level(make_call, concurrency: int, requests: int) -> dict[str, float]:
    """C threads, each with its own call (client), until ``requests`` answered; latencies of each request."""
    per_thread = max(1, requests // concurrency)
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    barrier = threading.Barrier(concurrency + 1)

    def work(k: int) -> None:
        call, close = make_call()
        try:
            call()  # warm the connection
            barrier.wait()
            for _ in range(per_thread):
                t0 = time.perf_counter()
                call()
                latencies[k].append(time.perf_counter() - t0)
        finally:
            close()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    flat = sorted(x for lat in latencies for x in lat)
    return {"rps": len(flat) / elapsed, "p50_ms": 1e3 * statistics.median(flat),
            "p99_ms": 1e3 * flat[min(len(flat) - 1, int(0.99 * len(flat)))]}


def grpc_caller(url: str, x: np.ndarray):
    import tritonclient.grpc as grpcclient

    def make():
        client = grpcclient.InferenceServerClient(url)
        inp = grpcclient.InferInput("input", list(x.shape), "FP32")
        inp.set_data_from_numpy(x)

        def call() -> None:
            client.infer("digits", [inp], client_timeout=60)

        return call, client.close

    return make


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=1600, help="requests per concurrency level and setup")
    ap.add_argument("--levels", default="1,8,32,64", help="concurrency levels")
    ap.add_argument("--max-queue-delay-us", type=int, default=2000)
    args = ap.parse_args()
    levels = [int(v) for v in args.levels.split(",")]
    x = np.random.default_rng(0).random((1, 1, 8, 8), dtype=np.float32)
    results: dict[str, dict[int, dict[str, float]]] = {}

    runner = trtcore.load(DIGITS_MODEL, "onnxruntime")
    results["in-process runner.infer"] = {
        c: run_level(lambda: (lambda: runner.infer({"input": x}), lambda: None), c, args.requests) for c in levels}

    for label, mbs in (("serve, dynamic batching", None), ("serve, no batching", 0)):
        http, grpc, metrics = free_ports(3)
        server = trtcore.serve(["digits"], backend="onnxruntime", http_port=http, grpc_port=grpc,
                               metrics_port=metrics, max_batch_size=mbs, max_queue_delay_us=args.max_queue_delay_us,
                               exit_timeout_s=5)
        try:
            results[label] = {c: run_level(grpc_caller(server.grpc_url, x), c, args.requests) for c in levels}
            if mbs is None:
                batches = server.statistics("digits")["batch_stats"]
                sizes = {int(b["batch_size"]): int(b["compute_infer"]["count"]) for b in batches}
                mean = sum(k * v for k, v in sizes.items()) / max(1, sum(sizes.values()))
                print(f"dynamic batching: {sum(sizes.values())} executions, mean batch {mean:.1f}, "
                      f"largest {max(sizes)}")
        finally:
            server.stop()

    print(f"\ndigits (1x1x8x8 float32 per request, ONNX Runtime CPU), {args.requests} requests per cell")
    print(f"{'setup':28s} {'conc':>5s} {'req/s':>9s} {'p50 ms':>8s} {'p99 ms':>8s}")
    for label, per in results.items():
        for c, r in per.items():
            print(f"{label:28s} {c:5d} {r['rps']:9.0f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f}")
    b, u, d = (results["serve, dynamic batching"], results["serve, no batching"], results["in-process runner.infer"])
    for c in levels:
        print(f"concurrency {c:2d}: batched / unbatched throughput x{b[c]['rps'] / u[c]['rps']:.2f}; "
              f"batched server / in-process x{b[c]['rps'] / d[c]['rps']:.2f}")
    if 1 in levels:
        print(f"server's added latency at concurrency 1 (p50): batched {b[1]['p50_ms'] - d[1]['p50_ms']:.2f} ms, "
              f"unbatched {u[1]['p50_ms'] - d[1]['p50_ms']:.2f} ms (in-process p50 {d[1]['p50_ms']:.3f} ms)")
    runner.deactivate()


if __name__ == "__main__":
    main()
