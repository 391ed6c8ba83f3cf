"""The bundled demo: models are small and meaningful, `trtcore demo` runs end to end, training is seeded."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from trtcore.cli import main
from trtcore.demo import DIGITS_MODEL, SHAPES_CLASSES, SHAPES_MODEL, SHAPES_TEST_IMAGES
from trtcore.demo.run import run_demo, shape_samples
from trtcore.pipelines import Segmenter, image_prep


def test_bundled_models_are_small():
    for model in (DIGITS_MODEL, SHAPES_MODEL):
        assert model.is_file() and model.stat().st_size < 3 * 2**20


def test_run_demo_scores_and_writes_images(tmp_path):
    result = run_demo(tmp_path / "out", backend="onnxruntime", photo=None)
    assert result.digits_count == 100 and result.accuracy >= 0.95
    assert result.shapes_count == SHAPES_TEST_IMAGES and result.miou >= 0.65
    assert set(result.class_iou) == set(SHAPES_CLASSES) and min(result.class_iou.values()) >= 0.4
    assert result.miou == pytest.approx(np.mean(list(result.class_iou.values())))
    assert len(result.written) == 2 * SHAPES_TEST_IMAGES and result.photo is None
    for path in result.written:
        assert image_prep.load_image(path).shape == (64, 64, 3)


def test_class_is_not_given_away_by_colour():
    """The held-out pictures: the classes' colours overlap, so only shape tells them apart."""
    colours = {c: [] for c in range(1, len(SHAPES_CLASSES))}
    for image, truth in shape_samples():
        img, lab = image_prep.load_image(image), image_prep.load_image(truth)[:, :, 0]
        for c, seen in colours.items():
            if (lab == c).any():
                seen.append(img[lab == c].mean(axis=0))
    spread = [np.ptp(np.array(v), axis=0).min() for v in colours.values()]
    assert all(len(v) >= 3 for v in colours.values()) and min(spread) > 100  # each class spans the colour range


def test_cli_demo_prints_scores_and_paths(tmp_path, capsys):
    assert main(["demo", "-o", str(tmp_path / "d"), "--backend", "onnxruntime", "--photo", "none"]) == 0
    out = capsys.readouterr().out
    assert "top-1 accuracy" in out and "mIoU" in out and str(tmp_path / "d" / "shapes_0.overlay.ppm") in out
    assert "IoU per class: background 0." in out and "triangle 0." in out


@pytest.mark.skipif(importlib.util.find_spec("skimage") is None, reason="needs pip install 'trtcore[photos]'")
def test_demo_segments_a_real_photograph_in_the_guides_flow(tmp_path, capsys):
    from skimage import data

    import trtcore.image as ti

    assert main(["demo", "-o", str(tmp_path / "d"), "--backend", "onnxruntime", "--photo", "coffee"]) == 0
    out = capsys.readouterr().out
    folder = tmp_path / "d"
    assert "scikit-image's coffee (600x400), coffee.input.ppm -> coffee.output.ppm" in out
    np.testing.assert_array_equal(ti.read_image(folder / "coffee.input.ppm"), data.coffee())
    # output.ppm is the guide's palette image of the labels the segmenter gives for input.ppm
    labels = Segmenter(SHAPES_MODEL, backend="onnxruntime").segment(folder / "coffee.input.ppm")
    np.testing.assert_array_equal(ti.read_image(folder / "coffee.output.ppm"), ti.palette(4)[labels])
    for name in ("coffee.input.png", "coffee.output.png", "coffee.overlay.png"):
        assert str(folder / name) in out and image_prep.load_image(folder / name).shape == (400, 600, 3)
    assert len(np.unique(labels)) >= 2  # a real picture is not one class


def test_demo_without_scikit_image_says_how_to_get_the_photo(tmp_path, capsys, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_skimage(name, *args, **kw):
        if name == "skimage" or name.startswith("skimage."):
            raise ImportError("No module named 'skimage'")
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_skimage)
    assert main(["demo", "-o", str(tmp_path / "d"), "--backend", "onnxruntime"]) == 0
    out = capsys.readouterr().out
    assert "photo   skipped: " in out and "pip install 'trtcore[photos]'" in out


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="training needs pip install 'trtcore[train]'")
def test_training_reproduces_the_bundled_digits_model(tmp_path):
    import onnx

    from trtcore.demo import train
    from trtcore.demo.run import digit_samples
    from trtcore.pipelines import UNIT, Classifier

    acc = train.train_digits(tmp_path)
    assert acc >= 0.95
    bundled = DIGITS_MODEL.parent / "digits"
    for name in ("digit_000.pgm", "digit_057.pgm", "digit_099.pgm", "labels.txt"):  # same held-out split
        assert (tmp_path / "digits" / name).read_bytes() == (bundled / name).read_bytes()
    props = {p.key: p.value for p in onnx.load(str(DIGITS_MODEL)).metadata_props}
    if props.get("trained_with") == train.trained_with():  # same libraries: bit-identical (seeded) training
        assert (tmp_path / "digits.onnx").read_bytes() == DIGITS_MODEL.read_bytes()
    else:  # other library versions: the same answers on the held-out set
        paths, _ = digit_samples()
        ours = [r[0].index for r in Classifier(tmp_path / "digits.onnx", backend="onnxruntime", preprocess=UNIT)
                .classify(paths, 1)]
        theirs = [r[0].index for r in Classifier(DIGITS_MODEL, backend="onnxruntime", preprocess=UNIT)
                  .classify(paths, 1)]
        assert np.mean(np.array(ours) == np.array(theirs)) >= 0.95


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="training needs pip install 'trtcore[train]'")
def test_shapes_training_learns_shape_and_the_graph_computes_the_same_features(tmp_path):
    from trtcore.demo import train

    miou = train.train_shapes(tmp_path, train_images=40, per_image=400, max_iter=12, hidden=24)
    assert miou >= 0.45  # chance (everything background) is about 0.2
    img, labels = train.make_shapes(np.random.default_rng(0))
    assert img.shape == (64, 64, 3) and set(np.unique(labels)) <= {0, 1, 2, 3} and len(np.unique(labels)) >= 2
    # the ONNX feature layers equal the numpy features the MLP was trained on
    import onnx
    from onnx import helper

    model = onnx.load(str(tmp_path / "shapes.onnx"))
    model.graph.output.append(helper.make_tensor_value_info("features", onnx.TensorProto.FLOAT, None))
    from trtcore.runners import OnnxRuntimeRunner

    (tmp_path / "features.onnx").write_bytes(model.SerializeToString())
    with OnnxRuntimeRunner(tmp_path / "features.onnx") as r:
        from trtcore.pipelines import IMAGENET

        got = r.infer({"input": IMAGENET.apply(img)[None]})["features"][0].transpose(1, 2, 0)
    np.testing.assert_allclose(got, train.shape_features(img), atol=1e-5)
