"""Segmenter: logits and label outputs, size policies, colour output, bad models and files."""

from __future__ import annotations

import numpy as np
import pytest

from trtcore.demo import SHAPES_CLASSES, SHAPES_MODEL, SHAPES_TEST_IMAGES
from trtcore.demo.run import shape_samples
from trtcore.errors import ArgumentError, FileError, FormatError, ShapeError
from trtcore.pipelines import UNIT, Segmenter, mean_iou
from trtcore import image as ti
from trtcore.pipelines import image_prep
from trtcore.pipelines.segment import resize_labels

from _models import downsampling, identity_logits, linear, one_channel_logits, pooled


def picture(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


def brightest_channel(img: np.ndarray) -> np.ndarray:
    return np.argmax(img.astype(np.int64), axis=2)


@pytest.mark.parametrize("kind", ["logits", "labels"])
def test_logits_and_argmax_label_models_give_the_same_labels(tmp_path, kind):
    model = identity_logits(tmp_path / f"{kind}.onnx", out_dtype=kind)
    img = picture(10, 14)
    labels = Segmenter(model, backend="onnxruntime", preprocess=UNIT).segment(img)
    assert labels.shape == (10, 14) and labels.dtype == np.int64
    np.testing.assert_array_equal(labels, brightest_channel(img))


def test_demo_segmenter_is_accurate_on_held_out_pictures():
    seg = Segmenter(SHAPES_MODEL, num_classes=len(SHAPES_CLASSES), backend="onnxruntime")
    ious = []
    for image, truth in shape_samples():
        labels = seg.segment(image)
        gt = image_prep.load_image(truth)[:, :, 0].astype(np.int64)
        assert labels.shape == gt.shape
        ious.append(mean_iou(labels, gt, len(SHAPES_CLASSES)))
    # class by shape only (random colours, stripes, overlaps): far above chance (about 0.2), far from perfect
    assert len(ious) == SHAPES_TEST_IMAGES and np.mean(ious) >= 0.55


def test_size_mismatch_is_an_error_by_default(tmp_path):
    model = identity_logits(tmp_path / "fixed.onnx", h=8, w=8)
    with pytest.raises(ShapeError, match=r"image is 10x12 \(HxW\) but the model takes 8x8; choose "
                                         r"size_policy='resize' or 'pad'"):
        Segmenter(model, backend="onnxruntime").segment(picture(10, 12))


def test_resize_policy_returns_labels_at_the_image_size(tmp_path):
    model = identity_logits(tmp_path / "fixed.onnx", h=8, w=8)
    img = np.zeros((16, 24, 3), np.uint8)
    img[:, :12, 0] = 200  # left half red, right half blue
    img[:, 12:, 2] = 200
    labels = Segmenter(model, size_policy="resize", backend="onnxruntime",
                       preprocess=UNIT).segment(img)
    assert labels.shape == (16, 24)
    assert (labels[:, :10] == 0).all() and (labels[:, 14:] == 2).all()


def test_pad_policy_crops_back_and_rejects_larger_images(tmp_path):
    model = identity_logits(tmp_path / "fixed.onnx", h=8, w=8)
    seg = Segmenter(model, size_policy="pad", backend="onnxruntime", preprocess=UNIT)
    img = picture(6, 5, seed=3)
    np.testing.assert_array_equal(seg.segment(img), brightest_channel(img))
    with pytest.raises(ShapeError, match="larger than the model's input 8x8"):
        seg.segment(picture(9, 8))


def test_models_with_unexpected_outputs(tmp_path):
    with pytest.raises(FormatError, match=r"input 'x' has shape \(batch, 6\); images need an NCHW input"):
        Segmenter(linear(tmp_path / "lin.onnx"), backend="onnxruntime").segment(picture(4, 4))
    with pytest.raises(FormatError, match=r"output 'scores' is float32 \(1, 3\); a segmenter needs float logits"):
        Segmenter(pooled(tmp_path / "pool.onnx"), backend="onnxruntime").segment(picture(8, 8))
    with pytest.raises(FormatError, match="output 'logits' is 4x4 but the input was 8x8"):
        Segmenter(downsampling(tmp_path / "down.onnx"), backend="onnxruntime").segment(picture(8, 8))
    with pytest.raises(FormatError, match=r"output 'logits' is float \(1, 1, 8, 8\) with one channel"):
        Segmenter(one_channel_logits(tmp_path / "one.onnx"), backend="onnxruntime").segment(picture(8, 8))


@pytest.mark.parametrize(("maxval", "dtype"), [(15, np.uint8), (1023, np.uint16), (255, np.uint8)])
def test_images_are_scaled_by_their_files_maxval(tmp_path, maxval, dtype):
    from trtcore import image

    rng = np.random.default_rng(maxval)
    raw = rng.integers(0, maxval + 1, (5, 7, 3)).astype(dtype)
    raw[0, 0] = maxval  # full scale must come out as 255
    path = tmp_path / "img.ppm"
    image.write_image(path, raw, maxval=maxval)
    got = image_prep.load_image(path)
    assert got.dtype == np.uint8 and got[0, 0].tolist() == [255, 255, 255]
    np.testing.assert_array_equal(got, np.floor(raw.astype(np.float64) * 255 / maxval + 0.5).astype(np.uint8))


def test_a_two_dimensional_grey_array_is_one_image(tmp_path):
    from trtcore.pipelines.image_prep import image_list

    grey = np.zeros((4, 6), np.uint8)
    assert len(image_list(grey)) == 1 and image_list(grey)[0] is grey


def test_bad_arguments_and_files(tmp_path):
    model = identity_logits(tmp_path / "m.onnx")
    with pytest.raises(ArgumentError, match="size_policy must be one of error, resize, pad"):
        Segmenter(model, size_policy="stretch")
    seg = Segmenter(model, backend="onnxruntime")
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    with pytest.raises(FormatError, match=r"unsupported image type '.txt'"):
        seg.segment(notes)
    with pytest.raises(FileError, match="no such image file"):
        seg.segment(tmp_path / "absent.ppm")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    with pytest.raises(FormatError, match="broken.png"):
        seg.segment(broken)
    with pytest.raises(ArgumentError, match="HWC uint8"):
        seg.segment(np.zeros((4, 4, 3), np.float32))


@pytest.mark.parametrize("suffix", [".ppm", ".png"])
def test_colorize_overlay_and_save(tmp_path, suffix):
    model = identity_logits(tmp_path / "m.onnx")
    seg = Segmenter(model, num_classes=3, backend="onnxruntime")
    img = picture(6, 7, seed=5)
    labels = seg.segment(img)
    colours = seg.colorize(labels)
    palette = ti.palette(3)
    np.testing.assert_array_equal(colours, palette[labels])
    assert len({tuple(c) for c in palette}) == 3  # distinct colours per class
    out = seg.save(tmp_path / f"labels{suffix}", labels)
    np.testing.assert_array_equal(image_prep.load_image(out), colours)
    over = image_prep.load_image(seg.save(tmp_path / f"overlay{suffix}", labels, image=img, alpha=0.25))
    expected = np.clip(0.75 * img + 0.25 * colours.astype(np.float32) + 0.5, 0, 255).astype(np.uint8)
    np.testing.assert_allclose(over.astype(int), expected.astype(int), atol=1)
    with pytest.raises(ArgumentError, match="alpha must be in"):
        seg.overlay(img, labels, alpha=2)


def test_resize_labels_and_mean_iou():
    assert resize_labels(np.array([[0, 1], [2, 3]]), 4, 4).tolist() == [[0, 0, 1, 1], [0, 0, 1, 1],
                                                                       [2, 2, 3, 3], [2, 2, 3, 3]]
    truth = np.array([0, 0, 1, 1])
    assert mean_iou(np.array([0, 0, 1, 0]), truth, 2) == pytest.approx((2 / 3 + 1 / 2) / 2)
