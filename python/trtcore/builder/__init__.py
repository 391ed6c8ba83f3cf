"""ONNX → TensorRT engine, like trtexec: ``trtcore.build("m.onnx", BuildConfig(fp16=True), save_engine="m.engine")``.

Re-exports only. The orchestrator is ``build.py``; the configuration ``config.py`` (and trtexec's flags,
``flags.py``); the model's description ``onnx_info.py``; profiles ``shapes.py``; precision ``precision.py``;
refitting an engine's weights ``refit.py``.
"""

from __future__ import annotations

from trtcore.builder.build import (BuildPlan, BuildReport, ProgressEvent, build, build_report, merge_timing_caches,
                                   plan_build, write_file_atomic)
from trtcore.builder.config import BuildConfig, add_trtexec_arguments
from trtcore.builder.onnx_info import ModelInfo, TensorInfo, describe
from trtcore.builder.precision import PrecisionPlan
from trtcore.builder.refit import RefitReport, refit
from trtcore.builder.shapes import Profile, ShapeRange, parse_shape_spec

__all__ = [
    "BuildConfig", "BuildPlan", "BuildReport", "ModelInfo", "PrecisionPlan", "Profile", "ProgressEvent", "RefitReport",
    "ShapeRange", "TensorInfo", "add_trtexec_arguments", "build", "build_report", "describe", "parse_shape_spec",
    "merge_timing_caches", "plan_build", "refit", "write_file_atomic",
]
