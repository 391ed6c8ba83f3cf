"""Precision on TensorRT 10 and 11 (python/trtcore/build/precision.py): the plan, and the fp16 conversion checked
numerically with ONNX Runtime against the fp32 original.

Tolerances (also in third_party/precision.md): logits agree with ``rtol=atol=1e-2`` elementwise (fp16 keeps ~3.3
significant digits; these graphs are 8-12 layers deep with O(1) activations); FCN labels (ArgMax) agree on >= 99%
of pixels, and every disagreement is a near-tie where the fp32 top-2 logits differ by < 0.05.
"""

from __future__ import annotations

import sys
import types

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from _models import model_proto
from build_models import fcn_style, qdq_model, resnet_style, save

from trtcore.builder.onnx_info import describe
from trtcore.builder.precision import (
    AUTOCAST,
    ONNXCONVERTER,
    available_converters,
    choose_converter,
    convert_model,
    plan_precision,
)
from trtcore.errors import ArgumentError

RTOL = ATOL = 1e-2
LABEL_AGREEMENT = 0.99
TIE_GAP = 0.05
ONLY_LIGHT = {AUTOCAST: None, ONNXCONVERTER: "1.16.0"}


def _run(path, feeds):
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds), strict=True))


def _io_types(path):
    model = onnx.load(str(path))
    return {v.name: v.type.tensor_type.elem_type for v in list(model.graph.input) + list(model.graph.output)}


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """(original, converted) paths of the ResNet- and FCN-style graphs, converted once for the module."""
    folder = tmp_path_factory.mktemp("precision")
    out = {}
    for name, model in (("resnet", resnet_style()), ("fcn", fcn_style(argmax=True))):
        src = save(model, folder, f"{name}.onnx")
        report = convert_model(src, folder / f"{name}.fp16.onnx", "fp16", converter=ONNXCONVERTER)
        out[name] = (src, report)
    return out


def test_resnet_style_fp16_matches_fp32_within_tolerance(converted):
    src, report = converted["resnet"]
    x = np.random.default_rng(10).standard_normal((4, 3, 32, 32)).astype(np.float32)
    ref, got = _run(src, {"input": x})["logits"], _run(report.output, {"input": x})["logits"]
    assert got.dtype == np.float32 and got.shape == ref.shape == (4, 10)
    np.testing.assert_allclose(got, ref, rtol=RTOL, atol=ATOL)
    assert not np.array_equal(got, ref), "a converted model computing bit-identical fp32 was not converted"
    assert report.casts_added > 0 and report.nodes_after > report.nodes_before
    # weights really are fp16 now
    assert {i.data_type for i in onnx.load(str(report.output)).graph.initializer} == {onnx.TensorProto.FLOAT16}


@pytest.mark.parametrize("hw", [(32, 32), (40, 56)])
def test_fcn_style_fp16_logits_and_labels(converted, hw):
    src, report = converted["fcn"]
    x = np.random.default_rng(hw[1]).standard_normal((2, 3, *hw)).astype(np.float32)
    ref, got = _run(src, {"input": x}), _run(report.output, {"input": x})
    assert got["logits"].dtype == np.float32 and got["logits"].shape == (2, 5, *hw)
    np.testing.assert_allclose(got["logits"], ref["logits"], rtol=RTOL, atol=ATOL)
    agree = got["labels"] == ref["labels"]
    assert agree.mean() >= LABEL_AGREEMENT
    top2 = np.sort(ref["logits"], axis=1)[:, -2:]
    gap = (top2[:, 1] - top2[:, 0])[:, None]
    assert np.all(gap[~agree] < TIE_GAP), "labels differ where fp32 was not a near-tie"


def test_keep_io_types_keeps_float32_interface(converted):
    for src, report in converted.values():
        assert _io_types(report.output) == _io_types(src)
        assert set(report.io_types.values()) <= {"float32", "int64"}


def test_without_keep_io_types_interface_becomes_fp16(tmp_path):
    src = save(resnet_style(), tmp_path, "r.onnx")
    report = convert_model(src, tmp_path / "r16.onnx", "fp16", keep_io_types=False, converter=ONNXCONVERTER)
    assert report.io_types == {"input": "float16", "logits": "float16"}
    x = np.random.default_rng(0).standard_normal((1, 3, 32, 32)).astype(np.float32)
    got = _run(report.output, {"input": x.astype(np.float16)})["logits"]
    np.testing.assert_allclose(got.astype(np.float32), _run(src, {"input": x})["logits"], rtol=2e-2, atol=2e-2)


def test_qdq_nodes_keep_fp32_scales_and_still_run(tmp_path):
    src = save(qdq_model(), tmp_path, "q.onnx")
    report = convert_model(src, tmp_path / "q16.onnx", "fp16", converter=ONNXCONVERTER)
    x = np.random.default_rng(0).standard_normal((1, 3, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(_run(report.output, {"input": x})["out"], _run(src, {"input": x})["out"],
                               rtol=RTOL, atol=ATOL)


def test_bf16_without_modelopt_names_the_extra():
    with pytest.raises(ArgumentError, match=r"trtcore\[autocast\]"):
        choose_converter("bf16", ONLY_LIGHT)
    assert choose_converter("fp16", ONLY_LIGHT) == ONNXCONVERTER
    assert choose_converter("bf16", {AUTOCAST: "0.47.0", ONNXCONVERTER: None}) == AUTOCAST
    with pytest.raises(ArgumentError, match=r"trtcore\[onnx\]"):
        choose_converter("fp16", {AUTOCAST: None, ONNXCONVERTER: None})


def test_onnxconverter_common_is_found_here():
    assert available_converters()[ONNXCONVERTER]


def test_autocast_is_called_with_path_precision_and_io_types(tmp_path, monkeypatch):
    """ModelOpt is 6.5 GB and not installed in CI: a stand-in module records how AutoCast is called."""
    calls = []

    def convert_to_mixed_precision(onnx_path, low_precision_type, keep_io_types, **kw):
        calls.append((onnx_path, low_precision_type, keep_io_types))
        return onnx.load(onnx_path)  # stand-in: the real one returns the mixed-precision ModelProto

    for name in ("modelopt", "modelopt.onnx"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    autocast = types.ModuleType("modelopt.onnx.autocast")
    autocast.convert_to_mixed_precision = convert_to_mixed_precision
    monkeypatch.setitem(sys.modules, "modelopt.onnx.autocast", autocast)
    src = save(resnet_style(), tmp_path, "r.onnx")
    report = convert_model(src, tmp_path / "r.bf16.onnx", "bf16", converter=AUTOCAST)
    assert calls == [(str(src), "bf16", True)]
    assert report.converter == AUTOCAST and report.output.is_file()


# ------------------------------------------------------------------------------------------------- the plan
@pytest.fixture(scope="module")
def infos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("infos")
    fp16 = onnx.load_from_string(resnet_style().SerializeToString())
    from onnxconverter_common.float16 import convert_float_to_float16
    fp16 = convert_float_to_float16(fp16, keep_io_types=True)
    return {"plain": describe(save(resnet_style(), folder, "r.onnx")),
            "qdq": describe(save(qdq_model(), folder, "q.onnx")),
            "fp16": describe(save(fp16, folder, "r16.onnx"))}


def test_tensorrt10_weak_typing_uses_builder_flags(infos):
    plan = plan_precision(fp16=True, int8=True, target_major=10, info=infos["qdq"], available=ONLY_LIGHT)
    assert plan.flags == ["fp16", "int8"] and plan.convert_to is None and not plan.strongly_typed


def test_tensorrt10_int8_without_qdq_warns_about_calibration(infos):
    plan = plan_precision(int8=True, target_major=10, info=infos["plain"])
    assert plan.flags == ["int8"] and any("calibrator" in n for n in plan.notes)


@pytest.mark.parametrize("capable, flags", [(True, ["fp16", "bf16", "int8"]), (False, ["fp16", "int8"]),
                                            (None, ["fp16", "int8"])])
def test_tensorrt10_best_adds_bf16_on_ampere_only(capable, flags):
    assert plan_precision(best=True, target_major=10, bf16_capable=capable).flags == flags


@pytest.mark.parametrize("major, strongly, flags", [(11, False, []), (10, True, ["strongly_typed"])])
def test_strong_typing_converts_the_model(infos, major, strongly, flags):
    plan = plan_precision(fp16=True, strongly_typed=strongly, target_major=major, info=infos["plain"],
                          available=ONLY_LIGHT)
    assert plan.flags == flags and plan.convert_to == "fp16" and plan.converter == ONNXCONVERTER
    assert plan.keep_io_types and plan.strongly_typed
    assert "convert model to fp16 with onnxconverter-common" in plan.describe()


def test_tensorrt11_int8_needs_qdq(infos):
    with pytest.raises(ArgumentError) as e:
        plan_precision(int8=True, target_major=11, info=infos["plain"])
    assert "QuantizeLinear/DequantizeLinear" in str(e.value) and "ModelOpt" in str(e.value)
    plan = plan_precision(int8=True, target_major=11, info=infos["qdq"])
    assert plan.flags == [] and plan.convert_to is None and any("Q/DQ" in n for n in plan.notes)


def test_tensorrt11_fp16_and_bf16_together_is_an_error(infos):
    with pytest.raises(ArgumentError, match="choose one"):
        plan_precision(fp16=True, bf16=True, target_major=11, info=infos["plain"], available=ONLY_LIGHT)


def test_tensorrt11_best_converts_to_fp16(infos):
    plan = plan_precision(best=True, target_major=11, info=infos["plain"], available=ONLY_LIGHT)
    assert plan.convert_to == "fp16" and plan.flags == []


def test_tensorrt11_bf16_without_autocast_fails_at_plan_time(infos):
    with pytest.raises(ArgumentError, match=r"trtcore\[autocast\]"):
        plan_precision(bf16=True, target_major=11, info=infos["plain"], available=ONLY_LIGHT)


def test_already_fp16_model_is_not_converted_again(infos):
    plan = plan_precision(fp16=True, target_major=11, info=infos["fp16"], available=ONLY_LIGHT)
    assert plan.convert_to is None and any("already float16" in n for n in plan.notes)


def test_fp32_build_needs_nothing(infos):
    for major in (10, 11):
        plan = plan_precision(target_major=major, info=infos["plain"])
        assert plan.flags == [] and plan.convert_to is None


def test_unknown_major_is_rejected():
    with pytest.raises(ArgumentError, match="12"):
        plan_precision(fp16=True, target_major=12)


def test_output_read_by_other_nodes_and_passthrough_output_keep_their_types(tmp_path):
    """keep_io_types for an output that another node also reads (an FCN's logits → ArgMax) and for a graph input
    passed straight through as an output."""
    from onnx import TensorProto, helper

    w = onnx.numpy_helper.from_array(np.full((4, 4), 0.5, np.float32), "w")
    nodes = [helper.make_node("MatMul", ["x", "w"], ["y"]), helper.make_node("Relu", ["y"], ["z"])]
    vi = lambda n: helper.make_tensor_value_info(n, TensorProto.FLOAT, [2, 4])  # noqa: E731
    model = model_proto(nodes, [vi("x")], [vi("y"), vi("z"), vi("x")], [w], check=False)
    src = save(model, tmp_path, "m.onnx")
    report = convert_model(src, tmp_path / "m16.onnx", "fp16", converter=ONNXCONVERTER)
    assert set(report.io_types.values()) == {"float32"}
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    got, ref = _run(report.output, {"x": x}), _run(src, {"x": x})
    for name in ("y", "z", "x"):
        np.testing.assert_allclose(got[name], ref[name], rtol=RTOL, atol=ATOL)
