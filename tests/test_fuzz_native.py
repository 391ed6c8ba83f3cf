"""Native fuzzing (fuzz/, tools/fuzz-native): a bounded libFuzzer run of every harness (about 60 s in all), the
crashes found so far replayed from the corpus, and the runner's own failure path. Skipped without clang's libFuzzer.

Also the Python-visible regressions of what the harnesses found (they run without clang).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import trtcore
from trtcore import _core

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "fuzz-native"
BUILD = ROOT / "build" / "fuzz-native"
SECONDS = 20  # per harness: three harnesses, about 60 s
HARNESSES = ("pnm", "dlpack", "build_request")


def _libfuzzer_missing(tmp: Path) -> str:
    """Why clang cannot build a libFuzzer harness here ('' when it can)."""
    cxx = os.environ.get("CXX", "clang++")
    if shutil.which(cxx) is None:
        return f"{cxx} not found (Debian: apt-get install clang)"
    src = tmp / "probe.cpp"
    src.write_text('#include <cstdint>\n#include <cstddef>\nextern "C" int LLVMFuzzerTestOneInput('
                   "const uint8_t*, size_t) { return 0; }\n")
    proc = subprocess.run([cxx, "-fsanitize=fuzzer,address,undefined", str(src), "-o", str(tmp / "probe")],
                          capture_output=True, text=True, check=False)
    return "" if proc.returncode == 0 else f"{cxx} cannot link libFuzzer: {proc.stderr.strip()[-300:]}"


@pytest.fixture(scope="module")
def fuzzers(tmp_path_factory) -> Path:
    """The harnesses, built once (fuzz/build.sh; incremental in build/fuzz-native)."""
    why = _libfuzzer_missing(tmp_path_factory.mktemp("probe"))
    if why:
        pytest.skip(why)
    subprocess.run([str(ROOT / "fuzz" / "build.sh"), str(BUILD)], check=True)
    return BUILD


def _binary(fuzzers: Path, name: str) -> Path:
    binary = fuzzers / f"{name}_fuzzer"
    if not binary.exists():
        pytest.skip(f"{name} harness not built (fuzz/build.sh: no TensorRT/CUDA headers)")
    return binary


@pytest.mark.slow
@pytest.mark.parametrize("name", HARNESSES)
def test_harness_finds_no_crash_in_a_bounded_run(fuzzers, name, tmp_path):
    proc = subprocess.run([sys.executable, str(TOOL), "--seconds", str(SECONDS), "--build-dir", str(fuzzers),
                           "--workdir", str(tmp_path), name], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = next(line for line in proc.stdout.splitlines() if line.startswith(f"{name}: "))
    runs = int(summary.split()[1])
    assert runs > 1000 and "no crash" in summary, summary


@pytest.mark.parametrize("name", HARNESSES)
def test_corpus_replays_without_a_crash(fuzzers, name):
    """Every corpus file, the crashes found so far among them (crash-*), runs clean under ASan/UBSan."""
    corpus = ROOT / "fuzz" / "corpus" / name
    files = sorted(corpus.iterdir())
    assert 5 <= len(files) <= 100 and all(f.stat().st_size <= 4096 for f in files)
    proc = subprocess.run([str(_binary(fuzzers, name)), *map(str, files)], capture_output=True, text=True,
                          check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"Executed {files[-1]}" in proc.stderr


def test_runner_fails_and_names_the_input_when_a_harness_crashes(fuzzers, tmp_path):
    """tools/fuzz-native's exit status is what the bounded run above relies on: a harness that crashes fails it."""
    src = tmp_path / "crashing_fuzzer.cpp"
    src.write_text('#include <cstdint>\n#include <cstddef>\n#include <cstdlib>\n'
                   'extern "C" int LLVMFuzzerTestOneInput(const uint8_t* d, size_t n) {\n'
                   "    if (n > 0 && d[0] == 'X') std::abort();\n    return 0;\n}\n")
    binary = tmp_path / "crashing_fuzzer"
    subprocess.run([os.environ.get("CXX", "clang++"), "-fsanitize=fuzzer", str(src), "-o", str(binary)], check=True)
    work = tmp_path / "work"
    proc = subprocess.run([sys.executable, str(TOOL), "--seconds", "20", "--binary", str(binary),
                           "--workdir", str(work)], capture_output=True, text=True, check=False)
    assert proc.returncode == 1, proc.stdout
    crashes = list(work.glob("crashing_fuzzer-crash-*"))
    assert crashes and crashes[0].read_bytes().startswith(b"X")
    assert str(crashes[0]) in proc.stdout


def test_runner_usage_errors_exit_2():
    for args in (["--seconds", "0"], ["--seconds", "nan"], ["no_such_harness"]):
        proc = subprocess.run([sys.executable, str(TOOL), *args], capture_output=True, text=True, check=False)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        assert "Traceback" not in proc.stderr


# ---- what the dlpack harness found, seen from Python -----------------------------------------------------------

class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice), ("ndim", ctypes.c_int32), ("dtype", _DLDataType),
                ("shape", ctypes.POINTER(ctypes.c_int64)), ("strides", ctypes.POINTER(ctypes.c_int64)),
                ("byte_offset", ctypes.c_uint64)]


class _DLManagedTensor(ctypes.Structure):
    _fields_ = [("dl_tensor", _DLTensor), ("manager_ctx", ctypes.c_void_p), ("deleter", ctypes.c_void_p)]


_CAPSULE_NAME = b"dltensor"
_PyCapsule_New = ctypes.pythonapi.PyCapsule_New
_PyCapsule_New.restype = ctypes.py_object
_PyCapsule_New.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]


class _HostileProducer:
    """A CUDA DLPack producer whose DLTensor says what we want (a buggy or hostile library's tensor)."""

    def __init__(self, ndim: int, shape: list[int] | None):
        self._shape = (ctypes.c_int64 * max(1, len(shape or [])))(*(shape or []))
        self._managed = _DLManagedTensor()
        t = self._managed.dl_tensor
        t.data, t.device, t.ndim, t.dtype = 0x1000, _DLDevice(2, 0), ndim, _DLDataType(2, 32, 1)
        t.shape = ctypes.cast(self._shape, ctypes.POINTER(ctypes.c_int64)) if shape is not None else None

    def __dlpack_device__(self):
        return (2, 0)

    def __dlpack__(self, stream=None):
        return _PyCapsule_New(ctypes.addressof(self._managed), _CAPSULE_NAME, None)


@pytest.mark.parametrize("ndim, shape", [(-3, []), (-1, [4]), (2, None)])
def test_malformed_dlpack_tensor_is_an_argument_error(ndim, shape):
    """Found by fuzz/dlpack_fuzzer (corpus crash-negative-ndim): a negative ndim was read as a huge extent range."""
    x = trtcore.TensorInfo("x", "float32", [4])
    with pytest.raises(trtcore.ArgumentError, match=r"input 'x': the DLPack tensor is malformed \(ndim"):
        _core.FeedChecker([x]).check({"x": _HostileProducer(ndim, shape)})


def test_well_formed_hostile_producer_is_read():
    """The same producer with a sane tensor passes the validator: the test above fails for the right reason."""
    x = trtcore.TensorInfo("x", "float32", [4])
    assert _core.FeedChecker([x]).check({"x": _HostileProducer(1, [4])}) == []  # device: a list, not None
    with pytest.raises(trtcore.ShapeError):
        _core.FeedChecker([x]).check({"x": _HostileProducer(1, [2**62])})
