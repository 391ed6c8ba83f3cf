"""Validate and describe an ONNX model before TensorRT sees it: checker, opset, inputs/outputs, op histogram.

``describe(path)`` is shared with ``trtcore inspect``: it returns a :class:`ModelInfo` that prints itself with
``format()`` (plain text) or ``table()`` (a rich renderable).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trtcore import dtypes
from trtcore._interrupt import reraise_interrupt
from trtcore.engine import TensorInfo
from trtcore.errors import BackendError, FileError, FormatError

log = logging.getLogger(__name__)

Dims = tuple[int | str | None, ...]
QDQ_OPS = ("QuantizeLinear", "DequantizeLinear")


def _onnx() -> Any:
    try:
        import onnx
    except ImportError as e:
        reraise_interrupt(e)
        raise BackendError("reading ONNX models needs the onnx package: pip install 'trtcore[onnx]'") from e
    return onnx


def dtype_name(elem_type: int) -> str:
    """ONNX ``TensorProto`` element type → numpy-style name (from :mod:`trtcore.dtypes`): 1 → ``"float32"``.

    >>> dtype_name(1)
    'float32'
    """
    return dtypes.onnx_name(elem_type)


def dims(t: TensorInfo) -> Dims:
    """A graph tensor's dims for messages and profiles: ints (fixed), strs (named dynamic axes), None (unknown).

    >>> dims(TensorInfo("x", "float32", [-1, 3], dim_names=["batch", None]))
    ('batch', 3)
    """
    return tuple(d if d >= 0 else n for d, n in zip(t.shape, t.dim_names))


def dims_text(t: TensorInfo | None) -> str:
    """``[batch, 3, height, width]``; ``?`` marks an axis without name or size; None is an unknown rank.

    >>> dims_text(TensorInfo("x", "float32", [-1, 4]))
    '[?, 4]'
    """
    if t is None:
        return "[unknown rank]"
    return "[" + ", ".join("?" if d is None else str(d) for d in dims(t)) + "]"


@dataclass
class ModelInfo:
    """What ``describe`` found; ``checker`` is ``"passed"``, ``"skipped"`` or onnx.checker's complaint."""

    path: Path
    size_bytes: int
    ir_version: int
    opset: int
    opsets: dict[str, int]
    producer: str
    graph_name: str
    # Graph inputs and outputs as trtcore.TensorInfo (location "host", no profiles; -1 and dim_names for dynamic
    # axes). A tensor of unknown rank has shape () and is listed in unknown_rank; values that are not tensors of a
    # type trtcore knows (sequences, maps, strings) are in other_types with their type, not in inputs/outputs.
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    op_histogram: dict[str, int]
    node_count: int
    initializer_count: int
    parameter_count: int
    initializer_dtypes: dict[str, int] = field(default_factory=dict)
    external_data: bool = False
    checker: str = "skipped"
    unknown_rank: frozenset[str] = frozenset()
    other_types: dict[str, str] = field(default_factory=dict)

    @property
    def dynamic_inputs(self) -> list[TensorInfo]:
        return [t for t in self.inputs if t.is_dynamic or t.name in self.unknown_rank]

    def dims_of(self, t: TensorInfo) -> Dims | None:
        """``dims(t)``, or None when the model does not say the tensor's rank."""
        return None if t.name in self.unknown_rank else dims(t)

    @property
    def has_qdq(self) -> bool:
        """True when the graph has Q/DQ nodes (explicit quantization, what INT8/FP8 on TensorRT 11 needs)."""
        return any(op in self.op_histogram for op in QDQ_OPS)

    def input_dims(self) -> dict[str, Dims | None]:
        return {t.name: self.dims_of(t) for t in self.inputs}

    def format(self) -> str:
        """Plain-text description, one fact a line (what ``--dry-run`` and ``inspect`` print)."""
        lines = [
            f"model      {self.path} ({_size(self.size_bytes)}{', external data' if self.external_data else ''})",
            f"format     ONNX IR {self.ir_version}, opset {self.opset}"
            + (f" (+ {', '.join(f'{d} {v}' for d, v in self.opsets.items() if d)})" if len(self.opsets) > 1 else ""),
            f"producer   {self.producer or 'unknown'}",
            f"checker    {self.checker}",
            f"graph      {self.node_count} nodes, {self.initializer_count} initializers, "
            f"{self.parameter_count:,} parameters ({_dtype_counts(self.initializer_dtypes)})",
        ]
        for label, tensors in (("input", self.inputs), ("output", self.outputs)):
            for t in tensors:
                unknown = t.name in self.unknown_rank
                dyn = "  (dynamic)" if t.is_dynamic or unknown else ""
                lines.append(f"{label:<10} {t.name}: {t.dtype_name} {dims_text(None if unknown else t)}{dyn}")
        for name, kind in self.other_types.items():
            lines.append(f"{'value':<10} {name}: {kind} (not a tensor trtcore runs)")
        lines.append("ops        " + ", ".join(f"{op} {n}" for op, n in self.op_histogram.items()))
        return "\n".join(lines)

    def table(self) -> Any:
        """A rich Table with the same facts as :meth:`format`."""
        from rich.table import Table
        from rich.text import Text

        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold")
        table.add_column()
        for line in self.format().splitlines():
            key, _, value = line.partition(" ")
            table.add_row(key, Text(value.strip()))  # Text: tensor dims like [batch, 3] are not markup
        return table

    def __rich__(self) -> Any:
        return self.table()


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{n} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def _dtype_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {d}" for d, n in counts.items()) or "none"


def _tensor_info(value_info: Any, io: str, unknown_rank: set[str], other: dict[str, str]) -> TensorInfo | None:
    t = value_info.type
    if t.HasField("tensor_type"):
        tt = t.tensor_type
        row = dtypes.from_onnx(tt.elem_type)
        if row is None:
            other[value_info.name] = dtype_name(tt.elem_type)
            return None
        shape, names = [], []
        if tt.HasField("shape"):
            for d in tt.shape.dim:
                fixed = d.HasField("dim_value")
                shape.append(d.dim_value if fixed else -1)
                names.append(None if fixed else (d.dim_param or None))
        else:
            unknown_rank.add(value_info.name)
        return TensorInfo(value_info.name, row.name, shape, io=io, dim_names=names, location="host")
    other[value_info.name] = t.WhichOneof("value") or "unknown"
    return None


def load_model(path: str | Path, *, load_external_data: bool = False) -> Any:
    """``onnx.load`` with trtcore errors: FileError for a missing file, FormatError naming it for bad contents.

    >>> load_model("resnet50.onnx").graph.name  # doctest: +SKIP
    'main_graph'
    """
    onnx = _onnx()
    path = Path(path)
    if not path.is_file():
        raise FileError(f"{path}: no such ONNX file")
    try:
        return onnx.load(str(path), load_external_data=load_external_data)
    except Exception as e:  # protobuf's DecodeError and friends have no common base worth naming
        raise FormatError(f"{path}: not a readable ONNX model ({type(e).__name__}: {e})") from e


def check(path: str | Path) -> None:
    """Runs onnx.checker on the file (path-based, so models over 2 GB with external data work).

    >>> check("resnet50.onnx")  # doctest: +SKIP
    """
    onnx = _onnx()
    try:
        onnx.checker.check_model(str(path))
    except onnx.checker.ValidationError as e:
        raise FormatError(f"{path}: onnx.checker rejects the model: {str(e).strip()}") from e
    except Exception as e:
        raise FormatError(f"{path}: not a readable ONNX model ({type(e).__name__}: {e})") from e


def describe(path: str | Path, *, run_checker: bool = True) -> ModelInfo:
    """Validates (unless ``run_checker=False``) and describes an ONNX file without loading external weights.

    >>> info = describe("resnet50.onnx")  # doctest: +SKIP
    >>> dims_text(info.inputs[0])  # doctest: +SKIP
    '[batch, 3, 224, 224]'
    """
    path = Path(path)
    model = load_model(path)
    if run_checker:
        check(path)
    graph = model.graph
    init_names = {i.name for i in graph.initializer}
    ext = any(i.data_location == 1 for i in graph.initializer)  # TensorProto.EXTERNAL
    dtypes: Counter[str] = Counter()
    params = 0
    for init in graph.initializer:
        dtypes[dtype_name(init.data_type)] += 1
        n = 1
        for d in init.dims:
            n *= d
        params += n
    ops = Counter(n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}.{n.op_type}" for n in graph.node)
    opsets = {o.domain: o.version for o in model.opset_import}
    unknown_rank: set[str] = set()
    other: dict[str, str] = {}

    def tensors(values: Any, io: str) -> list[TensorInfo]:
        infos = (_tensor_info(v, io, unknown_rank, other) for v in values)
        return [t for t in infos if t is not None]

    info = ModelInfo(
        path=path,
        size_bytes=path.stat().st_size,
        ir_version=model.ir_version,
        opset=opsets.get("", opsets.get("ai.onnx", 0)),
        opsets=opsets,
        producer=" ".join(p for p in (model.producer_name, model.producer_version) if p),
        graph_name=graph.name,
        # Old exporters (IR < 4) list initializers among the inputs; they are weights, not inputs.
        inputs=tensors([v for v in graph.input if v.name not in init_names], "input"),
        outputs=tensors(graph.output, "output"),
        op_histogram=dict(ops.most_common()),
        node_count=len(graph.node),
        initializer_count=len(graph.initializer),
        parameter_count=params,
        initializer_dtypes=dict(dtypes.most_common()),
        external_data=ext,
        checker="passed" if run_checker else "skipped",
        unknown_rank=frozenset(unknown_rank),
        other_types=other,
    )
    log.debug("described %s: %d nodes, opset %d", path, info.node_count, info.opset)
    return info
