"""``trtcore triton-repo``: a model repository for a production Triton (``DIR/NAME/1/model.plan`` or
``model.onnx`` and ``DIR/NAME/config.pbtxt``), from the same plan ``trtcore serve`` binds."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from trtcore._interrupt import reraise_interrupt
from trtcore.files import write_file_atomic
from trtcore.errors import ArgumentError, FileError, FormatError, MissingDependency
from trtcore.runners import ENGINE_SUFFIXES, load
from trtcore.serving.model import TritonModel, TritonTensor, check_name, model_source, plan_model

__all__ = ["PLATFORMS", "RepositoryModel", "config_text", "external_data_files", "write_repository"]

#: Triton's platform per model file: TensorRT plans and ONNX models.
PLATFORMS = {"plan": "tensorrt_plan", "onnx": "onnxruntime_onnx"}
KINDS = ("gpu", "cpu")


@dataclass(frozen=True)
class RepositoryModel:
    """What :func:`write_repository` wrote."""

    name: str
    model_file: Path
    config_file: Path
    plan: TritonModel
    platform: str
    #: the ONNX model's external data files copied beside ``model_file`` (onnx's external data format)
    data_files: tuple[Path, ...] = field(default=())


def _q(text: str) -> str:
    return json.dumps(text)  # a protobuf text-format string for names (ASCII escapes, double quotes)


def _ints(values: Sequence[int]) -> str:
    return "[ " + ", ".join(str(int(v)) for v in values) + " ]" if values else "[ ]"


def _tensor(t: TritonTensor) -> list[str]:
    lines = ["  {", f"    name: {_q(t.name)}", f"    data_type: TYPE_{t.triton_type}"]
    if t.dims:
        lines.append(f"    dims: {_ints(t.dims)}")
    else:  # a scalar (per request): Triton needs dims, and reshapes to none
        lines += ["    dims: [ 1 ]", "    reshape { shape: [ ] }"]
    return lines + ["  }"]


def config_text(plan: TritonModel, platform: str, *, instances: int = 1, kind: str = "gpu",
                gpus: Sequence[int] | None = None, max_queue_delay_us: int = 100, source: str = "") -> str:
    """``config.pbtxt`` for ``plan`` (protobuf text format of Triton's ``ModelConfig``).

    ``instances`` copies per GPU: one ``instance_group`` per listed GPU, or one group without ``gpus`` (Triton
    then places that many on every GPU it sees). TensorRT plans list their optimization profiles in each group.

    >>> from trtcore.serving.model import TritonModel, TritonTensor
    >>> t = TritonTensor("x", "float32", "FP32", (4,))
    >>> "max_batch_size: 8" in config_text(TritonModel("m", (t,), (t,), 8), "onnxruntime_onnx")
    True
    """
    if platform not in PLATFORMS.values():
        raise ArgumentError(f"platform must be one of {', '.join(PLATFORMS.values())}, got {platform!r}")
    if kind not in KINDS:
        raise ArgumentError(f"kind: one of {', '.join(KINDS)}, got {kind!r}")
    if kind == "cpu" and platform == "tensorrt_plan":
        raise ArgumentError("kind='cpu': a TensorRT plan runs only on a GPU")
    if kind == "cpu" and gpus:
        raise ArgumentError("gpus: only with kind='gpu'")
    if instances < 1:
        raise ArgumentError(f"instances: at least 1, got {instances}")
    lines = [f"# written by trtcore triton-repo{' from ' + source if source else ''}",
             f"name: {_q(plan.name)}", f"platform: {_q(platform)}", f"max_batch_size: {plan.max_batch_size}"]
    for key, tensors in (("input", plan.inputs), ("output", plan.outputs)):
        lines.append(f"{key} [")
        for k, t in enumerate(tensors):
            lines += _tensor(t)
            if k < len(tensors) - 1:
                lines[-1] += ","
        lines.append("]")
    if plan.batching:
        lines += ["dynamic_batching {", f"  max_queue_delay_microseconds: {int(max_queue_delay_us)}", "}"]
    for k, profile in enumerate(plan.profiles):
        for name, (lo, opt, hi) in profile.items():
            lines.append(f"# optimization profile {k}, {name}: min {list(lo)} opt {list(opt)} max {list(hi)}")
    profiles = f"    profile: [ {', '.join(_q(str(k)) for k in range(len(plan.profiles)))} ]" if plan.profiles else ""
    groups = []
    for gpu in (list(gpus) if gpus else [None]):
        body = [f"    count: {instances}", f"    kind: KIND_{kind.upper()}"]
        if gpu is not None:
            body.append(f"    gpus: [ {int(gpu)} ]")
        if profiles and platform == "tensorrt_plan":
            body.append(profiles)
        groups.append(["  {", *body, "  }"])
    lines.append("instance_group [")
    for k, group in enumerate(groups):
        if k < len(groups) - 1:
            group[-1] += ","
        lines += group
    lines.append("]")
    return "\n".join(lines) + "\n"


def _tensors(graph: Any) -> Iterator[Any]:
    """Every TensorProto of ``graph``: initializers (sparse ones too), node attributes, subgraphs'."""
    yield from graph.initializer
    for sparse in graph.sparse_initializer:
        yield sparse.values
        yield sparse.indices
    for node in graph.node:
        yield from _node_tensors(node)


def _node_tensors(node: Any) -> Iterator[Any]:
    for a in node.attribute:
        if a.HasField("t"):
            yield a.t
        yield from a.tensors
        if a.HasField("g"):
            yield from _tensors(a.g)
        for g in a.graphs:
            yield from _tensors(g)


def external_data_files(model: str | Path) -> list[PurePosixPath]:
    """The external data files an ONNX model refers to (onnx's external data format: ``location`` of each tensor
    stored outside the ``.onnx``), relative to the model's folder, in first-use order; [] when it has none.

    A location that is absolute or leaves the model's folder is a FormatError; a file that is missing a FileError.

    >>> external_data_files("big.onnx")  # doctest: +SKIP
    [PurePosixPath('big.onnx.data')]
    """
    try:
        import onnx
        from onnx.external_data_helper import ExternalDataInfo, uses_external_data
    except ImportError as e:
        reraise_interrupt(e)
        raise MissingDependency(f"{model}: reading an ONNX model's external data needs onnx: "
                                "pip install \"trtcore[onnx]\"") from None
    path = Path(model)
    try:
        proto = onnx.load(str(path), load_external_data=False)
    except Exception as e:  # noqa: BLE001  (onnx raises DecodeError and others for a file that is not a model)
        reraise_interrupt(e)
        raise FormatError(f"{path}: not an ONNX model ({e})") from None
    tensors = list(_tensors(proto.graph))
    for function in proto.functions:
        for node in function.node:
            tensors += list(_node_tensors(node))
    files: list[PurePosixPath] = []
    for t in tensors:
        if not uses_external_data(t):
            continue
        location = ExternalDataInfo(t).location
        rel = PurePosixPath(location)
        if not location or rel.is_absolute() or ".." in rel.parts or "\\" in location:
            raise FormatError(f"{path}: tensor {t.name!r} keeps its data in {location!r}; external data must be "
                              "a file beside the model or below its folder")
        if rel not in files:
            if not (path.parent / rel).is_file():
                raise FileError(f"{path}: tensor {t.name!r} keeps its data in {location!r}, and "
                                f"{path.parent / rel} does not exist (copy it beside the model)")
            files.append(rel)
    return files


def _copy_atomic(source: Path, target: Path) -> Path:
    """``source``'s bytes to ``target`` atomically, streamed (external data can be gigabytes)."""
    try:
        with source.open("rb") as src:
            return write_file_atomic(target, lambda f: shutil.copyfileobj(src, f, 1 << 20))
    except OSError as e:
        if isinstance(e, FileError):
            raise
        raise FileError(f"{source}: cannot read it ({e.strerror or e})") from None


def write_repository(model: str | Path, output: str | Path, *, name: str | None = None,
                     max_batch_size: int | None = None, max_queue_delay_us: int = 100, instances: int = 1,
                     kind: str = "gpu", gpus: Sequence[int] | None = None) -> RepositoryModel:
    """Writes ``output/NAME/1/model.plan`` (or ``model.onnx``) and ``output/NAME/config.pbtxt``, each atomically.
    An ONNX model's external data files (``onnx.save(..., save_as_external_data=True)``) are copied beside
    ``model.onnx`` under the names the model refers to, so that Triton's ONNX Runtime finds them.

    Inputs, outputs, data types, dims and the batch axis come from the model's :class:`trtcore.TensorInfo`
    (engines need TensorRT here to be read; ONNX files are read with ONNX Runtime). ``output`` is created.

    >>> write_repository("digits", "models").config_file  # doctest: +SKIP
    PosixPath('models/digits/config.pbtxt')
    """
    path, _ = model_source(model)
    suffix = path.suffix.lower()
    if suffix in ENGINE_SUFFIXES:
        kind_name, backend = "plan", "tensorrt"
    elif suffix == ".onnx":
        kind_name, backend = "onnx", "onnxruntime"
    else:
        raise ArgumentError(f"MODEL {path}: triton-repo takes an engine ({', '.join(ENGINE_SUFFIXES)}) or .onnx")
    name = check_name(name if name is not None else path.stem if Path(model).exists() else str(model))
    data = external_data_files(path) if kind_name == "onnx" else []
    with load(path, backend) as runner:
        plan = plan_model(runner.inputs, runner.outputs, name, max_batch_size)
    text = config_text(plan, PLATFORMS[kind_name], instances=instances, kind=kind, gpus=gpus,
                       max_queue_delay_us=max_queue_delay_us, source=path.name)
    version = Path(output) / name / "1"
    try:
        version.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise FileError(f"-o {output}: cannot create {version} ({e.strerror or e})") from None
    if PurePosixPath(f"model.{kind_name}") in data:
        raise FormatError(f"{path}: its external data file is named model.{kind_name}, the name Triton gives the "
                          "model itself; save the data under another name")
    data_files = []
    for rel in data:  # the data first: a model.onnx in place always has its data beside it
        target = version / rel
        if target.parent != version:
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise FileError(f"-o {output}: cannot create {target.parent} ({e.strerror or e})") from None
        data_files.append(_copy_atomic(path.parent / rel, target))
    model_file = _copy_atomic(path, version / f"model.{kind_name}")
    config_file = write_file_atomic(Path(output) / name / "config.pbtxt", text.encode())
    return RepositoryModel(name, model_file, config_file, plan, PLATFORMS[kind_name], tuple(data_files))
