"""Latency/throughput measurement for any runner, reported like trtexec's "Performance summary".

The rules are trtexec's (``samples/common/sampleReporting.cpp``, ``sampleInference.cpp``), reimplemented:

- the loop: each stream runs queries until it has done ``iterations`` after the warm-up AND ``warmup_ms +
  duration_s * 1000`` ms have passed since the start (``--duration -1``: until Ctrl-C); queries whose compute started
  within the first ``warmup_ms`` are warm-up and are not reported;
- statistics per metric: min, max, mean, median (mean of the two middle values for an even count), percentiles by
  trtexec's nearest-rank rule (index ``max(n - 1 - int((1 - p/100) * n), 0)`` of the sorted values, computed in
  float32 as trtexec does), coefficient of variance = population std / mean * 100 %;
- Total Host Walltime = end of the last query's D2H minus start of the first timed query's H2D (trace sorted by
  H2D start); Throughput = queries / walltime; Total GPU Compute Time = mean GPU compute * queries;
- warnings: enqueue-bound (median Enqueue > 0.8 * median GPU Compute), H2D/D2H-bound (median transfer >= median
  GPU Compute), unstable GPU time (coefficient of variance > 2.5 %), several inference streams.

What is measured where: on TensorRT with stage timing, H2D / GPU Compute / D2H are the executor's CUDA-event times
and each query's stage timestamps are laid end to end from the call's start. ``infer`` is a synchronous call, so
Enqueue Time is the host time of the whole call (it includes waiting) and the enqueue-bound warning is not issued.
On ONNX Runtime (no GPU) there are no transfers: H2D/D2H are 0 and "GPU Compute Time" is the host time of each
synchronous run — the report says so.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from trtcore.errors import ArgumentError
from trtcore.runners.base import Runner

DEFAULT_PERCENTILES = (90.0, 95.0, 99.0)
ENQUEUE_BOUND_THRESHOLD = 0.8
UNSTABLE_CV_THRESHOLD = 2.5  # percent


# -- statistics (pure functions, tested against hand-computed examples) ----------------------------------------
def nearest_rank(sorted_values: Sequence[float], percentile: float) -> float:
    """trtexec's percentile of ascending ``sorted_values``: no interpolation; p=0 is the minimum, p=100 the max.

    >>> nearest_rank([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 90)
    9.0
    """
    if not 0 <= percentile <= 100:
        raise ArgumentError(f"percentile must be in [0, 100], got {percentile}")
    n = len(sorted_values)
    if n == 0:
        return float("inf")
    f32 = np.float32
    exclude = int(f32(f32(1) - f32(percentile) / f32(100)) * f32(n))  # float arithmetic, truncated, as trtexec
    return float(sorted_values[max(n - 1 - exclude, 0)])


def median(sorted_values: Sequence[float]) -> float:
    """Middle value; the mean of the two middle ones for an even count (inf when empty, as trtexec).

    >>> median([1.0, 2.0, 4.0, 10.0])
    3.0
    """
    n = len(sorted_values)
    if n == 0:
        return float("inf")
    m = n // 2
    return float(sorted_values[m]) if n % 2 else (float(sorted_values[m - 1]) + float(sorted_values[m])) / 2


def coefficient_of_variance(values: Sequence[float], mean: float) -> float:
    """Population standard deviation over the mean, in percent (0 when empty, inf when the mean is 0).

    >>> round(coefficient_of_variance([1.0, 3.0], 2.0), 6)
    50.0
    """
    if len(values) == 0:
        return 0.0
    if mean == 0:
        return float("inf")
    arr = np.asarray(values, np.float64)
    return float(np.sqrt(np.mean((arr - mean) ** 2)) / mean * 100)


@dataclass(frozen=True)
class Stats:
    """One metric in milliseconds, as trtexec reports it: min, max, mean, median, percentiles and the coefficient
    of variance (percent)."""

    min: float
    max: float
    mean: float
    median: float
    percentiles: dict[float, float]
    coeff_var: float

    @classmethod
    def of(cls, ms: Sequence[float], percentiles: Sequence[float] = DEFAULT_PERCENTILES) -> "Stats":
        """Statistics of per-query times in milliseconds.

        >>> Stats.of([1.0, 3.0]).mean
        2.0
        """
        values = sorted(float(v) for v in ms)
        if not values:
            raise ArgumentError("no timed queries to report")
        mean = float(np.mean(values))
        return cls(values[0], values[-1], mean, median(values), {float(p): nearest_rank(values, p)
                                                               for p in percentiles},
                   coefficient_of_variance(values, mean))

    def line(self) -> str:
        """trtexec's one-line form: ``min = 1 ms, max = 2 ms, mean = ..., median = ..., percentile(90%) = ...``.

        >>> Stats.of([1.0, 2.0], [50]).line()
        'min = 1 ms, max = 2 ms, mean = 1.5 ms, median = 1.5 ms, percentile(50%) = 1 ms'
        """
        text = f"min = {self.min:g} ms, max = {self.max:g} ms, mean = {self.mean:g} ms, median = {self.median:g} ms"
        return text + "".join(f", percentile({p:g}%) = {v:g} ms" for p, v in self.percentiles.items())


@dataclass(frozen=True)
class QueryTrace:
    """One query's timestamps in milliseconds since the benchmark started (trtexec's ``InferenceTrace``)."""

    stream: int
    enq_start: float
    enq_end: float
    h2d_start: float
    h2d_end: float
    compute_start: float
    compute_end: float
    d2h_start: float
    d2h_end: float

    @property
    def enq(self) -> float:
        return self.enq_end - self.enq_start

    @property
    def h2d(self) -> float:
        return self.h2d_end - self.h2d_start

    @property
    def compute(self) -> float:
        return self.compute_end - self.compute_start

    @property
    def d2h(self) -> float:
        return self.d2h_end - self.d2h_start

    @property
    def latency(self) -> float:
        """trtexec's Latency: H2D + GPU Compute + D2H."""
        return self.h2d + self.compute + self.d2h

    def to_json(self) -> dict[str, float]:
        """The object trtexec's ``--exportTimes`` writes for one query.

        >>> sorted(QueryTrace(0, 0, 1, 0, 1, 1, 3, 3, 4).to_json())[:2]
        ['computeMs', 'd2hMs']
        """
        return {"startEnqMs": self.enq_start, "endEnqMs": self.enq_end, "startH2dMs": self.h2d_start,
                "endH2dMs": self.h2d_end, "startComputeMs": self.compute_start, "endComputeMs": self.compute_end,
                "startD2hMs": self.d2h_start, "endD2hMs": self.d2h_end, "h2dMs": self.h2d,
                "computeMs": self.compute, "d2hMs": self.d2h, "latencyMs": self.latency}


@dataclass(frozen=True)
class BenchReport:
    """One benchmark, trtexec's numbers: ``throughput`` is queries per second; ``batch`` samples per query."""

    model: str
    backend: str
    batch: int
    warmup_queries: int
    warmup_ms: float
    queries: int
    total_host_walltime: float  # seconds
    throughput: float
    latency: Stats
    enqueue: Stats
    h2d: Stats
    compute: Stats
    d2h: Stats
    total_compute_time: float  # seconds
    inf_streams: int = 1
    cuda_graph: bool = False
    gpu_timed: bool = False  # H2D / compute / D2H from CUDA events (else host times of a synchronous call)
    enqueue_separate: bool = False  # Enqueue Time measured apart from waiting for the query
    notes: tuple[str, ...] = ()
    trace: tuple[QueryTrace, ...] = field(default=(), repr=False)

    def warnings(self) -> list[str]:
        """trtexec's warnings, for the measurements that can support them.

        >>> report.warnings()  # doctest: +SKIP
        ['* GPU compute time is unstable, with coefficient of variance = 7.1%.', ...]
        """
        out: list[str] = []
        if self.enqueue_separate and self.enqueue.median > ENQUEUE_BOUND_THRESHOLD * self.compute.median:
            out += ["* Throughput may be bound by Enqueue Time rather than GPU Compute and the GPU may be "
                    "under-utilized.", "  If you are using --noCudaGraph, removing it may increase throughput."]
        for stats, what, side in ((self.h2d, "host-to-device", "inputs"), (self.d2h, "device-to-host", "outputs")):
            if self.gpu_timed and stats.median >= self.compute.median:
                out += [f"* Throughput may be bound by {what} transfers for the {side} rather than GPU Compute and "
                        "the GPU may be under-utilized.",
                        "  Pass device arrays (output_device='cuda') to keep the data on the GPU."]
        if self.compute.coeff_var > UNSTABLE_CV_THRESHOLD:
            label = "GPU compute" if self.gpu_timed else "Compute"
            out += [f"* {label} time is unstable, with coefficient of variance = {self.compute.coeff_var:g}%.",
                    "  If not already in use, locking GPU clock frequency may improve the stability."
                    if self.gpu_timed else "  Other work on the host's cores may be disturbing the measurement."]
        if self.inf_streams > 1:
            out += ["* Multiple inference streams are used. Latencies may not be accurate since inferences may run "
                    "in parallel. Please use \"Throughput\" as the performance metric instead."]
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for ``--json`` (without the per-query trace; ``--exportTimes`` writes that)."""
        d = asdict(self)
        d.pop("trace")
        for key in ("latency", "enqueue", "h2d", "compute", "d2h"):
            d[key]["percentiles"] = {f"{p:g}": v for p, v in d[key]["percentiles"].items()}
        d["warnings"] = self.warnings()
        return d

    def summary(self) -> str:
        """trtexec's prolog and ``=== Performance summary ===`` block, then its warnings (``[W]`` lines).

        >>> print(report.summary())  # doctest: +SKIP
        """
        lines = [f"Warmup completed {self.warmup_queries} queries over {self.warmup_ms:g} ms",
                 f"Timing trace has {self.queries} queries over {self.total_host_walltime:g} s", "",
                 "=== Performance summary ===",
                 f"Throughput: {self.throughput:g} qps" + (f" ({self.throughput * self.batch:g} inferences/s at "
                                                           f"batch {self.batch})" if self.batch != 1 else ""),
                 f"Latency: {self.latency.line()}", f"Enqueue Time: {self.enqueue.line()}",
                 f"H2D Latency: {self.h2d.line()}", f"GPU Compute Time: {self.compute.line()}",
                 f"D2H Latency: {self.d2h.line()}", f"Total Host Walltime: {self.total_host_walltime:g} s",
                 f"Total GPU Compute Time: {self.total_compute_time:g} s"]
        lines += [f"[I] {n}" for n in self.notes]
        lines += [f"[W] {w}" for w in self.warnings()]
        return "\n".join(lines)


def summarize(trace: Sequence[QueryTrace], *, warmup_ms: float, percentiles: Sequence[float] = DEFAULT_PERCENTILES,
              batch: int = 1, model: str = "", backend: str = "", inf_streams: int = 1, cuda_graph: bool = False,
              gpu_timed: bool = False, enqueue_separate: bool = False, notes: Sequence[str] = ()) -> BenchReport:
    """trtexec's report of a trace (all queries, warm-up included): sorted by H2D start, warm-up dropped (compute
    started before ``warmup_ms``), then the statistics and totals.

    >>> t = [QueryTrace(0, s, s + 1, s, s, s, s + 2, s + 2, s + 2) for s in (0.0, 2.0, 4.0)]
    >>> summarize(t, warmup_ms=1).queries
    2
    """
    ordered = sorted(trace, key=lambda q: q.h2d_start)
    warmups = next((i for i, q in enumerate(ordered) if q.compute_start >= warmup_ms), len(ordered))
    timed = ordered[warmups:]
    if not timed:
        raise ArgumentError(f"no query finished after the {warmup_ms:g} ms warm-up; lower --warmUp or raise "
                            "--duration/--iterations")
    wall_ms = ordered[-1].d2h_end - timed[0].h2d_start
    stats = {k: Stats.of([getattr(q, k) for q in timed], percentiles) for k in ("latency", "enq", "h2d", "compute",
                                                                                  "d2h")}
    n = len(timed)
    return BenchReport(model=model, backend=backend, batch=batch, warmup_queries=warmups, warmup_ms=warmup_ms,
                       queries=n, total_host_walltime=wall_ms / 1e3,
                       throughput=n / wall_ms * 1e3 if wall_ms > 0 else float("inf"), latency=stats["latency"],
                       enqueue=stats["enq"], h2d=stats["h2d"], compute=stats["compute"], d2h=stats["d2h"],
                       total_compute_time=stats["compute"].mean * n / 1e3, inf_streams=inf_streams,
                       cuda_graph=cuda_graph, gpu_timed=gpu_timed, enqueue_separate=enqueue_separate,
                       notes=tuple(notes), trace=tuple(timed))


def export_times(path: str | Path, report: BenchReport) -> Path:
    """Writes the timed queries as trtexec's ``--exportTimes`` does (a JSON list, one object per query, keys
    ``startEnqMs`` ... ``latencyMs``), atomically.

    >>> export_times("times.json", report)  # doctest: +SKIP
    """
    from trtcore.files import write_file_atomic

    body = ",\n".join("  " + json.dumps(q.to_json()) for q in report.trace)
    return write_file_atomic(path, f"[\n{body}\n]\n".encode())


# -- measurement -------------------------------------------------------------------------------------------------
def benchmark(runner: Runner, feed: Mapping[str, Any], *, warmup_ms: float = 200.0, duration: float = 3.0,
              iterations: int = 10, percentiles: Sequence[float] = DEFAULT_PERCENTILES, inf_streams: int = 1,
              progress: Callable[[float], None] | None = None) -> BenchReport:
    """Benchmarks ``runner.infer(feed)`` with trtexec's ``--warmUp`` (ms), ``--duration`` (s, -1 = until Ctrl-C),
    ``--iterations`` and ``--infStreams`` meanings (see the module docstring) and returns the report.

    ``progress(fraction)`` is called as the timed phase advances (from the first stream's thread).

    >>> report = benchmark(trtcore.load("digits.onnx"), feed, duration=1)  # doctest: +SKIP
    >>> print(report.summary())  # doctest: +SKIP
    """
    if warmup_ms < 0 or iterations < 1 or inf_streams < 1 or not (duration >= 0 or duration == -1):
        raise ArgumentError(f"benchmark needs warmUp >= 0, duration >= 0 (or -1), iterations >= 1, infStreams >= 1; "
                            f"got {warmup_ms}, {duration}, {iterations}, {inf_streams}")
    for p in percentiles:
        if not 0 <= p <= 100:
            raise ArgumentError(f"--percentile: {p:g} is not in [0, 100]")
    runner.activate()
    runner.set_stage_timing(True)  # H2D / compute / D2H where the backend can time them (CUDA events)
    try:
        trace, gpu_timed = _measure(runner, dict(feed), warmup_ms, duration, iterations, inf_streams, progress)
    finally:
        runner.set_stage_timing(False)
    first = next(iter(feed.values()), None)
    batch = int(first.shape[0]) if first is not None and len(getattr(first, "shape", ())) else 1
    notes = []
    if not gpu_timed:
        notes.append(f"{runner.backend}: no GPU stage timing; GPU Compute Time is the host time of each synchronous "
                     "run, H2D/D2H are 0, Enqueue Time is the same call")
    else:
        notes.append("Enqueue Time is the host time of the synchronous infer call (it includes waiting), so "
                     "trtexec's enqueue-bound check is not made")
    return summarize(trace, warmup_ms=warmup_ms, percentiles=percentiles, batch=batch, model=runner.name,
                     backend=runner.backend, inf_streams=inf_streams,
                     cuda_graph=bool(getattr(runner, "cuda_graph", False)), gpu_timed=gpu_timed, notes=notes)


def _measure(runner: Runner, feed: dict[str, Any], warmup_ms: float, duration: float, iterations: int,
             streams: int, progress: Callable[[float], None] | None) -> tuple[list[QueryTrace], bool]:
    start = time.perf_counter()
    max_ms = float("inf") if duration == -1 else duration * 1e3 + warmup_ms
    traces: list[list[QueryTrace]] = [[] for _ in range(streams)]
    gpu: list[bool] = [True] * streams
    stop = threading.Event()
    errors: list[BaseException] = []

    def loop(s: int) -> None:
        done_ms, skip, i = 0.0, 0, 0
        try:
            while (i < iterations + skip or done_ms < max_ms) and not stop.is_set():
                t0 = (time.perf_counter() - start) * 1e3
                runner.infer(feed)
                t1 = (time.perf_counter() - start) * 1e3
                stages = runner.last_timings()
                if "compute" in stages:
                    h2d_end = t0 + stages.get("h2d", 0.0) * 1e3
                    c_end = h2d_end + stages["compute"] * 1e3
                    q = QueryTrace(s, t0, t1, t0, h2d_end, h2d_end, c_end, c_end, c_end + stages.get("d2h", 0.0) * 1e3)
                else:
                    gpu[s] = False
                    q = QueryTrace(s, t0, t1, t0, t0, t0, t1, t1, t1)
                traces[s].append(q)
                done_ms = max(done_ms, t1)
                if done_ms < warmup_ms and done_ms:
                    skip += 1
                i += 1
                if progress is not None and s == 0 and i % 16 == 0 and done_ms >= warmup_ms:
                    timed = i - skip
                    frac = timed / iterations if max_ms == float("inf") else min(
                        (done_ms - warmup_ms) / (max_ms - warmup_ms) if max_ms > warmup_ms else 1.0,
                        1.0) if timed >= iterations else timed / iterations
                    progress(min(frac, 1.0))
        except BaseException as e:  # re-raised in the caller's thread
            errors.append(e)
            stop.set()

    if streams == 1:
        loop(0)
    else:
        threads = [threading.Thread(target=loop, args=(s,), daemon=True) for s in range(streams)]
        for t in threads:
            t.start()
        try:
            for t in threads:
                while t.is_alive():
                    t.join(0.1)
        except BaseException:
            stop.set()
            for t in threads:
                t.join()
            raise
    if errors:
        raise errors[0]
    return [q for t in traces for q in t], all(gpu)
