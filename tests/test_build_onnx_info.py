"""ONNX validation and description (python/trtcore/build/onnx_info.py), shared with `trtcore inspect`."""

from __future__ import annotations

import onnx
import pytest

import trtcore
from _models import model_proto
from build_models import fcn_style, qdq_model, resnet_style, save, two_input_model
from onnx import TensorProto, helper

from trtcore.builder.onnx_info import describe, dims, dims_text
from trtcore.errors import FileError, FormatError


def test_describes_resnet_style_model(tmp_path):
    path = save(resnet_style(), tmp_path, "r.onnx")
    info = describe(path)
    assert info.checker == "passed" and info.opset == 17 and info.ir_version == 8
    assert [(t.name, t.dtype_name, dims(t)) for t in info.inputs] == [("input", "float32", ("batch", 3, 32, 32))]
    assert [(t.name, t.dtype_name, dims(t)) for t in info.outputs] == [("logits", "float32", ("batch", 10))]
    assert info.inputs[0].shape == (-1, 3, 32, 32) and info.inputs[0].dim_names == ("batch", None, None, None)
    assert isinstance(info.inputs[0], trtcore.TensorInfo)
    assert info.op_histogram == {"Conv": 5, "BatchNormalization": 5, "Relu": 5, "Add": 2, "GlobalAveragePool": 1,
                                 "Flatten": 1, "Gemm": 1}
    assert info.node_count == 20
    # conv weights 3*16*9 + 4*16*16*9, 5 BN x 4 x 16, gemm 16*10 + 10
    assert info.parameter_count == 432 + 4 * 2304 + 5 * 64 + 170
    assert info.initializer_dtypes == {"float32": info.initializer_count}
    assert [t.name for t in info.dynamic_inputs] == ["input"] and not info.has_qdq


def test_format_lists_inputs_outputs_and_ops(tmp_path):
    info = describe(save(fcn_style(argmax=True), tmp_path, "fcn.onnx"))
    text = info.format()
    assert "input: float32 [batch, 3, height, width]  (dynamic)" in text
    assert "labels: int64 [batch, 1, height, width]" in text
    assert "Resize 1" in text and "ArgMax 1" in text and "opset 17" in text
    from rich.console import Console

    console = Console(record=True, width=200)
    console.print(info)
    assert "[batch, 3, height, width]" in console.export_text()


def test_static_input_is_not_dynamic(tmp_path):
    info = describe(save(two_input_model(), tmp_path, "two.onnx"))
    assert [t.name for t in info.dynamic_inputs] == ["input"]
    assert info.input_dims() == {"input": ("batch", 3, "height", "width"), "mask": (1, 1)}


def test_qdq_model_is_recognised(tmp_path):
    assert describe(save(qdq_model(), tmp_path, "q.onnx")).has_qdq


def test_initializers_listed_as_inputs_are_not_inputs(tmp_path):
    model = resnet_style()
    init = model.graph.initializer[0]
    model.graph.input.append(helper.make_tensor_value_info(init.name, init.data_type, list(init.dims)))
    info = describe(save(model, tmp_path, "old.onnx"))
    assert [t.name for t in info.inputs] == ["input"]


def test_unknown_axes_and_rank(tmp_path):
    node = helper.make_node("Relu", ["x"], ["y"])
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, None)
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 4])
    model = model_proto([node], [x], [y], check=False)
    info = describe(save(model, tmp_path, "u.onnx"), run_checker=False)  # the checker wants input shapes
    assert info.dims_of(info.inputs[0]) is None and info.input_dims() == {info.inputs[0].name: None}
    assert "[unknown rank]" in info.format()
    assert dims(info.outputs[0]) == (None, 4) and dims_text(info.outputs[0]) == "[?, 4]"


def test_missing_file_is_file_error(tmp_path):
    with pytest.raises(FileError, match="missing.onnx"):
        describe(tmp_path / "missing.onnx")


def test_garbage_is_format_error_naming_file(tmp_path):
    path = tmp_path / "junk.onnx"
    path.write_bytes(b"\x08\x07this is not protobuf \xff\xff\xff")
    with pytest.raises(FormatError, match="junk.onnx"):
        describe(path)


def test_checker_failure_is_format_error(tmp_path):
    model = resnet_style()
    model.graph.node[0].input[0] = "does_not_exist"
    path = tmp_path / "broken.onnx"
    onnx.save(model, str(path))
    with pytest.raises(FormatError) as e:
        describe(path)
    assert "broken.onnx" in str(e.value) and "checker" in str(e.value)
    # Description without the checker still works, for `inspect` on models the checker dislikes.
    assert describe(path, run_checker=False).checker == "skipped"
