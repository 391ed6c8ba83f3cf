"""Wrong values and types through the Python API are trtcore errors naming the argument (issue 10's list)."""

from __future__ import annotations

import numpy as np
import pytest

from trtcore import image
from trtcore.builder import BuildConfig
from trtcore.errors import ArgumentError
from trtcore.pipelines import Preprocess, Segmenter
from trtcore.runners import TensorInfo, load, random_feed
from trtcore.runners.compare import CompareSettings

from _models import identity_logits


@pytest.mark.parametrize("atol,rtol", [(float("nan"), 0.0), (0.0, float("nan")), (-1.0, 0.0), ("x", 0.0)])
def test_nan_or_negative_tolerances_are_refused_not_passed(atol, rtol):
    with pytest.raises(ArgumentError, match="tol must be a number >= 0"):
        CompareSettings(atol=atol, rtol=rtol)
    with pytest.raises(ArgumentError, match="atol for y must be a number >= 0"):
        CompareSettings(atol={"y": atol if atol != 0.0 else rtol, "": 1e-5})


@pytest.mark.parametrize("kwargs", [dict(mean="abc"), dict(std="abc"), dict(mean=[1, "x"]), dict(mean=float("nan")),
                                    dict(std=float("inf")), dict(maxval="abc"), dict(maxval=float("nan")),
                                    dict(mean=None)])
def test_preprocess_refuses_values_that_are_not_finite_numbers(kwargs):
    with pytest.raises(ArgumentError, match="preprocess"):
        Preprocess(**kwargs)


@pytest.mark.parametrize("n", [2**40, 0, -1, 2.5, "3", True])
def test_segmenter_num_classes_must_be_a_sane_integer(tmp_path, n):
    with pytest.raises(ArgumentError, match="num_classes must be an integer"):
        Segmenter(identity_logits(tmp_path / "m.onnx"), num_classes=n, backend="onnxruntime")


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_random_feed_seed(seed):
    with pytest.raises(ArgumentError, match="seed"):
        random_feed([TensorInfo("x", "float32", [2])], seed=seed)


def test_random_feed_larger_than_memory_is_refused_before_allocating():
    with pytest.raises(ArgumentError, match="GiB, more than this machine's memory"):
        random_feed([TensorInfo("x", "float32", [10**12, 6])])


# ---- re-checked against main (issue 10, "Smaller"): the same rule for the functions below the pipelines ----------

# (NaN / inf are numbers here: the kernels' tests feed them on purpose; Preprocess refuses them.)
@pytest.mark.parametrize("kwargs", [{"mean": "abc"}, {"std": "0.5"}, {"mean": [0.5, "x", 0.5]}, {"mean": None},
                                    {"std": {"a": 1}}])
def test_image_normalize_refuses_values_that_are_not_numbers(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ArgumentError, match=f"^{name}: must be"):
        image.normalize(np.zeros((2, 2, 3), np.uint8), **kwargs)


@pytest.mark.parametrize("n", [2**40, 2**31, -(2**40)])
def test_guide_palette_num_classes_out_of_int_range_is_an_argument_error(n):
    with pytest.raises(ArgumentError, match="num_classes must be 1..65536"):
        image.Palette.guide(n, [1, 2, 3])


@pytest.mark.parametrize("path", [123, None, 1.5, ["m.onnx"]])
def test_load_refuses_what_is_not_a_path(path):
    with pytest.raises(ArgumentError, match="load: expected a model path"):
        load(path)


@pytest.mark.parametrize("field", ["builder_optimization_level", "max_aux_streams"])
@pytest.mark.parametrize("value", ["3", 2.0, None, True])
def test_build_config_integers_of_the_wrong_type(field, value):
    with pytest.raises(ArgumentError, match=f"{field} must be an integer"):
        BuildConfig(**{field: value}).validate()
