"""Tiny ONNX graphs for the build tests, made with onnx.helper and seeded random weights (no blobs in git).

- ``resnet_style``: conv → batchnorm → relu → two residual blocks (conv/bn/relu + Add) → global average pool →
  flatten → gemm, like ResNet's classifier.
- ``fcn_style``: strided conv encoder → 1x1 classifier conv → Resize back to the input size → logits, and
  optionally ArgMax like the FCN segmentation sample.
- ``qdq_model``: a conv with QuantizeLinear/DequantizeLinear, what a quantizer such as ModelOpt writes.

Weights use He-style scaling so activations stay O(1), the regime real trained networks are in.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from _models import model_proto, write
from trtcore import _core



class _Graph:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.count = 0

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def const(self, prefix: str, array: np.ndarray) -> str:
        n = self.name(prefix)
        self.inits.append(numpy_helper.from_array(array, n))
        return n

    def node(self, op: str, inputs: list[str], **attrs) -> str:
        out = self.name(op.lower() + "_out")
        self.nodes.append(helper.make_node(op, inputs, [out], name=self.name(op), **attrs))
        return out

    def conv_bn_relu(self, x: str, cin: int, cout: int, k: int = 3, stride: int = 1, relu: bool = True) -> str:
        w = self.rng.normal(0, np.sqrt(2.0 / (cin * k * k)), (cout, cin, k, k)).astype(np.float32)
        y = self.node("Conv", [x, self.const("w", w)], kernel_shape=[k, k], pads=[k // 2] * 4,
                      strides=[stride, stride])
        scale = self.rng.uniform(0.5, 1.5, cout).astype(np.float32)
        bias = self.rng.normal(0, 0.1, cout).astype(np.float32)
        mean = self.rng.normal(0, 0.1, cout).astype(np.float32)
        var = self.rng.uniform(0.5, 1.5, cout).astype(np.float32)
        y = self.node("BatchNormalization", [y] + [self.const(p, a) for p, a in
                                                   (("s", scale), ("b", bias), ("m", mean), ("v", var))])
        return self.node("Relu", [y]) if relu else y


def _model(g: _Graph, inputs, outputs, name: str) -> onnx.ModelProto:
    return model_proto(g.nodes, inputs, outputs, g.inits, name=name)


def resnet_style(batch: int | str = "batch", size: int | str = 32, classes: int = 10, seed: int = 0) -> onnx.ModelProto:
    """ResNet-like classifier; ``batch``/``size`` given as str become dynamic (dim_param) axes."""
    g = _Graph(seed)
    x = g.conv_bn_relu("input", 3, 16, stride=2)
    for _ in range(2):  # residual blocks
        y = g.conv_bn_relu(x, 16, 16)
        y = g.conv_bn_relu(y, 16, 16, relu=False)
        x = g.node("Relu", [g.node("Add", [x, y])])
    x = g.node("Flatten", [g.node("GlobalAveragePool", [x])])
    w = g.rng.normal(0, np.sqrt(1.0 / 16), (classes, 16)).astype(np.float32)
    b = g.rng.normal(0, 0.1, classes).astype(np.float32)
    logits = g.node("Gemm", [x, g.const("fc_w", w), g.const("fc_b", b)], transB=1)
    g.nodes[-1].output[0] = "logits"
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, [batch, 3, size, size])
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT, [batch, classes])
    del logits
    return _model(g, [inp], [out], "resnet_style")


def fcn_style(batch: int | str = "batch", height: int | str = "height", width: int | str = "width", classes: int = 5,
              argmax: bool = False, seed: int = 1) -> onnx.ModelProto:
    """FCN-like segmenter: encoder at 1/4 resolution, 1x1 classifier, Resize to the input size, logits (+ArgMax)."""
    g = _Graph(seed)
    x = g.conv_bn_relu("input", 3, 8, stride=2)
    x = g.conv_bn_relu(x, 8, 16, stride=2)
    x = g.conv_bn_relu(x, 16, 16)
    w = g.rng.normal(0, np.sqrt(1.0 / 16), (classes, 16, 1, 1)).astype(np.float32)
    b = g.rng.normal(0, 0.1, classes).astype(np.float32)
    x = g.node("Conv", [x, g.const("cls_w", w), g.const("cls_b", b)], kernel_shape=[1, 1])
    # Resize to the input's own spatial size (the FCN head does this with the input's shape).
    shape = g.node("Shape", ["input"])
    hw = g.node("Slice", [shape, g.const("st", np.array([2], np.int64)), g.const("en", np.array([4], np.int64))])
    nc = g.node("Slice", [g.node("Shape", [x]), g.const("st", np.array([0], np.int64)),
                          g.const("en", np.array([2], np.int64))])
    sizes = g.node("Concat", [nc, hw], axis=0)
    logits = g.node("Resize", [x, "", "", sizes], mode="linear")
    g.nodes[-1].output[0] = "logits"
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [batch, classes, height, width])]
    if argmax:
        g.nodes.append(helper.make_node("ArgMax", ["logits"], ["labels"], name="argmax", axis=1, keepdims=1))
        outputs.append(helper.make_tensor_value_info("labels", TensorProto.INT64, [batch, 1, height, width]))
    del logits
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, [batch, 3, height, width])
    return _model(g, [inp], outputs, "fcn_style")


def two_input_model() -> onnx.ModelProto:
    """``input: [batch, 3, height, width]`` and a static ``mask: [1, 1]``; output = input * mask."""
    node = helper.make_node("Mul", ["input", "mask"], ["out"], name="mul")
    return model_proto(
        [node],
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, "height", "width"]),
         helper.make_tensor_value_info("mask", TensorProto.FLOAT, [1, 1])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["batch", 3, "height", "width"])],
        name="two_inputs")


def qdq_model() -> onnx.ModelProto:
    """A conv whose input and weight pass through QuantizeLinear → DequantizeLinear (explicit INT8)."""
    g = _Graph(2)
    scale = g.const("scale", np.array(0.05, np.float32))
    zero = g.const("zero", np.array(0, np.int8))
    xq = g.node("DequantizeLinear", [g.node("QuantizeLinear", ["input", scale, zero]), scale, zero])
    w = g.const("w", g.rng.normal(0, 0.2, (4, 3, 3, 3)).astype(np.float32))
    wq = g.node("DequantizeLinear", [g.node("QuantizeLinear", [w, scale, zero]), scale, zero])
    g.node("Conv", [xq, wq], kernel_shape=[3, 3])
    g.nodes[-1].output[0] = "out"
    return _model(g, [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])],
                  [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 4, 6, 6])], "qdq")


def save(model: onnx.ModelProto, folder: Path, name: str) -> Path:
    return write(model, Path(folder) / name)


def build_request(onnx_path: Path, **fields: object) -> _core.BuildRequest:
    """A `_core.BuildRequest` for `onnx_path` with TensorRT's defaults, then `fields`: `profiles` as
    [{input: (min, opt, max)}], `memory_pools` as {pool: bytes}, the rest as the struct's fields."""
    r = _core.BuildRequest()
    r.onnx_path = str(onnx_path)
    for name, value in fields.items():
        if name == "profiles":
            value = [[_core.ProfileInput(n, *shapes) for n, shapes in p.items()] for p in value]
        elif name == "memory_pools":
            value = list(value.items())
        setattr(r, name, value)
    return r
