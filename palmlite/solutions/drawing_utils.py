"""``palmlite.solutions.drawing_utils``: MediaPipe's legacy drawing helpers, pixel for pixel.

``draw_landmarks``, ``draw_detection`` and ``draw_axis`` draw in place on a ``(H, W, 3)`` uint8
array exactly as MediaPipe 0.10.21's do: same shapes, same order, and OpenCV's own integer
rasterisation (``palmlite/solutions/_raster.py``), without OpenCV. ``plot_landmarks`` draws
a 3-D matplotlib plot (the optional extra ``palmlite[plot]``).

Colours are written to the channels in the order given: MediaPipe's constants and styles are
BGR (its examples draw on OpenCV's BGR images), so on an RGB image red and blue swap, exactly
as they do with MediaPipe.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from . import _plot, _raster

__all__ = [
    "BLACK_COLOR",
    "BLUE_COLOR",
    "GREEN_COLOR",
    "RED_COLOR",
    "WHITE_COLOR",
    "DrawingSpec",
    "draw_axis",
    "draw_detection",
    "draw_landmarks",
    "plot_landmarks",
]

Color = tuple[int, int, int]

WHITE_COLOR: Color = (224, 224, 224)
BLACK_COLOR: Color = (0, 0, 0)
RED_COLOR: Color = (0, 0, 255)
GREEN_COLOR: Color = (0, 128, 0)
BLUE_COLOR: Color = (255, 0, 0)

_VISIBILITY_THRESHOLD = 0.5
_PRESENCE_THRESHOLD = 0.5
_MAX_THICKNESS = 32767  # OpenCV's limit
#: MediaPipe's LocationData.RELATIVE_BOUNDING_BOX (location_data.proto).
_RELATIVE_BOUNDING_BOX = 2


@dataclass
class DrawingSpec:
    """How to draw: ``color`` (3 ints, in the image's channel order), ``thickness`` in pixels
    (for dots, a negative thickness means filled) and ``circle_radius`` of landmark dots."""

    color: Color = WHITE_COLOR
    thickness: int = 2
    circle_radius: int = 2


# Module-level so the defaults are shared values, as in MediaPipe's signatures.
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
    """MediaPipe skips landmarks whose *set* visibility or presence is below 0.5 (hand
    landmarks never set either field)."""
    has_field = getattr(landmark, "HasField", None)
    if has_field is None:  # a plain object with .x/.y: nothing is "set"
        return False
    return bool(
        (has_field("visibility") and landmark.visibility < _VISIBILITY_THRESHOLD)
        or (has_field("presence") and landmark.presence < _PRESENCE_THRESHOLD)
    )


def _check_image(image: object) -> npt.NDArray[np.uint8]:
    if not isinstance(image, np.ndarray):
        raise TypeError(f"image must be a numpy array, got {type(image).__name__}")
    if image.ndim != 3 or image.shape[2] != 3:
        # MediaPipe's message first: its own tests match it.
        raise ValueError("Input image must contain three channel bgr data: expected an "
                         f"(H, W, 3) array, got shape {image.shape}")
    if image.dtype != np.uint8:
        raise ValueError(f"image must be uint8, got {image.dtype}")
    if not image.flags.writeable:
        raise ValueError("drawing is in place, but image is read-only (pass a copy)")
    return image


def _color(color: object) -> Color:
    """A colour as OpenCV takes a ``Scalar``: 1 to 4 numbers (missing channels are 0, a 4th
    is ignored on a 3-channel image), each rounded half to even and saturated to 0..255."""
    values = [color] if isinstance(color, (int, float, np.number)) else color
    if not isinstance(values, (Sequence, np.ndarray)) or not 1 <= len(values) <= 4 or not all(
            isinstance(v, (int, float, np.number)) and not isinstance(v, bool) for v in values):
        raise TypeError(f"color must be 1 to 4 numbers (B, G, R), got {color!r}")
    channels = [min(max(round(float(v)), 0), 255) for v in values] + [0, 0]
    return channels[0], channels[1], channels[2]


def _int(name: str, value: object, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if not low <= value <= _MAX_THICKNESS:
        raise ValueError(f"{name} must be in [{low}, {_MAX_THICKNESS}], got {value!r}")
    return int(value)


def _line(image: npt.NDArray[np.uint8], start: tuple[int, int], end: tuple[int, int],
          spec: DrawingSpec) -> None:
    _raster.line(image, start, end, _color(spec.color), _int("thickness", spec.thickness, 1))


def _circle(image: npt.NDArray[np.uint8], centre: tuple[int, int], radius: int, color: object,
            thickness: int) -> None:
    _raster.circle(image, centre, _int("circle_radius", radius, 0), _color(color),
                   _int("thickness", thickness, -_MAX_THICKNESS))


def _visible_points(landmark_list: Any, image_size: tuple[int, int] | None,
                    ) -> tuple[dict[int, Any], int]:
    """The landmarks MediaPipe draws, by index (pixels when ``image_size = (W, H)`` is given,
    else the landmarks themselves), and the number of landmarks."""
    landmarks = list(landmark_list.landmark)
    points: dict[int, Any] = {}
    for index, landmark in enumerate(landmarks):
        if _hidden(landmark):
            continue
        if image_size is None:
            points[index] = landmark
            continue
        point = _normalized_to_pixel_coordinates(landmark.x, landmark.y, *image_size)
        if point is not None:
            points[index] = point
    return points, len(landmarks)


def _check_connection(connection: Sequence[int], count: int) -> tuple[int, int]:
    start, end = connection[0], connection[1]
    if not (0 <= start < count and 0 <= end < count):
        raise ValueError(
            f"Landmark index is out of range. Invalid connection from landmark #{start} "
            f"to landmark #{end}."
        )
    return start, end


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
    """Draw one hand's landmarks and connections on ``image``, in place, like MediaPipe.

    Args:
        image: ``(H, W, 3)`` uint8, writable.
        landmark_list: a ``NormalizedLandmarkList`` (an entry of
            ``results.multi_hand_landmarks``, one you build from
            ``landmark_pb2.NormalizedLandmarkList``, or MediaPipe's own); anything with
            ``.landmark[i].x/.y`` works too. ``None`` draws nothing.
        connections: ``(start, end)`` index pairs to join, e.g. ``HAND_CONNECTIONS``.
        landmark_drawing_spec: one ``DrawingSpec`` or a mapping landmark index -> spec
            (default: red rings of radius 2); ``None`` draws no dots.
        connection_drawing_spec: one spec or a mapping connection -> spec (default: light
            grey, 2 px); ``None`` draws no lines.
        is_drawing_landmarks: ``False`` draws the connections only.

    Lines first (``cv2.line``), then per landmark a ``(224, 224, 224)`` disc or ring of radius
    ``max(r + 1, int(1.2 * r))`` and the spec's colour at radius ``r`` (``cv2.circle``).
    Landmarks outside the image, or with a set visibility or presence below 0.5, are not
    drawn, nor are connections touching them. Raises ``ValueError`` for a connection index
    outside the landmark list, like MediaPipe.
    """
    if landmark_list is None:
        return
    pixels = _check_image(image)
    height, width = pixels.shape[:2]
    points, count = _visible_points(landmark_list, (width, height))
    for connection in connections or ():
        start, end = _check_connection(connection, count)
        if start in points and end in points and connection_drawing_spec is not None:
            _line(pixels, points[start], points[end],
                  _spec_for(connection_drawing_spec, connection))
    # Dots after the lines, so they sit on top (MediaPipe: "aesthetically better").
    if is_drawing_landmarks and landmark_drawing_spec is not None:
        for index, point in points.items():
            spec = _spec_for(landmark_drawing_spec, index)
            border = max(spec.circle_radius + 1, int(spec.circle_radius * 1.2))
            _circle(pixels, point, border, WHITE_COLOR, spec.thickness)
            _circle(pixels, point, spec.circle_radius, spec.color, spec.thickness)


def draw_detection(
    image: npt.NDArray[np.uint8],
    detection: Any,
    keypoint_drawing_spec: DrawingSpec = _DEFAULT_DOTS,
    bbox_drawing_spec: DrawingSpec = _DEFAULT_LINES,
) -> None:
    """Draw a ``detection_pb2.Detection``'s relative keypoints (circles) and relative
    bounding box (a rectangle) on ``image``, in place, like MediaPipe.

    Raises ``ValueError`` when the location data is not ``RELATIVE_BOUNDING_BOX``.
    """
    if detection is None:
        return
    pixels = _check_image(image)
    height, width = pixels.shape[:2]
    location = detection.location_data
    if location.format != _RELATIVE_BOUNDING_BOX:
        raise ValueError("LocationData must be relative for this drawing funtion to work.")

    def pixel(x: float, y: float) -> tuple[int, int]:
        # PARITY: MediaPipe hands OpenCV ``None`` for a point outside the image, which
        # OpenCV's Python binding reads as (0, 0): such a point is drawn at the corner.
        return _normalized_to_pixel_coordinates(x, y, width, height) or (0, 0)

    for keypoint in location.relative_keypoints:
        _circle(pixels, pixel(keypoint.x, keypoint.y), keypoint_drawing_spec.circle_radius,
                keypoint_drawing_spec.color, keypoint_drawing_spec.thickness)
    if not location.HasField("relative_bounding_box"):
        return
    box = location.relative_bounding_box
    thickness = _int("thickness", bbox_drawing_spec.thickness, -_MAX_THICKNESS)
    _raster.rectangle(pixels, pixel(box.xmin, box.ymin),
                      pixel(box.xmin + box.width, box.ymin + box.height),
                      _color(bbox_drawing_spec.color), thickness)


#: The origin and the unit axes, one point per row.
_AXES = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32)


def draw_axis(
    image: npt.NDArray[np.uint8],
    rotation: npt.ArrayLike,
    translation: npt.ArrayLike,
    focal_length: tuple[float, float] = (1.0, 1.0),
    principal_point: tuple[float, float] = (0.0, 0.0),
    axis_length: float = 0.1,
    axis_drawing_spec: DrawingSpec = _DEFAULT_LINES,
) -> None:
    """Draw an object's x (red), y (green) and z (blue) axes as arrows, in place, like
    MediaPipe: the axes, ``axis_length`` long, are rotated by ``rotation`` (3 x 3),
    moved by ``translation`` (3,), projected with the camera's ``focal_length`` and
    ``principal_point`` to normalized device coordinates (clipped to [-1, 1]) and drawn with
    ``cv2.arrowedLine`` at ``axis_drawing_spec.thickness``."""
    pixels = _check_image(image)
    height, width = pixels.shape[:2]
    # The same NumPy operations as MediaPipe's, so the float rounding (and pixels) agree.
    camera = np.matmul(rotation, axis_length * _AXES.T).T + translation
    x, y, z = camera[..., 0], camera[..., 1], camera[..., 2]
    x_ndc = np.clip(-focal_length[0] * x / (z + 1e-5) + principal_point[0], -1.0, 1.0)
    y_ndc = np.clip(-focal_length[1] * y / (z + 1e-5) + principal_point[1], -1.0, 1.0)
    xs = np.int32((1 + x_ndc) * 0.5 * width).tolist()
    ys = np.int32((1 - y_ndc) * 0.5 * height).tolist()
    origin = (xs[0], ys[0])
    thickness = _int("thickness", axis_drawing_spec.thickness, 1)
    for axis, color in zip((1, 2, 3), (RED_COLOR, GREEN_COLOR, BLUE_COLOR), strict=True):
        _raster.arrowed_line(pixels, origin, (xs[axis], ys[axis]), color, thickness)


def plot_landmarks(
    landmark_list: Any,
    connections: Iterable[tuple[int, int]] | None = None,
    landmark_drawing_spec: DrawingSpec = DrawingSpec(color=RED_COLOR, thickness=5),  # noqa: B008
    connection_drawing_spec: DrawingSpec = DrawingSpec(color=BLACK_COLOR, thickness=5),  # noqa: B008
    elevation: int = 10,
    azimuth: int = 10,
) -> None:
    """Plot landmarks and connections in 3-D with matplotlib, then ``plt.show()``, like
    MediaPipe: a new 10 x 10 inch figure viewed from ``elevation`` and ``azimuth`` degrees,
    each landmark ``(x, y, z)`` at ``(-z, x, -y)``, dots and lines in the specs' colours (BGR,
    shown as RGB) and widths. Landmarks with a set visibility or presence below 0.5 are left
    out, with their connections. ``None`` plots nothing.

    Raises:
        ImportError: matplotlib is not installed (the optional extra ``palmlite[plot]``).
        ValueError: a connection index is outside the landmark list.
    """
    if landmark_list is None:
        return
    landmarks, count = _visible_points(landmark_list, None)
    points = {i: (-p.z, p.x, -p.y) for i, p in landmarks.items()}
    segments = []
    for connection in connections or ():
        start, end = _check_connection(connection, count)
        if start in points and end in points:
            segments.append((points[start], points[end]))
    _plot.plot_3d(list(points.values()), segments,
                  (landmark_drawing_spec.color, landmark_drawing_spec.thickness),
                  (connection_drawing_spec.color, connection_drawing_spec.thickness),
                  elevation, azimuth)
