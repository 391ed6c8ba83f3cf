"""Messages speak the interface in use (issue 11, item 5): the library writes its errors in Python's words (keyword
arguments, config keys) and the CLI reads them in its flags (builder/flags.py ``speak_flags``). Each message is
checked from both sides: the Python call's text, and the same error through ``trtcore``'s command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from trtcore.builder.shapes import Profile, plan_profiles
from trtcore.cli import EXIT_BAD_INPUT, main
from trtcore.errors import ArgumentError, ShapeError
from trtcore.serving.model import TritonModel, TritonTensor, plan_instances
from trtcore.serving.repo import config_text

from _models import linear


@pytest.fixture(scope="module")
def lin(tmp_path_factory) -> Path:
    return linear(tmp_path_factory.mktemp("words") / "lin.onnx")


def _cli(argv: list[str], capsys) -> str:
    try:
        code = main(argv)
    except SystemExit as e:
        code = int(e.code or 0)
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT, err
    assert "Traceback" not in err
    return err


def _model() -> TritonModel:
    t = TritonTensor("x", "float32", "FP32", (4,))
    return TritonModel("m", (t,), (t,), 8)


def test_instances_in_python_words():
    with pytest.raises(ArgumentError) as e:
        plan_instances(0, None, 1)
    assert str(e.value) == "instances: at least 1, got 0"
    with pytest.raises(ArgumentError) as e:
        config_text(_model(), "onnxruntime_onnx", instances=0)
    assert str(e.value) == "instances: at least 1, got 0"


def test_instances_in_cli_words(lin, tmp_path, capsys):
    err = _cli(["triton-repo", str(lin), "-o", str(tmp_path / "repo"), "--instances", "0"], capsys)
    assert "--instances: at least 1, got 0" in err
    assert not (tmp_path / "repo").exists()


def test_kind_and_gpus_in_both_words(lin, tmp_path, capsys):
    with pytest.raises(ArgumentError) as e:
        config_text(_model(), "onnxruntime_onnx", kind="cpu", gpus=[0])
    assert str(e.value) == "gpus: only with kind='gpu'"
    with pytest.raises(ArgumentError) as e:
        config_text(_model(), "tensorrt_plan", kind="cpu")
    assert str(e.value) == "kind='cpu': a TensorRT plan runs only on a GPU"
    with pytest.raises(ArgumentError) as e:
        plan_instances(1, [], 1)
    assert str(e.value).startswith("gpus: name at least one GPU")
    with pytest.raises(ArgumentError) as e:
        plan_instances(1, [3], 2)
    assert str(e.value) == "gpus: no GPU 3 (asked for 3); 2 visible (0 to 1)"
    err = _cli(["triton-repo", str(lin), "-o", str(tmp_path / "repo"), "--kind", "cpu", "--gpus", "0"], capsys)
    assert "--gpus: only with --kind=gpu" in err and "kind='gpu'" not in err


def test_missing_dynamic_shapes_in_python_words(lin):
    # lin's input x is [batch, 6]: a profile that names no input leaves x without shapes.
    with pytest.raises(ShapeError) as e:
        plan_profiles({"x": ["batch", 6], "y": [1, 2]}, [Profile.from_spec_strings(opt="y:1x2")], model="m.onnx")
    assert "give min_shapes/opt_shapes/max_shapes for them" in str(e.value) and "--" not in str(e.value)
    with pytest.raises(ShapeError) as e:
        plan_profiles({"x": ["batch", 6]}, [], model="m.onnx")
    assert 'give shapes, e.g. opt_shapes="x:1x6" (min/max default to opt)' in str(e.value)
    assert "--optShapes" not in str(e.value)
    with pytest.raises(ArgumentError) as e:
        Profile.from_spec_strings(max="x:1by3")
    assert str(e.value).startswith("max_shapes") and "--maxShapes" not in str(e.value)


def test_missing_dynamic_shapes_in_cli_words(lin, capsys):
    err = _cli(["build", "--onnx", str(lin), "--dry-run"], capsys)
    assert "give shapes, e.g. --optShapes=x:1x6 (min/max default to opt)" in err and "opt_shapes" not in err
    err = _cli(["build", "--onnx", str(lin), "--dry-run", "--maxShapes=x:1by3"], capsys)
    assert "--maxShapes" in err and "max_shapes" not in err


def test_max_batch_size_in_both_words(lin, tmp_path, capsys):
    from trtcore.runners import TensorInfo
    from trtcore.serving import plan_model

    x = TensorInfo("x", "float32", [-1, 4])
    with pytest.raises(ArgumentError) as e:
        plan_model([x], [x], "m", max_batch_size=-1)
    assert str(e.value) == "max_batch_size: must be 0 (no batching) or more, got -1"
    err = _cli(["triton-repo", str(lin), "-o", str(tmp_path / "repo"), "--max-batch-size", "-1"], capsys)
    assert "--max-batch-size: must be 0 (no batching) or more, got -1" in err
