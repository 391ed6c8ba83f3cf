"""``trtcore refit`` / ``trtcore.builder.refit`` against the fake TensorRT (tests/_fake_tensorrt.py): the engine's
IRefitter, the ONNX parser's IParserRefitter::refitFromFile, refitCudaEngine and the plan serialized with its
weights, in that order; weights the model lacks are named; a plan that is not refittable, a model the parser
rejects and a failed refit are errors carrying TensorRT's words, and nothing is written. The fake engine needs the
weights conv.weight and conv.bias, and its parser refitter sets those whose names the model holds. Each case runs
in a fresh interpreter or process (the loaded library is process-wide)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from _fake_tensorrt import FAKE_ONLY, MAJOR, fake_tensorrt, tensorrt_headers
from _fresh import fresh_python
from onnx import TensorProto, helper, numpy_helper

pytestmark = FAKE_ONLY


def include_refit_bit() -> int:
    """SerializationFlag::kINCLUDE_REFIT's bit where the headers trtcore was built against have it (not 10.5)."""
    headers = tensorrt_headers()
    assert headers is not None
    return 4 if "kINCLUDE_REFIT" in (headers / "NvInferRuntime.h").read_text() else 0


def conv_model(path: Path, weights: tuple[str, ...] = ("conv.weight", "conv.bias")) -> Path:
    """A Conv whose initializers are `weights` (the names the fake parser refitter looks for)."""
    init = [numpy_helper.from_array(np.ones((2, 3, 1, 1), np.float32), "conv.weight"),
            numpy_helper.from_array(np.zeros(2, np.float32), "conv.bias")]
    init = [t for t in init if t.name in weights]
    node = helper.make_node("Conv", ["x", *[t.name for t in init]], ["y"])
    graph = helper.make_graph([node], "conv", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2, 4, 4])], init)
    onnx.save(helper.make_model(graph), path)
    return path


@pytest.fixture
def trt(tmp_path: Path) -> Path:
    return fake_tensorrt(tmp_path / "trt", MAJOR)


def env(trt: Path, record: Path, **extra: str) -> dict[str, str]:
    return {"TRTCORE_TENSORRT_LIB_DIR": str(trt), "FAKE_TRT_RECORD": str(record), **extra}


def calls(record: Path) -> list[str]:
    return record.read_text().splitlines() if record.exists() else []


def refit(trt: Path, tmp_path: Path, plan: bytes, model: Path, output: Path | None, **extra: str) -> dict:
    engine = tmp_path / "m.engine"
    engine.write_bytes(plan)
    code = f"result = str(trtcore.builder.refit({str(engine)!r}, {str(model)!r}, " \
           f"{str(output) if output else None!r}).output)"
    return fresh_python(code, env(trt, tmp_path / "calls.txt", **extra), prelude="import trtcore", timeout=60)


def test_a_stripped_engine_is_refitted_and_written_with_its_weights(trt: Path, tmp_path: Path) -> None:
    model, out = conv_model(tmp_path / "m.onnx"), tmp_path / "full.engine"
    assert refit(trt, tmp_path, b"STRIPPED-REFIT", model, out) == {"result": str(out)}
    # kEXCLUDE_WEIGHTS (a stripped plan's default) cleared; kINCLUDE_REFIT set where the headers have it.
    flags = include_refit_bit()
    assert out.read_bytes() == f"REFITTED STRIPPED-REFIT weights=conv.weight,conv.bias flags={flags}".encode()
    assert (tmp_path / "m.engine").read_bytes() == b"STRIPPED-REFIT"  # -o given: the input stays
    assert calls(tmp_path / "calls.txt")[-7:] == [
        "registry deserializeCudaEngine STRIPPED-REFIT", "createInferRefitter STRIPPED-REFIT", f"refitFromFile {model}", "setNamedWeights conv.weight count=1",
        "setNamedWeights conv.bias count=1", "refitCudaEngine", f"serializeWithConfig flags={flags}"]


def test_without_output_the_engine_file_is_replaced(trt: Path, tmp_path: Path) -> None:
    model = conv_model(tmp_path / "m.onnx")
    assert refit(trt, tmp_path, b"REFIT", model, None) == {"result": str(tmp_path / "m.engine")}
    assert (tmp_path / "m.engine").read_bytes().startswith(b"REFITTED REFIT weights=conv.weight,conv.bias")
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]  # the atomic writer's temporary is gone


def test_missing_weights_are_named_and_nothing_is_written(trt: Path, tmp_path: Path) -> None:
    model, out = conv_model(tmp_path / "m.onnx", weights=("conv.weight",)), tmp_path / "full.engine"
    result = refit(trt, tmp_path, b"STRIPPED-REFIT", model, out)
    assert result["type"] == "TensorRTError", result
    assert "lacks 1 weight(s) the engine needs: conv.bias " in result["message"], result
    assert str(model) in result["message"] and "conv.weight" not in result["message"]
    assert not out.exists() and "refitCudaEngine" not in calls(tmp_path / "calls.txt")


def test_a_plan_that_is_not_refittable_is_an_argument_error_saying_how_to_build_one(trt: Path, tmp_path: Path) -> None:
    result = refit(trt, tmp_path, b"PLAN", conv_model(tmp_path / "m.onnx"), tmp_path / "out.engine")
    assert result["type"] == "ArgumentError", result
    assert "is not a refittable engine" in result["message"] and "--refit" in result["message"]
    assert not any(c.startswith("createInferRefitter") for c in calls(tmp_path / "calls.txt"))
    assert not (tmp_path / "out.engine").exists()


def test_a_model_the_parser_refitter_rejects_carries_its_error(trt: Path, tmp_path: Path) -> None:
    model = tmp_path / "bad.onnx"
    model.write_bytes(b"CORRUPT")
    result = refit(trt, tmp_path, b"REFIT", model, tmp_path / "out.engine")
    assert result["type"] == "TensorRTError", result
    assert "MODEL_DESERIALIZE_FAILED: fake parser refitter: failed to parse the ONNX model" in result["message"]
    # the parser set nothing, so the weights still missing are named too
    assert "the engine still lacks conv.weight, conv.bias" in result["message"]
    assert not (tmp_path / "out.engine").exists()


def test_a_failed_refit_carries_tensorrts_logged_error(trt: Path, tmp_path: Path) -> None:
    result = refit(trt, tmp_path, b"REFIT", conv_model(tmp_path / "m.onnx"), tmp_path / "out.engine",
                   FAKE_REFIT_ERROR="fake: weights of the wrong shape")
    assert result["type"] == "TensorRTError", result
    assert "refitCudaEngine failed" in result["message"] and "fake: weights of the wrong shape" in result["message"]
    assert not (tmp_path / "out.engine").exists()


def test_the_core_checks_the_model_path_itself(trt: Path, tmp_path: Path) -> None:
    code = f"result = _core.refit_engine(b'REFIT', {str(tmp_path / 'no.onnx')!r})"
    result = fresh_python(code, env(trt, tmp_path / "calls.txt"), prelude="from trtcore import _core", timeout=60)
    assert result["type"] == "FileError" and str(tmp_path / "no.onnx") in result["message"], result
    assert calls(tmp_path / "calls.txt") == []  # before any engine is loaded


def cli(trt: Path, tmp_path: Path, *argv: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "trtcore", "refit", *argv], capture_output=True, text=True,
                          timeout=120, check=False, env={**os.environ, **env(trt, tmp_path / "calls.txt", **extra)})


def test_cli_refits_and_reports(trt: Path, tmp_path: Path) -> None:
    engine, model, out = tmp_path / "m.engine", conv_model(tmp_path / "m.onnx"), tmp_path / "o.engine"
    engine.write_bytes(b"STRIPPED-REFIT")
    proc = cli(trt, tmp_path, str(engine), "--onnx", str(model), "-o", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert (doc["engine"], doc["onnx"], doc["output"]) == (str(engine), str(model), str(out))
    assert doc["engine_bytes"] == out.stat().st_size > 0
    proc = cli(trt, tmp_path, str(engine), "--refitFromOnnx", str(model))  # trtexec's name; in place
    assert proc.returncode == 0 and f"refitted {engine} from {model} into {engine}" in proc.stdout, proc.stderr


def test_cli_errors_are_one_line_with_their_exit_codes(trt: Path, tmp_path: Path) -> None:
    engine, model = tmp_path / "m.engine", conv_model(tmp_path / "m.onnx", weights=("conv.bias",))
    engine.write_bytes(b"STRIPPED-REFIT")
    proc = cli(trt, tmp_path, str(engine), "--onnx", str(model))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "trtcore refit: error: cannot refit" in proc.stderr and "conv.weight" in proc.stderr
    assert engine.read_bytes() == b"STRIPPED-REFIT"  # the failed refit left the engine as it was
    engine.write_bytes(b"PLAN")
    proc = cli(trt, tmp_path, str(engine), "--onnx", str(model))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "is not a refittable engine" in proc.stderr
