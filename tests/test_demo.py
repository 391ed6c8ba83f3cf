"""The bundled demo: models are small and meaningful, `trtcore demo` runs end to end, training is seeded."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from trtcore.cli import main
from trtcore.demo import DIGITS_MODEL, SHAPES_MODEL
from trtcore.demo.run import run_demo
from trtcore.pipelines import image_prep


def test_bundled_models_are_small():
    for model in (DIGITS_MODEL, SHAPES_MODEL):
        assert model.is_file() and model.stat().st_size < 3 * 2**20


def test_run_demo_scores_and_writes_images(tmp_path):
    result = run_demo(tmp_path / "out", backend="onnxruntime")
    assert result.digits_count == 100 and result.accuracy >= 0.95
    assert result.shapes_count == 8 and result.miou >= 0.85
    assert len(result.written) == 16
    for path in result.written:
        assert image_prep.load_image(path).shape == (64, 64, 3)


def test_cli_demo_prints_scores_and_paths(tmp_path, capsys):
    assert main(["demo", "-o", str(tmp_path / "d"), "--backend", "onnxruntime"]) == 0
    out = capsys.readouterr().out
    assert "top-1 accuracy" in out and "mIoU" in out and str(tmp_path / "d" / "shapes_0_overlay.ppm") in out


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="training needs pip install 'trtcore[train]'")
def test_training_reproduces_the_bundled_digits_model(tmp_path):
    import onnx

    from trtcore.demo import train
    from trtcore.demo.run import digit_samples
    from trtcore.pipelines import Classifier

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
        ours = [r[0].index for r in Classifier(tmp_path / "digits.onnx", backend="onnxruntime").classify(paths, 1)]
        theirs = [r[0].index for r in Classifier(DIGITS_MODEL, backend="onnxruntime").classify(paths, 1)]
        assert np.mean(np.array(ours) == np.array(theirs)) >= 0.95


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="training needs pip install 'trtcore[train]'")
def test_shapes_training_reaches_a_useful_miou(tmp_path):
    from trtcore.demo import train

    miou = train.train_shapes(tmp_path, train_images=60, per_image=400)
    assert miou >= 0.8
    img, labels = train.make_shapes(np.random.default_rng(0))
    assert img.shape == (64, 64, 3) and set(np.unique(labels)) <= {0, 1, 2, 3} and len(np.unique(labels)) >= 2
