"""The test execution backend (from the test-only module trtcore._testing) and a DLPack-only array wrapper."""

from __future__ import annotations

from typing import Any

import numpy as np

from trtcore import _testing

IdentityBackend = _testing.IdentityBackend


class DLPackOnly:
    """A host array seen only through DLPack (``__dlpack__``/``__dlpack_device__``), like a CPU torch tensor
    without the rest of torch: numpy, lists and ``__array__`` paths cannot see it."""

    def __init__(self, array: np.ndarray) -> None:
        self._array = array

    def __dlpack__(self, stream: Any = None, **kwargs: Any) -> Any:
        return self._array.__dlpack__(stream=stream, **kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        return self._array.__dlpack_device__()
