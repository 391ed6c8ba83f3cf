"""Trains trtcore's two demo models with numpy + scikit-learn and writes them as ONNX, with held-out samples.

    pip install 'trtcore[train]'
    python -m trtcore.demo.train            # rewrites python/trtcore/demo/data/ (about 30 s on 2 cores)

- ``digits.onnx``: scikit-learn's bundled 8x8 digits; an MLP (64 → 64 → 10) written as Flatten/Gemm/Relu/Gemm.
  Input ``input`` float32 [batch, 1, 8, 8] = pixel / 255; output ``logits`` float32 [batch, 10].
- ``shapes.onnx``: synthetic 64x64 pictures of coloured circles, squares and triangles (classes 1-3, background
  0); a per-pixel MLP on each 3x3 neighbourhood written as Conv3x3/Relu/Conv1x1 followed by ArgMax, like the quick
  start's FCN export. Input ``input`` float32 [batch, 3, height, width] = pixel / 255; output ``output`` int64
  [batch, 1, height, width].

Everything is seeded, so the same versions of numpy and scikit-learn give the same files.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from trtcore._interrupt import reraise_interrupt
from trtcore.files import write_file_atomic
from trtcore.demo import DATA, DIGITS_TEST_PER_CLASS, SHAPES_CLASSES, SHAPES_SIZE, SHAPES_TEST_IMAGES
from trtcore.pipelines import image_prep

log = logging.getLogger("trtcore.demo.train")
SEED = 20240601
OPSET, IR_VERSION = 17, 8  # IR 8 / opset 17: readable by TensorRT 10.x parsers and every recent ONNX Runtime


def _onnx():
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError as e:
        reraise_interrupt(e)
        raise SystemExit("training needs onnx: pip install 'trtcore[train]'") from None
    return onnx, TensorProto, helper, numpy_helper


def trained_with() -> str:
    """The library versions that determine the trained bytes."""
    import sklearn

    return f"numpy {np.__version__}, scikit-learn {sklearn.__version__}"


def _save(graph, path: Path, doc: str) -> None:
    onnx, _, helper, _ = _onnx()
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="trtcore.demo",
                              doc_string=doc)
    model.ir_version = IR_VERSION
    # bit-identical retraining needs the same numpy and scikit-learn; record them
    helper.set_model_props(model, {"trained_with": trained_with()})
    onnx.checker.check_model(model)
    write_file_atomic(path, model.SerializeToString())


@contextlib.contextmanager
def _capped() -> Iterator[None]:
    """The iteration caps are deliberate (fast, deterministic); scikit-learn's "not converged" note is noise."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*Maximum iterations.*")
        yield


# -- digits ------------------------------------------------------------------------------------------------------
def train_digits(out: Path) -> float:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    digits = load_digits()
    # Exactly what inference sees: 0..16 stored as an 8-bit PGM, then divided by 255.
    pixels = np.round(digits.images * (255.0 / 16.0)).astype(np.uint8)
    y = digits.target
    test_size = DIGITS_TEST_PER_CLASS * 10
    tr, te = train_test_split(np.arange(len(y)), test_size=test_size, stratify=y, random_state=SEED)
    x = pixels.reshape(len(y), -1).astype(np.float32) / 255.0
    mlp = MLPClassifier(hidden_layer_sizes=(64,), alpha=1e-3, max_iter=300, random_state=SEED)
    with _capped():
        mlp.fit(x[tr], y[tr])
    acc = float(mlp.score(x[te], y[te]))

    _, TensorProto, helper, numpy_helper = _onnx()
    w1, w2 = (w.astype(np.float32) for w in mlp.coefs_)
    b1, b2 = (b.astype(np.float32) for b in mlp.intercepts_)
    inits = [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))]
    nodes = [
        helper.make_node("Flatten", ["input"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "w1", "b1"], ["h"]),
        helper.make_node("Relu", ["h"], ["hr"]),
        helper.make_node("Gemm", ["hr", "w2", "b2"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes, "digits",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1, 8, 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 10])], inits)
    _save(graph, out / "digits.onnx", "8x8 digit classifier (scikit-learn digits); input = pixel / 255")

    folder = out / "digits"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.pgm"):
        old.unlink()
    lines = []
    for n, i in enumerate(sorted(te, key=lambda i: (y[i], i))):
        name = f"digit_{n:03d}.pgm"
        image_prep.save_image(folder / name, pixels[i][:, :, None])
        lines.append(f"{name} {y[i]}")
    write_file_atomic(folder / "labels.txt", ("\n".join(lines) + "\n").encode())
    write_file_atomic(out / "digits_labels.txt", ("\n".join(str(d) for d in range(10)) + "\n").encode())
    return acc


# -- shapes ------------------------------------------------------------------------------------------------------
# Each class has its own colour family (a per-pixel model sees colour and texture, not shape).
_FAMILIES = {1: (0.85, 0.2, 0.2), 2: (0.2, 0.75, 0.25), 3: (0.25, 0.35, 0.9)}


def make_shapes(rng: np.random.Generator, size: int = SHAPES_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """One synthetic picture (HWC uint8) and its labels (HW uint8)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    base = rng.uniform(0.35, 0.75) + rng.normal(0, 0.04, 3)
    tilt = rng.normal(0, 0.15, 2)
    img = base[None, None, :] + (tilt[0] * (yy / size - 0.5) + tilt[1] * (xx / size - 0.5))[:, :, None]
    labels = np.zeros((size, size), np.uint8)
    for _ in range(rng.integers(2, 5)):
        cls = int(rng.integers(1, 4))
        cy, cx = rng.uniform(8, size - 8, 2)
        r = rng.uniform(5, 14)
        if cls == 1:
            mask = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
        elif cls == 2:
            mask = (np.abs(yy - cy) <= r * 0.85) & (np.abs(xx - cx) <= r * 0.85)
        else:
            mask = (yy >= cy - r) & (yy <= cy + r) & (np.abs(xx - cx) <= (yy - (cy - r)) * 0.6)
        colour = np.clip(np.array(_FAMILIES[cls]) * rng.uniform(0.6, 1.15) + rng.normal(0, 0.08, 3), 0, 1)
        img[mask] = colour
        labels[mask] = cls
    img = img + rng.normal(0, 0.05, img.shape)
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8), labels


def _patches(img: np.ndarray) -> np.ndarray:
    """[H, W, 27] features in Conv weight order (channel, ky, kx), zero padding like Conv(pads=1)."""
    chw = np.pad(img.transpose(2, 0, 1).astype(np.float32) / 255.0, ((0, 0), (1, 1), (1, 1)))
    h, w = img.shape[:2]
    feats = [chw[c, ky:ky + h, kx:kx + w] for c in range(3) for ky in range(3) for kx in range(3)]
    return np.stack(feats, axis=-1)


def train_shapes(out: Path, train_images: int = 160, per_image: int = 600) -> float:
    from sklearn.neural_network import MLPClassifier

    from trtcore.pipelines.segment import mean_iou

    rng = np.random.default_rng(SEED)
    xs, ys = [], []
    for _ in range(train_images):
        img, lab = make_shapes(rng)
        f, lab = _patches(img).reshape(-1, 27), lab.ravel()
        # Half the samples from shapes, half anywhere, so the small classes are not drowned by background.
        fg = np.flatnonzero(lab > 0)
        pick = np.concatenate([rng.choice(fg, per_image // 2) if len(fg) else rng.choice(len(lab), per_image // 2),
                               rng.choice(len(lab), per_image // 2)])
        xs.append(f[pick])
        ys.append(lab[pick])
    mlp = MLPClassifier(hidden_layer_sizes=(16,), alpha=1e-4, max_iter=60, random_state=SEED)
    with _capped():
        mlp.fit(np.concatenate(xs), np.concatenate(ys))

    test_rng = np.random.default_rng(SEED + 1)
    folder = out / "shapes"
    folder.mkdir(exist_ok=True)
    for old in list(folder.glob("*.ppm")) + list(folder.glob("*.pgm")):
        old.unlink()
    ious = []
    for n in range(SHAPES_TEST_IMAGES):
        img, lab = make_shapes(test_rng)
        pred = mlp.predict(_patches(img).reshape(-1, 27)).reshape(lab.shape)
        ious.append(mean_iou(pred.astype(np.int64), lab.astype(np.int64), len(SHAPES_CLASSES)))
        image_prep.save_image(folder / f"shapes_{n}.ppm", img)
        image_prep.save_image(folder / f"shapes_{n}_labels.pgm", lab[:, :, None])

    _, TensorProto, helper, numpy_helper = _onnx()
    w1 = mlp.coefs_[0].T.reshape(16, 3, 3, 3).astype(np.float32)  # [27, 16] → [out, c, ky, kx]
    w2 = mlp.coefs_[1].T.reshape(-1, 16, 1, 1).astype(np.float32)
    b1, b2 = (b.astype(np.float32) for b in mlp.intercepts_)
    inits = [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))]
    nodes = [
        helper.make_node("Conv", ["input", "w1", "b1"], ["h"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["h"], ["hr"]),
        helper.make_node("Conv", ["hr", "w2", "b2"], ["logits"], kernel_shape=[1, 1]),
        helper.make_node("ArgMax", ["logits"], ["output"], axis=1, keepdims=1),
    ]
    graph = helper.make_graph(
        nodes, "shapes",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, "height", "width"])],
        [helper.make_tensor_value_info("output", TensorProto.INT64, ["batch", 1, "height", "width"])], inits)
    _save(graph, out / "shapes.onnx", "coloured shapes segmenter; input = pixel / 255; output = argmax labels")
    write_file_atomic(out / "shapes_labels.txt", ("\n".join(SHAPES_CLASSES) + "\n").encode())
    return float(np.mean(ious))


def main() -> None:
    parser = argparse.ArgumentParser(description="Train trtcore's demo models (deterministic).")
    parser.add_argument("-o", "--output", type=Path, default=DATA, help=f"folder (default {DATA})")
    args = parser.parse_args()
    logging.basicConfig(level="INFO", format="%(message)s")
    args.output.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    acc = train_digits(args.output)
    log.info("digits: held-out accuracy %.3f (%.1f s)", acc, time.perf_counter() - t)
    t = time.perf_counter()
    miou = train_shapes(args.output)
    log.info("shapes: held-out mIoU %.3f (%.1f s)", miou, time.perf_counter() - t)


if __name__ == "__main__":
    main()
