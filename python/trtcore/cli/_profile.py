"""``trtcore bench --dumpProfile / --exportProfile``: per-layer times from TensorRT's IProfiler, reported as trtexec
reports them (its table, its JSON). The C++ side is cpp/tensorrt/profiler.cpp (``_core.LayerProfiler``).

Unlike trtexec without ``--separateProfileRun``, the profile always comes from a run of its own after the timed
one: the profiler synchronizes after every layer, which would distort the performance summary.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from trtcore.errors import ArgumentError


def profile_layers(runner: Any, feed: dict[str, Any], runs: int) -> dict[str, Any]:
    """Runs ``feed`` ``runs`` times on a new context of ``runner``'s engine with a profiler attached; returns
    :func:`profile_report` of what TensorRT reported.

    >>> profile_layers(trtcore.load("m.engine"), feed, runs=10)["layers"][0]["name"]  # doctest: +SKIP
    'conv1 + relu1'
    """
    from trtcore import _core, runtime

    engine = getattr(runner, "engine", None)
    if getattr(runner, "backend", None) != "tensorrt" or engine is None:
        raise ArgumentError(f"--dumpProfile/--exportProfile: per-layer times come from TensorRT's profiler; "
                            f"{getattr(runner, 'name', 'the model')} runs on {getattr(runner, 'backend', '?')} "
                            "(give an engine, or --backend tensorrt)")
    profiler = _core.LayerProfiler()
    context = engine.create_context(0)
    context.set_profiler(profiler)
    executor = runtime.new_executor(context)  # no CUDA graph: TensorRT profiles enqueueV3 calls
    for _ in range(max(1, runs)):
        executor.infer(feed)
    context.set_profiler(None)
    return profile_report(profiler.layers(), profiler.runs)


def _median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else 0.0


def profile_report(layers: list[tuple[str, list[float]]], runs: int) -> dict[str, Any]:
    """trtexec's per-layer statistics (samples/common/sampleReporting.h, class Profiler): total, average and median
    milliseconds and share of the total per layer, and the same for the whole run.

    >>> profile_report([("a", [1.0, 3.0]), ("b", [1.0, 1.0])], 2)["layers"][0]
    {'name': 'a', 'timeMs': 4.0, 'averageMs': 2.0, 'medianMs': 2.0, 'percentage': 66.66666666666667}
    """
    total = sum(sum(ms) for _, ms in layers)
    rows = [{"name": name, "timeMs": sum(ms), "averageMs": sum(ms) / len(ms) if ms else 0.0,
             "medianMs": _median(ms), "percentage": sum(ms) / total * 100 if total else 0.0}
            for name, ms in layers]
    per_run = [sum(ms[i] for _, ms in layers if i < len(ms)) for i in range(len(layers[0][1]))] if layers else []
    return {"count": int(runs), "layers": rows,
            "total": {"timeMs": total, "averageMs": total / runs if runs else 0.0, "medianMs": _median(per_run)}}


def format_profile(report: dict[str, Any]) -> str:
    """trtexec's ``--dumpProfile`` table: time, average, median, share and name per layer, then the total."""
    heads = ("   Time(ms)", "     Avg.(ms)", "   Median(ms)", "   Time(%)")
    widths = [len(h) for h in heads]
    lines = [f"=== Profile ({report['count']} iterations ) ===", "".join(heads) + "   Layer"]

    def row(time: float, avg: float, median: float, share: float, name: str) -> str:
        return (f"{time:>{widths[0]}.2f}{avg:>{widths[1]}.4f}{median:>{widths[2]}.4f}{share:>{widths[3]}.1f}"
                f"   {name}")
    for layer in report["layers"]:
        if layer["timeMs"] == 0:  # as trtexec: a layer that did not run has nothing to show
            continue
        lines.append(row(layer["timeMs"], layer["averageMs"], layer["medianMs"], layer["percentage"], layer["name"]))
    t = report["total"]
    lines.append(row(t["timeMs"], t["averageMs"], t["medianMs"], 100.0, "Total"))
    return "\n".join(lines)


def export_profile(path: Path, report: dict[str, Any]) -> None:
    """trtexec's ``--exportProfile`` JSON: ``[{"count": N}, {"name", "timeMs", "averageMs", "medianMs",
    "percentage"}, ...]``, written atomically."""
    from trtcore.files import write_file_atomic

    document = [{"count": report["count"]}, *report["layers"]]
    write_file_atomic(path, (json.dumps(document, indent=2) + "\n").encode(), what="--exportProfile")
