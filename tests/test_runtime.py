"""trtcore.runtime without a GPU: planning, feed validation and CUDA error paths (the GPU side is test_runtime_gpu)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import trtcore
from trtcore import _core, _testing
from _backends import IdentityBackend
from trtcore.runtime import Executor

plan = _testing.plan  # the planning step alone (cpp/runtime/plan.h), as Executor.infer runs it first

HAVE_GPU = bool(trtcore.build_info()["cuda"]["devices"])
HAVE_CUDA = hasattr(_core, "Executor")
no_gpu_only = pytest.mark.skipif(HAVE_GPU or not HAVE_CUDA, reason="checks the error path of a machine without GPU")
needs_cuda_build = pytest.mark.skipif(not HAVE_CUDA, reason="trtcore was built without CUDA")


def image_backend(**kwargs):
    return IdentityBackend(
        [("x", "float32", [1, 3, -1, -1]), ("m", "int32", [2])],
        [("y", "float32", [1, 3, -1, -1], "x"), ("n", "int32", [2], "m")],
        profiles={"x": ([1, 3, 1, 1], [1, 3, 8, 8], [1, 3, 64, 64])},
        **kwargs,
    )


def test_backend_describes_its_tensors():
    b = image_backend()
    assert [(t.name, t.io, t.dtype, t.shape) for t in b.tensors] == [
        ("x", "input", "float32", (1, 3, -1, -1)),
        ("m", "input", "int32", (2,)),
        ("y", "output", "float32", (1, 3, -1, -1)),
        ("n", "output", "int32", (2,)),
    ]
    assert b.tensors[0].profiles == [((1, 3, 1, 1), (1, 3, 8, 8), (1, 3, 64, 64))]
    assert repr(b.tensors[0]) == "TensorInfo(input 'x', float32, [1, 3, -1, -1])"


def test_plan_resolves_shapes_and_sizes_in_backend_order():
    got = plan(image_backend(), {"m": ("int32", (2,)), "x": ("float32", (1, 3, 5, 7))})
    assert [(t["name"], t["io"], t["shape"], t["nbytes"]) for t in got] == [
        ("x", "input", (1, 3, 5, 7), 1 * 3 * 5 * 7 * 4),
        ("m", "input", (2,), 8),
        ("y", "output", (1, 3, 5, 7), 1 * 3 * 5 * 7 * 4),
        ("n", "output", (2,), 8),
    ]


def test_plan_handles_empty_tensors():
    b = IdentityBackend([("x", "float32", [-1, 3])], [("y", "float32", [-1, 3], "x")])
    got = plan(b, {"x": ("float32", (0, 3))})
    assert got[0]["nbytes"] == 0 and got[1]["shape"] == (0, 3)


@pytest.mark.parametrize(
    ("inputs", "error", "words"),
    [
        ({"x": ("float32", (1, 3, 4, 4))}, trtcore.ArgumentError, ["missing input 'm'"]),
        ({"x": ("float32", (1, 3, 4, 4)), "m": ("int32", (2,)), "q": ("int32", (2,))}, trtcore.ArgumentError,
         ["unknown input 'q'", "'x'", "'m'"]),
        ({"x": ("float32", (1, 3, 4, 4)), "m": ("int32", (2,)), "y": ("float32", (1, 3, 4, 4))}, trtcore.ArgumentError,
         ["'y' is an output, not an input"]),
        ({"x": ("float16", (1, 3, 4, 4)), "m": ("int32", (2,))}, trtcore.DTypeError,
         ["input 'x'", "expected float32, got float16"]),
        ({"x": ("float32", (3, 4, 4)), "m": ("int32", (2,))}, trtcore.ShapeError, ["input 'x'", "4 dimensions"]),
        ({"x": ("float32", (1, 2, 4, 4)), "m": ("int32", (2,))}, trtcore.ShapeError,
         ["input 'x'", "dimension 1 must be 3"]),
        ({"x": ("float32", (1, 3, -4, 4)), "m": ("int32", (2,))}, trtcore.ShapeError, ["negative extent"]),
        ({"x": ("float32", (1, 3, 65, 4)), "m": ("int32", (2,))}, trtcore.ShapeError, ["outside the profile"]),
        ({"x": ("float32", (1, 3, 4, 4)), "m": ("int32", (3,))}, trtcore.ShapeError,
         ["input 'm'", "dimension 0 must be 2"]),
    ],
)
def test_plan_rejects_bad_inputs_naming_the_tensor(inputs, error, words):
    with pytest.raises(error) as info:
        plan(image_backend(), inputs)
    for word in words:
        assert word in str(info.value)


def test_identity_backend_rejects_inconsistent_declarations():
    with pytest.raises(trtcore.ArgumentError, match="dtype and rank"):
        IdentityBackend([("x", "float32", [2])], [("y", "int32", [2], "x")])
    with pytest.raises(trtcore.ArgumentError, match="launches"):
        IdentityBackend([("x", "float32", [2])], [("y", "float32", [2], "x")], launches=0)
    with pytest.raises(trtcore.ArgumentError, match="unknown tensor 'z'"):
        IdentityBackend([("x", "float32", [2])], [("y", "float32", [2], "z")])
    with pytest.raises(trtcore.DTypeError, match="float65"):
        IdentityBackend([("x", "float65", [2])], [])


# --- the Executor validates feeds before touching CUDA, so these hold with or without a GPU -------------------
def good_feed():
    return {"x": np.zeros((1, 3, 4, 4), np.float32), "m": np.zeros(2, np.int32)}


@needs_cuda_build
@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        (lambda f: f.pop("m"), trtcore.ArgumentError, ["missing input 'm'"]),
        (lambda f: f.update(q=np.zeros(2, np.int32)), trtcore.ArgumentError, ["unknown input 'q'"]),
        (lambda f: f.update(y=np.zeros(2, np.float64)), trtcore.ArgumentError, ["'y' is an output"]),
        (lambda f: f.update(x=np.zeros((1, 3, 4, 4))), trtcore.DTypeError, ["input 'x'", "expected float32, got float64"]),
        (lambda f: f.update(x=np.zeros((1, 3, 4, 4), ">f4")), trtcore.DTypeError, ["big-endian"]),
        (lambda f: f.update(x=np.zeros((1, 3, 4), np.float32)), trtcore.ShapeError, ["input 'x'", "4 dimensions"]),
        (lambda f: f.update(x=object()), trtcore.ArgumentError, ["input 'x'", "expected an array"]),
        (lambda f: f.update({3: np.zeros(2)}), trtcore.ArgumentError, ["feed keys must be input names"]),
    ],
)
def test_executor_rejects_bad_feeds(change, error, words):
    ex = Executor(image_backend())
    feed = good_feed()
    change(feed)
    with pytest.raises(error) as info:
        ex.infer(feed)
    for word in words:
        assert word in str(info.value)


@needs_cuda_build
def test_executor_rejects_non_dict_feed_and_unknown_output_device():
    ex = Executor(image_backend())
    with pytest.raises(trtcore.ArgumentError, match="must be a dict"):
        ex.infer([np.zeros(2)])
    with pytest.raises(trtcore.ArgumentError, match="output_device"):
        ex.infer(good_feed(), output_device="gpu")


@needs_cuda_build
def test_executor_describes_backend():
    ex = Executor(image_backend())
    assert [t.name for t in ex.inputs] == ["x", "m"]
    assert [t.name for t in ex.outputs] == ["y", "n"]
    assert ex.stats["runs"] == 0


@no_gpu_only
def test_without_gpu_cuda_failures_are_cuda_errors_not_crashes():
    ex = Executor(image_backend(), cuda_graph=True)
    for _ in range(2):  # the executor stays usable: the same error again, no crash, no stale state
        with pytest.raises(trtcore.CudaError) as info:
            ex.infer(good_feed())
        assert "cudaError" in str(info.value)  # CUDA's own name, e.g. cudaErrorNoDevice / InsufficientDriver
        assert not isinstance(info.value, trtcore.CudaOutOfMemory)
    with pytest.raises(trtcore.CudaError, match="cudaError"):
        ex.input_buffer("x", (1, 3, 4, 4))
    with pytest.raises(trtcore.CudaError, match="cudaMalloc"):
        _testing.cuda.DeviceBuffer(1024)
    with pytest.raises(trtcore.CudaError, match="cudaHostAlloc"):
        _testing.cuda.PinnedBuffer(1024)
    with pytest.raises(trtcore.CudaError, match="cudaStreamCreate"):
        _testing.cuda.Stream()
    ex.synchronize()  # nothing ran: a no-op, not an error


def test_byte_size_of_4_bit_tensors_near_2_to_the_64_bits_does_not_wrap():
    # (2^31 - 1) * (2^31 + 1) = 2^62 - 1 int4 elements: 2^64 - 4 bits. Rounding up by adding 7 first wrapped to 0.
    b = IdentityBackend([("x", "int4", [-1, -1])], [("y", "int4", [-1, -1], "x")])
    got = plan(b, {"x": ("int4", (2147483647, 2147483649))})
    assert [t["nbytes"] for t in got] == [2**61, 2**61]


def test_tensors_too_large_in_bytes_are_shape_errors_naming_the_tensor():
    b = IdentityBackend([("x", "float32", [-1, -1])], [("y", "float32", [-1, -1], "x")])
    with pytest.raises(trtcore.ShapeError, match="input 'x'.*too large"):
        plan(b, {"x": ("float32", (2**31, 2**31))})  # 2^62 elements * 32 bits does not fit 64 bits


@needs_cuda_build
@pytest.mark.parametrize("kind", ["DeviceBuffer", "PinnedBuffer"])
def test_buffer_sizes_near_size_max_are_refused_before_rounding_up(kind):
    # Rounding 2^64 - 1 up to the 256-byte granule wrapped to a tiny allocation; it is refused before any CUDA
    # call, so this is CudaOutOfMemory with or without a GPU.
    with pytest.raises(trtcore.CudaOutOfMemory, match=rf"cuda\.{kind}\(18446744073709551615\).*more than any"):
        getattr(_testing.cuda, kind)(2**64 - 1)


def test_identity_backend_capture_unsafe_flag():
    b = image_backend()
    assert b.capture_unsafe is False
    b.capture_unsafe = True
    assert b.capture_unsafe is True


def test_test_hooks_live_in_the_testing_module_not_in_core():
    from trtcore import _testing

    assert not hasattr(_core, "testing") and not hasattr(_core, "roundtrip")
    assert not [name for name in dir(_core.image) if name.startswith("_") and not name.startswith("__")]
    assert not hasattr(_core, "cuda") and not hasattr(_core, "plan")
    assert issubclass(_testing.IdentityBackend, _core.ExecutionBackend)


def test_testing_module_translates_errors_like_core():
    with pytest.raises(trtcore.ArgumentError, match="source input"):
        _testing.IdentityBackend([("x", "float32", [2])], [("y", "float32", [2])])


# -- chunked staging (cpp/runtime/staging.h): the plan and the copy threads, without CUDA -------------------------
@pytest.mark.parametrize("nbytes", [1, 4095, 4096, 4097, 3 * 4096, 1 << 20, (1 << 20) + 1, 15_783_336, 10**8 + 3])
@pytest.mark.parametrize("chunk", [1, 4096, 5000, 1 << 18, 1 << 20, 3 << 20])
def test_chunks_cover_the_bytes_in_order_page_aligned_and_evenly(nbytes, chunk):
    chunks = _testing.plan_chunks(nbytes, chunk)
    target = max(4096, -(-chunk // 4096) * 4096)
    assert len(chunks) == -(-nbytes // target)
    assert chunks[0][0] == 0 and sum(b for _, b in chunks) == nbytes
    for (off, size), (next_off, _) in itertools.pairwise(chunks):
        assert next_off == off + size  # contiguous, no overlap
        assert off % 4096 == 0 and size % 4096 == 0 and size == chunks[0][1]  # all but the last equal, page sized
    assert all(0 < size <= target for _, size in chunks)


def test_small_copies_are_one_chunk_and_bad_chunk_sizes_are_refused():
    assert _testing.plan_chunks(0, 4096) == []
    assert _testing.plan_chunks(10_000, 4096, min_chunked_bytes=10_001) == [(0, 10_000)]
    assert len(_testing.plan_chunks(10_000, 4096, min_chunked_bytes=10_000)) == 3
    assert _testing.plan_chunks(10_000, 0) == [(0, 10_000)]  # chunking off
    with pytest.raises(trtcore.ArgumentError, match="at most 1 GiB"):
        _testing.plan_chunks(10, (1 << 30) + 1)


@pytest.mark.parametrize(("offset", "nbytes", "chunk", "threads"),
                         [(0, 1 << 20, 1 << 20, 8), (1 << 20, 1 << 20, 1 << 20, 3), (8192, 5000, 1 << 20, 8),
                          (0, (1 << 20) - 4096 + 5, 1 << 20, 1), (4096, 3 << 20, 3 << 20, 5)])
def test_threads_share_each_chunk_in_pieces_covering_it(offset, nbytes, chunk, threads):
    pieces = _testing.split_for_threads(offset, nbytes, chunk, threads)
    assert pieces[0][0] == offset and sum(b for _, b in pieces) == nbytes
    for (off, size), (next_off, _) in itertools.pairwise(pieces):
        assert next_off == off + size and (off - offset) % 4096 == 0
    piece = max(64 << 10, chunk // threads)
    assert len(pieces) == -(-nbytes // (-(-piece // 4096) * 4096))  # about chunk / threads each, >= 64 KiB


@pytest.mark.parametrize("threads", [1, 2, 3, 8])
@pytest.mark.parametrize("gated", [False, True])
@pytest.mark.parametrize("streaming", [False, True])
def test_copy_pool_copies_every_chunk(threads, gated, streaming):
    src = np.random.default_rng(threads).integers(0, 256, 3 * (1 << 20) + 17, dtype=np.uint8)
    dst = np.zeros_like(src)
    _testing.pool_copy(dst, src, 100_000, threads, gated=gated, streaming=streaming)
    np.testing.assert_array_equal(dst, src)


@pytest.mark.parametrize(("dst_at", "src_at", "n"), [(0, 0, 64), (3, 5, 1000), (15, 1, 63), (1, 0, 4096 * 3 + 77)])
def test_streaming_copy_handles_unaligned_heads_and_tails(dst_at, src_at, n):
    rng = np.random.default_rng(n)
    src = rng.integers(0, 256, n + 64, dtype=np.uint8)
    dst = np.zeros(n + 64, np.uint8)
    _testing.pool_copy(dst[dst_at:dst_at + n], src[src_at:src_at + n], 4096, 2, streaming=True)
    np.testing.assert_array_equal(dst[dst_at:dst_at + n], src[src_at:src_at + n])
    assert not dst[:dst_at].any() and not dst[dst_at + n:].any()  # nothing written outside the range


@pytest.mark.parametrize("opened", [0, 1, 5])
def test_abandoned_copy_batch_leaves_unopened_chunks_untouched(opened):
    # What an exception in the executor's copy-out does: chunks whose D2H never landed are never copied.
    src = np.full(4 << 20, 7, np.uint8)
    dst = np.zeros_like(src)
    _testing.pool_copy(dst, src, 1 << 19, 4, gated=True, abandon_after=opened)
    end = sum(b for _, b in _testing.plan_chunks(src.nbytes, 1 << 19)[:opened])
    assert (dst[:end] == 7).all() and not dst[end:].any()


# -- out= (the caller's arrays): checked before any CUDA call, so on any machine ---------------------------------
def out_backend():
    return IdentityBackend([("x", "float32", [-1, 4])], [("y", "float32", [-1, 4], "x")])


@needs_cuda_build
@pytest.mark.parametrize(
    ("out", "error", "words"),
    [
        ({"z": np.zeros((2, 4), np.float32)}, trtcore.ArgumentError, "out['z']: no output of that name; the outputs are: 'y'"),
        ({"x": np.zeros((2, 4), np.float32)}, trtcore.ArgumentError, "out['x']: that is an input"),
        ({"y": np.zeros((2, 4), np.float64)}, trtcore.DTypeError, "out['y']: the array is float64, output 'y' is float32"),
        ({"y": np.zeros((3, 4), np.float32)}, trtcore.ShapeError, "shape [3, 4], output 'y' has shape [2, 4]"),
        ({"y": np.zeros((2, 8), np.float32)[:, ::2]}, trtcore.ArgumentError, "out['y']: the array must be C-contiguous"),
        ({"y": [0.0] * 8}, trtcore.ArgumentError, "out['y']: expected a numpy array, got list"),
        ([np.zeros((2, 4), np.float32)], trtcore.ArgumentError, "out must be a dict"),
        ({1: np.zeros((2, 4), np.float32)}, trtcore.ArgumentError, "out keys must be output names"),
    ],
)
def test_executor_rejects_bad_out_arrays_naming_them(out, error, words):
    ex = Executor(out_backend())
    with pytest.raises(error) as e:
        ex.infer({"x": np.zeros((2, 4), np.float32)}, out=out)
    assert words in str(e.value)


@needs_cuda_build
def test_executor_rejects_read_only_out_arrays_and_device_outputs_into_them():
    ex = Executor(out_backend())
    y = np.zeros((2, 4), np.float32)
    y.flags.writeable = False
    with pytest.raises(trtcore.ArgumentError, match=r"out\['y'\]: the array is read-only"):
        ex.infer({"x": np.zeros((2, 4), np.float32)}, out={"y": y})
    with pytest.raises(trtcore.ArgumentError, match="out= arrays take host outputs"):
        ex.infer({"x": np.zeros((2, 4), np.float32)}, output_device="cuda", out={"y": np.zeros((2, 4), np.float32)})


@needs_cuda_build
def test_staging_settings_are_kept_and_bad_ones_refused():
    ex = Executor(out_backend())
    assert ex.copy_threads == 0 and ex.staging_chunk_bytes == 1 << 20  # defaults: threads picked per machine
    ex.copy_threads, ex.staging_chunk_bytes = 3, 1 << 18
    assert (ex.copy_threads, ex.staging_chunk_bytes) == (3, 1 << 18)
    with pytest.raises(trtcore.ArgumentError, match="copy threads must be >= 1"):
        ex.copy_threads = -1
    with pytest.raises(trtcore.ArgumentError, match="at most 1 GiB"):
        ex.staging_chunk_bytes = 2 << 30
    assert (ex.copy_threads, ex.staging_chunk_bytes) == (3, 1 << 18)


def test_runner_without_out_support_copies_into_out_arrays():
    from trtcore.runners.base import Runner

    class Host(Runner):  # a host backend: infer_impl returns new arrays, Runner.infer fills out= from them
        def activate_impl(self): ...
        def deactivate_impl(self): ...
        def input_metadata_impl(self): return [trtcore.TensorInfo("x", "float32", [2])]
        def output_metadata_impl(self): return [trtcore.TensorInfo("y", "float32", [2])]
        def infer_impl(self, feed, *, cast, output_device): return {"y": feed["x"] * 2}

    r = Host("host")
    y = np.zeros(2, np.float32)
    got = r.infer({"x": np.array([1, 2], np.float32)}, out={"y": y})
    assert got["y"] is y and y.tolist() == [2.0, 4.0]
    with pytest.raises(trtcore.ShapeError, match=r"out\['y'\]: the array has shape \[3\]"):
        r.infer({"x": np.array([1, 2], np.float32)}, out={"y": np.zeros(3, np.float32)})
    with pytest.raises(trtcore.DTypeError, match=r"out\['y'\]: the array is float64"):
        r.infer({"x": np.array([1, 2], np.float32)}, out={"y": np.zeros(2)})
    with pytest.raises(trtcore.ArgumentError, match=r"out\['q'\]: no output of that name"):
        r.infer({"x": np.array([1, 2], np.float32)}, out={"q": y})
