"""What trtcore was built with and what this machine offers at run time."""

from __future__ import annotations

import importlib.util
import platform
from pathlib import Path
from typing import Any

from trtcore import _core

# TensorRT majors trtcore knows; a build compiled against headers looks only for that major.
KNOWN_TENSORRT_MAJORS = (11, 10)


def tensorrt_pip_folders() -> list[str]:
    """Folders where pip-installed TensorRT wheels put libnvinfer (the ``tensorrt_libs`` package), if present."""
    folders = []
    for name in ("tensorrt_libs", "tensorrt_cu13_libs", "tensorrt_cu12_libs"):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.submodule_search_locations:
            folders.extend(str(Path(p)) for p in spec.submodule_search_locations)
    return folders


def register_tensorrt_folders() -> None:
    """Tells the C++ loader about pip's TensorRT folders (searched after $TRTCORE_TENSORRT_LIB_DIR). Done once
    when trtcore is imported, so every entry point (``trtcore.build``, ``trtcore build``, engines) finds them; call
    again after installing TensorRT into a running process."""
    _core.set_tensorrt_extra_folders(tensorrt_pip_folders())


register_tensorrt_folders()  # cheap (no import, only a module spec lookup), and needed before any TensorRT use


def build_info() -> dict[str, Any]:
    """What this trtcore was compiled with and what is present at run time. Never raises.

    >>> info = build_info()
    >>> sorted(info)
    ['cuda', 'package', 'tensorrt']
    """
    register_tensorrt_folders()
    compiled = _core.compiled_info()
    cuda = _core.cuda_runtime_info()
    majors = [compiled["tensorrt_major"]] if compiled["tensorrt_major"] else list(KNOWN_TENSORRT_MAJORS)
    trt = _core.tensorrt_runtime_info(majors)
    trt_usable = bool(compiled["tensorrt"]) and trt["found"] and bool(cuda["devices"])
    return {
        "package": {
            "version": compiled["version"],
            "compiler": compiled["compiler"],
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "cuda": {
            "compiled": compiled["cuda"],
            "driver_version": _format_cuda_version(cuda["driver_version"]),
            "runtime_version": _format_cuda_version(cuda["runtime_version"]),
            "devices": cuda["devices"],
            "error": cuda["error"],
        },
        "tensorrt": {
            "compiled": compiled["tensorrt"],
            "library": trt["path"],
            "library_version": trt["version"],
            "searched": trt["tried"] if not trt["found"] else [],
            "usable": trt_usable,
        },
    }


def _format_cuda_version(v: int) -> str | None:
    return f"{v // 1000}.{(v % 1000) // 10}" if v else None
