"""A wheel with TensorRT compiled in runs where there are no TensorRT headers and no TensorRT (issue 9, "Wheels"):
tools/build-wheel builds it from a header folder; it is installed into a fresh virtual environment, with
TensorRT_ROOT unset and the headers out of reach, where ``trtcore info`` reports the TensorRT it was compiled
against and the loader tests find pip-style fake libraries at run time.

Building a wheel compiles all of trtcore (minutes), so this runs only when asked: TRTCORE_TEST_WHEEL=1 (with
TensorRT_ROOT set to the headers) builds one, or TRTCORE_WHEEL=<file> tests a wheel built before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WHEEL = os.environ.get("TRTCORE_WHEEL")
BUILD = os.environ.get("TRTCORE_TEST_WHEEL") == "1"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (WHEEL or BUILD), reason="builds a wheel (minutes): set TRTCORE_TEST_WHEEL=1 with "
                                                    "TensorRT_ROOT, or TRTCORE_WHEEL=<wheel file>"),
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if WHEEL:
        return Path(WHEEL)
    headers = os.environ.get("TensorRT_ROOT")
    if not headers or not (Path(headers) / "NvInfer.h").is_file():
        pytest.skip("TRTCORE_TEST_WHEEL=1 needs TensorRT_ROOT=<folder with NvInfer.h>")
    out = tmp_path_factory.mktemp("wheel")
    # The project's build folder keeps the compile incremental between runs; no build isolation: offline here.
    subprocess.run([str(ROOT / "tools" / "build-wheel"), headers, str(out), "--no-build-isolation",
                    f"-Cbuild-dir={ROOT / 'build' / 'wheel'}"], check=True, env={**os.environ, "PYTHON": sys.executable},
                   timeout=1800)
    (built,) = out.glob("trtcore-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh environment holding the wheel; this environment's packages (numpy, pytest) are reachable after it,
    never its trtcore (the wheel's is first on the path)."""
    env = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    code = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = Path(subprocess.run([str(env / "bin" / "python"), "-c", code], check=True, capture_output=True,
                               text=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                   check=True)
    (site / "zz_outer_site.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return env


def clean_env() -> dict[str, str]:
    drop = ("TensorRT_ROOT", "TENSORRT_ROOT", "TRT_ROOT", "TRTCORE_TENSORRT_LIB_DIR", "LD_LIBRARY_PATH", "PYTHONPATH")
    return {k: v for k, v in os.environ.items() if k not in drop}


def test_the_wheel_reports_tensorrt_compiled_in_without_headers(venv: Path, tmp_path: Path) -> None:
    python = str(venv / "bin" / "python")
    code = ("import trtcore, json; from trtcore import _core; "
            "print(json.dumps([trtcore.__file__, _core.compiled_info()['tensorrt']]))")
    where = subprocess.run([python, "-c", code], cwd=tmp_path, env=clean_env(), check=True, capture_output=True,
                           text=True).stdout
    path, compiled = json.loads(where)
    assert path.startswith(str(venv)), path  # the wheel's trtcore, not a checkout's
    assert compiled and compiled[0].isdigit(), compiled
    info = subprocess.run([python, "-m", "trtcore", "info"], cwd=tmp_path, env=clean_env(), capture_output=True,
                          text=True, timeout=120, check=False)
    assert info.returncode == 0, info.stderr
    assert "TensorRT compiled in" in info.stdout and compiled in info.stdout, info.stdout


def test_the_loader_tests_pass_against_fake_libraries_in_the_wheels_environment(venv: Path) -> None:
    # The C fakes need no TensorRT header; the C++ ones skip themselves without TensorRT_ROOT.
    proc = subprocess.run([str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(ROOT / "tests" / "test_tensorrt_discovery.py"),
                           str(ROOT / "tests" / "test_tensorrt_loader.py")],
                          cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout and " failed" not in proc.stdout, proc.stdout[-2000:]
