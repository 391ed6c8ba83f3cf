"""Markers: `gpu` tests need a usable CUDA device, `tensorrt` tests need TensorRT compiled in and its libraries."""

from __future__ import annotations

import pytest

import trtcore


def _capabilities() -> tuple[bool, str, bool, str]:
    info = trtcore.build_info()
    gpu = bool(info["cuda"]["devices"])
    gpu_why = "" if gpu else f"no usable CUDA device ({info['cuda']['error'] or 'CUDA not compiled in'})"
    trt = info["tensorrt"]["usable"]
    if trt:
        trt_why = ""
    elif not info["tensorrt"]["compiled"]:
        trt_why = "TensorRT headers were not found when trtcore was built"
    elif not info["tensorrt"]["library"]:
        trt_why = "libnvinfer is not installed"
    else:
        trt_why = "no usable CUDA device for TensorRT"
    return gpu, gpu_why, trt, trt_why


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    gpu, gpu_why, trt, trt_why = _capabilities()
    for item in items:
        if "gpu" in item.keywords and not gpu:
            item.add_marker(pytest.mark.skip(reason=gpu_why))
        if "tensorrt" in item.keywords and not trt:
            item.add_marker(pytest.mark.skip(reason=trt_why))
