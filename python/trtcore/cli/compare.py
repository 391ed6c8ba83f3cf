"""``trtcore compare``: check a model's outputs against another backend, another model, or saved outputs.

The comparison is Polygraphy's own (pip install 'trtcore[compare]'): its tolerances, error statistics, NaN/inf
rules and PASSED/FAILED report. Files are Polygraphy's JSON formats, so these work both ways:
  polygraphy run m.onnx --onnxrt --save-outputs ref.json --save-inputs in.json
  trtcore compare m.onnx --load-outputs ref.json --load-inputs in.json

With no backend flags, MODEL runs on TensorRT and the reference on ONNX Runtime (with --load-outputs, MODEL runs
on the best backend here). Without --atol/--rtol the tolerance fits the precision compared (1e-5 for fp32, 1e-3
for fp16 and for TensorRT engines, whose fp32 layers run in TF32, 1e-2 for bf16) and is stated in the output.
--save-outputs F writes both runs' outputs as Polygraphy's RunResults JSON (polygraphy run --save-outputs).

--json prints one document on stdout (Polygraphy's report goes to stderr): passed, run, references, feeds,
tolerance {atol, rtol, default, reason}, check_error_stat, outputs (one row per reference, iteration and output:
run, reference, iteration, output, passed, max/mean/median/quantile_absdiff and _reldiff), saved_outputs.

Exit codes: 0 all outputs within tolerance (PASSED), 1 a mismatch (FAILED), 2 bad input, 3 TensorRT, a GPU or
Polygraphy missing.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from trtcore.cli import EXIT_FAILED, EXIT_OK
from trtcore.cli._model_args import add_engine_options, add_inputs, engine_options, make_feed
from trtcore.errors import ArgumentError
from trtcore.files import check_target
from trtcore.runners import BACKENDS, ENGINE_SUFFIXES, Runner, load
from trtcore.runners.compare import (ERROR_STATS, CompareSettings, accuracy_rows, compare_accuracy, default_tolerance,
                                     engine_precision, load_inputs, load_run_results, parse_tolerances, polygraphy,
                                     run_results, save_run_results)


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
    f.add_argument("--save-outputs", type=Path, metavar="FILE",
                   help="write both runs' outputs as Polygraphy RunResults JSON (for --load-outputs later)")
    add_inputs(p)
    p.add_argument("--json", action="store_true",
                   help="print one JSON document on stdout (Polygraphy's report on stderr), for scripts")
    return p


def _settings(args: argparse.Namespace, dtypes: list[str], precision: tuple[str | None, str]
              ) -> tuple[CompareSettings, dict[str, Any]]:
    atol = parse_tolerances(args.atol, "--atol")
    rtol = parse_tolerances(args.rtol, "--rtol")
    stat = parse_tolerances(args.check_error_stat, "--check-error-stat", cast=str)
    quantile = parse_tolerances(args.error_quantile, "--error-quantile")
    tol, why = default_tolerance(dtypes, precision[0])
    if precision[1] and why.endswith(" engine"):
        why = f"{why} ({precision[1]})"
    if atol is None or rtol is None or "" not in atol or "" not in rtol:
        print(f"[I] Default tolerance {tol:g} for {why} (set --atol/--rtol to change)")
    atol = {"": tol, **(atol or {})}
    rtol = {"": tol, **(rtol or {})}
    settings = CompareSettings(atol=atol, rtol=rtol, check_error_stat={"": "elemwise", **(stat or {})},
                               error_quantile={"": 0.99, **(quantile or {})}, fail_fast=args.fail_fast,
                               infinities_compare_equal=args.infinities_compare_equal)
    return settings, {"atol": atol, "rtol": rtol, "default": tol, "reason": why}


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
    if args.save_outputs is not None:
        check_target(args.save_outputs, "--save-outputs")
    if not args.json:
        return _compare(args)
    from trtcore.cli import print_json

    with contextlib.redirect_stdout(sys.stderr):  # the human report; stdout holds only the JSON document
        code = _compare(args)
    print_json(args._document)
    return code


def _compare(args: argparse.Namespace) -> int:
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
        precision = engine_precision(runner)
        if precision[0] is None and ref.backend != "tensorrt":
            precision = (None, "")
        elif precision[0] is None:
            precision = engine_precision(ref)
    return _report(args, run_results([(labels[0], got), (labels[1], expected)]),
                   _dtypes(*got, *expected), precision, len(feeds))


def _report(args: argparse.Namespace, results: Any, dtypes: list[str], precision: tuple[str | None, str],
            feeds: int) -> int:
    settings, tolerance = _settings(args, dtypes, precision)
    accuracy = compare_accuracy(results, settings)
    names = list(results.keys())
    if args.save_outputs is not None:
        save_run_results(args.save_outputs, results)
        print(f"[I] Saved the outputs of {', '.join(names)} to {args.save_outputs}")
    args._document = {"passed": bool(accuracy), "run": names[0], "references": names[1:], "feeds": feeds,
                      "tolerance": tolerance, "check_error_stat": settings.check_error_stat,
                      "outputs": accuracy_rows(accuracy), "saved_outputs": args.save_outputs}
    return EXIT_OK if accuracy else EXIT_FAILED


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
        precision = engine_precision(runner)
    results = run_results([(label, got)])
    ref_dtypes: list[str] = []
    for r in refs:
        for name, iterations in r.items():
            results.add(list(iterations), runner_name=name)
            ref_dtypes += _dtypes(*[{k: v for k, v in it.items()} for it in iterations])
    print(f"[I] Comparing {label} against {', '.join(list(results.keys())[1:])} "
          f"from {', '.join(str(p) for p in args.load_outputs)} on {len(feeds)} feed(s)")
    return _report(args, results, _dtypes(*got) + ref_dtypes, precision, len(feeds))
