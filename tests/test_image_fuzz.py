"""Property tests of the PPM/PGM parser: valid files round-trip; mutated bytes give an image or a FormatError.

Bounded to a few seconds; tools/fuzz_ppm.py runs the same properties for as long as you like.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import trtcore
import trtcore.image as ti
from pnm_strategies import mutated_pnm, pnm_files

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)


def check_parse(data: bytes) -> None:
    """The property: parse_pnm returns a consistent image or raises FormatError, nothing else."""
    try:
        arr, maxval = ti.parse_pnm(data, "fuzz.ppm", return_maxval=True)
    except trtcore.FormatError as e:
        assert str(e).startswith("fuzz.ppm: ")
        return
    assert 1 <= maxval <= 65535
    assert arr.ndim == 3 and arr.shape[2] in (1, 3) and arr.size > 0
    assert arr.dtype == (np.uint16 if maxval > 255 else np.uint8)
    assert int(arr.max()) <= maxval


@FAST
@given(pnm_files())
def test_valid_files_parse_to_what_they_encode(case):
    data, arr, maxval = case
    got, mv = ti.parse_pnm(data, return_maxval=True)
    assert mv == maxval
    assert got.dtype == arr.dtype
    np.testing.assert_array_equal(got, arr)


@FAST
@given(mutated_pnm())
def test_mutated_files_never_crash(data):
    check_parse(data)


@settings(max_examples=150, deadline=None, database=None)
@given(mutated_pnm())
def test_file_and_memory_parsers_agree(data):
    """read_image (streams from the file) and parse_pnm (memory) must give the same image or the same error."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.ppm"
        path.write_bytes(data)
        try:
            from_file = ti.read_image(path)
        except trtcore.FormatError as e:
            with pytest.raises(trtcore.FormatError) as mem_err:
                ti.parse_pnm(data, str(path))
            assert str(mem_err.value) == str(e)
            return
    np.testing.assert_array_equal(ti.parse_pnm(data), from_file)
