"""The GPU pipeline (cpp/pipeline, trtcore.pipelines.gpu): image in, labels / colours / top-k out on the GPU,
against the CPU pipeline on the same model. The identity backend stands in for the engine: logits are the
normalized image itself (argmax over its channels), scores the flattened normalized image."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from trtcore import _core
from trtcore.errors import ArgumentError, DTypeError, ShapeError
from trtcore.pipelines import IMAGENET, UNIT, Classifier, Preprocess, Segmenter
from trtcore.runners.tensorrt import ExecutorRunner

from _backends import IdentityBackend

needs_kernels = pytest.mark.skipif(not hasattr(_core, "GpuPipeline"),
                                   reason="trtcore was built without its GPU kernels (no nvcc)")


@pytest.fixture(autouse=True)
def _free_pipelines():
    """Pipelines held in reference cycles (pytest.raises' tracebacks) free their CUDA memory at the end of each
    test, not at interpreter exit, so compute-sanitizer's leak check sees what a test really leaves behind."""
    yield
    gc.collect()


def logits_runner(dtype="float32", shape=(1, 3, -1, -1)):
    return ExecutorRunner(lambda: IdentityBackend([("input", dtype, list(shape))],
                                                  [("logits", dtype, list(shape), "input")]), name="identity")


def scores_runner(h=4, w=5, dtype="float32"):
    # Scores [1, K, 1, 1]: the normalized image's 3*h*w values (the identity backend keeps dtype and rank).
    return ExecutorRunner(lambda: IdentityBackend([("input", dtype, [1, 3, h, w])],
                                                  [("scores", dtype, [1, 3 * h * w, 1, 1], "input")]), name="identity")


def used_pipeline():
    """The GpuPipeline a Segmenter made for its first image."""
    seg = Segmenter(logits_runner(), device="cuda")
    seg.segment(image(4, 4))
    return seg.gpu_pipelines.current()[0]


def image(h, w, c=3, dtype=np.uint8, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, np.iinfo(dtype).max + 1, (h, w, c), dtype=dtype)


# -- without a GPU: the device argument --------------------------------------------------------------------------

def test_device_argument_is_checked():
    with pytest.raises(ArgumentError, match="device must be one of auto, cpu, cuda"):
        Segmenter(logits_runner(), device="gpu")
    with pytest.raises(ArgumentError, match="device must be one of"):
        Classifier(scores_runner(), device=None)


def test_device_cuda_on_onnxruntime_says_why(tmp_path):
    """device='cuda' with a model on the CPU is an error naming why; 'auto' falls back to the CPU kernels."""
    pytest.importorskip("onnxruntime")
    from _models import identity_logits

    path = identity_logits(tmp_path / "m.onnx")
    seg = Segmenter(path, backend="onnxruntime", device="cuda")
    with pytest.raises(ArgumentError, match="device='cuda' cannot be used: the model runs on onnxruntime"):
        seg.segment(image(4, 4))
    auto = Segmenter(path, backend="onnxruntime")
    assert auto.segment(image(4, 4)).shape == (4, 4) and not auto.on_gpu


class FakeCudaImage:
    """A __cuda_array_interface__ object whose data is never read: the checks before any CUDA call see it."""

    def __init__(self, shape, typestr="|u1"):
        self.shape = shape
        self.__cuda_array_interface__ = {"shape": shape, "typestr": typestr, "data": (0, False), "version": 3}


def test_cuda_images_are_read_in_place_and_checked_before_any_cuda_call():
    """An HWC image on the device is described by the one reader (_core.array_info) without touching its data, and
    what the GPU pipeline cannot take is a trtcore error naming the image."""
    from trtcore.errors import DTypeError as DT
    from trtcore.pipelines import gpu
    from trtcore.pipelines.image_prep import image_list

    assert _core.array_info(np.zeros((2, 3, 4), np.uint16)) == ("uint16", (2, 3, 4), "host")
    assert _core.array_info(FakeCudaImage((5, 6, 3))) == ("uint8", (5, 6, 3), "device")
    assert gpu.cuda_image(np.zeros((2, 2, 3), np.uint8)) is None
    img, top = gpu.pipeline_image(FakeCudaImage((5, 6, 3)), None, None, 3)
    assert isinstance(img, gpu.CudaImage) and img.shape == (5, 6, 3) and top == 255
    assert gpu.pipeline_image(FakeCudaImage((5, 6, 3), "<u2"), None, 4095, 3)[1] == 4095
    with pytest.raises(ShapeError, match=r"image: a CUDA image must be HWC, got shape \[5, 6\]"):
        gpu.pipeline_image(FakeCudaImage((5, 6)), None, None, 3)
    with pytest.raises(DT, match="image arrays must be HWC uint8 or uint16, got float32"):
        gpu.pipeline_image(FakeCudaImage((5, 6, 3), "<f4"), None, None, 3)
    with pytest.raises(ArgumentError, match="the CUDA image has 4 channels, the model takes 3"):
        gpu.pipeline_image(FakeCudaImage((5, 6, 4)), None, None, 3)
    one = FakeCudaImage((5, 6, 3))
    assert image_list(one) == [one]  # one image, not its rows


# -- on the GPU ----------------------------------------------------------------------------------------------------

@pytest.mark.gpu
@needs_kernels
@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("pre", [Preprocess(), IMAGENET, Preprocess((0.5,), (0.25,), maxval=200.0)])
def test_segment_equals_the_cpu_pipeline(dtype, pre):
    runner = logits_runner(dtype)
    gpu, cpu = Segmenter(runner, preprocess=pre, device="cuda"), Segmenter(runner, preprocess=pre, device="cpu")
    for seed, (h, w) in enumerate([(37, 53), (1, 1), (64, 64), (5, 129)]):
        img = image(h, w, seed=seed)
        got = gpu.segment(img)
        assert gpu.on_gpu and not cpu.on_gpu
        assert got.dtype == np.int64 and got.shape == (h, w)
        np.testing.assert_array_equal(got, cpu.segment(img))
        np.testing.assert_array_equal(gpu.colorized(img), cpu.colorized(img))


@pytest.mark.gpu
@needs_kernels
def test_segment_uint16_grey_and_file_maxval(tmp_path):
    """16-bit images and 1-channel models: normalized from the image's own full scale, as on the CPU."""
    runner = logits_runner(shape=(1, 3, -1, -1))
    img16 = image(20, 30, dtype=np.uint16, seed=3)
    gpu, cpu = Segmenter(runner, device="cuda"), Segmenter(runner, device="cpu")
    np.testing.assert_array_equal(gpu.segment(img16), cpu.segment(img16))
    grey = image(9, 11, c=1, seed=4)  # converted to 3 channels first, as on the CPU
    np.testing.assert_array_equal(gpu.segment(grey), cpu.segment(grey))


@pytest.mark.gpu
@needs_kernels
def test_pad_and_resize_policies_match_the_cpu():
    runner = logits_runner(shape=(1, 3, 40, 48))
    img = image(31, 45, seed=5)
    for policy in ("pad", "resize"):
        gpu = Segmenter(runner, size_policy=policy, preprocess=IMAGENET, device="cuda")
        cpu = Segmenter(runner, size_policy=policy, preprocess=IMAGENET, device="cpu")
        got = gpu.segment(img)
        assert got.shape == (31, 45)
        np.testing.assert_array_equal(got, cpu.segment(img))
        np.testing.assert_array_equal(gpu.colorized(img), cpu.colorized(img))
        (pipe,) = gpu.gpu_pipelines.current()
        assert pipe.stats["resizes"] == (2 if policy == "resize" else 0)  # resized on the device, not the host
    with pytest.raises(ShapeError, match="padding cannot shrink it"):
        Segmenter(runner, size_policy="pad", device="cuda").segment(image(41, 10))
    with pytest.raises(ShapeError, match="takes 40x48"):
        Segmenter(runner, device="cuda").segment(img)


@pytest.mark.gpu
@needs_kernels
def test_one_cuda_graph_for_fixed_shapes_and_recapture_on_new_ones():
    seg = Segmenter(logits_runner(), device="cuda")
    a, b = image(24, 32, seed=1), image(24, 32, seed=2)
    # Each result is dropped before the next run (copies kept), so every run writes the same result buffer.
    results = [seg.segment(x).copy() for x in (a, b, a, b, a)]
    (pipe,) = seg.gpu_pipelines.current()
    stats = pipe.stats
    assert stats["runs"] == 5 and stats["graph_captures"] == 1 and stats["graph_launches"] == 4, stats
    np.testing.assert_array_equal(results[0], results[2])
    np.testing.assert_array_equal(results[1], results[3])
    assert not np.array_equal(results[0], results[1])
    seg.segment(image(25, 32))  # new shape: a plain run, then a new capture
    seg.segment(image(25, 32))
    assert pipe.stats["graph_captures"] == 2
    assert pipe.stats["allocations"] > stats["allocations"]


@pytest.mark.gpu
@needs_kernels
def test_results_are_lent_pinned_buffers_that_later_runs_leave_alone():
    """Labels and colours come back in the pipeline's pinned buffers themselves (no copy out of them): each run
    writes into a buffer no result holds, so every result keeps its values. With two results held, the next ones
    are copies (a numpy array owning its memory), so keeping every result never piles up pinned memory."""
    runner = logits_runner()
    seg = Segmenter(runner, preprocess=IMAGENET, device="cuda")
    cpu = Segmenter(runner, preprocess=IMAGENET, device="cpu")
    imgs = [image(24, 32, seed=s) for s in range(6)]
    held = [seg.segment_colorized(x) for x in imgs]
    for x, (labels, rgb) in zip(imgs, held):
        want_labels, want_rgb = cpu.segment_colorized(x)
        np.testing.assert_array_equal(labels, want_labels)
        np.testing.assert_array_equal(rgb, want_rgb)
    assert [labels.base is not None for labels, _ in held] == [True, True, False, False, False, False]
    assert [rgb.base is not None for _, rgb in held] == [True, True, False, False, False, False]
    lent_labels = held[0][0]
    del held
    labels, _ = seg.segment_colorized(imgs[0])
    assert labels.base is not None  # lent again once the holders are gone
    np.testing.assert_array_equal(lent_labels, labels)
    lent_labels[:] = -1  # a lent result is the caller's: writing it changes no later result
    np.testing.assert_array_equal(seg.segment(imgs[0]), labels)


@pytest.mark.gpu
@needs_kernels
def test_alternating_result_buffers_replay_their_own_graphs():
    """`out = seg.colorized(x)` in a loop holds the previous result during each run, so runs alternate between two
    result buffers: each address gets its graph (captured on its second run), and later runs replay them."""
    runner = logits_runner()
    seg = Segmenter(runner, preprocess=IMAGENET, device="cuda")
    imgs = [image(24, 32, seed=s) for s in range(2)]
    want = [Segmenter(runner, preprocess=IMAGENET, device="cpu").colorized(x) for x in imgs]
    out = None
    for i in range(8):
        out = seg.colorized(imgs[i % 2])
        np.testing.assert_array_equal(out, want[i % 2])
    (pipe,) = seg.gpu_pipelines.current()
    stats = pipe.stats
    assert stats["graph_captures"] == 2 and stats["graph_launches"] == 6 and stats["graphs"] == 2, stats


@pytest.mark.gpu
@needs_kernels
def test_an_image_too_large_for_the_device_is_an_error_and_the_pipeline_recovers():
    """A 6000x6000 image in front of a 2000-class model needs 288 GB of logits, more than any GPU we have: a
    CudaOutOfMemory naming the tensor and the size, and the next image of a sensible size runs."""
    from trtcore.errors import CudaOutOfMemory

    runner = ExecutorRunner(lambda: IdentityBackend([("input", "float32", [1, 3, -1, -1])],
                                                    [("logits", "float32", [1, 2000, -1, -1], "input")]))
    seg = Segmenter(runner, device="cuda")
    small = image(16, 16)
    want = seg.segment(small)
    with pytest.raises(CudaOutOfMemory, match=r"tensor 'logits' \(288\.0 GB\)"):
        seg.segment(np.zeros((6000, 6000, 3), np.uint8))
    np.testing.assert_array_equal(seg.segment(small), want)


@pytest.mark.gpu
@needs_kernels
def test_zero_copy_transfers_give_the_same_results():
    """normalize reading pinned host memory and colorize writing it (the default), or copies: the same bytes."""
    runner = logits_runner()
    img = image(33, 65, seed=7)
    seg = Segmenter(runner, preprocess=IMAGENET, device="cuda")
    want_labels, want_colors = seg.segment(img), seg.colorized(img)
    for pipe in seg.gpu_pipelines.current():
        assert pipe.zero_copy
        pipe.zero_copy = False
    for _ in range(3):  # plain run, capture, replay
        np.testing.assert_array_equal(seg.segment(img), want_labels)
        np.testing.assert_array_equal(seg.colorized(img), want_colors)
    np.testing.assert_array_equal(want_colors, Segmenter(runner, preprocess=IMAGENET, device="cpu").colorized(img))


@pytest.mark.gpu
@needs_kernels
def test_stage_timing_measures_every_stage():
    seg = Segmenter(logits_runner(), device="cuda")
    seg.segment(image(64, 80))
    (pipe,) = seg.gpu_pipelines.current()
    pipe.set_stage_timing(True)
    seg.colorized(image(64, 80))
    times = pipe.stats["stage_seconds"]
    assert set(times) == {"upload", "preprocess", "model", "postprocess", "download"}
    assert all(t >= 0 for t in times.values()), times


@pytest.mark.gpu
@needs_kernels
def test_ids_outside_an_explicit_palette_name_the_id_and_pixel():
    """Colours given for 2 classes, a 3-class model (pixel / 255: black is class 0, blue class 2): the GPU reports
    what the CPU colorize reports."""
    runner = logits_runner()
    img = np.zeros((4, 5, 3), np.uint8)
    img[2, 3] = (0, 0, 255)  # the only pixel whose argmax is class 2
    colors = np.array([[1, 2, 3], [4, 5, 6]], np.uint8)
    with pytest.raises(ArgumentError) as cpu_error:
        Segmenter(runner, colors=colors, preprocess=UNIT, device="cpu").colorized(img)
    with pytest.raises(ArgumentError) as gpu_error:
        Segmenter(runner, colors=colors, preprocess=UNIT, device="cuda").colorized(img)
    assert str(gpu_error.value) == str(cpu_error.value)
    assert "class id 2 at pixel index 13" in str(gpu_error.value)


@pytest.mark.gpu
@needs_kernels
@pytest.mark.parametrize("softmax", [False, True])
def test_classify_equals_the_cpu_pipeline(softmax):
    runner = scores_runner()
    gpu = Classifier(runner, softmax=softmax, preprocess=IMAGENET, device="cuda")
    cpu = Classifier(runner, softmax=softmax, preprocess=IMAGENET, device="cpu")
    imgs = [image(4, 5, seed=s) for s in range(3)] + [image(9, 7, seed=9)]  # the last one is resized
    got, want = gpu.classify(imgs, k=7), cpu.classify(imgs, k=7)
    assert gpu.on_gpu and got == want
    assert gpu.classify(imgs[:1], k=1000)[0] == cpu.classify(imgs[:1], k=1000)[0]  # k above the class count
    assert len(gpu.classify(imgs[:1], k=1000)[0]) == 60


@pytest.mark.gpu
@needs_kernels
def test_classifier_resizes_on_the_device_exactly_as_the_host():
    """torchvision's ImageNet eval geometry (shorter side 256, centre crop 224) and a plain stretch, run by the GPU
    resize: the same predictions as the CPU path's Pillow resize, for landscape, portrait, upscaled and very tall
    images (Pillow >= 12.2 resizes those vertically first); 16-bit images are resized on the host."""
    runner = ExecutorRunner(lambda: IdentityBackend([("input", "float32", [1, 3, 224, 224])],
                                                    [("scores", "float32", [1, 3 * 224 * 224, 1, 1], "input")]))
    imgs = [image(480, 640, seed=1), image(333, 250, seed=2), image(100, 120, seed=3), image(4000, 30, seed=4)]
    for resize in ("imagenet", "stretch"):
        gpu = Classifier(runner, resize=resize, preprocess=IMAGENET, device="cuda")
        cpu = Classifier(runner, resize=resize, preprocess=IMAGENET, device="cpu")
        assert gpu.classify(imgs, k=20) == cpu.classify(imgs, k=20), resize
        (pipe,) = gpu.gpu_pipelines.current()
        assert pipe.stats["resizes"] == len(imgs)
    deep = image(300, 260, dtype=np.uint16, seed=5)
    gpu = Classifier(runner, resize="imagenet", preprocess=IMAGENET, device="cuda")
    assert gpu.classify([deep], k=5) == Classifier(runner, resize="imagenet", preprocess=IMAGENET,
                                                   device="cpu").classify([deep], k=5)
    assert gpu.gpu_pipelines.current()[0].stats["resizes"] == 0


@pytest.mark.gpu
@needs_kernels
def test_cuda_images_go_through_without_an_upload():
    """torch CUDA HWC images (uint8 and uint16, copied up on a side stream) give what the same images give from numpy,
    through Segmenter.segment / colorized (with a pad and a resize policy) and Classifier.classify (ImageNet eval
    geometry on the GPU), and no image byte comes from the host. The CPU pipeline copies them to the host once."""
    torch = pytest.importorskip("torch")
    side = torch.cuda.Stream()
    imgs = [image(37, 53, seed=3), image(40, 48, dtype=np.uint16, seed=4)]
    with torch.cuda.stream(side):
        cuda = [torch.from_numpy(x).cuda(non_blocking=True) for x in imgs]
    torch.cuda.current_stream().wait_stream(side)  # the stream the tensors' array interface names orders after it
    runner = logits_runner()
    seg = Segmenter(runner, preprocess=IMAGENET, device="cuda")
    for x, t in zip(imgs, cuda):
        np.testing.assert_array_equal(seg.segment(t), seg.segment(x))
        np.testing.assert_array_equal(seg.colorized(t), Segmenter(runner, preprocess=IMAGENET,
                                                                  device="cpu").colorized(t))
    def uploaded():  # one pipeline per full scale (255, 65535)
        return sum(p.stats["uploaded_bytes"] for p in seg.gpu_pipelines.current())

    before = uploaded()
    for t in cuda:
        seg.segment(t)
    assert uploaded() == before and len(seg.gpu_pipelines.current()) == 2
    fixed = logits_runner(shape=(1, 3, 40, 56))
    for policy in ("pad", "resize"):
        gpu = Segmenter(fixed, size_policy=policy, preprocess=IMAGENET, device="cuda")
        np.testing.assert_array_equal(gpu.segment(cuda[0]), gpu.segment(imgs[0]))
    with pytest.raises(ArgumentError, match="uint16 CUDA image of 40x48 cannot be resized on the GPU"):
        Segmenter(logits_runner(shape=(1, 3, 20, 24)), size_policy="resize", device="cuda").segment(cuda[1])
    clf_runner = ExecutorRunner(lambda: IdentityBackend([("input", "float32", [1, 3, 24, 24])],
                                                        [("scores", "float32", [1, 3 * 24 * 24, 1, 1], "input")]))
    photo = image(30, 41, seed=5)
    from trtcore.pipelines.image_prep import ResizePolicy

    policy = ResizePolicy("small eval", shorter_side=28, crop=(24, 24))
    gpu = Classifier(clf_runner, resize=policy, preprocess=IMAGENET, device="cuda")
    want = Classifier(clf_runner, resize=policy, preprocess=IMAGENET, device="cpu").classify([photo], k=10)
    assert gpu.classify(torch.from_numpy(photo).cuda(), k=10) == want
    assert gpu.gpu_pipelines.current()[0].stats["uploaded_bytes"] == 0


@pytest.mark.gpu
@needs_kernels
def test_gpu_resize_requests_are_checked():
    pipe = used_pipeline()
    with pytest.raises(DTypeError, match="the GPU resize takes uint8 images, got uint16"):
        pipe.segment(image(8, 8, dtype=np.uint16), resize=(4, 4, 0, 0, 4, 4))
    with pytest.raises(ArgumentError):
        pipe.segment(image(8, 8), resize=(4, 4, 2, 2, 4, 4))  # the crop window leaves the resized image
    labels, _ = pipe.segment(image(8, 8), resize=(16, 12, 1, 2, 10, 9))
    assert labels.shape == (10, 9)


@pytest.mark.gpu
@needs_kernels
def test_backend_failure_surfaces_and_the_pipeline_recovers():
    backends = []

    def factory():
        backends.append(IdentityBackend([("input", "float32", [1, 3, -1, -1])],
                                        [("logits", "float32", [1, 3, -1, -1], "input")]))
        return backends[-1]

    seg = Segmenter(ExecutorRunner(factory), device="cuda")
    img = image(8, 8)
    want = seg.segment(img)
    backends[-1].set_fail_enqueue(True)
    with pytest.raises(Exception, match="IdentityBackend"):
        seg.segment(img)
    backends[-1].set_fail_enqueue(False)
    np.testing.assert_array_equal(seg.segment(img), want)


@pytest.mark.gpu
@needs_kernels
def test_bad_images_are_trtcore_errors():
    pipe = used_pipeline()
    with pytest.raises(DTypeError, match="image: dtype must be uint8, uint16, got float32"):
        pipe.segment(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ShapeError, match="expected an HWC array"):
        pipe.segment(np.zeros((4, 4), np.uint8))
    with pytest.raises(ShapeError, match="takes 3 channels, the image has 4"):
        pipe.segment(np.zeros((4, 4, 4), np.uint8))
    with pytest.raises(ArgumentError, match="C-contiguous"):
        pipe.segment(np.zeros((4, 8, 3), np.uint8)[:, ::2])
    with pytest.raises(DTypeError, match="labels must be int64, int32 or uint8"):
        pipe.segment(image(4, 4), labels_dtype="float32")
