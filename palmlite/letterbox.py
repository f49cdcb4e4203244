"""Letterboxing: padding a region to the model's aspect ratio, and undoing it on the outputs.

Mirrors ``PadRoi`` in mp:mediapipe/calculators/tensor/image_to_tensor_utils.cc (with
``keep_aspect_ratio: true``), and mp:mediapipe/calculators/util/
detection_letterbox_removal_calculator.cc / landmark_letterbox_removal_calculator.cc.
The palm detector letterboxes the whole image into its square input; the landmark model's ROIs
are already square in pixels, so their padding is zero up to float rounding.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

__all__ = [
    "Padding",
    "RectPx",
    "full_image_rect",
    "pad_to_aspect",
    "remove_letterbox",
    "roi_to_rect_px"
]

FloatArray = npt.NDArray[np.float32]


class Padding(NamedTuple):
    """Padding as fractions ``(left, top, right, bottom)`` of the model's input tensor."""

    left: float
    top: float
    right: float
    bottom: float


class RectPx(NamedTuple):
    """A rotated rectangle in pixels: centre, size, rotation in radians."""

    center_x: float
    center_y: float
    width: float
    height: float
    rotation: float


def full_image_rect(width: int, height: int) -> RectPx:
    """The rect covering a whole ``width x height`` image, unrotated."""
    f = np.float32
    center_x, center_y = float(f(0.5) * f(width)), float(f(0.5) * f(height))
    return RectPx(center_x, center_y, float(width), float(height), 0.0)


def pad_to_aspect(rect: RectPx, out_width: int, out_height: int) -> tuple[RectPx, Padding]:
    """Grow ``rect`` to the aspect ratio of an ``out_width x out_height`` tensor.

    The rect keeps its centre and rotation; the side that is too short grows. Returns the grown
    rect and the resulting padding as fractions of the tensor, split evenly between both sides.

    >>> rect, pad = pad_to_aspect(RectPx(360, 191, 720, 382, 0.0), 192, 192)
    >>> rect.width, rect.height, round(pad.top, 7)
    (720.0, 720.0, 0.2347222)
    """
    f = np.float32
    tensor_aspect = f(out_height) / f(out_width)
    roi_aspect = f(rect.height) / f(rect.width)
    vertical = horizontal = f(0)
    if tensor_aspect > roi_aspect:
        new_width = f(rect.width)
        new_height = f(rect.width) * tensor_aspect
        vertical = (f(1) - roi_aspect / tensor_aspect) / f(2)
    else:
        new_width = f(rect.height) / tensor_aspect
        new_height = f(rect.height)
        horizontal = (f(1) - tensor_aspect / roi_aspect) / f(2)
    grown = RectPx(rect.center_x, rect.center_y, float(new_width), float(new_height), rect.rotation)
    return grown, Padding(float(horizontal), float(vertical), float(horizontal), float(vertical))


def remove_letterbox(points: npt.ArrayLike, padding: Padding) -> FloatArray:
    """Map ``(..., 2)`` or ``(..., 3)`` normalized points from the padded tensor to the region.

    ``x' = (x - left) / (1 - left - right)``, ``y'`` likewise; a third coordinate (landmark
    depth, in width units) is divided by the horizontal scale like x.
    """
    p = np.array(points, dtype=np.float32)
    f = np.float32
    sx = f(1) - f(padding.left) - f(padding.right)
    sy = f(1) - f(padding.top) - f(padding.bottom)
    p[..., 0] = (p[..., 0] - f(padding.left)) / sx
    p[..., 1] = (p[..., 1] - f(padding.top)) / sy
    if p.shape[-1] == 3:
        p[..., 2] = p[..., 2] / sx
    return p


def roi_to_rect_px(roi_values: tuple[float, float, float, float, float],
                   image_size: tuple[int, int]) -> RectPx:
    """A normalized ``(x_center, y_center, width, height, rotation)`` in pixels (float32 products,
    like MediaPipe's ``GetRoi``)."""
    f = np.float32
    image_w, image_h = f(image_size[0]), f(image_size[1])
    xc, yc, w, h, rotation = roi_values
    return RectPx(float(f(xc) * image_w), float(f(yc) * image_h), float(f(w) * image_w),
                  float(f(h) * image_h), float(rotation))
