"""How the pipelines get an image ready for a model, over trtcore's C++ image core (:mod:`trtcore.image`):
which files they read, RGB or grey with alpha dropped, channel conversion, resizing (Pillow), the overlay and
writing pictures. Images stay at their own bit depth (uint8, or uint16 with the file's maxval) up to
normalization, which happens in C++. Other formats than PPM/PGM and resizing go through Pillow
(``pip install 'trtcore[images]'``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from trtcore._interrupt import reraise_interrupt
from trtcore.errors import ArgumentError, DTypeError, FileError, FormatError, ShapeError

from trtcore import image as _core_image
from trtcore.image import NATURAL_MAXVAL

NETPBM_SUFFIXES = (".ppm", ".pgm", ".pnm")
PILLOW_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif")
IMAGE_SUFFIXES = NETPBM_SUFFIXES + PILLOW_SUFFIXES

def _pillow() -> Any:
    try:
        from PIL import Image
    except ImportError as e:
        reraise_interrupt(e)
        raise ArgumentError("this needs Pillow: pip install 'trtcore[images]'") from None
    return Image


def _hwc(arr: np.ndarray, what: str) -> np.ndarray:
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or arr.shape[2] not in (1, 3, 4):
        raise ShapeError(f"{what}: expected an image of shape [H, W], [H, W, 1], [H, W, 3] or [H, W, 4], "
                         f"got {arr.shape}")
    if arr.shape[2] == 4:  # drop alpha; pipelines take RGB
        arr = arr[:, :, :3]
    return arr


def load_image(path: str | Path) -> np.ndarray:
    """Reads an image file into an HWC uint8 array (1 channel for grayscale, else RGB), scaled to 0..255 from the
    file's own maxval (a P6 file with maxval 15 or a 16-bit one with maxval 1023 spans the same range as an 8-bit
    one; 16-bit samples are rounded to 8 bits).

    >>> load_image("input.ppm").shape  # doctest: +SKIP
    (512, 512, 3)
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise FormatError(f"{path}: unsupported image type '{path.suffix or '(none)'}'; "
                          f"supported: {', '.join(IMAGE_SUFFIXES)}")
    if not path.is_file():
        raise FileError(f"{path}: no such image file")
    arr, maxval = _core_image.read_image(path, return_maxval=True)
    if arr.dtype.kind != "u":
        raise FormatError(f"{path}: unsupported pixel type {arr.dtype}")
    if maxval != 255 or arr.dtype != np.uint8:
        arr = (arr.astype(np.float32) * np.float32(255.0 / maxval) + np.float32(0.5)).astype(np.uint8)
    return _hwc(arr, str(path))


def read_pixels(path: str | Path) -> tuple[np.ndarray, int]:
    """Reads an image file for a model: ``(HWC array, maxval)`` at the file's own depth (uint8, or uint16 for
    16-bit files), 1 channel for grey, else RGB (alpha dropped). Nothing is rescaled: normalization divides by
    ``maxval`` in C++, exactly as :func:`trtcore.image.read_normalized` does.

    >>> read_pixels("input.ppm")[0].shape  # doctest: +SKIP
    (512, 512, 3)
    """
    path = Path(path)
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise FormatError(f"{path}: unsupported image type '{path.suffix or '(none)'}'; "
                          f"supported: {', '.join(IMAGE_SUFFIXES)}")
    if not path.is_file():
        raise FileError(f"{path}: no such image file")
    arr, maxval = _core_image.read_image(path, return_maxval=True)
    if arr.dtype not in (np.uint8, np.uint16):
        raise FormatError(f"{path}: unsupported pixel type {arr.dtype}")
    return _hwc(arr, str(path)), int(maxval)


def image_list(items: Sequence[str | Path | np.ndarray] | str | Path | np.ndarray) -> list[str | Path | np.ndarray]:
    """One image (a path, an HW or HWC array) as a list of one; a sequence of them as a list.

    >>> len(image_list(np.zeros((4, 6), np.uint8)))
    1
    """
    if isinstance(items, (str, Path)) or (isinstance(items, np.ndarray) and items.ndim in (2, 3)):
        return [items]  # one image: HWC, or HW grey
    return list(items)


def as_image(item: str | Path | np.ndarray) -> tuple[np.ndarray, int]:
    """A path or an HW/HWC uint8/uint16 array → ``(HWC array, maxval)``; arrays have their dtype's full scale.

    >>> as_image(np.zeros((2, 2), np.uint16))[1]
    65535
    """
    if isinstance(item, (str, Path)):
        return read_pixels(item)
    arr = np.asarray(item)
    if arr.dtype not in NATURAL_MAXVAL:
        raise DTypeError(f"image arrays must be HWC uint8 or uint16, got {arr.dtype}")
    return _hwc(arr, "image array"), NATURAL_MAXVAL[arr.dtype]


def save_image(path: str | Path, image: np.ndarray) -> Path:
    """Writes an HWC uint8 image: ``.ppm``/``.pgm`` natively, other types through Pillow. Returns the path.

    >>> save_image("out.ppm", np.zeros((4, 4, 3), np.uint8))  # doctest: +SKIP
    PosixPath('out.ppm')
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise FormatError(f"{path}: unsupported image type '{path.suffix or '(none)'}'; "
                          f"supported: {', '.join(IMAGE_SUFFIXES)}")
    image = _hwc(np.asarray(image), str(path))
    if image.dtype != np.uint8:
        raise ArgumentError(f"{path}: images are written from uint8 arrays, got {image.dtype}")
    if not path.parent.is_dir():
        raise FileError(f"{path}: folder {path.parent} does not exist")
    _core_image.write_image(path, image)
    return path


def to_channels(image: np.ndarray, channels: int) -> np.ndarray:
    """Converts an HWC uint8/uint16 image to 1 (luma, ITU-R 601) or 3 (replicated gray) channels; the dtype is
    kept.

    >>> to_channels(np.zeros((2, 2, 3), np.uint8), 1).shape
    (2, 2, 1)
    """
    have = image.shape[2]
    if have == channels:
        return image
    if channels == 1 and have == 3:
        luma = image.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
        top = np.iinfo(image.dtype).max
        return np.clip(luma + 0.5, 0, top).astype(image.dtype)[:, :, None]
    if channels == 3 and have == 1:
        return np.repeat(image, 3, axis=2)
    raise ShapeError(f"cannot convert a {have}-channel image to {channels} channels")


def resize_image(image: np.ndarray, height: int, width: int, *, nearest: bool = False) -> np.ndarray:
    """Resizes an HWC uint8 or uint16 image (bilinear, or nearest for label maps) with Pillow; the dtype is kept
    (16-bit images are resized channel by channel in Pillow's 16-bit mode "I;16", never cut to 8 bits).

    >>> resize_image(np.zeros((4, 4, 3), np.uint16), 2, 8).shape  # doctest: +SKIP
    (2, 8, 3)
    """
    if image.shape[:2] == (height, width):
        return image
    Image = _pillow()
    method = Image.Resampling.NEAREST if nearest else Image.Resampling.BILINEAR
    if image.ndim == 2:
        image = image[:, :, None]
    if image.dtype == np.uint8 and image.shape[2] == 3:
        return np.asarray(Image.fromarray(image).resize((width, height), method))
    planes = [np.asarray(Image.fromarray(np.ascontiguousarray(image[:, :, c])).resize((width, height), method))
              for c in range(image.shape[2])]
    return np.stack(planes, axis=2).astype(image.dtype, copy=False)


def overlay(image: np.ndarray, colored: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """Blends a colour label image over an HWC image: ``(1 - alpha) * image + alpha * colored``.

    >>> overlay(np.zeros((1, 1, 3), np.uint8), np.full((1, 1, 3), 200, np.uint8)).ravel().tolist()
    [100, 100, 100]
    """
    if not 0.0 <= alpha <= 1.0:
        raise ArgumentError(f"overlay alpha must be in [0, 1], got {alpha}")
    base = to_channels(image, 3).astype(np.float32)
    if base.shape != colored.shape:
        raise ShapeError(f"overlay: image {base.shape} and labels {colored.shape} differ in size")
    return np.clip((1 - alpha) * base + alpha * colored.astype(np.float32) + 0.5, 0, 255).astype(np.uint8)
