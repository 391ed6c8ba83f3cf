"""How the pipelines get an image ready for a model, over trtcore's C++ image core (:mod:`trtcore.image`):
which files they read (EXIF orientation applied, transparency composited on a background), channel conversion,
the resize/crop policy (:class:`ResizePolicy`, planned by :func:`plan_resize`, carried out with Pillow), the
overlay and writing pictures. Images stay at their own bit depth (uint8, or uint16 with the file's maxval) up
to normalization, which happens in C++. Other formats than PPM/PGM and resizing go through Pillow
(``pip install 'trtcore[images]'``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from trtcore._interrupt import reraise_interrupt
from trtcore.errors import ArgumentError, DTypeError, FileError, FormatError, ShapeError

from trtcore import _core
from trtcore import image as _core_image
from trtcore.image import BACKGROUND, NATURAL_MAXVAL

NETPBM_SUFFIXES = (".ppm", ".pgm", ".pnm")
PILLOW_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".gif")
IMAGE_SUFFIXES = NETPBM_SUFFIXES + PILLOW_SUFFIXES
Background = Any  # an R,G,B triple or one grey value, 0..255 (see trtcore.image.composite)


def _pillow() -> Any:
    try:
        from PIL import Image
    except ImportError as e:
        reraise_interrupt(e)
        raise ArgumentError("this needs Pillow: pip install 'trtcore[images]'") from None
    return Image


def _hwc(arr: np.ndarray, what: str, background: Background = BACKGROUND, maxval: int | None = None
         ) -> np.ndarray:
    """HW/HWC → HWC with 1 or 3 channels; grey+alpha / RGBA are composited on ``background``."""
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or arr.shape[2] not in (1, 2, 3, 4):
        raise ShapeError(f"{what}: expected an image of shape [H, W], [H, W, 1], [H, W, 2], [H, W, 3] or "
                         f"[H, W, 4], got {arr.shape}")
    if arr.shape[2] in (2, 4):
        arr = _core_image.composite(arr, BACKGROUND if background is None else background, maxval, name=what)
    return arr


def check_image_path(path: Path) -> None:
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise FormatError(f"{path}: unsupported image type '{path.suffix or '(none)'}'; "
                          f"supported: {', '.join(IMAGE_SUFFIXES)}")
    if not path.is_file():
        raise FileError(f"{path}: no such image file")


def to_uint8(image: np.ndarray, maxval: int) -> np.ndarray:
    """An HWC image of any maxval as uint8 0..255 (for pictures: overlays, previews); 8-bit images as they are.

    >>> to_uint8(np.array([[[1023]]], np.uint16), 1023).tolist()
    [[[255]]]
    """
    if maxval == 255 and image.dtype == np.uint8:
        return image
    return (image.astype(np.float32) * np.float32(255.0 / maxval) + np.float32(0.5)).astype(np.uint8)


def load_image(path: str | Path, background: Background = BACKGROUND) -> np.ndarray:
    """Reads an image file into an HWC uint8 array (1 channel for grayscale, else RGB), scaled to 0..255 from the
    file's own maxval (a P6 file with maxval 15 or a 16-bit one with maxval 1023 spans the same range as an 8-bit
    one; 16-bit samples are rounded to 8 bits). Transparency is composited on ``background``.

    >>> load_image("input.ppm").shape  # doctest: +SKIP
    (512, 512, 3)
    """
    img, maxval = read_pixels(path, background)
    return to_uint8(img, maxval)


def read_pixels(path: str | Path, background: Background = BACKGROUND) -> tuple[np.ndarray, int]:
    """Reads an image file for a model: ``(HWC array, maxval)`` at the file's own depth (uint8, or uint16 for
    16-bit files), 1 channel for grey, else RGB; upright as its EXIF orientation says, transparency composited on
    ``background`` (default white). Nothing is rescaled: normalization divides by ``maxval`` in C++, exactly as
    :func:`trtcore.image.read_normalized` does.

    >>> read_pixels("input.ppm")[0].shape  # doctest: +SKIP
    (512, 512, 3)
    """
    path = Path(path)
    check_image_path(path)
    arr, maxval = _core_image.read_image(path, return_maxval=True, background=background)
    if arr.dtype not in (np.uint8, np.uint16):
        raise FormatError(f"{path}: unsupported pixel type {arr.dtype}")
    return _hwc(arr, str(path), background, int(maxval)), int(maxval)


def image_list(items: Sequence[str | Path | np.ndarray] | str | Path | np.ndarray) -> list[str | Path | np.ndarray]:
    """One image (a path, an HW or HWC array) as a list of one; a sequence of them as a list.

    >>> len(image_list(np.zeros((4, 6), np.uint8)))
    1
    """
    if isinstance(items, (str, Path)) or (isinstance(items, np.ndarray) and items.ndim in (2, 3)):
        return [items]  # one image: HWC, or HW grey
    if not isinstance(items, np.ndarray) and hasattr(items, "shape") and len(items.shape) in (2, 3):
        return [items]  # one image as a torch/cupy tensor
    return list(items)


def as_image(item: str | Path | np.ndarray, background: Background = BACKGROUND, maxval: int | None = None
             ) -> tuple[np.ndarray, int]:
    """A path or an HW/HWC uint8/uint16 array → ``(HWC array, maxval)``; arrays have their dtype's full scale
    unless ``maxval`` says otherwise (a 12-bit camera frame in uint16: 4095). Alpha (2 or 4 channels) is
    composited on ``background``.

    >>> as_image(np.zeros((2, 2), np.uint16))[1]
    65535
    """
    if isinstance(item, (str, Path)):
        return read_pixels(item, background)
    if not isinstance(item, np.ndarray) and (hasattr(item, "__cuda_array_interface__") or hasattr(item, "__dlpack__")):
        from trtcore.runners.base import host_array

        item = host_array("image", item)  # a DLPack CPU tensor viewed in place; a CUDA one copied here once
    arr = np.asarray(item)
    top = image_maxval(arr.dtype, maxval)
    return _hwc(arr, "image array", background, top), top


def image_maxval(dtype: Any, maxval: int | None = None) -> int:
    """The full scale of an image array of ``dtype``: the dtype's (255, 65535), or ``maxval`` checked against it.

    >>> image_maxval(np.dtype(np.uint16), 4095)
    4095
    """
    if dtype not in NATURAL_MAXVAL:
        raise DTypeError(f"image arrays must be HWC uint8 or uint16, got {dtype}")
    top = NATURAL_MAXVAL[dtype]
    if maxval is not None:
        if isinstance(maxval, bool) or not isinstance(maxval, (int, np.integer)) or not 1 <= maxval <= top:
            raise ArgumentError(f"maxval must be an integer 1..{top} for a {dtype} image, got {maxval!r}")
        top = int(maxval)
    return top


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
    image = _hwc(np.asarray(image), str(path))  # alpha composited on white
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


INTERPOLATIONS = ("bilinear", "bicubic", "nearest")


def resize_image(image: np.ndarray, height: int, width: int, *, nearest: bool = False,
                 interpolation: str = "bilinear") -> np.ndarray:
    """Resizes an HWC uint8 or uint16 image with Pillow (``interpolation`` bilinear, bicubic or nearest;
    ``nearest=True`` for label maps); the dtype is kept (16-bit images are resized channel by channel in Pillow's
    16-bit mode "I;16", never cut to 8 bits). Pillow's bilinear and bicubic filters are antialiased when shrinking
    (their support widens with the scale), like torchvision's ``antialias=True``.

    >>> resize_image(np.zeros((4, 4, 3), np.uint16), 2, 8).shape  # doctest: +SKIP
    (2, 8, 3)
    """
    if image.shape[:2] == (height, width):
        return image
    if interpolation not in INTERPOLATIONS:
        raise ArgumentError(f"interpolation must be one of {', '.join(INTERPOLATIONS)}, got {interpolation!r}")
    Image = _pillow()
    method = Image.Resampling.NEAREST if nearest else getattr(Image.Resampling, interpolation.upper())
    if image.ndim == 2:
        image = image[:, :, None]
    if image.dtype == np.uint8 and image.shape[2] == 3:
        return np.asarray(Image.fromarray(image).resize((width, height), method))
    planes = [np.asarray(Image.fromarray(np.ascontiguousarray(image[:, :, c])).resize((width, height), method))
              for c in range(image.shape[2])]
    return np.stack(planes, axis=2).astype(image.dtype, copy=False)


# -- the resize/crop policy: parameters as data, one planning function, any implementation -----------------------
@dataclass(frozen=True)
class ResizePolicy:
    """How an image is brought to the model's input size, as data that every implementation follows (Pillow on
    the host here; GPU kernels get the same :class:`ResizePlan` from :func:`plan_resize`).

    - ``shorter_side=None``: resize straight to the target size (the model's, or ``crop``), aspect ratio not
      kept ("stretch"); an int: resize so the shorter side has that length, keeping the aspect ratio (the longer
      side truncated, as torchvision's ``Resize(int)`` computes it).
    - ``crop``: ``(height, width)`` of a centred crop taken after resizing (torchvision's ``CenterCrop``,
      offsets ``round((size - crop) / 2)``); None: no crop beyond what the target size asks for.
    - ``interpolation``: "bilinear", "bicubic" or "nearest"; ``antialias``: low-pass filter when shrinking
      (torchvision's ``antialias=True``; Pillow always does it).

    >>> IMAGENET_EVAL.describe()
    'resize the shorter side to 256, centre crop 224x224 (bilinear, antialiased): torchvision ImageNet eval'
    """

    name: str = "stretch"
    shorter_side: int | None = None
    crop: tuple[int, int] | None = None
    interpolation: str = "bilinear"
    antialias: bool = True

    def __post_init__(self) -> None:
        if self.interpolation not in INTERPOLATIONS:
            raise ArgumentError(f"interpolation must be one of {', '.join(INTERPOLATIONS)}, got "
                                f"{self.interpolation!r}")
        if self.shorter_side is not None and (isinstance(self.shorter_side, bool) or
                                              not isinstance(self.shorter_side, int) or self.shorter_side < 1):
            raise ArgumentError(f"shorter_side must be a positive integer, got {self.shorter_side!r}")
        if self.crop is not None:
            crop = tuple(self.crop)
            if len(crop) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in crop):
                raise ArgumentError(f"crop must be (height, width) positive integers, got {self.crop!r}")
            object.__setattr__(self, "crop", crop)

    def describe(self) -> str:
        """One line for people: what this policy does to an image."""
        how = f"{self.interpolation}{', antialiased' if self.antialias else ''}"
        if self.shorter_side is None:
            size = f"{self.crop[0]}x{self.crop[1]}" if self.crop else "the model's input size"
            return f"resize to {size} ({how}), aspect ratio not kept"
        text = f"resize the shorter side to {self.shorter_side}"
        if self.crop:
            text += f", centre crop {self.crop[0]}x{self.crop[1]}"
        text += f" ({how})"
        return text + (": torchvision ImageNet eval" if self == IMAGENET_EVAL else "")


#: Resize to the model's input size, aspect ratio not kept (what the pipelines did before policies existed).
STRETCH = ResizePolicy()
#: torchvision's ImageNet evaluation transform (``Resize(256)`` + ``CenterCrop(224)``, bilinear, antialias), what
#: ResNet-50's published accuracy is measured with.
IMAGENET_EVAL = ResizePolicy("imagenet", shorter_side=256, crop=(224, 224))
RESIZE_POLICIES = {"stretch": STRETCH, "imagenet": IMAGENET_EVAL}


def resize_policy(policy: str | ResizePolicy) -> ResizePolicy:
    """A policy by name ("stretch", "imagenet") or as given.

    >>> resize_policy("imagenet").crop
    (224, 224)
    """
    if isinstance(policy, ResizePolicy):
        return policy
    if isinstance(policy, str) and policy in RESIZE_POLICIES:
        return RESIZE_POLICIES[policy]
    raise ArgumentError(f"resize must be one of {', '.join(RESIZE_POLICIES)} or a ResizePolicy, got {policy!r}")


@dataclass(frozen=True)
class ResizePlan:
    """What to do to one image: resize to ``resize`` (height, width), then keep ``crop`` = (top, left, height,
    width) of the result; ``interpolation``/``antialias`` as in the policy. ``size`` is the final (height,
    width)."""

    resize: tuple[int, int]
    crop: tuple[int, int, int, int]
    interpolation: str
    antialias: bool

    @property
    def size(self) -> tuple[int, int]:
        return self.crop[2], self.crop[3]


def plan_resize(height: int, width: int, policy: ResizePolicy = STRETCH,
                target: tuple[int | None, int | None] = (None, None)) -> ResizePlan:
    """The one definition of the resize/crop policy: for an image of ``height`` x ``width`` and a model input of
    ``target`` (None for a dynamic extent), the sizes and the crop box. Raises ShapeError when the policy's result
    cannot fit the model.

    >>> plan_resize(480, 640, IMAGENET_EVAL)
    ResizePlan(resize=(256, 341), crop=(16, 58, 224, 224), interpolation='bilinear', antialias=True)
    >>> plan_resize(10, 12, STRETCH, (8, 8)).resize
    (8, 8)
    """
    th, tw = target
    if policy.crop is not None:
        if (th is not None and th != policy.crop[0]) or (tw is not None and tw != policy.crop[1]):
            raise ShapeError(f"the {policy.name} resize policy crops {policy.crop[0]}x{policy.crop[1]} but the "
                             f"model takes {th if th is not None else '?'}x{tw if tw is not None else '?'} (HxW)")
        th, tw = policy.crop
    if policy.shorter_side is None:
        rh, rw = (th if th is not None else height), (tw if tw is not None else width)
    else:  # torchvision's _compute_resized_output_size: the longer side truncated
        s = policy.shorter_side
        rh, rw = (s, int(s * width / height)) if height <= width else (int(s * height / width), s)
    ch, cw = (th if th is not None else rh), (tw if tw is not None else rw)
    if ch > rh or cw > rw:
        raise ShapeError(f"a {height}x{width} image resized to {rh}x{rw} is smaller than the {ch}x{cw} crop")
    top, left = round((rh - ch) / 2.0), round((rw - cw) / 2.0)  # torchvision's center_crop offsets
    return ResizePlan((rh, rw), (top, left, ch, cw), policy.interpolation, policy.antialias)


def apply_resize(image: np.ndarray, plan: ResizePlan) -> np.ndarray:
    """Carries out a :class:`ResizePlan` on the host (Pillow), at the image's own depth.

    >>> apply_resize(np.zeros((480, 640, 3), np.uint8), plan_resize(480, 640, IMAGENET_EVAL)).shape  # doctest: +SKIP
    (224, 224, 3)
    """
    h, w = image.shape[:2]
    shrinks = plan.resize[0] < h or plan.resize[1] < w
    if shrinks and not plan.antialias and plan.interpolation != "nearest":
        raise ArgumentError("antialias=False: the host path resizes with Pillow, whose bilinear and bicubic "
                            "filters always antialias when shrinking; use antialias=True")
    resized = resize_image(image, *plan.resize, interpolation=plan.interpolation)
    top, left, ch, cw = plan.crop
    if (top, left, ch, cw) == (0, 0) + plan.resize:
        return resized
    return np.ascontiguousarray(resized[top:top + ch, left:left + cw])


def overlay(image: np.ndarray, colored: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """Blends a colour label image over an HWC image: ``(1 - alpha) * image + alpha * colored``, rounded.

    Computed in C++ (``trtcore._core.image.overlay``, cpp/image/overlay.h) exactly as numpy computes
    ``np.clip((1 - alpha) * image.astype(np.float32) + alpha * colored.astype(np.float32) + 0.5, 0, 255)``
    cast to uint8; the GPU kernel (cpp/image/cuda/overlay.h) does the same arithmetic.

    >>> overlay(np.zeros((1, 1, 3), np.uint8), np.full((1, 1, 3), 200, np.uint8)).ravel().tolist()
    [100, 100, 100]
    """
    if not 0.0 <= alpha <= 1.0:
        raise ArgumentError(f"overlay alpha must be in [0, 1], got {alpha}")
    base = np.ascontiguousarray(to_channels(image, 3))
    if base.shape != colored.shape:
        raise ShapeError(f"overlay: image {base.shape} and labels {colored.shape} differ in size")
    if base.dtype not in (np.uint8, np.uint16):
        raise DTypeError(f"overlay: the image must be uint8 or uint16, got {base.dtype}")
    if colored.dtype != np.uint8:
        raise DTypeError(f"overlay: the colour image must be uint8, got {colored.dtype}")
    return _core.image.overlay(base, np.ascontiguousarray(colored), float(alpha))
