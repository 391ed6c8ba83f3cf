"""trtcore compare: Polygraphy's wording, tolerances, files, exit codes; the real polygraphy CLI both ways."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import trtcore
from trtcore.cli import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_MISSING, main

from _models import add_one, two_inputs

pytest.importorskip("polygraphy")
# The real `polygraphy` command; where only the package is installed (no console script, e.g. pip --target), the
# same entry point the script calls.
_SCRIPT = shutil.which("polygraphy") or str(Path(sys.executable).parent / "polygraphy")
POLYGRAPHY = ([_SCRIPT] if Path(_SCRIPT).is_file() else
              [sys.executable, "-c", "import sys; from polygraphy.tools import main; sys.argv[0] = 'polygraphy'; "
                                     "sys.exit(main())"])


@pytest.fixture
def models(tmp_path):
    return add_one(tmp_path / "a.onnx", bias=1.0), add_one(tmp_path / "b.onnx", bias=1.001)


def test_same_model_passes_and_states_the_default_tolerance(models, capsys):
    a, _ = models
    assert main(["compare", str(a), "--backend", "onnxruntime", "--shapes", "x:4x3"]) == 0
    out = capsys.readouterr().out
    assert "Default tolerance 1e-05 for float32 outputs" in out
    assert "PASSED | Output: 'y' | Difference is within tolerance (rel=1e-05, abs=1e-05)" in out
    assert "PASSED | simple | All outputs matched | Outputs: ['y']" in out


def test_different_models_fail_with_exit_1_and_pass_with_looser_tolerance(models, capsys):
    a, b = models
    assert main(["compare", str(b), str(a), "--backend", "onnxruntime"]) == EXIT_FAILED
    out = capsys.readouterr().out
    assert "FAILED | Output: 'y' | Difference exceeds tolerance" in out
    assert "Minimum Required Tolerance: elemwise error | [abs=0.001" in out
    assert "p90=" in out and "p99=" in out and "median=" in out and "std-dev=" in out
    assert main(["compare", str(b), str(a), "--backend", "onnxruntime", "--atol", "2e-3"]) == 0
    assert main(["compare", str(b), str(a), "--backend", "onnxruntime", "--atol", "y:2e-3", "1e-9"]) == 0
    assert main(["compare", str(b), str(a), "--backend", "onnxruntime", "--rtol", "1e-2"]) == 0
    assert main(["compare", str(b), str(a), "--backend", "onnxruntime", "--atol", "2e-3",
                 "--check-error-stat", "median"]) == 0
    assert "Checking median error" in capsys.readouterr().out


def test_bad_arguments_are_exit_2(models, tmp_path, capsys):
    a, _ = models
    assert main(["compare", str(a), "--backend", "onnxruntime", "--atol", "-1"]) == EXIT_BAD_INPUT
    assert main(["compare", str(a), "--backend", "onnxruntime", "--check-error-stat", "p99"]) == EXIT_BAD_INPUT
    engine = tmp_path / "m.engine"
    engine.write_bytes(b"plan")
    assert main(["compare", str(engine), "--backend", "tensorrt"]) == EXIT_BAD_INPUT
    assert "give the ONNX file" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text("[1, 2")
    assert main(["compare", str(a), "--load-outputs", str(tmp_path / "bad.json")]) == EXIT_BAD_INPUT
    assert "RunResults" in capsys.readouterr().err


@pytest.mark.skipif(trtcore.build_info()["tensorrt"]["usable"], reason="checks the exit code without TensorRT")
def test_default_backend_tensorrt_missing_is_exit_3(models, capsys):
    a, _ = models
    assert main(["compare", str(a)]) == EXIT_MISSING
    assert "TensorRT" in capsys.readouterr().err


def _polygraphy(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*POLYGRAPHY, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_polygraphy_outputs_checked_by_trtcore_compare(tmp_path, capsys):
    model = two_inputs(tmp_path / "m.onnx")
    done = _polygraphy("run", str(model), "--onnxrt", "--input-shapes", "a:[2,4]", "b:[2,4]",
                       "--save-outputs", "ref.json", "--save-inputs", "in.json", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    args = ["compare", str(model), "--load-outputs", str(tmp_path / "ref.json"),
            "--load-inputs", str(tmp_path / "in.json")]
    assert main(args) == 0
    assert "PASSED | simple | All outputs matched | Outputs: ['z']" in capsys.readouterr().out
    # the same reference against a different model fails
    other = add_one(tmp_path / "other.onnx", shape=["batch", 4])
    assert main(["compare", str(other), "--load-outputs", str(tmp_path / "ref.json")]) == EXIT_FAILED


def test_trtcore_outputs_checked_by_polygraphy(tmp_path):
    model = add_one(tmp_path / "m.onnx", shape=[2, 3])
    assert main(["run", str(model), "--save-outputs", str(tmp_path / "out.json"),
                 "--save-inputs", str(tmp_path / "in.json")]) == 0
    done = _polygraphy("run", str(model), "--onnxrt", "--load-inputs", "in.json", "--load-outputs", "out.json",
                       cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASSED" in done.stdout
    # and a model that differs fails in Polygraphy
    other = add_one(tmp_path / "n.onnx", shape=[2, 3], bias=1.5)
    done = _polygraphy("run", str(other), "--onnxrt", "--load-inputs", "in.json", "--load-outputs", "out.json",
                       cwd=tmp_path)
    assert done.returncode != 0 and "FAILED" in done.stdout


@pytest.mark.tensorrt
def test_tensorrt_against_onnxruntime(models):
    a, _ = models
    assert main(["compare", str(a), "--atol", "1e-3", "--rtol", "1e-3"]) == 0
