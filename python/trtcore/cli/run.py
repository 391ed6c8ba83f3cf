"""``trtcore run``: one inference on random or given inputs; outputs to an .npz file."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from trtcore.cli._model_args import add_inputs, add_model, make_feed
from trtcore.errors import ArgumentError
from trtcore.files import check_target, write_file_atomic
from trtcore.runners import load


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("run", help="run a model once on random or .npy/.npz inputs and save the outputs",
                       description="Exit codes: 0 ok, 2 bad input, 3 TensorRT/GPU missing.")
    add_model(p)
    add_inputs(p)
    p.add_argument("-o", "--output", type=Path, help="write the outputs to this .npz file")
    p.add_argument("--save-inputs", type=Path, help="also write the inputs used to this .npz file")
    return p


def _save(path: Path, arrays: dict[str, np.ndarray], flag: str) -> None:
    if path.suffix.lower() != ".npz":
        raise ArgumentError(f"{flag} {path}: output files are .npz")
    write_file_atomic(path, lambda f: np.savez(f, **arrays), what=flag)


def run(args: argparse.Namespace) -> int:
    for flag, path in (("-o", args.output), ("--save-inputs", args.save_inputs)):
        if path is not None:  # checked before the model loads, not after the work
            if path.suffix.lower() != ".npz":
                raise ArgumentError(f"{flag} {path}: output files are .npz")
            check_target(path, flag)
    runner = load(args.model, args.backend)
    with runner:
        feed = make_feed(runner, args)
        start = time.perf_counter()
        outputs = runner.infer(feed)
        elapsed = time.perf_counter() - start
    print(f"{runner.name} on {runner.backend}: {elapsed * 1e3:.3f} ms")
    for name, arr in feed.items():
        print(f"  input  {name}: {arr.dtype} {arr.shape}")
    for name, arr in outputs.items():
        print(f"  output {name}: {arr.dtype} {arr.shape}")
    if args.save_inputs:
        _save(args.save_inputs, feed, "--save-inputs")
        print(f"inputs written to {args.save_inputs}")
    if args.output:
        _save(args.output, outputs, "-o")
        print(f"outputs written to {args.output}")
    return 0
