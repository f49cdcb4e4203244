"""Cropping a rotated region of a uint8 image into a square model input.

Mirrors the CPU path of mp:mediapipe/calculators/tensor/image_to_tensor_converter_opencv.cc:
the rect's corners (OpenCV ``RotatedRect::points``) are mapped to the output corners by a
perspective matrix, and the image is resampled with OpenCV's fixed-point bilinear
``warpPerspective`` (coordinates quantized to 1/32 px, 15-bit integer weights, uint8 result).
Reproducing the fixed-point arithmetic, not just "a bilinear resize", is what brings
palmlite's landmarks to float noise of MediaPipe's (a float warp costs ~0.06 px, a
centre-aligned resize 1.5-2.6 px).

Sampling is corner-aligned: output pixel ``(u, v)`` of an ``S x S`` crop samples the source at
``C + R(theta) @ ((u / S - 1/2) * w, (v / S - 1/2) * h)``. Only the pixels the crop touches
are read, so memory does not grow with the image.
"""

from __future__ import annotations

import enum
import math

import numpy as np
import numpy.typing as npt

from .letterbox import RectPx

__all__ = [
    "Border",
    "crop_rect",
    "crop_to_image_matrix",
    "image_to_crop_matrix",
    "rect_corners",
    "to_tensor",
    "warp_crop",
]

_f = np.float32
_INTER_BITS = 5  # OpenCV's INTER_BITS: sub-pixel positions are quantized to 1/32 px
_TAB = 1 << _INTER_BITS
_COEF_BITS = 15  # INTER_REMAP_COEF_BITS: interpolation weights sum to 2**15
_BLOCK_W = 64  # warpPerspective walks the output in 64-pixel-wide blocks for these sizes
_INV_255 = _f(1.0) / _f(255.0)


class Border(enum.Enum):
    """How pixels outside the image are filled."""

    ZERO = "zero"  # the palm detector's letterbox (OpenCV BORDER_CONSTANT, value 0)
    REPLICATE = "replicate"  # landmark crops: edge pixels repeat (OpenCV BORDER_REPLICATE)


def rect_corners(rect: RectPx) -> npt.NDArray[np.float32]:
    """The rect's corners in pixels, ``(4, 2)`` float32, in OpenCV ``RotatedRect`` order:
    bottom-left, top-left, top-right, bottom-right of the unrotated rect.

    PARITY: float32 at every step, the angle passing through degrees like OpenCV's.
    """
    angle_deg = float(_f(_f(rect.rotation) * _f(180.0))) / math.pi
    angle_deg = float(_f(angle_deg))
    angle = angle_deg * math.pi / 180.0
    b = _f(math.cos(angle)) * _f(0.5)
    a = _f(math.sin(angle)) * _f(0.5)
    cx, cy = _f(rect.center_x), _f(rect.center_y)
    w, h = _f(rect.width), _f(rect.height)
    p0 = (cx - a * h - b * w, cy + b * h - a * w)
    p1 = (cx + a * h - b * w, cy - b * h - a * w)
    p2 = (_f(2) * cx - p0[0], _f(2) * cy - p0[1])
    p3 = (_f(2) * cx - p1[0], _f(2) * cy - p1[1])
    return np.array([p0, p1, p2, p3], dtype=np.float32)


def image_to_crop_matrix(rect: RectPx, out_w: int, out_h: int) -> npt.NDArray[np.float64]:
    """3x3 perspective matrix mapping image pixels to crop pixels (``getPerspectiveTransform``).

    Corners 0..3 of :func:`rect_corners` go to ``(0, out_h), (0, 0), (out_w, 0), (out_w, out_h)``.
    """
    src = rect_corners(rect)
    dst = np.array([[0, out_h], [0, 0], [out_w, 0], [out_w, out_h]], dtype=np.float32)
    a = np.zeros((8, 8), dtype=np.float64)
    b = np.zeros(8, dtype=np.float64)
    for i in range(4):
        sx, sy = src[i]
        dx, dy = dst[i]
        a[i, 0:3] = (sx, sy, 1.0)
        a[i + 4, 3:6] = (sx, sy, 1.0)
        # PARITY: OpenCV forms these products in float32 before solving in double.
        a[i, 6:8] = (-(sx * dx), -(sy * dx))
        a[i + 4, 6:8] = (-(sx * dy), -(sy * dy))
        b[i], b[i + 4] = dx, dy
    coeffs = np.linalg.solve(a, b)
    return np.append(coeffs, 1.0).reshape(3, 3)


def crop_to_image_matrix(rect: RectPx, out_w: int, out_h: int) -> npt.NDArray[np.float64]:
    """Inverse of :func:`image_to_crop_matrix`: crop pixel -> image pixel (homogeneous)."""
    m = image_to_crop_matrix(rect, out_w, out_h)
    # The closed-form 3x3 inverse (adjugate / determinant), as cv::invert uses for 3x3.
    adj = np.array(
        [
            [m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1], m[0, 2] * m[2, 1] - m[0, 1] * m[2, 2],
             m[0, 1] * m[1, 2] - m[0, 2] * m[1, 1]],
            [m[1, 2] * m[2, 0] - m[1, 0] * m[2, 2], m[0, 0] * m[2, 2] - m[0, 2] * m[2, 0],
             m[0, 2] * m[1, 0] - m[0, 0] * m[1, 2]],
            [m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0], m[0, 1] * m[2, 0] - m[0, 0] * m[2, 1],
             m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0]],
        ]
    )
    det = m[0, 0] * adj[0, 0] + m[0, 1] * adj[1, 0] + m[0, 2] * adj[2, 0]
    if det == 0 or not math.isfinite(det):
        raise ValueError(f"degenerate crop rect {rect}")
    inverse: npt.NDArray[np.float64] = adj * (1.0 / det)
    return inverse


def warp_crop(
    image: npt.NDArray[np.uint8],
    inverse: npt.NDArray[np.float64],
    out_w: int,
    out_h: int,
    border: Border,
) -> npt.NDArray[np.uint8]:
    """Resample ``image`` ``(H, W, C)`` uint8 at ``inverse @ (x, y, 1)`` for every output pixel.

    Bit-exact with OpenCV's ``warpPerspective(..., INTER_LINEAR)`` up to exact .5 ties in the
    1/32-px rounding. ``image`` may be non-contiguous; only the sampled pixels are read.
    """
    m = inverse
    xs = np.arange(out_w, dtype=np.float64)
    xb = np.floor_divide(xs, _BLOCK_W) * _BLOCK_W
    x1 = xs - xb
    ys = np.arange(out_h, dtype=np.float64)[:, None]
    # PARITY: OpenCV evaluates the matrix at each block's first column, then adds the offset
    # inside the block; the order of the double additions decides rare rounding ties.
    x0 = m[0, 0] * xb + m[0, 1] * ys + m[0, 2]
    y0 = m[1, 0] * xb + m[1, 1] * ys + m[1, 2]
    w0 = m[2, 0] * xb + m[2, 1] * ys + m[2, 2]
    w = w0 + m[2, 0] * x1
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(w != 0, _TAB / w, 0.0)
    limit = float(np.iinfo(np.int32).max)
    fx = np.rint(np.clip((x0 + m[0, 0] * x1) * w, -limit, limit)).astype(np.int64)
    fy = np.rint(np.clip((y0 + m[1, 0] * x1) * w, -limit, limit)).astype(np.int64)
    sx, sy = fx >> _INTER_BITS, fy >> _INTER_BITS
    ax = (fx & (_TAB - 1)).astype(np.int32)
    ay = (fy & (_TAB - 1)).astype(np.int32)
    # Products of k/32 fractions are exact in float32, so OpenCV's 15-bit weights are these
    # integers (times 2**5) and always sum to 2**15: no rounding correction is ever needed.
    weights = (
        (_TAB - ax) * (_TAB - ay),
        ax * (_TAB - ay),
        (_TAB - ax) * ay,
        ax * ay,
    )
    height, width, channels = image.shape
    # Gather from a flat view when the image allows one without copying (the usual case);
    # otherwise index in 2-D, which works for any strides.
    flat = image.reshape(-1, channels) if image.flags.c_contiguous else None
    # Each weighted sum is below 2**23, so float32 holds it exactly: the fixed-point result
    # is reproduced bit for bit, at float32 speed.
    acc = np.zeros((out_h, out_w, channels), dtype=np.float32)
    for (ox, oy), weight in zip(((0, 0), (1, 0), (0, 1), (1, 1)), weights, strict=True):
        px, py = sx + ox, sy + oy
        cx = np.clip(px, 0, width - 1)
        cy = np.clip(py, 0, height - 1)
        pixels = np.take(flat, cy * width + cx, axis=0) if flat is not None else image[cy, cx]
        if border is Border.ZERO:
            weight = np.where((px == cx) & (py == cy), weight, 0)
        scaled = (weight << (_COEF_BITS - 2 * _INTER_BITS)).astype(np.float32)
        acc += pixels * scaled[..., None]
    out = np.floor((acc + np.float32(1 << (_COEF_BITS - 1))) * np.float32(1.0 / (1 << _COEF_BITS)))
    result: npt.NDArray[np.uint8] = out.astype(np.uint8)  # always within 0..255
    return result


def crop_rect(
    image: npt.NDArray[np.uint8], rect: RectPx, size: int, border: Border
) -> npt.NDArray[np.uint8]:
    """Crop ``rect`` (pixels) of ``image`` ``(H, W, 3)`` uint8 into a ``(size, size, 3)`` uint8."""
    return warp_crop(image, crop_to_image_matrix(rect, size, size), size, size, border)


def to_tensor(crops: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """``(..., S, S, 3)`` uint8 -> float32 in [0, 1], with a leading batch axis added if absent.

    PARITY: multiplies by float32(1/255) like OpenCV's ``convertTo``, instead of dividing.
    """
    tensor: npt.NDArray[np.float32] = crops.astype(np.float32) * _INV_255
    return tensor[None] if tensor.ndim == 3 else tensor
