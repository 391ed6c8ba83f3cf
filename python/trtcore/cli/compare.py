"""``trtcore compare``: run a model on two backends (or two models) on the same inputs and check the outputs.

Exit codes: 0 all outputs within tolerance (PASSED), 1 a mismatch (FAILED), 2 bad input, 3 TensorRT/GPU missing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from trtcore.cli import EXIT_FAILED, EXIT_OK
from trtcore.cli._model_args import add_inputs, make_feed
from trtcore.errors import ArgumentError
from trtcore.runners import BACKENDS, ENGINE_SUFFIXES, load
from trtcore.runners.compare import compare_outputs


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("compare", help="compare outputs of two backends or two models (PASS/FAIL, exit 1 on FAIL)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", type=Path, help="model to check (.engine, .plan or .onnx)")
    p.add_argument("reference", type=Path, nargs="?",
                   help="reference model (default: MODEL itself; give the .onnx when MODEL is an engine)")
    p.add_argument("--backend", choices=BACKENDS, default="tensorrt", help="backend for MODEL (default tensorrt)")
    p.add_argument("--ref-backend", choices=BACKENDS, default="onnxruntime",
                   help="backend for the reference (default onnxruntime)")
    p.add_argument("--atol", type=float, default=1e-5, help="absolute tolerance (default 1e-5)")
    p.add_argument("--rtol", type=float, default=1e-5, help="relative tolerance (default 1e-5)")
    add_inputs(p)
    return p


def run(args: argparse.Namespace) -> int:
    if not (args.atol >= 0 and args.rtol >= 0):  # NaN too: every "diff > nan" is False, so all would pass
        raise ArgumentError(f"--atol and --rtol must be >= 0, got {args.atol}, {args.rtol}")
    reference = args.reference or args.model
    if reference.suffix.lower() in ENGINE_SUFFIXES and args.ref_backend == "onnxruntime":
        raise ArgumentError(f"{reference}: an engine cannot be the ONNX Runtime reference; give the ONNX file: "
                            f"trtcore compare {args.model} model.onnx")
    with load(args.model, args.backend) as runner, load(reference, args.ref_backend) as ref:
        feed = make_feed(runner, args)
        got = runner.infer(feed)
        expected = ref.infer(feed)
    print(f"[I] {runner.name} ({runner.backend}) vs {ref.name} ({ref.backend}), inputs: "
          + ", ".join(f"{k} {v.dtype} {v.shape}" for k, v in feed.items()))
    results = compare_outputs(got, expected, args.atol, args.rtol)
    for r in results:
        for line in r.lines(args.atol, args.rtol):
            print(("[E] " if "FAILED" in line else "[I] ") + line)
    failed = [r.name for r in results if not r.passed]
    if failed:
        print(f"[E] FAILED | Mismatched outputs: {failed}")
        return EXIT_FAILED
    print(f"[I] PASSED | All outputs matched | Outputs: {[r.name for r in results]}")
    return EXIT_OK
