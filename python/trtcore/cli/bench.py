"""``trtcore bench``: trtexec's performance summary for any model and backend.

Flags mean what they mean in trtexec: --warmUp N ms of warm-up; then at least --iterations N queries and at least
--duration N seconds (-1: until Ctrl-C, no report); --infStreams N concurrent executors; --percentile P1,P2 by
trtexec's nearest-rank rule; --exportTimes FILE the per-query JSON trtexec writes. trtcore's default is no CUDA
graph (TensorRT 10's trtexec default), so each stage is timed; --useCudaGraph replays one (TensorRT only).
--dumpProfile prints, and --exportProfile FILE writes as trtexec does, each layer's time from TensorRT's profiler,
measured in a run of its own (--iterations queries) after the timed one, as trtexec's --separateProfileRun.

Exit codes: 0 ok, 2 bad input, 3 TensorRT/GPU missing, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from trtcore.bench import DEFAULT_PERCENTILES, benchmark, export_times
from trtcore.cli._model_args import add_engine_options, add_inputs, add_model, engine_options, make_feed
from trtcore.cli._profile import export_profile, format_profile, profile_layers
from trtcore.cli._progress import progress_bar
from trtcore.errors import ArgumentError, FileError
from trtcore.files import check_target
from trtcore.runners import ExecutorRunner, load


def _percentiles(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise ArgumentError(f"--percentile: expected comma-separated numbers in [0, 100], got {text!r}") from None
    bad = [v for v in values if not 0 <= v <= 100]
    if bad or not values:
        raise ArgumentError(f"--percentile: {bad[0] if bad else text!r} is not in [0, 100]")
    return values


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("bench", help="measure throughput and latency (trtexec's performance summary)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model(p)
    add_engine_options(p)
    add_inputs(p)
    g = p.add_argument_group("inference (trtexec's flags)")
    g.add_argument("--warmUp", "--warmup", dest="warmup", type=float, default=200, metavar="MS",
                   help="warm-up in milliseconds before measuring, >= 0 (default 200)")
    g.add_argument("--duration", type=float, default=3, metavar="S",
                   help="measure for at least S seconds, >= 0; -1 runs until Ctrl-C (default 3)")
    g.add_argument("--iterations", type=int, default=10, metavar="N",
                   help="run at least N timed queries per stream, >= 1 (default 10)")
    g.add_argument("--infStreams", "--streams", dest="inf_streams", type=int, default=1, metavar="N",
                   help="N executors running concurrently, each on its own thread, >= 1 (default 1)")
    graph = g.add_mutually_exclusive_group()
    graph.add_argument("--useCudaGraph", dest="cuda_graph", action="store_const", const=True, default=None,
                       help="capture the run as a CUDA graph and replay it (TensorRT; stage times not measured)")
    graph.add_argument("--noCudaGraph", dest="cuda_graph", action="store_const", const=False,
                       help="no CUDA graph (trtcore's default)")
    r = p.add_argument_group("reporting (trtexec's flags)")
    r.add_argument("--percentile", type=_percentiles, default=DEFAULT_PERCENTILES, metavar="P1,P2,...",
                   help="percentiles in [0, 100] to report, nearest rank (default 90,95,99)")
    r.add_argument("--exportTimes", dest="export_times", type=Path, metavar="FILE",
                   help="write each timed query's timestamps as JSON, as trtexec does")
    r.add_argument("--dumpProfile", dest="dump_profile", action="store_true",
                   help="print each layer's time (TensorRT's IProfiler; engines only), in a separate profile run")
    r.add_argument("--exportProfile", dest="export_profile", type=Path, metavar="FILE",
                   help="write each layer's time as trtexec's --exportProfile JSON (implies a profile run)")
    r.add_argument("--separateProfileRun", dest="separate_profile_run", action="store_true",
                   help="accepted for trtexec: trtcore always profiles in a run apart from the timed one")
    r.add_argument("--json", action="store_true", help="print the report as JSON (with --dumpProfile: its layers)")
    return p


def run(args: argparse.Namespace) -> int:
    for flag, value in (("--warmUp", args.warmup), ("--duration", args.duration), ("--iterations", args.iterations)):
        if value != value or value in (float("inf"), float("-inf")):  # NaN passes every < and > check below
            raise ArgumentError(f"{flag} must be a finite number, got {value}")
    if args.export_times is not None and not (args.export_times.parent.is_dir()):
        raise FileError(f"--exportTimes: {args.export_times}: folder {args.export_times.parent} does not exist")
    profiling = args.dump_profile or args.export_profile is not None
    if args.export_profile is not None:
        check_target(args.export_profile, "--exportProfile")
    runner = load(args.model, args.backend, activate=False, **engine_options(args))
    if profiling and runner.backend != "tensorrt":  # before the timed run, not after it
        raise ArgumentError(f"--dumpProfile/--exportProfile: per-layer times come from TensorRT's profiler; "
                            f"{runner.name} runs on {runner.backend} (give an engine, or --backend tensorrt)")
    notes = []
    if args.cuda_graph is not None:
        if isinstance(runner, ExecutorRunner):
            runner.cuda_graph = args.cuda_graph
        elif args.cuda_graph:
            notes.append(f"--useCudaGraph: {runner.backend} runs on the host; no CUDA graph is used")
    with runner:
        feed = make_feed(runner, args)
        with progress_bar(f"bench {runner.backend}", 100, enabled=not args.json and args.duration >= 1) as bar:
            def tick(fraction: float) -> None:
                if bar is not None:
                    bar.update(bar.task_ids[0], completed=int(fraction * 100))
            report = benchmark(runner, feed, warmup_ms=args.warmup, duration=args.duration,
                               iterations=args.iterations, percentiles=args.percentile,
                               inf_streams=args.inf_streams, progress=tick)
        profile = profile_layers(runner, feed, args.iterations) if profiling else None
    if args.export_times is not None:
        export_times(args.export_times, report)
    if args.export_profile is not None and profile is not None:
        export_profile(args.export_profile, profile)
    if args.json:
        extra = {"profile": profile} if args.dump_profile else {}
        print(json.dumps({**report.to_dict(), "notes": list(report.notes) + notes, **extra}, indent=2))
    else:
        print(f"{report.model} on {report.backend}, inputs: "
              + ", ".join(f"{k} {v.dtype} {v.shape}" for k, v in feed.items()))
        for n in notes:
            print(f"[W] {n}")
        print(report.summary())
        if args.export_times is not None:
            print(f"[I] per-query times written to {args.export_times}")
        if args.dump_profile and profile is not None:
            print(format_profile(profile))
        if args.export_profile is not None:
            print(f"[I] per-layer profile written to {args.export_profile}")
    return 0
