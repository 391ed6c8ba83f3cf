"""How images become input tensors: the Preprocess configuration (mean, std, pixel scale), IMAGENET and UNIT.

The default is ImageNet's mean/std everywhere in trtcore: ``Preprocess()``, the pipelines, the CLI,
:func:`trtcore.image.normalize` and the C++ ``RGBImageReader``, as the quick start's ResNet-50 and FCN-ResNet101
expect. Models trained on plain ``pixel / 255`` (and grey models, which have no ImageNet statistics) take
:data:`UNIT`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from trtcore import image as _image
from trtcore.errors import ArgumentError


@dataclass(frozen=True)
class Preprocess:
    """How images become input tensors: ``(pixel / maxval - mean) / std`` per channel, CHW.

    The default is ImageNet's mean and std (RGB models such as the guide's ResNet-50 and FCN-ResNet101, the same
    default as :func:`trtcore.image.normalize`); ``Preprocess(0, 1)`` (:data:`UNIT`) is plain ``pixel / 255``.
    One value for ``mean``/``std`` (a number or a 1-tuple) applies to every channel.

    >>> Preprocess().mean == IMAGENET.mean, UNIT.mean
    (True, (0.0,))
    """

    mean: tuple[float, ...] = _image.IMAGENET_MEAN
    std: tuple[float, ...] = _image.IMAGENET_STD
    maxval: float = 255.0

    def __post_init__(self) -> None:
        for name in ("mean", "std"):  # accept one number for every channel
            value = getattr(self, name)
            try:
                if isinstance(value, (str, bytes)):
                    raise TypeError
                values = (float(value),) if np.ndim(value) == 0 else tuple(float(v) for v in value)
            except (TypeError, ValueError):
                raise ArgumentError(f"preprocess {name} must be a number or a sequence of numbers, got {value!r}"
                                    ) from None
            if not values or not all(math.isfinite(v) for v in values):
                raise ArgumentError(f"preprocess {name} must be finite numbers, got {value!r}")
            object.__setattr__(self, name, values)
        if any(s == 0 for s in self.std):
            raise ArgumentError(f"preprocess std must be non-zero, got {self.std}")
        try:
            maxval = float(self.maxval)
        except (TypeError, ValueError):
            raise ArgumentError(f"preprocess maxval must be a number, got {self.maxval!r}") from None
        if not (math.isfinite(maxval) and maxval > 0):
            raise ArgumentError(f"preprocess maxval must be a positive finite number, got {self.maxval}")
        object.__setattr__(self, "maxval", maxval)

    def for_channels(self, c: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """(mean, std) with one value per channel; a single value is repeated.

        >>> Preprocess(0.5, 0.25).for_channels(3)
        ((0.5, 0.5, 0.5), (0.25, 0.25, 0.25))
        """
        def fit(v: tuple[float, ...], what: str) -> tuple[float, ...]:
            if len(v) == c:
                return v
            if len(v) == 1:
                return v * c
            hint = (" (ImageNet's, the default; a grey model needs its own, e.g. mean 0 and std 1 for pixel / 255)"
                    if v in (_image.IMAGENET_MEAN, _image.IMAGENET_STD) else "")
            raise ArgumentError(f"preprocess {what} has {len(v)} values{hint} but the model takes {c} "
                                f"channel{'s' if c != 1 else ''}")
        return fit(tuple(self.mean), "mean"), fit(tuple(self.std), "std")

    def divisor(self, image_maxval: int = 255) -> float:
        """What pixels are divided by: ``maxval`` scales an 8-bit image (full scale 255), so an image whose full
        scale is ``image_maxval`` (a file's maxval, 65535 for a uint16 array) is divided by
        ``image_maxval * maxval / 255``; with the default maxval that is the image's own maxval, exactly.

        >>> UNIT.divisor(1023)
        1023.0
        """
        if self.maxval == 255.0:
            return float(image_maxval)
        return float(image_maxval) * (self.maxval / 255.0)

    def apply(self, image: np.ndarray, dtype: np.dtype | type = np.float32, image_maxval: int | None = None,
              out: np.ndarray | None = None) -> np.ndarray:
        """HWC uint8/uint16 → CHW normalized array in ``dtype`` (float32 or float16, written directly in C++).

        ``image_maxval`` is the image's full scale (default: 255 for uint8, 65535 for uint16); see
        :meth:`divisor`. With ``out=`` the result is written there.

        >>> UNIT.apply(np.full((2, 2, 1), 255, np.uint8)).tolist()
        [[[1.0, 1.0], [1.0, 1.0]]]
        """
        mean, std = self.for_channels(image.shape[2])
        if image_maxval is None:
            image_maxval = 65535 if image.dtype == np.uint16 else 255
        return _image.normalize(image, mean, std, maxval=self.divisor(image_maxval), dtype=dtype, out=out)


#: torchvision's ImageNet statistics, as used by the quick start's ResNet-50 and FCN-ResNet101 (the default)
IMAGENET = Preprocess(_image.IMAGENET_MEAN, _image.IMAGENET_STD)
#: Plain ``pixel / maxval`` (mean 0, std 1): models trained without ImageNet statistics, grey models
UNIT = Preprocess(0.0, 1.0)
