"""The runner contract: load(), validation in the base class, ONNX Runtime runner, TensorRT adapter."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

import trtcore
from trtcore.errors import ArgumentError, DTypeError, Error, FileError, FormatError, ShapeError, TensorRTNotFound
from trtcore.runners import OnnxRuntimeRunner, Runner, TensorMeta, TensorRTRunner, load, random_feed
from trtcore.runners import tensorrt as trt_module

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
    assert [(m.name, m.dtype, m.shape) for m in runner.inputs] == [("x", np.dtype(np.float32), ("batch", 3))]
    assert [m.name for m in runner.outputs] == ["y"]
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(runner.infer({"x": x})["y"], x + 1)


def test_missing_and_unknown_names_list_the_expected_inputs(runner):
    with pytest.raises(ArgumentError, match=r"missing input\(s\) 'x'.*inputs are: 'x' float32 \(batch, 3\)"):
        runner.infer({})
    with pytest.raises(ArgumentError, match=r"unknown input\(s\) 'X'"):
        runner.infer({"x": np.zeros((1, 3), np.float32), "X": 1})
    with pytest.raises(ArgumentError, match="takes a dict"):
        runner.infer([np.zeros((1, 3), np.float32)])


def test_lossy_dtype_raises_unless_cast(runner):
    x = np.ones((2, 3), np.float64)
    with pytest.raises(DTypeError, match="input 'x' must be float32, got float64.*cast=True"):
        runner.infer({"x": x})
    np.testing.assert_array_equal(runner.infer({"x": x}, cast=True)["y"], np.full((2, 3), 2, np.float32))
    with pytest.raises(DTypeError, match="got int64"):
        runner.infer({"x": np.ones((2, 3), np.int64)})


def test_lossless_dtype_and_lists_convert_silently(runner):
    out = runner.infer({"x": np.full((1, 3), 7, np.uint8)})["y"]
    assert out.dtype == np.float32 and out.tolist() == [[8, 8, 8]]
    assert runner.infer({"x": [[1.5, 2.5, 3.5]]}, cast=True)["y"].tolist() == [[2.5, 3.5, 4.5]]
    with pytest.raises(DTypeError, match="not numeric"):
        runner.infer({"x": np.array([[object(), 1, 2]], dtype=object)})


def test_rank_and_static_dims_raise_shape_error_naming_the_tensor(runner):
    with pytest.raises(ShapeError, match=r"input 'x' must have 2 dimensions \(batch, 3\), got 1: \(3,\)"):
        runner.infer({"x": np.zeros(3, np.float32)})
    with pytest.raises(ShapeError, match=r"input 'x' has shape \(2, 4\), expected \(batch, 3\) \(axis 1 must be 3"):
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


def test_contiguous_inputs_are_passed_without_copy(runner):
    x = np.zeros((2, 3), np.float32)
    assert runner.validate({"x": x})["x"] is x


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


# -- the contract itself, without any backend ------------------------------------------------------------------
class EchoRunner(Runner):
    """A pure-Python backend: implements only the *_impl methods, like a new backend would."""

    backend = "echo"

    def __init__(self, metas):
        super().__init__("echo")
        self.metas, self.calls, self.seen = metas, [], None

    def activate_impl(self):
        self.calls.append("activate")

    def deactivate_impl(self):
        self.calls.append("deactivate")

    def input_metadata_impl(self):
        return self.metas

    def output_metadata_impl(self):
        return [TensorMeta("out", m.dtype, m.shape) for m in self.metas[:1]]

    def infer_impl(self, feed):
        self.seen = feed
        return {"out": next(iter(feed.values()))}


def test_base_validates_for_every_backend_including_profile_ranges():
    meta = TensorMeta("images", np.dtype(np.float16), (None, 3, 4), min_shape=(1, 3, 4), max_shape=(8, 3, 4))
    r = EchoRunner([meta])
    with r:
        assert r.calls == ["activate"]
        out = r.infer({"images": np.ones((2, 3, 4), np.float16)})["out"]
        assert out.shape == (2, 3, 4) and r.seen["images"].dtype == np.float16
        with pytest.raises(ShapeError, match=r"axis 0 must be in \[1, 8\]"):
            r.infer({"images": np.ones((9, 3, 4), np.float16)})
        with pytest.raises(DTypeError, match="must be float16, got float32"):
            r.infer({"images": np.ones((2, 3, 4), np.float32)})
    assert r.calls == ["activate", "deactivate"]


def test_random_feed_follows_metadata_and_overrides():
    metas = [TensorMeta("x", np.dtype(np.float32), ("batch", 3)), TensorMeta("ids", np.dtype(np.int64), (None,))]
    feed = random_feed(metas, shapes={"x": (5, 3)}, seed=1)
    assert feed["x"].shape == (5, 3) and feed["x"].dtype == np.float32
    assert feed["ids"].shape == (1,) and feed["ids"].dtype == np.int64
    np.testing.assert_array_equal(feed["x"], random_feed(metas, shapes={"x": (5, 3)}, seed=1)["x"])
    with pytest.raises(ArgumentError, match="unknown input"):
        random_feed(metas, shapes={"y": (1,)})


# -- TensorRT adapter (with a stand-in for _core.Engine) ----------------------------------------------------------
class FakeTensor:
    def __init__(self, name, dtype, shape, profiles=()):
        self.name, self.dtype, self.shape, self.profiles = name, dtype, shape, list(profiles)


class FakeEngine:
    """Stands in for trtcore.engine.Engine (the engine layer's Python API)."""

    def __init__(self, path):
        self.path = path
        self.inputs = [FakeTensor("input", np.dtype("float32"), (-1, 2), [((1, 2), (2, 2), (4, 2))])]
        self.outputs = [FakeTensor("output", np.dtype("float32"), (-1, 2))]

    @classmethod
    def from_file(cls, path, allow_host_code=False):
        return cls(path)

    def infer(self, feed):
        return {"output": feed["input"] * 2}

    def last_timings(self):
        return {"h2d": 1e-6, "compute": 2e-6, "d2h": 1e-6}


def test_tensorrt_runner_maps_engine_metadata_and_validates(tmp_path, monkeypatch):
    monkeypatch.setattr(trt_module, "tensorrt_unavailable_reason", lambda: None)
    monkeypatch.setattr(trt_module, "Engine", FakeEngine)
    plan = tmp_path / "m.engine"
    plan.write_bytes(b"plan")
    with load(plan) as r:
        assert isinstance(r, TensorRTRunner) and r.engine.path == plan
        assert r.inputs[0].shape == (None, 2) and r.inputs[0].min_shape == (1, 2) and r.inputs[0].max_shape == (4, 2)
        assert r.infer({"input": np.ones((3, 2), np.float32)})["output"].tolist() == [[2, 2]] * 3
        assert r.last_timings()["compute"] == 2e-6
        with pytest.raises(ShapeError, match=r"\[1, 4\]"):
            r.infer({"input": np.ones((5, 2), np.float32)})


def test_onnx_on_tensorrt_is_built_once_per_model_and_config(tmp_path, monkeypatch, add_model):
    import trtcore.builder
    import trtcore.runners as runners
    from trtcore.builder import BuildConfig

    builds = []

    def fake_build(onnx, config, save_engine):
        builds.append((onnx, config))
        save_engine.write_bytes(b"plan")

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
    monkeypatch.setattr(trtcore.builder, "build", lambda onnx, config, save_engine: (builds.append(1),
                                                                                     save_engine.write_bytes(b"p")))
    first = runners._cached_engine(onnx_path)
    assert runners._cached_engine(onnx_path) == first and len(builds) == 1
    weights.write_bytes(weights.read_bytes() + b"\0")  # new weights, same graph file
    assert runners._cached_engine(onnx_path) != first and len(builds) == 2
