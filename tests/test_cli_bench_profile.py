"""trtcore bench --dumpProfile / --exportProfile: per-layer times through TensorRT's IProfiler
(cpp/tensorrt/profiler.cpp), reported as trtexec reports them. No TensorRT here: the profiler is called through
the TensorRT headers' own IProfiler vtable by a stand-in compiled against them (as libnvinfer would call it), and
the bench path runs over a stand-in engine whose executor reports layers."""

from __future__ import annotations

import ctypes
import json
import shutil
import subprocess

import numpy as np
import pytest

import trtcore
from trtcore import _testing
from trtcore.cli import EXIT_BAD_INPUT, main
from trtcore.cli._profile import export_profile, format_profile, profile_report

from _models import add_one

HAVE_TENSORRT = bool(trtcore._core.compiled_info()["tensorrt"])
needs_tensorrt = pytest.mark.skipif(not HAVE_TENSORRT, reason="LayerProfiler is part of the TensorRT layer")


@needs_tensorrt
def test_profiler_groups_reports_into_runs_as_trtexec_does():
    p = trtcore._core.LayerProfiler()
    for run in range(3):
        for name, ms in (("conv", 1.0 + run), ("relu", 0.5), ("relu", 0.25)):  # a name may come twice in a run
            _testing.report_layer(p, name, ms)
    assert p.runs == 3
    assert p.layers() == [("conv", [1.0, 2.0, 3.0]), ("relu", [0.5] * 3), ("relu", [0.25] * 3)]
    _testing.reset_profiler(p)
    assert p.runs == 0 and p.layers() == []


# The call libnvinfer makes after each layer, compiled against the same TensorRT headers as trtcore: it reaches
# LayerProfiler through IProfiler's vtable, so a slot or signature mismatch with the headers would show here.
CALLER = r"""
#include <NvInfer.h>
extern "C" void report_layer(void* profiler, const char* name, float ms) {
    static_cast<nvinfer1::IProfiler*>(profiler)->reportLayerTime(name, ms);
}
"""


@needs_tensorrt
def test_tensorrt_calls_reach_the_profiler_through_iprofiler(tmp_path):
    from test_tensorrt_loader import cuda_headers, tensorrt_headers

    headers, cuda, cxx = tensorrt_headers(), cuda_headers(), shutil.which("c++") or shutil.which("g++")
    if headers is None or cuda is None or cxx is None:
        pytest.skip("needs a C++ compiler, the CUDA headers and TensorRT_ROOT (the TensorRT headers)")
    (tmp_path / "caller.cpp").write_text(CALLER)
    lib = tmp_path / "libcaller.so"
    subprocess.run([cxx, "-std=c++17", "-shared", "-fPIC", "-Wno-deprecated-declarations", "-isystem", str(headers),
                    "-isystem", str(cuda), "-o", str(lib), str(tmp_path / "caller.cpp")], check=True)
    report = ctypes.CDLL(str(lib)).report_layer
    report.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_float]
    p = trtcore._core.LayerProfiler()
    for _ in range(2):
        report(_testing.profiler_address(p), b"conv1 + relu1", 0.75)
        report(_testing.profiler_address(p), b"fc", 0.25)
    assert p.runs == 2 and p.layers() == [("conv1 + relu1", [0.75, 0.75]), ("fc", [0.25, 0.25])]


def test_report_table_and_json_follow_trtexec(tmp_path):
    report = profile_report([("conv", [3.0, 1.0, 2.0]), ("fc", [1.0, 1.0, 1.0]), ("skipped", [0.0, 0.0, 0.0])], 3)
    conv = report["layers"][0]
    assert conv == {"name": "conv", "timeMs": 6.0, "averageMs": 2.0, "medianMs": 2.0, "percentage": 6 / 9 * 100}
    assert report["total"] == {"timeMs": 9.0, "averageMs": 3.0, "medianMs": 3.0}
    text = format_profile(report).splitlines()
    assert text[0] == "=== Profile (3 iterations ) ==="
    assert text[1] == "   Time(ms)     Avg.(ms)   Median(ms)   Time(%)   Layer"
    assert text[2] == "       6.00       2.0000       2.0000      66.7   conv"
    assert text[-1] == "       9.00       3.0000       3.0000     100.0   Total"
    assert not any(line.endswith("skipped") for line in text)  # trtexec leaves out layers that did not run
    path = tmp_path / "profile.json"
    export_profile(path, report)
    doc = json.loads(path.read_text())
    assert doc[0] == {"count": 3} and [d["name"] for d in doc[1:]] == ["conv", "fc", "skipped"]
    assert set(doc[1]) == {"name", "timeMs", "averageMs", "medianMs", "percentage"}


# -- the bench command over a stand-in TensorRT engine ---------------------------------------------------------------
class _Context:
    def __init__(self):
        self.profiler = None

    def set_profiler(self, profiler):
        self.profiler = profiler


class _Engine:
    def __init__(self):
        self.contexts = []

    def create_context(self, profile=0):
        self.contexts.append(_Context())
        return self.contexts[-1]


class _Executor:
    """Reports two layers to the context's profiler per inference, as TensorRT does after enqueueV3."""

    def __init__(self, context):
        self.context = context

    def infer(self, feed):
        if self.context.profiler is not None:
            _testing.report_layer(self.context.profiler, "conv", 2.0)
            _testing.report_layer(self.context.profiler, "fc", 0.5)
        return {}


class _FakeTensorRT:
    """ONNX Runtime's runner dressed as a TensorRT one, with a stand-in engine for the profile run."""

    backend = "tensorrt"

    def __init__(self, path):
        self._ort = trtcore.load(path, "onnxruntime", activate=False)
        self.engine = _Engine()

    def __getattr__(self, name):
        return getattr(self._ort, name)

    def __enter__(self):
        self._ort.activate()
        return self

    def __exit__(self, *exc):
        self._ort.deactivate()


@needs_tensorrt
def test_bench_dump_and_export_profile(tmp_path, monkeypatch, capsys):
    import trtcore.cli.bench as cli_bench
    import trtcore.runtime

    model = add_one(tmp_path / "m.onnx", shape=[2, 3])
    fake = _FakeTensorRT(model)
    monkeypatch.setattr(cli_bench, "load", lambda path, backend, activate=True: fake)
    monkeypatch.setattr(trtcore.runtime, "new_executor", _Executor)
    exported = tmp_path / "profile.json"
    argv = ["bench", str(model), "--duration", "0", "--warmUp", "0", "--iterations", "4", "--dumpProfile",
            "--exportProfile", str(exported)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "=== Performance summary ===" in out and "=== Profile (4 iterations ) ===" in out
    assert "       8.00       2.0000       2.0000      80.0   conv" in out
    doc = json.loads(exported.read_text())
    assert doc[0] == {"count": 4} and [(d["name"], d["timeMs"]) for d in doc[1:]] == [("conv", 8.0), ("fc", 2.0)]
    assert fake.engine.contexts[-1].profiler is None  # detached after the profile run
    assert main(argv + ["--json"]) == 0
    profile = json.loads(capsys.readouterr().out)["profile"]
    assert profile["count"] == 4 and profile["layers"][1]["name"] == "fc"
    assert np.isclose(profile["total"]["averageMs"], 2.5)


def test_profile_on_onnxruntime_is_refused_before_the_timed_run(tmp_path, capsys):
    model = add_one(tmp_path / "m.onnx", shape=[2, 3])
    assert main(["bench", str(model), "--backend", "onnxruntime", "--duration", "3600", "--dumpProfile"]) == \
        EXIT_BAD_INPUT
    assert "TensorRT's profiler" in capsys.readouterr().err


def test_export_profile_target_is_checked_first(tmp_path, capsys):
    model = add_one(tmp_path / "m.onnx", shape=[2, 3])
    assert main(["bench", str(model), "--backend", "onnxruntime", "--exportProfile",
                 str(tmp_path / "no" / "such" / "p.json")]) == EXIT_BAD_INPUT
    assert "--exportProfile" in capsys.readouterr().err
