"""trtcore's bundled demo: a digit classifier and a shapes segmenter, small enough to ship, trained by
``python -m trtcore.demo.train``. ``trtcore demo`` runs both on the held-out samples in ``data/``."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
DIGITS_MODEL = DATA / "digits.onnx"
SHAPES_MODEL = DATA / "shapes.onnx"
DIGITS_SAMPLES = DATA / "digits"
SHAPES_SAMPLES = DATA / "shapes"
DIGITS_TEST_PER_CLASS = 10
SHAPES_TEST_IMAGES = 8
SHAPES_SIZE = 64
SHAPES_CLASSES = ("background", "circle", "square", "triangle")
