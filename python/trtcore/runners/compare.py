"""Output comparison with Polygraphy's semantics and wording (``comparator/compare.py``, elementwise check).

An element fails when its absolute difference exceeds ``atol`` AND its relative difference (to the reference,
zeros nudged by 2.22e-16) exceeds ``rtol``; NaN in either output fails. An output passes when no element fails.
"""

from __future__ import annotations

from collections.abc import Mapping
import math
from dataclasses import dataclass

import numpy as np

from trtcore.errors import ArgumentError

EPSILON = 2.220446049250313e-16


@dataclass(frozen=True)
class OutputComparison:
    """How one output of a run compares with the reference run's."""

    name: str
    passed: bool
    shape: tuple[int, ...]
    ref_shape: tuple[int, ...]
    dtype: str
    ref_dtype: str
    max_abs: float = float("nan")
    mean_abs: float = float("nan")
    max_rel: float = float("nan")
    mean_rel: float = float("nan")
    mismatches: int = 0
    note: str = ""

    def lines(self, atol: float, rtol: float) -> list[str]:
        """Polygraphy-style report lines for this output."""
        out = [f"Comparing Output: '{self.name}' (dtype={self.dtype}, shape={self.shape}) with "
               f"'{self.name}' (dtype={self.ref_dtype}, shape={self.ref_shape})",
               f"    Tolerance: [abs={atol:.5g}, rel={rtol:.5g}] | Checking elemwise error"]
        if self.note:
            out.append(f"    FAILED | Output: '{self.name}' | {self.note}")
            return out
        out.append(f"    Minimum Required Tolerance: elemwise error | [abs={self.max_abs:.5g}] OR "
                   f"[rel={self.max_rel:.5g}] (requirements may be lower if both abs/rel tolerances are set)")
        out.append(f"    Absolute Difference | Stats: mean={self.mean_abs:.5g}, max={self.max_abs:.5g}")
        out.append(f"    Relative Difference | Stats: mean={self.mean_rel:.5g}, max={self.max_rel:.5g}")
        if self.passed:
            out.append(f"    PASSED | Output: '{self.name}' | Difference is within tolerance (rel={rtol}, abs={atol})")
        else:
            out.append(f"    FAILED | Output: '{self.name}' | Difference exceeds tolerance (rel={rtol}, abs={atol}); "
                       f"{self.mismatches} of {int(np.prod(self.shape))} elements mismatch")
        return out


def check_tolerances(atol: float, rtol: float) -> None:
    """Tolerances are finite numbers >= 0: with NaN every ``diff > tol`` is False, so any outputs would pass.

    >>> check_tolerances(float("nan"), 0)  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    trtcore.errors.ArgumentError: atol must be a number >= 0, got nan
    """
    for name, value in (("atol", atol), ("rtol", rtol)):
        try:
            ok = value >= 0 and not math.isnan(value)
        except TypeError:
            ok = False
        if not ok:
            raise ArgumentError(f"{name} must be a number >= 0, got {value!r}")


def compare_output(name: str, got: np.ndarray, ref: np.ndarray, atol: float, rtol: float) -> OutputComparison:
    """Compares one output against the reference.

    >>> compare_output("y", np.array([1.0, 2.0]), np.array([1.0, 2.001]), atol=1e-2, rtol=0).passed
    True
    """
    check_tolerances(atol, rtol)
    got, ref = np.asarray(got), np.asarray(ref)
    base = dict(name=name, shape=tuple(got.shape), ref_shape=tuple(ref.shape), dtype=got.dtype.name,
                ref_dtype=ref.dtype.name)
    if got.shape != ref.shape:
        return OutputComparison(passed=False, note="Will not compare outputs of different shapes", **base)
    if got.dtype == np.bool_ or ref.dtype == np.bool_:
        got, ref = got.astype(np.float64), ref.astype(np.float64)
    a, b = got.astype(np.float64), ref.astype(np.float64)
    absdiff = np.abs(a - b)
    denom = np.abs(b)
    denom[denom == 0] = EPSILON
    reldiff = absdiff / denom
    bad = ((absdiff > atol) | np.isnan(absdiff)) & ((reldiff > rtol) | np.isnan(reldiff))
    mism = int(bad.sum())
    if absdiff.size == 0:
        return OutputComparison(passed=True, max_abs=0.0, mean_abs=0.0, max_rel=0.0, mean_rel=0.0, **base)
    return OutputComparison(passed=mism == 0, max_abs=float(np.nanmax(absdiff)) if not np.isnan(absdiff).all()
                            else float("nan"), mean_abs=float(np.mean(absdiff)),
                            max_rel=float(np.nanmax(reldiff)) if not np.isnan(reldiff).all() else float("nan"),
                            mean_rel=float(np.mean(reldiff)), mismatches=mism, **base)


def compare_outputs(got: Mapping[str, np.ndarray], ref: Mapping[str, np.ndarray], atol: float = 1e-5,
                    rtol: float = 1e-5) -> list[OutputComparison]:
    """Compares every output present in both runs; an output missing from either fails.

    >>> [c.passed for c in compare_outputs({"y": np.ones(2)}, {"y": np.ones(2)})]
    [True]
    """
    results = []
    for name in list(ref) + [n for n in got if n not in ref]:
        if name not in got or name not in ref:
            shape = tuple(np.shape(got.get(name, ref.get(name))))
            results.append(OutputComparison(name, False, shape, shape, "?", "?",
                                            note="output missing from " + ("the run" if name not in got
                                                                           else "the reference")))
        else:
            results.append(compare_output(name, got[name], ref[name], atol, rtol))
    return results
