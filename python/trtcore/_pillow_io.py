"""Image files other than PPM/PGM, through Pillow (the optional extra ``trtcore[images]``). Used by trtcore.image.

Pillow decodes into its own memory, so these paths copy once into numpy; PPM/PGM files (C++) do not.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trtcore._interrupt import reraise_interrupt
from trtcore.errors import DTypeError, FileError, FormatError
from trtcore.files import write_file_atomic


def pillow(path: Path, action: str):  # -> the PIL.Image module
    """PIL.Image, or a FormatError naming the file when Pillow is not installed."""
    try:
        from PIL import Image
    except ImportError as e:
        reraise_interrupt(e)
        raise FormatError(
            f"{path}: {action} {path.suffix or 'this'} files needs Pillow (pip install 'trtcore[images]'); "
            "PPM/PGM files work without it"
        ) from None
    return Image


#: Pillow modes (and palette/grey images with a transparent colour) that carry alpha: decoded as LA or RGBA.
_GREY_ALPHA_MODES = ("LA", "La")
_ALPHA_MODES = _GREY_ALPHA_MODES + ("RGBA", "RGBa", "PA")


def read_pillow(p: Path) -> np.ndarray:
    """Decode with Pillow into HWC uint8 (or uint16 for 16-bit grey), turned upright as its EXIF orientation tag
    says (a phone's portrait JPEG comes out portrait). Images with transparency keep their alpha channel as the
    last channel (LA: 2 channels, RGBA: 4); :func:`trtcore.image.read_image` composites it on a background."""
    image_mod = pillow(p, "reading")
    if p.is_dir():
        raise FileError(f"{p}: is a directory, not an image file")
    try:
        from PIL import ImageOps

        with image_mod.open(p) as im:
            im.load()
            ImageOps.exif_transpose(im, in_place=True)  # rotates/mirrors only when the tag asks for it
            transparent = "transparency" in im.info
            if im.mode in _GREY_ALPHA_MODES or (transparent and im.mode in ("1", "L")):
                arr = np.asarray(im.convert("LA"))
            elif im.mode in _ALPHA_MODES or transparent:
                arr = np.asarray(im.convert("RGBA"))
            elif im.mode in ("I;16", "I;16B", "I;16L"):
                arr = np.asarray(im).astype(np.uint16)
            elif im.mode == "I":  # 16-bit PNGs may open as 32-bit ints holding 0..65535
                arr = np.asarray(im)
                if arr.min() < 0 or arr.max() > 65535:
                    raise FormatError(f"{p}: 32-bit integer images are not supported (values outside 0..65535)")
                arr = arr.astype(np.uint16)
            elif im.mode in ("L", "RGB"):
                arr = np.asarray(im)
            elif im.mode == "1":
                arr = np.asarray(im.convert("L"))
            else:
                arr = np.asarray(im.convert("RGB"))
    except FormatError:
        raise
    except FileNotFoundError as e:
        raise FileError(f"{p}: cannot open: {e.strerror}") from None
    except image_mod.UnidentifiedImageError:
        raise FormatError(f"{p}: not an image file Pillow can read") from None
    except image_mod.DecompressionBombError as e:
        raise FormatError(f"{p}: refused by Pillow as a decompression bomb: {e}") from None
    except PermissionError as e:
        raise FileError(f"{p}: cannot open: {e.strerror}") from None
    except (OSError, SyntaxError, ValueError) as e:  # Pillow reports truncated/corrupt data this way
        raise FormatError(f"{p}: cannot decode the image: {e}") from None
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return np.ascontiguousarray(arr)


def write_pillow(p: Path, image: np.ndarray) -> None:
    """Encode with Pillow (format from the suffix) through the one atomic writer (trtcore.files)."""
    image_mod = pillow(p, "writing")
    if image.dtype == np.uint16 and image.shape[2] != 1:
        raise DTypeError(f"{p}: Pillow writes 16-bit images only with 1 channel; write .ppm or convert to uint8")
    if p.is_dir():
        raise FileError(f"{p}: is a directory; give a file name to write the image to")
    # Pillow infers the mode from the array: uint8 HW -> L, uint8 HW3 -> RGB, uint16 HW -> I;16.
    pil = image_mod.fromarray(np.ascontiguousarray(image[:, :, 0] if image.shape[2] == 1 else image))
    fmt = image_mod.registered_extensions().get(p.suffix.lower())
    if fmt is None:
        raise FormatError(f"{p}: Pillow cannot write {p.suffix or 'files without a suffix'}; use .ppm, .pgm or .png")
    try:
        write_file_atomic(p, lambda f: pil.save(f, format=fmt))
    except (KeyError, ValueError) as e:
        raise FormatError(f"{p}: Pillow cannot write this format: {e}") from None
