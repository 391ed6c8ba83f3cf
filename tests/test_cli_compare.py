"""trtcore compare: PASS/FAIL wording, tolerances, exit codes."""

from __future__ import annotations

import pytest

import trtcore
from trtcore.cli import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_MISSING, main

from _models import add_one


@pytest.fixture
def models(tmp_path):
    return add_one(tmp_path / "a.onnx", bias=1.0), add_one(tmp_path / "b.onnx", bias=1.001)


def test_same_model_passes(models, capsys):
    a, _ = models
    assert main(["compare", str(a), "--backend", "onnxruntime", "--shapes", "x:4x3"]) == 0
    out = capsys.readouterr().out
    assert "PASSED | Output: 'y' | Difference is within tolerance (rel=1e-05, abs=1e-05)" in out
    assert "PASSED | All outputs matched | Outputs: ['y']" in out


def test_different_models_fail_with_exit_1_and_pass_with_looser_tolerance(models, capsys):
    a, b = models
    assert main(["compare", str(b), str(a), "--backend", "onnxruntime"]) == EXIT_FAILED
    out = capsys.readouterr().out
    assert "[E]     FAILED | Output: 'y' | Difference exceeds tolerance" in out
    assert "FAILED | Mismatched outputs: ['y']" in out
    assert "Minimum Required Tolerance: elemwise error | [abs=0.001" in out
    assert main(["compare", str(b), str(a), "--backend", "onnxruntime", "--atol", "2e-3"]) == 0
    assert main(["compare", str(b), str(a), "--backend", "onnxruntime", "--rtol", "1e-2"]) == 0


def test_bad_tolerance_and_engine_reference(models, tmp_path, capsys):
    a, _ = models
    assert main(["compare", str(a), "--backend", "onnxruntime", "--atol", "-1"]) == EXIT_BAD_INPUT
    engine = tmp_path / "m.engine"
    engine.write_bytes(b"plan")
    assert main(["compare", str(engine)]) == EXIT_BAD_INPUT
    assert "give the ONNX file" in capsys.readouterr().err


@pytest.mark.skipif(trtcore.build_info()["tensorrt"]["usable"], reason="checks the exit code without TensorRT")
def test_default_backend_tensorrt_missing_is_exit_3(models, capsys):
    a, _ = models
    assert main(["compare", str(a)]) == EXIT_MISSING
    assert "TensorRT" in capsys.readouterr().err


@pytest.mark.tensorrt
def test_tensorrt_against_onnxruntime(models):
    a, _ = models
    assert main(["compare", str(a), "--atol", "1e-3", "--rtol", "1e-3"]) == 0
