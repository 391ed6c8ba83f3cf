"""The C++ segmentation_tutorial: argument and input checks with their exit codes (no GPU needed), the
TensorRT-missing exit code, and (TensorRT + GPU) a full run checked against numpy."""

from __future__ import annotations

import os
import shutil
import subprocess
import re
from pathlib import Path

import numpy as np
import pytest

import trtcore
from _models import model_proto, write
from build_models import build_request
from trtcore import _core

EXIT_OK, EXIT_RUNTIME, EXIT_BAD_INPUT, EXIT_NO_TENSORRT = 0, 1, 2, 3
MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


def find_tutorial() -> Path | None:
    candidates = [
        os.environ.get("TRTCORE_TUTORIAL_BIN"),
        str(Path(trtcore.__file__).parent / "bin" / "segmentation_tutorial"),
        shutil.which("segmentation_tutorial"),
    ]
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return Path(c)
    return None


TUTORIAL = find_tutorial()
pytestmark = pytest.mark.skipif(
    TUTORIAL is None,
    reason="segmentation_tutorial is not built (needs CUDA and TensorRT headers; set TRTCORE_TUTORIAL_BIN)",
)
MAJOR = _core.compiled_info()["tensorrt_major"]


def run(*args: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
    assert TUTORIAL is not None
    return subprocess.run([str(TUTORIAL), *map(str, args)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env}, check=False)


def write_ppm(path: Path, rgb: np.ndarray) -> Path:
    h, w, _ = rgb.shape
    path.write_bytes(b"P6 %d %d 255\n" % (w, h) + rgb.astype(np.uint8).tobytes())
    return path


def read_ppm(path: Path) -> np.ndarray:
    data = path.read_bytes()
    magic, w, h, maxval = data.split(maxsplit=4)[:4]
    assert magic == b"P6" and maxval == b"255"
    header_end = data.index(b"255") + 4
    return np.frombuffer(data[header_end:], np.uint8).reshape(int(h), int(w), 3)


@pytest.fixture
def image(tmp_path: Path) -> Path:
    return write_ppm(tmp_path / "in.ppm", np.random.default_rng(0).integers(0, 256, (6, 10, 3)))


def test_bad_arguments_exit_2_with_usage(tmp_path: Path, image: Path) -> None:
    for args in ([], ["--engine", "e"], ["--engine", "e", "--input", image, "--output", "o", "--width", "10"],
                 ["--engine", "e", "--input", image, "--output", "o", "--width", "ten", "--height", "6"],
                 ["--frobnicate", "1"]):
        proc = run(*args)
        assert proc.returncode == EXIT_BAD_INPUT, (args, proc.stderr)
        assert "usage: segmentation_tutorial" in proc.stderr
    assert run("--help").returncode == EXIT_OK


def test_bad_input_files_exit_2_naming_the_file(tmp_path: Path, image: Path) -> None:
    engine = tmp_path / "m.engine"
    engine.write_bytes(b"plan")
    truncated = tmp_path / "truncated.ppm"
    truncated.write_bytes(b"P6 10 6 255\n" + bytes(20))
    cases = {
        "missing.ppm": ["--engine", engine, "--input", tmp_path / "missing.ppm", "--output", tmp_path / "o.ppm"],
        "truncated.ppm": ["--engine", engine, "--input", truncated, "--output", tmp_path / "o.ppm"],
        "missing.engine": ["--engine", tmp_path / "missing.engine", "--input", image, "--output", tmp_path / "o"],
        "wants 11 x 6": ["--engine", engine, "--input", image, "--output", tmp_path / "o.ppm",
                         "--width", "11", "--height", "6"],
    }
    for expected, args in cases.items():
        proc = run(*args)
        assert proc.returncode == EXIT_BAD_INPUT, (expected, proc.stderr)
        assert expected in proc.stderr
    assert not (tmp_path / "o.ppm").exists()


@pytest.mark.skipif(MAJOR is not None and _core.tensorrt_runtime_info([MAJOR])["found"],
                    reason="a real libnvinfer is installed here")
def test_missing_tensorrt_exits_3(tmp_path: Path, image: Path) -> None:
    engine = tmp_path / "m.engine"
    engine.write_bytes(b"plan")
    for extra in ([], ["--gpu-preprocess"] if hasattr(_core, "GpuPipeline") else []):
        proc = run("--engine", engine, "--input", image, "--output", tmp_path / "o.ppm", *extra,
                   TRTCORE_TENSORRT_LIB_DIR=str(tmp_path))
        assert proc.returncode == EXIT_NO_TENSORRT, proc.stderr
    # The binary may be built against other headers than the Python module (MAJOR is None without them).
    wanted = rf"libnvinfer\.so\.{MAJOR}" if MAJOR is not None else r"libnvinfer\.so\.\d+"
    assert re.search(wanted, proc.stderr) and str(tmp_path) in proc.stderr


# --- with TensorRT ----------------------------------------------------------------------------------------------

CLASSES = 5


def segmentation_model(path: Path, with_argmax: bool) -> tuple[Path, np.ndarray]:
    """A 1x1 convolution to CLASSES channels (+ ArgMax keepdims: the guide's int64 [1, 1, H, W] output)."""
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    weights = np.random.default_rng(1).standard_normal((CLASSES, 3, 1, 1)).astype(np.float32) * 4
    nodes = [helper.make_node("Conv", ["input", "w"], ["logits"], name="conv")]
    out_name, out_type, out_shape = "logits", TensorProto.FLOAT, [1, CLASSES, "H", "W"]
    if with_argmax:
        nodes.append(helper.make_node("ArgMax", ["logits"], ["output"], axis=1, keepdims=1, name="argmax"))
        out_name, out_type, out_shape = "output", TensorProto.INT64, [1, 1, "H", "W"]
    model = model_proto(nodes, [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, "H", "W"])],
                        [helper.make_tensor_value_info(out_name, out_type, out_shape)], {"w": weights}, name="seg")
    return write(model, path), weights


def expected_palette_image(rgb: np.ndarray, weights: np.ndarray) -> np.ndarray:
    x = ((rgb.astype(np.float32) / np.float32(255) - MEAN) / STD).transpose(2, 0, 1)  # CHW
    logits = np.einsum("kc,chw->khw", weights[:, :, 0, 0], x)
    labels = logits.argmax(axis=0)
    base = np.array([2**25 - 1, 2**15 - 1, 2**21 - 1], np.int64)
    palette = (np.arange(21, dtype=np.int64)[:, None] * base[None, :]) % 255
    return palette[labels].astype(np.uint8)


@pytest.mark.tensorrt
@pytest.mark.parametrize("with_argmax", [True, False], ids=["argmax-int64", "logits"])
def test_tutorial_segments_like_numpy(tmp_path: Path, with_argmax: bool) -> None:
    model, weights = segmentation_model(tmp_path / "seg.onnx", with_argmax)
    request = build_request(model, flags=["no_tf32"], builder_optimization_level=0,
                            profiles=[{"input": ([1, 3, 4, 4], [1, 3, 16, 16], [1, 3, 64, 64])}])
    engine = tmp_path / "seg.engine"
    engine.write_bytes(_core.build_engine(request, None, None).engine)
    rgb = np.random.default_rng(2).integers(0, 256, (24, 40, 3)).astype(np.uint8)
    image = write_ppm(tmp_path / "in.ppm", rgb)
    out = tmp_path / "out.ppm"
    proc = run("--engine", engine, "--input", image, "--output", out, "--width", "40", "--height", "24")
    assert proc.returncode == EXIT_OK, proc.stderr
    got = read_ppm(out)
    want = expected_palette_image(rgb, weights)
    assert got.shape == want.shape
    # Float rounding may flip a near-tie; anything beyond a stray pixel is a bug.
    assert np.mean(np.any(got != want, axis=2)) < 0.01

    # --gpu-preprocess (upload, normalize, argmax and palette on the GPU): the same file, byte for byte.
    if hasattr(_core, "GpuPipeline"):
        gpu_out = tmp_path / "gpu.ppm"
        proc = run("--engine", engine, "--input", image, "--output", gpu_out, "--gpu-preprocess")
        assert proc.returncode == EXIT_OK, proc.stderr
        assert gpu_out.read_bytes() == out.read_bytes()

    too_big = write_ppm(tmp_path / "big.ppm", np.zeros((70, 70, 3), np.uint8))
    proc = run("--engine", engine, "--input", too_big, "--output", tmp_path / "big_out.ppm")
    assert proc.returncode == EXIT_BAD_INPUT, proc.stderr
    assert "input" in proc.stderr and "[1, 3, 70, 70]" in proc.stderr


@pytest.mark.skipif(MAJOR is None, reason="trtcore was built without TensorRT headers")
@pytest.mark.skipif(_core.tensorrt_runtime_info([MAJOR])["found"] if MAJOR else False,
                    reason="a real TensorRT is installed here: the fake would not be the one loaded")
def test_tensorrt_warnings_always_reach_stderr_and_verbose_adds_info(tmp_path: Path, image: Path) -> None:
    from _fake_tensorrt import DYNAMIC_PLUGIN, compile_c, fake_tensorrt

    lib = fake_tensorrt(tmp_path / "trt", MAJOR)
    plugin = compile_c(DYNAMIC_PLUGIN, tmp_path / "libdyn.so")
    (tmp_path / "m.engine").write_bytes(b"PLAN")
    record = tmp_path / "calls.txt"
    env = {"TRTCORE_TENSORRT_LIB_DIR": str(lib), "FAKE_TRT_RECORD": str(record)}
    args = ["--engine", tmp_path / "m.engine", "--input", image, "--output", tmp_path / "o.ppm"]
    quiet = run(*args, **env)
    # The fake's engine is not a segmentation engine: loaded (and logged), then refused.
    assert quiet.returncode == EXIT_RUNTIME and "not a segmentation engine" in quiet.stderr, quiet.stderr
    assert "[TensorRT warning] fake: a warning while deserializing" in quiet.stderr
    assert "info message" not in quiet.stderr
    loud = run(*args, "--verbose", "--plugins", plugin, **env)
    assert "[TensorRT warning] fake: a warning while deserializing" in loud.stderr
    assert "[TensorRT info] fake: an info message while deserializing" in loud.stderr
    assert f"registry loadLibrary {plugin} creators=1" in record.read_text()  # --plugins reached the registry
    assert run(*args, "--plugins", **env).returncode == EXIT_BAD_INPUT
