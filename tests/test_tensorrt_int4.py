"""4-bit tensors at the numpy boundary (issue 9, item 3): TensorRT packs int4 and float4_e2m1fn two per byte,
numpy (ml_dtypes) stores one per byte. trtcore refuses such arrays and never builds a numpy view over packed
bytes. Runs on the CPU with the executor's testing backend: the refusals come before any CUDA call."""

from __future__ import annotations

import numpy as np
import pytest
import trtcore
from _backends import IdentityBackend
from trtcore.runtime import Executor

ml_dtypes = pytest.importorskip("ml_dtypes")

FOUR_BIT = [("int4", ml_dtypes.int4), ("float4_e2m1fn", ml_dtypes.float4_e2m1fn)]


@pytest.mark.parametrize("name, dtype", FOUR_BIT)
def test_a_numpy_array_of_a_4_bit_type_is_refused_not_copied_as_packed(name: str, dtype: type) -> None:
    ex = Executor(IdentityBackend([("x", name, [8])], [("y", name, [8], "x")]))
    data = np.zeros(8, dtype)
    assert data.nbytes == 8  # one per byte: TensorRT's buffer for these 8 elements is 4 bytes
    with pytest.raises(trtcore.DTypeError, match=f"{name}, which TensorRT packs 2 per byte.*one {name} per byte"):
        ex.infer({"x": data})


@pytest.mark.parametrize("name, dtype", FOUR_BIT)
def test_casting_into_a_4_bit_input_is_refused(name: str, dtype: type) -> None:
    ex = Executor(IdentityBackend([("x", name, [8])], [("y", name, [8], "x")]))
    with pytest.raises(trtcore.DTypeError, match=f"input 'x' is {name}, which TensorRT packs"):
        ex.infer({"x": np.zeros(8, np.float32)}, cast=True)


def test_byte_sized_types_still_pass_the_boundary() -> None:
    # The refusal is for the packed types only: int8 (one per byte in both) goes on to the run (which, without a
    # GPU, then fails for want of CUDA).
    ex = Executor(IdentityBackend([("x", "int8", [8])], [("y", "int8", [8], "x")]))
    try:
        out = ex.infer({"x": np.arange(8, dtype=np.int8)})
    except trtcore.CudaError:
        return
    np.testing.assert_array_equal(out["y"], np.arange(8, dtype=np.int8))
