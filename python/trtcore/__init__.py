"""trtcore: ONNX → TensorRT engine → inference, from Python at C++ speed.

>>> import trtcore
>>> trtcore.build_info()["package"]["version"]  # doctest: +SKIP
'0.1.0'
"""

from __future__ import annotations

from trtcore import _interrupt

_interrupt.guard_cli_startup()  # first: a Ctrl-C while the command line imports all this exits 130 with one line

from trtcore import _core  # noqa: F401  (the native module; fails loudly if the build is broken)
from trtcore import image
from trtcore._info import build_info
from trtcore.builder import BuildConfig, build
from trtcore.engine import Engine, TensorInfo
from trtcore.runtime import Executor
from trtcore.pipelines import IMAGENET, Classifier, Preprocess, Segmenter
from trtcore.runners import ExecutorRunner, OnnxRuntimeRunner, Runner, TensorRTRunner, load
from trtcore.serving import Server, serve  # PyTriton is imported only when serve() is called
from trtcore.errors import (
    ArgumentError,
    BackendError,
    MissingDependency,
    BuildError,
    CudaError,
    CudaOutOfMemory,
    DTypeError,
    Error,
    FileError,
    FormatError,
    ShapeError,
    TensorRTError,
    TensorRTNotFound,
)

__version__ = _core.compiled_info()["version"]

__all__ = [
    "__version__",
    "build_info",
    "build",
    "Engine",
    "Executor",
    "TensorInfo",
    "ExecutorRunner",
    "BuildConfig",
    "load",
    "serve",
    "Server",
    "Runner",
    "OnnxRuntimeRunner",
    "TensorRTRunner",
    "Classifier",
    "Segmenter",
    "Preprocess",
    "IMAGENET",
    "image",
    "ArgumentError",
    "BackendError",
    "MissingDependency",
    "BuildError",
    "CudaError",
    "CudaOutOfMemory",
    "DTypeError",
    "Error",
    "FileError",
    "FormatError",
    "ShapeError",
    "TensorRTError",
    "TensorRTNotFound",
]
