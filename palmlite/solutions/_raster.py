"""OpenCV's integer rasterisers for the shapes MediaPipe's ``drawing_utils`` draws.

MediaPipe 0.10.21 draws with ``cv2.line``, ``cv2.circle``, ``cv2.rectangle`` and
``cv2.arrowedLine`` (OpenCV 4.11), always with the default line type ``LINE_8``: no
anti-aliasing and no sub-pixel shift. This module re-implements exactly those paths of
OpenCV's ``modules/imgproc/src/drawing.cpp`` in integer Python so palmlite's drawings are
pixel-identical without OpenCV:

- a 1 px line is Bresenham's (OpenCV's ``LineIterator``, 8-connected, drawn left to right,
  clipped to the image first);
- a thicker line is a convex quadrilateral in 16.16 fixed point, filled scanline by scanline
  and outlined, plus a filled round cap at each end (``ThickLine``);
- a 1 px or filled circle is the integer midpoint circle (``Circle``); a thicker one is a
  polygon of points from OpenCV's 1-degree sine table, traced with thick lines
  (``EllipseEx`` -> ``PolyLine``).

Points are ``(x, y)`` integer pixels; "fixed" values carry ``XY_SHIFT`` fraction bits. Colours
are 3 bytes written in the order given (BGR on a BGR image, RGB on an RGB one), as OpenCV does.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["arrowed_line", "circle", "line", "rectangle"]

Image = npt.NDArray[np.uint8]
Color = tuple[int, int, int]
Point = tuple[int, int]

XY_SHIFT = 16
XY_ONE = 1 << XY_SHIFT
_HALF = XY_ONE >> 1

# OpenCV's SinTable: sin(i degrees) rounded to 7 decimals, stored as float32, for 0..450.
_SIN_TABLE = [float(np.float32(round(math.sin(math.radians(i)), 7))) for i in range(451)]


def _div(a: int, b: int) -> int:
    """C integer division (truncates toward zero; Python's ``//`` floors)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _clip_line(width: int, height: int, x1: int, y1: int, x2: int, y2: int,
               ) -> tuple[int, int, int, int] | None:
    """OpenCV's ``clipLine``: the part of the segment inside ``[0, width) x [0, height)``, or
    ``None`` when none of it is. Intersections are computed in double and truncated."""
    if width <= 0 or height <= 0:
        return None
    right, bottom = width - 1, height - 1

    def outcode(x: int, y: int) -> int:
        return (x < 0) + (x > right) * 2 + (y < 0) * 4 + (y > bottom) * 8

    c1, c2 = outcode(x1, y1), outcode(x2, y2)
    if (c1 & c2) == 0 and (c1 | c2) != 0:
        if c1 & 12:
            a = 0 if c1 < 8 else bottom
            x1 += int(float(a - y1) * (x2 - x1) / (y2 - y1))
            y1 = a
            c1 = (x1 < 0) + (x1 > right) * 2
        if c2 & 12:
            a = 0 if c2 < 8 else bottom
            x2 += int(float(a - y2) * (x2 - x1) / (y2 - y1))
            y2 = a
            c2 = (x2 < 0) + (x2 > right) * 2
        if (c1 & c2) == 0 and (c1 | c2) != 0:
            if c1:
                a = 0 if c1 == 1 else right
                y1 += int(float(a - x1) * (y2 - y1) / (x2 - x1))
                x1, c1 = a, 0
            if c2:
                a = 0 if c2 == 1 else right
                y2 += int(float(a - x2) * (y2 - y1) / (x2 - x1))
                x2, c2 = a, 0
    return (x1, y1, x2, y2) if (c1 | c2) == 0 else None


class _Pixels:
    """The pixels one shape sets, clipped to the image and written at once in one colour
    (a shape has one colour, so the order of its own writes does not matter)."""

    __slots__ = ("height", "width", "xs", "ys")

    def __init__(self, height: int, width: int) -> None:
        self.height, self.width = height, width
        self.xs: list[int] = []
        self.ys: list[int] = []

    def point(self, x: int, y: int) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            self.xs.append(x)
            self.ys.append(y)

    def hline(self, y: int, x1: int, x2: int) -> None:
        """Row ``y`` from ``x1`` to ``x2`` inclusive (nothing when ``x1 > x2``)."""
        if 0 <= y < self.height:
            x1, x2 = max(x1, 0), min(x2, self.width - 1)
            if x1 <= x2:
                self.xs.extend(range(x1, x2 + 1))
                self.ys.extend([y] * (x2 - x1 + 1))

    def paint(self, image: Image, color: Color) -> None:
        if self.xs:
            image[self.ys, self.xs] = color


def _line_pixels(pixels: _Pixels, p1: Point, p2: Point) -> None:
    """``Line`` with ``LineIterator``: 8-connected Bresenham from the left end, after
    clipping; the minor coordinate steps when the error term is negative."""
    height, width = pixels.height, pixels.width
    x1, y1 = p1
    x2, y2 = p2
    if not (0 <= x1 < width and 0 <= x2 < width and 0 <= y1 < height and 0 <= y2 < height):
        clipped = _clip_line(width, height, x1, y1, x2, y2)
        if clipped is None:
            return
        x1, y1, x2, y2 = clipped
    dx, dy = x2 - x1, y2 - y1
    if dx < 0:  # left to right
        dx, dy, x1, y1 = -dx, -dy, x2, y2
    y_step = -1 if dy < 0 else 1
    dy = abs(dy)
    if dy > dx:  # y is the major axis
        major, minor = (0, y_step), (1, 0)
        dx, dy = dy, dx
    else:
        major, minor = (1, 0), (0, y_step)
    err = dx - 2 * dy
    x, y = x1, y1
    for _ in range(dx + 1):
        pixels.point(x, y)
        if err < 0:
            err += 2 * dx - 2 * dy
            x, y = x + major[0] + minor[0], y + major[1] + minor[1]
        else:
            err -= 2 * dy
            x, y = x + major[0], y + major[1]


def _line_fixed(pixels: _Pixels, p1: Point, p2: Point) -> None:
    """``Line2``: a 1 px line between 16.16 fixed-point ends (the outline of thick shapes)."""
    clipped = _clip_line(pixels.width << XY_SHIFT, pixels.height << XY_SHIFT,
                         p1[0], p1[1], p2[0], p2[1])
    if clipped is None:
        return
    x1, y1, x2, y2 = clipped
    dx, dy = x2 - x1, y2 - y1
    if abs(dx) > abs(dy):
        if dx < 0:
            dy, (x1, y1, x2, y2) = -dy, (x2, y2, x1, y1)
        pixels.point((x2 + _HALF) >> XY_SHIFT, (y2 + _HALF) >> XY_SHIFT)  # the far end too
        y_step = _div(dy << XY_SHIFT, abs(dx) | 1)
        x, y = (x1 + _HALF) >> XY_SHIFT, y1 + _HALF
        for _ in range(((x2 - x1) >> XY_SHIFT) + 1):
            pixels.point(x, y >> XY_SHIFT)
            x, y = x + 1, y + y_step
    else:
        if dy < 0:
            dx, (x1, y1, x2, y2) = -dx, (x2, y2, x1, y1)
        pixels.point((x2 + _HALF) >> XY_SHIFT, (y2 + _HALF) >> XY_SHIFT)
        x_step = _div(dx << XY_SHIFT, abs(dy) | 1)
        x, y = x1 + _HALF, (y1 + _HALF) >> XY_SHIFT
        for _ in range(((y2 - y1) >> XY_SHIFT) + 1):
            pixels.point(x >> XY_SHIFT, y)
            x, y = x + x_step, y + 1


def _fill_convex_poly(pixels: _Pixels, points: Sequence[Point], shift: int) -> None:
    """``FillConvexPoly`` (``LINE_8``): outline the polygon, then fill it scanline by
    scanline, walking its left and right chains from the top vertex."""
    height, width = pixels.height, pixels.width
    count = len(points)
    delta = (1 << shift) >> 1
    up = XY_SHIFT - shift
    previous = (points[-1][0] << up, points[-1][1] << up)
    top = 0
    for i, (x, y) in enumerate(points):
        if y < points[top][1]:
            top = i
        current = (x << up, y << up)
        if shift == 0:
            _line_pixels(pixels, (previous[0] >> XY_SHIFT, previous[1] >> XY_SHIFT),
                         (current[0] >> XY_SHIFT, current[1] >> XY_SHIFT))
        else:
            _line_fixed(pixels, previous, current)
        previous = current
    xmin = (min(p[0] for p in points) + delta) >> shift
    xmax = (max(p[0] for p in points) + delta) >> shift
    ymin = (min(p[1] for p in points) + delta) >> shift
    ymax = (max(p[1] for p in points) + delta) >> shift
    if count < 3 or xmax < 0 or ymax < 0 or xmin >= width or ymin >= height:
        return
    ymax = min(ymax, height - 1)
    # The two chains: [index, direction, x, dx, y where the current edge ends].
    chains = [[top, 1, -XY_ONE, 0, ymin], [top, count - 1, -XY_ONE, 0, ymin]]
    edges_left = count
    y = ymin
    while True:
        for chain in chains:
            if y < chain[4]:
                continue
            start, step = chain[0], chain[1]
            index = (start + step) % count
            while True:
                more = edges_left > 0
                edges_left -= 1  # PARITY: C's `edges-- > 0` decrements on the failing test too
                if not more:
                    break
                end_y = (points[index][1] + delta) >> shift
                if end_y > y:
                    xs, xe = points[start][0] << up, points[index][0] << up
                    chain[:] = [index, step, xs,
                                _div((xe - xs) * 2 + (end_y - y), 2 * (end_y - y)), end_y]
                    break
                start, index = index, (index + step) % count
        if edges_left < 0:
            break
        if y >= 0:
            left, right = sorted((chains[0][2], chains[1][2]))
            pixels.hline(y, (left + _HALF) >> XY_SHIFT, (right + _HALF) >> XY_SHIFT)
        chains[0][2] += chains[0][3]
        chains[1][2] += chains[1][3]
        y += 1
        if y > ymax:
            break


def _circle_midpoint(pixels: _Pixels, center: Point, radius: int, fill: bool) -> None:
    """``Circle``: the integer midpoint circle, as 8 symmetric points or 4 spans per step."""
    cx, cy = center
    err, dx, dy, plus, minus = 0, radius, 0, 1, (radius << 1) - 1
    while dx >= dy:
        if fill:
            pixels.hline(cy - dy, cx - dx, cx + dx)
            pixels.hline(cy + dy, cx - dx, cx + dx)
            pixels.hline(cy - dx, cx - dy, cx + dy)
            pixels.hline(cy + dx, cx - dy, cx + dy)
        else:
            for x, y in ((cx - dx, cy - dy), (cx + dx, cy - dy), (cx - dx, cy + dy),
                         (cx + dx, cy + dy), (cx - dy, cy - dx), (cx + dy, cy - dx),
                         (cx - dy, cy + dx), (cx + dy, cy + dx)):
                pixels.point(x, y)
        dy += 1
        err += plus
        plus += 2
        if err > 0:
            err -= minus
            dx -= 1
            minus -= 2


def _thick_line(pixels: _Pixels, p0: Point, p1: Point, thickness: int, caps: int,
                shift: int) -> None:
    """``ThickLine``: 1 px lines as such; thicker ones as a fixed-point quadrilateral of half
    width ``thickness / 2`` plus filled circles at the ends selected by ``caps`` (bit 0:
    ``p0``, bit 1: ``p1``)."""
    up = XY_SHIFT - shift
    x0, y0, x1, y1 = p0[0] << up, p0[1] << up, p1[0] << up, p1[1] << up
    if thickness <= 1:
        if shift == 0:
            _line_pixels(pixels, ((x0 + _HALF) >> XY_SHIFT, (y0 + _HALF) >> XY_SHIFT),
                         ((x1 + _HALF) >> XY_SHIFT, (y1 + _HALF) >> XY_SHIFT))
        else:
            _line_fixed(pixels, (x0, y0), (x1, y1))
        return
    dx = (x0 - x1) * (1.0 / XY_ONE)
    dy = (y1 - y0) * (1.0 / XY_ONE)
    length2 = dx * dx + dy * dy
    odd = thickness & 1
    half = thickness << (XY_SHIFT - 1)
    if abs(length2) > sys.float_info.epsilon:
        scale = (half + odd * XY_ONE * 0.5) / math.sqrt(length2)
        ox, oy = round(dy * scale), round(dx * scale)
        quad = [(x0 + ox, y0 + oy), (x0 - ox, y0 - oy), (x1 - ox, y1 - oy), (x1 + ox, y1 + oy)]
        _fill_convex_poly(pixels, quad, XY_SHIFT)
    cap_radius = (half + _HALF) >> XY_SHIFT
    for bit, (x, y) in ((1, (x0, y0)), (2, (x1, y1))):
        if caps & bit:
            centre = ((x + _HALF) >> XY_SHIFT, (y + _HALF) >> XY_SHIFT)
            _circle_midpoint(pixels, centre, cap_radius, fill=True)


def _poly_line(pixels: _Pixels, points: Sequence[Point], closed: bool, thickness: int,
               shift: int) -> None:
    """``PolyLine``: consecutive thick segments; a cap at every joint (and at the start of an
    open chain)."""
    if not points:
        return
    caps = 2 if closed else 3
    previous = points[-1] if closed else points[0]
    for point in points[0 if closed else 1:]:
        _thick_line(pixels, previous, point, thickness, caps, shift)
        previous, caps = point, 2


def _thick_circle(pixels: _Pixels, center: Point, radius: int, thickness: int) -> None:
    """``EllipseEx`` for a full circle: points every ``delta`` degrees from the sine table
    (coarser for small radii), rounded in fixed point, traced with ``PolyLine``."""
    cx, cy, r = center[0] << XY_SHIFT, center[1] << XY_SHIFT, abs(radius) << XY_SHIFT
    whole = (r + _HALF) >> XY_SHIFT
    delta = 90 if whole < 3 else 30 if whole < 10 else 18 if whole < 15 else 5
    polygon: list[Point] = []
    for angle in range(0, 360 + delta, delta):
        angle = min(angle, 360)
        # cos(0) = 1 and sin(0) = 0 in the table, so the rotation by 0 degrees is exact.
        fx = cx + r * _SIN_TABLE[450 - angle]
        fy = cy + r * _SIN_TABLE[angle]
        px = round(fx / XY_ONE) << XY_SHIFT
        py = round(fy / XY_ONE) << XY_SHIFT
        point = (px + round(fx - px), py + round(fy - py))
        if not polygon or point != polygon[-1]:
            polygon.append(point)
    if len(polygon) == 1:
        polygon = [(cx, cy), (cx, cy)]
    _poly_line(pixels, polygon, False, thickness, XY_SHIFT)


@functools.lru_cache(maxsize=64)
def _ring_offsets(radius: int, thickness: int) -> tuple[npt.NDArray[np.intp], ...]:
    """The pixels of a thick circle, relative to its centre, when nothing clips it.

    Drawing one takes a few hundred thick segments (MediaPipe draws two per landmark), but
    away from the image's edges the result only moves with the centre: the polygon's points
    are the centre plus ``round(r * sin)`` exactly (the sums are exact in double and the
    centre is a multiple of 2**16, which keeps round-half-even), and every later step works
    on differences of points or clips nothing. So it is computed once per (radius, thickness).
    """
    margin = radius + thickness + 2
    pixels = _Pixels(2 * margin + 1, 2 * margin + 1)
    _thick_circle(pixels, (margin, margin), radius, thickness)
    return (np.array(pixels.xs, np.intp) - margin, np.array(pixels.ys, np.intp) - margin)


# -- the cv2 functions MediaPipe calls (LINE_8, shift 0) ----------------------------------------

def line(image: Image, p1: Point, p2: Point, color: Color, thickness: int) -> None:
    """``cv2.line(image, p1, p2, color, thickness)``; ``thickness`` >= 1."""
    pixels = _Pixels(*image.shape[:2])
    _thick_line(pixels, p1, p2, thickness, 3, 0)
    pixels.paint(image, color)


def circle(image: Image, center: Point, radius: int, color: Color, thickness: int) -> None:
    """``cv2.circle(image, center, radius, color, thickness)``; negative thickness fills."""
    height, width = image.shape[:2]
    margin = radius + thickness + 2
    inside = margin <= center[0] < width - margin and margin <= center[1] < height - margin
    if thickness > 1 and inside:
        xs, ys = _ring_offsets(radius, thickness)
        image[ys + center[1], xs + center[0]] = color
        return
    pixels = _Pixels(height, width)
    if thickness > 1:
        _thick_circle(pixels, center, radius, thickness)
    else:
        _circle_midpoint(pixels, center, radius, fill=thickness < 0)
    pixels.paint(image, color)


def rectangle(image: Image, p1: Point, p2: Point, color: Color, thickness: int) -> None:
    """``cv2.rectangle(image, p1, p2, color, thickness)``; negative thickness fills."""
    corners = [p1, (p2[0], p1[1]), p2, (p1[0], p2[1])]
    pixels = _Pixels(*image.shape[:2])
    if thickness >= 0:
        _poly_line(pixels, corners, True, thickness, 0)
    else:
        _fill_convex_poly(pixels, corners, 0)
    pixels.paint(image, color)


def arrowed_line(image: Image, p1: Point, p2: Point, color: Color, thickness: int,
                 tip_length: float = 0.1) -> None:
    """``cv2.arrowedLine``: the line, then two strokes from ``p2`` at +-45 degrees whose
    length is ``tip_length`` times the line's."""
    dx, dy = float(p1[0] - p2[0]), float(p1[1] - p2[1])
    tip = math.sqrt(dx * dx + dy * dy) * tip_length
    line(image, p1, p2, color, thickness)
    angle = math.atan2(float(p1[1] - p2[1]), float(p1[0] - p2[0]))
    for side in (math.pi / 4, -math.pi / 4):
        barb = (round(p2[0] + tip * math.cos(angle + side)),
                round(p2[1] + tip * math.sin(angle + side)))
        line(image, barb, p2, color, thickness)
