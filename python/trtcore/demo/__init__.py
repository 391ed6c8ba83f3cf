"""trtcore's bundled demo: a digit classifier and a shapes segmenter, small enough to ship, trained by
``python -m trtcore.demo.train``. ``trtcore demo`` runs both on the held-out samples in ``data/``, and the
segmenter on a real photograph shipped by scikit-image (``pip install 'trtcore[photos]'``)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
DIGITS_MODEL = DATA / "digits.onnx"
SHAPES_MODEL = DATA / "shapes.onnx"
DIGITS_SAMPLES = DATA / "digits"
SHAPES_SAMPLES = DATA / "shapes"
DIGITS_TEST_PER_CLASS = 10
SHAPES_TEST_IMAGES = 12
SHAPES_SIZE = 64
SHAPES_CLASSES = ("background", "circle", "square", "triangle")
#: scikit-image's bundled photographs the demo can segment (skimage.data.<name>())
PHOTOS = ("coffee", "astronaut")


def build_configs() -> tuple[object, object]:
    """TensorRT build settings for the two demo models (their inputs are dynamic, so TensorRT needs ranges)."""
    from trtcore.builder import BuildConfig
    from trtcore.builder.shapes import Profile

    digits = BuildConfig(profiles=[Profile.from_spec_strings(min="input:1x1x8x8", opt="input:32x1x8x8",
                                                             max="input:128x1x8x8")])
    shapes = BuildConfig(profiles=[Profile.from_spec_strings(min="input:1x3x8x8", opt="input:1x3x64x64",
                                                             max="input:2x3x1026x1282")])
    return digits, shapes
