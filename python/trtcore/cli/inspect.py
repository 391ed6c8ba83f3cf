"""``trtcore inspect``: a model's inputs, outputs and (for ONNX) opsets and operators."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from trtcore.errors import FileError, FormatError
from trtcore.runners import ENGINE_SUFFIXES, ONNX_SUFFIXES, TensorRTRunner


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("inspect", help="describe an ONNX model or a TensorRT engine",
                       description="Exit codes: 0 ok, 2 bad input, 3 TensorRT/GPU missing (engines).")
    p.add_argument("model", type=Path, help=".onnx, .engine or .plan file")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    return p


def _dims(shape: Any) -> list[Any]:
    return [d if d is not None else "?" for d in shape]


def describe_onnx(path: Path) -> dict[str, Any]:
    """Inputs, outputs, opsets and operator counts of an ONNX file (graph only; external weights not loaded)."""
    try:
        import onnx
    except ImportError:
        raise FormatError(f"{path}: inspecting ONNX needs onnx: pip install 'trtcore[onnx]'") from None
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as e:  # onnx raises DecodeError and friends
        raise FormatError(f"{path}: not a valid ONNX file ({e})") from None
    init = {i.name for i in model.graph.initializer}

    def value_info(v: Any) -> dict[str, Any]:
        t = v.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in t.shape.dim]
        return {"name": v.name, "dtype": onnx.helper.tensor_dtype_to_np_dtype(t.elem_type).name
                if t.elem_type else "?", "shape": dims}

    return {
        "file": str(path), "format": "onnx", "ir_version": model.ir_version,
        "opsets": {o.domain or "ai.onnx": o.version for o in model.opset_import},
        "producer": f"{model.producer_name} {model.producer_version}".strip(),
        "inputs": [value_info(v) for v in model.graph.input if v.name not in init],
        "outputs": [value_info(v) for v in model.graph.output],
        "nodes": len(model.graph.node),
        "operators": dict(Counter(n.op_type for n in model.graph.node).most_common()),
        "initializers": len(init),
    }


def describe_engine(path: Path) -> dict[str, Any]:
    with TensorRTRunner(path) as r:
        def meta(m: Any) -> dict[str, Any]:
            d = {"name": m.name, "dtype": m.dtype.name, "shape": _dims(m.shape)}
            if m.min_shape is not None:
                d.update(min_shape=list(m.min_shape), max_shape=list(m.max_shape or ()))
            return d
        return {"file": str(path), "format": "tensorrt engine", "inputs": [meta(m) for m in r.inputs],
                "outputs": [meta(m) for m in r.outputs]}


def run(args: argparse.Namespace) -> int:
    path: Path = args.model
    if not path.is_file():
        raise FileError(f"{path}: no such model file")
    suffix = path.suffix.lower()
    if suffix in ONNX_SUFFIXES:
        info = describe_onnx(path)
    elif suffix in ENGINE_SUFFIXES:
        info = describe_engine(path)
    else:
        raise FormatError(f"{path}: unsupported model file type '{path.suffix or '(none)'}'; inspect takes "
                          f"{', '.join(ONNX_SUFFIXES + ENGINE_SUFFIXES)}")
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"{info['file']} ({info['format']})")
    if "opsets" in info:
        print(f"  IR version {info['ir_version']}, opsets {info['opsets']}, producer {info['producer'] or '?'}")
    for kind in ("inputs", "outputs"):
        print(f"  {kind}:")
        for t in info[kind]:
            extra = f" (profile min {t['min_shape']}, max {t['max_shape']})" if "min_shape" in t else ""
            print(f"    {t['name']}: {t['dtype']} {t['shape']}{extra}")
    if "operators" in info:
        print(f"  {info['nodes']} nodes, {info['initializers']} initializers: "
              + ", ".join(f"{k} x{v}" for k, v in info["operators"].items()))
    return 0
