"""Real engine builds through the C++ builder; need TensorRT libraries and a GPU (marker `tensorrt`)."""

from __future__ import annotations

import pytest
from _models import model_proto
from build_models import fcn_style, resnet_style, save
from onnx import TensorProto, helper

import trtcore
from trtcore.builder import BuildConfig, ProgressEvent, build_report
from trtcore.errors import BuildError

pytestmark = pytest.mark.tensorrt


def test_static_resnet_builds_and_saves_with_timing_cache(tmp_path):
    onnx_path = save(resnet_style(batch=1), tmp_path, "r.onnx")
    cache = tmp_path / "r.cache"
    cfg = BuildConfig(fp16=True, timing_cache_file=cache, builder_optimization_level=0)
    first = build_report(onnx_path, cfg, save_engine=tmp_path / "r.engine")
    assert (tmp_path / "r.engine").read_bytes() == first.engine and len(first.engine) > 1000
    assert cache.stat().st_size > 0 and not first.timing_cache_used
    second = build_report(onnx_path, cfg)
    assert second.timing_cache_used
    if first.plan.target_major >= 11:
        assert first.conversion is not None and first.plan.flags == []
    else:
        assert first.conversion is None and "fp16" in first.plan.flags


def test_dynamic_fcn_with_two_profiles_reports_progress(tmp_path):
    onnx_path = save(fcn_style(argmax=True), tmp_path, "fcn.onnx")
    cfg = BuildConfig.from_trtexec([
        "--minShapes=input:1x3x64x64", "--optShapes=input:1x3x128x128", "--maxShapes=input:2x3x256x256",
        "--minShapes=input:4x3x64x64", "--optShapes=input:4x3x64x64", "--maxShapes=input:4x3x64x64",
        "--builderOptimizationLevel=0"])
    events: list[ProgressEvent] = []
    engine = trtcore.build(onnx_path, cfg, progress=events.append)
    assert engine and any(e.kind == "start" for e in events) and any(e.kind == "finish" for e in events)


def test_cancel_from_progress_callback(tmp_path):
    onnx_path = save(resnet_style(batch=1), tmp_path, "r.onnx")
    with pytest.raises(BuildError, match="cancelled"):
        trtcore.build(onnx_path, BuildConfig(builder_optimization_level=0), save_engine=tmp_path / "r.engine",
                      progress=lambda e: e.kind != "step")
    assert not (tmp_path / "r.engine").exists()


def test_unsupported_op_is_a_build_error_naming_the_node(tmp_path):
    node = helper.make_node("NoSuchOp", ["x"], ["y"], name="mystery", domain="com.example")
    model = model_proto([node], [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], domains=("com.example",),
                        check=False)
    with pytest.raises(BuildError, match="mystery"):
        trtcore.build(save(model, tmp_path, "bad.onnx"))
