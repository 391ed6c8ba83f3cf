"""``trtcore inspect``: a model's inputs, outputs and (for ONNX) opsets and operators."""

from __future__ import annotations

import argparse
import dataclasses
import json
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


def _dims(t: Any) -> list[Any]:
    """A TensorInfo's shape with dynamic axes as their name, or "?"."""
    return [d if d >= 0 else (n or "?") for d, n in zip(t.shape, t.dim_names)]


def describe_onnx(path: Path) -> dict[str, Any]:
    """The builder's ONNX description (``trtcore.builder.onnx_info.describe``) as a plain dict."""
    from trtcore.builder.onnx_info import describe

    info = describe(path)
    d = {f.name: getattr(info, f.name) for f in dataclasses.fields(info)}
    d["unknown_rank"] = sorted(info.unknown_rank)
    d.update(file=str(info.path), format="onnx", text=info.format())
    d.pop("path")
    for kind in ("inputs", "outputs"):
        d[kind] = [{"name": t.name, "dtype": t.dtype_name,
                    "shape": None if t.name in info.unknown_rank else _dims(t)} for t in getattr(info, kind)]
    return d


def describe_engine(path: Path) -> dict[str, Any]:
    with TensorRTRunner(path) as r:
        def meta(m: Any) -> dict[str, Any]:
            d = {"name": m.name, "dtype": m.dtype_name, "shape": _dims(m)}
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
        print(json.dumps({k: v for k, v in info.items() if k != "text"}, indent=2, default=str))
        return 0
    if "text" in info:  # ONNX: the builder's description, one fact a line
        print(info["text"])
        return 0
    print(f"{info['file']} ({info['format']})")
    for kind in ("inputs", "outputs"):
        print(f"  {kind}:")
        for t in info[kind]:
            extra = f" (profile min {t['min_shape']}, max {t['max_shape']})" if "min_shape" in t else ""
            print(f"    {t['name']}: {t['dtype']} {t['shape']}{extra}")
    return 0
