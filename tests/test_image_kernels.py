"""Every CPU kernel variant (cpp/image/cpu_kernels.h) gives bit-identical results to the scalar reference.

The variants this machine has (scalar, baseline, avx2, avx512 — capped by TRTCORE_CPU_KERNELS) each run the same
random and edge-case inputs: NaN, +-inf, -0/+0, ties, odd widths, 1-pixel images, tails shorter than a vector.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import trtcore
import trtcore._testing as tt
import trtcore.image as ti

ORDER = ["scalar", "baseline", "avx2", "avx512"]
VARIANTS = ORDER[: ORDER.index(tt.supported_cpu_kernels()) + 1]
VECTOR_VARIANTS = VARIANTS[1:]


def each_variant(fn):
    """{variant: fn(variant)} for every variant this machine has, scalar first, plus "dispatched": fn(None)."""
    return {v: fn(v) for v in VARIANTS} | {"dispatched": fn(None)}


def assert_all_equal(results: dict) -> None:
    ref = results["scalar"]
    for v, got in results.items():
        assert got.dtype == ref.dtype and got.shape == ref.shape, v
        assert np.array_equal(got.view(np.uint8), ref.view(np.uint8)), f"{v} differs from scalar"


def test_variant_names():
    assert tt.supported_cpu_kernels() in ORDER
    expected = os.environ.get("TRTCORE_CPU_KERNELS", "auto")
    assert tt.cpu_kernels() == (expected if expected in VARIANTS else tt.supported_cpu_kernels())
    with pytest.raises(trtcore.Error, match="unknown variant 'sse9'"):
        tt.kernel_softmax("sse9", np.zeros((1, 1), np.float32))


@pytest.mark.parametrize("env, expected", [("scalar", "scalar"), ("baseline", "baseline"), ("auto", None),
                                           ("avx512", None), ("no-such", None)])
def test_environment_caps_the_variant(env, expected):
    """TRTCORE_CPU_KERNELS is what reaches _core: its dispatched ops then equal that variant's."""
    code = ("import numpy as np, trtcore.image as ti, trtcore._testing as t; "
            "x = np.random.default_rng(0).standard_normal((64, 999)).astype(np.float32); "
            "v = t.cpu_kernels(); assert np.array_equal(ti.softmax(x), t.kernel_softmax(v, x)); print(v)")
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "TRTCORE_CPU_KERNELS": env},
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == (expected or tt.supported_cpu_kernels())


# ---- argmax ------------------------------------------------------------------------------------------------

def edge_logits(rng: np.random.Generator, n: int, c: int, h: int, w: int) -> np.ndarray:
    """Small integers (many ties) with NaN, +-inf and signed zeros sprinkled in."""
    x = rng.integers(-3, 4, size=(n, c, h, w)).astype(np.float32)
    specials = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 3.0, 1e-40, -1e-40], np.float32)
    mask = rng.random(x.shape) < 0.05
    x[mask] = rng.choice(specials, size=int(mask.sum()))
    return x


SHAPES = [(1, 1, 1, 1), (1, 3, 1, 1), (1, 21, 1, 1), (2, 5, 3, 7), (1, 21, 37, 91), (1, 4, 1, 300_001),
          (3, 2, 129, 257), (1, 256, 5, 67)]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("label", [np.int64, np.int32, np.uint8])
def test_argmax_variants_edge(shape, dtype, label):
    rng = np.random.default_rng(hash((shape, np.dtype(dtype).name, np.dtype(label).name)) % 2**32)
    x = edge_logits(rng, *shape).astype(dtype)
    name = np.dtype(label).name
    results = each_variant(lambda v: tt.kernel_argmax(v, x, name) if v else ti.argmax(x, dtype=label))
    assert_all_equal(results)
    with np.errstate(invalid="ignore"):
        assert np.array_equal(results["scalar"], np.argmax(x, axis=1).astype(label))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_argmax_variants_random(dtype):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((1, 21, 203, 301), dtype=np.float32).astype(dtype)
    assert_all_equal(each_variant(lambda v: tt.kernel_argmax(v, x) if v else ti.argmax(x)))


def test_argmax_variants_every_half():
    """All 65536 float16 bit patterns against each other, pairwise through two classes."""
    bits = np.arange(65536, dtype=np.uint16)
    a = bits.view(np.float16)
    b = np.roll(bits, 12345).view(np.float16)
    for first, second in ((a, b), (b, a), (a, a)):
        x = np.stack([first, second]).reshape(1, 2, 256, 256)
        results = each_variant(lambda v: tt.kernel_argmax(v, x) if v else ti.argmax(x))
        assert_all_equal(results)
        with np.errstate(invalid="ignore"):
            assert np.array_equal(results["scalar"], np.argmax(x, axis=1))


def test_argmax_variants_float32_bit_patterns():
    rng = np.random.default_rng(3)
    bits = rng.integers(0, 2**32, size=(1, 6, 61, 67), dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)
    results = each_variant(lambda v: tt.kernel_argmax(v, x) if v else ti.argmax(x))
    assert_all_equal(results)
    with np.errstate(invalid="ignore"):
        assert np.array_equal(results["scalar"], np.argmax(x, axis=1))


# ---- colorize ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("count", [1, 2, 7, 8, 9, 15, 16, 17, 65536 * 2 + 5])
@pytest.mark.parametrize("label", [np.int64, np.int32, np.uint8])
def test_colorize_variants(count, label):
    rng = np.random.default_rng(count)
    pal = ti.palette(num_classes=256)
    labels = rng.integers(0, 256, size=(1, count)).astype(label)
    results = each_variant(lambda v: tt.kernel_colorize(v, labels, pal) if v else ti.colorize(labels, pal)[0])
    assert_all_equal(results)
    assert np.array_equal(results["scalar"], pal[labels[0]])


@pytest.mark.parametrize("bad_at", [0, 5, 8, 13, 200_000])
def test_colorize_variants_report_the_same_pixel(bad_at):
    labels = np.zeros((1, 200_001), np.int64)
    labels[0, bad_at] = -1 if bad_at % 2 else 21
    pal = ti.palette()
    messages = {}
    for v in VARIANTS + [None]:
        with pytest.raises(trtcore.Error) as err:
            tt.kernel_colorize(v, labels, pal) if v else ti.colorize(labels, pal)
        messages[v] = str(err.value)
    assert len(set(messages.values())) == 1, messages
    assert f"at pixel index {bad_at} " in messages["scalar"]


# ---- normalize ---------------------------------------------------------------------------------------------

NORMALIZE_SHAPES = [(1, 1, 1, 3), (1, 1, 1, 1), (1, 3, 7, 3), (2, 5, 257, 3), (1, 9, 513, 4), (1, 4, 31, 1),
                    (1, 2, 5, 2), (3, 3, 300, 3)]
PARAMS = [  # (maxval, mean, std): the guide's, odd ones, and ones whose results overflow float16 or are NaN / inf
    (None, (0.485, 0.456, 0.406, 0.5), (0.229, 0.224, 0.225, 0.3)),
    (3.7, (-1.0, 0.0, 1e-3, 2.0), (-0.5, 1e-7, 3.0, 1e30)),
    (1.0, (np.nan, np.inf, 0.0, -np.inf), (1.0, np.inf, 1e-30, 2.0)),
]


@pytest.mark.parametrize("shape", NORMALIZE_SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("src", [np.uint8, np.uint16])
@pytest.mark.parametrize("dst", [np.float32, np.float16])
@pytest.mark.parametrize("params", range(len(PARAMS)))
def test_normalize_variants(shape, src, dst, params):
    maxval, mean, std = PARAMS[params]
    n, h, w, c = shape
    rng = np.random.default_rng(hash((shape, params)) % 2**32)
    top = np.iinfo(src).max
    img = rng.integers(0, top + 1, size=shape, dtype=np.int64).astype(src)
    img.reshape(-1)[:2] = (0, top)[: img.size]
    mv = float(maxval if maxval is not None else top)
    m, sd, name = list(mean[:c]), list(std[:c]), np.dtype(dst).name
    with np.errstate(all="ignore"):
        results = each_variant(lambda v: tt.kernel_normalize(v, img, m, sd, mv, name) if v else
                               ti.normalize(img if n > 1 else img[0], mean=m, std=sd, maxval=maxval,
                                            dtype=dst).reshape(n, c, h, w))
    assert_all_equal(results)


def test_normalize_variants_large_uint16():
    """Large enough that the scalar kernel uses its 65536-entry table."""
    rng = np.random.default_rng(5)
    img = rng.integers(0, 65536, size=(1, 700, 1300, 3), dtype=np.int64).astype(np.uint16)
    m, sd = list(ti.IMAGENET_MEAN), list(ti.IMAGENET_STD)
    for dst in (np.float32, np.float16):
        name = np.dtype(dst).name
        assert_all_equal(each_variant(lambda v: tt.kernel_normalize(v, img, m, sd, 65535.0, name) if v else
                                      ti.normalize(img[0], dtype=dst)[None]))


# ---- the P5/P6 reader --------------------------------------------------------------------------------------

def pnm_bytes(img: np.ndarray, maxval: int) -> bytes:
    magic = b"P6" if img.ndim == 3 else b"P5"
    h, w = img.shape[:2]
    body = img.astype(">u2").tobytes() if maxval > 255 else img.astype(np.uint8).tobytes()
    return magic + b" %d %d %d\n" % (w, h, maxval) + body


@pytest.mark.parametrize("maxval", [1, 200, 255, 256, 1023, 65534, 65535])
@pytest.mark.parametrize("shape", [(1, 1), (1, 1, 3), (3, 7), (17, 1001, 3), (64, 129)])
def test_reader_variants(tmp_path, maxval, shape):
    rng = np.random.default_rng(maxval)
    img = rng.integers(0, maxval + 1, size=shape)
    path = tmp_path / "x.pnm"
    data = pnm_bytes(img, maxval)
    path.write_bytes(data)
    results = each_variant(lambda v: tt.kernel_parse_pnm(v, data) if v else ti.read_image(path))
    assert_all_equal(results)
    assert np.array_equal(results["scalar"], img.reshape(shape[0], shape[1], -1))


@pytest.mark.parametrize("maxval", [200, 1023, 65534])
@pytest.mark.parametrize("bad_at", [0, 1, 2047, 2048, 5000, 3 * 17 * 1001 - 1])
def test_reader_variants_report_the_same_sample(tmp_path, maxval, bad_at):
    img = np.zeros((17, 1001, 3), np.int64)
    img.reshape(-1)[bad_at] = maxval + 1
    img.reshape(-1)[-1 if bad_at < img.size - 1 else 0] = maxval + 1  # a later (or earlier) bad one too
    data = pnm_bytes(img, maxval)
    messages = set()
    for v in VARIANTS:
        with pytest.raises(trtcore.Error) as err:
            tt.kernel_parse_pnm(v, data)
        messages.add(str(err.value))
    assert len(messages) == 1, messages
    first = min(bad_at, img.size - 1 if bad_at < img.size - 1 else 0)
    pixel = first // 3
    assert f"row {pixel // 1001}, column {pixel % 1001} exceeds maxval {maxval}" in messages.pop()


# ---- softmax -----------------------------------------------------------------------------------------------
# The vector softmax has its own exp (Cephes' expf), so it is checked for bit-identity across its own variants
# (baseline, avx2, avx512), to within SCALAR_ULP of the scalar kernel (libm's expf), and to within SOFTMAX_ULP of
# numpy's float32 softmax, whose float32 sum is the larger error: the scalar kernel, which sums in double as the
# vector one does, is 8 ulp from numpy on these inputs too.
SOFTMAX_ULP = 8
SCALAR_ULP = 4


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    def ordered(x: np.ndarray) -> np.ndarray:
        i = x.astype(np.float32).view(np.int32).astype(np.int64)
        return np.where(i < 0, -(i & 0x7FFFFFFF), i)
    return np.abs(ordered(a) - ordered(b))


def numpy_softmax(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float32)
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)


SOFTMAX_EDGE = np.array([
    [0.0, 0.0, 0.0, 0.0, 0.0], [1.0, np.nan, 3.0, 3.0, -1.0], [1.0, np.inf, 2.0, np.inf, 0.0],
    [-np.inf, -np.inf, 1.0, -np.inf, 1.0], [-np.inf] * 5, [88.0, 89.0, -100.0, 1e30, -1e30],
    [-0.0, 0.0, -0.0, 0.0, np.nan], [0.0, -87.0, -88.0, -100.0, -103.0], [0.0, -103.5, -104.0, -104.5, -150.0],
], np.float32)


@pytest.mark.parametrize("cols", [1, 2, 15, 16, 17, 31, 1000, 1001])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_softmax_variants(cols, dtype):
    rng = np.random.default_rng(cols)
    x = (rng.standard_normal((37, cols), dtype=np.float32) * rng.choice([0.1, 3.0, 30.0], size=(37, 1))).astype(
        np.float32).astype(dtype)
    results = {v: tt.kernel_softmax(v, x) for v in VECTOR_VARIANTS}
    for v, got in results.items():
        assert np.array_equal(got.view(np.uint32), results["baseline"].view(np.uint32)), v
    scalar = tt.kernel_softmax("scalar", x)
    dispatched = scalar if tt.cpu_kernels() == "scalar" else results["baseline"]  # TRTCORE_CPU_KERNELS=scalar
    assert np.array_equal(ti.softmax(x).view(np.uint32), dispatched.view(np.uint32))
    assert ulp_distance(results["baseline"], scalar).max() <= SCALAR_ULP
    assert ulp_distance(results["baseline"], numpy_softmax(x)).max() <= SOFTMAX_ULP


def test_softmax_variants_edge_rows():
    ref = numpy_softmax(SOFTMAX_EDGE)
    wide = np.concatenate([SOFTMAX_EDGE, np.zeros((SOFTMAX_EDGE.shape[0], 14), np.float32) - 50.0], axis=1)
    ref_wide = numpy_softmax(wide)
    for v in VECTOR_VARIANTS:
        for x, r in ((SOFTMAX_EDGE, ref), (wide, ref_wide)):
            got = tt.kernel_softmax(v, x)
            assert np.array_equal(np.isnan(got), np.isnan(r)), v
            ok = ~np.isnan(r)
            assert ulp_distance(got[ok], r[ok]).max() <= SOFTMAX_ULP, v


def test_softmax_vector_exp_over_its_range():
    """Row [0, x]: the second value is exp(x) / (1 + exp(x)), for x from 0 down past underflow."""
    xs = -np.linspace(0, 110, 200_001, dtype=np.float32)
    x = np.stack([np.zeros_like(xs), xs], axis=1)
    ref = numpy_softmax(x)
    scalar = tt.kernel_softmax("scalar", x)
    for v in VECTOR_VARIANTS:
        got = tt.kernel_softmax(v, x)
        assert ulp_distance(got, ref).max() <= SOFTMAX_ULP, v
        assert ulp_distance(got, scalar).max() <= SCALAR_ULP, v
