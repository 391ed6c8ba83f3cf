"""The CMake options TRTCORE_WITH_CUDA / TRTCORE_WITH_TENSORRT: forcing one on without its SDK fails, saying where
it looked; OFF leaves it out."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake is not on PATH")


def configure(tmp_path: Path, *defs: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["cmake", "-S", str(ROOT), "-B", str(tmp_path / "build"), "-DTRTCORE_BUILD_PYTHON=OFF", *defs],
        capture_output=True, text=True, timeout=120,
    )


def test_tensorrt_forced_on_without_headers_fails_naming_where_it_looked(tmp_path):
    empty = tmp_path / "no-tensorrt-here"
    empty.mkdir()
    result = configure(tmp_path, "-DTRTCORE_WITH_TENSORRT=ON", f"-DTensorRT_ROOT={empty}")
    assert result.returncode != 0
    out = result.stdout + result.stderr
    assert "TRTCORE_WITH_TENSORRT=ON" in out
    assert str(empty) in out, "the message lists the folders searched"


def test_cuda_forced_on_without_toolkit_fails_naming_where_it_looked(tmp_path):
    missing = tmp_path / "no-cuda-here"
    result = configure(tmp_path, "-DTRTCORE_WITH_CUDA=ON", f"-DCUDAToolkit_ROOT={missing}",
                       "-DCMAKE_DISABLE_FIND_PACKAGE_CUDAToolkit=ON")
    assert result.returncode != 0
    assert "TRTCORE_WITH_CUDA=ON" in result.stdout + result.stderr


def test_both_off_configures_without_sdks(tmp_path):
    result = configure(tmp_path, "-DTRTCORE_WITH_CUDA=OFF", "-DTRTCORE_WITH_TENSORRT=OFF")
    assert result.returncode == 0, result.stderr
    assert "CUDA not compiled in (TRTCORE_WITH_CUDA=OFF)" in result.stdout
    assert "TensorRT not compiled in (TRTCORE_WITH_TENSORRT=OFF)" in result.stdout


def old_tensorrt_headers(folder: Path, version: tuple[int, int, int]) -> Path:
    """A header folder that FindTensorRT takes for TensorRT `version` (only the version header says anything)."""
    folder.mkdir(parents=True)
    (folder / "NvInfer.h").write_text("#error trtcore must not compile against these headers\n")
    (folder / "NvOnnxParser.h").write_text("#error trtcore must not compile against these headers\n")
    major, minor, patch = version
    (folder / "NvInferVersion.h").write_text(
        f"#define NV_TENSORRT_MAJOR {major}\n#define NV_TENSORRT_MINOR {minor}\n#define NV_TENSORRT_PATCH {patch}\n")
    return folder


def test_tensorrt_headers_older_than_the_minimum_are_refused_at_configure_time(tmp_path):
    headers = old_tensorrt_headers(tmp_path / "trt-10.0", (10, 0, 1))
    forced = configure(tmp_path / "on", "-DTRTCORE_WITH_TENSORRT=ON", f"-DTensorRT_ROOT={headers}")
    out = forced.stdout + forced.stderr
    assert forced.returncode != 0
    assert "TensorRT 10.0.1" in out and "older than 10.5" in out, out
    # AUTO: configured without TensorRT, with the reason, instead of a compile error later.
    auto = configure(tmp_path / "auto", "-DTRTCORE_WITH_TENSORRT=AUTO", f"-DTensorRT_ROOT={headers}")
    assert auto.returncode == 0, auto.stderr
    assert "older than 10.5" in auto.stdout and "TensorRT not compiled in" in auto.stdout
