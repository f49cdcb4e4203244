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

How the warp stays fast in NumPy, bit for bit (every step after the double-precision
coordinates is exact integer arithmetic):

- the 1/32-px coordinates are computed in OpenCV's double-precision order, per 64-column block,
  for x, y and the denominator in one pass each;
- a sample's two horizontal taps ``x, x + 1`` are read together as one 8-byte word (a uint64
  view with a 3-byte stride), packed once for the image rows and columns the crop touches and
  gathered with ``np.take``: two gathers per sample instead of four 3-byte ones;
- borders become weights: a tap outside the image is moved onto the in-image pair with its
  weight (REPLICATE) or dropped (ZERO);
- the bilinear sums run per channel in int32 over the whole crop (``einsum`` of taps and
  weights), and :func:`crop_rect_tensor` writes the scaled float32 model input directly;
- an unrotated rect (the palm detector's letterbox) has separable coordinates: only the output
  rows that see the image are computed, from the image rows they sample;
- scratch memory is a per-thread arena reused between calls (fresh large arrays cost page
  faults on every call); it grows with the region a crop packs, and a crop that would pack
  more than 32 MB of the image takes the generic path, whose memory follows the crop.
"""

from __future__ import annotations

import enum
import math
import sys
import threading
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from .letterbox import RectPx

__all__ = [
    "Border",
    "crop_rect",
    "crop_rect_tensor",
    "crop_to_image_matrix",
    "image_to_crop_matrix",
    "rect_corners",
    "to_tensor",
    "warp_crop",
    "warp_crop_tensor",
]

_f = np.float32
_INTER_BITS = 5  # OpenCV's INTER_BITS: sub-pixel positions are quantized to 1/32 px
_TAB = 1 << _INTER_BITS
_COEF_BITS = 15  # INTER_REMAP_COEF_BITS: interpolation weights sum to 2**15
_BLOCK_W = 64  # warpPerspective walks the output in 64-pixel-wide blocks for these sizes
_INV_255 = _f(1.0) / _f(255.0)
_INT32_MAX = float(np.iinfo(np.int32).max)
# OpenCV weighs tap (i, j) by (32 - ax or ax) * (32 - ay or ay) << 5 and rounds the sum with
# (sum + 2**14) >> 15. Without the common factor 2**5: weights w <= 2**10 summing to 2**10 and
# (sum of w * pixel + 2**9) >> 10, below 2**18 in int32.
_SUM_SHIFT = 2 * _INTER_BITS
_SUM_HALF = 1 << (_SUM_SHIFT - 1)
# Adding 1.5 * 2**52 to a double of magnitude below 2**31 rounds it to an integer (half to even,
# like np.rint) held in the low 32 bits of the double's representation.
_RINT_MAGIC = 6755399441055744.0
_LITTLE_ENDIAN = sys.byteorder == "little"

_T = TypeVar("_T", bound=np.generic)
F32Array = npt.NDArray[np.float32]
F64Array = npt.NDArray[np.float64]
I32Array = npt.NDArray[np.int32]
IntpArray = npt.NDArray[np.intp]
U8Array = npt.NDArray[np.uint8]
U32Array = npt.NDArray[np.uint32]
U64Array = npt.NDArray[np.uint64]


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
    # Rows 0-3: the x equations of corners 0-3; rows 4-7: their y equations.
    a[0:4, 0:2] = src
    a[4:8, 3:5] = src
    a[0:4, 2] = a[4:8, 5] = 1.0
    # PARITY: OpenCV forms these products in float32 before solving in double.
    a[0:4, 6:8] = -(src * dst[:, 0:1])
    a[4:8, 6:8] = -(src * dst[:, 1:2])
    b = np.concatenate([dst[:, 0], dst[:, 1]]).astype(np.float64)
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


# -- scratch memory ----------------------------------------------------------------------------


class _Scratch(threading.local):
    """Per-thread scratch memory of the warp: a stack of arrays in one arena kept between calls.

    Fresh arrays of a few hundred KB cost page faults on every call (glibc returns them to the
    OS), more than the arithmetic on them; and the fewer distinct bytes a crop touches, the
    more of them are still cached when it runs after a model. So each thread keeps one arena
    (grown when a crop needs more, never shrunk), and each stage releases what it no longer
    needs for the next stage to reuse.
    """

    def __init__(self) -> None:
        self.arena = np.empty(0, np.uint8)
        self.top = 0

    def push(self, shape: tuple[int, ...], dtype: type[_T]) -> npt.NDArray[_T]:
        """A new C-contiguous array of ``shape`` and ``dtype`` (contents undefined), valid
        until released."""
        start = -(-self.top // 64) * 64
        stop = start + math.prod(shape) * np.dtype(dtype).itemsize
        if stop > self.arena.size:
            # Arrays handed out so far keep the old arena alive; the next crop starts here.
            self.arena = np.empty(max(2 * self.arena.size, stop, 4 << 20), np.uint8)
        self.top = stop
        array: npt.NDArray[_T] = self.arena[start:stop].view(dtype).reshape(shape)
        return array

    def mark(self) -> int:
        return self.top

    def release(self, mark: int) -> None:
        """Give back every array pushed since ``mark``."""
        self.top = mark


_scratch = _Scratch()
#: Larger packed regions (a huge image and a huge rect) take the generic path, whose memory is
#: proportional to the crop; an arena grown past _MAX_KEPT is not kept for the next call.
_MAX_PACKED = 32 << 20
_MAX_KEPT = 48 << 20


class _RegionTooLargeError(Exception):
    """The crop would pack more than _MAX_PACKED bytes of the image."""


# -- fixed-point source coordinates ----------------------------------------------------------


def _block_grid(a: float, b: float, c: float, out: F64Array) -> F64Array:
    """Fill ``out`` ``(rows, blocks * 64)`` with ``(a * xb + b * y + c) + a * x1`` for output
    pixel ``(x, y)``, ``x = xb + x1`` with ``xb`` the first column of its 64-wide block.

    PARITY: OpenCV evaluates the matrix at each block's first column, then adds the offset
    inside the block; the order of the double additions decides rare rounding ties.
    """
    rows, cols = out.shape
    blocks = cols // _BLOCK_W
    xb = np.arange(blocks, dtype=np.float64) * _BLOCK_W
    ys = np.arange(rows, dtype=np.float64)[:, None]
    start = a * xb + b * ys + c
    x1 = np.arange(_BLOCK_W, dtype=np.float64)
    np.add(start[:, :, None], a * x1, out=out.reshape(rows, blocks, _BLOCK_W))
    return out


def _well_inside_int32(m: F64Array, out_w: int, out_h: int) -> bool:
    """Whether OpenCV's zero-denominator test and int32 clamp are no-ops for this warp.

    True when the denominator (affine in the output pixel) is clearly positive at the four
    corner pixels and those map within 2**30 / 32 px: a projective map whose denominator keeps
    its sign maps the whole crop inside the hull of its corners' images.
    """
    (m00, m01, m02), (m10, m11, m12), (m20, m21, m22) = m.tolist()
    limit = float(1 << 30) / _TAB
    corners = [(u, v) for u in (0.0, out_w - 1.0) for v in (0.0, out_h - 1.0)]
    # out_w may be rounded up to whole 64-column blocks: those scratch columns must behave too.
    dens = [m20 * u + m21 * v + m22 for u, v in corners]
    if not min(dens) > 1e-6 * max(abs(d) for d in dens):  # NaN fails too
        return False
    for (u, v), den in zip(corners, dens, strict=True):
        x = (m00 * u + m01 * v + m02) / den
        y = (m10 * u + m11 * v + m12) / den
        if not (abs(x) < limit and abs(y) < limit):
            return False
    return True


def _fixed_coords(m: F64Array, out_w: int, out_h: int) -> I32Array:
    """OpenCV's source coordinates of every output pixel in 1/32 px: ``(2, out_h, out_w)``
    int32 x and y (scratch memory), ``rint(clip(X * 32 / W))`` with ``X, W`` from
    :func:`_block_grid`, ``32 / 0 := 0``."""
    blocks = -(-out_w // _BLOCK_W)
    # x, y and the denominator W on one grid: [row of m, output row, block, column in block]
    coords = _scratch.push((2, out_h, out_w), np.int32)
    mark = _scratch.mark()
    grid = _scratch.push((3, out_h, blocks, _BLOCK_W), np.float64)
    xb = np.arange(blocks, dtype=np.float64) * _BLOCK_W
    ys = np.arange(out_h, dtype=np.float64)[:, None]
    start = m[:, 0, None, None] * xb + m[:, 1, None, None] * ys + m[:, 2, None, None]
    x1 = np.arange(_BLOCK_W, dtype=np.float64)
    np.add(start[..., None], (m[:, 0, None] * x1)[:, None, None, :], out=grid)
    values = grid[:2].reshape(2, out_h, blocks * _BLOCK_W)
    den = grid[2].reshape(out_h, blocks * _BLOCK_W)
    exact = _well_inside_int32(m, blocks * _BLOCK_W, out_h)
    if exact:
        np.divide(_TAB, den, out=den)
        values *= den
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            values *= np.where(den != 0, _TAB / den, 0.0)
        np.clip(values, -_INT32_MAX, _INT32_MAX, out=values)
    if _LITTLE_ENDIAN:
        values += _RINT_MAGIC  # the rounded integer is the low 32 bits of each double
        np.copyto(coords, values.view(np.int32)[..., ::2][..., :out_w])
    else:
        np.copyto(coords, np.rint(values)[..., :out_w], casting="unsafe")
    _scratch.release(mark)
    return coords


def _separable_coords(
    m: F64Array, out_w: int, out_h: int
) -> tuple[I32Array, I32Array] | None:
    """:func:`_fixed_coords` when x depends on the output column only and y on the row only
    (an unrotated rect): ``(out_w,)`` x and ``(out_h,)`` y, else None.

    Exactly so when ``m[0, 1] == m[1, 0] == m[2, 0] == m[2, 1] == 0``: then ``W == m[2, 2]``
    everywhere and the zero terms cannot change a nonzero double (at worst the sign of a zero,
    which rounds to the same integer). ``getPerspectiveTransform`` often leaves those terms at
    1e-16 instead of 0; they are then accepted when a bound on how far they (and the extra
    roundings they cause) can move each value keeps it strictly inside its rounding interval.
    """
    (m00, m01, m02), (m10, m11, m12), (m20, m21, m22) = m.tolist()
    if not (m22 != 0 and all(math.isfinite(v) for v in (m00, m01, m02, m10, m11, m12, m20, m21))):
        return None
    padded = -(-out_w // _BLOCK_W) * _BLOCK_W
    scale = _TAB / m22
    # x of output row 0 and y of output column 0, in OpenCV's evaluation order.
    xs = _block_grid(m00, m01, m02, np.empty((1, padded)))[0, :out_w] * scale
    ys = (m10 * 0.0 + m11 * np.arange(out_h, dtype=np.float64) + m12 + m10 * 0.0) * scale
    if m01 or m10 or m20 or m21:
        eps = 2.0**-52
        width, height = float(out_w), float(out_h)
        # |W - m22| anywhere, then |32 / W - 32 / m22|.
        den_error = (1.01 * (abs(m20) * width + abs(m21) * height)
                     + 16 * eps * (abs(m22) + abs(m20) * width + abs(m21) * height))
        den_min = abs(m22) - den_error
        if not den_min > 0.5 * abs(m22):
            return None
        scale_max = _TAB / den_min
        scale_error = _TAB * den_error / (den_min * abs(m22)) + 2 * eps * scale_max
        # x = a * column + b * row + c (y: a * row + b * column + c): at any pixel the
        # numerator differs from the row-0 (column-0) one by at most the cross term b * across
        # and a few roundings of terms of magnitude at most `top`.
        for values, a, along, b, across, c in ((xs, m00, width, m01, height, m02),
                                               (ys, m11, height, m10, width, m12)):
            top = abs(a) * along + abs(b) * across + abs(c)
            num_error = 1.01 * abs(b) * across + 16 * eps * top
            bound = 4 * (num_error * scale_max + top * scale_error + 2 * eps * top * scale_max)
            half = np.abs(values - np.floor(values) - 0.5)
            if not (bool(np.all(half > bound)) and float(np.abs(values).max()) < 2.0**30):
                return None
    fx = np.rint(np.clip(xs, -_INT32_MAX, _INT32_MAX)).astype(np.int32)
    fy = np.rint(np.clip(ys, -_INT32_MAX, _INT32_MAX)).astype(np.int32)
    return fx, fy


# -- taps --------------------------------------------------------------------------------------


def _pair_taps(
    pos: I32Array, border: Border, size: int
) -> tuple[I32Array, I32Array, I32Array, int, int]:
    """Along one axis, from 1/32-px positions: the first pixel ``p`` (``0 <= p <= size - 2``)
    of the in-image pair ``(p, p + 1)`` each sample reads, the pair's integer weights, and the
    smallest and largest ``p``.

    OpenCV reads pixels ``s = pos >> 5`` and ``s + 1`` with weights ``32 - a`` and
    ``a = pos & 31``. A tap outside the image reads the nearest edge pixel (REPLICATE) or
    nothing (ZERO); moving its weight onto the in-image pair gives the same sum. With
    ``r = pos - 32 p`` (``a`` inside the image) the pair's weights are
    ``32 - clip(r, 0, 32), clip(r, 0, 32)`` (REPLICATE) and
    ``max(0, min(32 - r, 32 + r)), max(0, min(r, 64 - r))`` (ZERO).
    """
    shape = pos.shape
    pair = np.right_shift(pos, _INTER_BITS, out=_scratch.push(shape, np.int32))
    right = _scratch.push(shape, np.int32)
    left = _scratch.push(shape, np.int32)
    low, high = int(pair.min()), int(pair.max())
    if low >= 0 and high <= size - 2:
        np.bitwise_and(pos, _TAB - 1, out=right)
        np.subtract(_TAB, right, out=left)
        return pair, left, right, low, high
    np.maximum(pair, 0, out=pair)
    np.minimum(pair, size - 2, out=pair)
    r = np.left_shift(pair, _INTER_BITS, out=right)
    np.subtract(pos, r, out=r)
    if border is Border.REPLICATE:
        np.maximum(r, 0, out=right)
        np.minimum(right, _TAB, out=right)
        np.subtract(_TAB, right, out=left)
    else:
        other = _scratch.push(shape, np.int32)
        np.subtract(_TAB, r, out=left)
        np.minimum(left, np.add(r, _TAB, out=other), out=left)
        np.maximum(left, 0, out=left)
        np.minimum(r, np.subtract(2 * _TAB, r, out=other), out=right)
        np.maximum(right, 0, out=right)
    return pair, left, right, min(max(low, 0), size - 2), min(max(high, 0), size - 2)


def _tap_weights(
    wy0: I32Array, wy1: I32Array, wx0: I32Array, wx1: I32Array, out: I32Array
) -> I32Array:
    """Fill ``out`` ``(2, 2, ...)`` with the tap (row, column) weights ``wy_row * wx_column``."""
    for r, wy in enumerate((wy0, wy1)):
        for c, wx in enumerate((wx0, wx1)):
            np.multiply(wy, wx, out=out[r, c])
    return out


# -- reading pixel pairs -----------------------------------------------------------------------


def _has_pair_layout(image: npt.NDArray[Any]) -> bool:
    """Whether the fast path can read ``image``: uint8 RGB with 3-byte pixels of contiguous
    channels (any row stride), at least 3 x 2 pixels, on a little-endian machine."""
    return (
        _LITTLE_ENDIAN
        and image.dtype == np.uint8
        and image.ndim == 3
        and image.shape[2] == 3
        and image.shape[1] >= 3
        and image.shape[0] >= 2
        and image.strides[2] == 1
        and image.strides[1] == 3
        and image.strides[0] != 0
    )


class _Interface:
    """An ``__array_interface__`` for ``np.asarray``, keeping the array it reads alive."""

    def __init__(self, interface: dict[str, Any], owner: npt.NDArray[Any]) -> None:
        self.__array_interface__ = interface
        self.owner = owner


def _pair_view(image: U8Array, first: int, count: int, byte_offset: int) -> U64Array:
    """Read-only ``(H, count)`` uint64 view of ``image``: element ``(y, i)`` is the 8 bytes from
    ``byte_offset`` bytes into pixel ``(y, first + i)`` (bytes 0-5: that pixel and the next).
    The caller keeps every such word inside memory ``image`` owns."""
    interface = {
        "version": 3,
        "shape": (image.shape[0], count),
        "typestr": "<u8",
        "data": (image.__array_interface__["data"][0] + 3 * first + byte_offset, True),
        "strides": (image.strides[0], 3),
    }
    view: U64Array = np.asarray(_Interface(interface, image))
    return view


def _pack_pairs(image: U8Array, top: int, bottom: int, start: int, stop: int) -> U64Array:
    """``(bottom - top, stop - start)`` uint64 words in scratch memory: bytes 0-5 of word
    ``(r, i)`` are pixels ``start + i`` and ``start + i + 1`` of row ``top + r``
    (``stop <= width - 1``)."""
    width = image.shape[1]
    words = _scratch.push((bottom - top, stop - start), np.uint64)
    split = min(stop, width - 2)  # 8 bytes read from pixel x stay in the row while x <= width - 3
    if split > start:
        np.copyto(words[:, : split - start], _pair_view(image, start, split - start, 0)[top:bottom])
    if stop > split:
        # The pair starting at pixel width - 2: read the row's last 8 bytes, drop the first 2.
        last = _pair_view(image, width - 2, 1, -2)[top:bottom]
        np.right_shift(last, 16, out=words[:, split - start :])
    return words


def _gather_rows(image: U8Array, rows: IntpArray, start: int, stop: int) -> U64Array:
    """Like :func:`_pack_pairs` for the rows ``rows`` of a C-contiguous image: copies those
    whole rows first (a memcpy each), so a downscale reads only the rows it samples."""
    height, width, _ = image.shape
    row_bytes = 3 * width
    # 8 spare bytes: the last row's last pair word reads 2 bytes past its row.
    memory = _scratch.push((rows.size * row_bytes + 8,), np.uint8)
    copied = memory[: rows.size * row_bytes].reshape(rows.size, row_bytes)
    np.take(image.reshape(height, row_bytes), rows, axis=0, out=copied, mode="clip")
    words = _scratch.push((rows.size, stop - start), np.uint64)
    np.copyto(words, _pair_view(copied.reshape(rows.size, width, 3), start, stop - start, 0))
    return words


def _blend(words: U64Array, weights: I32Array) -> I32Array:
    """OpenCV's fixed-point bilinear value of each sample, ``(3, n)`` int32 in 0..255, in
    scratch memory.

    ``words`` ``(2, n)``: the pair words of each sample's upper and lower row; ``weights``
    ``(2, 2, n)``: the integer weight of tap (row, column), summing to at most 2**10.
    """
    n = words.shape[1]
    # Bytes 0-5 of a pair word: R G B of its two pixels, i.e. [row, sample, column, channel].
    pixels = words.view(np.uint8).reshape(2, n, 8)[:, :, :6].reshape(2, n, 2, 3)
    sums = _scratch.push((3, n), np.int32)
    taps = _scratch.push((2, 2, n), np.int32)
    for channel in range(3):
        np.copyto(taps, pixels[..., channel].transpose(0, 2, 1))
        np.einsum("tn,tn->n", taps.reshape(4, n), weights.reshape(4, n), out=sums[channel])
    sums += _SUM_HALF
    sums >>= _SUM_SHIFT
    return sums


# -- the warp ----------------------------------------------------------------------------------


def _sample_general(
    image: U8Array, m: F64Array, out_w: int, out_h: int, border: Border
) -> I32Array:
    """Fast path for any matrix: ``(3, out_h * out_w)`` int32 values (scratch memory)."""
    height, width = image.shape[:2]
    n = out_w * out_h
    fx, fy = _fixed_coords(m, out_w, out_h)
    weights = _scratch.push((2, 2, out_h, out_w), np.int32)
    index = _scratch.push((2, n), np.intp)
    words = _scratch.push((2, n), np.uint64)
    mark = _scratch.mark()
    px, wx0, wx1, left, last = _pair_taps(fx, border, width)
    py, wy0, wy1, top, bottom = _pair_taps(fy, border, height)
    _tap_weights(wy0, wy1, wx0, wx1, weights)
    # Pack the pair words of the image rows and columns the crop touches, then gather.
    right, bottom = last + 1, bottom + 2
    span = right - left
    if (bottom - top) * span * 8 > _MAX_PACKED:
        raise _RegionTooLargeError
    if bottom * span + right < 1 << 31:  # int32 arithmetic, then one widening copy
        flat = np.multiply(py.reshape(-1), span, out=_scratch.push((n,), np.int32))
        flat += px.reshape(-1)
        flat -= top * span + left
        np.copyto(index[0], flat)
    else:
        np.multiply(py.reshape(-1), span, out=index[0], dtype=np.intp)
        np.add(index[0], px.reshape(-1), out=index[0])
        index[0] -= top * span + left
    np.add(index[0], span, out=index[1])
    _scratch.release(mark)
    region = _pack_pairs(image, top, bottom, left, right)
    np.take(region.reshape(-1), index, out=words, mode="clip")
    _scratch.release(mark)
    return _blend(words, weights.reshape(2, 2, n))


def _sample_separable(
    image: U8Array, fx: I32Array, fy: I32Array, border: Border
) -> tuple[slice, slice, I32Array] | None:
    """Fast path for an unrotated rect: the output rows and columns that see the image (all of
    them for REPLICATE) and their ``(3, rows, cols)`` int32 values (scratch memory); None if
    none do."""
    height, width = image.shape[:2]
    px, wx0, wx1, _, _ = _pair_taps(fx, border, width)
    py, wy0, wy1, _, _ = _pair_taps(fy, border, height)
    cols = np.flatnonzero((wx0 != 0) | (wx1 != 0))
    rows = np.flatnonzero((wy0 != 0) | (wy1 != 0))
    if cols.size == 0 or rows.size == 0:
        return None
    cs = slice(int(cols[0]), int(cols[-1]) + 1)
    rs = slice(int(rows[0]), int(rows[-1]) + 1)
    px, wx0, wx1 = px[cs], wx0[cs], wx1[cs]
    py, wy0, wy1 = py[rs], wy0[rs], wy1[rs]
    nv, nc = py.size, px.size
    weights = _tap_weights(wy0[:, None], wy1[:, None], wx0, wx1,
                           _scratch.push((2, 2, nv, nc), np.int32))
    words = _scratch.push((2, nv, nc), np.uint64)
    mark = _scratch.mark()
    left, right = int(px.min()), int(px.max()) + 1
    top, bottom = int(py.min()), int(py.max()) + 2
    sparse = 3 * nv < bottom - top and image.flags.c_contiguous
    if (2 * nv if sparse else bottom - top) * (3 * width + 8 * (right - left)) > _MAX_PACKED:
        raise _RegionTooLargeError
    if sparse:
        # Downscaling: copy just the rows sampled (top rows, then bottom rows), not the span.
        sampled = np.concatenate([py, py + 1]).astype(np.intp)
        region = _gather_rows(image, sampled, left, right)
        np.take(region, px - left, axis=1, out=words.reshape(2 * nv, nc), mode="clip")
    else:
        span = right - left
        index = _scratch.push((2, nv, nc), np.intp)
        np.add(((py - top) * span)[:, None], px - left, out=index[0], dtype=np.intp)
        np.add(index[0], span, out=index[1])
        region = _pack_pairs(image, top, bottom, left, right)
        np.take(region.reshape(-1), index, out=words, mode="clip")
    _scratch.release(mark)
    values = _blend(words.reshape(2, -1), weights.reshape(2, 2, -1))
    return rs, cs, values.reshape(3, nv, nc)


def _warp_generic(
    image: U8Array, m: F64Array, out_w: int, out_h: int, border: Border
) -> U8Array:
    """Any image layout, size and channel count: tap by tap, in float32 (exact below 2**24)."""
    fx, fy = _fixed_coords(m, out_w, out_h)
    sx, sy = fx >> _INTER_BITS, fy >> _INTER_BITS
    ax, ay = fx & (_TAB - 1), fy & (_TAB - 1)
    height, width, channels = image.shape
    acc = np.zeros((out_h, out_w, channels), dtype=np.float32)
    for ox, oy in ((0, 0), (1, 0), (0, 1), (1, 1)):
        weight = (ax if ox else _TAB - ax) * (ay if oy else _TAB - ay)
        px, py = sx + ox, sy + oy
        cx, cy = np.clip(px, 0, width - 1), np.clip(py, 0, height - 1)
        if border is Border.ZERO:
            weight = np.where((px == cx) & (py == cy), weight, 0)
        acc += image[cy, cx] * weight.astype(np.float32)[..., None]
    out = np.floor((acc + _f(_SUM_HALF)) * _f(1.0 / (1 << _SUM_SHIFT)))
    result: U8Array = out.astype(np.uint8)  # always within 0..255
    return result


def _check_out(
    out: npt.NDArray[Any] | None, shape: tuple[int, ...], dtype: type[np.generic]
) -> npt.NDArray[Any]:
    if out is None:
        return np.empty(shape, dtype)
    if out.dtype != dtype or out.shape[-len(shape):] != shape or out.size != math.prod(shape):
        raise ValueError(f"out must be a {np.dtype(dtype)} array of shape {shape}, "
                         f"got {out.dtype} {out.shape}")
    if not out.flags.writeable:
        raise ValueError("out is read-only")
    if out.shape == shape:
        return out
    if not out.flags.c_contiguous:
        raise ValueError(f"out of shape {out.shape} must be C-contiguous")
    return out.reshape(shape)


def _warp_into(
    image: U8Array,
    inverse: F64Array,
    out_w: int,
    out_h: int,
    border: Border,
    dest: npt.NDArray[Any],
) -> None:
    """Write the warp into ``dest`` ``(out_h, out_w, C)``: uint8 values, or float32 values
    scaled like :func:`to_tensor`."""
    m = np.asarray(inverse, dtype=np.float64)
    _scratch.release(0)
    try:
        if _has_pair_layout(image):
            _warp_fast(image, m, out_w, out_h, border, dest)
            return
    except _RegionTooLargeError:
        pass
    finally:
        _scratch.release(0)
        if _scratch.arena.size > _MAX_KEPT:
            _scratch.arena = np.empty(0, np.uint8)
    crop = _warp_generic(image, m, out_w, out_h, border)
    if dest.dtype == np.float32:
        np.multiply(crop, _INV_255, out=dest, dtype=np.float32)
    else:
        dest[...] = crop


def _warp_fast(
    image: U8Array, m: F64Array, out_w: int, out_h: int, border: Border,
    dest: npt.NDArray[Any],
) -> None:
    """:func:`_warp_into` for an image :func:`_has_pair_layout` accepts."""
    separable = _separable_coords(m, out_w, out_h)
    if separable is not None:
        found = _sample_separable(image, *separable, border)
        if found is None:
            dest[...] = 0
            return
        rs, cs, values = found
        if rs.stop - rs.start < out_h or cs.stop - cs.start < out_w:
            dest[: rs.start] = 0
            dest[rs.stop :] = 0
            dest[rs, : cs.start] = 0
            dest[rs, cs.stop :] = 0
        target = dest[rs, cs].transpose(2, 0, 1)
    else:
        values = _sample_general(image, m, out_w, out_h, border).reshape(3, out_h, out_w)
        target = dest.transpose(2, 0, 1)
    if dest.dtype == np.float32:
        scaled = _scratch.push(values.shape, np.float32)
        np.copyto(scaled, values)
        np.multiply(scaled, _INV_255, out=target)
    else:
        np.copyto(target, values, casting="unsafe")


def warp_crop(
    image: U8Array,
    inverse: F64Array,
    out_w: int,
    out_h: int,
    border: Border,
    *,
    out: U8Array | None = None,
) -> U8Array:
    """Resample ``image`` ``(H, W, C)`` uint8 at ``inverse @ (x, y, 1)`` for every output pixel.

    Bit-exact with OpenCV's ``warpPerspective(..., INTER_LINEAR)`` up to exact .5 ties in the
    1/32-px rounding. ``image`` may be non-contiguous or read-only; only the sampled rows and
    columns are read. ``out`` (``(out_h, out_w, C)`` uint8) receives the crop if given.
    """
    dest: U8Array = _check_out(out, (out_h, out_w, image.shape[2]), np.uint8)
    _warp_into(image, inverse, out_w, out_h, border, dest)
    return dest if out is None else out


def warp_crop_tensor(
    image: U8Array,
    inverse: F64Array,
    out_w: int,
    out_h: int,
    border: Border,
    *,
    out: F32Array | None = None,
) -> F32Array:
    """``to_tensor(warp_crop(...))`` without the uint8 intermediate: ``(1, out_h, out_w, C)``
    float32, bit for bit the same. ``out`` (any float32 array of ``out_h * out_w * C`` values
    ending in ``(out_h, out_w, C)``, e.g. one row of a batch) receives it if given."""
    dest: F32Array = _check_out(out, (out_h, out_w, image.shape[2]), np.float32)
    _warp_into(image, inverse, out_w, out_h, border, dest)
    return dest[None] if out is None else out


def crop_rect(
    image: U8Array, rect: RectPx, size: int, border: Border, *, out: U8Array | None = None
) -> U8Array:
    """Crop ``rect`` (pixels) of ``image`` ``(H, W, 3)`` uint8 into a ``(size, size, 3)`` uint8."""
    return warp_crop(image, crop_to_image_matrix(rect, size, size), size, size, border, out=out)


def crop_rect_tensor(
    image: U8Array, rect: RectPx, size: int, border: Border, *, out: F32Array | None = None
) -> F32Array:
    """``to_tensor(crop_rect(image, rect, size, border))``, bit for bit, in one pass:
    ``(1, size, size, 3)`` float32, or written into ``out`` (e.g. ``batch[i]``)."""
    return warp_crop_tensor(
        image, crop_to_image_matrix(rect, size, size), size, size, border, out=out
    )


def to_tensor(crops: U8Array) -> F32Array:
    """``(..., S, S, 3)`` uint8 -> float32 in [0, 1], with a leading batch axis added if absent.

    PARITY: multiplies by float32(1/255) like OpenCV's ``convertTo``, instead of dividing.
    """
    tensor: F32Array = crops.astype(np.float32) * _INV_255
    return tensor[None] if tensor.ndim == 3 else tensor
