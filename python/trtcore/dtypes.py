"""trtcore's one dtype table on the Python side, built from the C++ table (``trtcore._core.dtype_table()``).

Every name another system uses for an element type comes from here: numpy's (the names trtcore speaks), ONNX's
(``TensorProto`` numbers and names), ONNX Runtime's type strings (``"tensor(float)"``), DLPack codes, array-interface
typestrs and TensorRT's enumerators.

>>> from trtcore import dtypes
>>> dtypes.from_onnx(1).name, dtypes.from_ort("tensor(float16)").name
('float32', 'float16')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from trtcore import _core
from trtcore.errors import DTypeError

__all__ = ["DType", "TABLE", "from_name", "from_onnx", "from_ort", "numpy_dtype", "onnx_name", "triton_name"]


@dataclass(frozen=True)
class DType:
    """One row of the table: ``name`` is numpy's ("float32"); ``ort`` ONNX Runtime's type string."""

    name: str
    bits: int
    dlpack_code: int
    typestr: str
    onnx: int
    onnx_name: str
    tensorrt: str

    @property
    def ort(self) -> str:
        return f"tensor({self.onnx_name.lower()})" if self.onnx_name else ""

    @property
    def triton(self) -> str:
        """Triton Inference Server's name ("FP32"; ``TYPE_FP32`` in ``config.pbtxt``), "" where Triton has none."""
        return _TRITON.get(self.name, "")

    @property
    def numpy(self) -> np.dtype | None:
        """numpy's dtype, or None where numpy has none (bfloat16/fp8/int4 without ml_dtypes)."""
        try:
            return np.dtype(self.name)
        except TypeError:
            return None


# Triton's data types (model_config.proto's TYPE_* without the prefix, the KServe v2 wire names); fp8/fp4/int4 have
# none there.
_TRITON = {"bool": "BOOL", "uint8": "UINT8", "uint16": "UINT16", "uint32": "UINT32", "uint64": "UINT64",
           "int8": "INT8", "int16": "INT16", "int32": "INT32", "int64": "INT64", "float16": "FP16",
           "float32": "FP32", "float64": "FP64", "bfloat16": "BF16"}

#: Every element type trtcore knows, by numpy name.
TABLE: dict[str, DType] = {r["name"]: DType(**r) for r in _core.dtype_table()}
_BY_ONNX = {d.onnx: d for d in TABLE.values() if d.onnx > 0}
_BY_ORT = {d.ort: d for d in TABLE.values() if d.ort}


def from_name(name: str) -> DType:
    """The row for numpy's name (or a numpy dtype): ``from_name("float16").onnx_name == "FLOAT16"``.

    >>> from_name("uint8").bits
    8
    """
    key = str(name) if isinstance(name, str) else np.dtype(name).name
    if key not in TABLE:
        raise DTypeError(f"unknown dtype {name!r}; trtcore knows {', '.join(TABLE)}")
    return TABLE[key]


def from_onnx(elem_type: int) -> DType | None:
    """The row for an ONNX ``TensorProto`` element type (1 → float32); None for types trtcore has none for (STRING).

    >>> from_onnx(10).name
    'float16'
    """
    return _BY_ONNX.get(int(elem_type))


def from_ort(type_string: str) -> DType | None:
    """The row for ONNX Runtime's type string ("tensor(float)" → float32); None for unknown ones.

    >>> from_ort("tensor(double)").name
    'float64'
    """
    return _BY_ORT.get(type_string)


def onnx_name(elem_type: int) -> str:
    """numpy-style name of an ONNX element type, for messages and reports: 1 → "float32"; others in lower case
    (``"string"``), or ``"unknown(N)"``.

    >>> onnx_name(1)
    'float32'
    """
    row = from_onnx(elem_type)
    if row is not None:
        return row.name
    try:
        import onnx

        return str(onnx.TensorProto.DataType.Name(elem_type)).lower()
    except (ImportError, ValueError):
        return f"unknown({elem_type})"


def numpy_dtype(dtype: Any) -> np.dtype:
    """numpy's dtype for a trtcore dtype (a name, a numpy dtype, or a ``TensorInfo.dtype``); DTypeError naming it
    when numpy has none (``pip install ml_dtypes`` for bfloat16/fp8).

    >>> numpy_dtype("float16")
    dtype('float16')
    """
    try:
        return np.dtype(dtype)
    except TypeError:
        raise DTypeError(f"numpy has no dtype {dtype!r} (pip install ml_dtypes and import it for bfloat16/fp8)") \
            from None


def triton_name(dtype: Any, tensor: str = "") -> str:
    """Triton's data type name for a trtcore dtype ("float32" → "FP32"); DTypeError naming ``tensor`` where Triton
    has none (fp8, fp4, int4).

    >>> triton_name("float16")
    'FP16'
    """
    row = from_name(dtype)
    if not row.triton:
        where = f"tensor '{tensor}': " if tensor else ""
        raise DTypeError(f"{where}Triton Inference Server has no data type for {row.name}; supported: "
                         f"{', '.join(_TRITON)}")
    return row.triton
