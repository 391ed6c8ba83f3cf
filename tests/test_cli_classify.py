"""trtcore classify / segment on files and folders."""

from __future__ import annotations

import json

import numpy as np

from trtcore.cli import EXIT_BAD_INPUT, main
from trtcore.demo import DATA, DIGITS_MODEL, DIGITS_SAMPLES, SHAPES_MODEL, SHAPES_SAMPLES
from trtcore.demo.run import digit_samples
from trtcore import image as ti
from trtcore.pipelines import image_prep

from _models import identity_logits


def test_classify_folder_in_batches(capsys):
    assert main(["classify", str(DIGITS_MODEL), str(DIGITS_SAMPLES), "--backend", "onnxruntime", "--labels",
                 str(DATA / "digits_labels.txt"), "-k", "2", "--batch-size", "16", "--softmax"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 101 and "100 images in" in lines[-1] and "images/s, batch 16" in lines[-1]
    first = lines[0]
    assert first.startswith(str(DIGITS_SAMPLES / "digit_000.pgm")) and ": 0 '0' (" in first


def test_classify_json_matches_truth(capsys):
    paths, truth = digit_samples()
    assert main(["classify", str(DIGITS_MODEL), *map(str, paths[:30]), "--backend", "onnxruntime", "-k", "1",
                 "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["image"] for r in rows] == [str(p) for p in paths[:30]]
    assert np.mean([r["top_k"][0]["index"] == t for r, t in zip(rows, truth)]) >= 0.9


def test_classify_bad_inputs(tmp_path, capsys):
    labels = tmp_path / "labels.txt"
    labels.write_text("a\nb\n")
    assert main(["classify", str(DIGITS_MODEL), str(DIGITS_SAMPLES / "digit_000.pgm"), "--backend", "onnxruntime",
                 "--labels", str(labels)]) == EXIT_BAD_INPUT
    assert "labels.txt: has 2 labels but the model" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["classify", str(DIGITS_MODEL), str(empty), "--backend", "onnxruntime"]) == EXIT_BAD_INPUT
    assert "folder has no images" in capsys.readouterr().err
    assert main(["classify", str(DIGITS_MODEL), str(labels), "--backend", "onnxruntime"]) == EXIT_BAD_INPUT
    assert "unsupported image type '.txt'" in capsys.readouterr().err
    assert main(["classify", str(DIGITS_MODEL), str(labels), "--mean", "a,b"]) == EXIT_BAD_INPUT
    assert "--mean: expected comma-separated numbers" in capsys.readouterr().err


def test_segment_folder_with_overlays(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    image = SHAPES_SAMPLES / "shapes_0.ppm"
    assert main(["segment", str(SHAPES_MODEL), str(image), "--backend", "onnxruntime", "-o", str(out),
                 "--overlay", "--format", "png", "--num-classes", "4"]) == 0
    text = capsys.readouterr().out
    labels_png, overlay_png = out / "shapes_0_labels.png", out / "shapes_0_overlay.png"
    assert str(labels_png) in text and str(overlay_png) in text
    colours = image_prep.load_image(labels_png)
    assert colours.shape == (64, 64, 3) and image_prep.load_image(overlay_png).shape == (64, 64, 3)
    # the colours are exactly the palette entries of the true classes on most pixels
    truth = image_prep.load_image(SHAPES_SAMPLES / "shapes_0_labels.pgm")[:, :, 0]
    assert np.mean((colours == ti.palette(4)[truth]).all(axis=2)) > 0.9


def test_segment_size_mismatch_needs_a_policy(tmp_path, capsys):
    model = identity_logits(tmp_path / "fixed.onnx", h=8, w=8)
    img = tmp_path / "img.ppm"
    image_prep.save_image(img, np.zeros((10, 12, 3), np.uint8))
    target = tmp_path / "labels.ppm"
    assert main(["segment", str(model), str(img), "--backend", "onnxruntime", "-o", str(target)]) == EXIT_BAD_INPUT
    assert "image is 10x12 (HxW) but the model takes 8x8" in capsys.readouterr().err
    assert not target.exists()
    assert main(["segment", str(model), str(img), "--backend", "onnxruntime", "-o", str(target), "--resize"]) == 0
    assert image_prep.load_image(target).shape == (10, 12, 3)
    assert main(["segment", str(model), str(img), str(img), "-o", str(target)]) == EXIT_BAD_INPUT
    assert "a file name takes one image" in capsys.readouterr().err
