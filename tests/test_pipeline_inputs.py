"""What the pipelines feed the runner: 16-bit images exactly as read_normalized, the input's dtype (float16),
device tensors passed through untouched, and one palette per Segmenter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper

import trtcore.image as ti
from trtcore.pipelines import IMAGENET, Classifier, Segmenter
from trtcore.pipelines.image_prep import resize_image
from trtcore.runners import load

from _models import identity_logits, linear, save, vi


def recording(model: Path) -> tuple[object, list[dict]]:
    """An ONNX Runtime runner whose infer() records the feed it is given (the objects themselves)."""
    runner = load(model, "onnxruntime")
    fed: list[dict] = []
    real = runner.infer

    def infer(feed, **kw):
        fed.append(dict(feed))
        return real({k: np.from_dlpack(v) if not isinstance(v, np.ndarray) else v for k, v in feed.items()}, **kw)

    runner.infer = infer
    return runner, fed


@pytest.mark.parametrize("maxval", [1023, 4095, 65535])
def test_segmenter_on_a_16_bit_ppm_feeds_exactly_read_normalized(tmp_path, maxval):
    raw = np.random.default_rng(maxval).integers(0, maxval + 1, (9, 13, 3)).astype(np.uint16)
    path = tmp_path / "deep.ppm"
    ti.write_image(path, raw, maxval=maxval)
    runner, fed = recording(identity_logits(tmp_path / "m.onnx"))
    labels = Segmenter(runner, preprocess=IMAGENET).segment(path)
    (x,) = fed[0].values()
    want = ti.read_normalized(path)[None]
    assert x.dtype == want.dtype and x.shape == want.shape
    assert x.tobytes() == want.tobytes()  # bit for bit: no 8-bit step
    np.testing.assert_array_equal(labels, np.argmax(want[0], axis=0))


def test_16_bit_images_are_resized_at_16_bits():
    img = (np.arange(6 * 8 * 3, dtype=np.uint16) * 300).reshape(6, 8, 3)
    small = resize_image(img, 3, 4)
    assert small.dtype == np.uint16 and small.shape == (3, 4, 3) and small.max() > 255
    for c in range(3):  # each channel as Pillow's 16-bit mode resizes it
        np.testing.assert_array_equal(small[:, :, c], resize_image(img[:, :, c:c + 1], 3, 4)[:, :, 0])


def fp16_identity(path: Path) -> Path:
    """float16 input [1, 3, H, W] -> float32 logits (a float16 engine's input as ONNX Runtime sees it)."""
    return save(path, [helper.make_node("Cast", ["input"], ["logits"], to=TensorProto.FLOAT)],
                [vi("input", TensorProto.FLOAT16, [1, 3, "h", "w"])],
                [vi("logits", TensorProto.FLOAT, [1, 3, "h", "w"])])


def test_preprocessing_writes_a_float16_input_directly(tmp_path):
    img = np.random.default_rng(0).integers(0, 256, (5, 6, 3), dtype=np.uint8)
    runner, fed = recording(fp16_identity(tmp_path / "half.onnx"))
    Segmenter(runner, preprocess=IMAGENET).segment(img)
    (x,) = fed[0].values()
    assert x.dtype == np.float16
    np.testing.assert_array_equal(x[0], ti.normalize(img, IMAGENET.mean, IMAGENET.std, dtype=np.float16))


class DLPackTensor:
    """Not a numpy array, but speaks DLPack (what a torch/cupy tensor looks like to the pipelines)."""

    def __init__(self, a: np.ndarray) -> None:
        self._a, self.shape = a, a.shape

    def __dlpack__(self, **kw):
        return self._a.__dlpack__(**kw)

    def __dlpack_device__(self):
        return self._a.__dlpack_device__()


def test_device_tensors_reach_the_runner_unchanged(tmp_path):
    x = np.random.default_rng(1).standard_normal((1, 3, 4, 5)).astype(np.float32)
    runner, fed = recording(identity_logits(tmp_path / "m.onnx"))
    t = DLPackTensor(x)
    labels = Segmenter(runner).segment(t)
    assert next(iter(fed[0].values())) is t
    np.testing.assert_array_equal(labels, np.argmax(x[0], axis=0))

    batch = np.random.default_rng(2).standard_normal((4, 6)).astype(np.float32)
    runner, fed = recording(linear(tmp_path / "lin.onnx"))
    clf = Classifier(runner, softmax=True)
    t = DLPackTensor(batch)
    scores = clf.predict(t)
    assert next(iter(fed[0].values())) is t
    np.testing.assert_allclose(scores, clf.predict(batch), rtol=1e-6)


def test_segmenter_keeps_one_palette(tmp_path):
    seg = Segmenter(identity_logits(tmp_path / "m.onnx"), num_classes=3, backend="onnxruntime")
    labels = seg.segment(np.random.default_rng(3).integers(0, 256, (4, 4, 3), dtype=np.uint8))
    first = seg.palette(labels)
    seg.colorize(labels)
    assert seg.palette(labels) is first and len(first) == 3
    np.testing.assert_array_equal(seg.colorize(labels), ti.palette(3)[labels])
