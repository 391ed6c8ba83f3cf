"""The README's Python example, run literally: the code block as written, in a folder holding the files it names.

There is no TensorRT here, so the two ``.engine`` files hold ONNX models that ONNX Runtime runs in the place of
TensorRT, and ``trtcore.build`` copies the ONNX file to the engine path; everything else is the real code. The
stand-in FCN is identity logits + ArgMax, so its labels are the brightest *normalized* channel: the answer
depends on the mean/std used, and the test fails if the two routes of the example disagree on the default.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from onnx import TensorProto, helper
from PIL import Image

import trtcore
from trtcore import runners
from trtcore import image as ti
from trtcore.pipelines import IMAGENET, IMAGENET_EVAL, UNIT, image_prep, plan_resize
from trtcore.runners import OnnxRuntimeRunner

from _models import save, vi

README = Path(__file__).resolve().parents[1] / "README.md"


def python_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## In Python"):]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "README.md: no python block under '## In Python'"
    return match.group(1)


def fcn_stand_in(path: Path) -> Path:
    """input [N, 3, H, W] float → output = argmax over channels [N, 1, H, W] int64 (like the guide's export)."""
    return save(path, [helper.make_node("Identity", ["input"], ["logits"]),
                       helper.make_node("ArgMax", ["logits"], ["output"], axis=1, keepdims=1)],
                [vi("input", TensorProto.FLOAT, ["n", 3, "h", "w"])],
                [vi("output", TensorProto.INT64, ["n", 1, "h", "w"])])


def resnet_stand_in(path: Path) -> Path:
    """input [N, 3, H, W] → scores [N, 3] = per-channel means."""
    return save(path, [helper.make_node("ReduceMean", ["input"], ["scores"], axes=[2, 3], keepdims=0)],
                [vi("input", TensorProto.FLOAT, ["n", 3, "h", "w"])], [vi("scores", TensorProto.FLOAT, ["n", 3])])


def test_readme_python_example_gives_the_right_answer_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(11)
    picture = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    ti.write_image("input.ppm", picture)
    names = re.findall(r'"([\w.-]+\.(?:jpg|png))"', python_example())
    photos = {name: rng.integers(0, 256, (300, 400, 3), dtype=np.uint8) for name in names}
    for name, pixels in photos.items():
        Image.fromarray(pixels).save(name, quality=100)
    fcn_stand_in(tmp_path / "fcn-resnet101.engine")
    resnet_stand_in(tmp_path / "resnet50.onnx")
    built = []

    def build(onnx, config, save_engine=None, **kw):
        built.append(config)
        Path(save_engine).write_bytes(Path(onnx).read_bytes())

    monkeypatch.setattr(trtcore, "build", build)
    monkeypatch.setattr(runners, "TensorRTRunner", lambda path, **kw: OnnxRuntimeRunner(path))

    scope: dict = {}
    exec(compile(python_example(), str(README), "exec"), scope)  # noqa: S102 - the README, as written

    want = np.argmax(ti.normalize(picture, IMAGENET.mean, IMAGENET.std), axis=0)  # FCN: ImageNet mean/std
    assert not np.array_equal(want, np.argmax(UNIT.apply(picture), axis=0))  # the default matters here
    np.testing.assert_array_equal(np.asarray(scope["labels"]).reshape(want.shape), want)
    np.testing.assert_array_equal(scope["seg"].segment("input.ppm"), want)
    np.testing.assert_array_equal(ti.read_image("output.ppm"), ti.palette(21)[want])
    assert built and built[0].fp16
    # the classifier: torchvision's eval transform then ImageNet mean/std, the 3 "classes" ranked
    for row, item in zip(scope["top5"], scope["images"]):
        img = image_prep.load_image(item)
        x = IMAGENET.apply(image_prep.apply_resize(img, plan_resize(*img.shape[:2], IMAGENET_EVAL)))
        assert [p.index for p in row] == list(np.argsort(-x.mean(axis=(1, 2)), kind="stable"))
