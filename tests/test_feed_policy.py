"""One input policy for every entry point: a uint8 feed to a float32 model gets the same DTypeError from
trtcore.load(...).infer on ONNX Runtime, trtcore.Executor and ExecutorRunner over the identity backend (the
TensorRT path: the executor validates before any CUDA call, so this runs without a GPU) and `trtcore run`; and
CUDA tensors reach the executor without a host copy (gpu tests)."""

from __future__ import annotations

import numpy as np
import pytest

import trtcore
from trtcore.cli import EXIT_BAD_INPUT, main
from trtcore.runners import ExecutorRunner

from _backends import DLPackOnly, IdentityBackend
from _models import add_one

EXPECTED = "input 'x': expected float32, got uint8; convert with .astype(np.float32) or pass cast=True"
needs_executor = pytest.mark.skipif(trtcore.Executor is None, reason="trtcore was built without CUDA")


def identity() -> object:
    return IdentityBackend([("x", "float32", [-1, 3])], [("y", "float32", [-1, 3], "x")])


def uint8_feed(wrap=lambda a: a) -> dict:
    return {"x": wrap(np.full((2, 3), 7, np.uint8))}


@pytest.mark.parametrize("wrap", [lambda a: a, DLPackOnly], ids=["numpy", "dlpack"])
def test_onnxruntime_load_infer(tmp_path, wrap):
    with trtcore.load(add_one(tmp_path / "add.onnx"), backend="onnxruntime") as r:
        with pytest.raises(trtcore.DTypeError) as e:
            r.infer(uint8_feed(wrap))
    assert str(e.value) == EXPECTED


@needs_executor
@pytest.mark.parametrize("wrap", [lambda a: a, DLPackOnly], ids=["numpy", "dlpack"])
def test_executor_and_executor_runner(wrap):
    for call in (lambda f: trtcore.Executor(identity()).infer(f),
                 lambda f: ExecutorRunner(identity).infer(f)):
        with pytest.raises(trtcore.DTypeError) as e:
            call(uint8_feed(wrap))
        assert str(e.value) == EXPECTED


def test_feed_checker_is_the_validator_host_backends_share():
    info = trtcore.TensorInfo("x", "float32", [-1, 3])
    checker = trtcore._core.FeedChecker([info])
    assert checker.inputs == [info]
    with pytest.raises(trtcore.DTypeError) as e:
        checker.check(uint8_feed())
    assert str(e.value) == EXPECTED
    assert checker.check(uint8_feed(), cast=True) == ["x"]
    # None: nothing for a host backend to do; a list (maybe empty): convert, copy or cast these on the host.
    assert checker.check({"x": np.zeros((2, 3), np.float32)}) is None
    assert checker.check({"x": np.zeros((3, 2), np.float32).T}) == []
    assert checker.check({"x": np.zeros((2, 3), np.float32).view(np.matrix)}) == []
    assert checker.check({"x": DLPackOnly(np.zeros((2, 3), np.float32))}) == []
    with pytest.raises(trtcore.DTypeError, match="got big-endian float32"):
        checker.check({"x": np.zeros((2, 3), ">f4")})


def test_dtype_by_number_matches_the_name_for_every_numpy_type():
    # numpy has two type numbers named int64 ('l' and 'q' on Linux); user types (ml_dtypes) go by name.
    ml_dtypes = pytest.importorskip("ml_dtypes")
    for dt in [np.dtype(c) for c in "?bBhHiIlLqQefd"] + [np.dtype(ml_dtypes.bfloat16)]:
        info = trtcore.TensorInfo("x", dt.name, [2])
        for _ in range(2):  # the first sight fills the cache, the second reads it
            assert trtcore._core.FeedChecker([info]).check({"x": np.zeros(2, dt)}) is None
    with pytest.raises(trtcore.DTypeError, match=f"got {np.dtype(np.longdouble).name};"):
        trtcore._core.FeedChecker([trtcore.TensorInfo("x", "float64", [2])]).check({"x": np.zeros(2, np.longdouble)})


def test_cli_run(tmp_path, capsys):
    model = add_one(tmp_path / "add.onnx")
    np.save(tmp_path / "x.npy", np.full((2, 3), 7, np.uint8))
    argv = ["run", str(model), "--backend", "onnxruntime", "--inputs", f"x:{tmp_path / 'x.npy'}"]
    assert main(argv) == EXIT_BAD_INPUT
    # the library's words, with the CLI's flag for the keyword argument
    assert f"error: {EXPECTED.replace('cast=True', '--cast')}" in capsys.readouterr().err
    assert main([*argv, "--cast"]) == 0


class FakeCudaArray:
    """A __cuda_array_interface__ object whose data is never read (validation fails first)."""

    def __init__(self, typestr: str, shape: tuple[int, ...]) -> None:
        self.__cuda_array_interface__ = {"shape": shape, "typestr": typestr, "data": (0, False), "version": 3}


def test_device_arrays_are_described_without_touching_them_and_cast_is_refused_for_them():
    checker = trtcore._core.FeedChecker([trtcore.TensorInfo("x", "float32", [-1, 3])])
    with pytest.raises(trtcore.DTypeError, match=r"got uint8 in device memory; cast=True converts host arrays only: "
                                                 r"convert it on the device \(torch: \.to\(torch\.float32\)"):
        checker.check({"x": FakeCudaArray("|u1", (2, 3))}, cast=True)
    with pytest.raises(trtcore.ShapeError, match="input 'x'"):
        checker.check({"x": FakeCudaArray("<f4", (2, 4))})
    assert checker.check({"x": FakeCudaArray("<f4", (2, 3))}) == []  # a list: not a host array to take as it is


# -- on the GPU machine (torch installed) ------------------------------------------------------------------------
@pytest.mark.gpu
def test_torch_cuda_tensor_through_an_executor_runner_without_host_copy():
    torch = pytest.importorskip("torch")
    r = ExecutorRunner(identity)
    x = torch.arange(6, dtype=torch.float32, device="cuda").reshape(2, 3)
    out = r.infer({"x": x}, output_device="cuda")["y"]
    assert r.executor.stats["host_copy_bytes"] == 0
    assert torch.equal(torch.from_dlpack(out), x)
    with pytest.raises(trtcore.DTypeError, match="in device memory; cast=True converts host arrays only"):
        r.infer({"x": x.to(torch.uint8)}, cast=True)


@pytest.mark.gpu
@pytest.mark.tensorrt
def test_torch_cuda_tensor_through_load_infer_on_tensorrt_without_host_copy(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    from trtcore.builder import BuildConfig
    from trtcore.builder.shapes import Profile

    monkeypatch.setenv("TRTCORE_CACHE_DIR", str(tmp_path / "cache"))
    config = BuildConfig(profiles=[Profile.from_spec_strings(min="x:1x3", opt="x:2x3", max="x:4x3")])
    with trtcore.load(add_one(tmp_path / "add.onnx"), backend="tensorrt", build_config=config) as r:
        x = torch.arange(6, dtype=torch.float32, device="cuda").reshape(2, 3)
        out = r.infer({"x": x}, output_device="cuda")["y"]
        assert r.executor.stats["host_copy_bytes"] == 0
        assert torch.equal(torch.from_dlpack(out), x + 1)
        host = r.infer({"x": x})["y"]  # device input, host output: still no host copy of the input
        assert r.executor.stats["host_copy_bytes"] == 0 and np.array_equal(host, (x + 1).cpu().numpy())
        with pytest.raises(trtcore.DTypeError) as e:
            r.infer(uint8_feed())
        assert str(e.value) == EXPECTED


@pytest.mark.gpu
def test_torch_cuda_tensors_through_the_pipelines_without_host_copy():
    """Classifier.predict and Segmenter.segment hand a CUDA tensor of the input's rank to the runner unchanged: the
    executor stages nothing from the host (the identity backend stands in for the engine: scores = the batch,
    logits = the image tensor) and the answers equal the same work done from numpy."""
    torch = pytest.importorskip("torch")
    from trtcore.pipelines import Classifier, Segmenter

    scores = ExecutorRunner(lambda: IdentityBackend([("x", "float32", [-1, 5])], [("y", "float32", [-1, 5], "x")]))
    clf = Classifier(scores, softmax=True)
    batch = torch.randn(4, 5, device="cuda")
    got = clf.predict(batch)
    assert scores.executor.stats["host_copy_bytes"] == 0
    np.testing.assert_array_equal(got, clf.predict(batch.cpu().numpy()))
    assert got.shape == (4, 5) and np.allclose(got.sum(axis=1), 1, atol=1e-6)

    logits = ExecutorRunner(lambda: IdentityBackend([("input", "float32", [1, 3, -1, -1])],
                                                    [("logits", "float32", [1, 3, -1, -1], "input")]))
    seg = Segmenter(logits)
    image = torch.rand(1, 3, 6, 7, device="cuda")
    labels = seg.segment(image)
    assert logits.executor.stats["host_copy_bytes"] == 0
    np.testing.assert_array_equal(labels, image[0].argmax(0).cpu().numpy())
