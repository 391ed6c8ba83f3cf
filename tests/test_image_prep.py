"""Images as users expect them: EXIF orientation, transparency on a background, the resize/crop policy (checked
against torchvision itself when it is installed), and the Classifier saying which policy it uses."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import trtcore.image as ti
from trtcore.errors import ArgumentError, FormatError, ShapeError
from trtcore.pipelines import (IMAGENET, IMAGENET_EVAL, STRETCH, UNIT, Classifier, ResizePlan, ResizePolicy,
                               Segmenter, plan_resize)
from trtcore.pipelines import image_prep

from _models import FLOAT, identity_logits, save, vi
from onnx import helper


def quadrants(h: int = 4, w: int = 6) -> np.ndarray:
    """An RGB picture whose every pixel is different, so any rotation or mirror shows."""
    return np.arange(h * w * 3, dtype=np.uint8).reshape(h, w, 3) * 3


# -- EXIF orientation -------------------------------------------------------------------------------------------
# EXIF orientation → what a viewer does to the stored pixels to show them upright
UPRIGHT = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: np.swapaxes(a, 0, 1),
    6: lambda a: np.rot90(a, k=-1),
    7: lambda a: np.swapaxes(a[::-1, ::-1], 0, 1),
    8: lambda a: np.rot90(a, k=1),
}


@pytest.mark.parametrize("orientation", sorted(UPRIGHT))
def test_exif_orientation_is_applied(tmp_path, orientation):
    stored = quadrants()
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"o{orientation}.png"
    Image.fromarray(stored).save(path, exif=exif)
    got = ti.read_image(path)
    np.testing.assert_array_equal(got, UPRIGHT[orientation](stored))
    assert image_prep.read_pixels(path)[0].shape == got.shape


def test_a_portrait_phone_jpeg_is_classified_upright(tmp_path):
    stored = np.zeros((30, 40, 3), np.uint8)
    stored[:, :20] = 250  # bright left half as stored; the phone was turned: upright it is the top half
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "phone.jpg"
    Image.fromarray(stored).save(path, exif=exif, quality=95)
    img = image_prep.load_image(path)
    assert img.shape == (40, 30, 3)
    assert img[:18].mean() > 240 and img[22:].mean() < 15


# -- transparency -----------------------------------------------------------------------------------------------
RGBA = np.array([[[10, 200, 30, 0], [255, 0, 0, 128], [0, 0, 255, 255]]], np.uint8)


def pillow_composite(rgba: np.ndarray, background: tuple[int, int, int]) -> np.ndarray:
    """Pillow's own alpha compositing: the reference."""
    fg = Image.fromarray(rgba, "RGBA")
    bg = Image.new("RGBA", fg.size, background + (255,))
    return np.asarray(Image.alpha_composite(bg, fg).convert("RGB")).astype(np.int64)


@pytest.mark.parametrize("background", [(255, 255, 255), (0, 0, 0), (0, 128, 255)])
def test_alpha_is_composited_on_the_background(tmp_path, background):
    path = tmp_path / "rgba.png"
    Image.fromarray(RGBA, "RGBA").save(path)
    got = ti.read_image(path, background=background)
    assert got.shape == (1, 3, 3)
    np.testing.assert_allclose(got.astype(np.int64), pillow_composite(RGBA, background), atol=1)
    assert got[0, 0].tolist() == list(background)  # fully transparent: the background, not the hidden colour
    assert got[0, 2].tolist() == [0, 0, 255]  # opaque: the colour
    np.testing.assert_array_equal(ti.read_image(path, background=None), RGBA)  # None keeps alpha


def test_default_background_is_white_and_arrays_are_composited_too(tmp_path):
    path = tmp_path / "rgba.png"
    Image.fromarray(RGBA, "RGBA").save(path)
    assert ti.BACKGROUND == (255, 255, 255)
    white = ti.read_image(path)
    assert white[0, 0].tolist() == [255, 255, 255]
    arr, maxval = image_prep.as_image(RGBA, background=(0, 0, 0))
    assert maxval == 255 and arr.shape == (1, 3, 3) and arr[0, 0].tolist() == [0, 0, 0]
    assert arr[0, 1].tolist() == [128, 0, 0]


def test_grey_with_alpha_stays_grey_on_grey_and_turns_rgb_on_colour(tmp_path):
    la = np.array([[[100, 0], [100, 255], [0, 51]]], np.uint8)
    path = tmp_path / "la.png"
    Image.fromarray(la, "LA").save(path)
    grey = ti.read_image(path, background=200)
    assert grey.shape == (1, 3, 1) and grey[:, :, 0].tolist() == [[200, 100, 160]]
    colour = ti.read_image(path, background=(255, 0, 0))
    assert colour.shape == (1, 3, 3) and colour[0, 0].tolist() == [255, 0, 0] and colour[0, 1].tolist() == [100] * 3


def test_palette_transparency_is_composited(tmp_path):
    pal = Image.new("P", (2, 1))
    pal.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    pal.putpixel((0, 0), 0)
    pal.putpixel((1, 0), 1)
    path = tmp_path / "pal.png"
    pal.save(path, transparency=0)
    assert ti.read_image(path, background=(0, 0, 255)).tolist() == [[[0, 0, 255], [0, 255, 0]]]


@pytest.mark.parametrize("bad", [(1, 2), (0, 0, 256), -1, "red", (1.5, 2, 3), True])
def test_bad_backgrounds_are_refused(bad):
    with pytest.raises(ArgumentError, match="background: expected one grey value or an R,G,B triple"):
        ti.background_rgb(bad)


def test_pipelines_composite_on_their_background(tmp_path):
    path = tmp_path / "rgba.png"
    Image.fromarray(RGBA, "RGBA").save(path)
    seg = Segmenter(identity_logits(tmp_path / "m.onnx"), backend="onnxruntime", preprocess=UNIT,
                    background=(0, 0, 0))
    # identity logits: the labels are the brightest channel of the composited picture
    np.testing.assert_array_equal(seg.segment(path), [[0, 0, 2]])  # black, (128, 0, 0), blue
    assert Segmenter(identity_logits(tmp_path / "m.onnx"), backend="onnxruntime", preprocess=UNIT,
                     background=(0, 255, 0)).segment(path).tolist() == [[1, 0, 2]]


# -- the resize/crop policy -------------------------------------------------------------------------------------
def test_imagenet_plan_matches_torchvisions_arithmetic_worked_by_hand():
    # 480x640: shorter side 256 → 256 x int(256 * 640 / 480) = 256 x 341; crop 224 at round(16.0), round(58.5)
    assert plan_resize(480, 640, IMAGENET_EVAL) == ResizePlan((256, 341), (16, 58, 224, 224), "bilinear", True)
    # portrait: the width is the shorter side
    assert plan_resize(1000, 257, IMAGENET_EVAL).resize == (996, 256)
    assert plan_resize(1000, 257, IMAGENET_EVAL).crop == (386, 16, 224, 224)
    assert plan_resize(224, 224, IMAGENET_EVAL).resize == (256, 256)  # small images are enlarged
    assert plan_resize(10, 12, STRETCH, (8, 8)) == ResizePlan((8, 8), (0, 0, 8, 8), "bilinear", True)
    assert plan_resize(10, 12, STRETCH).size == (10, 12)  # a dynamic model: nothing to do


def test_plans_that_cannot_fit_the_model_are_refused():
    with pytest.raises(ShapeError, match="crops 224x224 but the model takes 8x8"):
        plan_resize(100, 100, IMAGENET_EVAL, (8, 8))
    with pytest.raises(ShapeError, match="smaller than the 64x64 crop"):
        plan_resize(100, 300, ResizePolicy("small", shorter_side=32, crop=(64, 64)))
    with pytest.raises(ArgumentError, match="interpolation must be one of"):
        ResizePolicy(interpolation="lanczos")
    with pytest.raises(ArgumentError, match="crop must be"):
        ResizePolicy(crop=(224, 0))
    with pytest.raises(ArgumentError, match="resize must be one of stretch, imagenet"):
        image_prep.resize_policy("squash")


def test_the_policy_is_carried_out_at_the_images_own_depth():
    img16 = (np.arange(300 * 400 * 3, dtype=np.uint32) % 65536).astype(np.uint16).reshape(300, 400, 3)
    out = image_prep.apply_resize(img16, plan_resize(300, 400, IMAGENET_EVAL))
    assert out.shape == (224, 224, 3) and out.dtype == np.uint16 and out.max() > 255


def torchvision_or_skip():
    try:  # a broken torchvision (e.g. built for another torch) raises more than ImportError at import
        import torch  # noqa: F401
        from torchvision import transforms
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"torchvision not usable here: {type(e).__name__}: {e}")
    return transforms


@pytest.mark.parametrize("size", [(480, 640), (640, 480), (300, 300), (257, 1000), (1000, 257), (224, 224),
                                  (100, 150), (333, 500)])
def test_imagenet_eval_policy_equals_torchvision(size):
    transforms = torchvision_or_skip()
    rgb = np.random.default_rng(size[0] * size[1]).integers(0, 256, size + (3,), dtype=np.uint8)
    reference = transforms.Compose([transforms.Resize(256, interpolation=transforms.InterpolationMode.BILINEAR,
                                                      antialias=True), transforms.CenterCrop(224)])
    want = np.asarray(reference(Image.fromarray(rgb)))
    ours = image_prep.apply_resize(rgb, plan_resize(*size, IMAGENET_EVAL))
    np.testing.assert_array_equal(ours, want)


def test_classifier_imagenet_preprocessing_equals_torchvisions_preset(tmp_path):
    transforms = torchvision_or_skip()
    from torchvision.transforms._presets import ImageClassification

    rgb = np.random.default_rng(7).integers(0, 256, (375, 500, 3), dtype=np.uint8)
    path = tmp_path / "photo.png"
    Image.fromarray(rgb).save(path)
    want = ImageClassification(crop_size=224, resize_size=256)(Image.open(path)).numpy()
    clf = Classifier(mean_model(tmp_path / "m.onnx"), backend="onnxruntime", resize="imagenet")
    np.testing.assert_allclose(clf.preprocess_image(path), want, rtol=0, atol=1e-5)
    assert transforms is not None


def mean_model(path, h="h", w="w"):
    """A classifier stand-in: per-channel means of an NCHW image → [N, 3] scores."""
    return save(path, [helper.make_node("ReduceMean", ["input"], ["scores"], axes=[2, 3], keepdims=0)],
                [vi("input", FLOAT, ["n", 3, h, w])], [vi("scores", FLOAT, ["n", 3])])


def test_classifier_says_which_policy_it_uses_and_applies_it(tmp_path):
    model = mean_model(tmp_path / "m.onnx")
    assert Classifier(model).resize is STRETCH
    clf = Classifier(model, backend="onnxruntime", resize="imagenet")
    assert clf.resize is IMAGENET_EVAL and clf.resize.shorter_side == 256 and clf.resize.crop == (224, 224)
    assert "shorter side to 256, centre crop 224x224" in clf.resize.describe()
    rgb = np.random.default_rng(3).integers(0, 256, (300, 450, 3), dtype=np.uint8)
    x = clf.preprocess_image(rgb)
    by_hand = image_prep.apply_resize(rgb, plan_resize(300, 450, IMAGENET_EVAL))
    assert x.shape == (3, 224, 224)
    np.testing.assert_array_equal(x, IMAGENET.apply(by_hand))
    fixed = mean_model(tmp_path / "fixed.onnx", 8, 8)
    with pytest.raises(ShapeError, match="crops 224x224 but the model takes 8x8"):
        Classifier(fixed, backend="onnxruntime", resize="imagenet").predict(np.zeros((1, 3, 8, 8), np.float32))


def test_classify_reports_bad_images_and_goes_on(tmp_path):
    model = mean_model(tmp_path / "m.onnx", 8, 8)
    good = tmp_path / "good.png"
    Image.fromarray(np.full((8, 8, 3), 200, np.uint8)).save(good)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG not really")
    clf = Classifier(model, backend="onnxruntime")
    errors = []
    rows = clf.classify([good, bad, good], k=1, on_error=lambda item, e: errors.append((item, e)))
    assert rows[1] is None and rows[0] == rows[2] and rows[0][0].index in (0, 1, 2)
    assert [item for item, _ in errors] == [bad] and isinstance(errors[0][1], FormatError)
    with pytest.raises(FormatError, match="bad.png"):
        clf.classify([good, bad], k=1)


# -- one default normalization -----------------------------------------------------------------------------------
def test_pipelines_and_image_normalize_share_one_default(tmp_path):
    img = np.random.default_rng(5).integers(0, 256, (6, 7, 3), dtype=np.uint8)
    assert Classifier(mean_model(tmp_path / "m.onnx")).preprocess == IMAGENET
    seg = Segmenter(identity_logits(tmp_path / "seg.onnx"), backend="onnxruntime")
    assert seg.preprocess == IMAGENET
    np.testing.assert_array_equal(seg.preprocess.apply(img), ti.normalize(img))
    np.testing.assert_array_equal(seg.segment(img), np.argmax(ti.normalize(img), axis=0))
    assert not np.array_equal(np.argmax(ti.normalize(img), axis=0), np.argmax(UNIT.apply(img), axis=0))
