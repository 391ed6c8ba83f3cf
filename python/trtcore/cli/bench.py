"""``trtcore bench``: trtexec's performance summary for any model and backend."""

from __future__ import annotations

import argparse
import json

from trtcore.bench import benchmark
from trtcore.errors import ArgumentError
from trtcore.cli._model_args import add_inputs, add_model, make_feed
from trtcore.cli._progress import progress_bar
from trtcore.runners import load


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("bench", help="measure throughput and latency (trtexec's performance summary)",
                       description="Exit codes: 0 ok, 2 bad input, 3 TensorRT/GPU missing.")
    add_model(p)
    add_inputs(p)
    p.add_argument("--warmUp", "--warmup", dest="warmup", type=float, default=200,
                   help="warm-up in milliseconds (default 200)")
    p.add_argument("--duration", type=float, default=3, help="minimum timed seconds (default 3)")
    p.add_argument("--iterations", type=int, default=10, help="minimum timed queries (default 10)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    return p


def run(args: argparse.Namespace) -> int:
    for flag, value in (("--warmUp", args.warmup), ("--duration", args.duration), ("--iterations", args.iterations)):
        if value != value or value in (float("inf"), float("-inf")):  # NaN passes every < and > check below
            raise ArgumentError(f"{flag} must be a finite number, got {value}")
    with load(args.model, args.backend) as runner:
        feed = make_feed(runner, args)
        with progress_bar(f"bench {runner.backend}", 100, enabled=not args.json and args.duration >= 1) as bar:
            def tick(fraction: float) -> None:
                if bar is not None:
                    bar.update(bar.task_ids[0], completed=int(fraction * 100))
            report = benchmark(runner, feed, warmup=args.warmup / 1e3, duration=args.duration,
                               iterations=args.iterations, progress=tick)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(f"{report.model} on {report.backend}, inputs: "
              + ", ".join(f"{k} {v.dtype} {v.shape}" for k, v in feed.items()))
        print(report.summary())
    return 0
