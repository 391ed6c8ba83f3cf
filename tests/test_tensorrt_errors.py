"""What trtcore does with TensorRT's answers, against the fake TensorRT (tests/_fake_tensorrt.py; issue 9, items 6
and 7): a progress callback cancels only at a step, as IProgressMonitor does; each execution context has its own
IErrorRecorder, so one context's errors never land in another's exception; TensorRT's logged errors reach the
exception that follows a failed call. Each case runs in a fresh interpreter (the loaded library is process-wide)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _fake_tensorrt import FAKE_ONLY, MAJOR, run_with_fake, fake_tensorrt

pytestmark = FAKE_ONLY


run = run_with_fake


@pytest.fixture
def trt(tmp_path: Path) -> Path:
    return fake_tensorrt(tmp_path / "trt", MAJOR)


@pytest.mark.parametrize("refuse", ["start", "finish"])
def test_false_at_a_phase_start_or_finish_keeps_the_finished_build(trt: Path, tmp_path: Path, refuse: str) -> None:
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"\x08\x07")
    record = tmp_path / "calls.txt"
    out = run(f"""
        events = []
        def progress(event, phase, parent, n):
            events.append(event)
            return event != {refuse!r}
        result = [_core.build_engine(request({str(onnx)!r}), progress, None).engine.decode(), events]
        """, trt, record)
    # TensorRT ignores what phaseStart/phaseFinish would answer: the engine it finished is the result.
    assert out == {"result": ["FAKEPLAN", ["start", "step", "step", "finish"]]}, out
    assert "build finished" in record.read_text()


def test_false_at_a_step_cancels(trt: Path, tmp_path: Path) -> None:
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"\x08\x07")
    record = tmp_path / "calls.txt"
    out = run(f"result = _core.build_engine(request({str(onnx)!r}), lambda e, p, parent, n: e != 'step', None)",
              trt, record)
    assert out["type"] == "BuildError" and "cancelled" in out["message"], out
    assert "build cancelled at step 0" in record.read_text()


def test_python_build_keeps_an_engine_whose_callback_refused_only_the_last_finish(trt: Path, tmp_path: Path) -> None:
    from _models import add_one

    onnx = add_one(tmp_path / "m.onnx", shape=[1, 3])
    out = run(f"""
        engine = trtcore.build({str(onnx)!r}, progress=lambda e: e.kind != "finish")
        result = engine.decode()
        """, trt, tmp_path / "calls.txt")
    assert out == {"result": "FAKEPLAN"}, out


def test_each_context_has_its_own_error_recorder(trt: Path, tmp_path: Path) -> None:
    plan = tmp_path / "m.engine"
    plan.write_bytes(b"PLAN")
    record = tmp_path / "calls.txt"
    out = run(f"""
        eng = _core.Engine.from_file({str(plan)!r})
        first, second = eng.create_context(0), eng.create_context(0)
        first.set_input_shape("x", [3, 3])  # succeeds, but context 1 reported an error on the way
        try:
            second.set_input_shape("x", [9, 3])
        except trtcore.ShapeError as e:
            message = str(e)
        try:
            first.set_input_shape("x", [5, 3])
        except trtcore.ShapeError as e:
            result = [message, str(e)]
        """, trt, record)
    second_message, first_message = out["result"]
    # Context 2's failure carries its own words only, never context 1's pending error ...
    assert "fake context 2 rejects batch 9" in second_message, second_message
    assert "context 1" not in second_message
    # ... and context 1's next failure carries what context 1 reported.
    assert "fake context 1 rejects batch 5" in first_message, first_message
    assert "min [1, 3] to max [4, 3]" in first_message
    assert record.read_text().count("setErrorRecorder") == 2


def test_deserialize_failure_carries_tensorrts_logged_error(trt: Path, tmp_path: Path) -> None:
    plan = tmp_path / "m.engine"
    plan.write_bytes(b"PLAN")
    out = run(f"result = trtcore.load({str(plan)!r})", trt, tmp_path / "calls.txt",
              FAKE_DESERIALIZE_ERROR="Error Code 6: The engine plan file is generated on an incompatible device")
    assert out["type"] == "TensorRTError", out
    assert "incompatible device" in out["message"] and "m.engine" in out["message"]


@pytest.mark.gpu
def test_a_cuda_array_off_the_256_byte_alignment_is_refused_before_tensorrt_sees_it(trt: Path, tmp_path: Path) -> None:
    # Needs a GPU (the executor binds CUDA arrays only with a CUDA device); the fake TensorRT stands in for
    # TensorRT and records the addresses it is given.
    pytest.importorskip("torch")
    plan = tmp_path / "m.engine"
    plan.write_bytes(b"PLAN")
    record = tmp_path / "calls.txt"
    out = run(f"""
        import torch
        eng = trtcore.Engine.from_file({str(plan)!r})
        base = torch.zeros((3, 3), device="cuda")  # cudaMalloc'd: 256-byte aligned
        eng.infer({{"x": base}})
        try:
            eng.infer({{"x": base[1:]}})  # 12 bytes further on
        except trtcore.ArgumentError as e:
            result = str(e)
        """, trt, record)
    assert "12 bytes past a 256-byte boundary" in out["result"] and "tensor 'x'" in out["result"], out
    assert [c for c in record.read_text().splitlines() if c.startswith("setTensorAddress")] == ["setTensorAddress x 0"]


def test_a_failed_factory_carries_what_tensorrt_logged(trt: Path, tmp_path: Path) -> None:
    onnx = tmp_path / "m.onnx"
    onnx.write_bytes(b"\x08\x07")
    out = run(f"result = _core.build_engine(request({str(onnx)!r}), None, None)", trt, tmp_path / "calls.txt",
              FAKE_NO_BUILDER="[builder.cpp::createInferBuilder] Error Code 6: Unable to load library: "
                              "libnvinfer_builder_resource.so.10.16.0")
    assert out["type"] == "TensorRTError", out
    assert "could not create a builder" in out["message"]
    assert "Unable to load library: libnvinfer_builder_resource" in out["message"]  # TensorRT's own words
    out = run("result = _core.merge_timing_caches([b'x'])", trt, tmp_path / "calls.txt", FAKE_NO_BUILDER="no GPU")
    assert out["type"] == "TensorRTError" and out["message"].endswith(": no GPU"), out
