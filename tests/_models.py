"""Tiny ONNX models built with onnx.helper for the runner/pipeline/CLI tests (no blobs in the repo)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT, INT64 = TensorProto.FLOAT, TensorProto.INT64


# Readable by every onnxruntime the tests allow and by every TensorRT 10.x / 11.x parser.
OPSET, IR_VERSION = 17, 8


def model_proto(nodes: list[Any], inputs: list[Any], outputs: list[Any],
                initializers: dict[str, np.ndarray] | list[Any] = (), *, name: str = "g",
                domains: tuple[str, ...] = (), check: bool = True) -> onnx.ModelProto:
    """The one recipe every test model goes through: a graph at opset 17 / IR 8, optionally checked.
    ``initializers`` is {name: array} or a list of TensorProto; ``domains`` adds custom op sets (version 1)."""
    inits = ([numpy_helper.from_array(v, k) for k, v in initializers.items()] if isinstance(initializers, dict)
             else list(initializers))
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=inits)
    opsets = [helper.make_opsetid("", OPSET)] + [helper.make_opsetid(d, 1) for d in domains]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="trtcore-tests")
    model.ir_version = IR_VERSION
    if check:
        onnx.checker.check_model(model)
    return model


def write(model: onnx.ModelProto, path: Path) -> Path:
    path.write_bytes(model.SerializeToString())
    return path


def save(path: Path, nodes: list[Any], inputs: list[Any], outputs: list[Any], inits: dict[str, np.ndarray] | None = None
         ) -> Path:
    return write(model_proto(nodes, inputs, outputs, inits or {}, name=path.stem), path)


def vi(name: str, elem: int, shape: list[Any]) -> Any:
    return helper.make_tensor_value_info(name, elem, shape)


def add_one(path: Path, shape: list[Any] = ("batch", 3), bias: float = 1.0) -> Path:
    """y = x + bias."""
    return save(path, [helper.make_node("Add", ["x", "b"], ["y"])], [vi("x", FLOAT, list(shape))],
                [vi("y", FLOAT, list(shape))], {"b": np.array(bias, np.float32)})


def two_inputs(path: Path) -> Path:
    """z = a + b, both [batch, 4]."""
    return save(path, [helper.make_node("Add", ["a", "b"], ["z"])],
                [vi("a", FLOAT, ["batch", 4]), vi("b", FLOAT, ["batch", 4])], [vi("z", FLOAT, ["batch", 4])])


def linear(path: Path, batch: Any = "batch", features: int = 6, classes: int = 5, seed: int = 0) -> Path:
    """scores = x @ W + b, x [batch, features] (row-independent, so batching must not change results)."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(features, classes)).astype(np.float32)
    b = rng.normal(size=classes).astype(np.float32)
    return save(path, [helper.make_node("Gemm", ["x", "w", "b"], ["scores"])], [vi("x", FLOAT, [batch, features])],
                [vi("scores", FLOAT, [batch, classes])], {"w": w, "b": b})


def identity_logits(path: Path, h: Any = "height", w: Any = "width", out_dtype: str = "logits") -> Path:
    """Segmenter: logits = the image's own channels (argmax = brightest channel); or int64 labels via ArgMax."""
    nodes = [helper.make_node("Identity", ["input"], ["logits"])]
    out = vi("logits", FLOAT, ["batch", 3, h, w])
    if out_dtype == "labels":
        nodes.append(helper.make_node("ArgMax", ["logits"], ["labels"], axis=1, keepdims=1))
        out = vi("labels", INT64, ["batch", 1, h, w])
    return save(path, nodes, [vi("input", FLOAT, ["batch", 3, h, w])], [out])


def downsampling(path: Path) -> Path:
    """A segmenter-looking model whose output is half the input's size (must be rejected, not stretched)."""
    return save(path, [helper.make_node("MaxPool", ["input"], ["logits"], kernel_shape=[2, 2], strides=[2, 2])],
                [vi("input", FLOAT, [1, 3, 8, 8])], [vi("logits", FLOAT, [1, 3, 4, 4])])


def pooled(path: Path) -> Path:
    """Image input, but a classifier-style [1, 3] output (a segmenter must reject it)."""
    return save(path, [helper.make_node("GlobalAveragePool", ["input"], ["p"]),
                       helper.make_node("Flatten", ["p"], ["scores"], axis=1)],
                [vi("input", FLOAT, [1, 3, 8, 8])], [vi("scores", FLOAT, [1, 3])])


def one_channel_logits(path: Path) -> Path:
    """A segmenter-looking model with float output [N, 1, H, W] (argmax would always say class 0: rejected)."""
    return save(path, [helper.make_node("ReduceMean", ["input"], ["logits"], axes=[1], keepdims=1)],
                [vi("input", FLOAT, [1, 3, 8, 8])], [vi("logits", FLOAT, [1, 1, 8, 8])])
