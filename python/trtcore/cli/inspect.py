"""``trtcore inspect``: a model's inputs, outputs and (for ONNX) opsets and operators; its layers on request.

    trtcore inspect m.onnx                           # the builder's description, ops that need a plugin
    trtcore inspect m.onnx --show layers attrs       # every node, as polygraphy inspect model prints it
    trtcore inspect m.engine --show layers           # the engine inspector's layer list

ONNX layers are printed by Polygraphy's own code (pip install 'trtcore[compare]'). A model that onnx.checker
rejects is still described, with the checker's message as a warning (as polygraphy inspect model does). An
engine's layer details need a plan built with --profilingVerbosity detailed; other plans list layer names.

--json keys: file, format, inputs, outputs (lists of {name, dtype, shape}), checker_warning, plugin_ops (ONNX:
{op, domain, count, plugin}), layers (with --show layers: Polygraphy's text for ONNX, the inspector's list for
engines), and for ONNX the builder's description (opset, opsets, producer, op_histogram, ...).

Exit codes: 0 ok, 2 bad input, 3 TensorRT/GPU (engines) or Polygraphy (--show for ONNX) missing.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from trtcore.errors import FileError, FormatError
from trtcore.runners import ENGINE_SUFFIXES, ONNX_SUFFIXES, TensorRTRunner

SHOW = ("layers", "attrs", "weights")
# ONNX domains TensorRT's parser imports natively; other domains' ops are looked up as plugins.
STANDARD_DOMAINS = ("", "ai.onnx")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("inspect", help="describe an ONNX model or a TensorRT engine (layers with --show layers)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", type=Path, help=".onnx, .engine or .plan file")
    p.add_argument("--show", nargs="+", choices=SHOW, default=[], metavar="WHAT",
                   help="also show: layers (every node or engine layer), attrs (node attributes), weights "
                        "(initializer values); attrs and weights imply layers for ONNX, as in Polygraphy")
    p.add_argument("--json", action="store_true", help="print one JSON document on stdout, for scripts")
    return p


def _dims(t: Any) -> list[Any]:
    """A TensorInfo's shape with dynamic axes as their name, or "?"."""
    return [d if d >= 0 else (n or "?") for d, n in zip(t.shape, t.dim_names)]


def plugin_ops(model: Any) -> list[dict[str, Any]]:
    """The ops of an ONNX model that TensorRT runs through a plugin: those outside the standard ONNX domain (the
    parser looks them up in the plugin registry by name). ``*_TRT`` ops are TensorRT's own plugins, in
    libnvinfer_plugin (which trtcore loads); others need their library (``--plugins LIB``).

    >>> plugin_ops(onnx.load("nms.onnx"))  # doctest: +SKIP
    [{'op': 'EfficientNMS_TRT', 'domain': 'trt', 'count': 1, 'plugin': "TensorRT's (libnvinfer_plugin)"}]
    """
    found: dict[tuple[str, str], int] = {}
    for node in model.graph.node:
        if node.domain not in STANDARD_DOMAINS:
            found[(node.domain, node.op_type)] = found.get((node.domain, node.op_type), 0) + 1
    return [{"op": op, "domain": domain, "count": n,
             "plugin": "TensorRT's (libnvinfer_plugin)" if op.endswith("_TRT") else "a plugin library (--plugins LIB)"}
            for (domain, op), n in sorted(found.items())]


def describe_onnx(path: Path, show: list[str] = ()) -> dict[str, Any]:
    """The builder's ONNX description (``trtcore.builder.onnx_info.describe``) as a plain dict, with the checker's
    complaint as a warning instead of an error, the ops that need plugins and, with ``show``, Polygraphy's text."""
    from trtcore.builder.onnx_info import check, describe, load_model

    model = load_model(path, load_external_data="weights" in show)  # unreadable: a FormatError, exit 2
    warning = None
    try:
        check(path)
    except FormatError as e:
        warning = str(e)
    info = describe(path, run_checker=False)
    info = dataclasses.replace(info, checker="passed" if warning is None else "rejected (see the warning)")
    d = {f.name: getattr(info, f.name) for f in dataclasses.fields(info)}
    d["unknown_rank"] = sorted(info.unknown_rank)
    d.update(file=str(info.path), format="onnx", text=info.format(), checker_warning=warning,
             plugin_ops=plugin_ops(model))
    d.pop("path")
    for kind in ("inputs", "outputs"):
        d[kind] = [{"name": t.name, "dtype": t.dtype_name,
                    "shape": None if t.name in info.unknown_rank else _dims(t)} for t in getattr(info, kind)]
    if show:
        d["layers"] = onnx_layers_text(model, show)
    return d


def onnx_layers_text(model: Any, show: list[str]) -> str:
    """``polygraphy inspect model --show layers [attrs] [weights]``'s text, from Polygraphy's own code."""
    from trtcore.runners.compare import polygraphy

    polygraphy()
    from polygraphy.backend.onnx.util import str_from_onnx

    return str_from_onnx(model, show_layers=True, show_attrs="attrs" in show, show_weights="weights" in show)


def describe_engine(path: Path, show: list[str] = ()) -> dict[str, Any]:
    with TensorRTRunner(path) as r:
        def meta(m: Any) -> dict[str, Any]:
            d = {"name": m.name, "dtype": m.dtype_name, "shape": _dims(m)}
            if m.min_shape is not None:
                d.update(min_shape=list(m.min_shape), max_shape=list(m.max_shape or ()))
            return d
        d = {"file": str(path), "format": "tensorrt engine", "inputs": [meta(m) for m in r.inputs],
             "outputs": [meta(m) for m in r.outputs]}
        if show:
            d["layers"] = list(r.engine.inspect().get("Layers", []))
        return d


def engine_layers_text(layers: list[Any]) -> list[str]:
    """The engine inspector's layers, one line each (name only for plans without detailed profiling)."""
    lines = []
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict):
            lines.append(f"Layer {i:<4} | {layer}")
            continue

        def tensors(key: str, layer: dict = layer) -> str:
            return ", ".join(f"{t.get('Name', '?')} [{t.get('Format/Datatype', '?')}, {t.get('Dimensions', '?')}]"
                             if isinstance(t, dict) else str(t) for t in layer.get(key, []))
        tactic = f" | tactic {layer['TacticName']}" if layer.get("TacticName") else ""
        lines.append(f"Layer {i:<4} | {layer.get('Name', '?')} [{layer.get('LayerType', '?')}]{tactic}")
        lines.append(f"    {tensors('Inputs')}")
        lines.append(f"     -> {tensors('Outputs')}")
    if layers and not any(isinstance(layer, dict) for layer in layers):
        lines.append("(layer names only: build with --profilingVerbosity detailed for types, formats and tactics)")
    return lines


def run(args: argparse.Namespace) -> int:
    path: Path = args.model
    if not path.is_file():
        raise FileError(f"{path}: no such model file")
    suffix = path.suffix.lower()
    if suffix in ONNX_SUFFIXES:
        info = describe_onnx(path, args.show)
    elif suffix in ENGINE_SUFFIXES:
        info = describe_engine(path, args.show)
    else:
        raise FormatError(f"{path}: unsupported model file type '{path.suffix or '(none)'}'; inspect takes "
                          f"{', '.join(ONNX_SUFFIXES + ENGINE_SUFFIXES)}")
    if info.get("checker_warning"):
        print(f"[W] {info['checker_warning']}", file=sys.stderr)
    if args.json:
        from trtcore.cli import print_json

        print_json({k: v for k, v in info.items() if k != "text"})
        return 0
    if "text" in info:  # ONNX: the builder's description, one fact a line
        print(info["text"])
        for p in info["plugin_ops"]:
            where = f"{p['domain']}." if p["domain"] else ""
            print(f"plugin     {where}{p['op']} x{p['count']}: needs {p['plugin']}")
        if "layers" in info:
            print()
            print(info["layers"].rstrip())
        return 0
    print(f"{info['file']} ({info['format']})")
    for kind in ("inputs", "outputs"):
        print(f"  {kind}:")
        for t in info[kind]:
            extra = f" (profile min {t['min_shape']}, max {t['max_shape']})" if "min_shape" in t else ""
            print(f"    {t['name']}: {t['dtype']} {t['shape']}{extra}")
    if "layers" in info:
        print(f"  layers ({len(info['layers'])}):")
        for line in engine_layers_text(info["layers"]):
            print(f"    {line}")
    return 0
