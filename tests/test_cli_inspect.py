"""trtcore inspect: ONNX layers as Polygraphy prints them (also for models onnx.checker rejects), ops that need a
plugin, and an engine's layer list from the engine inspector (over a stand-in engine: no TensorRT here)."""

from __future__ import annotations

import json
from pathlib import Path

import onnx
import pytest
from onnx import helper

import trtcore.cli.inspect as cli_inspect
from trtcore.cli import EXIT_BAD_INPUT, EXIT_OK, main
from trtcore.engine import TensorInfo

from _models import FLOAT, linear, model_proto, vi, write


@pytest.fixture
def lin(tmp_path) -> Path:
    return linear(tmp_path / "lin.onnx")


def test_show_layers_attrs_weights_is_polygraphys_text(lin, capsys):
    pytest.importorskip("polygraphy")
    from polygraphy.backend.onnx.util import str_from_onnx

    assert main(["inspect", str(lin), "--show", "layers", "attrs", "weights"]) == EXIT_OK
    out = capsys.readouterr().out
    expected = str_from_onnx(onnx.load(str(lin)), show_layers=True, show_attrs=True, show_weights=True).rstrip()
    assert expected in out and "[Op: Gemm]" in out
    w = onnx.numpy_helper.to_array(onnx.load(str(lin)).graph.initializer[0])
    assert f"{w.flat[0]:.6f}"[:6] in out  # weights shown
    assert main(["inspect", str(lin)]) == EXIT_OK
    assert "[Op: Gemm]" not in capsys.readouterr().out  # layers only on request


def test_a_model_the_checker_rejects_is_inspected_with_a_warning(tmp_path, capsys):
    pytest.importorskip("polygraphy")
    # the node reads a tensor nothing produces: onnx.checker refuses the graph
    model = model_proto([helper.make_node("Relu", ["ghost"], ["y"])], [vi("x", FLOAT, [1, 4])],
                        [vi("y", FLOAT, [1, 4])], check=False)
    path = write(model, tmp_path / "bad.onnx")
    with pytest.raises(onnx.checker.ValidationError):
        onnx.checker.check_model(model)
    assert main(["inspect", str(path), "--show", "layers"]) == EXIT_OK
    captured = capsys.readouterr()
    assert "[W]" in captured.err and "onnx.checker rejects the model" in captured.err and "ghost" in captured.err
    assert "checker    rejected" in captured.out and "[Op: Relu]" in captured.out
    assert main(["inspect", str(path), "--json"]) == EXIT_OK
    doc = json.loads(capsys.readouterr().out)
    assert "ghost" in doc["checker_warning"]


def test_unreadable_model_is_still_exit_2(tmp_path, capsys):
    path = tmp_path / "junk.onnx"
    path.write_bytes(b"\x00\xffjunk")
    assert main(["inspect", str(path), "--show", "layers"]) == EXIT_BAD_INPUT
    assert "not a readable ONNX model" in capsys.readouterr().err


def test_ops_that_need_a_plugin_are_named(tmp_path, capsys):
    nodes = [helper.make_node("Relu", ["x"], ["r"]),
             helper.make_node("MyOp", ["r"], ["m"], domain="my.ops"),
             helper.make_node("MyOp", ["m"], ["n"], domain="my.ops"),
             helper.make_node("ScaleShift_TRT", ["n"], ["y"], domain="trt.plugins")]
    model = model_proto(nodes, [vi("x", FLOAT, [1, 4])], [vi("y", FLOAT, [1, 4])], domains=("my.ops", "trt.plugins"),
                        check=False)
    path = write(model, tmp_path / "plugins.onnx")
    assert main(["inspect", str(path)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "plugin     my.ops.MyOp x2: needs a plugin library (--plugins LIB)" in out
    assert "plugin     trt.plugins.ScaleShift_TRT x1: needs TensorRT's (libnvinfer_plugin)" in out
    assert "Relu" not in "".join(line for line in out.splitlines() if line.startswith("plugin"))
    assert main(["inspect", str(path), "--json"]) == EXIT_OK
    doc = json.loads(capsys.readouterr().out)
    assert [(p["op"], p["count"]) for p in doc["plugin_ops"]] == [("MyOp", 2), ("ScaleShift_TRT", 1)]


def test_a_standard_model_needs_no_plugin(lin, capsys):
    assert main(["inspect", str(lin), "--json"]) == EXIT_OK
    doc = json.loads(capsys.readouterr().out)
    assert doc["plugin_ops"] == [] and doc["checker_warning"] is None and "layers" not in doc


# -- engines -----------------------------------------------------------------------------------------------------
DETAILED = {"Layers": [
    {"Name": "conv1", "LayerType": "CaskConvolution", "TacticName": "sm80_xmma_fprop",
     "Inputs": [{"Name": "images", "Format/Datatype": "Row major linear FP32", "Dimensions": [1, 3, 8, 8]}],
     "Outputs": [{"Name": "c1", "Format/Datatype": "Channel major FP16 format", "Dimensions": [1, 8, 8, 8]}]},
    {"Name": "fc", "LayerType": "Gemm", "Inputs": [{"Name": "c1"}], "Outputs": [{"Name": "logits"}]}]}


class _FakeEngine:
    def __init__(self, inspected):
        self.inspected = inspected

    def inspect(self):
        return self.inspected


class _FakeRunner:
    def __init__(self, path, inspected):
        self.engine = _FakeEngine(inspected)
        self.inputs = [TensorInfo("images", "float32", (1, 3, 8, 8), "input")]
        self.outputs = [TensorInfo("logits", "float32", (1, 10), "output")]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


@pytest.mark.parametrize("inspected", [DETAILED, {"Layers": ["conv1", "fc"]}])
def test_engine_layers_from_the_inspector(tmp_path, monkeypatch, capsys, inspected):
    engine = tmp_path / "m.engine"
    engine.write_bytes(b"plan")
    monkeypatch.setattr(cli_inspect, "TensorRTRunner", lambda path: _FakeRunner(path, inspected))
    assert main(["inspect", str(engine), "--show", "layers"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "layers (2):" in out and "conv1" in out and "fc" in out
    if inspected is DETAILED:
        assert "Layer 0    | conv1 [CaskConvolution] | tactic sm80_xmma_fprop" in out
        assert "-> c1 [Channel major FP16 format, [1, 8, 8, 8]]" in out
    else:
        assert "--profilingVerbosity detailed" in out
    assert main(["inspect", str(engine), "--show", "layers", "--json"]) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["layers"] == inspected["Layers"]
    assert main(["inspect", str(engine)]) == EXIT_OK
    assert "layers (" not in capsys.readouterr().out


def test_show_rejects_unknown_things(lin, capsys):
    try:
        code = main(["inspect", str(lin), "--show", "tactics"])
    except SystemExit as e:
        code = e.code
    assert code == EXIT_BAD_INPUT and "invalid choice" in capsys.readouterr().err
