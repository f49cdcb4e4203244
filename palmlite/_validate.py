"""Checking and converting what callers pass in, once, at the public boundary."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
from PIL import Image

__all__ = ["ImageLike", "check_positive_int", "check_probability", "load_image"]

#: What the public API accepts as an image.
ImageLike: TypeAlias = "npt.NDArray[np.uint8] | Image.Image | str | os.PathLike[str]"


def _from_pil(image: Image.Image) -> npt.NDArray[np.uint8]:
    if image.mode != "RGB":
        image = image.convert("RGB")  # RGBA drops alpha; L, P, CMYK, I;16 ... convert
    return np.asarray(image, dtype=np.uint8)


def load_image(image: object) -> npt.NDArray[np.uint8]:
    """Return ``image`` as an ``(H, W, 3)`` uint8 RGB array (possibly a non-copied view).

    Accepts an ndarray of that shape and dtype, a ``PIL.Image`` in any mode, or a path.
    """
    if isinstance(image, (str, os.PathLike)):
        path = Path(image)
        if not path.is_file():
            raise FileNotFoundError(f"image file not found: {path}")
        try:
            with Image.open(path) as opened:
                opened.load()
                array = _from_pil(opened)
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise ValueError(f"cannot read image {path}: {exc}") from exc
    elif isinstance(image, Image.Image):
        array = _from_pil(image)
    elif isinstance(image, np.ndarray):
        array = image
    else:
        raise TypeError(
            "image must be an (H, W, 3) uint8 RGB numpy array, a PIL.Image or a path, "
            f"got {type(image).__name__}"
        )
    if array.ndim != 3 or array.shape[2] != 3:
        hint = ""
        if array.ndim == 3 and array.shape[2] == 4:
            hint = " (RGBA? pass image[..., :3])"
        elif array.ndim == 2:
            hint = " (grayscale? pass np.stack([image] * 3, axis=-1))"
        raise ValueError(f"expected an (H, W, 3) RGB image, got shape {array.shape}{hint}")
    if array.dtype != np.uint8:
        hint = ""
        if np.issubdtype(array.dtype, np.floating):
            hint = (
                " (float images are refused: convert with"
                " (image * 255).round().astype(np.uint8))"
            )
        raise ValueError(f"expected dtype uint8, got {array.dtype}{hint}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"image is empty: shape {array.shape}")
    return array


def check_probability(name: str, value: object) -> float:
    """``value`` as a float in [0, 1], else ``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a number in [0, 1], got {value!r}")
    result = float(value)
    if not (0.0 <= result <= 1.0) or math.isnan(result):
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return result


def check_positive_int(name: str, value: object) -> int:
    """``value`` as an int >= 1, else ``ValueError``/``TypeError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive int, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value!r}")
    return int(value)
