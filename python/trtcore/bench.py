"""Latency/throughput measurement for any runner, reported like trtexec's "Performance summary"."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from trtcore.errors import ArgumentError
from trtcore.runners.base import Runner


@dataclass(frozen=True)
class Stats:
    """Milliseconds: min, max, mean, median and percentiles, like trtexec prints them."""

    min: float
    max: float
    mean: float
    median: float
    p90: float
    p95: float
    p99: float

    @classmethod
    def of(cls, seconds: np.ndarray) -> "Stats":
        """Statistics of per-query times given in seconds.

        >>> Stats.of(np.array([0.001, 0.003])).mean
        2.0
        """
        ms = np.asarray(seconds, np.float64) * 1e3
        p = np.percentile(ms, [50, 90, 95, 99])
        return cls(float(ms.min()), float(ms.max()), float(ms.mean()), float(p[0]), float(p[1]), float(p[2]),
                   float(p[3]))

    def line(self) -> str:
        """trtexec's one-line form: ``min = ... ms, max = ... ms, mean = ..., percentile(99%) = ... ms``."""
        return (f"min = {self.min:.5g} ms, max = {self.max:.5g} ms, mean = {self.mean:.5g} ms, median = "
                f"{self.median:.5g} ms, percentile(90%) = {self.p90:.5g} ms, percentile(95%) = {self.p95:.5g} ms, "
                f"percentile(99%) = {self.p99:.5g} ms")


@dataclass(frozen=True)
class BenchReport:
    """One benchmark: ``throughput`` is queries (infer calls) per second; ``batch`` samples per query."""

    model: str
    backend: str
    batch: int
    queries: int
    total_host_walltime: float
    throughput: float
    latency: Stats
    h2d: Stats | None = None
    compute: Stats | None = None
    d2h: Stats | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for ``--json``."""
        return asdict(self)

    def summary(self) -> str:
        """trtexec's ``=== Performance summary ===`` block.

        >>> print(report.summary())  # doctest: +SKIP
        """
        lines = ["=== Performance summary ===",
                 f"Throughput: {self.throughput:.5g} qps ({self.throughput * self.batch:.5g} inferences/s at "
                 f"batch {self.batch})",
                 f"Latency: {self.latency.line()}"]
        for label, stats in (("H2D Latency", self.h2d), ("GPU Compute Time", self.compute),
                             ("D2H Latency", self.d2h)):
            lines.append(f"{label}: {stats.line()}" if stats else f"{label}: not measurable on {self.backend}")
        lines.append(f"Total Host Walltime: {self.total_host_walltime:.5g} s")
        lines.append(f"Total Queries: {self.queries}")
        return "\n".join(lines)


def benchmark(runner: Runner, feed: Mapping[str, np.ndarray], *, warmup: float = 0.2, duration: float = 3.0,
              iterations: int = 10, progress: Callable[[float], None] | None = None) -> BenchReport:
    """Runs ``runner.infer(feed)`` for ``warmup`` seconds, then for at least ``duration`` seconds and
    ``iterations`` queries (trtexec's ``--warmUp``/``--duration``/``--iterations``) and reports latency.

    ``progress(fraction)`` is called as the timed phase advances.

    >>> report = benchmark(trtcore.load("digits.onnx"), feed, duration=1)  # doctest: +SKIP
    >>> report.throughput > 0  # doctest: +SKIP
    True
    """
    if duration < 0 or warmup < 0 or iterations < 1:
        raise ArgumentError(f"benchmark needs warmup >= 0, duration >= 0, iterations >= 1; got {warmup}, "
                            f"{duration}, {iterations}")
    runner.set_stage_timing(True)  # H2D / compute / D2H where the backend can time them (CUDA events)
    try:
        return _measure(runner, feed, warmup, duration, iterations, progress)
    finally:
        runner.set_stage_timing(False)


def _measure(runner: Runner, feed: dict[str, np.ndarray], warmup: float, duration: float, iterations: int,
             progress: Callable[[float], None] | None) -> BenchReport:
    end = time.perf_counter() + warmup
    while time.perf_counter() < end:
        runner.infer(feed)
    lat: list[float] = []
    stages: dict[str, list[float]] = {"h2d": [], "compute": [], "d2h": []}
    start = time.perf_counter()
    stop = start + duration
    now = start
    while now < stop or len(lat) < iterations:
        t0 = time.perf_counter()
        runner.infer(feed)
        now = time.perf_counter()
        lat.append(now - t0)
        for key, value in runner.last_timings().items():
            if key in stages:
                stages[key].append(value)
        if progress is not None and len(lat) % 16 == 0:
            progress(min(1.0, (now - start) / duration) if duration else len(lat) / iterations)
    total = time.perf_counter() - start
    first = next(iter(feed.values()), None)
    batch = int(first.shape[0]) if first is not None and first.ndim else 1
    per = {k: Stats.of(np.array(v)) if len(v) == len(lat) else None for k, v in stages.items()}
    return BenchReport(runner.name, runner.backend, batch, len(lat), total, len(lat) / total,
                       Stats.of(np.array(lat)), per["h2d"], per["compute"], per["d2h"])
