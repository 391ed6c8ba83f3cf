"""The GPU image kernels (cpp/image/cuda) against their CPU twins (cpp/image) and torch's equivalents, through
trtcore._testing's gpu_* bindings: bit-exact for normalize, argmax, colorize, resize, top-k and overlay; softmax
within SOFTMAX_ULP of the scalar CPU kernel. Inputs are random and edge cases (NaN, ties, +-0, 1-pixel images, odd
sizes, uint16, float16, many classes); bad input raises the CPU kernel's error."""

from __future__ import annotations

import re

import numpy as np
import pytest

from trtcore import _core, _testing
from trtcore import image as timage
from trtcore.errors import ArgumentError, DTypeError, ShapeError

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not getattr(_testing, "has_cuda_kernels", False),
                       reason="trtcore was built without the GPU image kernels (no nvcc)"),
]

# The bound cpp/image/cuda/softmax.h states: e = exp(x - max) rounded once from double on the GPU vs libm's expf
# on the CPU (<= 1 ulp apart), the sum rounded to float (<= 1 ulp), one IEEE division each.
SOFTMAX_ULP = 3

NAN, INF = np.float32(np.nan), np.float32(np.inf)
MEMORY = ["device", "pinned"]


def torch_cuda():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch has no CUDA device")
    return torch


def raises_like(cpu_call, gpu_call):
    """The GPU op raises what the CPU op raises: the same class and message."""
    with pytest.raises(Exception) as cpu:
        cpu_call()
    with pytest.raises(type(cpu.value), match=re.escape(str(cpu.value))):
        gpu_call()
    return cpu.value


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a - b| in float32 units in the last place (both finite), via the ordered integer view."""
    def ordered(x):
        i = x.astype(np.float32).view(np.int32).astype(np.int64)
        return np.where(i < 0, -(i & 0x7FFFFFFF), i)
    return np.abs(ordered(a) - ordered(b))


# --- normalize --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("src", ["uint8", "uint16"])
@pytest.mark.parametrize("dst", ["float32", "float16"])
@pytest.mark.parametrize("memory", MEMORY)
def test_normalize_equals_cpu(src, dst, memory):
    rng = np.random.default_rng(1)
    top = 255 if src == "uint8" else 65535
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    for shape in [(1, 1, 1, 3), (2, 7, 5, 3), (1, 33, 65, 3)]:
        img = rng.integers(0, top + 1, shape).astype(src)
        img.flat[0], img.flat[-1] = 0, top
        want = _testing.kernel_normalize("scalar", img, mean, std, float(top), dst)
        got = _testing.gpu_normalize(img, mean, std, float(top), dst, memory=memory)
        assert got.dtype == np.dtype(dst) and got.shape == want.shape
        np.testing.assert_array_equal(got.view(np.uint32 if dst == "float32" else np.uint16),
                                      want.view(np.uint32 if dst == "float32" else np.uint16))


def test_normalize_placement_pads_with_zeros():
    rng = np.random.default_rng(2)
    img = rng.integers(0, 256, (2, 5, 7, 1)).astype(np.uint8)
    got = _testing.gpu_normalize(img, [0.5], [0.25], 255.0, placement=[9, 10, 3, 2])
    want = np.zeros((2, 1, 9, 10), np.float32)
    want[:, :, 3:8, 2:9] = _testing.kernel_normalize("scalar", img, [0.5], [0.25], 255.0)
    np.testing.assert_array_equal(got, want)
    with pytest.raises(ArgumentError, match="does not fit"):
        _testing.gpu_normalize(img, [0.5], [0.25], 255.0, placement=[5, 7, 1, 0])


def test_normalize_bad_input_raises_the_cpu_error():
    img = np.zeros((1, 2, 2, 3), np.float32)
    raises_like(lambda: _testing.kernel_normalize("scalar", img, [0] * 3, [1] * 3, 255.0),
                lambda: _testing.gpu_normalize(img, [0] * 3, [1] * 3, 255.0))
    img8 = np.zeros((1, 2, 2, 3), np.uint8)
    raises_like(lambda: _testing.kernel_normalize("scalar", img8, [0] * 3, [0, 1, 1], 255.0),
                lambda: _testing.gpu_normalize(img8, [0] * 3, [0, 1, 1], 255.0))
    with pytest.raises(ArgumentError, match="at most 8 channels"):
        _testing.gpu_normalize(np.zeros((1, 1, 1, 9), np.uint8), [0] * 9, [1] * 9, 255.0)
    with pytest.raises(ShapeError, match=r"\[N, H, W, C\]"):
        _testing.gpu_normalize(np.zeros((2, 2, 3), np.uint8), [0] * 3, [1] * 3, 255.0)


# --- argmax -----------------------------------------------------------------------------------------------

def special_logits(rng, n, c, h, w, dtype):
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    flat = x.reshape(n, c, -1)
    flat[:, :, 0] = 1.0  # all classes tie: class 0
    if h * w > 1:
        flat[:, :, 1] = NAN  # all NaN: class 0
    if h * w > 2:
        flat[:, 1:, 2] = NAN  # first NaN wins over the numbers before it
    if h * w > 3:
        flat[:, -1, 3] = INF
    if h * w > 4:
        flat[:, :, 4] = -INF
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("label", ["int64", "int32", "uint8"])
@pytest.mark.parametrize("memory", MEMORY)
def test_argmax_equals_cpu(dtype, label, memory):
    rng = np.random.default_rng(3)
    for n, c, h, w in [(1, 1, 1, 1), (1, 21, 17, 13), (2, 5, 1, 9), (1, 3, 64, 65)]:
        x = special_logits(rng, n, c, h, w, dtype)
        want = _testing.kernel_argmax("scalar", x, label)
        got = _testing.gpu_argmax(x, label, out_memory=memory)
        assert got.dtype == np.dtype(label)
        np.testing.assert_array_equal(got, want)


def test_argmax_many_classes_and_ties_equal_cpu():
    rng = np.random.default_rng(4)
    x = rng.integers(-3, 3, (1, 1000, 8, 9)).astype(np.float32)  # many ties among integers
    np.testing.assert_array_equal(_testing.gpu_argmax(x, "int32"), _testing.kernel_argmax("scalar", x, "int32"))
    raises_like(lambda: _testing.kernel_argmax("scalar", x, "uint8"), lambda: _testing.gpu_argmax(x, "uint8"))


def test_argmax_equals_torch():
    torch = torch_cuda()
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 21, 31, 47)).astype(np.float32)
    x[0, :, 0, 0] = 2.0  # a tie: torch also returns the first maximum
    t = torch.from_numpy(x).cuda()
    got = _testing.gpu_argmax(t, "int64", stream=torch.cuda.current_stream().cuda_stream)
    np.testing.assert_array_equal(got, torch.argmax(t, dim=1).cpu().numpy())


def test_argmax_bad_input_raises_the_cpu_error():
    for x in [np.zeros((1, 2, 2, 2), np.float64), np.zeros((1, 0, 2, 2), np.float32)]:
        raises_like(lambda x=x: _testing.kernel_argmax("scalar", x), lambda x=x: _testing.gpu_argmax(x))
    with pytest.raises(ShapeError):
        _testing.gpu_argmax(np.zeros((2, 2, 2), np.float32))


# --- colorize and overlay ---------------------------------------------------------------------------------

@pytest.mark.parametrize("label", [np.int64, np.int32, np.uint8])
@pytest.mark.parametrize("memory", MEMORY)
def test_colorize_equals_cpu(label, memory):
    rng = np.random.default_rng(6)
    colors = rng.integers(0, 256, (21, 3)).astype(np.uint8)
    for shape in [(1, 1), (37, 29), (2, 5, 7)]:
        labels = rng.integers(0, 21, shape).astype(label)
        got = _testing.gpu_colorize(labels, colors, out_memory=memory)
        np.testing.assert_array_equal(got.reshape(-1, 3), _testing.kernel_colorize("scalar", labels, colors))
        assert got.shape == shape + (3,)


@pytest.mark.parametrize("bad", [21, -1, 255])
def test_colorize_id_outside_the_palette_raises_the_cpu_error(bad):
    colors = timage.palette(21)
    labels = np.zeros((4, 6), np.int64 if bad < 0 else np.int32)
    labels[2, 3], labels[3, 5] = bad, bad  # the first one is reported
    if bad == 255:
        labels = labels.astype(np.uint8)
    raises_like(lambda: _testing.kernel_colorize("scalar", labels, colors),
                lambda: _testing.gpu_colorize(labels, colors))


@pytest.mark.parametrize("alpha", [0.0, 1.0, 0.5, 0.3, 1 / 3])
@pytest.mark.parametrize("image_type", [np.uint8, np.uint16])
@pytest.mark.parametrize("memory", MEMORY)
def test_overlay_equals_cpu(alpha, image_type, memory):
    rng = np.random.default_rng(7)
    colors = rng.integers(0, 256, (256, 3)).astype(np.uint8)
    top = 255 if image_type == np.uint8 else 65535
    for h, w in [(1, 1), (256, 256), (13, 31)]:
        image = rng.integers(0, top + 1, (h, w, 3)).astype(image_type)
        labels = rng.integers(0, 256, (h, w)).astype(np.uint8)
        want = _core.image.overlay(image, _testing.kernel_colorize("scalar", labels, colors).reshape(h, w, 3), alpha)
        got = _testing.gpu_overlay(image, labels, colors, alpha, memory=memory, out_memory=memory)
        np.testing.assert_array_equal(got, want)


def test_overlay_bad_input():
    colors = timage.palette(4)
    image = np.zeros((2, 3, 3), np.uint8)
    labels = np.zeros((2, 3), np.int64)
    labels[1, 2] = 4
    raises_like(lambda: _testing.kernel_colorize("scalar", labels, colors),
                lambda: _testing.gpu_overlay(image, labels, colors))
    with pytest.raises(ArgumentError, match="alpha"):
        _testing.gpu_overlay(image, np.zeros((2, 3), np.int64), colors, 1.5)
    with pytest.raises(DTypeError, match="uint8 or uint16"):
        _testing.gpu_overlay(image.astype(np.float32), np.zeros((2, 3), np.int64), colors)
    with pytest.raises(ShapeError):
        _testing.gpu_overlay(image, np.zeros((3, 3), np.int64), colors)


# --- resize -----------------------------------------------------------------------------------------------

RESIZE_SIZES = [(1, 1, 1, 1), (1, 1, 3, 5), (9, 7, 1, 1), (17, 31, 8, 15), (8, 15, 17, 31), (480, 640, 224, 224),
                (1026, 1282, 513, 641), (500, 4, 50, 3), (33, 2, 11, 4), (100, 100, 3, 97)]


@pytest.mark.parametrize("size", RESIZE_SIZES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("channels", [3, 1, 0, 4])
def test_resize_equals_cpu_and_pillow(size, channels):
    h, w, oh, ow = size
    rng = np.random.default_rng(h + w + channels)
    img = rng.integers(0, 256, (h, w) if channels == 0 else (h, w, channels)).astype(np.uint8)
    want = _testing.resize(img, oh, ow)
    np.testing.assert_array_equal(_testing.gpu_resize(img, oh, ow), want)
    if channels == 3:
        Image = pytest.importorskip("PIL.Image")
        pil = np.asarray(Image.fromarray(img).resize((ow, oh), Image.Resampling.BILINEAR))
        tall_first = tuple(int(p) for p in Image.__version__.split(".")[:2]) >= (12, 2)
        np.testing.assert_array_equal(_testing.gpu_resize(img, oh, ow, tall_vertical_first=tall_first), pil)


@pytest.mark.parametrize("memory", MEMORY)
def test_resize_with_boxes_and_pinned_memory_equals_cpu(memory):
    rng = np.random.default_rng(8)
    for _ in range(40):
        h, w, oh, ow = (int(v) for v in rng.integers(1, 90, 4))
        img = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
        x0, x1 = sorted(rng.uniform(0, w, 2))
        y0, y1 = sorted(rng.uniform(0, h, 2))
        box = (float(x0), float(y0), float(max(x1, x0 + 0.01)), float(max(y1, y0 + 0.01)))
        box = (box[0], box[1], min(box[2], w), min(box[3], h))
        np.testing.assert_array_equal(_testing.gpu_resize(img, oh, ow, box, memory=memory, out_memory=memory),
                                      _testing.resize(img, oh, ow, box), err_msg=f"{h, w, oh, ow, box}")


def test_resize_cut_plans_equal_cpu():
    rng = np.random.default_rng(16)
    for h, w, oh, ow, crop in [(480, 640, 256, 341, (16, 58, 224, 224)), (40, 30, 40, 30, (3, 4, 20, 10)),
                               (500, 4, 50, 3, (10, 1, 20, 2)), (33, 50, 33, 20, (0, 5, 33, 10))]:
        img = rng.integers(0, 256, (h, w, 3)).astype(np.uint8)
        np.testing.assert_array_equal(_testing.gpu_resize(img, oh, ow, crop=crop),
                                      _testing.resize(img, oh, ow, crop=crop))
        np.testing.assert_array_equal(_testing.gpu_resize(img, oh, ow, crop=crop),
                                      _testing.resize(img, oh, ow)[crop[0]:crop[0] + crop[2], crop[1]:crop[1] + crop[3]])


def test_resize_integer_crop_box_and_copy():
    img = np.random.default_rng(9).integers(0, 256, (12, 16, 3)).astype(np.uint8)
    np.testing.assert_array_equal(_testing.gpu_resize(img, 6, 10, (2, 3, 12, 9)), img[3:9, 2:12])
    np.testing.assert_array_equal(_testing.gpu_resize(img, 12, 16), img)


@pytest.mark.parametrize("size", [(480, 640, 224, 224), (64, 48, 128, 96), (100, 300, 37, 29), (37, 29, 100, 300)])
def test_resize_within_one_level_of_torch_antialias(size):
    torch = torch_cuda()
    h, w, oh, ow = size
    img = np.random.default_rng(10).integers(0, 256, (h, w, 3)).astype(np.uint8)
    t = torch.from_numpy(img).cuda().permute(2, 0, 1)[None].float()
    ref = torch.nn.functional.interpolate(t, size=(oh, ow), mode="bilinear", antialias=True, align_corners=False)
    ref = ref.round().clamp(0, 255)[0].permute(1, 2, 0).to(torch.uint8).cpu().numpy()
    got = _testing.gpu_resize(torch.from_numpy(img).cuda(), oh, ow)
    assert np.abs(got.astype(np.int16) - ref.astype(np.int16)).max() <= 1


def test_resize_bad_input():
    img = np.zeros((6, 8, 3), np.uint8)
    with pytest.raises(DTypeError, match="uint8"):
        _testing.gpu_resize(img.astype(np.uint16), 3, 3)
    for box, text in [((0, 0, 9, 6), "exceed"), ((-1, 0, 4, 4), "negative"), ((3, 0, 2, 4), "empty")]:
        raises_like(lambda box=box: _testing.resize(img, 3, 3, box), lambda box=box: _testing.gpu_resize(img, 3, 3, box))
    with pytest.raises(ArgumentError, match="at least 1x1"):
        _testing.gpu_resize(img, 0, 3)


# --- softmax ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("shape", [(1, 1), (3, 1000), (64, 21), (2, 100_003), (1000, 10)])
def test_softmax_within_the_stated_ulp_of_cpu(dtype, shape):
    rng = np.random.default_rng(11)
    x = (rng.standard_normal(shape) * 8).astype(dtype)
    want = _testing.kernel_softmax("scalar", x)
    got = _testing.gpu_softmax(x)
    assert got.dtype == np.float32 and got.shape == shape
    worst = int(ulp_distance(got, want).max())
    assert worst <= SOFTMAX_ULP, f"{worst} ulp"


def test_softmax_special_values_equal_cpu():
    x = np.array([
        [1.0, NAN, 3.0, 3.0, -1.0],          # NaN: all NaN
        [1.0, INF, 3.0, 0.0, -1.0],          # +inf: all NaN
        [-INF, -INF, -INF, -INF, -INF],      # only -inf: all NaN
        [-INF, 0.0, 1.0, -INF, 2.0],         # -inf entries: 0
        [0.0, -0.0, 0.0, -0.0, 0.0],         # ties: equal shares
        [88.0, 88.0, -88.0, -103.0, -150.0],  # under/overflow of exp without the max
    ], np.float32)
    want = _testing.kernel_softmax("scalar", x)
    got = _testing.gpu_softmax(x)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    assert ulp_distance(got[ok], want[ok]).max() <= SOFTMAX_ULP
    assert np.all(got[3][[0, 3]] == 0)


def test_softmax_close_to_torch():
    torch = torch_cuda()
    x = torch.randn(17, 1000, device="cuda") * 5
    got = _testing.gpu_softmax(x, stream=torch.cuda.current_stream().cuda_stream)
    np.testing.assert_allclose(got, torch.softmax(x, dim=-1).cpu().numpy(), rtol=1e-5, atol=1e-9)


def test_softmax_bad_input_raises_the_cpu_error():
    for x in [np.zeros((2, 3), np.float64), np.zeros((0, 3), np.float32)]:
        raises_like(lambda x=x: _testing.kernel_softmax("scalar", x), lambda x=x: _testing.gpu_softmax(x))
    with pytest.raises(ShapeError):
        _testing.gpu_softmax(np.zeros((2, 3, 4), np.float32))


# --- top-k ------------------------------------------------------------------------------------------------

def tricky_scores(rng, rows, cols, dtype):
    x = rng.integers(-4, 4, (rows, cols)).astype(dtype)  # many ties
    x[0, ::7] = NAN
    x[-1, ::5] = -0.0
    x[-1, 1::5] = 0.0
    if cols > 3:
        x[0, 3] = INF
        x[-1, 2] = -INF
    return x


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("rows, cols, k", [(1, 1, 1), (3, 10, 10), (5, 1000, 5), (2, 4096, 4096), (2, 4097, 2048),
                                           (2, 100_000, 100), (7, 33, 17), (1, 6000, 1)])
@pytest.mark.parametrize("memory", ["device", "pinned"])
def test_topk_equals_cpu(dtype, rows, cols, k, memory):
    rng = np.random.default_rng(rows * cols + k)
    x = tricky_scores(rng, rows, cols, dtype)
    want_i, want_v = _core.image.topk(x, k)
    got_i, got_v = _testing.gpu_topk(x, k, out_memory=memory)
    np.testing.assert_array_equal(got_i, want_i)
    np.testing.assert_array_equal(got_v, want_v)  # NaN where the CPU has NaN
    numbers = ~np.isnan(want_v)
    np.testing.assert_array_equal(np.signbit(got_v[numbers]), np.signbit(want_v[numbers]))  # -0 stays -0


def test_topk_random_rows_equal_cpu_and_numpy_order():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((300, 1000)).astype(np.float32)
    got_i, got_v = _testing.gpu_topk(x, 10)
    np.testing.assert_array_equal(got_i, np.argsort(-x, axis=1, kind="stable")[:, :10])
    np.testing.assert_array_equal(got_v, np.take_along_axis(x, got_i, axis=1))
    assert _testing.gpu_topk(x, 3, values=False)[1] is None


def test_topk_equals_torch_without_ties():
    torch = torch_cuda()
    x = torch.randn(64, 1000, device="cuda")
    got_i, got_v = _testing.gpu_topk(x, 5, stream=torch.cuda.current_stream().cuda_stream)
    want = torch.topk(x, 5, dim=-1, largest=True, sorted=True)
    np.testing.assert_array_equal(got_i, want.indices.cpu().numpy())
    np.testing.assert_array_equal(got_v, want.values.cpu().numpy())


def test_topk_bad_input():
    x = np.zeros((2, 5), np.float32)
    for k in (0, 6):
        raises_like(lambda k=k: _core.image.topk(x, k), lambda k=k: _testing.gpu_topk(x, k))
    with pytest.raises(DTypeError, match="float32 or float16, got int32"):
        _testing.gpu_topk(x.astype(np.int32), 2)
    with pytest.raises(ArgumentError, match="k <= 2048"):
        _testing.gpu_topk(np.zeros((1, 5000), np.float32), 2049)


# --- how arrays and streams are taken -----------------------------------------------------------------------

class HostPointerAsCudaArray:
    """A __cuda_array_interface__ over host memory: what a confused caller might hand over."""

    def __init__(self, a: np.ndarray):
        self.a = a
        self.__cuda_array_interface__ = {"shape": a.shape, "typestr": a.dtype.str, "data": (a.ctypes.data, False),
                                         "version": 3, "strides": None, "stream": None}


def test_a_host_pointer_handed_over_as_a_cuda_array_is_refused():
    x = np.zeros((1, 3, 4, 4), np.float32)
    with pytest.raises(ArgumentError, match="not device memory"):
        _testing.gpu_argmax(HostPointerAsCudaArray(x))


def test_streams_and_cuda_arrays_give_the_same_results():
    stream = _testing.cuda.Stream()
    x = np.random.default_rng(13).standard_normal((2, 50)).astype(np.float32)
    on_stream = _testing.gpu_topk(x, 4, stream=stream.handle)
    np.testing.assert_array_equal(on_stream[0], _testing.gpu_topk(x, 4)[0])
    np.testing.assert_array_equal(_testing.gpu_softmax(x, stream=stream.handle), _testing.gpu_softmax(x))
    # a non-blocking stream: the uploads and the resize tables must be in place before the kernels read them
    img = np.random.default_rng(14).integers(0, 256, (300, 400, 3)).astype(np.uint8)
    for _ in range(3):
        np.testing.assert_array_equal(_testing.gpu_resize(img, 77, 55, stream=stream.handle),
                                      _testing.resize(img, 77, 55))
    batch = img[None]
    np.testing.assert_array_equal(_testing.gpu_normalize(batch, [0.5] * 3, [0.2] * 3, 255.0, stream=stream.handle),
                                  _testing.kernel_normalize("scalar", batch, [0.5] * 3, [0.2] * 3, 255.0))


def test_torch_cuda_tensors_are_read_in_place_and_must_be_contiguous():
    torch = torch_cuda()
    img = torch.randint(0, 256, (20, 30, 3), dtype=torch.uint8, device="cuda")
    np.testing.assert_array_equal(_testing.gpu_resize(img, 7, 9), _testing.resize(img.cpu().numpy(), 7, 9))
    with pytest.raises(ArgumentError, match="C-contiguous"):
        _testing.gpu_resize(img[:, ::2], 7, 9)
    labels = torch.randint(0, 21, (5, 6), dtype=torch.int32, device="cuda")
    colors = timage.palette(21)
    np.testing.assert_array_equal(_testing.gpu_colorize(labels, colors).reshape(-1, 3),
                                  _testing.kernel_colorize("scalar", labels.cpu().numpy(), colors))


class DlpackOnly:
    """A CUDA tensor seen only through DLPack (no __cuda_array_interface__), as jax or a newer cupy hands one over."""

    def __init__(self, tensor):
        self.tensor = tensor

    def __dlpack__(self, stream=None):
        return self.tensor.__dlpack__(stream=stream)

    def __dlpack_device__(self):
        return self.tensor.__dlpack_device__()


def test_dlpack_cuda_tensors_are_read_in_place():
    torch = torch_cuda()
    logits = torch.randn(1, 7, 5, 6, device="cuda")
    np.testing.assert_array_equal(_testing.gpu_argmax(DlpackOnly(logits)),
                                  _testing.kernel_argmax("scalar", logits.cpu().numpy()))
    scores = torch.randn(4, 30, device="cuda", dtype=torch.float16)
    got_i, _ = _testing.gpu_topk(DlpackOnly(scores), 3)
    np.testing.assert_array_equal(got_i, _core.image.topk(scores.cpu().numpy(), 3)[0])
