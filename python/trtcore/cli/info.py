"""``trtcore info``: what was compiled in and what this machine has at run time."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table

from trtcore._info import build_info


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("info", help="show the build and the CUDA/TensorRT found at run time")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    return p


def run(args: argparse.Namespace) -> int:
    info = build_info()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    console = Console(highlight=False)
    pkg, cuda, trt = info["package"], info["cuda"], info["tensorrt"]
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("trtcore", f"{pkg['version']} (Python {pkg['python']}, {pkg['compiler']})")
    table.add_row("platform", pkg["platform"])
    table.add_row("CUDA compiled in", cuda["compiled"] or "no (built without the CUDA toolkit)")
    if cuda["driver_version"]:
        table.add_row("CUDA driver", cuda["driver_version"])
    else:
        table.add_row("CUDA driver", "none found")
    if cuda["devices"]:
        for d in cuda["devices"]:
            gib = d["total_memory"] / 2**30
            table.add_row(f"GPU {d['index']}", f"{d['name']} (sm_{d['compute_capability'].replace('.', '')}, "
                                              f"{gib:.1f} GiB, {d['multiprocessors']} SMs)")
    else:
        table.add_row("GPU", f"none usable ({cuda['error'] or 'no device'})")
    table.add_row("TensorRT compiled in", trt["compiled"] or "no (built without TensorRT headers)")
    if trt["library"]:
        table.add_row("TensorRT library", f"{trt['library_version']} at {trt['library']}")
    else:
        table.add_row("TensorRT library", "not found (set TRTCORE_TENSORRT_LIB_DIR or pip install tensorrt)")
        for place in trt["searched"]:
            table.add_row("", f"looked in {place}")
    table.add_row("TensorRT usable", "yes" if trt["usable"] else "no: ONNX models run on ONNX Runtime instead")
    console.print(table)
    return 0
