"""TensorRT end to end: tiny ONNX graphs (onnx.helper) → _core.build_engine (the build contract) → trtcore.load →
infer, compared with numpy. Needs TensorRT's libraries and a GPU: every test carries the `tensorrt` marker."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import trtcore
from _threads import run_in_threads
from _models import model_proto, write
from build_models import build_request
from trtcore import _core

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402

pytestmark = pytest.mark.tensorrt

MAJOR = _core.compiled_info()["tensorrt_major"]


def save_model(
    path: Path, nodes: list, inputs: list, outputs: list, initializers: list | None = None, domains: tuple = ()
) -> Path:
    return write(model_proto(nodes, inputs, outputs, initializers or [], domains=domains), path)


W = np.arange(12, dtype=np.float32).reshape(4, 3) / 10.0
B = np.array([0.5, -1.0, 2.0], dtype=np.float32)


def reference(x: np.ndarray) -> np.ndarray:
    return np.maximum(x @ W + B, 0.0)


def linear_relu(path: Path, batch: int | str = 2) -> Path:
    """y = relu(x @ W + B), x: [batch, 4] float32 (batch "N" makes it dynamic)."""
    w = helper.make_tensor("W", TensorProto.FLOAT, W.shape, W.flatten().tolist())
    b = helper.make_tensor("B", TensorProto.FLOAT, B.shape, B.tolist())
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["xw"], name="matmul"),
        helper.make_node("Add", ["xw", "B"], ["z"], name="add"),
        helper.make_node("Relu", ["z"], ["y"], name="relu"),
    ]
    return save_model(
        path,
        nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 3])],
        [w, b],
    )


def request(onnx_path: Path, **overrides: object) -> _core.BuildRequest:
    # fastest build: these tests check behaviour, not speed
    return build_request(onnx_path, **{"memory_pools": {"workspace": 64 << 20}, "builder_optimization_level": 0,
                                       **overrides})


def profile(min_n: int, opt_n: int, max_n: int) -> dict:
    return {"x": ([min_n, 4], [opt_n, 4], [max_n, 4])}


@pytest.fixture(scope="module")
def static_plan(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    model = linear_relu(tmp_path_factory.mktemp("static") / "static.onnx", batch=2)
    return _core.build_engine(request(model), None, None).engine


@pytest.fixture(scope="module")
def dynamic_plan(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    model = linear_relu(tmp_path_factory.mktemp("dynamic") / "dynamic.onnx", batch="N")
    profiles = [profile(1, 4, 8), profile(16, 24, 32)]
    r = request(model, profiles=profiles, profiling_verbosity="detailed")
    return _core.build_engine(r, None, None).engine


def test_build_result_follows_the_contract(tmp_path: Path) -> None:
    result = _core.build_engine(request(linear_relu(tmp_path / "m.onnx")), None, None)
    assert isinstance(result.engine, bytes) and len(result.engine) > 0
    assert isinstance(result.timing_cache, bytes) and len(result.timing_cache) > 0
    assert result.timing_cache_used is False
    assert result.seconds > 0
    assert result.tensorrt_version == _core.tensorrt_version()
    assert result.tensorrt_version.startswith(f"{MAJOR}.")


def test_static_engine_infers_like_numpy(static_plan: bytes, tmp_path: Path) -> None:
    path = tmp_path / "static.engine"
    path.write_bytes(static_plan)
    for engine in (trtcore.load(path), trtcore.load(static_plan), trtcore.Engine.from_bytes(bytearray(static_plan))):
        [x_info] = engine.inputs
        [y_info] = engine.outputs
        assert (x_info.name, x_info.dtype, x_info.shape) == ("x", np.dtype(np.float32), (2, 4))
        assert (y_info.name, y_info.dtype, y_info.shape) == ("y", np.dtype(np.float32), (2, 3))
        assert x_info.format  # TensorRT's words, e.g. "Row major linear FP32"
        assert engine.num_profiles == 1
        assert engine.device_memory_size >= 0
        x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
        out = engine.infer({"x": x})
        np.testing.assert_allclose(out["y"], reference(x), rtol=1e-5, atol=1e-5)
    assert trtcore.load(path).source == str(path)


def test_dynamic_engine_reports_profiles_and_infers_each_batch(dynamic_plan: bytes) -> None:
    engine = trtcore.load(dynamic_plan)
    [x_info] = engine.inputs
    assert x_info.shape == (-1, 4) and x_info.is_dynamic
    assert engine.outputs[0].shape == (-1, 3)
    assert engine.num_profiles == 2
    assert x_info.profiles == [((1, 4), (4, 4), (8, 4)), ((16, 4), (24, 4), (32, 4))]
    rng = np.random.default_rng(1)
    for n in (1, 5, 8):
        x = rng.standard_normal((n, 4)).astype(np.float32)
        y = engine.infer({"x": x})["y"]
        assert y.shape == (n, 3)
        np.testing.assert_allclose(y, reference(x), rtol=1e-5, atol=1e-5)
    second = engine.create_execution(profile=1)
    x = rng.standard_normal((20, 4)).astype(np.float32)
    np.testing.assert_allclose(second.infer({"x": x})["y"], reference(x), rtol=1e-5, atol=1e-5)


def test_shape_outside_the_profile_names_tensor_shape_and_bounds(dynamic_plan: bytes) -> None:
    context = trtcore.load(dynamic_plan).create_context(profile=0)
    with pytest.raises(trtcore.ShapeError) as err:
        context.set_input_shape("x", [9, 4])
    message = str(err.value)
    assert "'x'" in message and "[9, 4]" in message
    assert "min [1, 4]" in message and "max [8, 4]" in message
    context.set_input_shape("x", [3, 4])
    assert context.output_shape("y") == (3, 3)
    with pytest.raises(trtcore.ArgumentError, match="no tensor named 'z'.*x, y"):
        context.set_input_shape("z", [3, 4])
    with pytest.raises(trtcore.ArgumentError, match="profile 2 does not exist"):
        trtcore.load(dynamic_plan).create_context(profile=2)


def test_output_shape_before_inputs_are_set_is_an_error(dynamic_plan: bytes) -> None:
    context = trtcore.load(dynamic_plan).create_context()
    with pytest.raises(trtcore.ShapeError, match="set the shape of input.*x"):
        context.output_shape("y")


def test_inspector_gives_json_layer_information(dynamic_plan: bytes) -> None:
    info = trtcore.load(dynamic_plan).inspect()
    assert isinstance(info["Layers"], list) and info["Layers"]
    assert "x" in info["Bindings"] and "y" in info["Bindings"]
    # Built with detailed profiling verbosity: layers are objects with names, not bare strings.
    assert all(isinstance(layer, dict) and "Name" in layer for layer in info["Layers"])
    json.dumps(info)


def test_timing_cache_is_reused_and_merged(tmp_path: Path) -> None:
    model = linear_relu(tmp_path / "m.onnx")
    first = _core.build_engine(request(model), None, None)
    second = _core.build_engine(request(model, timing_cache=first.timing_cache), None, None)
    assert second.timing_cache_used is True
    merged = _core.merge_timing_caches([first.timing_cache, second.timing_cache])
    assert isinstance(merged, bytes) and len(merged) > 0
    assert _core.build_engine(request(model, timing_cache=merged), None, None).timing_cache_used is True
    logs: list[tuple[str, str]] = []
    corrupt = _core.build_engine(request(model, timing_cache=b"not a cache"), None, lambda s, m: logs.append((s, m)))
    assert corrupt.timing_cache_used is False
    assert any(s == "warning" and "timing cache given was rejected" in m for s, m in logs)
    with pytest.raises(trtcore.FormatError, match="timing cache #1"):
        _core.merge_timing_caches([merged, b"garbage"])


def test_unsupported_operator_lists_parser_errors_and_suggests_plugins(tmp_path: Path) -> None:
    model = save_model(
        tmp_path / "custom.onnx",
        [
            helper.make_node("Relu", ["x"], ["r"], name="ok"),
            helper.make_node("FrobnicateX", ["r"], ["y"], name="frob", domain="trtcore.test"),
        ],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        domains=("trtcore.test",),
    )
    with pytest.raises(trtcore.BuildError) as err:
        _core.build_engine(request(model), None, None)
    message = str(err.value)
    assert "custom.onnx" in message
    assert "node 1 (frob, op FrobnicateX): UNSUPPORTED_NODE" in message
    assert "--plugins" in message


def test_progress_is_reported_and_can_cancel(tmp_path: Path) -> None:
    model = linear_relu(tmp_path / "m.onnx")
    events: list[tuple[str, str, object, int]] = []

    def record(event: str, phase: str, parent: str | None, value: int) -> bool:
        events.append((event, phase, parent, value))
        return True

    _core.build_engine(request(model), record, None)
    kinds = [e[0] for e in events]
    assert "start" in kinds and "step" in kinds and "finish" in kinds
    assert kinds.count("start") == kinds.count("finish")

    def cancel(event: str, phase: str, parent: str | None, value: int) -> bool:
        return event != "step"

    with pytest.raises(trtcore.BuildError, match="build cancelled"):
        _core.build_engine(request(model), cancel, None)


def test_exception_in_a_callback_cancels_and_is_reraised(tmp_path: Path) -> None:
    model = linear_relu(tmp_path / "m.onnx")

    class Stop(Exception):
        pass

    def boom(event: str, phase: str, parent: str | None, value: int) -> bool:
        raise Stop("from progress")

    with pytest.raises(Stop, match="from progress"):
        _core.build_engine(request(model), boom, None)


@pytest.mark.skipif(MAJOR != 10, reason="TensorRT 11 takes precision from the model")
def test_fp16_flag_builds_on_tensorrt10(tmp_path: Path) -> None:
    # That the flag reaches IBuilderConfig::setFlag(kFP16) is checked against a recording libnvinfer in
    # test_tensorrt_loader.py; here, that a real TensorRT builds with it and the engine still computes the model.
    plan = _core.build_engine(request(linear_relu(tmp_path / "m.onnx"), flags=["fp16"]), None, None).engine
    x = np.random.default_rng(2).standard_normal((2, 4)).astype(np.float32)
    np.testing.assert_allclose(trtcore.load(plan).infer({"x": x})["y"], reference(x), rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("damage", ["truncated", "corrupt", "empty"])
def test_damaged_plan_raises_tensorrt_error_naming_the_file(static_plan: bytes, tmp_path: Path, damage: str) -> None:
    path = tmp_path / f"{damage}.engine"
    if damage == "truncated":
        path.write_bytes(static_plan[: len(static_plan) // 2])
    elif damage == "corrupt":
        path.write_bytes(bytes(np.random.default_rng(3).integers(0, 256, len(static_plan), dtype=np.uint8)))
    else:
        path.write_bytes(b"")
    with pytest.raises(trtcore.TensorRTError, match=f"{damage}.engine"):
        trtcore.load(path)


def test_threads_run_concurrently_with_their_own_contexts(dynamic_plan: bytes) -> None:
    engine = trtcore.load(dynamic_plan)

    def work(seed: int) -> None:
        rng = np.random.default_rng(seed)
        for _ in range(20):
            x = rng.standard_normal((int(rng.integers(1, 9)), 4)).astype(np.float32)
            np.testing.assert_allclose(engine.infer({"x": x})["y"], reference(x), rtol=1e-5, atol=1e-5)

    run_in_threads(work, range(4))


def tensorrt_python_plan(make_network) -> bytes:
    """A plan built with TensorRT's own Python API, for I/O that trtcore's builder never produces."""
    trt = pytest.importorskip("tensorrt", reason="needs TensorRT's Python package to build this plan")
    if int(trt.__version__.split(".")[0]) != MAJOR:
        pytest.skip(f"TensorRT's Python package is {trt.__version__}, trtcore speaks {MAJOR}.x")
    builder = trt.Builder(trt.Logger(trt.Logger.ERROR))
    network = builder.create_network(0)
    config = builder.create_builder_config()
    make_network(trt, builder, network, config)
    plan = builder.build_serialized_network(network, config)
    assert plan is not None, "TensorRT could not build the test plan"
    return bytes(plan)


def test_vectorized_io_format_is_refused_naming_the_tensor_and_its_format() -> None:
    def network(trt, builder, net, config) -> None:
        x = net.add_input("x", trt.float16, (1, 16, 4, 4))
        x.allowed_formats = 1 << int(trt.TensorFormat.HWC8)  # what --inputIOFormats=fp16:hwc8 asks for
        y = net.add_identity(x).get_output(0)
        y.name = "y"
        net.mark_output(y)

    with pytest.raises(trtcore.TensorRTError) as e:
        trtcore.load(tensorrt_python_plan(network))
    message = str(e.value)
    assert "tensor 'x' of <bytes> has the I/O format" in message
    assert "only linear" in message and "--inputIOFormats" in message


def test_host_resident_shape_tensor_input_is_refused() -> None:
    def network(trt, builder, net, config) -> None:
        x = net.add_input("x", trt.float32, (2, 3))
        s = net.add_input("s", trt.int32, (2,))
        shuffle = net.add_shuffle(x)
        shuffle.set_input(1, s)  # `s` becomes a shape tensor: TensorRT wants it in host memory
        y = shuffle.get_output(0)
        y.name = "y"
        net.mark_output(y)
        profile = builder.create_optimization_profile()
        if not hasattr(profile, "set_shape_input"):
            pytest.skip("this TensorRT Python package has no IOptimizationProfile.set_shape_input")
        profile.set_shape_input("s", (3, 2), (3, 2), (3, 2))
        config.add_optimization_profile(profile)

    with pytest.raises(trtcore.TensorRTError, match=r"tensor 's' of <bytes> lives in host memory"):
        trtcore.load(tensorrt_python_plan(network))
