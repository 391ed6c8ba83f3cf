"""Comparison through Polygraphy's comparator and files (trtcore.runners.compare)."""

from __future__ import annotations

import numpy as np
import pytest

from trtcore.errors import ArgumentError, FormatError
from trtcore.runners.compare import (CompareSettings, compare_outputs, default_tolerance, load_inputs,
                                     load_run_results, parse_tolerances, run_results, save_inputs, save_run_results)

pytest.importorskip("polygraphy")


def test_element_fails_only_when_both_abs_and_rel_exceed(capsys):
    ref = {"y": np.array([1000.0, 0.001])}
    # 1000 vs 1000.5: abs 0.5 > atol but rel 5e-4 <= rtol; 0.001 vs 0.0011: abs 1e-4 <= atol: both pass
    assert compare_outputs({"y": np.array([1000.5, 0.0011])}, ref, CompareSettings(atol=1e-3, rtol=1e-3))
    assert not compare_outputs({"y": np.array([1002.0, 0.001])}, ref, CompareSettings(atol=1e-3, rtol=1e-3))
    out = capsys.readouterr().out
    assert "FAILED | Output: 'y' | Difference exceeds tolerance (rel=0.001, abs=0.001)" in out


def test_nan_in_either_output_is_a_mismatch_and_prints_max_nan(capsys):
    for got, ref in ((np.array([np.nan, 1.0]), np.array([1.0, 1.0])), (np.array([1.0, 1.0]), np.array([np.nan, 1.0]))):
        assert not compare_outputs({"y": got}, {"y": ref}, CompareSettings(atol=1, rtol=1))
    out = capsys.readouterr().out
    assert "max=nan" in out and "max=0 " not in out


def test_per_output_tolerances_in_polygraphy_syntax(capsys):
    got = {"a": np.array([1.0, 2.0]), "b": np.array([1.0, 2.0])}
    ref = {"a": np.array([1.0, 2.01]), "b": np.array([1.0, 2.0])}
    atol = parse_tolerances(["a:0.02", "1e-5"], "--atol")
    assert atol == {"a": 0.02, "": 1e-5}
    assert compare_outputs(got, ref, CompareSettings(atol=atol, rtol=1e-5))
    assert not compare_outputs(got, ref, CompareSettings(atol={"a": 1e-3, "": 1e-5}, rtol=1e-5))
    with pytest.raises(ArgumentError, match="--rtol"):
        parse_tolerances(["a:-1"], "--rtol")


def test_error_statistics_mean_median_quantile():
    # one element off by 1, nine exact: max error 1, mean 0.1, median 0
    got, ref = {"y": np.r_[np.ones(9), 2.0]}, {"y": np.ones(10)}
    strict = dict(atol=0.2, rtol=0.0)
    assert not compare_outputs(got, ref, CompareSettings(check_error_stat="max", **strict))
    assert compare_outputs(got, ref, CompareSettings(check_error_stat="mean", **strict))
    assert compare_outputs(got, ref, CompareSettings(check_error_stat="median", **strict))
    assert compare_outputs(got, ref, CompareSettings(check_error_stat="quantile", error_quantile=0.5, **strict))
    assert not compare_outputs(got, ref, CompareSettings(check_error_stat="quantile", error_quantile=1.0, **strict))
    with pytest.raises(ArgumentError, match="check_error_stat"):
        CompareSettings(check_error_stat="p99")


def test_default_tolerance_fits_the_precision():
    assert default_tolerance(["float32"]) == (1e-5, "float32 outputs")
    assert default_tolerance(["float32", "float16"])[0] == 1e-3
    assert default_tolerance(["bfloat16"])[0] == 1e-2
    assert default_tolerance(["float32"], precision="fp16") == (1e-3, "an fp16 engine")


def test_files_round_trip_in_polygraphy_formats(tmp_path):
    from polygraphy.comparator import RunResults
    from polygraphy.json import load_json

    y = np.arange(6, dtype=np.float32).reshape(2, 3)
    save_run_results(tmp_path / "out.json", run_results([("trtcore-onnxruntime", [{"y": y}])]))
    loaded = RunResults.load(str(tmp_path / "out.json"))  # Polygraphy's own reader
    assert list(loaded.keys()) == ["trtcore-onnxruntime"]
    np.testing.assert_array_equal(loaded["trtcore-onnxruntime"][0]["y"], y)
    assert list(load_run_results(tmp_path / "out.json").keys()) == ["trtcore-onnxruntime"]
    save_inputs(tmp_path / "in.json", [{"x": y}, {"x": y + 1}])
    assert len(load_json(str(tmp_path / "in.json"))) == 2
    np.testing.assert_array_equal(load_inputs(tmp_path / "in.json")[1]["x"], y + 1)
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(FormatError, match="RunResults"):
        load_run_results(tmp_path / "bad.json")
    with pytest.raises(FormatError, match="input JSON"):
        load_inputs(tmp_path / "bad.json")
