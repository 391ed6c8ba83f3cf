"""The C++ CPU bilinear resize (cpp/image/resize.h) against Pillow's Image.resize(BILINEAR) on uint8 (bit-exact:
the plan copies Pillow's coefficients, passes and skip rules), the C++ overlay against the numpy expression it
replaced, and the torchvision ImageNet eval-transform geometry against torchvision (when importable). No GPU: the
GPU twins are compared with these in tests/test_image_cuda.py."""

from __future__ import annotations

import numpy as np
import pytest

from trtcore import _testing
from trtcore.errors import ArgumentError, DTypeError, ShapeError
from trtcore.pipelines import image_prep

Image = pytest.importorskip("PIL.Image")
BILINEAR = Image.Resampling.BILINEAR
# Pillow 12.2 started resizing images over 100 times taller than wide vertically first; the plan follows either.
TALL_FIRST = tuple(int(p) for p in Image.__version__.split(".")[:2]) >= (12, 2)


def ours(image: np.ndarray, height: int, width: int, box=None) -> np.ndarray:
    """The C++ CPU resize, in the installed Pillow's order."""
    return _testing.resize(image, height, width, box, tall_vertical_first=TALL_FIRST)


def pillow_resize(image: np.ndarray, height: int, width: int, box=None) -> np.ndarray:
    """Pillow's answer: RGB images as RGB, anything else plane by plane in mode "L" (what resize_image does)."""
    if image.ndim == 3 and image.shape[2] == 3:
        return np.asarray(Image.fromarray(image).resize((width, height), BILINEAR, box=box))
    planes = image[:, :, None] if image.ndim == 2 else image
    out = [np.asarray(Image.fromarray(np.ascontiguousarray(planes[:, :, c])).resize((width, height), BILINEAR,
                                                                                    box=box))
           for c in range(planes.shape[2])]
    stacked = np.stack(out, axis=2)
    return stacked[:, :, 0] if image.ndim == 2 else stacked


def random_image(rng, height, width, channels=3):
    shape = (height, width) if channels == 0 else (height, width, channels)
    return rng.integers(0, 256, shape, dtype=np.uint8)


def random_box(rng, height, width):
    x0, x1 = sorted(rng.uniform(0, width, 2))
    y0, y1 = sorted(rng.uniform(0, height, 2))
    if x1 - x0 < 0.01:
        x0, x1 = 0.0, float(width)
    if y1 - y0 < 0.01:
        y0, y1 = 0.0, float(height)
    return (float(x0), float(y0), float(x1), float(y1))


SIZES = [  # (in h, in w, out h, out w): down, up, mixed, 1 pixel, odd, large factors
    (1, 1, 1, 1), (1, 1, 5, 7), (7, 5, 1, 1), (2, 3, 3, 2), (17, 31, 8, 15), (8, 15, 17, 31), (64, 48, 224, 224),
    (480, 640, 224, 224), (375, 500, 256, 341), (33, 1, 11, 4), (1, 40, 3, 13), (100, 100, 3, 97), (9, 250, 9, 3),
    (250, 9, 250, 3), (1026, 1282, 512, 1024), (31, 29, 31, 29), (5, 5, 4, 6),
]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("channels", [3, 1, 0, 4])
def test_resize_equals_pillow(size, channels):
    h, w, oh, ow = size
    rng = np.random.default_rng(h * 1000 + w + channels)
    img = random_image(rng, h, w, channels)
    got = ours(img, oh, ow)
    np.testing.assert_array_equal(got, pillow_resize(img, oh, ow))
    assert got.shape == ((oh, ow) if channels == 0 else (oh, ow, channels))


def test_resize_equals_pillow_on_many_random_sizes():
    rng = np.random.default_rng(7)
    for _ in range(150):
        h, w, oh, ow = (int(v) for v in rng.integers(1, 70, 4))
        img = random_image(rng, h, w)
        np.testing.assert_array_equal(ours(img, oh, ow), pillow_resize(img, oh, ow), err_msg=f"{h, w, oh, ow}")


def test_resize_with_boxes_equals_pillow():
    rng = np.random.default_rng(11)
    for _ in range(150):
        h, w, oh, ow = (int(v) for v in rng.integers(1, 60, 4))
        img = random_image(rng, h, w)
        box = random_box(rng, h, w)
        np.testing.assert_array_equal(ours(img, oh, ow, box), pillow_resize(img, oh, ow, box),
                                      err_msg=f"{h, w, oh, ow, box}")


@pytest.mark.parametrize("box", [(2, 3, 12, 9), (0, 0, 10, 6), (1, 1, 11, 7)])
def test_integer_boxes_of_the_output_size_crop_as_pillow_does(box):
    img = random_image(np.random.default_rng(3), 12, 16)
    oh, ow = int(box[3] - box[1]), int(box[2] - box[0])
    got = ours(img, oh, ow, box)
    np.testing.assert_array_equal(got, pillow_resize(img, oh, ow, box))
    np.testing.assert_array_equal(got, img[box[1]:box[3], box[0]:box[2]])


def test_same_size_is_a_copy_and_has_no_passes():
    img = random_image(np.random.default_rng(4), 9, 13)
    np.testing.assert_array_equal(_testing.resize(img, 9, 13), img)
    assert _testing.resize_passes(9, 13, 3, 9, 13) == []


def test_pass_order_follows_pillow():
    # Ordinary images: horizontal first, on only the rows the vertical pass reads.
    passes = _testing.resize_passes(100, 80, 3, 10, 20, (0, 50, 80, 60))
    assert [p["horizontal"] for p in passes] == [True, False]
    assert passes[0]["row_offset"] > 0 and passes[0]["out_shape"][0] < 100
    # Width unchanged: one vertical pass; height unchanged: one horizontal pass.
    assert [p["horizontal"] for p in _testing.resize_passes(50, 40, 1, 20, 40)] == [False]
    assert [p["horizontal"] for p in _testing.resize_passes(50, 40, 1, 50, 10)] == [True]
    # Image.resize's rule for images over 100 times taller than wide: vertical first.
    assert [p["horizontal"] for p in _testing.resize_passes(500, 4, 1, 50, 3)] == [False, True]
    # ... and Pillow before 12.2's single call
    assert [p["horizontal"] for p in _testing.resize_passes(500, 4, 1, 50, 3, tall_vertical_first=False)] == \
        [True, False]


def test_the_two_orders_for_tall_images_round_differently():
    img = random_image(np.random.default_rng(12), 1000, 3)
    new, old = (_testing.resize(img, 99, 2, tall_vertical_first=f) for f in (True, False))
    assert new.shape == old.shape == (99, 2, 3)
    assert np.abs(new.astype(int) - old.astype(int)).max() <= 1 and np.any(new != old)


def test_fixed_point_weights_sum_to_one():
    for p in _testing.resize_passes(97, 211, 3, 13, 300):
        sums = p["weights"].astype(np.int64).sum(axis=1)
        assert np.all(np.abs(sums - (1 << 22)) <= p["weights"].shape[1]), sums
        assert all(c >= 1 for c in p["count"])


def test_very_tall_images_equal_pillow():
    rng = np.random.default_rng(5)
    for h, w, oh, ow in [(500, 4, 50, 3), (303, 3, 7, 5), (1000, 2, 999, 2), (202, 2, 10, 9)]:
        img = random_image(rng, h, w)
        np.testing.assert_array_equal(ours(img, oh, ow), pillow_resize(img, oh, ow))
        box = (0.5, 10.25, float(w) - 0.5, float(h) - 3.75)
        np.testing.assert_array_equal(ours(img, oh, ow, box), pillow_resize(img, oh, ow, box))


def random_crop(rng, height, width):
    h, w = int(rng.integers(1, height + 1)), int(rng.integers(1, width + 1))
    return int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1)), h, w


@pytest.mark.parametrize("tall_first", [True, False])
def test_a_cut_plan_computes_the_crop_of_the_full_resize(tall_first):
    rng = np.random.default_rng(13)
    sizes = [tuple(int(v) for v in rng.integers(1, 50, 4)) for _ in range(120)]
    sizes += [(500, 4, 50, 3), (303, 3, 7, 5), (250, 2, 250, 9), (40, 30, 40, 30), (1, 1, 4, 4), (9, 9, 9, 4)]
    for h, w, oh, ow in sizes:
        img = random_image(rng, h, w, int(rng.choice([0, 1, 3])))
        box = random_box(rng, h, w) if rng.random() < 0.3 else None
        top, left, ch, cw = random_crop(rng, oh, ow)
        full = _testing.resize(img, oh, ow, box, tall_vertical_first=tall_first)
        cut = _testing.resize(img, oh, ow, box, tall_vertical_first=tall_first, crop=(top, left, ch, cw))
        np.testing.assert_array_equal(cut, full[top:top + ch, left:left + cw], err_msg=f"{h, w, oh, ow, box}")


def test_a_crop_outside_the_result_is_refused():
    img = np.zeros((6, 8, 3), np.uint8)
    for crop in [(0, 0, 0, 2), (2, 0, 3, 2), (0, 3, 2, 3), (0, 0, 1)]:
        with pytest.raises(ArgumentError, match="crop"):
            _testing.resize(img, 4, 5, crop=crop)


def visible(eval_plan):
    """The part of the resized image a (possibly padded) center crop shows, as slices."""
    (rh, rw), (top, left, ch, cw) = eval_plan["resize"], eval_plan["crop"]
    return slice(max(top, 0), min(top + ch, rh)), slice(max(left, 0), min(left + cw, rw))


def test_eval_resize_is_pillow_resize_then_center_crop():
    rng = np.random.default_rng(14)
    cases = [(375, 500, 256, 224), (480, 640, 256, 224), (224, 224, 256, 224), (31, 17, 20, 24), (5, 700, 3, 2),
             (700, 5, 8, 8), (1, 1, 3, 2)]
    cases += [tuple(int(v) for v in rng.integers(1, 300, 2)) + (int(rng.integers(1, 120)), int(rng.integers(1, 120)))
              for _ in range(30)]
    for h, w, s, c in cases:
        img = random_image(rng, h, w)
        p = _testing.eval_transform_plan(h, w, s, c)
        rows, cols = visible(p)
        want = pillow_resize(img, *p["resize"])[rows, cols]
        np.testing.assert_array_equal(_testing.eval_resize(img, s, c, tall_vertical_first=TALL_FIRST), want,
                                      err_msg=f"{h, w, s, c}")


def test_eval_resize_equals_torchvision_on_pil_images():
    T = pytest.importorskip("torchvision.transforms")
    rng = np.random.default_rng(15)
    for h, w, s, c in [(375, 500, 256, 224), (480, 640, 256, 224), (300, 301, 299, 299), (60, 40, 32, 40)]:
        img = random_image(rng, h, w)
        ref = np.asarray(T.Compose([T.Resize(s), T.CenterCrop(c)])(Image.fromarray(img)))
        p = _testing.eval_transform_plan(h, w, s, c)
        rows, cols = visible(p)
        top, left = max(0, -p["crop"][0]), max(0, -p["crop"][1])
        ours_ = _testing.eval_resize(img, s, c, tall_vertical_first=TALL_FIRST)
        assert ref.shape == (c, c, 3)
        np.testing.assert_array_equal(ref[top:top + ours_.shape[0], left:left + ours_.shape[1]], ours_)


def test_resize_image_of_the_pipelines_is_what_the_cpp_resize_computes():
    img = random_image(np.random.default_rng(6), 123, 77)
    np.testing.assert_array_equal(ours(img, 50, 64), image_prep.resize_image(img, 50, 64))


def test_constant_images_stay_constant():
    for value in (0, 1, 128, 255):
        img = np.full((37, 23, 3), value, np.uint8)
        assert np.all(_testing.resize(img, 11, 51) == value)


@pytest.mark.parametrize("call, error, text", [
    (lambda img: _testing.resize(img, 0, 5), ArgumentError, "at least 1x1"),
    (lambda img: _testing.resize(img, 5, 5, (-1, 0, 4, 4)), ArgumentError, "negative"),
    (lambda img: _testing.resize(img, 5, 5, (0, 0, 9, 4)), ArgumentError, "exceed"),
    (lambda img: _testing.resize(img, 5, 5, (3, 0, 2, 4)), ArgumentError, "empty"),
    (lambda img: _testing.resize(img, 5, 5, (0, 0, 1)), ArgumentError, "x0, y0, x1, y1"),
    (lambda img: _testing.resize(img.astype(np.uint16), 5, 5), DTypeError, "uint8"),
    (lambda img: _testing.resize(img[None], 5, 5), ShapeError, "[H, W, C]"),
    (lambda img: _testing.resize(img[:, ::2], 5, 5), ArgumentError, "C-contiguous"),
])
def test_resize_bad_input(call, error, text):
    with pytest.raises(error, match=__import__("re").escape(text)):
        call(np.zeros((6, 8, 3), np.uint8))


# --- overlay: the C++ blend is the numpy expression it replaced ---------------------------------------------

def numpy_overlay(image, colored, alpha):
    base = image.astype(np.float32)
    return np.clip((1 - alpha) * base + alpha * colored.astype(np.float32) + 0.5, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("alpha", [0.0, 1.0, 0.5, 0.25, 0.3, 0.7, 1 / 3, 0.123456789])
def test_overlay_equals_numpy(alpha):
    rng = np.random.default_rng(int(alpha * 1000))
    # every (image, colour) pair of values once, plus random pixels
    a, b = np.meshgrid(np.arange(256, dtype=np.uint8), np.arange(256, dtype=np.uint8))
    image = np.stack([a, b, a], axis=2)
    colored = np.stack([b, a, rng.integers(0, 256, a.shape, dtype=np.uint8)], axis=2)
    np.testing.assert_array_equal(image_prep.overlay(image, colored, alpha), numpy_overlay(image, colored, alpha))


def test_overlay_of_grey_and_uint16_images_equals_numpy():
    rng = np.random.default_rng(1)
    grey = rng.integers(0, 256, (5, 7, 1), dtype=np.uint8)
    colored = rng.integers(0, 256, (5, 7, 3), dtype=np.uint8)
    np.testing.assert_array_equal(image_prep.overlay(grey, colored, 0.4),
                                  numpy_overlay(np.repeat(grey, 3, axis=2), colored, 0.4))
    deep = rng.integers(0, 65536, (5, 7, 3), dtype=np.uint16)
    np.testing.assert_array_equal(image_prep.overlay(deep, colored, 0.6), numpy_overlay(deep, colored, 0.6))


def test_overlay_bad_input():
    img = np.zeros((2, 2, 3), np.uint8)
    with pytest.raises(ArgumentError, match="alpha"):
        image_prep.overlay(img, img, 1.5)
    with pytest.raises(ShapeError, match="differ"):
        image_prep.overlay(img, np.zeros((2, 3, 3), np.uint8))
    with pytest.raises(DTypeError, match="uint8"):
        image_prep.overlay(img.astype(np.float32), img)
    with pytest.raises(DTypeError, match="colour image"):
        image_prep.overlay(img, img.astype(np.int64))


# --- the torchvision ImageNet eval transform: Resize(S) then CenterCrop(C) -----------------------------------

def test_eval_plan_rounds_like_torchvision():
    # 500 x 375 (w x h): short side 375 -> 256, long int(256 * 500 / 375) = int(341.33) = 341.
    p = _testing.eval_transform_plan(375, 500, 256, 224)
    assert p["resize"] == (256, 341)
    # top = round((256 - 224) / 2) = 16; left = round((341 - 224) / 2) = round(58.5) = 58 (half to even)
    assert p["crop"] == (16, 58, 224, 224)
    # 59.5 rounds to 60: width 343
    assert _testing.eval_transform_plan(256, 343, 256, 224)["crop"] == (16, 60, 224, 224)
    # portrait: the width is the short side
    assert _testing.eval_transform_plan(640, 480, 256, 224)["resize"] == (341, 256)
    # a crop larger than the image pads: the floor half of the padding before
    assert _testing.eval_transform_plan(100, 100, 100, 105)["crop"] == (-2, -2, 105, 105)


def test_eval_plan_bad_input():
    with pytest.raises(ArgumentError, match="positive"):
        _testing.eval_transform_plan(0, 10, 256, 224)
    with pytest.raises(ArgumentError, match="positive"):
        _testing.eval_transform_plan(10, 10, 256, 0)


def torchvision_plan(torch, F, height, width, resize_size, crop_size):
    resized = F.resize(torch.zeros(1, height, width), [resize_size], antialias=True)
    rh, rw = resized.shape[-2:]
    coded = (torch.arange(rh * rw, dtype=torch.float64) + 1).reshape(1, rh, rw)
    crop = F.center_crop(coded, [crop_size])[0]
    i, j = (int(v) for v in torch.nonzero(crop)[0])
    at = int(crop[i, j]) - 1
    return (rh, rw), (at // rw - i, at % rw - j, crop_size, crop_size)


def test_eval_plan_equals_torchvision():
    torch = pytest.importorskip("torch")
    F = pytest.importorskip("torchvision.transforms.functional")
    rng = np.random.default_rng(2)
    cases = [(375, 500, 256, 224), (500, 375, 256, 224), (224, 224, 256, 224), (1, 1, 8, 4), (7, 1000, 32, 40),
             (1026, 1282, 256, 224), (257, 343, 256, 224), (300, 301, 299, 299)]
    cases += [tuple(int(v) for v in rng.integers(1, 700, 2)) + (int(rng.integers(1, 300)), int(rng.integers(1, 300)))
              for _ in range(40)]
    for h, w, s, c in cases:
        want = torchvision_plan(torch, F, h, w, s, c)
        p = _testing.eval_transform_plan(h, w, s, c)
        assert (p["resize"], p["crop"]) == want, (h, w, s, c)
