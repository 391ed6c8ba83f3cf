"""The runner contract: load(), the one feed policy for every backend, ONNX Runtime runner, runners over the executor."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

import trtcore
from trtcore.errors import ArgumentError, DTypeError, Error, FileError, FormatError, ShapeError, TensorRTNotFound
from trtcore.runners import (ExecutorRunner, OnnxRuntimeRunner, Runner, TensorInfo, TensorRTRunner, host_feed, load,
                             random_feed)
from trtcore.runners import tensorrt as trt_module

from _backends import DLPackOnly, IdentityBackend
from _models import add_one, linear, two_inputs

TRT_USABLE = trtcore.build_info()["tensorrt"]["usable"]
no_trt = pytest.mark.skipif(TRT_USABLE, reason="checks the behaviour without TensorRT; TensorRT is usable here")


@pytest.fixture
def add_model(tmp_path: Path) -> Path:
    return add_one(tmp_path / "add.onnx")


@pytest.fixture
def runner(add_model: Path) -> OnnxRuntimeRunner:
    with OnnxRuntimeRunner(add_model) as r:
        yield r


# -- load -----------------------------------------------------------------------------------------------------
@no_trt
def test_load_onnx_falls_back_to_onnxruntime_with_one_warning(add_model, caplog):
    with caplog.at_level(logging.WARNING, logger="trtcore"):
        r = load(add_model)
    assert isinstance(r, OnnxRuntimeRunner) and r.is_active
    warnings = [rec for rec in caplog.records if rec.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert str(add_model) in warnings[0].getMessage() and "ONNX Runtime" in warnings[0].getMessage()


def test_load_forced_onnxruntime_does_not_warn(add_model, caplog):
    with caplog.at_level(logging.WARNING, logger="trtcore"):
        r = load(add_model, backend="onnxruntime")
    assert r.backend == "onnxruntime" and not caplog.records


@pytest.mark.parametrize("name", ["model.pt", "model", "weights.bin"])
def test_load_rejects_unknown_file_types(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"\0" * 8)
    with pytest.raises(FormatError, match="unsupported model file type") as e:
        load(path)
    assert str(path) in str(e.value)


def test_load_missing_file_and_folder(tmp_path):
    with pytest.raises(FileError, match="no such model file"):
        load(tmp_path / "absent.onnx")
    with pytest.raises(FileError, match="folder"):
        load(tmp_path)


def test_load_bad_backend_and_engine_on_onnxruntime(tmp_path, add_model):
    with pytest.raises(ArgumentError, match="backend must be one of"):
        load(add_model, backend="cuda")
    engine = tmp_path / "m.engine"
    engine.write_bytes(b"not a plan")
    with pytest.raises(ArgumentError, match="runs only on backend 'tensorrt'"):
        load(engine, backend="onnxruntime")
    with pytest.raises(ArgumentError, match=r"options \['providers'\] are ONNX Runtime settings"):
        load(engine, providers=["CPUExecutionProvider"])
    r = load(add_model, backend="onnxruntime", providers=["CPUExecutionProvider"], threads=1)
    assert r.active_providers == ["CPUExecutionProvider"]


@no_trt
def test_engine_without_tensorrt_says_why(tmp_path, add_model):
    engine = tmp_path / "m.plan"
    engine.write_bytes(b"not a plan")
    with pytest.raises(TensorRTNotFound, match="cannot run a TensorRT engine") as e:
        load(engine)
    assert str(engine) in str(e.value)
    with pytest.raises(TensorRTNotFound, match="backend 'tensorrt' requested"):
        load(add_model, backend="tensorrt")


def test_garbage_onnx_is_a_trtcore_error_naming_the_file(tmp_path):
    bad = tmp_path / "garbage.onnx"
    bad.write_bytes(b"this is not protobuf at all")
    with pytest.raises(Error) as e:
        load(bad, backend="onnxruntime")
    assert str(bad) in str(e.value)


# -- inference and validation ---------------------------------------------------------------------------------
def test_infer_runs_and_reports_metadata(runner):
    (x_info,) = runner.inputs
    assert isinstance(x_info, trtcore.TensorInfo)
    assert (x_info.name, x_info.dtype, x_info.shape, x_info.dim_names) == ("x", np.dtype(np.float32), (-1, 3),
                                                                        ("batch", None))
    assert x_info.min_shape is None and x_info.location == "host"
    assert [m.name for m in runner.outputs] == ["y"]
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(runner.infer({"x": x})["y"], x + 1)


def test_missing_and_unknown_names_list_the_expected_inputs(runner):
    with pytest.raises(ArgumentError, match=r"missing input 'x' \(float32 \[-1, 3\]\).*inputs are: 'x'"):
        runner.infer({})
    with pytest.raises(ArgumentError, match=r"unknown input 'X'"):
        runner.infer({"x": np.zeros((1, 3), np.float32), "X": 1})
    with pytest.raises(ArgumentError, match="takes a dict"):
        runner.infer([np.zeros((1, 3), np.float32)])


def test_a_dtype_mismatch_raises_naming_tensor_dtypes_and_fix_unless_cast(runner):
    for given in (np.float64, np.uint8, np.int64):
        x = np.ones((2, 3), given)
        with pytest.raises(DTypeError) as e:
            runner.infer({"x": x})
        assert str(e.value) == (f"input 'x': expected float32, got {np.dtype(given).name}; convert with "
                                ".astype(np.float32) or pass cast=True")
        np.testing.assert_array_equal(runner.infer({"x": x}, cast=True)["y"], np.full((2, 3), 2, np.float32))


def test_lists_follow_the_same_policy_and_objects_are_refused(runner):
    with pytest.raises(DTypeError, match="got float64"):
        runner.infer({"x": [[1.5, 2.5, 3.5]]})
    assert runner.infer({"x": [[1.5, 2.5, 3.5]]}, cast=True)["y"].tolist() == [[2.5, 3.5, 4.5]]
    with pytest.raises(DTypeError, match=r"input 'x': expected float32, got object; convert with \.astype"):
        runner.infer({"x": np.array([[object(), 1, 2]], dtype=object)})
    with pytest.raises(ArgumentError, match="input 'x': expected an array"):
        runner.infer({"x": {"not": "an array"}})


def test_rank_and_static_dims_raise_shape_error_naming_the_tensor(runner):
    with pytest.raises(ShapeError, match=r"input 'x': expected 2 dimensions \[-1, 3\], got 1 \[3\]"):
        runner.infer({"x": np.zeros(3, np.float32)})
    with pytest.raises(ShapeError, match=r"input 'x': dimension 1 must be 3 \(declared \[-1, 3\]\), got \[2, 4\]"):
        runner.infer({"x": np.zeros((2, 4), np.float32)})


def test_shared_dynamic_extent_must_agree(tmp_path):
    with OnnxRuntimeRunner(two_inputs(tmp_path / "two.onnx")) as r:
        out = r.infer({"a": np.ones((2, 4), np.float32), "b": np.ones((2, 4), np.float32)})["z"]
        assert out.shape == (2, 4)
        with pytest.raises(ShapeError, match="'batch' is 2 in input 'a' but 3 in input 'b'"):
            r.infer({"a": np.ones((2, 4), np.float32), "b": np.ones((3, 4), np.float32)})


def test_non_contiguous_inputs_are_copied_and_give_the_same_result(runner):
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    strided = base[:, ::2]
    fortran = np.asfortranarray(base[:, :3])
    assert not strided.flags.c_contiguous and not fortran.flags.c_contiguous
    np.testing.assert_array_equal(runner.infer({"x": strided})["y"], np.ascontiguousarray(strided) + 1)
    np.testing.assert_array_equal(runner.infer({"x": fortran})["y"], base[:, :3] + 1)


def test_contiguous_host_inputs_reach_onnxruntime_without_copy(runner, monkeypatch):
    x = np.zeros((2, 3), np.float32)
    seen = {}
    real = runner._run
    monkeypatch.setattr(runner, "_run", lambda names, feed, opts: (seen.update(feed), real(names, feed, opts))[1])
    runner.infer({"x": x})
    assert seen["x"] is x


def test_dlpack_cpu_tensors_are_read_in_place_by_the_validator_and_onnxruntime(runner):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(runner.infer({"x": DLPackOnly(x)})["y"], x + 1)
    with pytest.raises(DTypeError, match="input 'x': expected float32, got uint8; .*cast=True"):
        runner.infer({"x": DLPackOnly(np.ones((2, 3), np.uint8))})
    assert runner.infer({"x": DLPackOnly(np.ones((2, 3), np.uint8))}, cast=True)["y"].tolist() == [[2] * 3] * 2
    with pytest.raises(ShapeError, match="input 'x'"):
        runner.infer({"x": DLPackOnly(np.ones((2, 4), np.float32))})


def test_onnxruntime_refuses_device_outputs(runner):
    with pytest.raises(ArgumentError, match="output_device must be 'cpu'"):
        runner.infer({"x": np.zeros((1, 3), np.float32)}, output_device="cuda")


def test_lifecycle_and_context_manager(add_model):
    r = OnnxRuntimeRunner(add_model)
    assert not r.is_active
    with r:
        assert r.is_active and r.session is not None
    assert not r.is_active and r.session is None
    # infer re-activates a deactivated runner rather than failing
    assert r.infer({"x": np.zeros((1, 3), np.float32)})["y"].tolist() == [[1, 1, 1]]
    r.deactivate()
    r.deactivate()  # idempotent


# -- the contract itself, with a pure-Python backend ----------------------------------------------------------
class EchoRunner(Runner):
    """A pure-Python backend: implements only the *_impl methods, like a new host backend would."""

    backend = "echo"

    def __init__(self, infos):
        super().__init__("echo")
        self.infos, self.calls, self.seen = infos, [], None

    def activate_impl(self):
        self.calls.append("activate")

    def deactivate_impl(self):
        self.calls.append("deactivate")

    def input_metadata_impl(self):
        return self.infos

    def output_metadata_impl(self):
        return [TensorInfo("out", m.dtype, m.shape, io="output") for m in self.infos[:1]]

    def infer_impl(self, feed, *, cast, output_device):
        self.seen = host_feed(self._inputs, feed, cast=cast)
        return {"out": next(iter(self.seen.values()))}


def test_host_feed_validates_profile_ranges_for_any_backend():
    info = TensorInfo("images", "float16", [-1, 3, 4], profiles=[((1, 3, 4), (2, 3, 4), (8, 3, 4))])
    r = EchoRunner([info])
    with r:
        assert r.calls == ["activate"]
        out = r.infer({"images": np.ones((2, 3, 4), np.float16)})["out"]
        assert out.shape == (2, 3, 4) and r.seen["images"].dtype == np.float16
        with pytest.raises(ShapeError, match=r"dimension 0 must be in \[1, 8\]"):
            r.infer({"images": np.ones((9, 3, 4), np.float16)})
        with pytest.raises(DTypeError, match="expected float16, got float32"):
            r.infer({"images": np.ones((2, 3, 4), np.float32)})
    assert r.calls == ["activate", "deactivate"]


def test_random_feed_follows_metadata_and_overrides():
    infos = [TensorInfo("x", "float32", [-1, 3], dim_names=["batch", None]), TensorInfo("ids", "int64", [-1])]
    feed = random_feed(infos, shapes={"x": (5, 3)}, seed=1)
    assert feed["x"].shape == (5, 3) and feed["x"].dtype == np.float32
    assert feed["ids"].shape == (1,) and feed["ids"].dtype == np.int64
    np.testing.assert_array_equal(feed["x"], random_feed(infos, shapes={"x": (5, 3)}, seed=1)["x"])
    assert random_feed(infos, named={"batch": 4})["x"].shape == (4, 3)
    with pytest.raises(ArgumentError, match="unknown input"):
        random_feed(infos, shapes={"y": (1,)})


# -- runners over the executor (TensorRT's path), with the identity backend ---------------------------------------
def identity(profile=((1, 2), (2, 2), (4, 2))):
    return IdentityBackend([("input", "float32", [-1, 2])], [("output", "float32", [-1, 2], "input")],
                           profiles={"input": profile})


class FakeEngine:
    """Stands in for trtcore.engine.Engine: its contexts are identity backends."""

    def __init__(self, path):
        self.path = path
        tensors = identity().tensors
        self.inputs = [t for t in tensors if t.is_input]
        self.outputs = [t for t in tensors if not t.is_input]

    @classmethod
    def from_file(cls, path, allow_host_code=False):
        return cls(path)

    def create_context(self, profile=0):
        return identity()


@pytest.fixture
def fake_engine_file(tmp_path, monkeypatch):
    monkeypatch.setattr(trt_module, "tensorrt_unavailable_reason", lambda: None)
    monkeypatch.setattr(trt_module, "Engine", FakeEngine)
    plan = tmp_path / "m.engine"
    plan.write_bytes(b"plan")
    return plan


needs_executor = pytest.mark.skipif(trtcore.Executor is None, reason="trtcore was built without CUDA")


@needs_executor
def test_tensorrt_runner_reports_the_engines_tensor_info_and_validates_in_the_executor(fake_engine_file):
    with load(fake_engine_file) as r:
        assert isinstance(r, TensorRTRunner) and r.engine.path == fake_engine_file
        assert r.inputs[0].shape == (-1, 2) and r.inputs[0].min_shape == (1, 2) and r.inputs[0].max_shape == (4, 2)
        # checked by the executor's validator before any CUDA call, so this runs without a GPU
        with pytest.raises(ShapeError, match=r"outside the profile"):
            r.infer({"input": np.ones((5, 2), np.float32)})
        with pytest.raises(DTypeError, match="input 'input': expected float32, got uint8; convert with "
                                             r"\.astype\(np\.float32\) or pass cast=True"):
            r.infer({"input": np.ones((3, 2), np.uint8)})
        with pytest.raises(ArgumentError, match="unknown input 'x'"):
            r.infer({"x": np.ones((3, 2), np.float32)})


@pytest.mark.gpu
def test_tensorrt_runner_runs_through_the_executor(fake_engine_file):
    with load(fake_engine_file) as r:
        x = np.arange(6, dtype=np.float32).reshape(3, 2)
        np.testing.assert_array_equal(r.infer({"input": x})["output"], x)
        np.testing.assert_array_equal(r.infer({"input": x.astype(np.uint8)}, cast=True)["output"], x)
        np.testing.assert_array_equal(r.infer({"input": DLPackOnly(x)})["output"], x)
        r.set_stage_timing(True)
        r.infer({"input": x})
        assert set(r.last_timings()) == {"h2d", "compute", "d2h"}
        device = r.infer({"input": x}, output_device="cuda")["output"]
        np.testing.assert_array_equal(device.numpy(), x)


@needs_executor
def test_executor_runner_runs_any_backend_factory_and_has_one_executor_per_thread():
    from _threads import run_in_threads

    made = []
    r = ExecutorRunner(lambda: made.append(1) or identity(), name="identity")
    assert [t.name for t in r.inputs] == ["input"] and [t.name for t in r.outputs] == ["output"]
    executors = []
    run_in_threads(lambda i: executors.append(r.executor), range(3))
    assert len({id(e) for e in executors}) == 3 and len(made) >= 3
    assert isinstance(r.executor, trtcore.Executor)


def test_onnx_on_tensorrt_is_built_once_per_model_and_config(tmp_path, monkeypatch, add_model):
    import trtcore.builder
    import trtcore.runners as runners
    from trtcore.builder import BuildConfig

    builds = []

    def fake_build(onnx, config):
        builds.append((onnx, config))
        return b"plan"

    monkeypatch.setenv("TRTCORE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(trtcore.builder, "build", fake_build)
    monkeypatch.setattr(runners, "tensorrt_unavailable_reason", lambda: None)
    monkeypatch.setattr(trt_module, "tensorrt_unavailable_reason", lambda: None)
    monkeypatch.setattr(trt_module, "Engine", FakeEngine)
    first = load(add_model)
    assert isinstance(first, TensorRTRunner) and first.name == str(add_model)
    assert first.path.parent == tmp_path / "cache" / "engines" and first.path.suffix == ".engine"
    assert load(add_model, backend="tensorrt").path == first.path and len(builds) == 1  # cached
    fp16 = load(add_model, build_config=BuildConfig(fp16=True))
    assert fp16.path != first.path and len(builds) == 2  # another config, another engine


def test_auto_falls_back_when_a_dynamic_model_has_no_shapes(tmp_path, monkeypatch, add_model, caplog):
    import trtcore.runners as runners

    def no_profile(onnx, config):
        raise ShapeError(f"{onnx}: no shapes for the dynamic input(s) x")

    monkeypatch.setattr(runners, "tensorrt_unavailable_reason", lambda: None)
    monkeypatch.setattr(runners, "_cached_engine", no_profile)
    with caplog.at_level(logging.WARNING, logger="trtcore"):
        r = load(add_model)
    assert isinstance(r, OnnxRuntimeRunner)
    assert "no shapes for the dynamic input" in caplog.text and "build_config=BuildConfig" in caplog.text
    with pytest.raises(ShapeError):
        load(add_model, backend="tensorrt")


@pytest.mark.tensorrt
def test_tensorrt_and_onnxruntime_agree_on_onnx(tmp_path, monkeypatch):
    monkeypatch.setenv("TRTCORE_CACHE_DIR", str(tmp_path / "cache"))
    from trtcore.builder import BuildConfig
    from trtcore.builder.shapes import Profile

    model = linear(tmp_path / "lin.onnx")
    config = BuildConfig(profiles=[Profile.from_spec_strings(min="x:1x6", opt="x:4x6", max="x:8x6")])
    x = np.random.default_rng(0).random((4, 6), dtype=np.float32)
    with load(model, backend="tensorrt", build_config=config) as trt, load(model, backend="onnxruntime") as ort:
        assert trt.backend == "tensorrt"
        np.testing.assert_allclose(trt.infer({"x": x})["scores"], ort.infer({"x": x})["scores"], rtol=1e-3,
                                   atol=1e-3)


def test_engine_cache_key_covers_external_weights(tmp_path, monkeypatch):
    import onnx

    import trtcore.builder
    import trtcore.runners as runners
    from _models import linear

    model = onnx.load(str(linear(tmp_path / "lin.onnx")))
    onnx.save_model(model, str(tmp_path / "big.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="big.weights", size_threshold=0)
    onnx_path, weights = tmp_path / "big.onnx", tmp_path / "big.weights"
    assert runners._external_data_files(onnx_path) == [weights]

    builds = []
    monkeypatch.setenv("TRTCORE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(trtcore.builder, "build", lambda onnx, config: builds.append(1) or b"p")
    first = runners._cached_engine(onnx_path)
    assert runners._cached_engine(onnx_path) == first and len(builds) == 1
    weights.write_bytes(weights.read_bytes() + b"\0")  # new weights, same graph file
    assert runners._cached_engine(onnx_path) != first and len(builds) == 2
