"""Checking and converting what callers pass in, once, at the public boundary."""

from __future__ import annotations

import math
import os
from typing import BinaryIO, TypeAlias

import numpy as np
import numpy.typing as npt
from PIL import Image

from .crop import crop_to_image_matrix
from .image_io import open_image
from .letterbox import pad_to_aspect, roi_to_rect_px
from .specs import LANDMARK_INPUT_SIZE
from .types import Roi

__all__ = [
    "ImageLike",
    "check_bool",
    "check_positive_int",
    "check_probability",
    "load_image",
    "roi_crop_problem",
    "shape_problem",
]

#: What the public API accepts as an image.
ImageLike: TypeAlias = (
    "npt.NDArray[np.uint8] | Image.Image | str | os.PathLike[str] | bytes | bytearray"
    " | memoryview | BinaryIO"
)


def _from_pil(image: Image.Image) -> npt.NDArray[np.uint8]:
    if image.mode != "RGB":
        image = image.convert("RGB")  # RGBA drops alpha; L, P, CMYK, I;16 ... convert
    return np.asarray(image, dtype=np.uint8)


def shape_problem(shape: tuple[int, ...]) -> str:
    """What is wrong with an image array of ``shape`` (not ``(H, W, 3)``), with a hint for the
    usual mistakes."""
    hint = ""
    if len(shape) == 3 and shape[2] == 4:
        hint = " (RGBA? pass image[..., :3])"
    elif len(shape) == 2:
        hint = " (grayscale? pass np.stack([image] * 3, axis=-1))"
    return f"expected an (H, W, 3) RGB image, got shape {shape}{hint}"


def load_image(image: object) -> npt.NDArray[np.uint8]:
    """Return ``image`` as an ``(H, W, 3)`` uint8 RGB array (possibly a non-copied view).

    Accepts an ndarray of that shape and dtype, a ``PIL.Image`` in any mode (taken as it is),
    or an encoded image: a path, ``bytes``/``bytearray``/``memoryview``, or a binary file
    object (decoded upright by its EXIF orientation; see :mod:`palmlite.image_io`).
    """
    if isinstance(image, (str, os.PathLike, bytes, bytearray, memoryview)) or (
        hasattr(image, "read") and not isinstance(image, (np.ndarray, Image.Image))
    ):
        array = _from_pil(open_image(image))  # type: ignore[arg-type]
    elif isinstance(image, Image.Image):
        array = _from_pil(image)
    elif isinstance(image, np.ndarray):
        array = image
    else:
        raise TypeError(
            "image must be an (H, W, 3) uint8 RGB numpy array, a PIL.Image, a path, encoded "
            f"image bytes or a binary file object, got {type(image).__name__}"
        )
    if array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(shape_problem(array.shape))
    if array.dtype != np.uint8:
        hint = ""
        if np.issubdtype(array.dtype, np.floating):
            hint = (
                " (float images are refused: convert with"
                " (image * 255).round().astype(np.uint8))"
            )
        elif array.dtype == np.bool_:
            hint = " (a mask? convert with image.astype(np.uint8) * 255)"
        elif np.issubdtype(array.dtype, np.integer):
            # Silently wrapping or clipping 16-bit or signed values would hide the mistake.
            hint = " (scale the values to 0..255 yourself, then .astype(np.uint8))"
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


def check_bool(name: str, value: object) -> bool:
    """``value`` as a bool; ``TypeError`` for anything but a bool (NumPy's too) or 0 / 1.

    ``bool("no")`` is ``True``: a flag given as a string must not silently switch on.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)) and value in (0, 1):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r}")


def roi_crop_problem(roi: Roi, image_size: tuple[int, int]) -> str | None:
    """Why the landmark model's crop of ``roi`` in an image of ``image_size = (W, H)`` cannot
    be computed, or ``None`` when it can.

    A :class:`~palmlite.Roi` is finite with a positive size, but the crop runs in float32 pixels
    (like MediaPipe's): values beyond float32's range overflow, a size that vanishes next to the
    centre's magnitude makes the crop's corners coincide (a singular perspective matrix), and a
    ROI so thin that padding it to a square leaves no room for it divides by zero when the
    landmarks are mapped back. A quick test accepts every ordinary ROI; the others go through
    the crop's own steps, so the answer is exact.
    """
    if _clearly_croppable(roi, image_size):
        return None
    return _crop_problem(roi, image_size)


def _clearly_croppable(roi: Roi, image_size: tuple[int, int]) -> bool:
    """A sufficient condition, in a microsecond (the exact test takes ~80 us, run per ROI and
    frame): both sides at least 1e-4 of the largest magnitude involved (thousands of float32
    steps, so the corners are distinct and the padding scale is >= 1e-4), everything far
    below float32's range, and a rotation float32 keeps finite."""
    image_w, image_h = image_size
    cx, cy = roi.x_center * image_w, roi.y_center * image_h
    w, h = roi.width * image_w, roi.height * image_h
    scale = max(abs(cx), abs(cy), w, h, 1.0)
    return scale < 1e30 and min(w, h) >= 1e-4 * scale and abs(roi.rotation) < 1e6


def _crop_problem(roi: Roi, image_size: tuple[int, int]) -> str | None:
    """The exact test behind :func:`roi_crop_problem`."""
    values = (roi.x_center, roi.y_center, roi.width, roi.height, roi.rotation)
    with np.errstate(all="ignore"):  # overflow is what this function detects
        rect = roi_to_rect_px(values, image_size)
        f = np.float32
        if not all(math.isfinite(float(f(v))) for v in rect):
            return (
                f"in pixels it is centre ({rect.center_x:.3g}, {rect.center_y:.3g}), size "
                f"{rect.width:.3g} x {rect.height:.3g}, rotation {roi.rotation:.3g}, "
                "beyond float32's range"
            )
        padded, padding = pad_to_aspect(rect, LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE)
        sx = f(1) - f(padding.left) - f(padding.right)
        sy = f(1) - f(padding.top) - f(padding.bottom)
        if not (sx > 0 and sy > 0 and math.isfinite(padded.width)
                and math.isfinite(padded.height)):
            return (
                f"its pixel size {rect.width:.3g} x {rect.height:.3g} is too far from square "
                "to pad to the model's square input"
            )
        try:
            matrix = crop_to_image_matrix(padded, LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE)
        # LinAlgError is a ValueError only from numpy 1.25 on; both mean "singular".
        except (ValueError, np.linalg.LinAlgError):
            matrix = None
        if matrix is None or not np.isfinite(matrix).all():
            return (
                f"its pixel size {rect.width:.3g} x {rect.height:.3g} is too small for float32 "
                f"at its centre ({rect.center_x:.3g}, {rect.center_y:.3g})"
            )
    return None
