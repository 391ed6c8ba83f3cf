"""trtcore.runtime on a GPU, with the identity backend (outputs are device-to-device copies of inputs)."""

from __future__ import annotations

import gc
import logging
import threading
import time
import weakref

import numpy as np
import pytest

import trtcore
from trtcore import _testing
from _backends import IdentityBackend
from trtcore.runtime import DeviceArray, Executor

from _threads import run_in_threads

pytestmark = pytest.mark.gpu


def swap_backend(**kwargs):
    """a -> out_b, b -> out_a: a mix-up of inputs, outputs or buffers shows in the values."""
    return IdentityBackend(
        [("a", "float32", [-1, 3]), ("b", "int32", [-1])],
        [("out_a", "int32", [-1], "b"), ("out_b", "float32", [-1, 3], "a")],
        **kwargs,
    )


def feed(n, seed=0):
    rng = np.random.default_rng(seed)
    return {"a": rng.standard_normal((n, 3)).astype(np.float32), "b": rng.integers(-9, 9, n).astype(np.int32)}


def check(out, f):
    np.testing.assert_array_equal(out["out_b"], f["a"])
    np.testing.assert_array_equal(out["out_a"], f["b"])


def test_infer_round_trip_returns_owned_arrays():
    ex = Executor(swap_backend())
    f1, f2 = feed(5, 1), feed(5, 2)
    out1 = ex.infer(f1)
    check(out1, f1)
    assert out1["out_b"].dtype == np.float32 and out1["out_a"].dtype == np.int32
    out2 = ex.infer(f2)
    check(out2, f2)
    check(out1, f1)  # owned copies: the second call did not overwrite the first results


def test_copy_outputs_false_returns_staging_views_valid_until_next_call():
    ex = Executor(swap_backend())
    f1, f2 = feed(4, 1), feed(4, 2)
    view = ex.infer(f1, copy_outputs=False)
    check(view, f1)
    ex.infer(f2, copy_outputs=False)
    np.testing.assert_array_equal(view["out_b"], f2["a"])  # the same pinned buffer, overwritten


def test_buffers_are_reused_while_shapes_fit_and_grown_when_not():
    ex = Executor(swap_backend())
    ex.infer(feed(8))
    first = ex.stats["allocations"]
    assert first == 8  # 4 device buffers + 4 pinned staging buffers
    for n in (8, 3, 8, 1):
        check(ex.infer(feed(n, n)), feed(n, n))
    assert ex.stats["allocations"] == first
    check(ex.infer(feed(500, 7)), feed(500, 7))  # larger: every buffer grows once
    assert ex.stats["allocations"] == 2 * first


def test_empty_tensors_run():
    ex = Executor(swap_backend())
    out = ex.infer(feed(0))
    assert out["out_b"].shape == (0, 3) and out["out_a"].shape == (0,)


def test_input_buffer_is_zero_copy():
    ex = Executor(swap_backend())
    a = ex.input_buffer("a", (6, 3))
    b = ex.input_buffer("b", (6,))
    assert a.flags.writeable and a.dtype == np.float32 and a.shape == (6, 3)
    a[:] = np.arange(18).reshape(6, 3)
    b[:] = np.arange(6)
    out = ex.infer({"a": a, "b": b})
    np.testing.assert_array_equal(out["out_b"], np.arange(18).reshape(6, 3))
    np.testing.assert_array_equal(out["out_a"], np.arange(6))
    assert ex.stats["host_copy_bytes"] == 0  # nothing copied on the host
    ex.infer(feed(6))
    assert ex.stats["host_copy_bytes"] == 6 * 3 * 4 + 6 * 4


def test_old_input_buffer_survives_growth():
    ex = Executor(swap_backend())
    small = ex.input_buffer("a", (2, 3))
    small[:] = 5
    ex.input_buffer("a", (1000, 3))  # grows: a new staging buffer
    small[:] = 7  # still valid memory (kept alive by the array)
    out = ex.infer({"a": small, "b": np.zeros(2, np.int32)})
    np.testing.assert_array_equal(out["out_b"], np.full((2, 3), 7, np.float32))


@pytest.mark.parametrize("dtype", ["float16", "int8", "uint8", "int64", "bool"])
def test_dtypes(dtype):
    b = IdentityBackend([("x", dtype, [-1])], [("y", dtype, [-1], "x")])
    x = (np.arange(37) % 3).astype(dtype)
    np.testing.assert_array_equal(Executor(b).infer({"x": x})["y"], x)


def test_non_contiguous_host_input_is_copied():
    ex = Executor(swap_backend())
    big = np.arange(60, dtype=np.float32).reshape(10, 6)
    a = big[:, ::2]
    assert not a.flags.c_contiguous
    out = ex.infer({"a": a, "b": np.zeros(10, np.int32)})
    np.testing.assert_array_equal(out["out_b"], np.ascontiguousarray(a))


def test_infer_async_on_own_and_user_stream():
    torch = pytest.importorskip("torch")
    ex = Executor(swap_backend())
    f = feed(1000, 3)
    views = ex.infer_async(f)
    ex.synchronize()
    check(views, f)
    user = torch.cuda.Stream()
    f2 = feed(1000, 4)
    views = ex.infer_async(f2, stream=user)
    user.synchronize()
    check(views, f2)
    ex.synchronize()


def test_torch_tensors_in_and_out_without_host_round_trip():
    torch = pytest.importorskip("torch")
    ex = Executor(swap_backend())
    a = torch.randn(64, 3, device="cuda")
    b = torch.arange(64, dtype=torch.int32, device="cuda")
    out = ex.infer({"a": a, "b": b}, output_device="cuda")
    assert isinstance(out["out_b"], DeviceArray)
    assert out["out_b"].shape == (64, 3) and out["out_b"].dtype == "float32"
    assert ex.stats["host_copy_bytes"] == 0
    assert ex.stats["allocations"] == 2  # only the two output device buffers: inputs were bound directly
    via_dlpack = torch.from_dlpack(out["out_b"])
    via_cai = torch.as_tensor(out["out_a"], device="cuda")
    assert via_dlpack.data_ptr() == out["out_b"].ptr  # zero-copy
    assert torch.equal(via_dlpack, a) and torch.equal(via_cai, b)
    np.testing.assert_array_equal(out["out_b"].numpy(), a.cpu().numpy())
    # copy_outputs=True (default) hands the buffers over: the next call does not overwrite them
    ex.infer({"a": a * 2, "b": b}, output_device="cuda")
    assert torch.equal(via_dlpack, a)


def test_cupy_arrays_in_and_out():
    cp = pytest.importorskip("cupy")
    ex = Executor(swap_backend())
    a = cp.arange(30, dtype=cp.float32).reshape(10, 3)
    b = cp.arange(10, dtype=cp.int32)
    out = ex.infer({"a": a, "b": b}, output_device="cuda")
    assert cp.array_equal(cp.asarray(out["out_b"]), a)
    assert cp.array_equal(cp.from_dlpack(out["out_a"]), b)
    host = ex.infer({"a": a, "b": b})  # CUDA in, host out
    np.testing.assert_array_equal(host["out_b"], cp.asnumpy(a))


def test_dlpack_only_input():
    torch = pytest.importorskip("torch")

    class OnlyDLPack:  # no __cuda_array_interface__: forces the DLPack path
        def __init__(self, t):
            self.t = t

        def __dlpack__(self, stream=None):
            return self.t.__dlpack__(stream=stream)

        def __dlpack_device__(self):
            return self.t.__dlpack_device__()

    ex = Executor(swap_backend())
    a = torch.randn(16, 3, device="cuda")
    b = torch.arange(16, dtype=torch.int32, device="cuda")
    out = ex.infer({"a": OnlyDLPack(a), "b": OnlyDLPack(b)})
    np.testing.assert_array_equal(out["out_b"], a.cpu().numpy())
    np.testing.assert_array_equal(out["out_a"], b.cpu().numpy())


def test_bad_cuda_inputs_are_rejected():
    torch = pytest.importorskip("torch")
    ex = Executor(swap_backend())
    b = torch.arange(8, dtype=torch.int32, device="cuda")
    strided = torch.randn(3, 8, device="cuda").t()
    with pytest.raises(trtcore.ArgumentError, match="input 'a'.*not C-contiguous"):
        ex.infer({"a": strided, "b": b})
    with pytest.raises(trtcore.DTypeError, match="input 'a'.*expected float32"):
        ex.infer({"a": torch.zeros(8, 3, dtype=torch.float64, device="cuda"), "b": b})
    out = ex.infer({"a": strided.contiguous(), "b": b})  # still usable
    np.testing.assert_array_equal(out["out_b"], strided.cpu().numpy())


def test_cuda_graph_replays_and_recaptures_on_shape_change():
    ex = Executor(swap_backend(launches=4), cuda_graph=True)
    for i in range(4):
        f = feed(32, i)
        check(ex.infer(f), f)  # graph reads the staging buffers: new values each time
    assert ex.stats["graph_captures"] == 1 and ex.stats["graph_launches"] == 3
    assert ex.stats["graph_disabled"] is False and ex.stats["graph_error"] is None
    for i in range(3):
        f = feed(16, 10 + i)  # new shape: one plain run, then capture again
        check(ex.infer(f), f)
    assert ex.stats["graph_captures"] == 2 and ex.stats["graph_launches"] == 5
    a = ex.input_buffer("a", (16, 3))
    a[:] = 3
    out = ex.infer({"a": a, "b": np.zeros(16, np.int32)})
    np.testing.assert_array_equal(out["out_b"], np.full((16, 3), 3, np.float32))


def test_enqueue_failure_leaves_executor_usable():
    for graph in (False, True):
        backend = swap_backend()
        ex = Executor(backend, cuda_graph=graph)
        f = feed(10)
        check(ex.infer(f), f)
        backend.set_fail_enqueue(True)
        for _ in range(2):  # graph mode: the first failure is during capture, the second in a plain run
            with pytest.raises(trtcore.Error, match="on purpose"):
                ex.infer(f)
        backend.set_fail_enqueue(False)
        for i in range(3):
            f = feed(10, i)
            check(ex.infer(f), f)
        assert ex.stats["graph_disabled"] is False  # the backend failed, not the capture: graphs stay on
        if graph:
            assert ex.stats["graph_launches"] >= 1


def test_out_of_memory_is_cuda_out_of_memory_naming_the_tensor():
    huge = IdentityBackend([("x", "float32", [4])], [("y", "float32", [1 << 40], "x")])
    ex = Executor(huge)
    with pytest.raises(trtcore.CudaOutOfMemory, match="output 'y'.*cudaErrorMemoryAllocation"):
        ex.infer({"x": np.zeros(4, np.float32)})
    with pytest.raises(MemoryError):  # CudaOutOfMemory is a MemoryError too
        _testing.cuda.DeviceBuffer(1 << 50)
    ok = Executor(swap_backend())  # CUDA is still fine afterwards
    check(ok.infer(feed(3)), feed(3))


def test_concurrent_executors_from_threads():
    def work(k):
        ex = Executor(swap_backend(launches=3))
        for i in range(40):
            f = feed(200 + k, 100 * k + i)
            check(ex.infer(f), f)

    run_in_threads(work, range(4))


def test_one_executor_shared_by_threads_is_serialised():
    ex = Executor(swap_backend())

    def work(k):
        for i in range(30):
            f = feed(50, 1000 * k + i)
            check(ex.infer(f), f)

    run_in_threads(work, range(3))
    assert ex.stats["runs"] == 90


def test_executor_dropped_with_work_in_flight():
    ex = Executor(swap_backend(launches=8))
    ex.infer_async(feed(100000))
    del ex  # waits for its work, frees buffers, destroys the stream: no crash
    check(Executor(swap_backend()).infer(feed(2)), feed(2))


def test_cuda_helpers_round_trip():
    stream = _testing.cuda.Stream()
    pinned_in, pinned_out = _testing.cuda.PinnedBuffer(4096), _testing.cuda.PinnedBuffer(4096)
    src, dst = pinned_in.array("float32", (1024,)), pinned_out.array("float32", (1024,))
    src[:] = np.arange(1024)
    _testing.roundtrip(src, _testing.cuda.DeviceBuffer(4096), dst, stream)
    np.testing.assert_array_equal(dst, src)


def test_stage_timing_measures_h2d_compute_d2h_only_when_asked():
    n = 1 << 20  # 12 MB in, 4 MB out: every stage takes measurable GPU time
    ex = Executor(swap_backend())
    f = feed(n)
    ex.infer(f)
    assert ex.last_timings() == {} and ex.stats["last_compute_seconds"] is None  # off by default
    ex.stage_timing = True
    check(ex.infer(f), f)
    t = ex.last_timings()
    assert set(t) == {"h2d", "compute", "d2h"} and all(v > 0 for v in t.values())
    assert sum(t.values()) <= ex.stats["last_run_seconds"]  # GPU stages fit inside the host's view of the run
    ex.infer_async(f)  # asynchronous runs are not timed (nothing waits to read the events)
    ex.synchronize()
    assert ex.last_timings() == {}
    x = _testing.cuda.DeviceBuffer(4)  # noqa: F841  (CUDA is up; device inputs/outputs skip the copies)
    ex.infer(f, output_device="cuda")
    assert ex.last_timings()["d2h"] < t["d2h"]


def test_stage_timing_is_off_under_cuda_graphs():
    ex = Executor(swap_backend(), cuda_graph=True, stage_timing=True)
    f = feed(64)
    for _ in range(3):  # plain run, capture, replay
        check(ex.infer(f), f)
    assert ex.stats["graph_launches"] >= 1 and ex.last_timings() == {}


def sleep_on(torch, stream, seconds=0.2):
    """Queue a GPU busy-wait of about `seconds` on a torch stream (so work queued after it is surely pending)."""
    with torch.cuda.stream(stream):
        torch.cuda._sleep(int(seconds * 2e9))


def test_capture_failure_turns_graphs_off_and_runs_plainly(caplog):
    backend = swap_backend()
    backend.capture_unsafe = True  # its enqueue synchronises the stream: legal plainly, fails inside capture
    ex = Executor(backend, cuda_graph=True)
    with caplog.at_level(logging.WARNING, logger="trtcore.runtime"):
        for i in range(5):  # run 2 would capture; before the fix, every other run failed from there on
            f = feed(16, i)
            check(ex.infer(f), f)
    s = ex.stats
    assert s["graph_disabled"] is True and "capture_unsafe" in s["graph_error"]
    assert s["runs"] == 5 and s["graph_captures"] == 0 and s["graph_launches"] == 0
    assert backend.enqueue_count == 6  # 5 runs + the one recorded in the failed capture
    warnings = [r for r in caplog.records if "CUDA graph capture failed" in r.getMessage()]
    assert len(warnings) == 1


def test_async_run_whose_host_feed_is_dropped_at_once():
    ex = Executor(swap_backend(launches=4))
    expected = feed(200000, 5)
    views = ex.infer_async({k: v.copy() for k, v in expected.items()})  # the feed and its arrays die here
    junk = [np.full_like(v, 7) for v in expected.values()]  # likely reuses the freed memory
    assert ex._pending_runs == 0  # host inputs were copied into staging: nothing is kept
    ex.synchronize()
    check(views, expected)
    del junk


def test_async_cuda_inputs_are_kept_until_their_run_completes_then_released():
    torch = pytest.importorskip("torch")
    ex = Executor(swap_backend())
    stream = torch.cuda.Stream()
    a = torch.randn(256, 3, device="cuda")
    b = torch.arange(256, dtype=torch.int32, device="cuda")
    expected_a, ref = a.cpu().numpy(), weakref.ref(a)
    sleep_on(torch, stream)
    views = ex.infer_async({"a": a, "b": b}, stream=stream)
    del a
    gc.collect()
    assert ref() is not None and ex._pending_runs == 1  # the GPU has yet to read it
    stream.synchronize()  # synchronised through torch, not ex.synchronize()
    np.testing.assert_array_equal(views["out_b"], expected_a)
    ex.infer_async(feed(4), stream=stream)  # the next call drops what completed runs kept
    gc.collect()
    assert ref() is None and ex._pending_runs == 0
    ex.synchronize()


def test_dlpack_export_with_stream_none_orders_the_legacy_default_stream():
    torch = pytest.importorskip("torch")
    ex = Executor(swap_backend())
    stream = torch.cuda.Stream()  # non-blocking: nothing orders it with the legacy default stream by itself
    old, new = feed(4096, 1), feed(4096, 2)
    ex.infer_async(old, stream=stream, output_device="cuda")
    stream.synchronize()  # the output device buffer now holds `old`; the next run reuses it
    sleep_on(torch, stream)
    out = ex.infer_async(new, stream=stream, output_device="cuda")
    capsule = out["out_b"].__dlpack__()  # stream=None: the consumer uses the legacy default stream
    t = torch.utils.dlpack.from_dlpack(capsule)
    np.testing.assert_array_equal(t.cpu().numpy(), new["a"])  # copied on torch's (legacy) default stream
    ex.synchronize()


def test_properties_do_not_hold_the_gil_while_a_run_holds_the_executor():
    torch = pytest.importorskip("torch")
    stream = torch.cuda.Stream()
    ex = Executor(swap_backend(), stream=stream)
    ex.infer(feed(8))
    sleep_on(torch, stream, 0.5)
    runner = threading.Thread(target=ex.infer, args=(feed(8),))  # waits for the GPU holding the executor lock
    count, stop = [0], threading.Event()

    def spin():
        while not stop.is_set():
            count[0] += 1

    spinner = threading.Thread(target=spin)
    runner.start()
    time.sleep(0.1)
    spinner.start()
    before, start = count[0], time.perf_counter()
    stats = ex.stats  # blocks on the lock until the run ends; other Python threads must keep running
    blocked, spun = time.perf_counter() - start, count[0] - before
    stop.set()
    runner.join()
    spinner.join()
    assert stats["runs"] == 2
    assert blocked > 0.1 and spun > 1000


# -- large host copies: chunked staging overlapped with the DMA, copy threads, out=, recycled owned outputs -------
def big_backend(**kwargs):
    return IdentityBackend([("x", "uint8", [-1])], [("y", "uint8", [-1], "x")], **kwargs)


@pytest.mark.parametrize(("chunk", "threads"), [(1 << 20, 0), (1 << 18, 1), (1 << 18, 3), (5000, 8), (0, 0)])
@pytest.mark.parametrize("graph", [False, True])
def test_chunked_round_trip_of_pageable_arrays_is_exact(chunk, threads, graph):
    ex = Executor(big_backend(), cuda_graph=graph)
    ex.staging_chunk_bytes, ex.copy_threads = chunk, threads
    rng = np.random.default_rng(chunk + threads)
    for n in (3 * (1 << 20) + 4099, 3 * (1 << 20) + 4099, 5 << 20, 17):  # odd sizes; a repeat (graph replay)
        x = rng.integers(0, 256, n, dtype=np.uint8)
        y = ex.infer({"x": x})["y"]
        np.testing.assert_array_equal(y, x)
        out = np.empty_like(x)
        assert ex.infer({"x": x[::-1].copy()}, out={"y": out})["y"] is out
        np.testing.assert_array_equal(out, x[::-1])
    assert ex.stats["host_copy_bytes"] == 2 * sum((3 * (1 << 20) + 4099, 3 * (1 << 20) + 4099, 5 << 20, 17))
    assert not graph or ex.stats["graph_launches"] >= 1


def test_out_arrays_are_written_in_place_and_others_still_returned():
    ex = Executor(swap_backend())
    f = feed(300_000, 3)  # out_b: 3.6 MB (chunked), out_a: 1.2 MB
    out_b = np.full((300_000, 3), -1, np.float32)
    got = ex.infer(f, out={"out_b": out_b})
    assert got["out_b"] is out_b
    check(got, f)
    before = ex.stats["allocations"]
    for seed in (4, 5):
        f = feed(300_000, seed)
        check(ex.infer(f, out={"out_b": out_b}), f)
    assert ex.stats["allocations"] == before


def test_out_arrays_with_copy_outputs_false_and_graphs():
    ex = Executor(swap_backend(), cuda_graph=True)
    out_b = np.empty((7, 3), np.float32)
    for seed in range(4):
        f = feed(7, seed)
        got = ex.infer(f, copy_outputs=False, out={"out_b": out_b})
        assert got["out_b"] is out_b
        check(got, f)
    assert ex.stats["graph_launches"] >= 1


def test_owned_outputs_are_recycled_once_dropped_and_never_while_held():
    ex = Executor(big_backend())
    x1 = np.full(4 << 20, 1, np.uint8)
    held = ex.infer({"x": x1})["y"]
    addr = ex.infer({"x": x1})["y"].ctypes.data  # dropped at once
    again = ex.infer({"x": np.full(4 << 20, 2, np.uint8)})["y"]
    assert again.ctypes.data == addr and (again == 2).all()  # the dropped buffer, reused
    third = ex.infer({"x": np.full(4 << 20, 3, np.uint8)})["y"]
    assert third.ctypes.data not in (addr, held.ctypes.data) and (third == 3).all()
    assert (held == 1).all() and (again == 2).all()  # held results are never overwritten


def test_copy_threads_do_not_break_concurrent_executors():
    def work(i):
        ex = Executor(big_backend())
        ex.staging_chunk_bytes = 1 << 18
        for k in range(5):
            x = np.full((2 << 20) + i, (i * 5 + k) % 251, np.uint8)
            np.testing.assert_array_equal(ex.infer({"x": x})["y"], x)

    run_in_threads(work, range(4))


def test_runner_out_arrays_reach_the_executor():
    from trtcore.runners import ExecutorRunner

    runner = ExecutorRunner(big_backend, name="identity")
    x = np.arange(3 << 20, dtype=np.uint32).view(np.uint8)[: 3 << 20].copy()
    out = np.empty_like(x)
    with runner:
        assert runner.infer({"x": x}, out={"y": out})["y"] is out
    np.testing.assert_array_equal(out, x)
