"""Polygraphy-style output comparison."""

from __future__ import annotations

import numpy as np

from trtcore.runners.compare import compare_output, compare_outputs


def test_element_fails_only_when_both_abs_and_rel_exceed():
    ref = np.array([1000.0, 0.001])
    # 1000 vs 1000.5: abs 0.5 > atol, rel 5e-4 <= rtol → passes; 0.001 vs 0.0011: abs 1e-4 <= atol → passes
    assert compare_output("y", np.array([1000.5, 0.0011]), ref, atol=1e-3, rtol=1e-3).passed
    c = compare_output("y", np.array([1002.0, 0.001]), ref, atol=1e-3, rtol=1e-3)
    assert not c.passed and c.mismatches == 1 and c.max_abs == 2.0
    assert abs(c.max_rel - 0.002) < 1e-12


def test_nan_fails_and_zero_reference_uses_epsilon():
    assert not compare_output("y", np.array([np.nan]), np.array([1.0]), 1, 1).passed
    c = compare_output("y", np.array([1e-3]), np.array([0.0]), atol=1e-2, rtol=0)
    assert c.passed and c.max_rel > 1e10


def test_shape_mismatch_and_missing_outputs_fail_with_a_note():
    c = compare_output("y", np.zeros(3), np.zeros(4), 1, 1)
    assert not c.passed and "different shapes" in c.note
    results = compare_outputs({"a": np.zeros(2)}, {"a": np.zeros(2), "b": np.zeros(1)})
    assert [r.passed for r in results] == [True, False] and "missing from the run" in results[1].note


def test_report_lines_use_polygraphy_wording():
    ok = compare_output("out", np.ones(2, np.float32), np.ones(2, np.float32), 1e-5, 1e-5)
    text = "\n".join(ok.lines(1e-5, 1e-5))
    assert "Comparing Output: 'out' (dtype=float32, shape=(2,))" in text
    assert "PASSED | Output: 'out' | Difference is within tolerance (rel=1e-05, abs=1e-05)" in text
    bad = compare_output("out", np.zeros(2), np.ones(2), 1e-5, 1e-5)
    assert "FAILED | Output: 'out' | Difference exceeds tolerance" in "\n".join(bad.lines(1e-5, 1e-5))


def test_integer_outputs_compare_exactly():
    assert compare_output("labels", np.array([1, 2]), np.array([1, 2]), 0, 0).passed
    assert not compare_output("labels", np.array([1, 3]), np.array([1, 2]), 0, 0).passed
