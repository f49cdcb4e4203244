"""Decoding the landmark model's raw outputs: landmarks in crop units, and handedness.

Mirrors mp:mediapipe/calculators/tensor/tensors_to_landmarks_calculator.cc and the
handedness classification of mp:mediapipe/modules/hand_landmark/hand_landmark_cpu.pbtxt.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .specs import LANDMARK_DECODE, LandmarkDecodeSpec

__all__ = ["decode_landmarks", "handedness_from_score"]


def decode_landmarks(
    raw: npt.ArrayLike, spec: LandmarkDecodeSpec = LANDMARK_DECODE
) -> npt.NDArray[np.float32]:
    """``(63,)`` model output in crop pixels -> ``(21, 3)`` float32 normalized to the crop.

    x and y are divided by the input size (224); z by the input size and by
    ``normalize_z`` (0.4), MediaPipe's depth scale.

    >>> decode_landmarks(np.full(63, 112.0))[0].tolist()
    [0.5, 0.5, 1.25]
    """
    lm = np.asarray(raw, dtype=np.float32).reshape(-1)
    expected = spec.num_landmarks * 3
    if lm.shape[0] != expected:
        raise ValueError(f"expected {expected} landmark values, got {lm.shape[0]}")
    out: npt.NDArray[np.float32] = lm.reshape(spec.num_landmarks, 3) / np.float32(spec.input_size)
    out[:, 2] = out[:, 2] / np.float32(spec.normalize_z)
    return out


def handedness_from_score(right_probability: float, mirrored: bool = False) -> tuple[str, float]:
    """Label and score from the model's handedness output.

    The model outputs the probability that the hand, as it appears in the pixels, is a right
    hand. For a photo taken normally that is the person's right hand, so with
    ``mirrored=False`` the label is ``"Right"`` above 0.5. MediaPipe's legacy solution assumes a
    mirrored selfie image and says ``"Left"`` above 0.5: that is ``mirrored=True``. The score is
    the probability of the chosen label, ``max(p, 1 - p)``.

    >>> handedness_from_score(0.9)
    ('Right', 0.9)
    >>> handedness_from_score(0.9, mirrored=True)
    ('Left', 0.9)
    """
    p = float(right_probability)
    is_right_in_pixels = p > 0.5
    score = p if is_right_in_pixels else float(np.float32(1.0) - np.float32(p))
    if mirrored:
        return ("Left" if is_right_in_pixels else "Right"), score
    return ("Right" if is_right_in_pixels else "Left"), score
