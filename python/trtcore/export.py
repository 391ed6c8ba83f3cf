"""PyTorch → ONNX exports of the quick start's two models (needs ``pip install 'trtcore[torch]'``).

- ``resnet50``: torchvision ResNet-50, exported with a batch-32 dummy input like the guide's notebook (static
  batch 32; the guide's ``ONNXClassifierWrapper`` assumes it). Input ``input`` [32, 3, 224, 224], output
  ``output`` [32, 1000] logits.
- ``fcn_resnet101``: torchvision FCN-ResNet101 with ``argmax(1, keepdims=True)`` appended, like the guide's
  ``SemanticSegmentation/export.py``: input ``input`` float32 [batch, 3, height, width], output ``output`` int64
  [batch, 1, height, width], dynamic batch/height/width axes.

After exporting, :func:`export` runs the ONNX file with ONNX Runtime and checks its output against PyTorch's.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from trtcore._interrupt import reraise_interrupt
from trtcore.errors import ArgumentError, BackendError, FileError

log = logging.getLogger("trtcore.export")

MODELS = ("resnet50", "fcn_resnet101")
WEIGHTS = ("none", "default")


class TorchNotFound(BackendError, ImportError):
    """PyTorch or torchvision is not installed."""


@dataclass(frozen=True)
class ExportConfig:
    """What to export and how. ``weights="default"`` downloads torchvision's pretrained weights (network access
    needed once); ``"none"`` exports randomly initialised weights (seeded), enough to test the pipeline.

    >>> ExportConfig("fcn_resnet101").opset
    17
    """

    model: str
    weights: str = "none"
    opset: int = 17
    check: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise ArgumentError(f"unknown model {self.model!r}; trtcore exports {', '.join(MODELS)}")
        if self.weights not in WEIGHTS:
            raise ArgumentError(f"weights must be one of {', '.join(WEIGHTS)}, got {self.weights!r}")
        if not 11 <= self.opset <= 23:
            raise ArgumentError(f"opset must be in [11, 23], got {self.opset}")


@dataclass(frozen=True)
class ExportResult:
    """Where the model went and how ONNX Runtime's output compared with PyTorch's (None if not checked)."""

    path: Path
    input_shape: tuple[int, ...]
    max_abs_error: float | None
    agreement: float | None  # fraction of equal labels (fcn_resnet101 outputs argmax labels)


def _import_torch() -> tuple[Any, Any]:
    try:
        import torch
    except ImportError as e:
        reraise_interrupt(e)
        raise TorchNotFound("exporting needs PyTorch: pip install 'trtcore[torch]' (torch and torchvision)") from None
    try:
        import torchvision
    except ImportError as e:
        reraise_interrupt(e)
        raise TorchNotFound("exporting needs torchvision: pip install 'trtcore[torch]' (or pip install "
                           "torchvision matching your torch)") from None
    return torch, torchvision


def _build(config: ExportConfig) -> tuple[Any, Any, dict[str, Any]]:
    """The torch module, its dummy input and the torch.onnx.export keyword arguments."""
    torch, tv = _import_torch()
    torch.manual_seed(config.seed)
    if config.model == "resnet50":
        weights = tv.models.ResNet50_Weights.DEFAULT if config.weights == "default" else None
        model = tv.models.resnet50(weights=weights)
        dummy = torch.randn(32, 3, 224, 224)  # the guide's BATCH_SIZE = 32
        kwargs: dict[str, Any] = dict(input_names=["input"], output_names=["output"])
    else:
        weights = tv.models.segmentation.FCN_ResNet101_Weights.DEFAULT if config.weights == "default" else None
        # weights_backbone=None: random weights must not trigger a backbone download either
        fcn = tv.models.segmentation.fcn_resnet101(weights=weights, weights_backbone=None, aux_loss=None)

        class FCNArgmax(torch.nn.Module):  # the guide's FCN_ResNet101 wrapper
            def __init__(self) -> None:
                super().__init__()
                self.model = fcn

            def forward(self, inputs: Any) -> Any:
                return self.model(inputs)["out"].argmax(1, keepdim=True)

        model = FCNArgmax()
        dummy = torch.rand(1, 3, 224, 224)
        kwargs = dict(input_names=["input"], output_names=["output"], do_constant_folding=True,
                      dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"},
                                    "output": {0: "batch", 2: "height", 3: "width"}})
    return model.eval(), dummy, kwargs


def export(config: ExportConfig, output: str | Path) -> ExportResult:
    """Exports ``config.model`` to ``output`` and (``config.check``) compares ONNX Runtime against PyTorch.

    >>> export(ExportConfig("fcn_resnet101", weights="default"), "fcn-resnet101.onnx")  # doctest: +SKIP
    """
    output = Path(output)
    if output.suffix.lower() != ".onnx":
        raise ArgumentError(f"{output}: the output file must end in .onnx")
    if not output.parent.is_dir():
        raise FileError(f"{output}: folder {output.parent} does not exist")
    torch, _ = _import_torch()
    model, dummy, kwargs = _build(config)
    log.info("exporting %s (weights=%s, opset %d) to %s", config.model, config.weights, config.opset, output)
    export_kwargs = dict(kwargs, opset_version=config.opset, verbose=False)
    # The TorchScript exporter reproduces the guide's graphs (opset, names, dynamic axes) and needs no onnxscript;
    # torch >= 2.9 defaults to the dynamo exporter and marks this one deprecated, which is noise for our users.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        try:
            torch.onnx.export(model, (dummy,), str(output), dynamo=False, **export_kwargs)
        except TypeError:  # torch < 2.5 has no dynamo= argument
            torch.onnx.export(model, (dummy,), str(output), **export_kwargs)
    if not config.check:
        return ExportResult(output, tuple(dummy.shape), None, None)
    return _check(config, model, dummy, output, torch)


def _check(config: ExportConfig, model: Any, dummy: Any, output: Path, torch: Any) -> ExportResult:
    from trtcore.runners.onnxruntime import OnnxRuntimeRunner

    exported_shape = tuple(dummy.shape)
    if config.model == "fcn_resnet101":  # check a second size too: the axes are dynamic
        dummy = torch.rand(2, 3, 160, 192)
    with torch.no_grad():
        expected = model(dummy).numpy()
    with OnnxRuntimeRunner(output, providers=["CPUExecutionProvider"]) as runner:
        got = runner.infer({"input": dummy.numpy()})["output"]
    if got.shape != expected.shape:
        raise BackendError(f"{output}: ONNX Runtime output shape {got.shape} differs from PyTorch's "
                           f"{expected.shape}")
    if config.model == "resnet50":
        err = float(np.max(np.abs(got - expected)))
        scale = float(np.max(np.abs(expected))) or 1.0
        if err > 1e-3 * max(1.0, scale):
            raise BackendError(f"{output}: ONNX Runtime and PyTorch differ by up to {err:.3g} (scale {scale:.3g})")
        return ExportResult(output, exported_shape, err, None)
    agree = float(np.mean(got == expected))
    # argmax flips where two classes tie to within float error; anything beyond a sliver is a real mismatch
    if agree < 0.999:
        raise BackendError(f"{output}: ONNX Runtime and PyTorch labels agree on only {agree:.2%} of pixels")
    return ExportResult(output, exported_shape, None, agree)
