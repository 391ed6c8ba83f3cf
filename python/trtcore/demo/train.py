"""Trains trtcore's two demo models with numpy + scikit-learn and writes them as ONNX, with held-out samples.

    pip install 'trtcore[train]'
    python -m trtcore.demo.train            # rewrites python/trtcore/demo/data/ (about 9 min on 2 busy cores)

- ``digits.onnx``: scikit-learn's bundled 8x8 digits; an MLP (64 → 64 → 10) written as Flatten/Gemm/Relu/Gemm.
  Input ``input`` float32 [batch, 1, 8, 8] = pixel / 255 (``trtcore.pipelines.UNIT``); output ``logits`` float32
  [batch, 10].
- ``shapes.onnx``: synthetic 64x64 pictures of circles, squares and triangles (classes 1-3, background 0) where
  colour says nothing about the class: every shape and every background has a random colour, most are striped,
  shapes overlap and run off the edge. So the model has to look at shape: fixed, colour-blind features (how far
  each pixel's region reaches in 16 directions at 9 distances: the squared colour difference between the pixel
  and each neighbour, after a 3x3 blur, squashed to d / (d + 1)) feed a per-pixel MLP trained by scikit-learn;
  the whole thing is written as Conv (blur, dilated difference kernels) / Mul / Add / Div, then Conv1x1 / Relu /
  Conv1x1 and ArgMax, like the quick start's FCN export. Input ``input`` float32 [batch, 3, height, width] with
  ImageNet's mean/std (trtcore's default preprocessing); output ``output`` int64 [batch, 1, height, width].

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
_IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)
#: The neighbour offsets the features look at: 8 compass and 8 knight directions, each at these distances.
DIRECTIONS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1),
              (-2, -1), (-2, 1), (-1, -2), (-1, 2), (1, -2), (1, 2), (2, -1), (2, 1))
RADII = (1, 2, 3, 4, 5, 6, 8, 10, 13)
NUM_FEATURES = len(DIRECTIONS) * len(RADII)
_REACH = 2  # the largest |offset component| in DIRECTIONS: kernels are (2 * _REACH + 1) wide


def _stripes(rng: np.random.Generator, size: int, amplitude: float) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    angle, period = rng.uniform(0, np.pi), rng.uniform(3, 8)
    phase = 2 * np.pi * (np.cos(angle) * xx + np.sin(angle) * yy) / period + rng.uniform(0, 2 * np.pi)
    return amplitude * np.sin(phase)


def _colour_apart(rng: np.random.Generator, others: list[np.ndarray], distance: float = 0.35) -> np.ndarray:
    """A random RGB colour at least ``distance`` from the others (a shape must be visible against what it
    covers); after 100 tries, the last one."""
    for _ in range(100):
        colour = rng.uniform(0.05, 0.95, 3)
        if all(np.linalg.norm(colour - o) >= distance for o in others):
            break
    return colour


def make_shapes(rng: np.random.Generator, size: int = SHAPES_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """One synthetic picture (HWC uint8) and its labels (HW uint8): 2-5 circles, squares and triangles of random
    colours, most striped, painted in order over a random striped background (later shapes occlude earlier
    ones; the labels are what is visible)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    background = _colour_apart(rng, [])
    tilt = rng.normal(0, 0.1, 2)
    img = np.empty((size, size, 3), np.float32)
    img[:] = background
    img += (tilt[0] * (yy / size - 0.5) + tilt[1] * (xx / size - 0.5))[:, :, None]
    img += _stripes(rng, size, rng.uniform(0, 0.07))[:, :, None]
    labels = np.zeros((size, size), np.uint8)
    used = [background]
    for _ in range(rng.integers(2, 6)):
        cls = int(rng.integers(1, 4))
        cy, cx = rng.uniform(4, size - 4, 2)
        r = rng.uniform(6, 14)
        if cls == 1:
            mask = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
        elif cls == 2:
            mask = (np.abs(yy - cy) <= r * 0.85) & (np.abs(xx - cx) <= r * 0.85)
        else:
            mask = (yy >= cy - r) & (yy <= cy + r) & (np.abs(xx - cx) <= (yy - (cy - r)) * 0.6)
        colour = _colour_apart(rng, used)
        used.append(colour)
        fill = np.broadcast_to(colour, (size, size, 3)).copy()
        if rng.random() < 0.6:
            fill += _stripes(rng, size, rng.uniform(0, 0.07))[:, :, None]
        img[mask] = fill[mask]
        labels[mask] = cls
    img += rng.normal(0, 0.03, img.shape)
    return (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8), labels


def shape_features(img: np.ndarray) -> np.ndarray:
    """[H, W, NUM_FEATURES] float32: exactly what the ONNX graph's feature layers compute from the ImageNet-
    normalized picture (zero padding like Conv's pads): ``d / (d + 1)`` of the squared colour difference between
    the 3x3-blurred pixel and its neighbour at ``r * direction``, for r in RADII (outer) and each direction."""
    x = ((img.astype(np.float32) / np.float32(255.0) - _IMAGENET_MEAN) / _IMAGENET_STD).transpose(2, 0, 1)
    h, w = x.shape[1:]
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    blur = sum(xp[:, dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)) / np.float32(9.0)
    far = _REACH * max(RADII)
    bp = np.pad(blur, ((0, 0), (far, far), (far, far)))
    out = np.empty((h, w, NUM_FEATURES), np.float32)
    for i, r in enumerate(RADII):
        for j, (dy, dx) in enumerate(DIRECTIONS):
            shifted = bp[:, far + dy * r:far + dy * r + h, far + dx * r:far + dx * r + w]
            d = ((shifted - blur) ** 2).sum(0)
            out[:, :, i * len(DIRECTIONS) + j] = d / (d + np.float32(1.0))
    return out


def _shapes_nodes(helper, numpy_helper, mlp) -> tuple[list, list]:
    """The feature layers as ONNX nodes (Conv blur; per radius one grouped, dilated Conv of +1/-1 kernels, then
    the three channels' squares added) and the MLP as Conv1x1 / Relu / Conv1x1 / ArgMax."""
    k, nd = 2 * _REACH + 1, len(DIRECTIONS)
    inits = [numpy_helper.from_array(np.full((3, 1, 3, 3), 1 / 9, np.float32), "blur_w"),
             numpy_helper.from_array(np.array(1.0, np.float32), "one")]
    nodes = [helper.make_node("Conv", ["input", "blur_w"], ["blur"], group=3, kernel_shape=[3, 3],
                              pads=[1, 1, 1, 1])]
    diff = np.zeros((3 * nd, 1, k, k), np.float32)  # out channel c * nd + j: channel c, direction j
    for c in range(3):
        for j, (dy, dx) in enumerate(DIRECTIONS):
            diff[c * nd + j, 0, _REACH + dy, _REACH + dx] = 1.0
            diff[c * nd + j, 0, _REACH, _REACH] = -1.0
    inits.append(numpy_helper.from_array(diff, "diff_w"))
    per_radius = []
    for r in RADII:
        p = f"r{r}"
        nodes.append(helper.make_node("Conv", ["blur", "diff_w"], [f"{p}_d"], group=3, kernel_shape=[k, k],
                                      dilations=[r, r], pads=[_REACH * r] * 4))
        squares = []
        for c in range(3):
            for name, v in ((f"{p}_s{c}", [c * nd]), (f"{p}_e{c}", [(c + 1) * nd])):
                inits.append(numpy_helper.from_array(np.array(v, np.int64), name))
            nodes.append(helper.make_node("Slice", [f"{p}_d", f"{p}_s{c}", f"{p}_e{c}", "axis1"], [f"{p}_c{c}"]))
            nodes.append(helper.make_node("Mul", [f"{p}_c{c}", f"{p}_c{c}"], [f"{p}_q{c}"]))
            squares.append(f"{p}_q{c}")
        nodes.append(helper.make_node("Sum", squares, [f"{p}_sum"]))
        per_radius.append(f"{p}_sum")
    inits.append(numpy_helper.from_array(np.array([1], np.int64), "axis1"))
    nodes += [helper.make_node("Concat", per_radius, ["dist"], axis=1),
              helper.make_node("Add", ["dist", "one"], ["dist1"]),
              helper.make_node("Div", ["dist", "dist1"], ["features"])]
    hidden = mlp.coefs_[0].shape[1]
    w1 = mlp.coefs_[0].T.reshape(hidden, NUM_FEATURES, 1, 1).astype(np.float32)
    w2 = mlp.coefs_[1].T.reshape(-1, hidden, 1, 1).astype(np.float32)
    b1, b2 = (b.astype(np.float32) for b in mlp.intercepts_)
    inits += [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))]
    nodes += [helper.make_node("Conv", ["features", "w1", "b1"], ["h"], kernel_shape=[1, 1]),
              helper.make_node("Relu", ["h"], ["hr"]),
              helper.make_node("Conv", ["hr", "w2", "b2"], ["logits"], kernel_shape=[1, 1]),
              helper.make_node("ArgMax", ["logits"], ["output"], axis=1, keepdims=1)]
    return nodes, inits


def train_shapes(out: Path, train_images: int = 200, per_image: int = 600, max_iter: int = 30,
                 hidden: int = 64) -> float:
    """Trains the shapes segmenter, writes ``shapes.onnx`` and the held-out samples; returns the held-out mIoU
    (per-class IoU over all held-out pixels, averaged)."""
    from sklearn.neural_network import MLPClassifier

    from trtcore.pipelines.segment import class_iou, confusion_matrix

    rng = np.random.default_rng(SEED)
    xs, ys = [], []
    for _ in range(train_images):
        img, lab = make_shapes(rng)
        f, lab = shape_features(img).reshape(-1, NUM_FEATURES), lab.ravel()
        # Half the samples from shapes, half anywhere, so the small classes are not drowned by background.
        fg = np.flatnonzero(lab > 0)
        pick = np.concatenate([rng.choice(fg, per_image // 2) if len(fg) else rng.choice(len(lab), per_image // 2),
                               rng.choice(len(lab), per_image // 2)])
        xs.append(f[pick])
        ys.append(lab[pick])
    mlp = MLPClassifier(hidden_layer_sizes=(hidden,), alpha=1e-4, max_iter=max_iter, random_state=SEED)
    with _capped():
        mlp.fit(np.concatenate(xs), np.concatenate(ys))
    if list(mlp.classes_) != list(range(len(SHAPES_CLASSES))):
        raise RuntimeError(f"training saw classes {list(mlp.classes_)}; give more train_images")

    test_rng = np.random.default_rng(SEED + 1)
    folder = out / "shapes"
    folder.mkdir(exist_ok=True)
    for old in list(folder.glob("*.ppm")) + list(folder.glob("*.pgm")):
        old.unlink()
    n = len(SHAPES_CLASSES)
    conf = np.zeros((n, n), np.int64)
    for i in range(SHAPES_TEST_IMAGES):
        img, lab = make_shapes(test_rng)
        pred = mlp.predict(shape_features(img).reshape(-1, NUM_FEATURES)).reshape(lab.shape)
        conf += confusion_matrix(pred, lab, n)
        image_prep.save_image(folder / f"shapes_{i}.ppm", img)
        image_prep.save_image(folder / f"shapes_{i}_labels.pgm", lab[:, :, None])

    _, TensorProto, helper, numpy_helper = _onnx()
    nodes, inits = _shapes_nodes(helper, numpy_helper, mlp)
    graph = helper.make_graph(
        nodes, "shapes",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, "height", "width"])],
        [helper.make_tensor_value_info("output", TensorProto.INT64, ["batch", 1, "height", "width"])], inits)
    _save(graph, out / "shapes.onnx", "shapes segmenter (class by shape, not colour); input = ImageNet-normalized "
                                      "RGB; output = argmax labels")
    write_file_atomic(out / "shapes_labels.txt", ("\n".join(SHAPES_CLASSES) + "\n").encode())
    return float(np.nanmean(class_iou(conf)))


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
