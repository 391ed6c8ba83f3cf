"""Image files other than PPM/PGM, through Pillow (the optional extra ``trtcore[images]``). Used by trtcore.image.

Pillow decodes into its own memory, so these paths copy once into numpy; PPM/PGM files (C++) do not.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from trtcore.errors import DTypeError, FileError, FormatError


def pillow(path: Path, action: str):  # -> the PIL.Image module
    """PIL.Image, or a FormatError naming the file when Pillow is not installed."""
    try:
        from PIL import Image
    except ImportError:
        raise FormatError(
            f"{path}: {action} {path.suffix or 'this'} files needs Pillow (pip install 'trtcore[images]'); "
            "PPM/PGM files work without it"
        ) from None
    return Image


def read_pillow(p: Path) -> np.ndarray:
    """Decode with Pillow into HWC uint8 (or uint16 for 16-bit grey)."""
    image_mod = pillow(p, "reading")
    if p.is_dir():
        raise FileError(f"{p}: is a directory, not an image file")
    try:
        with image_mod.open(p) as im:
            im.load()
            if im.mode in ("I;16", "I;16B", "I;16L"):
                arr = np.asarray(im).astype(np.uint16)
            elif im.mode == "I":  # 16-bit PNGs may open as 32-bit ints holding 0..65535
                arr = np.asarray(im)
                if arr.min() < 0 or arr.max() > 65535:
                    raise FormatError(f"{p}: 32-bit integer images are not supported (values outside 0..65535)")
                arr = arr.astype(np.uint16)
            elif im.mode in ("L", "RGB"):
                arr = np.asarray(im)
            elif im.mode in ("1", "LA"):
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
    """Encode with Pillow (format from the suffix) through a temporary file renamed into place."""
    image_mod = pillow(p, "writing")
    if image.dtype == np.uint16 and image.shape[2] != 1:
        raise DTypeError(f"{p}: Pillow writes 16-bit images only with 1 channel; write .ppm or convert to uint8")
    if p.is_dir():
        raise FileError(f"{p}: is a directory; give a file name to write the image to")
    # Pillow infers the mode from the array: uint8 HW -> L, uint8 HW3 -> RGB, uint16 HW -> I;16.
    pil = image_mod.fromarray(np.ascontiguousarray(image[:, :, 0] if image.shape[2] == 1 else image))
    try:
        fd, tmp = tempfile.mkstemp(prefix=p.name + ".tmp-", dir=p.parent if str(p.parent) else ".")
    except OSError as e:
        raise FileError(f"{p}: cannot write (creating a temporary file there failed: {e.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            pil.save(f, format=image_mod.registered_extensions().get(p.suffix.lower()))
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, p)
    except (KeyError, ValueError) as e:
        os.unlink(tmp)
        raise FormatError(f"{p}: Pillow cannot write this format: {e}") from None
    except OSError as e:
        os.unlink(tmp)
        raise FileError(f"{p}: write failed: {e}") from None
    except BaseException:
        os.unlink(tmp)
        raise


def _umask() -> int:
    """The process umask, read without changing it where possible (os.umask() races with other threads)."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1], 8) for line in f if line.startswith("Umask:"))
    except (OSError, StopIteration, ValueError):
        mask = os.umask(0o022)
        os.umask(mask)
        return mask
