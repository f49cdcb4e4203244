"""Mapping landmarks from the crop back to the image, and rotating world landmarks.

Mirrors mp:mediapipe/calculators/util/landmark_projection_calculator.cc and
world_landmark_projection_calculator.cc. Crop coordinates are normalized to the crop
(0..1 across it); the ROI is normalized to the image.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .types import Roi

__all__ = ["landmarks_to_pixels", "project_landmarks", "rotate_world_landmarks"]

FloatArray = npt.NDArray[np.float32]
_f = np.float32


def project_landmarks(crop_landmarks: npt.ArrayLike, roi: Roi) -> FloatArray:
    """``(N, 3)`` crop-normalized landmarks -> image-normalized, through ``roi``.

    ``x = xc + w (cos t dx - sin t dy)``, ``y = yc + h (sin t dx + cos t dy)`` with
    ``dx, dy`` the offsets from the crop centre; z is scaled by the ROI width like x.

    >>> project_landmarks([[0.5, 0.0, 0.1]], Roi(0.5, 0.5, 0.2, 0.4)).tolist()
    [[0.5, 0.30000001192092896, 0.020000001415610313]]
    """
    lm = np.asarray(crop_landmarks, dtype=np.float32)
    dx = lm[..., 0] - _f(0.5)
    dy = lm[..., 1] - _f(0.5)
    angle = _f(roi.rotation)
    cos, sin = np.cos(angle), np.sin(angle)
    out = np.empty_like(lm)
    out[..., 0] = (cos * dx - sin * dy) * _f(roi.width) + _f(roi.x_center)
    out[..., 1] = (sin * dx + cos * dy) * _f(roi.height) + _f(roi.y_center)
    out[..., 2] = lm[..., 2] * _f(roi.width)
    return out


def rotate_world_landmarks(world: npt.ArrayLike, rotation: float) -> FloatArray:
    """``(N, 3)`` world landmarks (metres) rotated by the ROI's ``rotation`` about z."""
    w = np.asarray(world, dtype=np.float32).reshape(-1, 3)
    angle = _f(rotation)
    cos, sin = np.cos(angle), np.sin(angle)
    out = np.empty_like(w)
    out[:, 0] = cos * w[:, 0] - sin * w[:, 1]
    out[:, 1] = sin * w[:, 0] + cos * w[:, 1]
    out[:, 2] = w[:, 2]
    return out


def landmarks_to_pixels(landmarks: npt.ArrayLike, image_size: tuple[int, int]) -> FloatArray:
    """Normalized ``(N, 3)`` landmarks -> pixels; z is scaled by the width like x."""
    lm = np.asarray(landmarks, dtype=np.float32)
    scale = np.array([image_size[0], image_size[1], image_size[0]], dtype=np.float32)
    return lm * scale
