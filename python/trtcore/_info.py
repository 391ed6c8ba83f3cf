"""What trtcore was built with and what this machine offers at run time."""

from __future__ import annotations

import importlib.util
import platform
from pathlib import Path
from typing import Any

from trtcore import _core

# TensorRT majors trtcore knows; a build compiled against headers looks only for that major.
KNOWN_TENSORRT_MAJORS = (11, 10)


def install_tensorrt_hint(major: int | None = None) -> str:
    """The one way to get the TensorRT library, in the words of the C++ loader's error (cpp/common/trt_library.cpp),
    so ``trtcore info``, the runners and the loader say the same thing.

    >>> install_tensorrt_hint(10).split(" (")[0]
    'Install TensorRT 10.x'
    """
    version, soname = (f"{major}.x", f"libnvinfer.so.{major}") if major else ("", "libnvinfer.so.<major>")
    return (f"Install TensorRT {version + ' ' if version else ''}(e.g. `pip install tensorrt-cu13` or NVIDIA's "
            f"tar/deb packages) or point TRTCORE_TENSORRT_LIB_DIR at the folder holding {soname}.")


#: How to get a trtcore that has TensorRT compiled in.
REBUILD_WITH_TENSORRT = ("install TensorRT and reinstall with TensorRT_ROOT=<dir with NvInfer.h> pip install "
                         "--force-reinstall --no-binary trtcore trtcore (or, from a checkout, TensorRT_ROOT=<dir> "
                         "pip install .)")


def not_compiled_message() -> str:
    """What a trtcore built without TensorRT headers says when asked to load an engine: how to rebuild, and whether
    a TensorRT library is installed (where it looked), which tells the user which half is missing.

    >>> not_compiled_message().startswith("this trtcore was built without TensorRT headers")
    True
    """
    lib = _core.tensorrt_runtime_info(list(KNOWN_TENSORRT_MAJORS))
    if lib["found"]:
        version = lib["version"].rsplit(".", 1)[0]
        found = f" (TensorRT {version} is installed at {lib['path']}: only the rebuild is missing)"
    else:
        found = " (no TensorRT library was found either; looked in:" + "".join(f"\n  - {t}" for t in lib["tried"]) + ")"
    return f"this trtcore was built without TensorRT headers; {REBUILD_WITH_TENSORRT}{found}"


def enable_tensorrt_hint(info: dict[str, Any] | None = None) -> str | None:
    """What is missing for TensorRT here and the one way to fix it; None when TensorRT is usable (or only the GPU
    is missing).

    >>> enable_tensorrt_hint()  # doctest: +SKIP
    "the TensorRT library libnvinfer was not found: Install TensorRT 10.x (...)"
    """
    info = info or build_info()
    trt = info["tensorrt"]
    if not trt["compiled"]:
        return f"this trtcore was built without TensorRT headers; {REBUILD_WITH_TENSORRT}"
    if not trt["library"]:
        major = _core.compiled_info()["tensorrt_major"] or None
        return f"the TensorRT library libnvinfer was not found: {install_tensorrt_hint(major)}"
    return None


def onnxruntime_info() -> dict[str, Any]:
    """ONNX Runtime's version and execution providers, or why it cannot be imported. Never raises.

    >>> sorted(onnxruntime_info())
    ['available_providers', 'error', 'version']
    """
    try:
        import onnxruntime as ort
    except (ImportError, OSError, RuntimeError) as e:  # not installed, or a broken install (a missing .so)
        return {"version": None, "available_providers": [], "error": f"{type(e).__name__}: {e}"}
    return {"version": ort.__version__, "available_providers": list(ort.get_available_providers()), "error": None}


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
    ['cuda', 'onnxruntime', 'package', 'tensorrt']
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
        "onnxruntime": onnxruntime_info(),
    }


def _format_cuda_version(v: int) -> str | None:
    return f"{v // 1000}.{(v % 1000) // 10}" if v else None
