"""``trtcore info``: what was compiled in and what this machine has at run time (CUDA, TensorRT, ONNX Runtime)."""

from __future__ import annotations

import argparse

from trtcore._info import build_info, enable_tensorrt_hint


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("info", help="show the build and the CUDA/TensorRT/ONNX Runtime found at run time",
                       description="Exit code: 0. --json keys: package, cuda, tensorrt, onnxruntime.")
    p.add_argument("--json", action="store_true", help="print one JSON document, for scripts")
    return p


def rows(info: dict) -> list[tuple[str, str]]:
    """``trtcore info``'s (label, value) lines."""
    pkg, cuda, trt, ort = info["package"], info["cuda"], info["tensorrt"], info["onnxruntime"]
    out = [("trtcore", f"{pkg['version']} (Python {pkg['python']}, {pkg['compiler']})"),
           ("platform", pkg["platform"]),
           ("CUDA compiled in", cuda["compiled"] or "no (built without the CUDA toolkit)"),
           ("CUDA driver", cuda["driver_version"] or "none found")]
    if cuda["devices"]:
        for d in cuda["devices"]:
            gib = d["total_memory"] / 2**30
            sm = d["compute_capability"].replace(".", "")
            out.append((f"GPU {d['index']}", f"{d['name']} (sm_{sm}, {gib:.1f} GiB, {d['multiprocessors']} SMs)"))
    else:
        out.append(("GPU", f"none usable ({cuda['error'] or 'no device'})"))
    out.append(("TensorRT compiled in", trt["compiled"] or "no (built without TensorRT headers)"))
    if trt["library"]:
        out.append(("TensorRT library", f"{trt['library_version']} at {trt['library']}"))
    elif trt["compiled"]:
        out.append(("TensorRT library", "not found"))
        out.extend(("", f"looked in {place}") for place in trt["searched"])
    hint = enable_tensorrt_hint(info)
    if trt["usable"]:
        out.append(("TensorRT usable", "yes"))
    else:
        out.append(("TensorRT usable", "no: ONNX models run on ONNX Runtime instead"))
        if hint:
            out.append(("to enable TensorRT", hint))
    if ort["version"]:
        out.append(("ONNX Runtime", f"{ort['version']}, providers: {', '.join(ort['available_providers'])}"))
    else:
        out.append(("ONNX Runtime", f"not importable ({ort['error']}): pip install onnxruntime"))
    return out


def run(args: argparse.Namespace) -> int:
    info = build_info()
    if args.json:
        from trtcore.cli import print_json

        print_json(info)
        return 0
    lines = rows(info)
    width = max(len(label) for label, _ in lines) + 2
    for label, value in lines:  # plain text: no padding after the value, no colour codes when piped
        print(f"{label:<{width}}{value}".rstrip())
    return 0
