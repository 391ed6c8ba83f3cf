"""``trtcore run``: one inference on random or given inputs; outputs to an .npz file or Polygraphy JSON.

``--save-outputs F.json`` writes Polygraphy's RunResults JSON and ``--save-inputs G.json`` its input JSON (what
``polygraphy run --save-outputs/--save-inputs`` write), so ``polygraphy run ... --load-outputs F.json`` and
``trtcore compare ... --load-outputs F.json`` can check against them; ``.npz`` files are numpy archives.

``--json`` prints one document: model, backend, time_ms, inputs and outputs (lists of {name, dtype, shape}),
inputs_file and outputs_file (the files written, or null).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from trtcore.cli._model_args import (
    add_engine_options,
    add_inputs,
    add_model,
    engine_options,
    make_feed,
)
from trtcore.errors import ArgumentError
from trtcore.files import check_target, write_file_atomic
from trtcore.runners import load


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("run", help="run a model once on random or .npy/.npz inputs and save the outputs",
                       description="Exit codes: 0 ok, 2 bad input, 3 TensorRT/GPU missing. --json keys: model, "
                                   "backend, time_ms, inputs, outputs, inputs_file, outputs_file.")
    add_model(p)
    add_engine_options(p)
    add_inputs(p)
    p.add_argument("-o", "--output", "--save-outputs", dest="output", type=Path, metavar="FILE",
                   help="write the outputs: .npz, or .json in Polygraphy's RunResults format")
    p.add_argument("--save-inputs", type=Path, metavar="FILE",
                   help="also write the inputs used: .npz, or .json in Polygraphy's input format")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout, for scripts")
    return p


def _tensors(arrays: dict[str, np.ndarray]) -> list[dict[str, object]]:
    return [{"name": k, "dtype": str(v.dtype), "shape": list(v.shape)} for k, v in arrays.items()]


def _check_target(path: Path, flag: str) -> None:
    if path.suffix.lower() not in (".npz", ".json"):
        raise ArgumentError(f"{flag} {path}: output files are .npz (numpy) or .json (Polygraphy)")
    check_target(path, flag)


def _save(path: Path, arrays: dict[str, np.ndarray], flag: str, *, label: str | None = None) -> None:
    """.npz: a numpy archive; .json: Polygraphy's RunResults (outputs, ``label`` = runner name) or input list."""
    if path.suffix.lower() == ".json":
        from trtcore.runners.compare import run_results, save_inputs, save_run_results

        if label is None:
            save_inputs(path, [arrays])
        else:
            save_run_results(path, run_results([(label, [arrays])]))
        return
    write_file_atomic(path, lambda f: np.savez(f, **arrays), what=flag)


def run(args: argparse.Namespace) -> int:
    for flag, target in (("-o", args.output), ("--save-inputs", args.save_inputs)):
        if target is not None:
            _check_target(target, flag)  # before the model loads, not after the work
    if any(t is not None and t.suffix.lower() == ".json" for t in (args.output, args.save_inputs)):
        from trtcore.runners.compare import polygraphy

        polygraphy()
    runner = load(args.model, args.backend, **engine_options(args))
    with runner:
        feed = make_feed(runner, args)
        start = time.perf_counter()
        outputs = runner.infer(feed)
        elapsed = time.perf_counter() - start
    if args.save_inputs:
        _save(args.save_inputs, feed, "--save-inputs")
    if args.output:
        _save(args.output, outputs, "-o", label=f"trtcore-{runner.backend}:{runner.name}")
    if args.json:
        from trtcore.cli import print_json

        print_json({"model": runner.name, "backend": runner.backend, "time_ms": elapsed * 1e3,
                    "inputs": _tensors(feed), "outputs": _tensors(outputs),
                    "inputs_file": args.save_inputs, "outputs_file": args.output})
        return 0
    print(f"{runner.name} on {runner.backend}: {elapsed * 1e3:.3f} ms")
    for name, arr in feed.items():
        print(f"  input  {name}: {arr.dtype} {arr.shape}")
    for name, arr in outputs.items():
        print(f"  output {name}: {arr.dtype} {arr.shape}")
    if args.save_inputs:
        print(f"inputs written to {args.save_inputs}")
    if args.output:
        print(f"outputs written to {args.output}")
    return 0
