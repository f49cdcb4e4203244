"""Rotated hand regions: from a palm detection, from landmarks, and the rect transformation.

Mirrors mp:mediapipe/calculators/util/detections_to_rects_calculator.cc (rotation from two
keypoints), mp:mediapipe/calculators/util/rect_transformation_calculator.cc and
mp:mediapipe/modules/hand_landmark/calculators/hand_landmarks_to_rect_calculator.cc.
All arithmetic is float32, as in MediaPipe.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from .specs import ROI_FROM_LANDMARKS, ROI_FROM_PALM, TARGET_ANGLE, RectTransformSpec
from .topology import ROI_LANDMARKS
from .types import Roi

__all__ = [
    "normalize_radians",
    "roi_from_landmarks",
    "roi_from_palm",
    "rotation_from_points",
    "transform_rect",
]

_f = np.float32
# PARITY: MediaPipe seeds its running maxima with std::numeric_limits<float>::min(), the
# smallest *positive* float, not the most negative one; a maximum of negative values is
# therefore clamped up to it.
_FLT_MIN = _f(np.finfo(np.float32).tiny)


def normalize_radians(angle: float) -> float:
    """Wrap an angle into ``[-pi, pi)``.

    >>> round(normalize_radians(3 * math.pi / 2), 6)
    -1.570796
    """
    return float(_f(angle - 2 * math.pi * math.floor((angle + math.pi) / (2 * math.pi))))


def rotation_from_points(start_px: npt.ArrayLike, end_px: npt.ArrayLike) -> float:
    """Rotation that turns the ``start -> end`` vector (pixels, y down) to point straight up.

    A hand whose wrist -> middle finger vector points up gets 0; pointing right gives +pi/2
    (clockwise on screen).

    >>> round(rotation_from_points((0, 0), (1, 0)), 6)
    1.570796
    """
    x0, y0 = (_f(v) for v in np.asarray(start_px, dtype=np.float32)[:2])
    x1, y1 = (_f(v) for v in np.asarray(end_px, dtype=np.float32)[:2])
    return normalize_radians(float(_f(TARGET_ANGLE) - np.arctan2(-(y1 - y0), x1 - x0)))


def transform_rect(roi: Roi, image_size: tuple[int, int], spec: RectTransformSpec) -> Roi:
    """Shift, square and scale ``roi`` like MediaPipe's RectTransformationCalculator.

    The shift is a fraction of the rect's own size along its rotated axes (in pixels, so the
    image's aspect ratio matters); ``square_long`` then makes the rect square in pixels on its
    longer side, and both sides are scaled by ``spec.scale``. The shift uses the size before
    squaring.
    """
    return _transform(
        (roi.x_center, roi.y_center, roi.width, roi.height, roi.rotation), image_size, spec
    )


def _transform(
    rect: tuple[float, float, float, float, float],
    image_size: tuple[int, int],
    spec: RectTransformSpec,
) -> Roi:
    # Takes the raw rect as numbers: before squaring and scaling it may be degenerate.
    image_w, image_h = _f(image_size[0]), _f(image_size[1])
    x_center, y_center, width, height, rotation = (_f(v) for v in rect)
    sx, sy = _f(spec.shift_x), _f(spec.shift_y)
    if rotation == 0:
        x_center = x_center + width * sx
        y_center = y_center + height * sy
    else:
        cos, sin = np.cos(rotation), np.sin(rotation)
        x_shift = (image_w * width * sx * cos - image_h * height * sy * sin) / image_w
        y_shift = (image_w * width * sx * sin + image_h * height * sy * cos) / image_h
        x_center = x_center + x_shift
        y_center = y_center + y_shift
    if spec.square_long:
        long_side = max(width * image_w, height * image_h)
        width, height = long_side / image_w, long_side / image_h
    scale = _f(spec.scale)
    return Roi(
        float(x_center), float(y_center), float(width * scale), float(height * scale),
        float(rotation),
    )


def roi_from_palm(
    box_xywh: npt.ArrayLike,
    keypoints: npt.ArrayLike,
    image_size: tuple[int, int],
    spec: RectTransformSpec = ROI_FROM_PALM,
) -> Roi:
    """The landmark model's crop region for one palm detection.

    ``box_xywh`` ``(4,)`` = ``(xmin, ymin, width, height)`` and ``keypoints`` ``(7, 2)`` are in
    normalized image coordinates
    (letterbox already removed). The rotation points the wrist (keypoint 0) -> middle-finger
    MCP (keypoint 2) vector up; the box is then shifted half its height towards the fingers,
    squared and scaled 2.6x (mp:mediapipe/modules/hand_landmark/
    palm_detection_detection_to_roi.pbtxt).
    """
    box = np.asarray(box_xywh, dtype=np.float32)
    kps = np.asarray(keypoints, dtype=np.float32)
    image_w, image_h = _f(image_size[0]), _f(image_size[1])
    width, height = box[2], box[3]
    x_center = box[0] + width / _f(2)
    y_center = box[1] + height / _f(2)
    rotation = rotation_from_points(
        (kps[0, 0] * image_w, kps[0, 1] * image_h), (kps[2, 0] * image_w, kps[2, 1] * image_h)
    )
    return _transform((x_center, y_center, width, height, rotation), image_size, spec)


def roi_from_landmarks(
    landmarks: npt.ArrayLike,
    image_size: tuple[int, int],
    spec: RectTransformSpec = ROI_FROM_LANDMARKS,
) -> Roi:
    """The next frame's crop region from this frame's ``(21, 2+)`` normalized landmarks.

    Uses the 12 landmarks of :data:`~palmlite.topology.ROI_LANDMARKS`: the rotation points the
    wrist -> (index MCP + 2 middle MCP + ring MCP) / 4 vector up; the size is the bounding box
    of the 12 points in that rotated frame (about their axis-aligned centre), whose centre
    becomes the ROI centre; then shift 0.1 towards the fingers, square and scale 2x.
    """
    lm = np.asarray(landmarks, dtype=np.float32)
    if lm.ndim != 2 or lm.shape[0] != 21 or lm.shape[1] < 2:
        raise ValueError(f"expected (21, 2) or (21, 3) landmarks, got {lm.shape}")
    pts = lm[list(ROI_LANDMARKS), :2]
    image_w, image_h = _f(image_size[0]), _f(image_size[1])
    # Subset indices 4, 6, 8 are the index, middle and ring MCPs.
    mid = ((pts[4] + pts[8]) / _f(2) + pts[6]) / _f(2)
    rotation = _f(rotation_from_points(
        (pts[0, 0] * image_w, pts[0, 1] * image_h), (mid[0] * image_w, mid[1] * image_h)
    ))
    reverse = _f(normalize_radians(float(-rotation)))

    max_xy = np.maximum(pts.max(axis=0), _FLT_MIN)  # PARITY: see _FLT_MIN
    min_xy = pts.min(axis=0)
    center = (max_xy + min_xy) / _f(2)
    offsets = (pts - center) * np.array([image_w, image_h], dtype=np.float32)
    cos_r, sin_r = np.cos(reverse), np.sin(reverse)
    projected_x = offsets[:, 0] * cos_r - offsets[:, 1] * sin_r
    projected_y = offsets[:, 0] * sin_r + offsets[:, 1] * cos_r
    max_px = max(projected_x.max(), _FLT_MIN)  # PARITY: see _FLT_MIN
    max_py = max(projected_y.max(), _FLT_MIN)
    min_px, min_py = projected_x.min(), projected_y.min()
    proj_cx = (max_px + min_px) / _f(2)
    proj_cy = (max_py + min_py) / _f(2)
    cos, sin = np.cos(rotation), np.sin(rotation)
    center_x = proj_cx * cos - proj_cy * sin + image_w * center[0]
    center_y = proj_cx * sin + proj_cy * cos + image_h * center[1]
    rect = (center_x / image_w, center_y / image_h, (max_px - min_px) / image_w,
            (max_py - min_py) / image_h, rotation)
    return _transform(rect, image_size, spec)
