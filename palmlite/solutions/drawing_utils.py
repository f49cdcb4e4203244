"""``palmlite.solutions.drawing_utils``: legacy ``draw_landmarks`` and ``DrawingSpec``.

Draws in place on a ``(H, W, 3)`` uint8 array like MediaPipe's (which uses OpenCV), in
NumPy: connections first, then each landmark as a coloured dot on a slightly larger white
one. Colours are written to the channels in the order given, so the same tuple means BGR on a
BGR image and RGB on an RGB one, exactly as with MediaPipe. Pixels are not identical to
OpenCV's rasterisation (edges differ by about a pixel); positions and widths are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "BLACK_COLOR",
    "BLUE_COLOR",
    "GREEN_COLOR",
    "RED_COLOR",
    "WHITE_COLOR",
    "DrawingSpec",
    "draw_landmarks",
]

Color = tuple[int, int, int]

WHITE_COLOR: Color = (224, 224, 224)
BLACK_COLOR: Color = (0, 0, 0)
RED_COLOR: Color = (0, 0, 255)
GREEN_COLOR: Color = (0, 128, 0)
BLUE_COLOR: Color = (255, 0, 0)

_VISIBILITY_THRESHOLD = 0.5
_PRESENCE_THRESHOLD = 0.5


@dataclass
class DrawingSpec:
    """How to draw: ``color`` (3 ints, in the image's channel order), ``thickness`` in pixels
    (for dots, a negative thickness means filled) and ``circle_radius`` of landmark dots."""

    color: Color = WHITE_COLOR
    thickness: int = 2
    circle_radius: int = 2


# Module-level so the defaults are shared values, as in MediaPipe's signature.
_DEFAULT_DOTS = DrawingSpec(color=RED_COLOR)
_DEFAULT_LINES = DrawingSpec()


def _normalized_to_pixel_coordinates(
    normalized_x: float, normalized_y: float, image_width: int, image_height: int
) -> tuple[int, int] | None:
    """Pixel of a normalized point, or ``None`` if it lies outside the image (like MediaPipe,
    points outside ``[0, 1]`` are not drawn)."""

    def inside(value: float) -> bool:
        return (value > 0 or math.isclose(0, value)) and (value < 1 or math.isclose(1, value))

    if not (inside(normalized_x) and inside(normalized_y)):
        return None
    x_px = min(math.floor(normalized_x * image_width), image_width - 1)
    y_px = min(math.floor(normalized_y * image_height), image_height - 1)
    return x_px, y_px


def _hidden(landmark: Any) -> bool:
    """MediaPipe skips landmarks whose *set* visibility or presence is below 0.5. Only
    protobuf messages can tell "set" from "0.0"; hand landmarks never set either field."""
    has_field = getattr(landmark, "HasField", None)
    if has_field is None:
        return False
    return bool(
        (has_field("visibility") and landmark.visibility < _VISIBILITY_THRESHOLD)
        or (has_field("presence") and landmark.presence < _PRESENCE_THRESHOLD)
    )


def _check_image(image: object) -> npt.NDArray[np.uint8]:
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array, got {type(image).__name__}")
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image must be an (H, W, 3) array, got shape {image.shape}")
    if image.dtype != np.uint8:
        raise ValueError(f"image must be uint8, got {image.dtype}")
    if not image.flags.writeable:
        raise ValueError("draw_landmarks draws in place, but image is read-only (pass a copy)")
    return image


def _check_color(color: Sequence[int]) -> Color:
    values = tuple(int(c) for c in color)
    if len(values) != 3 or not all(0 <= c <= 255 for c in values):
        raise ValueError(f"color must be 3 ints in 0..255, got {color!r}")
    return values[0], values[1], values[2]


def _spec_for(spec: DrawingSpec | Mapping[Any, DrawingSpec], key: object) -> DrawingSpec:
    return spec[key] if isinstance(spec, Mapping) else spec


def draw_landmarks(
    image: npt.NDArray[np.uint8],
    landmark_list: Any,
    connections: Iterable[tuple[int, int]] | None = None,
    landmark_drawing_spec: DrawingSpec | Mapping[int, DrawingSpec] | None = _DEFAULT_DOTS,
    connection_drawing_spec: (
        DrawingSpec | Mapping[tuple[int, int], DrawingSpec] | None
    ) = _DEFAULT_LINES,
    is_drawing_landmarks: bool = True,
) -> None:
    """Draw one hand's landmarks and connections on ``image``, in place.

    Args:
        image: ``(H, W, 3)`` uint8, writable.
        landmark_list: anything with ``.landmark[i].x/.y`` normalized, such as an entry of
            ``results.multi_hand_landmarks`` (MediaPipe's own messages work too). ``None``
            draws nothing.
        connections: ``(start, end)`` index pairs to join, e.g. ``HAND_CONNECTIONS``.
        landmark_drawing_spec: one ``DrawingSpec`` or a mapping landmark index -> spec
            (default: red dots of radius 2); ``None`` draws no dots.
        connection_drawing_spec: one spec or a mapping connection -> spec (default: white,
            thickness 2); ``None`` draws no lines.
        is_drawing_landmarks: ``False`` draws the connections only.

    Landmarks outside the image are not drawn, nor are connections touching them. Raises
    ``ValueError`` for a connection index outside the landmark list, like MediaPipe.
    """
    if landmark_list is None:
        return
    pixels = _check_image(image)
    height, width = pixels.shape[:2]
    landmarks = list(landmark_list.landmark)
    points: dict[int, tuple[int, int]] = {}
    for index, landmark in enumerate(landmarks):
        if _hidden(landmark):
            continue
        point = _normalized_to_pixel_coordinates(landmark.x, landmark.y, width, height)
        if point is not None:
            points[index] = point

    lines: list[tuple[tuple[int, int], tuple[int, int], Color, int]] = []
    for connection in connections or ():
        start, end = int(connection[0]), int(connection[1])
        if not (0 <= start < len(landmarks) and 0 <= end < len(landmarks)):
            raise ValueError(
                f"Landmark index is out of range. Invalid connection from landmark #{start} "
                f"to landmark #{end}."
            )
        if start in points and end in points and connection_drawing_spec is not None:
            spec = _spec_for(connection_drawing_spec, connection)
            if spec.thickness < 1:
                raise ValueError(f"line thickness must be >= 1, got {spec.thickness}")
            lines.append((points[start], points[end], _check_color(spec.color), spec.thickness))

    # (centre, radius, colour, thickness); drawn after the lines so dots sit on top.
    dots: list[tuple[tuple[int, int], int, Color, int]] = []
    if is_drawing_landmarks and landmark_drawing_spec is not None:
        for index, point in points.items():
            spec = _spec_for(landmark_drawing_spec, index)
            border = max(spec.circle_radius + 1, int(spec.circle_radius * 1.2))
            dots.append((point, border, WHITE_COLOR, spec.thickness))
            dots.append((point, spec.circle_radius, _check_color(spec.color), spec.thickness))
    _render(pixels, lines, dots)


def _segment_distance(
    xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64], a: tuple[int, int],
    b: tuple[int, int],
) -> npt.NDArray[np.float64]:
    """Distance from each pixel centre to the segment ``a``-``b``."""
    dx, dy = float(b[0] - a[0]), float(b[1] - a[1])
    px, py = xs - a[0], ys - a[1]
    length2 = dx * dx + dy * dy
    t = np.clip((px * dx + py * dy) / length2, 0.0, 1.0) if length2 > 0 else np.zeros_like(px)
    distance: npt.NDArray[np.float64] = np.hypot(px - t * dx, py - t * dy)
    return distance


def _paint(
    pixels: npt.NDArray[np.uint8], centre_box: tuple[int, int, int, int], color: Color,
    inside: Any,
) -> None:
    """Set ``color`` on the pixels of the box ``(x0, y0, x1, y1)`` where ``inside(xs, ys)``."""
    height, width = pixels.shape[:2]
    x0, y0 = max(centre_box[0], 0), max(centre_box[1], 0)
    x1, y1 = min(centre_box[2], width), min(centre_box[3], height)
    if x0 >= x1 or y0 >= y1:
        return
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float64)
    pixels[y0:y1, x0:x1][inside(xs, ys)] = color


def _render(
    pixels: npt.NDArray[np.uint8],
    lines: list[tuple[tuple[int, int], tuple[int, int], Color, int]],
    dots: list[tuple[tuple[int, int], int, Color, int]],
) -> None:
    """Rasterise lines and dots as distance fields over each primitive's own bounding box,
    so the cost does not grow with the image size.

    The widths follow OpenCV's rasterisation as measured against ``cv2.line``/``cv2.circle``
    (a thick line is a capsule of radius ``(t + 1) // 2`` plus half a pixel; a filled dot
    covers pixel centres within the radius), which makes the drawings overlap MediaPipe's
    closely without OpenCV.
    """
    for a, b, color, thickness in lines:
        radius = 0.5 if thickness == 1 else (thickness + 1) // 2 + 0.5
        reach = math.ceil(radius)
        box = (min(a[0], b[0]) - reach, min(a[1], b[1]) - reach,
               max(a[0], b[0]) + reach + 1, max(a[1], b[1]) + reach + 1)
        _paint(pixels, box, color,
               lambda xs, ys, a=a, b=b, r=radius: _segment_distance(xs, ys, a, b) <= r)
    for (cx, cy), radius, color, thickness in dots:
        half = max(thickness, 1) / 2 + 0.5
        reach = radius + math.ceil(half) + 1
        box = (cx - reach, cy - reach, cx + reach + 1, cy + reach + 1)
        if thickness < 0:
            _paint(pixels, box, color,
                   lambda xs, ys, c=(cx, cy), r=radius: np.hypot(xs - c[0], ys - c[1])
                   <= r + 0.25)
        else:
            _paint(pixels, box, color,
                   lambda xs, ys, c=(cx, cy), r=radius, h=half: np.abs(
                       np.hypot(xs - c[0], ys - c[1]) - r) <= h)
