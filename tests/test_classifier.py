"""Classifier: any batch size, fixed-batch models, softmax, top-k, labels, images, bad models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from trtcore.demo import DATA, DIGITS_MODEL
from trtcore.demo.run import digit_samples
from trtcore.errors import ArgumentError, FileError, FormatError, ShapeError
from trtcore.pipelines import UNIT, Classifier, Prediction, read_labels
from trtcore.pipelines.image_prep import save_image
from trtcore.runners import OnnxRuntimeRunner

from _models import FLOAT, add_one, linear, save, two_inputs, vi
from onnx import helper


def reference(model: Path, x: np.ndarray) -> np.ndarray:
    with OnnxRuntimeRunner(model) as r:
        return r.infer({r.inputs[0].name: x})[r.outputs[0].name]


@pytest.mark.parametrize("n", [1, 5, 70])
def test_predict_returns_one_row_per_sample(n):
    x = np.random.default_rng(n).random((n, 1, 8, 8), dtype=np.float32)
    scores = Classifier(DIGITS_MODEL, backend="onnxruntime").predict(x)
    assert scores.shape == (n, 10)
    np.testing.assert_allclose(scores, reference(DIGITS_MODEL, x), rtol=1e-6)


@pytest.mark.parametrize("n", [1, 4, 10])
def test_fixed_batch_model_takes_any_batch(tmp_path, n):
    model = linear(tmp_path / "b4.onnx", batch=4)
    x = np.random.default_rng(0).random((n, 6), dtype=np.float32)
    scores = Classifier(model, backend="onnxruntime").predict(x)
    assert scores.shape == (n, 5)
    expected = np.concatenate([reference(model, np.tile(row, (4, 1)))[:1] for row in x])
    np.testing.assert_allclose(scores, expected, rtol=1e-5)


def test_model_loads_on_first_predict():
    clf = Classifier(DIGITS_MODEL, backend="onnxruntime")
    assert clf._runner is None
    clf.predict(np.zeros((1, 1, 8, 8), np.float32))
    assert clf._runner is not None and clf.num_classes == 10


def test_softmax_target_dtype_and_top_k_with_labels():
    x = np.random.default_rng(1).random((3, 1, 8, 8), dtype=np.float32)
    labels = [f"digit {i}" for i in range(10)]
    clf = Classifier(DIGITS_MODEL, np.float16, labels=labels, softmax=True, backend="onnxruntime")
    probs = clf.predict(x)
    assert probs.dtype == np.float16
    np.testing.assert_allclose(probs.astype(np.float32).sum(axis=1), 1.0, atol=2e-3)
    logits = reference(DIGITS_MODEL, x)
    top = clf.top_k(x, k=3)
    assert len(top) == 3 and all(len(row) == 3 for row in top)
    for row, lg in zip(top, logits):
        assert [p.index for p in row] == list(np.argsort(-lg)[:3])
        assert row[0].label == f"digit {row[0].index}"
        assert row[0].score >= row[1].score >= row[2].score
    assert len(clf.top_k(x, k=50)[0]) == 10  # k beyond the classes is clipped
    with pytest.raises(ArgumentError, match="k must be a positive integer"):
        clf.top_k(x, k=0)


def test_labels_file_of_the_wrong_length(tmp_path):
    path = tmp_path / "labels.txt"
    path.write_text("\n".join(str(i) for i in range(9)) + "\n\n")
    assert len(read_labels(path)) == 9
    clf = Classifier(DIGITS_MODEL, labels=path, backend="onnxruntime")
    with pytest.raises(ArgumentError, match=r"labels.txt: has 9 labels but the model .* has 10 classes"):
        clf.predict(np.zeros((1, 1, 8, 8), np.float32))
    with pytest.raises(FileError, match="no such labels file"):
        Classifier(DIGITS_MODEL, labels=tmp_path / "absent.txt")


def test_models_with_unexpected_outputs(tmp_path):
    x = np.zeros((1, 3), np.float32)
    per_pixel = save(tmp_path / "pix.onnx", [helper.make_node("Identity", ["x"], ["y"])],
                     [vi("x", FLOAT, [1, 3, 4, 4])], [vi("y", FLOAT, [1, 3, 4, 4])])
    with pytest.raises(FormatError, match=r"needs \[N, num_classes\]"):
        Classifier(per_pixel, backend="onnxruntime").predict(np.zeros((1, 3, 4, 4), np.float32))
    two = save(tmp_path / "two_out.onnx", [helper.make_node("Identity", ["x"], ["a"]),
                                           helper.make_node("Identity", ["x"], ["b"])],
               [vi("x", FLOAT, [1, 3])], [vi("a", FLOAT, [1, 3]), vi("b", FLOAT, [1, 3])])
    with pytest.raises(FormatError, match=r"2 outputs \['a', 'b'\]; choose one with output_name="):
        Classifier(two, backend="onnxruntime").predict(x)
    assert Classifier(two, backend="onnxruntime", output_name="b").predict(x).shape == (1, 3)
    with pytest.raises(FormatError, match="one input"):
        Classifier(two_inputs(tmp_path / "in2.onnx"), backend="onnxruntime").predict(x)


def test_batch_of_the_wrong_rank(tmp_path):
    clf = Classifier(add_one(tmp_path / "add.onnx"), backend="onnxruntime")
    with pytest.raises(ShapeError, match="batch must have 2 dimensions"):
        clf.predict(np.zeros(3, np.float32))


def test_classify_images_end_to_end_is_accurate():
    paths, truth = digit_samples()
    clf = Classifier(DIGITS_MODEL, labels=DATA / "digits_labels.txt", backend="onnxruntime",
                     preprocess=UNIT)
    rows = clf.classify(paths, k=1, batch_size=16)
    assert len(rows) == len(paths) == 100
    accuracy = np.mean([row[0].index == t for row, t in zip(rows, truth)])
    assert accuracy >= 0.95
    assert all(isinstance(r[0], Prediction) and r[0].label == str(r[0].index) for r in rows)
    # batch size must not change answers
    assert [r[0].index for r in clf.classify(paths[:20], k=1, batch_size=1)] == [r[0].index for r in rows[:20]]


def test_images_are_converted_and_resized_to_the_model(tmp_path):
    gray = np.zeros((16, 16, 1), np.uint8)
    gray[4:12, 6:10] = 255
    rgb = np.repeat(gray, 3, axis=2)
    save_image(tmp_path / "big.png", rgb)
    clf = Classifier(DIGITS_MODEL, backend="onnxruntime", preprocess=UNIT)
    batch = clf.preprocess_images([tmp_path / "big.png", gray])
    assert batch.shape == (2, 1, 8, 8) and batch.dtype == np.float32
    np.testing.assert_allclose(batch[0], batch[1], atol=1 / 255)
    assert 0.0 <= batch.min() and batch.max() <= 1.0
    with pytest.raises(ArgumentError, match="batch_size must be >= 1"):
        clf.classify([gray], batch_size=0)
