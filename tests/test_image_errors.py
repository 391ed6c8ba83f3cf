"""Bad input to trtcore.image: a trtcore.Error subclass naming the file or argument, never a crash or a lost file."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import trtcore
import trtcore.image as ti
from trtcore import _core, _testing

# ---- file contents: FormatError naming the file ----------------------------------------------------------------

BAD_FILES = {
    "empty": (b"", "not a PPM/PGM file: it is empty"),
    "gif": (b"GIF89a\x01\x00", "not a PPM/PGM"),
    "pbm": (b"P1 1 1\n0\n", "P1 .*not supported"),
    "pam": (b"P7\nWIDTH 1\n", "P7 .*not supported"),
    "just magic": (b"P6", "expected whitespace before the width"),
    "no separator": (b"P63 3 255\n", "expected whitespace before the width"),
    "letters in width": (b"P6 12x 3 255\n", "expected whitespace before the height.*'x'"),
    "negative width": (b"P6 -1 3 255\n", "width .*found '-'"),
    "width 0": (b"P6 0 3 255\n", "at least 1, got 0 x 3"),
    "height 0": (b"P5 3 0 255\n", "at least 1, got 3 x 0"),
    "huge number": (b"P6 99999999999 1 255\n", "width is too large"),
    "overflow": (b"P6 4294967295 4294967295 255\n", "overflows"),
    "huge but no data": (b"P6 100000 100000 255\n\x00\x00", "truncated.*30000000000 bytes"),
    "maxval 0": (b"P6 1 1 0\n\x00\x00\x00", "maxval must be 1..65535, got 0"),
    "maxval 65536": (b"P6 1 1 65536\n" + bytes(6), "maxval must be 1..65535, got 65536"),
    "no whitespace after maxval": (b"P5 1 1 255X", "one whitespace byte after maxval, found 'X'"),
    "garbage maxval": (b"P6\n3 3\n2a5\n", "after maxval, found 'a'"),
    "comment never ends": (b"P6 1 1 # comment", "expected the maxval.*end of the data"),
    "truncated binary": (b"P6 4 4 255\n" + bytes(10), "truncated.*48 bytes.*only 10"),
    "truncated 16-bit": (b"P5 2 2 65535\n" + bytes(7), "truncated.*8 bytes.*only 7"),
    "truncated plain": (b"P3 2 1 255\n1 2 3 4", "truncated"),
    "plain missing last": (b"P2 3 1 255\n1 2 " + b" " * 10, "truncated: found 2 of 3"),
    "plain not a number": (b"P2 2 1 255\n1 x\n", "bad sample 1.*'x'"),
    "plain glued": (b"P2 2 1 255\n1a 2\n", "bad sample 0.*whitespace after it"),
    "plain over maxval": (b"P2 2 1 100\n1 101\n", "sample value 101 at row 0, column 1 exceeds maxval 100"),
    "plain over 65535": (b"P3 1 1 65535\n1 2 99999999999\n", "exceeds maxval"),
    "binary over maxval": (b"P5 2 2 10\n\x00\x01\x02\x0b", "sample value 11 at row 1, column 1 exceeds maxval 10"),
    "16-bit over maxval": (b"P6 1 1 1000\n\x00\x00\x03\xe9\x00\x00", "sample value 1001 .* exceeds maxval 1000"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_file_contents(tmp_path: Path, name: str):
    data, pattern = BAD_FILES[name]
    path = tmp_path / "bad.ppm"
    path.write_bytes(data)
    t0 = time.perf_counter()
    with pytest.raises(trtcore.FormatError, match=pattern) as err:
        ti.read_image(path)
    assert str(path) in str(err.value)
    with pytest.raises(trtcore.FormatError, match=pattern) as err:
        ti.parse_pnm(data, "mem.ppm")
    assert str(err.value).startswith("mem.ppm: ")
    assert time.perf_counter() - t0 < 10  # e.g. the 30 GB header is refused before allocating (not timed out)


def test_format_error_is_also_value_error():
    with pytest.raises(ValueError):
        ti.parse_pnm(b"nope")


# ---- files and folders: FileError ------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path):
    for name in ("missing.ppm", "missing.png", "missing"):
        with pytest.raises(trtcore.FileError, match=f"{name}.*(No such file|cannot open)"):
            ti.read_image(tmp_path / name)


def test_directory_instead_of_file(tmp_path: Path):
    (tmp_path / "d.ppm").mkdir()
    (tmp_path / "d.png").mkdir()
    for d in ("d.ppm", "d.png", ""):
        with pytest.raises(trtcore.FileError, match="is a directory"):
            ti.read_image(tmp_path / d)
    with pytest.raises(trtcore.FileError, match="is a directory"):
        ti.write_image(tmp_path / "d.ppm", np.zeros((1, 1, 3), np.uint8))
    with pytest.raises(trtcore.FileError, match="is a directory"):
        ti.write_image(tmp_path / "d.png", np.zeros((1, 1, 3), np.uint8))


@pytest.mark.parametrize("suffix", [".ppm", ".png"])
def test_unwritable_folder(tmp_path: Path, suffix: str):
    target = tmp_path / "no" / "such" / f"out{suffix}"
    with pytest.raises(trtcore.FileError, match=f"out{suffix}.*cannot write"):
        ti.write_image(target, np.zeros((2, 2, 3), np.uint8))
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("suffix", [".ppm", ".png"])
def test_failed_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path: Path, suffix: str):
    """The disk 'fills up' mid-write (RLIMIT_FSIZE): the old file survives intact and no partial file is left."""
    target = tmp_path / f"keep{suffix}"
    target.write_bytes(b"old contents")
    code = textwrap.dedent(f"""
        import resource, signal, numpy as np, trtcore, trtcore.image as ti
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        try:
            ti.write_image({str(target)!r}, np.random.default_rng(0).integers(0, 255, (100, 100, 3), np.uint8))
        except trtcore.FileError as e:
            print("FileError:", e)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("FileError:") and str(target) in out.stdout
    assert target.read_bytes() == b"old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_write_refuses_bad_images_before_creating_a_file(tmp_path: Path):
    out = tmp_path / "x.ppm"
    with pytest.raises(trtcore.DTypeError, match="image: dtype must be uint8 or uint16, got float32"):
        ti.write_image(out, np.zeros((2, 2, 3), np.float32))
    with pytest.raises(trtcore.ShapeError, match="1 or 3 channels, got shape \\(2, 2, 4\\)"):
        ti.write_image(out, np.zeros((2, 2, 4), np.uint8))
    with pytest.raises(trtcore.ShapeError, match="x.pgm.*grey"):
        ti.write_image(tmp_path / "x.pgm", np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(trtcore.ArgumentError, match="maxval: must be an integer 1..65535, got 0"):
        ti.write_image(out, np.zeros((2, 2, 3), np.uint8), maxval=0)
    with pytest.raises(trtcore.ArgumentError, match="maxval 1000 needs uint16"):
        ti.write_image(out, np.zeros((2, 2, 3), np.uint8), maxval=1000)
    with pytest.raises(trtcore.ArgumentError, match="x.ppm.*sample value 300 at row 1, column 0 exceeds maxval 255"):
        ti.write_image(out, np.array([[[0, 0, 0]], [[300, 0, 0]]], np.uint16), maxval=255)
    with pytest.raises(trtcore.ShapeError, match="at least 1"):
        ti.write_image(out, np.zeros((0, 2, 3), np.uint8))
    with pytest.raises(trtcore.DTypeError, match="16-bit.*1 channel"):
        ti.write_image(tmp_path / "x.png", np.zeros((2, 2, 3), np.uint16))
    assert list(tmp_path.iterdir()) == []


def test_corrupt_png_and_missing_pillow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    pytest.importorskip("PIL")
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    with pytest.raises(trtcore.FormatError, match="bad.png"):
        ti.read_image(tmp_path / "bad.png")
    (tmp_path / "text.jpg").write_bytes(b"hello")
    with pytest.raises(trtcore.FormatError, match="text.jpg.*not an image"):
        ti.read_image(tmp_path / "text.jpg")
    monkeypatch.setitem(sys.modules, "PIL", None)  # import PIL now fails, as when Pillow is not installed
    with pytest.raises(trtcore.FormatError, match="bad.png.*needs Pillow.*trtcore\\[images\\]"):
        ti.read_image(tmp_path / "bad.png")
    with pytest.raises(trtcore.FormatError, match="o.jpg.*needs Pillow"):
        ti.write_image(tmp_path / "o.jpg", np.zeros((1, 1, 3), np.uint8))
    ti.write_image(tmp_path / "fine.ppm", np.zeros((1, 1, 3), np.uint8))  # PPM needs no Pillow
    assert ti.read_image(tmp_path / "fine.ppm").shape == (1, 1, 3)


# ---- arrays and arguments --------------------------------------------------------------------------------------

IMG = np.zeros((4, 5, 3), np.uint8)


@pytest.mark.parametrize("call,error,pattern", [
    (lambda: ti.normalize(IMG.astype(np.float32)), trtcore.DTypeError,
     "img: dtype must be uint8 or uint16, got float32"),
    (lambda: ti.normalize(IMG.astype(np.int16)), trtcore.DTypeError, "img: dtype"),
    (lambda: ti.normalize(IMG[0, 0]), trtcore.ShapeError, "img: expected HW, HWC or NHWC, got 1 dimensions"),
    (lambda: ti.normalize(IMG[None, None]), trtcore.ShapeError, "got 5 dimensions"),
    (lambda: ti.normalize(IMG[:0]), trtcore.ShapeError, "img: is empty"),
    (lambda: ti.normalize([[1, 2]]), trtcore.ArgumentError, "img: expected a numpy array, got list"),
    (lambda: ti.normalize(IMG, mean=(0.1, 0.2)), trtcore.ArgumentError, "mean: needs one value per channel \\(3\\)"),
    (lambda: ti.normalize(IMG, std=(1, 0, 1)), trtcore.ArgumentError, "std: must not contain 0"),
    (lambda: ti.normalize(IMG, maxval=0), trtcore.ArgumentError, "maxval: must be positive"),
    (lambda: ti.normalize(IMG, maxval=float("nan")), trtcore.ArgumentError, "maxval"),
    (lambda: ti.normalize(IMG, dtype=np.float64), trtcore.DTypeError, "dtype: must be float32 or float16"),
    (lambda: ti.normalize(IMG, dtype="nonsense"), trtcore.DTypeError, "dtype: not a dtype"),
    (lambda: ti.normalize(IMG, out=np.zeros((3, 4, 5), np.float16)), trtcore.DTypeError, "out: dtype must be float32"),
    (lambda: ti.normalize(IMG, out=np.zeros((4, 5, 3), np.float32)), trtcore.ShapeError,
     "out: shape must be \\(3, 4, 5\\), got \\(4, 5, 3\\)"),
    (lambda: ti.normalize(IMG, out=np.zeros((3, 5, 4), np.float32).transpose(0, 2, 1)), trtcore.ArgumentError,
     "out: must be C-contiguous"),
    (lambda: ti.normalize(IMG, out=_readonly((3, 4, 5), np.float32)), trtcore.ArgumentError, "out: is read-only"),
    (lambda: ti.argmax(np.zeros((1, 3, 2, 2))), trtcore.DTypeError,
     "logits: dtype must be float32 or float16, got float64"),
    (lambda: ti.argmax(np.zeros((3, 2), np.float32)), trtcore.ShapeError, "logits: expected \\[N, C, H, W\\]"),
    (lambda: ti.argmax(np.zeros((1, 0, 2, 2), np.float32)), trtcore.ShapeError, "logits: is empty"),
    (lambda: ti.argmax(np.zeros((1, 300, 1, 1), np.float32), dtype=np.uint8), trtcore.ArgumentError,
     "300 classes do not fit uint8"),
    (lambda: ti.argmax(np.zeros((1, 3, 2, 2), np.float32), dtype=np.float32), trtcore.DTypeError,
     "dtype: labels must be int64, int32 or uint8"),
    (lambda: ti.argmax(np.zeros((1, 3, 2, 2), np.float32), out=np.zeros((1, 2, 2), np.int32)), trtcore.DTypeError,
     "out: dtype must be int64, got int32"),
    (lambda: ti.argmax(np.zeros((1, 3, 2, 2), np.float32), out=np.zeros((2, 2), np.int64)), trtcore.ShapeError,
     "out: shape must be \\(1, 2, 2\\)"),
    (lambda: ti.colorize(np.zeros((2, 2), np.float32)), trtcore.DTypeError, "labels: dtype must be an integer"),
    (lambda: ti.colorize(np.zeros((1, 2, 2, 2), np.int64)), trtcore.ShapeError, "labels: \\[N, 1, H, W\\] must have 1"),
    (lambda: ti.colorize(np.zeros(5, np.int64)), trtcore.ShapeError, "labels: expected"),
    (lambda: ti.colorize(np.zeros((2, 2), np.int64), palette=np.zeros((3, 4), np.uint8)), trtcore.ShapeError,
     "palette: shape must be \\(num_classes, 3\\)"),
    (lambda: ti.colorize(np.zeros((2, 2), np.int64), palette=[[0, 0, 256]]), trtcore.DTypeError,
     "palette: must be uint8"),
    (lambda: ti.colorize(np.zeros((2, 2), np.int64), out=np.zeros((2, 2, 3), np.int64)), trtcore.DTypeError,
     "out: dtype"),
    (lambda: ti.palette(0), trtcore.ArgumentError, "num_classes must be 1..65536, got 0"),
    (lambda: ti.palette(3, base=(1, 2)), trtcore.ArgumentError, "base: needs 3 values"),
    (lambda: ti.palette(3, base=(1, -2, 3)), trtcore.ArgumentError, "base\\[1\\] = -2"),
    (lambda: ti.parse_pnm("P6 1 1 255"), trtcore.ArgumentError, "data: expected bytes, got str"),
    (lambda: ti.parse_pnm(memoryview(b"P5 2 1 255  ")[::2]), trtcore.ArgumentError, "contiguous bytes"),
    (lambda: ti.set_num_threads(-1), trtcore.ArgumentError, "n: must be an integer >= 0"),
    (lambda: ti.set_num_threads(1.5), trtcore.ArgumentError, "n: must be an integer"),
])
def test_bad_arguments(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def _readonly(shape, dtype):
    a = np.zeros(shape, dtype)
    a.setflags(write=False)
    return a


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8])
def test_class_ids_outside_palette_name_id_and_pixel(dtype: type):
    labels = np.zeros((3, 4), dtype)
    labels[2, 1] = 21
    outside = "class id 21 at pixel index 9 is outside the palette \\(21 colours: ids 0..20\\)"
    with pytest.raises(trtcore.ArgumentError, match=outside):
        ti.colorize(labels)
    if dtype != np.uint8:
        labels[0, 3] = -1
        with pytest.raises(trtcore.ArgumentError, match="class id -1 at pixel index 3"):
            ti.colorize(labels)
    big = np.zeros((3, 4), dtype)
    big[1, 1] = 255  # the guide wraps ids through uint8; we refuse
    with pytest.raises(trtcore.ArgumentError, match="class id 255 at pixel index 5"):
        ti.colorize(big, num_classes=200)


def test_first_bad_id_is_reported_across_threads():
    labels = np.zeros(1_000_000, np.int64).reshape(1000, 1000)
    labels.ravel()[[400_000, 900_000]] = [99, 77]
    ti.set_num_threads(4)
    try:
        with pytest.raises(trtcore.ArgumentError, match="class id 99 at pixel index 400000"):
            ti.colorize(labels)
    finally:
        ti.set_num_threads(0)


def test_write_labels_with_bad_id_writes_nothing(tmp_path: Path):
    with pytest.raises(trtcore.ArgumentError, match="class id 30"):
        ti.write_labels(tmp_path / "o.ppm", np.array([[1, 30]]))
    with pytest.raises(trtcore.ShapeError, match="batch of 2"):
        ti.write_labels(tmp_path / "o.ppm", np.zeros((2, 1, 2, 2), np.int64))
    assert list(tmp_path.iterdir()) == []


def test_core_functions_refuse_unsafe_arrays_directly():
    """The _core glue re-checks what trtcore.image already checks: wrong arrays raise instead of crashing."""
    c = _core.image
    with pytest.raises(trtcore.ArgumentError, match="C-contiguous"):
        c.normalize(np.zeros((1, 4, 6, 3), np.uint8)[:, :, ::2], [0, 0, 0], [1, 1, 1], 255.0, "float32")
    with pytest.raises(trtcore.DTypeError, match="img: dtype must be uint8, uint16"):
        c.normalize(np.zeros((1, 4, 6, 3), ">u2"), [0, 0, 0], [1, 1, 1], 255.0, "float32")
    with pytest.raises(trtcore.ShapeError, match="out: shape must be"):
        c.argmax(np.zeros((1, 2, 3, 4), np.float32), "int64", np.zeros((1, 3, 5), np.int64))
    with pytest.raises(trtcore.ArgumentError, match="read-only"):
        c.colorize(np.zeros((2, 2), np.int64), ti.as_palette(ti.palette()), _readonly((2, 2, 3), np.uint8))
    with pytest.raises(trtcore.ArgumentError, match="mean and std need one value per channel"):
        c.normalize(np.zeros((1, 4, 6, 3), np.uint8), [0], [1], 255.0, "float32")
    with pytest.raises(trtcore.ShapeError, match="dims must be \\[1, C, H, W\\]"):
        _testing.rgb_image_reader("x.ppm", [2, 3, 4, 4], [0, 0, 0], [1, 1, 1])
    with pytest.raises(trtcore.ShapeError, match="dims must be \\[1, 1, H, W\\]"):
        _testing.argmax_image_writer("x.ppm", [2, 1, 4, 4], np.zeros(32, np.int64), [1, 2, 3], 21)


def test_every_error_is_a_trtcore_error():
    for exc in (trtcore.FormatError, trtcore.FileError, trtcore.ShapeError, trtcore.DTypeError, trtcore.ArgumentError):
        assert issubclass(exc, trtcore.Error)
