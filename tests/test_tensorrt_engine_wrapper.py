"""trtcore.Engine's Python side (python/trtcore/engine.py) over a stand-in for _core.Engine: tensor metadata,
dtype names numpy lacks, inspector JSON, one executor per thread. Runs everywhere (no TensorRT, no GPU)."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

from trtcore.engine import Engine, TensorInfo


class FakeNative:
    """What _core.Engine exposes, with fixed answers."""

    def __init__(self) -> None:
        self.tensors = [
            TensorInfo("images", "float32", (-1, 3, 8, 8), "input", [((1, 3, 8, 8), (2, 3, 8, 8), (4, 3, 8, 8))],
                       format="Row major linear FP32"),
            TensorInfo("scale", "bfloat16", (1,), "input", [((1,), (1,), (1,))]),
            TensorInfo("logits", "float16", (-1, 10), "output"),
        ]
        self.device_memory_size = 4096
        self.num_profiles = 1
        self.source = "fake.engine"
        self.contexts: list[tuple[int, int]] = []

    def inspect(self) -> str:
        return '{"Layers": ["conv", "fc"], "Bindings": ["images", "scale", "logits"]}'

    def create_context(self, profile: int) -> tuple[str, int]:
        self.contexts.append((threading.get_ident(), profile))
        return ("context", profile)


class FakeExecutor:
    def __init__(self, backend: Any, stream: int | None = None, cuda_graph: bool = False,
                 stage_timing: bool = False) -> None:
        self.backend, self.stream, self.cuda_graph, self.stage_timing = backend, stream, cuda_graph, stage_timing
        self.thread = threading.get_ident()

    def last_timings(self) -> dict:
        return {"compute": 1.0} if self.stage_timing else {}

    def infer(self, feed: dict, copy_outputs: bool = True, output_device: str = "cpu", *, cast: bool = False) -> dict:
        assert threading.get_ident() == self.thread, "an executor was shared between threads"
        return {"logits": np.asarray(feed["images"]).sum(), "executor": self}


@pytest.fixture
def fake_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    import trtcore.runtime

    monkeypatch.setattr(trtcore.runtime, "Executor", FakeExecutor)


def test_tensor_metadata_maps_to_numpy() -> None:
    engine = Engine(FakeNative())
    images, scale = engine.inputs
    [logits] = engine.outputs
    assert (images.name, images.dtype, images.shape, images.format) == (
        "images", np.dtype(np.float32), (-1, 3, 8, 8), "Row major linear FP32")
    assert images.profiles == [((1, 3, 8, 8), (2, 3, 8, 8), (4, 3, 8, 8))]
    assert images.is_dynamic and not scale.is_dynamic
    expected_bf16: object
    try:
        expected_bf16 = np.dtype("bfloat16")  # numpy knows it once ml_dtypes is imported
    except TypeError:
        expected_bf16 = "bfloat16"
    assert scale.dtype == expected_bf16
    assert logits.dtype == np.dtype(np.float16) and logits.profiles == []
    assert (engine.device_memory_size, engine.num_profiles, engine.source) == (4096, 1, "fake.engine")
    assert engine.inspect() == {"Layers": ["conv", "fc"], "Bindings": ["images", "scale", "logits"]}
    assert "images: float32 [-1, 3, 8, 8]" in repr(engine)
    engine.inputs.clear()  # a copy: the engine's own list is untouched
    assert len(engine.inputs) == 2


def test_infer_uses_one_executor_per_thread(fake_runtime: None) -> None:
    native = FakeNative()
    engine = Engine(native)
    x = np.ones((2, 3, 8, 8), np.float32)
    first = engine.infer({"images": x})
    assert first["logits"] == x.sum()
    assert engine.infer({"images": x})["executor"] is first["executor"]  # reused on the same thread
    seen: list[Any] = []
    def work() -> None:
        seen.append(engine.infer({"images": x})["executor"])

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(e) for e in seen + [first["executor"]]}) == 4
    assert len(native.contexts) == 4 and all(profile == 0 for _, profile in native.contexts)


def test_create_execution_passes_stream_graph_and_profile(fake_runtime: None) -> None:
    native = FakeNative()
    ex = Engine(native).create_execution(stream=1234, cuda_graph=True, profile=0)
    assert (ex.backend, ex.stream, ex.cuda_graph) == (("context", 0), 1234, True)


def test_stage_timing_reaches_this_threads_executor(fake_runtime: None) -> None:
    engine = Engine(FakeNative())
    feed = {"images": np.ones((2, 3, 8, 8), np.float32)}
    assert engine.last_timings() == {}  # no executor yet
    engine.infer(feed)
    assert engine.last_timings() == {}
    engine.set_stage_timing(True)
    engine.infer(feed)
    assert engine.last_timings() == {"compute": 1.0}
    engine.set_stage_timing(False)
    engine.infer(feed)
    assert engine.last_timings() == {}
