"""``trtcore triton-repo``: the config parses with Triton's own protobuf schema and says what the model is."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from trtcore.runners import TensorInfo
from trtcore.serving import plan_model
from trtcore.serving.repo import config_text

model_config_pb2 = pytest.importorskip("tritonclient.grpc.model_config_pb2", reason="pip install 'trtcore[serve]'")
text_format = pytest.importorskip("google.protobuf.text_format")


def _parse(text: str):
    return text_format.Parse(text, model_config_pb2.ModelConfig())


def _repo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trtcore", "triton-repo", *args], capture_output=True, text=True,
                          timeout=120)


def test_the_demo_digits_repository(tmp_path):
    done = _repo("digits", "-o", str(tmp_path / "models"), "--instances", "2", "--gpus", "0,1")
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "models" / "digits"
    assert (folder / "1" / "model.onnx").read_bytes()[:2] and sorted(p.name for p in folder.iterdir()) == \
        ["1", "config.pbtxt"]  # no temporary files left beside them
    c = _parse((folder / "config.pbtxt").read_text())
    assert (c.name, c.platform, c.max_batch_size) == ("digits", "onnxruntime_onnx", 64)
    assert [(t.name, t.data_type, list(t.dims)) for t in c.input] == [("input", model_config_pb2.TYPE_FP32,
                                                                       [1, 8, 8])]
    assert [(t.name, list(t.dims)) for t in c.output] == [("logits", [10])]
    assert c.dynamic_batching.max_queue_delay_microseconds == 100
    assert [(g.count, g.kind, list(g.gpus)) for g in c.instance_group] == \
        [(2, model_config_pb2.ModelInstanceGroup.KIND_GPU, [0]), (2, model_config_pb2.ModelInstanceGroup.KIND_GPU,
                                                                  [1])]


def test_dynamic_dims_and_no_batching(tmp_path):
    x = helper.make_tensor_value_info("tokens", TensorProto.INT64, ["batch", "seq"])
    y = helper.make_tensor_value_info("out", TensorProto.INT64, ["batch", "seq"])
    model = helper.make_model(helper.make_graph([helper.make_node("Identity", ["tokens"], ["out"])], "g", [x], [y]),
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, tmp_path / "ids.onnx")
    for mbs, dims in (("0", [-1, -1]), ("16", [-1])):
        done = _repo(str(tmp_path / "ids.onnx"), "-o", str(tmp_path / "m"), "--max-batch-size", mbs, "--kind", "cpu")
        assert done.returncode == 0, done.stderr
        c = _parse((tmp_path / "m" / "ids" / "config.pbtxt").read_text())
        assert c.max_batch_size == int(mbs) and list(c.input[0].dims) == dims
        assert c.input[0].data_type == model_config_pb2.TYPE_INT64
        assert c.HasField("dynamic_batching") == (mbs != "0")
        assert c.instance_group[0].kind == model_config_pb2.ModelInstanceGroup.KIND_CPU


def test_engine_profiles_set_max_batch_size_and_instance_profiles():
    x = TensorInfo("input", "float16", [-1, 3, 224, 224], profiles=[((1, 3, 224, 224), (8, 3, 224, 224),
                                                                      (32, 3, 224, 224)),
                                                                     ((1, 3, 224, 224), (64, 3, 224, 224),
                                                                      (128, 3, 224, 224))],
                   dim_names=["batch", None, None, None])
    y = TensorInfo("output", "float16", [-1, 1000], io="output", dim_names=["batch", None])
    plan = plan_model([x], [y], "resnet50")
    assert plan.max_batch_size == 32  # the smallest profile maximum: every profile can run every batch
    c = _parse(config_text(plan, "tensorrt_plan"))
    assert c.platform == "tensorrt_plan" and c.input[0].data_type == model_config_pb2.TYPE_FP16
    assert list(c.instance_group[0].profile) == ["0", "1"] and not c.instance_group[0].gpus


@pytest.mark.parametrize("args, flag", [(["--kind", "cpu", "--gpus", "0"], "--gpus"), (["--gpus", "a"], "--gpus"),
                                        (["--name", "no/slash"], "--name"), (["--instances", "0"], "--instances")])
def test_bad_arguments_are_exit_2(tmp_path, args, flag):
    done = _repo("digits", "-o", str(tmp_path), *args)
    assert done.returncode == 2 and flag in done.stderr and "Traceback" not in done.stderr


def _external_data_model(folder, *, separate_files: bool = False):
    """y = x + a + b with a, b (float32 [4]) stored outside the .onnx (onnx's external data format)."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])
    rng = np.random.default_rng(7)
    a, b = (numpy_helper.from_array(rng.random(4, dtype=np.float32), n) for n in ("a", "b"))
    graph = helper.make_graph([helper.make_node("Add", ["x", "a"], ["t"]), helper.make_node("Add", ["t", "b"], ["y"])],
                              "g", [x], [y], initializer=[a, b])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(model, folder / "big.onnx", save_as_external_data=True, all_tensors_to_one_file=not separate_files,
              location=None if separate_files else "big.onnx.data", size_threshold=0)
    return folder / "big.onnx"


@pytest.mark.parametrize("separate_files", [False, True])
def test_external_data_is_copied_beside_the_model(tmp_path, separate_files):
    model = _external_data_model(tmp_path / "src", separate_files=separate_files)
    data = sorted(p.name for p in model.parent.iterdir() if p != model)
    assert data == (["a", "b"] if separate_files else ["big.onnx.data"])  # the data really is outside the .onnx
    done = _repo(str(model), "-o", str(tmp_path / "models"), "--kind", "cpu")
    assert done.returncode == 0, done.stderr
    version = tmp_path / "models" / "big" / "1"
    assert sorted(p.name for p in version.iterdir()) == sorted(["model.onnx", *data])  # no temporaries either
    for name in data:
        assert (version / name).read_bytes() == (model.parent / name).read_bytes()
        assert str(version / name) in done.stdout
    # The repository's model runs with its copied data, away from the original (removed): Triton's ONNX Runtime.
    expected_in = np.ones((2, 4), np.float32)
    import onnxruntime as ort

    expected = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"]).run(None, {"x": expected_in})[0]
    for name in data:
        (model.parent / name).unlink()
    got = ort.InferenceSession(str(version / "model.onnx"), providers=["CPUExecutionProvider"]).run(
        None, {"x": expected_in})[0]
    np.testing.assert_array_equal(got, expected)


def test_missing_or_escaping_external_data_is_exit_2(tmp_path):
    model = _external_data_model(tmp_path / "src")
    (model.parent / "big.onnx.data").unlink()
    done = _repo(str(model), "-o", str(tmp_path / "m1"))
    assert done.returncode == 2 and "big.onnx.data" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "m1" / "big" / "1" / "model.onnx").exists()

    proto = onnx.load(str(_external_data_model(tmp_path / "src2")), load_external_data=False)
    for t in proto.graph.initializer:
        for entry in t.external_data:
            if entry.key == "location":
                entry.value = "../outside.data"
    onnx.save(proto, tmp_path / "src2" / "escape.onnx")
    done = _repo(str(tmp_path / "src2" / "escape.onnx"), "-o", str(tmp_path / "m2"))
    assert done.returncode == 2 and "../outside.data" in done.stderr and "Traceback" not in done.stderr
