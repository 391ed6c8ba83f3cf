"""``trtcore export``: the quick start's PyTorch → ONNX exports (needs ``pip install 'trtcore[torch]'``).

Exit codes: 0 exported (and ONNX Runtime matches PyTorch), 1 exported but the check failed, 2 bad arguments,
3 PyTorch/torchvision missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from trtcore.cli import EXIT_FAILED, EXIT_MISSING
from trtcore.errors import BackendError


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from trtcore.export import MODELS, WEIGHTS

    p = sub.add_parser("export", help="export ResNet-50 or FCN-ResNet101 from PyTorch to ONNX (like the guide)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", choices=MODELS, help="which model")
    p.add_argument("-o", "--output", type=Path, required=True, help="ONNX file to write")
    p.add_argument("--weights", choices=WEIGHTS, default="none",
                   help="'default': torchvision's pretrained weights (downloads once); 'none': random (default)")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset, 11..23 (default 17)")
    p.add_argument("--no-check", action="store_true", help="skip comparing ONNX Runtime against PyTorch")
    return p


def run(args: argparse.Namespace) -> int:
    from trtcore.export import ExportConfig, TorchNotFound, export

    config = ExportConfig(args.name, weights=args.weights, opset=args.opset, check=not args.no_check)
    try:
        # torch import + export + the ONNX Runtime check take from seconds to minutes: show that work goes on
        with Console(stderr=True).status(f"exporting {args.name} and checking it against PyTorch"):
            result = export(config, args.output)
    except TorchNotFound as e:
        print(f"trtcore export: {e}", file=sys.stderr)
        return EXIT_MISSING
    except BackendError as e:  # exported, but ONNX Runtime disagrees with PyTorch
        print(f"trtcore export: FAILED: {e}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{args.name} exported to {result.path} (dummy input {list(result.input_shape)}, opset {args.opset})")
    if result.max_abs_error is not None:
        print(f"check: ONNX Runtime vs PyTorch max abs error {result.max_abs_error:.3g}: PASSED")
    if result.agreement is not None:
        print(f"check: ONNX Runtime vs PyTorch labels agree on {result.agreement:.4%} of pixels: PASSED")
    return 0
