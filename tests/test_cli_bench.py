"""trtcore bench on ONNX Runtime: trtexec's flags, summary, JSON and --exportTimes."""

from __future__ import annotations

import json

import pytest

from trtcore.cli import EXIT_BAD_INPUT, main

from _models import add_one


@pytest.fixture
def model(tmp_path):
    return add_one(tmp_path / "m.onnx", shape=["batch", 3])


def test_bench_summary_json_and_export_times(model, tmp_path, capsys):
    times = tmp_path / "times.json"
    argv = ["bench", str(model), "--backend", "onnxruntime", "--duration", "0.05", "--warmUp", "10",
            "--iterations", "20", "--shapes", "x:8x3", "--percentile", "50,99.9", "--exportTimes", str(times)]
    assert main(argv + ["--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["batch"] == 8 and report["queries"] >= 20 and report["backend"] == "onnxruntime"
    lat = report["latency"]
    assert 0 < lat["min"] <= lat["median"] <= lat["max"] and set(lat["percentiles"]) == {"50", "99.9"}
    assert report["total_compute_time"] > 0 and report["gpu_timed"] is False
    rows = json.loads(times.read_text())
    assert len(rows) == report["queries"] and rows[0]["startComputeMs"] >= 10
    assert main(argv + ["--useCudaGraph", "--infStreams", "2"]) == 0
    text = capsys.readouterr().out
    for line in ("=== Performance summary ===", "Enqueue Time: ", "Total GPU Compute Time: ", "percentile(99.9%)",
                 "Multiple inference streams are used", "no CUDA graph is used", "GPU Compute Time is the host time"):
        assert line in text


@pytest.mark.parametrize("argv", [["--iterations", "0"], ["--duration", "-2"], ["--percentile", "50,101"],
                                  ["--infStreams", "0"], ["--useCudaGraph", "--noCudaGraph"]])
def test_bench_bad_settings_are_exit_2(model, argv, capsys):
    try:
        code = main(["bench", str(model), "--backend", "onnxruntime", *argv])
    except SystemExit as e:  # argparse: mutually exclusive flags
        code = e.code
    assert code == EXIT_BAD_INPUT
