"""``trtcore refit``: an engine's weights refitted from an ONNX model (TensorRT's IRefitter and the ONNX parser's
refitter, as trtexec's ``--loadEngine=E --refitFromOnnx=M``), the refitted engine written with its weights.

    trtcore build --onnx model.onnx --stripWeights --saveEngine small.engine    # a plan without its weights
    trtcore refit small.engine --onnx model.onnx -o model.engine                 # the weights put back
    trtcore build --onnx model.onnx --refit --saveEngine m.engine                # refittable
    trtcore refit m.engine --onnx finetuned.onnx                                 # new weights, in place

The engine must be built --refit or --stripWeights from a model with the same network, and the ONNX model must
hold every weight it needs under the same names (a missing one is named). Without -o the engine file is replaced
(atomically). --json prints engine, onnx, output, engine_bytes, seconds.

Exit codes: 0 refitted; 1 TensorRT refused (weights missing from the model, the parser's or refitter's error);
2 bad input (a file missing, an engine that is not refittable); 3 TensorRT missing.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("refit", help="refit an engine's weights from an ONNX model (--refit / --stripWeights "
                                     "engines)", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("engine", type=Path, metavar="ENGINE", help="engine built with --refit or --stripWeights")
    p.add_argument("--onnx", "--refitFromOnnx", dest="onnx", type=Path, required=True, metavar="MODEL",
                   help="ONNX model with the weights (same network as the engine's)")
    p.add_argument("-o", "--output", "--saveEngine", dest="output", type=Path, metavar="FILE",
                   help="where to write the refitted engine (default: replace ENGINE)")
    p.add_argument("--plugins", "--dynamicPlugins", dest="plugins", nargs="+", type=Path, default=[],
                   metavar="LIB", help="plugin libraries the engine's layers need, registered before it loads")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout, for scripts")
    return p


def run(args: argparse.Namespace) -> int:
    from trtcore.builder.refit import refit
    from trtcore.cli import print_json

    report = refit(args.engine, args.onnx, args.output, plugins=args.plugins)
    if args.json:
        print_json(asdict(report))
    else:
        print(f"refitted {report.engine} from {report.onnx} into {report.output} ({report.engine_bytes} bytes, "
              f"{report.seconds:.2f} s)")
    return 0
