"""trtcore.bench: trtexec's statistics, loop and report against hand-computed examples."""

from __future__ import annotations

import json

import numpy as np
import pytest

from trtcore.bench import (BenchReport, QueryTrace, Stats, benchmark, coefficient_of_variance, export_times, median,
                           nearest_rank, summarize)
from trtcore.errors import ArgumentError
from trtcore.runners.base import Runner, TensorInfo

TEN = [float(v) for v in range(1, 11)]  # 1..10 ms


def test_nearest_rank_is_trtexecs_rule_not_interpolation():
    # index = max(n - 1 - int((1 - p/100) * n), 0) in float32
    assert nearest_rank(TEN, 90) == 9.0  # exclude int(0.1*10)=1 -> index 8; numpy would say 9.1
    assert nearest_rank(TEN, 95) == 10.0  # exclude int(0.5)=0 -> index 9
    assert nearest_rank(TEN, 50) == 5.0  # exclude 5 -> index 4 (the median is 5.5)
    assert nearest_rank(TEN, 0) == 1.0 and nearest_rank(TEN, 100) == 10.0
    hundred = [float(v) for v in range(1, 101)]
    # float32: 1 - 0.99f = 0.00999999 -> 0.999999 * 100 -> int 0 -> index 99 (double arithmetic would give 98)
    assert nearest_rank(hundred, 99) == 100.0
    assert nearest_rank([], 90) == float("inf")
    with pytest.raises(ArgumentError):
        nearest_rank(TEN, 101)


def test_median_mean_and_coefficient_of_variance():
    assert median([1.0, 2.0, 4.0, 10.0]) == 3.0 and median([1.0, 5.0, 7.0]) == 5.0
    # values 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population std 2 -> 40 %
    assert coefficient_of_variance([2, 4, 4, 4, 5, 5, 7, 9], 5.0) == pytest.approx(40.0)
    assert coefficient_of_variance([], 0) == 0 and coefficient_of_variance([0.0], 0.0) == float("inf")
    s = Stats.of([4.0, 1.0, 3.0, 2.0], [25, 75])
    assert (s.min, s.max, s.mean, s.median) == (1.0, 4.0, 2.5, 2.5)
    assert s.percentiles == {25.0: 1.0, 75.0: 3.0}  # exclude int(0.75*4)=3 -> idx 0; int(0.25*4)=1 -> idx 2
    assert s.line() == ("min = 1 ms, max = 4 ms, mean = 2.5 ms, median = 2.5 ms, percentile(25%) = 1 ms, "
                        "percentile(75%) = 3 ms")


def _query(start: float, h2d: float, compute: float, d2h: float, enq: float | None = None, stream: int = 0):
    c0 = start + h2d
    return QueryTrace(stream, start, start + (enq if enq is not None else h2d + compute + d2h), start, c0, c0,
                      c0 + compute, c0 + compute, c0 + compute + d2h)


def test_summarize_drops_warmup_and_totals_like_trtexec():
    # queries every 10 ms, 1 ms H2D + 4 ms compute + 1 ms D2H; the first starts computing at 1 ms (< 15: warm-up)
    trace = [_query(10.0 * i, 1, 4, 1) for i in range(5)][::-1]  # any order: sorted by H2D start
    r = summarize(trace, warmup_ms=15, batch=4, percentiles=[50])
    assert r.warmup_queries == 2 and r.queries == 3
    assert r.total_host_walltime == pytest.approx((46 - 20) / 1e3)  # last D2H end - first timed H2D start
    assert r.throughput == pytest.approx(3 / 0.026)
    assert r.latency.mean == pytest.approx(6) and r.compute.median == pytest.approx(4)
    assert r.total_compute_time == pytest.approx(3 * 4 / 1e3)
    text = r.summary()
    for line in ("Warmup completed 2 queries over 15 ms", "Timing trace has 3 queries over 0.026 s",
                 "=== Performance summary ===", "Throughput: 115.385 qps (461.538 inferences/s at batch 4)",
                 "Enqueue Time: min = 6 ms", "Total Host Walltime: 0.026 s", "Total GPU Compute Time: 0.012 s",
                 "GPU Compute Time: min = 4 ms, max = 4 ms, mean = 4 ms, median = 4 ms, percentile(50%) = 4 ms"):
        assert line in text
    with pytest.raises(ArgumentError, match="warm-up"):
        summarize(trace, warmup_ms=1000)


def test_trtexec_warnings():
    stable = [_query(10.0 * i, 1, 4, 1) for i in range(4)]
    assert summarize(stable, warmup_ms=0, gpu_timed=True).warnings() == []
    h2d_bound = [_query(10.0 * i, 5, 4, 1) for i in range(4)]
    assert any("host-to-device" in w for w in summarize(h2d_bound, warmup_ms=0, gpu_timed=True).warnings())
    d2h_bound = [_query(10.0 * i, 1, 4, 4) for i in range(4)]
    assert any("device-to-host" in w for w in summarize(d2h_bound, warmup_ms=0, gpu_timed=True).warnings())
    enq_bound = [_query(10.0 * i, 1, 4, 1, enq=3.5) for i in range(4)]  # 3.5 > 0.8 * 4
    assert any("bound by Enqueue Time" in w for w in
               summarize(enq_bound, warmup_ms=0, gpu_timed=True, enqueue_separate=True).warnings())
    assert not summarize(enq_bound, warmup_ms=0, gpu_timed=True).warnings()  # enqueue includes the wait: no check
    # compute 4, 4, 4, 4.5: mean 4.125, std 0.2165 -> 5.25 % > 2.5 %
    unstable = [_query(10.0 * i, 1, c, 1) for i, c in enumerate((4, 4, 4, 4.5))]
    r = summarize(unstable, warmup_ms=0, gpu_timed=True, inf_streams=2)
    assert r.compute.coeff_var == pytest.approx(5.2486, rel=1e-3)
    text = "\n".join(r.warnings())
    assert "GPU compute time is unstable, with coefficient of variance = 5.24" in text
    assert "Multiple inference streams are used" in text


def test_export_times_has_trtexecs_fields(tmp_path):
    r = summarize([_query(10.0 * i, 1, 4, 1) for i in range(3)], warmup_ms=5)
    export_times(tmp_path / "t.json", r)
    rows = json.loads((tmp_path / "t.json").read_text())
    assert len(rows) == 2  # warm-up queries are not exported
    assert list(rows[0]) == ["startEnqMs", "endEnqMs", "startH2dMs", "endH2dMs", "startComputeMs", "endComputeMs",
                             "startD2hMs", "endD2hMs", "h2dMs", "computeMs", "d2hMs", "latencyMs"]
    assert rows[0]["startH2dMs"] == 10 and rows[0]["endComputeMs"] == 15 and rows[0]["latencyMs"] == 6


class Timed(Runner):
    """A host runner that reports stage times, as the TensorRT executor does with CUDA events."""

    backend = "timed"

    def __init__(self) -> None:
        super().__init__("timed")
        self.timing_calls: list[bool] = []

    def activate_impl(self) -> None: ...
    def deactivate_impl(self) -> None: ...

    def input_metadata_impl(self):
        return [TensorInfo("x", "float32", [2])]

    def output_metadata_impl(self):
        return [TensorInfo("y", "float32", [2], io="output")]

    def infer_impl(self, feed, *, cast, output_device):
        return {"y": feed["x"]}

    def set_stage_timing(self, on: bool) -> None:
        self.timing_calls.append(on)

    def last_timings(self):
        return {"h2d": 1e-6, "compute": 3e-6, "d2h": 2e-6} if self.timing_calls[-1] else {}


def test_benchmark_loop_iterations_streams_and_stage_times():
    r = Timed().activate()
    report = benchmark(r, {"x": np.zeros(2, np.float32)}, warmup_ms=0, duration=0, iterations=5)
    assert r.timing_calls == [True, False]  # switched on for the measurement only
    assert report.queries == 5 and report.gpu_timed
    assert report.compute.mean == pytest.approx(3e-3) and report.h2d.median == pytest.approx(1e-3)  # ms
    assert report.latency.mean == pytest.approx(6e-3)
    two = benchmark(r, {"x": np.zeros(2, np.float32)}, warmup_ms=0, duration=0, iterations=7, inf_streams=2)
    assert two.queries == 14 and {q.stream for q in two.trace} == {0, 1}
    # A warm-up long enough that a loaded machine still finishes queries inside it (a 20 ms one sometimes did not).
    timed = benchmark(r, {"x": np.zeros(2, np.float32)}, warmup_ms=200, duration=0.05, iterations=3)
    # The loop ran until warm-up + duration had passed (trtexec's rule). Total Host Walltime starts at the first
    # timed query, so on a loaded machine it can be a query shorter than the duration: not asserted.
    assert timed.warmup_queries > 0 and max(q.enq_end for q in timed.trace) >= 200 + 50
    assert 0 < timed.total_host_walltime <= max(q.enq_end for q in timed.trace) / 1e3
    assert all(q.compute_start >= 200 for q in timed.trace)
    for bad in (dict(iterations=0), dict(duration=-2), dict(inf_streams=0), dict(percentiles=[101])):
        with pytest.raises(ArgumentError):
            benchmark(r, {"x": np.zeros(2, np.float32)}, **bad)
    assert isinstance(report, BenchReport)
