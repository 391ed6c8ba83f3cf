"""trtcore compare: Polygraphy's wording, tolerances, files, exit codes; the real polygraphy CLI both ways."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
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


# -- compare --save-outputs, and the default tolerance of a reduced-precision engine ------------------------------
def test_save_outputs_writes_both_runs_as_polygraphy_run_results(models, tmp_path, capsys):
    from polygraphy.comparator import RunResults

    a, b = models
    saved = tmp_path / "both.json"
    np.savez(tmp_path / "in.npz", x=np.arange(6, dtype=np.float32).reshape(2, 3))
    feed = ["--inputs", str(tmp_path / "in.npz")]
    assert main(["compare", str(b), str(a), "--backend", "onnxruntime", *feed, "--atol", "2e-3",
                 "--save-outputs", str(saved)]) == 0
    results = RunResults.load(str(saved))  # Polygraphy's own reader
    names = list(results.keys())
    assert len(names) == 2 and names[0].endswith(str(b)) and names[1].endswith(str(a))
    got, ref = results[names[0]][0]["y"], results[names[1]][0]["y"]
    assert got.shape == (2, 3) and np.allclose(got - ref, 0.001, atol=1e-6)
    # and the file is a reference for a later compare (against both saved runs), as polygraphy's files are
    assert main(["compare", str(a), "--backend", "onnxruntime", "--load-outputs", str(saved), *feed]) == EXIT_FAILED
    assert main(["compare", str(a), "--backend", "onnxruntime", "--load-outputs", str(saved), *feed,
                 "--atol", "2e-3"]) == 0
    assert "PASSED" in capsys.readouterr().out


def test_save_outputs_target_checked_before_anything_runs(models, tmp_path, capsys):
    a, _ = models
    assert main(["compare", str(a), "--backend", "onnxruntime", "--save-outputs",
                 str(tmp_path / "no" / "such" / "f.json")]) == EXIT_BAD_INPUT
    assert "--save-outputs" in capsys.readouterr().err


class _Engine:
    def __init__(self, layers):
        self.layers = layers

    def inspect(self):
        return {"Layers": self.layers}


class _Fp16Engine:
    """Stands for a TensorRT fp16 engine: ONNX Runtime's outputs rounded to float16 (stored as float32, as an
    engine with fp32 I/O returns them), and the engine inspector's detailed layer list."""

    backend = "tensorrt"

    def __init__(self, path, layers):
        self._ort = trtcore.load(path, "onnxruntime")
        self.name, self.inputs, self.engine = str(path), self._ort.inputs, _Engine(layers)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._ort.deactivate()

    def infer(self, feed, cast=False):
        out = self._ort.infer(feed, cast=cast)
        return {k: v.astype(np.float16).astype(np.float32) for k, v in out.items()}


DETAILED_FP16 = [{"Name": "add", "LayerType": "ElementWise",
                  "Inputs": [{"Name": "x", "Format/Datatype": "Row major linear FP16 format"}],
                  "Outputs": [{"Name": "y", "Format/Datatype": "Row major linear FP16 format"}]}]


def test_engine_precision_from_the_inspector():
    from trtcore.runners.compare import default_tolerance, engine_precision

    class R:
        backend = "tensorrt"

        def __init__(self, layers):
            self.engine = _Engine(layers)

    assert engine_precision(R(DETAILED_FP16)) == ("fp16", "layer formats from the engine inspector")
    int8 = [{"Outputs": [{"Format/Datatype": "Channel major Int8 format where channel % 32 == 0"}]}]
    assert engine_precision(R(int8 + DETAILED_FP16))[0] == "int8"
    fp32 = [{"Outputs": [{"Format/Datatype": "Row major linear FP32"}]}]
    assert engine_precision(R(fp32))[0] == "tf32"
    names_only = engine_precision(R(["add", "relu"]))
    assert names_only[0] == "tf32" and "--profilingVerbosity detailed" in names_only[1]
    assert engine_precision(type("OnnxRuntimeRunner", (), {"backend": "onnxruntime"})()) == (None, "")
    assert default_tolerance(["float32"], "tf32") == (1e-3, "a tf32 engine")
    assert default_tolerance(["float32"], "int8") == (1e-1, "an int8 engine")


def test_fp16_engine_against_fp32_onnxruntime_uses_and_states_an_fp16_tolerance(tmp_path, monkeypatch, capsys):
    import trtcore.cli.compare as cli_compare

    model = add_one(tmp_path / "m.onnx", bias=0.1)
    real_load = cli_compare.load
    monkeypatch.setattr(cli_compare, "load", lambda path, backend, **kw: _Fp16Engine(path, DETAILED_FP16)
                        if backend == "tensorrt" else real_load(path, backend, **kw))
    np.savez(tmp_path / "in.npz", x=np.linspace(-3, 3, 160, dtype=np.float32).reshape(40, 4)[:, :3])
    feed = ["--inputs", str(tmp_path / "in.npz")]
    # Polygraphy's fp32 default fails on most values ...
    assert main(["compare", str(model), *feed, "--atol", "1e-5", "--rtol", "1e-5"]) == EXIT_FAILED
    capsys.readouterr()
    # ... the default for what is compared passes, and says why
    assert main(["compare", str(model), *feed]) == 0
    out = capsys.readouterr().out
    assert "Default tolerance 0.001 for an fp16 engine (layer formats from the engine inspector)" in out
    assert "PASSED | simple | All outputs matched" in out
