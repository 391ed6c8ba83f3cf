"""trtcore export: argument handling and the 'torch missing' path run everywhere; the real export needs
torch + torchvision (the lead runs it on the GPU machine: see docs/benchmarks-runners.md)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from trtcore.cli import EXIT_BAD_INPUT, EXIT_MISSING, main
from trtcore.errors import ArgumentError
from trtcore.export import ExportConfig

HAVE_TORCHVISION = importlib.util.find_spec("torch") is not None and importlib.util.find_spec("torchvision") is not None


def test_config_validation():
    with pytest.raises(ArgumentError, match="unknown model 'vgg16'"):
        ExportConfig("vgg16")
    with pytest.raises(ArgumentError, match="weights must be one of none, default"):
        ExportConfig("resnet50", weights="imagenet")
    with pytest.raises(ArgumentError, match=r"opset must be in \[11, 23\]"):
        ExportConfig("resnet50", opset=9)


def test_cli_rejects_unknown_model_and_missing_output(capsys):
    for argv in (["export", "vgg16", "-o", "m.onnx"], ["export", "resnet50"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2
    assert "invalid choice: 'vgg16'" in capsys.readouterr().err


def test_cli_bad_output_path(tmp_path, capsys):
    assert main(["export", "resnet50", "-o", str(tmp_path / "m.pt")]) == EXIT_BAD_INPUT
    assert "must end in .onnx" in capsys.readouterr().err
    assert main(["export", "resnet50", "-o", str(tmp_path / "no" / "m.onnx")]) == EXIT_BAD_INPUT
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.skipif(HAVE_TORCHVISION, reason="torch and torchvision are installed")
def test_cli_without_torch_is_exit_3(tmp_path, capsys):
    assert main(["export", "fcn_resnet101", "-o", str(tmp_path / "fcn.onnx")]) == EXIT_MISSING
    assert "pip install 'trtcore[torch]'" in capsys.readouterr().err
    assert not (tmp_path / "fcn.onnx").exists()


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_TORCHVISION, reason="needs torch and torchvision (pip install 'trtcore[torch]')")
@pytest.mark.parametrize("name", ["resnet50", "fcn_resnet101"])
def test_real_export_matches_pytorch(tmp_path, capsys, name):
    out = tmp_path / f"{name}.onnx"
    assert main(["export", name, "-o", str(out), "--weights", "none"]) == 0
    assert "PASSED" in capsys.readouterr().out
    from trtcore.runners import OnnxRuntimeRunner

    with OnnxRuntimeRunner(out) as r:
        (inp,), (outp,) = r.inputs, r.outputs
        assert (inp.name, outp.name) == ("input", "output")
        if name == "resnet50":
            assert inp.shape == (32, 3, 224, 224) and outp.shape == (32, 1000)
        else:
            # batch, height and width are dynamic (-1) and named by the exporter
            assert inp.shape[1] == 3 and all(inp.shape[i] == -1 and inp.dim_names[i] for i in (0, 2, 3))
            assert outp.dtype == np.int64 and outp.shape[1] == 1
            labels = r.infer({"input": np.zeros((1, 3, 96, 128), np.float32)})["output"]
            assert labels.shape == (1, 1, 96, 128)


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs torch (pip install 'trtcore[torch]')")
@pytest.mark.parametrize("name", ["resnet50", "fcn_resnet101"])
def test_export_and_check_mechanics_with_a_tiny_torch_model(tmp_path, monkeypatch, name):
    """The exporter call and the ONNX Runtime vs PyTorch check, with a tiny stand-in for the torchvision model."""
    import torch

    import trtcore.export as ex

    def build(config):
        torch.manual_seed(0)
        body = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU())

        class Head(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = body

            def forward(self, x):
                y = self.model(x)
                return y.argmax(1, keepdim=True) if config.model == "fcn_resnet101" else y.mean((2, 3))

        if config.model == "resnet50":
            return Head().eval(), torch.randn(32, 3, 8, 8), dict(input_names=["input"], output_names=["output"])
        axes = {"input": {0: "batch", 2: "height", 3: "width"}, "output": {0: "batch", 2: "height", 3: "width"}}
        return Head().eval(), torch.rand(1, 3, 16, 16), dict(input_names=["input"], output_names=["output"],
                                                            dynamic_axes=axes)

    monkeypatch.setattr(ex, "_import_torch", lambda: (torch, None))
    monkeypatch.setattr(ex, "_build", build)
    result = ex.export(ExportConfig(name), tmp_path / "m.onnx")
    if name == "resnet50":
        assert result.input_shape == (32, 3, 8, 8) and result.max_abs_error < 1e-4
    else:
        assert result.input_shape == (1, 3, 16, 16) and result.agreement >= 0.999
