"""MediaPipe Hands' constants, one frozen dataclass per stage.

Every number here is copied from the MediaPipe graph or calculator named in each docstring
(repository google-ai-edge/mediapipe, legacy ``HandLandmarkTrackingCpu`` graph); SPEC.md in the
project's shared notes lists them all. Stages take these as arguments so tests can vary them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "ANCHORS",
    "ASSOCIATION_IOU",
    "LANDMARK_DECODE",
    "LANDMARK_INPUT_SIZE",
    "PALM_DECODE",
    "PALM_INPUT_SIZE",
    "PALM_NMS",
    "ROI_FROM_LANDMARKS",
    "ROI_FROM_PALM",
    "TARGET_ANGLE",
    "AnchorSpec",
    "LandmarkDecodeSpec",
    "NmsSpec",
    "PalmDecodeSpec",
    "RectTransformSpec",
]

#: Side of the palm detector's square input tensor, in pixels.
PALM_INPUT_SIZE = 192
#: Side of the landmark model's square input tensor, in pixels.
LANDMARK_INPUT_SIZE = 224
#: Both ROI rotations aim the wrist -> middle-finger vector straight up (90 degrees).
TARGET_ANGLE = math.pi / 2
#: Association of palm ROIs with tracked ROIs drops overlaps with IoU strictly above this
#: (mp:mediapipe/modules/hand_landmark/hand_landmark_tracking_cpu.pbtxt).
ASSOCIATION_IOU = 0.5


@dataclass(frozen=True)
class AnchorSpec:
    """SSD anchor layout (mp:mediapipe/modules/palm_detection/palm_detection_cpu.pbtxt,
    mp:mediapipe/calculators/tflite/ssd_anchors_calculator.cc)."""

    input_size: int = PALM_INPUT_SIZE
    strides: tuple[int, ...] = (8, 16, 16, 16)
    anchor_offset: float = 0.5
    #: Anchors emitted per layer and grid cell: aspect ratio 1.0 plus the interpolated scale.
    anchors_per_layer: int = 2


@dataclass(frozen=True)
class PalmDecodeSpec:
    """TensorsToDetectionsCalculator options of the palm detector."""

    num_keypoints: int = 7
    box_scale: float = float(PALM_INPUT_SIZE)
    score_clip: float = 100.0
    min_score: float = 0.5


@dataclass(frozen=True)
class NmsSpec:
    """Weighted non-maximum suppression (mp:mediapipe/calculators/util/
    non_max_suppression_calculator.cc, options from palm_detection_cpu.pbtxt)."""

    iou_threshold: float = 0.3


@dataclass(frozen=True)
class RectTransformSpec:
    """RectTransformationCalculator options plus the rotation keypoints of the stage.

    ``shift_x``/``shift_y`` are fractions of the rect's own width/height, applied in the rect's
    rotated frame; ``square_long`` makes the rect square in pixels on its longer side before
    scaling.
    """

    scale: float
    shift_x: float
    shift_y: float
    square_long: bool = True


@dataclass(frozen=True)
class LandmarkDecodeSpec:
    """TensorsToLandmarksCalculator options of the landmark model."""

    input_size: int = LANDMARK_INPUT_SIZE
    num_landmarks: int = 21
    normalize_z: float = 0.4


ANCHORS = AnchorSpec()
PALM_DECODE = PalmDecodeSpec()
PALM_NMS = NmsSpec()
#: mp:mediapipe/modules/hand_landmark/palm_detection_detection_to_roi.pbtxt
ROI_FROM_PALM = RectTransformSpec(scale=2.6, shift_x=0.0, shift_y=-0.5)
#: mp:mediapipe/modules/hand_landmark/hand_landmark_landmarks_to_roi.pbtxt
ROI_FROM_LANDMARKS = RectTransformSpec(scale=2.0, shift_x=0.0, shift_y=-0.1)
LANDMARK_DECODE = LandmarkDecodeSpec()
