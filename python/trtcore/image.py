"""Images in and out of networks: PPM/PGM files, normalize (HWC → NCHW), argmax, softmax, top-k, palette colorize.

The work is done in C++ (``trtcore._core.image``) on :func:`get_num_threads` threads with the GIL released.
Numpy arrays cross the boundary without copies:

* inputs that are C-contiguous and of an accepted dtype are read in place;
* ``out=`` arrays are written in place and returned (they must have the exact shape and dtype, be C-contiguous and
  writeable, otherwise :class:`trtcore.ArgumentError` / ``ShapeError`` / ``DTypeError`` is raised — never a silent
  copy);
* results (and images read from PPM/PGM files) are numpy arrays whose memory is the C++ buffer itself, owned by
  the array through a capsule.

Copies happen only where written below (non-contiguous inputs are copied once, logged at DEBUG level).

>>> import numpy as np, trtcore.image as ti
>>> x = ti.normalize(np.zeros((2, 3, 3), np.uint8))
>>> x.shape, x.dtype
((3, 2, 3), dtype('float32'))
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import Sequence, Union

import numpy as np

from trtcore import _core
from trtcore._pillow_io import read_pillow, write_pillow
from trtcore.errors import ArgumentError, DTypeError, ShapeError
from trtcore.files import native_path

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "GUIDE_PALETTE_BASE",
    "BACKGROUND",
    "read_image",
    "composite",
    "background_rgb",
    "write_image",
    "read_ppm",
    "write_ppm",
    "parse_pnm",
    "read_normalized",
    "normalize",
    "argmax",
    "labels_from_output",
    "softmax",
    "top_k",
    "Palette",
    "as_palette",
    "palette",
    "colorize",
    "write_labels",
    "set_num_threads",
    "get_num_threads",
]

log = logging.getLogger(__name__)
_c = _core.image

PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
Floats = Union[float, Sequence[float]]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
#: NVIDIA's quick start palette: colour of class i is (base * i) mod 255 per channel.
GUIDE_PALETTE_BASE = (2**25 - 1, 2**15 - 1, 2**21 - 1)

#: What transparent pixels are composited on unless told otherwise: white, as image viewers and browsers show
#: them (dropping alpha instead would show whatever colour the transparent pixels happen to hold, often black).
BACKGROUND = (255, 255, 255)

_PNM_SUFFIXES = {".ppm", ".pgm", ".pnm"}
#: The maxval an image array of each sample type has when nothing else says (8 and 16 bits at full range).
NATURAL_MAXVAL = {np.dtype(np.uint8): 255, np.dtype(np.uint16): 65535}
_LABEL_DTYPES = (np.dtype(np.int64), np.dtype(np.int32), np.dtype(np.uint8))


# ---- files -----------------------------------------------------------------------------------------------------


def _is_pnm(path: Path) -> bool:
    if path.suffix.lower() in _PNM_SUFFIXES:
        return True
    try:
        with open(path, "rb") as f:
            head = f.read(2)
    except OSError:
        return False  # let the reader below report the problem with the file
    return head in (b"P2", b"P3", b"P5", b"P6")


def read_image(path: PathLike, *, return_maxval: bool = False,
               background: int | Sequence[int] | None = BACKGROUND) -> np.ndarray | tuple[np.ndarray, int]:
    """Read an image as an HWC array: uint8, or uint16 for PPM/PGM files with maxval > 255.

    PPM/PGM (P6, P3, P5, P2) are read natively and the array owns the C++ buffer (no copy); other formats (PNG,
    JPEG, ...) go through Pillow, turned upright as their EXIF orientation says. Grey images have C == 1.
    Transparent images are composited on ``background`` (an RGB triple or one grey value in 0..255, default
    white, :data:`BACKGROUND`; see :func:`composite`); ``background=None`` keeps the alpha channel (C == 2 or 4).
    With ``return_maxval=True`` returns ``(array, maxval)`` (the file's maxval for PPM/PGM, the dtype's natural
    maximum otherwise).

    >>> img = read_image("input.ppm")  # doctest: +SKIP
    >>> img.shape, img.dtype  # doctest: +SKIP
    ((1026, 1282, 3), dtype('uint8'))
    """
    raw = native_path(path, "read_image")
    p = Path(os.fsdecode(raw))
    if _is_pnm(p):
        arr, maxval = _c.read_pnm(raw)
    else:
        arr = read_pillow(p)
        maxval = NATURAL_MAXVAL[arr.dtype]
        if background is not None and arr.shape[2] in (2, 4):
            arr = composite(arr, background, maxval, name=str(p))
    return (arr, maxval) if return_maxval else arr


def background_rgb(background: int | Sequence[int], name: str = "background") -> tuple[int, int, int]:
    """A background colour as an RGB triple of 0..255 integers (one number is a grey).

    >>> background_rgb(128), background_rgb((0, 64, 255))
    ((128, 128, 128), (0, 64, 255))
    """
    try:
        values = [background] if np.ndim(background) == 0 else list(background)  # type: ignore[arg-type]
        ints = [int(v) for v in values]
        ok = all(float(v) == i for v, i in zip(values, ints)) and not any(isinstance(v, bool) for v in values)
    except (TypeError, ValueError):
        ok, ints = False, []
    if not ok or len(ints) not in (1, 3) or not all(0 <= v <= 255 for v in ints):
        raise ArgumentError(f"{name}: expected one grey value or an R,G,B triple of integers 0..255, got "
                            f"{background!r}")
    return (ints[0],) * 3 if len(ints) == 1 else (ints[0], ints[1], ints[2])


def composite(image: np.ndarray, background: int | Sequence[int] = BACKGROUND, maxval: int | None = None, *,
              name: str = "image") -> np.ndarray:
    """Alpha-composites an HWC image whose last channel is alpha (LA: 2 channels, RGBA: 4) on a solid
    ``background`` (0..255 units, scaled to ``maxval``, default the dtype's full scale):
    ``(colour * alpha + background * (maxval - alpha)) / maxval``, rounded. The result has no alpha: grey stays
    grey on a grey background, and becomes RGB on a coloured one. Arrays without alpha (1 or 3 channels) come
    back as they are.

    >>> composite(np.array([[[0, 0, 0, 0], [0, 0, 0, 255]]], np.uint8)).tolist()
    [[[255, 255, 255], [0, 0, 0]]]
    """
    if not isinstance(image, np.ndarray) or image.ndim != 3:
        raise ShapeError(f"{name}: expected an HWC array, got {getattr(image, 'shape', type(image).__name__)}")
    if image.shape[2] in (1, 3):
        return image
    if image.shape[2] not in (2, 4):
        raise ShapeError(f"{name}: expected 1-4 channels (grey, grey+alpha, RGB, RGBA), got {image.shape[2]}")
    if image.dtype.newbyteorder("=") not in NATURAL_MAXVAL:
        raise DTypeError(f"{name}: dtype must be uint8 or uint16, got {image.dtype}")
    top = int(NATURAL_MAXVAL[image.dtype.newbyteorder("=")] if maxval is None else maxval)
    bg = np.array([round(v * top / 255) for v in background_rgb(background)], np.int64)
    colour, alpha = image[:, :, :-1].astype(np.int64), image[:, :, -1:].astype(np.int64)
    if colour.shape[2] == 1 and not (bg[0] == bg[1] == bg[2]):
        colour = np.repeat(colour, 3, axis=2)  # grey on a coloured background is a colour picture
    bg = bg[: colour.shape[2]]
    out = (colour * alpha + bg * (top - alpha) + top // 2) // top
    return out.astype(image.dtype)


def _as_hwc(image: np.ndarray, name: str) -> np.ndarray:
    if not isinstance(image, np.ndarray):
        raise ArgumentError(f"{name}: expected a numpy array, got {type(image).__name__}")
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3 or image.shape[2] not in (1, 3):
        raise ShapeError(f"{name}: expected HW or HWC with 1 or 3 channels, got shape {image.shape}")
    if image.dtype.newbyteorder("=") not in NATURAL_MAXVAL:
        raise DTypeError(f"{name}: dtype must be uint8 or uint16, got {image.dtype}")
    return image


def write_image(path: PathLike, image: np.ndarray, *, maxval: int | None = None) -> None:
    """Write an HWC (or HW) uint8/uint16 image; PPM/PGM natively (P6/P5), other formats through Pillow.

    The file appears complete or not at all (written to a temporary file in the same folder, then renamed).
    ``maxval`` (PPM/PGM only) defaults to 255 for uint8 and 65535 for uint16. A non-contiguous array is copied
    once.

    >>> write_image("out.ppm", np.zeros((4, 6, 3), np.uint8))  # doctest: +SKIP
    """
    raw = native_path(path, "write_image")
    p = Path(os.fsdecode(raw))
    image = _as_hwc(image, "image")
    if p.suffix.lower() in _PNM_SUFFIXES:
        if p.suffix.lower() == ".pgm" and image.shape[2] != 1:
            raise ShapeError(f"{p}: a .pgm file holds grey images (1 channel), got {image.shape[2]} channels")
        if p.suffix.lower() == ".ppm" and image.shape[2] != 3:
            raise ShapeError(f"{p}: a .ppm file holds RGB images (3 channels), got {image.shape[2]} channel")
        mv = NATURAL_MAXVAL[image.dtype.newbyteorder("=")] if maxval is None else maxval
        if isinstance(mv, bool) or not isinstance(mv, (int, np.integer)) or not 1 <= mv <= 65535:
            raise ArgumentError(f"maxval: must be an integer 1..65535, got {maxval!r}")
        _c.write_pnm(raw, _contiguous(image, "image"), int(mv))
        return
    write_pillow(p, image)


def parse_pnm(
    data: bytes, name: str = "<bytes>", *, return_maxval: bool = False
) -> np.ndarray | tuple[np.ndarray, int]:
    """Parse a whole PPM/PGM file held in memory (same rules and errors as :func:`read_image`).

    >>> parse_pnm(b"P2 2 1 255\\n0 255\\n")[:, :, 0].tolist()
    [[0, 255]]
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ArgumentError(f"data: expected bytes, got {type(data).__name__}")
    arr, maxval = _c.parse_pnm(data, name)
    return (arr, maxval) if return_maxval else arr


read_ppm = read_image
write_ppm = write_image


# ---- preprocess ------------------------------------------------------------------------------------------------


def _contiguous(a: np.ndarray, name: str) -> np.ndarray:
    """a itself when usable in place; otherwise one native-order C-contiguous copy (logged)."""
    if a.flags.c_contiguous and a.dtype.isnative:
        return a
    log.debug("%s: not C-contiguous (or byte-swapped); copying it once", name)
    return np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("="))


def _per_channel(values: Floats, channels: int, name: str) -> list[float]:
    try:
        if values is None or isinstance(values, (str, bytes)):  # numpy would read None as NaN, "0.5" as 0.5
            raise TypeError
        v = np.atleast_1d(np.asarray(values, dtype=np.float64)).ravel().tolist()
    except (TypeError, ValueError):
        raise ArgumentError(f"{name}: must be a number or one number per channel, got {values!r}") from None
    if len(v) == 1:
        v = v * channels
    if len(v) != channels:
        raise ArgumentError(f"{name}: needs one value per channel ({channels}) or a single value, got {len(v)}")
    return v


def _check_out(out: np.ndarray, shape: tuple[int, ...], dtype: np.dtype, kernel_shape: tuple[int, ...]) -> np.ndarray:
    """Validate out= (never copied) and return a view of it with the shape the kernel wants."""
    if not isinstance(out, np.ndarray):
        raise ArgumentError(f"out: expected a numpy array, got {type(out).__name__}")
    if out.dtype != dtype or not out.dtype.isnative:
        raise DTypeError(f"out: dtype must be {dtype}, got {out.dtype}")
    if out.shape != shape:
        raise ShapeError(f"out: shape must be {shape}, got {out.shape}")
    if not out.flags.c_contiguous:
        raise ArgumentError("out: must be C-contiguous (it is written in place, never copied)")
    if not out.flags.writeable:
        raise ArgumentError("out: is read-only")
    view = out.view()
    view.shape = kernel_shape  # a view of contiguous memory: no copy
    return view


def _float_dtype(dtype: object, name: str) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise DTypeError(f"{name}: not a dtype: {dtype!r}") from None
    if dt not in (np.dtype(np.float32), np.dtype(np.float16)):
        raise DTypeError(f"{name}: must be float32 or float16, got {dt}")
    return dt


def normalize(
    img: np.ndarray,
    mean: Floats = IMAGENET_MEAN,
    std: Floats = IMAGENET_STD,
    *,
    maxval: float | None = None,
    dtype: object = np.float32,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """HWC → CHW (or NHWC → NCHW) as ``(value / maxval - mean[c]) / std[c]``, in float32 or float16.

    ``img`` is uint8 or uint16, HW, HWC or NHWC; ``maxval`` defaults to 255 / 65535 by dtype (use
    :func:`read_normalized` for a file's own maxval). float32 results equal numpy's float32
    ``(img.astype(np.float32) / np.float32(maxval) - mean) / std`` bit for bit; float16 results are those values
    rounded to nearest even. With ``out=`` the result is written there (no allocation) and ``out`` is returned.

    >>> normalize(np.full((1, 1, 3), 255, np.uint8), mean=0.5, std=0.5).ravel().tolist()
    [1.0, 1.0, 1.0]
    """
    if not isinstance(img, np.ndarray):
        raise ArgumentError(f"img: expected a numpy array, got {type(img).__name__}")
    if img.ndim == 2:
        kernel_in, shape_out = img[None, :, :, None], (1,) + img.shape
    elif img.ndim == 3:
        kernel_in, shape_out = img[None], (img.shape[2], img.shape[0], img.shape[1])
    elif img.ndim == 4:
        kernel_in, shape_out = img, (img.shape[0], img.shape[3], img.shape[1], img.shape[2])
    else:
        raise ShapeError(f"img: expected HW, HWC or NHWC, got {img.ndim} dimensions (shape {img.shape})")
    if img.dtype.newbyteorder("=") not in NATURAL_MAXVAL:
        raise DTypeError(f"img: dtype must be uint8 or uint16, got {img.dtype}")
    if img.size == 0:
        raise ShapeError(f"img: is empty (shape {img.shape})")
    dt = _float_dtype(dtype, "dtype")
    n, h, w, c = kernel_in.shape
    mean_v, std_v = _per_channel(mean, c, "mean"), _per_channel(std, c, "std")
    if any(s == 0 for s in std_v):
        raise ArgumentError(f"std: must not contain 0 (got {std_v})")
    mv = float(NATURAL_MAXVAL[img.dtype.newbyteorder("=")] if maxval is None else maxval)
    if not (mv > 0 and np.isfinite(mv)):
        raise ArgumentError(f"maxval: must be positive and finite, got {maxval}")
    kernel_out = None if out is None else _check_out(out, shape_out, dt, (n, c, h, w))
    result = _c.normalize(_contiguous(kernel_in, "img"), mean_v, std_v, mv, dt.name, kernel_out)
    return out if out is not None else result.reshape(shape_out)


def read_normalized(
    path: PathLike,
    mean: Floats = IMAGENET_MEAN,
    std: Floats = IMAGENET_STD,
    *,
    dtype: object = np.float32,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Read an image and normalize it with the file's own maxval → CHW (the guide's ``RGBImageReader``).

    >>> x = read_normalized("input.ppm")  # doctest: +SKIP
    >>> x.shape  # doctest: +SKIP
    (3, 1026, 1282)
    """
    img, maxval = read_image(path, return_maxval=True)
    return normalize(img, mean, std, maxval=maxval, dtype=dtype, out=out)


# ---- postprocess -----------------------------------------------------------------------------------------------


def argmax(logits: np.ndarray, out: np.ndarray | None = None, dtype: object = np.int64) -> np.ndarray:
    """Class ids: argmax over the class axis of ``[N, C, H, W]`` (→ ``[N, H, W]``) or ``[C, H, W]`` (→ ``[H, W]``).

    ``logits`` is float32 or float16 (a non-contiguous array is copied once). Same answer as
    ``np.argmax(logits, axis=-3)``: first maximum on ties, NaN counts as the maximum. ``dtype``: int64, int32 or
    uint8 (at most 256 classes).

    >>> argmax(np.array([[[1.0]], [[3.0]], [[2.0]]], np.float32)).tolist()
    [[1]]
    """
    if not isinstance(logits, np.ndarray):
        raise ArgumentError(f"logits: expected a numpy array, got {type(logits).__name__}")
    if logits.ndim not in (3, 4):
        raise ShapeError(f"logits: expected [N, C, H, W] or [C, H, W], got shape {logits.shape}")
    if logits.size == 0:
        raise ShapeError(f"logits: is empty (shape {logits.shape})")
    if logits.dtype.newbyteorder("=") not in (np.dtype(np.float32), np.dtype(np.float16)):
        raise DTypeError(f"logits: dtype must be float32 or float16, got {logits.dtype} (use .astype(np.float32))")
    try:
        lt = np.dtype(dtype)
    except TypeError:
        raise DTypeError(f"dtype: not a dtype: {dtype!r}") from None
    if lt not in _LABEL_DTYPES:
        raise DTypeError(f"dtype: labels must be int64, int32 or uint8, got {lt}")
    kernel_in = logits if logits.ndim == 4 else logits[None]
    n, _, h, w = kernel_in.shape
    shape_out = (n, h, w) if logits.ndim == 4 else (h, w)
    kernel_out = None if out is None else _check_out(out, shape_out, lt, (n, h, w))
    result = _c.argmax(_contiguous(kernel_in, "logits"), lt.name, kernel_out)
    return out if out is not None else result.reshape(shape_out)


def labels_from_output(output: np.ndarray, what: str = "output", height: int = 0, width: int = 0) -> np.ndarray:
    """A segmentation model's output → ``[H, W]`` int64 class ids (C++ ``image::labels_from_output``, which the
    C++ tutorial uses too).

    ``output`` is logits ``[1, C, H, W]`` (float32/float16: argmax, numpy's tie and NaN rules) or label ids
    ``[1, 1, H, W]`` / ``[1, H, W]`` of any integer width (widened). With ``height``/``width`` the output must be
    that size. Anything else raises FormatError starting with ``what``.

    >>> labels_from_output(np.array([[[[0.0]], [[2.0]]]], np.float32)).tolist()
    [[1]]
    """
    if not isinstance(output, np.ndarray):
        raise ArgumentError(f"{what}: expected a numpy array, got {type(output).__name__}")
    return _c.labels_from_output(_contiguous(output, what), what, int(height), int(width))


def _scores_2d(scores: np.ndarray, axis: int, name: str) -> tuple[np.ndarray, tuple[int, ...]]:
    """scores moved so ``axis`` is last and flattened to [rows, classes] (a copy only when axis is not last)."""
    if not isinstance(scores, np.ndarray):
        raise ArgumentError(f"{name}: expected a numpy array, got {type(scores).__name__}")
    if scores.ndim == 0 or scores.size == 0:
        raise ShapeError(f"{name}: needs at least one class axis with data, got shape {scores.shape}")
    if scores.dtype.newbyteorder("=") not in (np.dtype(np.float32), np.dtype(np.float16)):
        raise DTypeError(f"{name}: dtype must be float32 or float16, got {scores.dtype} (use .astype(np.float32))")
    moved = np.moveaxis(scores, axis, -1)
    return _contiguous(moved, name).reshape(-1, moved.shape[-1]), moved.shape


def softmax(scores: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax over ``axis`` → float32, in C++: ``e = exp(x - max); e / sum(e)`` like numpy's stable softmax.

    float32 or float16 scores. Equal to numpy's float32 result to float rounding; a slice holding NaN or +inf,
    or only -inf, comes out all NaN (what that formula gives in numpy too).

    >>> softmax(np.array([0.0, 0.0], np.float32)).tolist()
    [0.5, 0.5]
    """
    flat, shape = _scores_2d(scores, axis, "scores")
    return np.moveaxis(_c.softmax(flat, None).reshape(shape), -1, axis)


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best classes of each row of ``[N, C]`` (or ``[C]``) scores: ``(indices int64, values float32)``,
    best first, in C++.

    Equal scores are ordered by lower index first (a stable sort) and NaN comes after every number, i.e. the same
    as ``np.argsort(-scores, kind="stable")[..., :k]``. ``k`` larger than C is cut to C.

    >>> top_k(np.array([[0.1, 0.7, 0.7]], np.float32), 2)[0].tolist()
    [[1, 2]]
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ArgumentError(f"k: must be a positive integer, got {k!r}")
    flat, shape = _scores_2d(scores, -1, "scores")
    k = min(int(k), shape[-1])
    indices, values = _c.topk(flat, k)
    return indices.reshape(shape[:-1] + (k,)), values.reshape(shape[:-1] + (k,))


#: Colours by class id, held in C++ and reused for every image: ``Palette(colors)`` from a ``[n, 3]`` uint8
#: array, ``Palette.guide(num_classes, base)`` for the guide's; ``.colors`` is the ``[n, 3]`` array.
Palette = _c.Palette


@functools.lru_cache(maxsize=64)
def _guide_palette(num_classes: int, base: tuple[int, int, int]) -> Palette:
    return _c.Palette.guide(num_classes, list(base))


def palette(num_classes: int = 21, base: Sequence[int] = GUIDE_PALETTE_BASE) -> np.ndarray:
    """The guide's palette as a ``[num_classes, 3]`` uint8 array: colour i = ``(base * i) % 255`` per channel.

    >>> palette(3).tolist()
    [[0, 0, 0], [1, 127, 31], [2, 254, 62]]
    """
    b = [int(x) for x in base]
    if len(b) != 3:
        raise ArgumentError(f"base: needs 3 values (R, G, B), got {len(b)}")
    return _guide_palette(int(num_classes), tuple(b)).colors


def as_palette(pal: object) -> Palette:
    """A :data:`Palette` from a Palette (itself) or a ``[n, 3]`` array of integers 0..255.

    >>> len(as_palette(np.zeros((4, 3), np.uint8)))
    4
    """
    if isinstance(pal, _c.Palette):
        return pal
    arr = np.asarray(pal)
    if arr.ndim != 2 or arr.shape[1] != 3 or arr.shape[0] < 1:
        raise ShapeError(f"palette: shape must be (num_classes, 3), got {arr.shape}")
    if arr.dtype != np.uint8:
        if arr.dtype.kind not in "iu" or arr.min() < 0 or arr.max() > 255:
            raise DTypeError(f"palette: must be uint8 (or integers 0..255), got {arr.dtype}")
        arr = arr.astype(np.uint8)
    return _c.Palette(np.ascontiguousarray(arr))


def colorize(
    labels: np.ndarray,
    palette: object | None = None,
    num_classes: int = 21,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Class ids → RGB: ``[N, 1, H, W]`` or ``[N, H, W]`` → ``[N, H, W, 3]``, ``[H, W]`` → ``[H, W, 3]`` uint8.

    ``palette`` is a :data:`Palette` (reused as is: build it once for many images) or a ``[n, 3]`` array (turned
    into one per call); it defaults to the guide's with ``num_classes`` colours (cached). Labels are int64, int32
    or uint8 in place; other integer dtypes are converted to int64 once. An id outside the palette raises
    ArgumentError naming the id and its flat pixel index.

    >>> colorize(np.array([[0, 2]])).tolist()
    [[[0, 0, 0], [2, 254, 62]]]
    """
    if not isinstance(labels, np.ndarray):
        raise ArgumentError(f"labels: expected a numpy array, got {type(labels).__name__}")
    if labels.ndim == 4:
        if labels.shape[1] != 1:
            raise ShapeError(f"labels: [N, 1, H, W] must have 1 in axis 1, got shape {labels.shape}")
        labels = labels[:, 0]
    if labels.ndim not in (2, 3):
        raise ShapeError(f"labels: expected [N, 1, H, W], [N, H, W] or [H, W], got shape {labels.shape}")
    if labels.dtype.newbyteorder("=") not in _LABEL_DTYPES:
        if labels.dtype.kind not in "iu":
            raise DTypeError(f"labels: dtype must be an integer type (int64, int32, uint8), got {labels.dtype}")
        log.debug("labels: %s converted to int64 once", labels.dtype)
        labels = labels.astype(np.int64)
    pal = _guide_palette(int(num_classes), GUIDE_PALETTE_BASE) if palette is None else as_palette(palette)
    shape_out = labels.shape + (3,)
    kernel_out = None if out is None else _check_out(out, shape_out, np.dtype(np.uint8), shape_out)
    return_value = _c.colorize(_contiguous(labels, "labels"), pal, kernel_out)
    return out if out is not None else return_value


def write_labels(
    path: PathLike, labels: np.ndarray, palette: object | None = None, num_classes: int = 21
) -> None:
    """Colorize labels and write them as a P6 file: byte for byte what the guide's ``ArgmaxImageWriter`` writes.

    >>> write_labels("output.ppm", argmax(logits)[0])  # doctest: +SKIP
    """
    rgb = colorize(labels, palette, num_classes)
    if rgb.ndim == 4:
        if rgb.shape[0] != 1:
            raise ShapeError(f"labels: a file holds one image, got a batch of {rgb.shape[0]}")
        rgb = rgb[0]
    write_image(path, rgb)


# ---- threads ---------------------------------------------------------------------------------------------------


def set_num_threads(n: int) -> None:
    """Threads the image functions use; 0 restores the default (``TRTCORE_NUM_THREADS`` or the CPU count).

    >>> set_num_threads(1); get_num_threads()
    1
    >>> set_num_threads(0)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ArgumentError(f"n: must be an integer >= 0, got {n!r}")
    _c.set_num_threads(int(n))


def get_num_threads() -> int:
    """Threads the image functions use now.

    >>> get_num_threads() >= 1
    True
    """
    return int(_c.get_num_threads())
