"""trtcore.image: PNM dialects, the guide's byte-exact output, numeric agreement with numpy, zero-copy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import trtcore
import trtcore.image as ti
from trtcore import _testing

RNG = np.random.default_rng(1234)
MEAN32 = np.array(ti.IMAGENET_MEAN, np.float32)
STD32 = np.array(ti.IMAGENET_STD, np.float32)


def plain(magic: str, img: np.ndarray, maxval: int, sep: str = " ") -> bytes:
    h, w, _ = img.shape
    body = sep.join(str(v) for v in img.ravel().tolist())
    return f"{magic}\n{w} {h}\n{maxval}\n{body}\n".encode()


def binary(magic: str, img: np.ndarray, maxval: int) -> bytes:
    h, w, _ = img.shape
    data = img.astype(">u2").tobytes() if maxval > 255 else img.astype(np.uint8).tobytes()
    return f"{magic} {w} {h} {maxval}\n".encode() + data


# ---- reading every dialect -------------------------------------------------------------------------------------


@pytest.mark.parametrize("channels,magic_plain,magic_bin", [(3, "P3", "P6"), (1, "P2", "P5")])
@pytest.mark.parametrize("maxval", [1, 7, 255, 256, 1023, 65535])
def test_read_plain_and_binary_agree(tmp_path: Path, channels: int, magic_plain: str, magic_bin: str, maxval: int):
    img = RNG.integers(0, maxval + 1, size=(5, 7, channels))
    dtype = np.uint16 if maxval > 255 else np.uint8
    for magic, data in ((magic_plain, plain(magic_plain, img, maxval)), (magic_bin, binary(magic_bin, img, maxval))):
        path = tmp_path / f"x_{magic}.pnm"
        path.write_bytes(data)
        arr, mv = ti.read_image(path, return_maxval=True)
        assert mv == maxval
        assert arr.dtype == dtype and arr.shape == (5, 7, channels)
        np.testing.assert_array_equal(arr, img)
        np.testing.assert_array_equal(ti.parse_pnm(data), img)


def test_sixteen_bit_samples_are_big_endian():
    arr = ti.parse_pnm(b"P5 2 1 65535\n\x01\x02\xff\x00")
    assert arr.dtype == np.uint16
    assert arr[:, :, 0].tolist() == [[0x0102, 0xFF00]]


def test_comments_and_odd_whitespace():
    data = b"P3#magic comment\n  # a comment line\r\n2\t# width\n\x0b1 \x0c# height\n255\n1 2\t3\n\n4\r5 6 \n"
    np.testing.assert_array_equal(ti.parse_pnm(data), [[[1, 2, 3], [4, 5, 6]]])
    data = b"P6\n# created by hand\n2 1\n# maxval follows\n255\n" + bytes(range(6))
    np.testing.assert_array_equal(ti.parse_pnm(data), [[[0, 1, 2], [3, 4, 5]]])


def test_binary_sample_bytes_that_look_like_whitespace_or_comments():
    payload = bytes([ord("#"), ord("\n"), ord(" "), 9, 13, 0])
    np.testing.assert_array_equal(ti.parse_pnm(b"P6 2 1 255\n" + payload).ravel(), list(payload))


def test_trailing_data_after_the_image_is_ignored():
    np.testing.assert_array_equal(ti.parse_pnm(b"P5 1 1 255\n\x07extra")[0, 0], [7])


@pytest.mark.parametrize("suffix,shape,dtype", [(".ppm", (9, 4, 3), np.uint8), (".pgm", (9, 4, 1), np.uint8),
                                                (".ppm", (3, 5, 3), np.uint16), (".pgm", (3, 5, 1), np.uint16)])
def test_write_read_round_trip(tmp_path: Path, suffix: str, shape: tuple, dtype: type):
    img = RNG.integers(0, np.iinfo(dtype).max + 1, size=shape).astype(dtype)
    path = tmp_path / f"img{suffix}"
    ti.write_image(path, img)
    h, w, c = shape
    maxval = np.iinfo(dtype).max
    magic = b"P6" if c == 3 else b"P5"
    expected = magic + f" {w} {h} {maxval}\n".encode() + (img.astype(">u2").tobytes() if dtype == np.uint16
                                                          else img.tobytes())
    assert path.read_bytes() == expected
    np.testing.assert_array_equal(ti.read_image(path), img)


def test_write_with_small_maxval_uses_one_byte_samples(tmp_path: Path):
    img = np.array([[[0], [100], [1000]]], np.uint16)
    ti.write_image(tmp_path / "a.pgm", img, maxval=1000)
    assert (tmp_path / "a.pgm").read_bytes() == b"P5 3 1 1000\n\x00\x00\x00\x64\x03\xe8"
    ti.write_image(tmp_path / "b.pgm", img[:, :2], maxval=100)
    assert (tmp_path / "b.pgm").read_bytes() == b"P5 2 1 100\n\x00\x64"
    arr, mv = ti.read_image(tmp_path / "b.pgm", return_maxval=True)
    assert mv == 100 and arr.dtype == np.uint8 and arr.ravel().tolist() == [0, 100]


def test_byte_swapped_image_is_written_correctly(tmp_path: Path):
    img = np.array([[[1, 2, 3]]], ">u2")
    ti.write_image(tmp_path / "s.ppm", img)
    assert (tmp_path / "s.ppm").read_bytes() == b"P6 1 1 65535\n\x00\x01\x00\x02\x00\x03"
    np.testing.assert_array_equal(ti.normalize(img), ti.normalize(img.astype(np.uint16)))


def test_grey_2d_array_writes_p5(tmp_path: Path):
    ti.write_image(tmp_path / "g.pgm", np.array([[1, 2]], np.uint8))
    assert (tmp_path / "g.pgm").read_bytes() == b"P5 2 1 255\n\x01\x02"


def test_new_file_gets_normal_permissions(tmp_path: Path):
    ti.write_image(tmp_path / "p.ppm", np.zeros((1, 1, 3), np.uint8))
    assert (tmp_path / "p.ppm").stat().st_mode & 0o777 == 0o666 & ~_umask()
    assert [p.name for p in tmp_path.iterdir()] == ["p.ppm"]


def _umask() -> int:
    m = os.umask(0o22)
    os.umask(m)
    return m


@pytest.mark.parametrize("suffix", [".png", ".bmp"])
@pytest.mark.parametrize("channels", [1, 3])
def test_pillow_formats_round_trip(tmp_path: Path, suffix: str, channels: int):
    pytest.importorskip("PIL")
    img = RNG.integers(0, 256, size=(6, 5, channels)).astype(np.uint8)
    ti.write_image(tmp_path / f"x{suffix}", img)
    np.testing.assert_array_equal(ti.read_image(tmp_path / f"x{suffix}"), img)


def test_pillow_sixteen_bit_grey_png(tmp_path: Path):
    pytest.importorskip("PIL")
    img = np.array([[[0], [300], [65535]]], np.uint16)
    ti.write_image(tmp_path / "g16.png", img)
    out = ti.read_image(tmp_path / "g16.png")
    assert out.dtype == np.uint16
    np.testing.assert_array_equal(out, img)


def test_jpeg_reads_back_close(tmp_path: Path):
    pytest.importorskip("PIL")
    img = np.full((16, 16, 3), (200, 100, 50), np.uint8)
    ti.write_image(tmp_path / "x.jpg", img)
    out = ti.read_image(tmp_path / "x.jpg")
    assert out.shape == img.shape and np.abs(out.astype(int) - img).max() <= 3


def test_pnm_detected_by_content_without_suffix(tmp_path: Path):
    (tmp_path / "noext").write_bytes(b"P5 1 1 255\n\x09")
    assert ti.read_image(tmp_path / "noext").ravel().tolist() == [9]


# ---- the guide's ArgmaxImageWriter, byte for byte ---------------------------------------------------------------

# Hand-computed: base mod 255 = (1, 127, 31) because 2^8 = 1 (mod 255), so 2^25-1 = 2-1, 2^15-1 = 128-1,
# 2^21-1 = 32-1; colour of class i = (i, 127 i, 31 i) mod 255.
LABELS = np.array([[0, 1, 2], [20, 5, 3]])
EXPECTED_FILE = b"P6 3 2 255\n" + bytes([
    0, 0, 0, 1, 127, 31, 2, 254, 62,
    20, 245, 110, 5, 125, 155, 3, 126, 93,
])


def test_palette_matches_hand_computation():
    pal = ti.palette()
    assert pal.shape == (21, 3) and pal.dtype == np.uint8
    assert pal[:3].tolist() == [[0, 0, 0], [1, 127, 31], [2, 254, 62]]
    assert pal[20].tolist() == [20, 245, 110]
    # the guide's int arithmetic: (p * i) % 255 for every class
    base = [2**25 - 1, 2**15 - 1, 2**21 - 1]
    assert pal.tolist() == [[(b * i) % 255 for b in base] for i in range(21)]


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
@pytest.mark.parametrize("layout", ["NCHW", "NHW", "HW"])
def test_write_labels_equals_guide_file(tmp_path: Path, dtype: type, layout: str):
    labels = {"NCHW": LABELS[None, None], "NHW": LABELS[None], "HW": LABELS}[layout].astype(dtype)
    ti.write_labels(tmp_path / "out.ppm", labels)
    assert (tmp_path / "out.ppm").read_bytes() == EXPECTED_FILE


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_cpp_argmax_image_writer_equals_guide_file(tmp_path: Path, dtype: type):
    base = [2**25 - 1, 2**15 - 1, 2**21 - 1]
    _testing.argmax_image_writer(str(tmp_path / "o.ppm"), [1, 1, 2, 3], LABELS.astype(dtype), base, 21)
    assert (tmp_path / "o.ppm").read_bytes() == EXPECTED_FILE


def test_cpp_rgb_image_reader_equals_guide_formula(tmp_path: Path):
    img = RNG.integers(0, 256, size=(4, 6, 3)).astype(np.uint8)
    ti.write_image(tmp_path / "in.ppm", img)
    got = _testing.rgb_image_reader(str(tmp_path / "in.ppm"), [1, 3, 4, 6], list(MEAN32), list(STD32))
    want = ((img.astype(np.float32) / np.float32(255) - MEAN32) / STD32).transpose(2, 0, 1).ravel()
    np.testing.assert_array_equal(got, want)
    with pytest.raises(trtcore.ShapeError, match="in.ppm.*6 x 4"):
        _testing.rgb_image_reader(str(tmp_path / "in.ppm"), [1, 3, 5, 6], list(MEAN32), list(STD32))


def test_custom_palette_and_class_count():
    assert ti.palette(3, base=(1, 2, 3)).tolist() == [[0, 0, 0], [1, 2, 3], [2, 4, 6]]
    assert ti.palette(300).shape == (300, 3)
    assert ti.palette(300)[256].tolist() == [(b * 256) % 255 for b in ti.GUIDE_PALETTE_BASE]
    pal = np.array([[9, 8, 7], [1, 2, 3]], np.uint8)
    assert ti.colorize(np.array([[1, 0]]), palette=pal).tolist() == [[[1, 2, 3], [9, 8, 7]]]
    assert ti.colorize(np.array([[1]]), palette=[[0, 0, 0], [255, 0, 1]]).tolist() == [[[255, 0, 1]]]


# ---- numeric agreement with numpy ------------------------------------------------------------------------------


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_normalize_uint8_bit_identical_to_numpy_float32(threads: int):
    img = RNG.integers(0, 256, size=(37, 53, 3)).astype(np.uint8)
    ti.set_num_threads(threads)
    try:
        got = ti.normalize(img)
    finally:
        ti.set_num_threads(0)
    want = ((img.astype(np.float32) / np.float32(255) - MEAN32) / STD32).transpose(2, 0, 1)
    assert got.shape == (3, 37, 53) and got.dtype == np.float32
    np.testing.assert_array_equal(got, want)
    f64 = ((img / 255 - np.array(ti.IMAGENET_MEAN)) / np.array(ti.IMAGENET_STD)).transpose(2, 0, 1)
    np.testing.assert_allclose(got, f64, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("size", [(5, 7), (800, 700)])  # small: direct formula; large: lookup table
def test_normalize_uint16_with_file_maxval(size: tuple):
    img = RNG.integers(0, 1024, size=size + (3,)).astype(np.uint16)
    got = ti.normalize(img, maxval=1023)
    want = ((img.astype(np.float32) / np.float32(1023) - MEAN32) / STD32).transpose(2, 0, 1)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype,size", [(np.uint8, (64, 70)), (np.uint16, (64, 70)), (np.uint16, (800, 700))])
def test_normalize_float16_matches_numpy_rounding(dtype: type, size: tuple):
    maxval = np.iinfo(dtype).max
    img = RNG.integers(0, maxval + 1, size=size + (3,)).astype(dtype)
    got = ti.normalize(img, mean=(0.1, 0.2, 0.3), std=(1e-3, 0.5, 2.0), dtype=np.float16)
    want32 = ((img.astype(np.float32) / np.float32(maxval) - np.float32([0.1, 0.2, 0.3]))
              / np.float32([1e-3, 0.5, 2.0])).transpose(2, 0, 1)
    assert got.dtype == np.float16
    np.testing.assert_array_equal(got.view(np.uint16), want32.astype(np.float16).view(np.uint16))


def test_normalize_batch_grey_and_scalar_mean():
    batch = RNG.integers(0, 256, size=(2, 4, 5, 3)).astype(np.uint8)
    got = ti.normalize(batch, mean=0.5, std=0.25)
    assert got.shape == (2, 3, 4, 5)
    np.testing.assert_array_equal(got, ((batch.astype(np.float32) / np.float32(255) - np.float32(0.5))
                                        / np.float32(0.25)).transpose(0, 3, 1, 2))
    grey = RNG.integers(0, 256, size=(4, 5)).astype(np.uint8)
    assert ti.normalize(grey, mean=0.0, std=1.0).shape == (1, 4, 5)


def test_normalize_non_contiguous_input_is_copied_once_and_correct():
    big = RNG.integers(0, 256, size=(20, 30, 3)).astype(np.uint8)
    view = big[::2, ::3]
    want = ((view.astype(np.float32) / np.float32(255) - MEAN32) / STD32).transpose(2, 0, 1)
    np.testing.assert_array_equal(ti.normalize(view), want)


def test_read_normalized_uses_file_maxval(tmp_path: Path):
    img = RNG.integers(0, 1001, size=(3, 4, 3))
    (tmp_path / "m.ppm").write_bytes(plain("P3", img, 1000))
    want = ((img.astype(np.float32) / np.float32(1000) - MEAN32) / STD32).transpose(2, 0, 1)
    np.testing.assert_array_equal(ti.read_normalized(tmp_path / "m.ppm"), want)


def test_float_to_half_matches_numpy_everywhere():
    bits = np.arange(0, 2**32, 4099, dtype=np.uint64).astype(np.uint32)  # ~1M patterns over all exponents
    special = np.array([0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0x33000000, 0x33000001, 0x337FFFFF,
                        0x38800000, 0x387FFFFF, 0x477FE000, 0x477FEFFF, 0x477FF000, 0x3F800000 + 0x1000,
                        0x3F800000 + 0x3000, 0x00000001, 0x007FFFFF], np.uint32)
    f = np.concatenate([bits, special]).view(np.float32)
    got = _testing.float_to_half_bits(f)
    with np.errstate(over="ignore"):
        want = f.astype(np.float16).view(np.uint16)
    nan = np.isnan(f)
    np.testing.assert_array_equal(got[~nan], want[~nan])
    assert np.all((got[nan] & 0x7C00) == 0x7C00) and np.all((got[nan] & 0x3FF) != 0)
    assert np.all((got[nan] >> 15) == (want[nan] >> 15))


def test_half_to_float_is_exact_for_all_patterns():
    h = np.arange(65536, dtype=np.uint16)
    got = _testing.half_bits_to_float(h)
    want = h.view(np.float16).astype(np.float32)
    same = (got.view(np.uint32) == want.view(np.uint32)) | (np.isnan(got) & np.isnan(want))
    assert same.all()


@pytest.mark.parametrize("ldtype", [np.float32, np.float16])
@pytest.mark.parametrize("out_dtype", [np.int64, np.int32, np.uint8])
def test_argmax_matches_numpy(ldtype: type, out_dtype: type):
    logits = RNG.standard_normal((2, 21, 33, 47)).astype(ldtype)
    logits[0, 5, 0, :10] = logits[0, 3, 0, :10] = 50  # ties: first wins
    logits[1, 7, 1, 0] = np.nan  # NaN wins (the first one)
    logits[1, 9, 1, 0] = np.nan
    logits[1, :, 2, 0] = np.inf * np.where(np.arange(21) % 2, 1, -1)
    logits[1, :, 3, 0] = 0.0
    logits[1, 4, 3, 0] = -0.0
    got = ti.argmax(logits, dtype=out_dtype)
    assert got.dtype == out_dtype and got.shape == (2, 33, 47)
    np.testing.assert_array_equal(got, np.argmax(logits, axis=1))
    np.testing.assert_array_equal(ti.argmax(logits[1]), np.argmax(logits[1], axis=0))


@pytest.mark.parametrize("ldtype", [np.float32, np.float16])
def test_argmax_with_scattered_nan_inf_and_ties(ldtype: type):
    logits = RNG.integers(-3, 4, size=(2, 9, 61, 67)).astype(ldtype)  # many exact ties
    flat = logits.reshape(-1)
    spots = RNG.choice(flat.size, size=flat.size // 50, replace=False)
    flat[spots[: len(spots) // 3]] = np.nan
    flat[spots[len(spots) // 3: 2 * len(spots) // 3]] = np.inf
    flat[spots[2 * len(spots) // 3:]] = -np.inf
    logits[0, 0, 0, :20] = np.nan  # NaN in the first class: index 0 wins
    logits[0, 4, 0, 10:20] = np.nan
    np.testing.assert_array_equal(ti.argmax(logits), np.argmax(logits, axis=1))


def test_argmax_large_plane_multiple_tiles_and_threads():
    logits = RNG.standard_normal((1, 4, 129, 131)).astype(np.float32)  # > one 2048-pixel tile, ragged end
    for n in (1, 2, 5):
        ti.set_num_threads(n)
        try:
            np.testing.assert_array_equal(ti.argmax(logits), np.argmax(logits, axis=1))
        finally:
            ti.set_num_threads(0)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.int16, np.uint16])
def test_colorize_matches_fancy_indexing(dtype: type):
    labels = RNG.integers(0, 21, size=(2, 1, 40, 61)).astype(dtype)
    pal = ti.palette()
    got = ti.colorize(labels)
    assert got.shape == (2, 40, 61, 3) and got.dtype == np.uint8
    np.testing.assert_array_equal(got, pal[labels[:, 0]])


def test_colorize_chunk_boundaries_with_many_threads():
    labels = RNG.integers(0, 21, size=(517, 263)).astype(np.int32)  # odd count: chunk ends mid-row
    ti.set_num_threads(7)
    try:
        np.testing.assert_array_equal(ti.colorize(labels), ti.palette()[labels])
    finally:
        ti.set_num_threads(0)


def test_threads_setting_and_environment():
    ti.set_num_threads(3)
    assert ti.get_num_threads() == 3
    ti.set_num_threads(0)
    code = "import trtcore.image as ti; print(ti.get_num_threads())"
    env = dict(os.environ, TRTCORE_NUM_THREADS="5")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "5"
