"""``trtcore compare``: check a model's outputs against another backend, another model, or saved outputs.

The comparison is Polygraphy's own (pip install 'trtcore[compare]'): its tolerances, error statistics, NaN/inf
rules and PASSED/FAILED report. Files are Polygraphy's JSON formats, so these work both ways:
  polygraphy run m.onnx --onnxrt --save-outputs ref.json --save-inputs in.json
  trtcore compare m.onnx --load-outputs ref.json --load-inputs in.json

With no backend flags, MODEL runs on TensorRT and the reference on ONNX Runtime (with --load-outputs, MODEL runs
on the best backend here). Without --atol/--rtol the tolerance fits the precision compared (1e-5 for fp32, 1e-3
for fp16, 1e-2 for bf16) and is stated in the output.

Exit codes: 0 all outputs within tolerance (PASSED), 1 a mismatch (FAILED), 2 bad input, 3 TensorRT, a GPU or
Polygraphy missing.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from trtcore.cli import EXIT_FAILED, EXIT_OK
from trtcore.cli._model_args import add_engine_options, add_inputs, engine_options, make_feed
from trtcore.errors import ArgumentError
from trtcore.runners import BACKENDS, ENGINE_SUFFIXES, Runner, load
from trtcore.runners.compare import (ERROR_STATS, CompareSettings, compare_runs, default_tolerance, load_inputs,
                                     load_run_results, parse_tolerances, polygraphy, run_results)


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("compare", help="compare outputs with another backend, model or saved outputs (PASS/FAIL)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", type=Path, help="model to check (.engine, .plan or .onnx)")
    p.add_argument("reference", type=Path, nargs="?",
                   help="reference model (default: MODEL itself; give the .onnx when MODEL is an engine)")
    p.add_argument("--backend", choices=BACKENDS, default=None,
                   help="backend for MODEL (default tensorrt; auto with --load-outputs)")
    p.add_argument("--ref-backend", choices=BACKENDS, default="onnxruntime",
                   help="backend for the reference model (default onnxruntime)")
    add_engine_options(p)  # for MODEL
    g = p.add_argument_group("tolerances (Polygraphy's syntax and rules)")
    g.add_argument("--atol", nargs="+", metavar="[OUT:]TOL",
                   help="absolute tolerance, per output: --atol y:1e-3 1e-5 (default by precision)")
    g.add_argument("--rtol", nargs="+", metavar="[OUT:]TOL",
                   help="relative tolerance (to the reference), per output like --atol (default by precision)")
    g.add_argument("--check-error-stat", nargs="+", metavar="[OUT:]STAT",
                   help=f"error statistic checked, per output: {', '.join(ERROR_STATS)} (default elemwise: an "
                        "element fails when it exceeds both atol and rtol)")
    g.add_argument("--error-quantile", nargs="+", metavar="[OUT:]Q",
                   help="quantile in [0, 1] for --check-error-stat quantile, per output (default 0.99)")
    g.add_argument("--infinities-compare-equal", action="store_true",
                   help="equal infinities in both outputs count as a match (default: they mismatch)")
    g.add_argument("--fail-fast", action="store_true", help="stop at the first output that fails")
    f = p.add_argument_group("Polygraphy files")
    f.add_argument("--load-outputs", nargs="+", type=Path, metavar="FILE",
                   help="reference outputs: RunResults JSON (polygraphy run / trtcore run --save-outputs)")
    f.add_argument("--load-inputs", type=Path, metavar="FILE",
                   help="inputs: Polygraphy input JSON (polygraphy run / trtcore run --save-inputs), one feed per "
                        "iteration")
    add_inputs(p)
    return p


def _settings(args: argparse.Namespace, dtypes: list[str], precision: str | None) -> CompareSettings:
    atol = parse_tolerances(args.atol, "--atol")
    rtol = parse_tolerances(args.rtol, "--rtol")
    stat = parse_tolerances(args.check_error_stat, "--check-error-stat", cast=str)
    quantile = parse_tolerances(args.error_quantile, "--error-quantile")
    tol, why = default_tolerance(dtypes, precision)
    if atol is None or rtol is None or "" not in atol or "" not in rtol:
        print(f"[I] Default tolerance {tol:g} for {why} (set --atol/--rtol to change)")
    atol = {"": tol, **(atol or {})}
    rtol = {"": tol, **(rtol or {})}
    return CompareSettings(atol=atol, rtol=rtol, check_error_stat={"": "elemwise", **(stat or {})},
                           error_quantile={"": 0.99, **(quantile or {})}, fail_fast=args.fail_fast,
                           infinities_compare_equal=args.infinities_compare_equal)


def _feeds(runner: Runner, args: argparse.Namespace) -> list[dict[str, Any]]:
    if args.load_inputs is None:
        return [make_feed(runner, args)]
    if args.inputs or args.shapes:
        raise ArgumentError("--load-inputs gives every input; leave out --inputs and --shapes")
    return load_inputs(args.load_inputs)


def _label(runner: Runner) -> str:
    return f"trtcore-{runner.backend}:{runner.name}"


def _dtypes(*iterations: dict[str, Any]) -> list[str]:
    return sorted({str(getattr(v, "dtype", "")) for it in iterations for v in it.values()})


def run(args: argparse.Namespace) -> int:
    polygraphy()  # before any model runs: a missing comparator is exit 3, not a wasted build
    if args.load_outputs:
        return _against_files(args)
    reference = args.reference or args.model
    backend = args.backend or "tensorrt"
    if reference.suffix.lower() in ENGINE_SUFFIXES and args.ref_backend == "onnxruntime":
        raise ArgumentError(f"{reference}: an engine cannot be the ONNX Runtime reference; give the ONNX file: "
                            f"trtcore compare {args.model} model.onnx")
    with load(args.model, backend, **engine_options(args)) as runner, load(reference, args.ref_backend) as ref:
        feeds = _feeds(runner, args)
        got = [runner.infer(feed, cast=args.cast) for feed in feeds]
        expected = [ref.infer(feed, cast=args.cast) for feed in feeds]
        labels = (_label(runner), _label(ref))
        if labels[0] == labels[1]:
            labels = (labels[0] + " (run)", labels[1] + " (reference)")
        print(f"[I] Comparing {labels[0]} against {labels[1]} on {len(feeds)} feed(s), inputs: "
              + ", ".join(f"{k} {v.dtype} {v.shape}" for k, v in feeds[0].items()))
        settings = _settings(args, _dtypes(*got, *expected), getattr(runner, "precision", None))
    return EXIT_OK if compare_runs(run_results([(labels[0], got), (labels[1], expected)]), settings) \
        else EXIT_FAILED


def _against_files(args: argparse.Namespace) -> int:
    if args.reference is not None:
        raise ArgumentError("give either a REFERENCE model or --load-outputs, not both")
    refs = [load_run_results(p) for p in args.load_outputs]
    with load(args.model, args.backend or "auto", **engine_options(args)) as runner:
        feeds = _feeds(runner, args)
        for path, results in zip(args.load_outputs, refs):
            for name, iterations in results.items():
                if len(iterations) != len(feeds):
                    hint = "" if args.load_inputs else "; give the inputs they came from with --load-inputs"
                    raise ArgumentError(f"{path}: run '{name}' has {len(iterations)} iteration(s) but there are "
                                        f"{len(feeds)} input feed(s){hint}")
        got = [runner.infer(feed, cast=args.cast) for feed in feeds]
        label = _label(runner)
        precision = getattr(runner, "precision", None)
    results = run_results([(label, got)])
    ref_dtypes: list[str] = []
    for r in refs:
        for name, iterations in r.items():
            results.add(list(iterations), runner_name=name)
            ref_dtypes += _dtypes(*[{k: v for k, v in it.items()} for it in iterations])
    print(f"[I] Comparing {label} against {', '.join(list(results.keys())[1:])} "
          f"from {', '.join(str(p) for p in args.load_outputs)} on {len(feeds)} feed(s)")
    settings = _settings(args, _dtypes(*got) + ref_dtypes, precision)
    return EXIT_OK if compare_runs(results, settings) else EXIT_FAILED
