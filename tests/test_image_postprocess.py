"""trtcore.image post-processing in C++ (softmax, top-k, labels_from_output, Palette) against numpy references."""

from __future__ import annotations

import numpy as np
import pytest

import trtcore
import trtcore.image as ti

NAN, INF = np.float32(np.nan), np.float32(np.inf)


def numpy_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """The numpy a user writes (what pipelines/common.py had), in float32."""
    x = x.astype(np.float32)
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)


def edge_rows(dtype: type = np.float32) -> np.ndarray:
    rows = np.array([
        [0.0, 0.0, 0.0, 0.0, 0.0],            # ties
        [1.0, NAN, 3.0, 3.0, -1.0],           # NaN
        [1.0, INF, 2.0, INF, 0.0],            # +inf
        [-INF, -INF, 1.0, -INF, 1.0],         # -inf and a tie
        [-INF, -INF, -INF, -INF, -INF],       # only -inf
        [88.0, 89.0, -100.0, 1e30, -1e30],    # large
        [-0.0, 0.0, -0.0, 0.0, NAN],          # signed zeros
        [NAN, NAN, 5.0, NAN, 5.0],
    ], np.float32)
    with np.errstate(over="ignore"):  # 1e30 becomes inf in float16
        return rows.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_softmax_matches_numpy_on_random_and_edge_rows(dtype):
    rng = np.random.default_rng(1)
    rand = (rng.standard_normal((37, 1000)) * 8).astype(dtype)
    for x in (rand, edge_rows(dtype)):
        with np.errstate(over="ignore"):
            got = ti.softmax(x)
        assert got.dtype == np.float32 and got.shape == x.shape
        np.testing.assert_allclose(got, numpy_softmax(x), rtol=2e-6, atol=1e-12, equal_nan=True)
    # what the formula gives for special values, spelled out
    got = ti.softmax(edge_rows())
    assert np.isnan(got[1]).all() and np.isnan(got[2]).all() and np.isnan(got[4]).all()
    assert got[3].tolist() == [0.0, 0.0, 0.5, 0.0, 0.5]


def test_softmax_over_another_axis_and_bad_input():
    x = np.random.default_rng(2).standard_normal((2, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(ti.softmax(x, axis=1), numpy_softmax(x, axis=1), rtol=2e-6)
    with pytest.raises(trtcore.DTypeError, match="scores: dtype must be float32 or float16, got float64"):
        ti.softmax(np.zeros((1, 3)))
    with pytest.raises(trtcore.ShapeError, match="scores"):
        ti.softmax(np.zeros((2, 0), np.float32))


def reference_top_k(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-x.astype(np.float32), axis=-1, kind="stable")[..., :k]
    return order, np.take_along_axis(x.astype(np.float32), order, axis=-1)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("k", [1, 3, 5, 10])
def test_top_k_is_a_stable_descending_sort(dtype, k):
    rng = np.random.default_rng(k)
    ties = rng.integers(0, 4, (50, 10)).astype(dtype)  # many equal scores
    rand = rng.standard_normal((50, 10)).astype(dtype)
    edge = np.concatenate([edge_rows(dtype), edge_rows(dtype)[:, ::-1]], axis=1)
    for x in (ties, rand, edge):
        idx, val = ti.top_k(x, k)
        want_idx, want_val = reference_top_k(x, k)
        assert idx.dtype == np.int64 and val.dtype == np.float32
        np.testing.assert_array_equal(idx, want_idx)
        np.testing.assert_array_equal(val, want_val)


def test_top_k_tie_and_nan_order_and_bad_k():
    idx, _ = ti.top_k(np.array([NAN, 1.0, 2.0, 1.0, NAN, -INF], np.float32), 6)
    assert idx.tolist() == [2, 1, 3, 5, 0, 4]  # larger first, ties by lower index, NaN last
    assert ti.top_k(np.zeros((1, 3), np.float32), 99)[0].shape == (1, 3)  # k cut to C
    with pytest.raises(trtcore.ArgumentError, match="k: must be a positive integer"):
        ti.top_k(np.zeros((1, 3), np.float32), 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_labels_from_logits_are_numpy_argmax(dtype):
    logits = np.random.default_rng(3).standard_normal((1, 7, 9, 11)).astype(dtype)
    logits[0, 2, 0, 0] = logits[0, 5, 0, 0] = 50  # a tie: first wins
    got = ti.labels_from_output(logits, height=9, width=11)
    assert got.dtype == np.int64 and got.shape == (9, 11)
    np.testing.assert_array_equal(got, np.argmax(logits[0], axis=0))


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64])
@pytest.mark.parametrize("shape", [(1, 1, 4, 5), (1, 4, 5)])
def test_label_ids_of_any_integer_width_are_widened(dtype, shape):
    top = min(int(np.iinfo(dtype).max), 2**63 - 1)  # every id that fits int64
    ids = np.random.default_rng(4).integers(0, top, shape, dtype=dtype, endpoint=True)
    ids.flat[0] = top
    got = ti.labels_from_output(ids, "m: output 'y'", 4, 5)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, ids.reshape(4, 5).astype(np.int64))


def test_outputs_that_are_not_per_pixel_labels_are_refused():
    with pytest.raises(trtcore.FormatError, match=r"m: output 'y' came back as int64 \[1, 2, 4, 4\]"):
        ti.labels_from_output(np.zeros((1, 2, 4, 4), np.int64), "m: output 'y'")
    with pytest.raises(trtcore.FormatError, match=r"came back as float64"):
        ti.labels_from_output(np.zeros((1, 2, 4, 4)), "m: output 'y'")
    with pytest.raises(trtcore.FormatError, match=r"came back as float32 \[2, 3, 4, 4\]"):
        ti.labels_from_output(np.zeros((2, 3, 4, 4), np.float32), "m: output 'y'")
    with pytest.raises(trtcore.FormatError, match="is 4x4 but the input was 8x8"):
        ti.labels_from_output(np.zeros((1, 3, 4, 4), np.float32), "m: output 'y'", 8, 8)
    with pytest.raises(trtcore.FormatError, match="class id 18446744073709551615 at pixel index 3"):
        ti.labels_from_output(np.array([[0, 1, 2, 2**64 - 1]], np.uint64)[None], "m: output 'y'")


def test_palette_object_colours_like_the_array_and_is_reused():
    labels = np.random.default_rng(5).integers(0, 21, (6, 7))
    pal = ti.Palette.guide(21, list(ti.GUIDE_PALETTE_BASE))
    np.testing.assert_array_equal(pal.colors, ti.palette(21))
    np.testing.assert_array_equal(ti.colorize(labels, pal), ti.palette(21)[labels])
    assert ti.as_palette(pal) is pal
    custom = np.arange(9, dtype=np.uint8).reshape(3, 3)
    np.testing.assert_array_equal(ti.colorize(labels % 3, custom), custom[labels % 3])
    with pytest.raises(trtcore.ArgumentError, match="palette: needs 1..65536 colours, got 0"):
        ti.Palette(np.zeros((0, 3), np.uint8))
