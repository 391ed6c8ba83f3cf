"""Precision that means the same on TensorRT 10 and 11.

TensorRT 10 builds weakly typed networks by default: ``--fp16`` is a builder flag that lets TensorRT pick fp16
kernels. TensorRT 11 removed weak typing: every network is strongly typed and runs in the types the ONNX model
declares, so ``--fp16``/``--bf16`` there mean "convert the model to mixed precision before parsing" (and the same
holds for ``--stronglyTyped`` on 10.x). INT8/FP8 on a strongly typed network come only from Q/DQ nodes.

Converters (see third_party/precision.md for why): NVIDIA ModelOpt AutoCast (``trtcore[autocast]``, fp16 and
bf16, keeps sensitive nodes in fp32) when installed, else onnxconverter-common (``trtcore[onnx]``, fp16 only).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trtcore.builder.onnx_info import QDQ_OPS, ModelInfo, dtype_name, load_model
from trtcore.errors import ArgumentError, BuildError

log = logging.getLogger(__name__)

AUTOCAST = "modelopt-autocast"
ONNXCONVERTER = "onnxconverter-common"
# converter → (importable module, distribution name, precisions it supports)
CONVERTERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    AUTOCAST: ("modelopt.onnx.autocast", "nvidia-modelopt", ("fp16", "bf16")),
    ONNXCONVERTER: ("onnxconverter_common", "onnxconverter-common", ("fp16",)),
}
# Graphs above this many bytes of weights are saved with external data (protobuf's hard limit is 2 GiB).
EXTERNAL_DATA_THRESHOLD = 1536 * 2**20


def available_converters() -> dict[str, str | None]:
    """``{converter: installed version or None}``, found without importing them (modelopt imports torch).

    >>> sorted(available_converters())
    ['modelopt-autocast', 'onnxconverter-common']
    """
    found: dict[str, str | None] = {}
    for name, (module, dist, _) in CONVERTERS.items():
        try:
            present = importlib.util.find_spec(module.split(".")[0]) is not None
        except (ImportError, ValueError):
            present = False
        version = None
        if present:
            try:
                version = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                version = "unknown version"
        found[name] = version
    return found


def choose_converter(precision: str, available: dict[str, str | None] | None = None) -> str:
    """The converter for ``"fp16"``/``"bf16"``: AutoCast when installed, else onnxconverter-common (fp16 only).

    >>> choose_converter("fp16", {"modelopt-autocast": None, "onnxconverter-common": "1.16.0"})
    'onnxconverter-common'
    """
    available = available_converters() if available is None else available
    for name in (AUTOCAST, ONNXCONVERTER):
        if available.get(name) and precision in CONVERTERS[name][2]:
            return name
    if precision == "bf16":
        raise ArgumentError("--bf16 with a strongly typed network (TensorRT 11, or --stronglyTyped) converts the "
                            "model to bf16, which needs NVIDIA ModelOpt AutoCast: pip install 'trtcore[autocast]' "
                            "(onnxconverter-common converts to fp16 only)")
    raise ArgumentError(f"--{precision} with a strongly typed network converts the model, which needs a converter: "
                        "pip install 'trtcore[onnx]' (onnxconverter-common) or 'trtcore[autocast]' (ModelOpt)")


@dataclass
class PrecisionPlan:
    """What the precision flags turn into for one TensorRT major: builder flags and/or a model conversion."""

    target_major: int
    strongly_typed: bool
    flags: list[str] = field(default_factory=list)
    convert_to: str | None = None
    converter: str | None = None
    keep_io_types: bool = True
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        typing = "strongly typed" if self.strongly_typed else "weakly typed"
        parts = [f"TensorRT {self.target_major}.x, {typing}"]
        parts.append("builder flags: " + (", ".join(self.flags) if self.flags else "none"))
        if self.convert_to:
            io = "inputs/outputs stay as they are" if self.keep_io_types else "inputs/outputs converted too"
            parts.append(f"convert model to {self.convert_to} with {self.converter} ({io})")
        return "; ".join(parts)


def plan_precision(*, fp16: bool = False, bf16: bool = False, int8: bool = False, fp8: bool = False,
                   best: bool = False, strongly_typed: bool = False, keep_io_types: bool = True,
                   target_major: int = 10, info: ModelInfo | None = None,
                   available: dict[str, str | None] | None = None, bf16_capable: bool | None = None
                   ) -> PrecisionPlan:
    """Turns trtexec's precision flags into builder flags (weak typing) or a conversion (strong typing).

    ``bf16_capable``: whether the GPU has bf16 (Ampere+); ``--best`` adds bf16 on 10.x only then, like trtexec.

    >>> plan_precision(fp16=True, target_major=10).flags
    ['fp16']
    >>> plan_precision(fp16=True, target_major=11, available={"onnxconverter-common": "1.16"}).convert_to
    'fp16'
    """
    if target_major not in (10, 11):
        raise ArgumentError(f"target TensorRT major {target_major} is not supported; trtcore knows 10 and 11")
    has_qdq = bool(info and info.has_qdq)
    weak = target_major == 10 and not strongly_typed
    plan = PrecisionPlan(target_major=target_major, strongly_typed=not weak, keep_io_types=keep_io_types)
    if weak:
        if best:
            fp16 = int8 = True
            bf16 = bf16 or bool(bf16_capable)
            plan.notes.append("--best: fp16 + int8" + (" + bf16" if bf16_capable else
                                                        " (bf16 left out: no Ampere-or-newer GPU seen)"))
        plan.flags = [n for n, on in (("fp16", fp16), ("bf16", bf16), ("int8", int8), ("fp8", fp8)) if on]
        if (int8 or fp8) and not has_qdq:
            plan.notes.append("int8/fp8 on a model without Q/DQ nodes: trtcore has no calibrator, so TensorRT "
                              "has no real scales and accuracy is not meaningful; quantize the model "
                              "(ModelOpt) for usable INT8/FP8")
        return plan

    if target_major == 10:
        plan.flags.append("strongly_typed")
    why = "TensorRT 11 builds strongly typed networks only" if target_major >= 11 else "--stronglyTyped"
    if best:
        fp16 = True
        plan.notes.append(f"--best ({why}): model converted to fp16; int8/fp8 come from Q/DQ nodes if any")
    if fp16 and bf16:
        raise ArgumentError(f"--fp16 and --bf16 together ({why}): the model is converted to one type; "
                            "choose one")
    if int8 or fp8:
        names = "/".join(n for n, on in (("INT8", int8), ("FP8", fp8)) if on)
        if not has_qdq:
            raise ArgumentError(f"{names} needs a quantized model with QuantizeLinear/DequantizeLinear nodes "
                                f"({why}; TensorRT 11 has no INT8/FP8 builder flags or calibrators); quantize "
                                "it first, e.g. with NVIDIA ModelOpt (python -m modelopt.onnx.quantization)")
        plan.notes.append(f"{names}: taken from the model's Q/DQ nodes ({why}: no builder flag)")
    low = "fp16" if fp16 else "bf16" if bf16 else None
    if low is None:
        return plan
    floats = dict(info.initializer_dtypes) if info else {}
    if info is not None and "float32" not in floats and any(d in floats for d in ("float16", "bfloat16")):
        plan.notes.append(f"model weights are already {', '.join(d for d in floats if d in ('float16', 'bfloat16'))}"
                          f"; no conversion for --{low}")
        return plan
    plan.convert_to = low
    plan.converter = choose_converter(low, available)
    plan.notes.append(f"--{low} ({why}): the ONNX model is converted to {low} with {plan.converter} "
                      "before parsing")
    return plan


@dataclass
class ConversionReport:
    """What :func:`convert_model` did."""

    precision: str
    converter: str
    source: Path
    output: Path
    seconds: float
    nodes_before: int
    nodes_after: int
    casts_added: int
    io_types: dict[str, str]

    def describe(self) -> str:
        return (f"converted {self.source.name} to {self.precision} with {self.converter} in {self.seconds:.1f} s "
                f"({self.nodes_before} → {self.nodes_after} nodes, {self.casts_added} Cast nodes added)")


def _io_types(model: Any) -> dict[str, str]:
    inits = {i.name for i in model.graph.initializer}
    return {v.name: dtype_name(v.type.tensor_type.elem_type)
            for v in list(model.graph.input) + list(model.graph.output) if v.name not in inits}


def _isolate_graph_outputs(model: Any) -> None:
    """Gives every graph output that other nodes also read its own Identity producer.

    onnxconverter-common's keep_io_types casts an output back to fp32 only when no node consumes it; an FCN's
    ``logits`` feeding an ArgMax would otherwise come out as fp16 (measured with 1.16.0).
    """
    from onnx import helper

    consumed = {name for node in model.graph.node for name in node.input}
    produced = {name for node in model.graph.node for name in node.output}
    for out in model.graph.output:
        if out.name not in consumed or out.name not in produced:  # not read, or a graph input passed through
            continue
        inner = f"{out.name}__trtcore_pre_output"
        for node in model.graph.node:
            node.input[:] = [inner if n == out.name else n for n in node.input]
            node.output[:] = [inner if n == out.name else n for n in node.output]
        model.graph.node.append(helper.make_node("Identity", [inner], [out.name], name=f"{out.name}__trtcore_out"))


def convert_proto(model: Any, precision: str = "fp16", *, keep_io_types: bool = True,
                  converter: str = ONNXCONVERTER, source: Path | None = None) -> Any:
    """Converts an in-memory ModelProto (AutoCast needs ``source``, the file it was loaded from).

    >>> fp16_model = convert_proto(onnx.load("m.onnx"), "fp16")  # doctest: +SKIP
    """
    if precision not in CONVERTERS.get(converter, ("", "", ()))[2]:
        raise ArgumentError(f"converter {converter!r} cannot convert to {precision!r}; known converters: "
                            + ", ".join(f"{n} ({'/'.join(c[2])})" for n, c in CONVERTERS.items()))
    if converter == AUTOCAST:
        if source is None:
            raise ArgumentError("ModelOpt AutoCast converts from a file; pass source=")
        from modelopt.onnx.autocast import convert_to_mixed_precision

        # AutoCast keeps nodes whose values exceed fp16's safe range in fp32 (its data_max/init_max defaults).
        return convert_to_mixed_precision(onnx_path=str(source), low_precision_type=precision,
                                          keep_io_types=keep_io_types)
    from onnxconverter_common.float16 import DEFAULT_OP_BLOCK_LIST, convert_float_to_float16

    if keep_io_types:
        _isolate_graph_outputs(model)
    # Q/DQ nodes carry fp32 scales by construction (opset < 19 allows nothing else): leave them alone.
    block = list(DEFAULT_OP_BLOCK_LIST) + list(QDQ_OPS)
    return convert_float_to_float16(model, keep_io_types=keep_io_types, op_block_list=block)


def convert_model(source: str | Path, output: str | Path, precision: str = "fp16", *, keep_io_types: bool = True,
                  converter: str | None = None) -> ConversionReport:
    """Converts an ONNX file to mixed ``fp16``/``bf16`` and saves it (external data beside it when large).

    >>> report = convert_model("resnet50.onnx", "resnet50.fp16.onnx", "fp16")  # doctest: +SKIP
    >>> report.io_types["input"]  # doctest: +SKIP
    'float32'
    """
    import onnx

    source, output = Path(source), Path(output)
    converter = converter or choose_converter(precision)
    start = time.perf_counter()
    model = load_model(source, load_external_data=True)
    before = _io_types(model)
    nodes_before = len(model.graph.node)
    casts_before = sum(n.op_type == "Cast" for n in model.graph.node)
    try:
        converted = convert_proto(model, precision, keep_io_types=keep_io_types, converter=converter, source=source)
    except (ArgumentError, ImportError):
        raise
    except Exception as e:  # converters raise ValueError/AssertionError/KeyError for graphs they cannot handle
        raise BuildError(f"{source}: {converter} could not convert the model to {precision}: "
                         f"{type(e).__name__}: {e}") from e
    after = _io_types(converted)
    if keep_io_types:
        changed = [f"{n}: {before[n]} → {t}" for n, t in after.items() if n in before and before[n] != t]
        if changed:
            raise BuildError(f"{source}: {converter} changed graph input/output types despite keep_io_types "
                             f"({'; '.join(changed)})")
    weights = sum(len(i.raw_data) for i in converted.graph.initializer)
    output.parent.mkdir(parents=True, exist_ok=True)
    if weights > EXTERNAL_DATA_THRESHOLD:
        onnx.save_model(converted, str(output), save_as_external_data=True, location=output.name + ".data")
    else:
        onnx.save_model(converted, str(output))
    report = ConversionReport(
        precision=precision, converter=converter, source=source, output=output,
        seconds=time.perf_counter() - start, nodes_before=nodes_before, nodes_after=len(converted.graph.node),
        casts_added=sum(n.op_type == "Cast" for n in converted.graph.node) - casts_before, io_types=after)
    log.info("%s", report.describe())
    return report
