"""Drawing hands on an image with Pillow: skeleton, landmarks, labels, ROI and palm box.

>>> import palmlite
>>> result = palmlite.HandLandmarker().detect("photo.jpg")        # doctest: +SKIP
>>> palmlite.draw("photo.jpg", result, roi=True).save("out.jpg")  # doctest: +SKIP

Everything is placed from *normalized* coordinates times the size of the image being drawn on,
so a result can be drawn on a resized copy of the image it came from (a thumbnail, say).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ._validate import ImageLike, load_image
from .topology import HAND_CONNECTIONS, HAND_PALM_CONNECTIONS
from .types import Hand, Roi

__all__ = ["FINGER_COLORS", "draw", "roi_corners_px"]

Color = tuple[int, int, int]
Point = tuple[float, float]

#: Colour of each part of the hand: landmarks take their finger's colour, and so does each
#: connection, except the palm's, which take the "palm" colour.
FINGER_COLORS: dict[str, Color] = {
    "palm": (235, 235, 235),
    "thumb": (255, 140, 20),
    "index": (255, 222, 0),
    "middle": (70, 210, 70),
    "ring": (0, 170, 255),
    "pinky": (205, 90, 255),
}
# Landmark i belongs to finger _FINGER_OF[i]: the wrist is palm, then 4 landmarks per finger.
_FINGER_OF: tuple[str, ...] = (
    "palm", *(finger for finger in ("thumb", "index", "middle", "ring", "pinky") for _ in range(4))
)
_OUTLINE: Color = (20, 20, 20)  # dark rim round the dots, visible on light skin and backgrounds
_ROI_COLOR: Color = (0, 230, 230)
_PALM_COLOR: Color = (255, 0, 200)
_LABEL_BG: Color = (20, 20, 20)
_LABEL_FG: Color = (255, 255, 255)

# Connections in a fixed order so the drawing is deterministic (HAND_CONNECTIONS is a set).
_CONNECTIONS: tuple[tuple[int, int], ...] = tuple(sorted(HAND_CONNECTIONS))


@dataclass(frozen=True)
class _Style:
    """Line width, dot radius and font for one drawing (derived once per call)."""

    line_width: int
    radius: float
    font: ImageFont.ImageFont | ImageFont.FreeTypeFont


def roi_corners_px(roi: Roi, image_size: tuple[int, int]) -> list[Point]:
    """The 4 corners of ``roi`` in pixels of ``image_size``: top-left, top-right, bottom-right,
    bottom-left *of the ROI* (its top edge is the side the fingers point to), so after the
    rotation they may lie anywhere on screen.

    >>> [tuple(round(v, 3) for v in c) for c in roi_corners_px(Roi(0.5, 0.5, 0.2, 0.4), (100, 50))]
    [(40.0, 15.0), (60.0, 15.0), (60.0, 35.0), (40.0, 35.0)]
    """
    cx, cy, width, height, rotation = roi.to_pixels(image_size)
    cos, sin = math.cos(rotation), math.sin(rotation)
    corners = []
    for dx, dy in ((-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)):
        ox, oy = dx * width, dy * height
        # Same rotation as palmlite.projection: clockwise on screen, because y points down.
        corners.append((cx + cos * ox - sin * oy, cy + sin * ox + cos * oy))
    return corners


def _load_font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    # Not cached: loading takes ~0.05 ms, and a private font per call is safe across threads.
    try:
        # Pillow >= 10.1 ships a scalable default font (needs Pillow's FreeType support).
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, ImportError):
        # Older Pillow or no FreeType: the fixed-size bitmap font, small but legible.
        return ImageFont.load_default()


def _as_hands(result: Iterable[Hand] | Hand) -> tuple[Hand, ...]:
    if not isinstance(result, (Hand, Iterable)) or isinstance(result, (str, bytes)):
        raise TypeError(
            "result must be a palmlite.HandsResult, a Hand or an iterable of Hands, "
            f"got {type(result).__name__}"
        )
    hands = (result,) if isinstance(result, Hand) else tuple(result)
    for hand in hands:
        if not isinstance(hand, Hand):
            raise TypeError(
                "result must be a palmlite.HandsResult, a Hand or an iterable of Hands, "
                f"got an element of type {type(hand).__name__}"
            )
    return hands


def _auto_line_width(hands: Sequence[Hand], image_size: tuple[int, int]) -> int:
    # Scale strokes with the hands rather than the image: a 40 px hand in a 4000 px photo
    # needs thin lines, a hand filling a small image thick ones. The ROI side (in pixels) is a
    # stable measure of the hand's size; use the smallest hand so none gets buried in ink.
    sides = [max(h.roi.to_pixels(image_size)[2:4]) for h in hands]
    side = min(sides) if sides else float(min(image_size))
    return int(min(max(round(side / 90.0), 1), 12))


def _label_text(hand: Hand) -> str:
    text = f"{hand.handedness} {hand.handedness_score:.2f}"
    return text if hand.track_id is None else f"#{hand.track_id} {text}"


@dataclass(frozen=True)
class _Label:
    """A text box to place at ``x``: ending just above ``above`` when there is room (and
    ``above`` is not ``None``), else starting just below ``below``."""

    text: str
    x: float
    above: float | None
    below: float


Box = tuple[float, float, float, float]


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _draw_label(
    canvas: ImageDraw.ImageDraw, label: _Label, style: _Style, image_size: tuple[int, int],
    taken: list[Box],
) -> None:
    """Draw ``label`` on a dark box, kept inside the image and off the boxes in ``taken``."""
    left, top, right, bottom = canvas.textbbox((0, 0), label.text, font=style.font)
    pad = max(2, style.line_width)
    box_w, box_h = right - left + 2 * pad, bottom - top + 2 * pad
    # Kept inside the image, so labels of hands at the border stay readable.
    x = min(max(label.x, 0.0), max(image_size[0] - box_w, 0))
    y_max = max(image_size[1] - box_h, 0)
    y = -1.0 if label.above is None else label.above - box_h - style.radius
    if y < 0:
        y = min(label.below + style.radius, y_max)
    # Two hands side by side (or a hand and its palm score) can want the same spot: slide
    # down, then up, a box height at a time; a few tries are enough for a handful of hands.
    for step in (0, 1, 2, 3, -1, -2, -3):
        candidate = min(max(y + step * (box_h + 1), 0.0), y_max)
        box = (x, candidate, x + box_w, candidate + box_h)
        if not any(_overlaps(box, other) for other in taken):
            y = candidate
            break
    taken.append((x, y, x + box_w, y + box_h))
    canvas.rectangle((x, y, x + box_w, y + box_h), fill=_LABEL_BG)
    canvas.text((x + pad - left, y + pad - top), label.text, fill=_LABEL_FG, font=style.font)


def _draw_hand_body(
    canvas: ImageDraw.ImageDraw, points: Sequence[Point], style: _Style,
    connections: bool, landmarks: bool,
) -> None:
    if connections:
        for start, end in _CONNECTIONS:
            palm_edge = (start, end) in HAND_PALM_CONNECTIONS
            color = FINGER_COLORS["palm" if palm_edge else _FINGER_OF[end]]
            canvas.line((points[start], points[end]), fill=color, width=style.line_width)
    if landmarks:
        r = style.radius
        for index, (x, y) in enumerate(points):
            canvas.ellipse(
                (x - r, y - r, x + r, y + r), fill=FINGER_COLORS[_FINGER_OF[index]],
                outline=_OUTLINE, width=max(1, style.line_width // 2),
            )


def draw(
    image: ImageLike,
    result: Iterable[Hand] | Hand,
    *,
    landmarks: bool = True,
    connections: bool = True,
    labels: bool = True,
    roi: bool = False,
    palm_box: bool = False,
    line_width: int | None = None,
) -> Image.Image:
    """Draw hands on a copy of ``image`` and return it as an RGB ``PIL.Image``.

    Args:
        image: what :meth:`palmlite.HandLandmarker.detect` accepts (an ``(H, W, 3)`` uint8 RGB
            array, a ``PIL.Image`` in any mode, or a path). It is never modified.
        result: a :class:`~palmlite.HandsResult`, one :class:`~palmlite.Hand` or an iterable
            of hands.
        landmarks: the 21 landmarks as dots coloured by finger (:data:`FINGER_COLORS`).
        connections: the skeleton's 21 connections, coloured by finger (palm: light grey).
        labels: ``"Left 0.97"`` (handedness and its score; ``"#3 Left 0.97"`` with a track id)
            above each hand.
        roi: the rotated square the landmark model saw (thicker edge: the fingers' side).
        palm_box: the palm detector's box and score, for hands that came from a detection.
        line_width: stroke width in pixels; ``None`` scales it with the hands' size.
    """
    pixels = load_image(image)
    # An explicit copy: Image.fromarray may share memory with the array for some layouts, and
    # the caller's pixels must come back untouched.
    picture = Image.fromarray(np.array(pixels, dtype=np.uint8, order="C", copy=True))
    hands = _as_hands(result)
    if line_width is not None and (isinstance(line_width, bool) or line_width < 1):
        raise ValueError(f"line_width must be a positive int or None, got {line_width!r}")
    size = picture.size
    width = line_width if line_width is not None else _auto_line_width(hands, size)
    font_px = int(min(max(round(min(size) / 32), 10), 40))
    style = _Style(line_width=width, radius=max(1.5, 1.6 * width), font=_load_font(font_px))
    canvas = ImageDraw.Draw(picture)
    scale = np.array(size, dtype=np.float64)
    placed: list[_Label] = []
    for hand in hands:
        xy = hand.landmarks[:, :2].astype(np.float64) * scale
        points = [(float(x), float(y)) for x, y in xy]
        if roi:
            corners = roi_corners_px(hand.roi, size)
            canvas.polygon(corners, outline=_ROI_COLOR, width=max(1, width // 2))
            canvas.line((corners[0], corners[1]), fill=_ROI_COLOR, width=width + 1)
        if palm_box and hand.palm is not None:
            x0, y0, box_w, box_h = (float(v) for v in hand.palm.box_xywh)
            box = (x0 * size[0], y0 * size[1], (x0 + box_w) * size[0], (y0 + box_h) * size[1])
            canvas.rectangle(box, outline=_PALM_COLOR, width=max(1, width // 2))
            if labels:
                placed.append(_Label(f"palm {hand.palm.score:.2f}", box[0], None, box[3]))
        _draw_hand_body(canvas, points, style, connections, landmarks)
        if labels:
            placed.append(_Label(_label_text(hand), float(xy[:, 0].min()),
                                 float(xy[:, 1].min()), float(xy[:, 1].max())))
    # Labels last, so no other hand's skeleton is drawn over them.
    taken: list[Box] = []
    for label in placed:
        _draw_label(canvas, label, style, size, taken)
    return picture
