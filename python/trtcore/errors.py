"""trtcore's exception family: everything trtcore raises on bad input is a :class:`trtcore.Error`.

Subclasses also derive from the matching built-in exception where that is natural, so ``except ValueError``
and ``except OSError`` keep working in code that does not know trtcore.
"""

from __future__ import annotations

__all__ = [
    "Error",
    "FormatError",
    "FileError",
    "ArgumentError",
    "ShapeError",
    "DTypeError",
    "CudaError",
    "CudaOutOfMemory",
    "TensorRTNotFound",
    "TensorRTError",
    "BuildError",
    "BackendError",
    "MissingDependency",
]


class Error(Exception):
    """Base of every trtcore exception."""


class FormatError(Error, ValueError):
    """A file's contents are not valid for its format (bad magic, truncated data, header garbage)."""


class FileError(Error, OSError):
    """A file or folder cannot be opened, read or written."""


class ArgumentError(Error, ValueError):
    """An argument has a wrong value."""


class ShapeError(ArgumentError):
    """An array has the wrong number of dimensions or wrong extents."""


class DTypeError(ArgumentError, TypeError):
    """An array has the wrong element type."""


class CudaError(Error, RuntimeError):
    """A CUDA call failed; the message carries CUDA's own words."""


class CudaOutOfMemory(CudaError, MemoryError):
    """The GPU ran out of memory."""


class TensorRTNotFound(Error, ImportError):
    """TensorRT support is not compiled in, or libnvinfer cannot be loaded. The message says where it looked."""


class TensorRTError(Error, RuntimeError):
    """TensorRT reported a failure."""


class BuildError(TensorRTError):
    """An engine build failed or was cancelled."""


class BackendError(Error, RuntimeError):
    """A runner backend (ONNX Runtime, TensorRT) failed or is unavailable."""


class MissingDependency(Error, ImportError):
    """An optional package a feature needs is not installed (the message names the pip extra)."""
