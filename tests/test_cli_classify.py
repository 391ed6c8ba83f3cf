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

UNIT = ["--mean", "0", "--std", "1"]  # the digits model takes pixel / 255 (a grey model: no ImageNet statistics)


def test_classify_folder_in_batches(capsys):
    assert main(["classify", str(DIGITS_MODEL), str(DIGITS_SAMPLES), "--backend", "onnxruntime", "--labels",
                 str(DATA / "digits_labels.txt"), "-k", "2", "--batch-size", "16", "--softmax", *UNIT]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 102 and "100 images in" in lines[-1] and "images/s, batch 16" in lines[-1]
    assert lines[-2] == ("preprocessing: resize to the model's input size (bilinear, antialiased), aspect ratio "
                         "not kept; (pixel / 255 - mean) / std with mean 0, std 1")
    first = lines[0]
    assert first.startswith(str(DIGITS_SAMPLES / "digit_000.pgm")) and ": 0 '0' (" in first


def test_classify_json_matches_truth(capsys):
    paths, truth = digit_samples()
    assert main(["classify", str(DIGITS_MODEL), *map(str, paths[:30]), "--backend", "onnxruntime", "-k", "1",
                 "--json", *UNIT]) == 0
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
    labels_png, overlay_png = out / "shapes_0.ppm.labels.png", out / "shapes_0.ppm.overlay.png"
    assert str(labels_png) in text and str(overlay_png) in text
    colours = image_prep.load_image(labels_png)
    assert colours.shape == (64, 64, 3) and image_prep.load_image(overlay_png).shape == (64, 64, 3)
    # the colours are exactly the palette entries of the true classes on most pixels
    truth = image_prep.load_image(SHAPES_SAMPLES / "shapes_0_labels.pgm")[:, :, 0]
    assert np.mean((colours == ti.palette(4)[truth]).all(axis=2)) > 0.8


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


def test_classify_says_which_preprocessing_it_uses(tmp_path, capsys):
    from test_image_prep import mean_model

    model = mean_model(tmp_path / "m.onnx")
    img = tmp_path / "photo.png"
    image_prep.save_image(img, np.random.default_rng(0).integers(0, 256, (300, 400, 3), dtype=np.uint8))
    assert main(["classify", str(model), str(img), "--backend", "onnxruntime", "-k", "1", "--imagenet"]) == 0
    out = capsys.readouterr().out
    assert ("preprocessing: resize the shorter side to 256, centre crop 224x224 (bilinear, antialiased): "
            "torchvision ImageNet eval; (pixel / 255 - mean) / std with ImageNet mean/std") in out
    assert main(["classify", str(model), str(img), "--backend", "onnxruntime", "--resize-policy", "stretch",
                 "--imagenet"]) == 0
    assert "preprocessing: resize to the model's input size" in capsys.readouterr().out


def bad_folder(tmp_path, good: list, name: str = "imgs"):
    """A folder of good images and one file that is not the image its name says."""
    folder = tmp_path / name
    folder.mkdir()
    for src in good:
        (folder / src.name).write_bytes(src.read_bytes())
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    return folder


def test_classify_reports_a_bad_file_goes_on_and_exits_1(tmp_path, capsys):
    paths, _ = digit_samples()
    folder = bad_folder(tmp_path, paths[:5])
    code = main(["classify", str(DIGITS_MODEL), str(folder), "--backend", "onnxruntime", "-k", "1", *UNIT])
    captured = capsys.readouterr()
    assert code == 1
    assert "trtcore classify: skipped: " in captured.err and "broken.png" in captured.err
    assert "1 of 6 images could not be classified" in captured.err and "Traceback" not in captured.err
    lines = captured.out.splitlines()
    assert [line.split(":")[0] for line in lines[:5]] == [str(folder / p.name) for p in paths[:5]]
    assert "5 images in" in lines[-1]
    assert main(["classify", str(DIGITS_MODEL), str(folder), "--backend", "onnxruntime", "--json", *UNIT]) == 1
    assert [r["image"] for r in json.loads(capsys.readouterr().out)] == [str(folder / p.name) for p in paths[:5]]


def test_segment_reports_a_bad_file_goes_on_and_exits_1(tmp_path, capsys):
    folder = bad_folder(tmp_path, [SHAPES_SAMPLES / "shapes_0.ppm", SHAPES_SAMPLES / "shapes_1.ppm"])
    out = tmp_path / "out"
    out.mkdir()
    code = main(["segment", str(SHAPES_MODEL), str(folder), "--backend", "onnxruntime", "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 1 and "broken.png" in captured.err and "1 of 3 images could not be segmented" in captured.err
    assert sorted(p.name for p in out.iterdir()) == ["shapes_0.ppm.labels.ppm", "shapes_1.ppm.labels.ppm"]


def test_segment_names_outputs_by_the_whole_input_name(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    picture = np.random.default_rng(1).integers(0, 256, (6, 8, 3), dtype=np.uint8)
    for name in ("cat.png", "cat.ppm", "cat_labels.ppm"):  # one stem twice; an input that looks like an output
        image_prep.save_image(folder / name, picture)
    out = tmp_path / "out"
    out.mkdir()
    model = identity_logits(tmp_path / "m.onnx")
    assert main(["segment", str(model), str(folder), "--backend", "onnxruntime", "-o", str(out), "--overlay"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "cat.png.labels.ppm", "cat.png.overlay.ppm", "cat.ppm.labels.ppm", "cat.ppm.overlay.ppm",
        "cat_labels.ppm.labels.ppm", "cat_labels.ppm.overlay.ppm"]
    text = capsys.readouterr().out
    assert f"{folder / 'cat.png'}: 6x8, classes" in text and f"-> {out / 'cat.png.labels.ppm'}" in text
    single = tmp_path / "output.ppm"
    assert main(["segment", str(model), str(folder / "cat.png"), "--backend", "onnxruntime", "-o", str(single),
                 "--overlay"]) == 0
    assert single.is_file() and (tmp_path / "output.overlay.ppm").is_file()


def test_segment_composites_transparency_on_the_background_flag(tmp_path, capsys):
    from PIL import Image

    rgba = np.array([[[10, 200, 30, 0], [0, 0, 255, 255]]], np.uint8)
    path = tmp_path / "clear.png"
    Image.fromarray(rgba, "RGBA").save(path)
    model = identity_logits(tmp_path / "m.onnx")
    target = tmp_path / "labels.ppm"
    for background, first in (("0,255,0", 1), ("255,0,0", 0)):
        assert main(["segment", str(model), str(path), "--backend", "onnxruntime", "-o", str(target), *UNIT,
                     "--background", background]) == 0
        assert "classes {%d: 1, 2: 1}" % first in capsys.readouterr().out


def test_a_preprocessing_that_does_not_fit_the_model_is_one_error_not_one_per_image(capsys):
    # the grey digits model with the default (ImageNet's three means): a bad command line, exit 2, said once
    assert main(["classify", str(DIGITS_MODEL), str(DIGITS_SAMPLES), "--backend", "onnxruntime"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.count("preprocess mean has 3 values") == 1 and "skipped" not in err
