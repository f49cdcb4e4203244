"""HandLandmarker: MediaPipe Hands' static-image graph as a stateless composition of stages.

Reads like mp:mediapipe/modules/hand_landmark/hand_landmark_tracking_cpu.pbtxt with an empty
tracking state:

    image -> letterbox crop (192) -> palm model -> decode -> weighted NMS -> remove letterbox
          -> first max_hands palms -> ROI per palm -> associate ROIs
          -> per ROI: rotated crop (224) -> landmark model -> presence gate -> decode -> project

Stateless apart from its two model sessions, so one instance can serve many threads.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import numpy.typing as npt

from . import models
from ._validate import ImageLike, check_positive_int, check_probability, load_image
from .anchors import ssd_anchors
from .association import frame_candidates
from .crop import Border, crop_rect, to_tensor
from .landmark_decode import decode_landmarks, handedness_from_score
from .letterbox import Padding, full_image_rect, pad_to_aspect, remove_letterbox, roi_to_rect_px
from .nms import weighted_nms
from .palm_decode import PalmCandidates, decode_palms
from .projection import landmarks_to_pixels, project_landmarks, rotate_world_landmarks
from .specs import LANDMARK_INPUT_SIZE, PALM_DECODE, PALM_INPUT_SIZE
from .types import Hand, HandsResult, PalmDetection, Roi
from .weights import ModelVariant, find_weights

__all__ = ["HandLandmarker"]


class HandLandmarker:
    """Find hands and their 21 landmarks in still images, like MediaPipe Hands in static mode.

    Args:
        max_hands: at most this many hands per image (MediaPipe's ``max_num_hands``).
        model: ``"full"`` or ``"lite"``; picks both the palm detector and the landmark model
            (MediaPipe's ``model_complexity`` 1 or 0).
        min_detection_confidence: palm detector score threshold (kept if ``>=``).
        min_presence_confidence: landmark model hand-presence threshold (kept if ``>``); the
            legacy solution calls it ``min_tracking_confidence``.
        mirrored: ``False`` (default): the image is a normal photo and ``handedness`` is the
            person's own hand. ``True``: the image is a mirrored selfie view, which gives the
            labels of MediaPipe's legacy solution on unflipped camera images.
        num_threads: ONNX Runtime intra-op threads per model; ``None`` lets ONNX Runtime pick.
        weights_dir: a directory holding the ONNX files and ``MANIFEST.json`` to use instead of
            the bundled ones.
    """

    def __init__(
        self,
        max_hands: int = 2,
        model: ModelVariant = "full",
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        mirrored: bool = False,
        num_threads: int | None = None,
        weights_dir: str | Path | None = None,
    ) -> None:
        self.max_hands = check_positive_int("max_hands", max_hands)
        if model not in ("lite", "full"):
            raise ValueError(f"model must be 'lite' or 'full', got {model!r}")
        self.model: ModelVariant = model
        self.min_detection_confidence = check_probability(
            "min_detection_confidence", min_detection_confidence
        )
        self.min_presence_confidence = check_probability(
            "min_presence_confidence", min_presence_confidence
        )
        self.mirrored = bool(mirrored)
        if num_threads is not None:
            check_positive_int("num_threads", num_threads)
        self.num_threads = num_threads
        files = find_weights(model, weights_dir)
        self._palm_model = models.OnnxModel(files.palm, models.PALM_SIGNATURE, num_threads)
        self._landmark_model = models.OnnxModel(
            files.landmark, models.LANDMARK_SIGNATURE, num_threads
        )
        self._anchors = ssd_anchors()
        self._decode_spec = dataclasses.replace(
            PALM_DECODE, min_score=self.min_detection_confidence
        )

    def __repr__(self) -> str:
        return (
            f"HandLandmarker(max_hands={self.max_hands}, model={self.model!r}, "
            f"min_detection_confidence={self.min_detection_confidence}, "
            f"min_presence_confidence={self.min_presence_confidence}, "
            f"mirrored={self.mirrored}, num_threads={self.num_threads})"
        )

    # -- public API ---------------------------------------------------------------------------

    def detect(self, image: ImageLike) -> HandsResult:
        """Find up to ``max_hands`` hands in ``image``.

        ``image`` is an ``(H, W, 3)`` uint8 RGB array, a ``PIL.Image`` (any mode; converted to
        RGB) or a path. Hands come in MediaPipe's order. No hand gives an empty result.
        """
        pixels = load_image(image)
        image_size = (int(pixels.shape[1]), int(pixels.shape[0]))
        palms = self._detect_palms(pixels)[: self.max_hands]
        hands = []
        for candidate in frame_candidates(palms, (), image_size, self.max_hands):
            hand = self._landmarks(pixels, candidate.roi, candidate.palm)
            if hand.presence > self.min_presence_confidence:
                hands.append(hand)
        return HandsResult(hands=tuple(hands), image_size=image_size, palms=palms)

    def detect_palms(self, image: ImageLike) -> tuple[PalmDetection, ...]:
        """Run the palm detector only: every palm scoring at least ``min_detection_confidence``
        after weighted NMS, best first, in normalized image coordinates (not clipped to
        ``max_hands``)."""
        return self._detect_palms(load_image(image))

    def landmarks_in_roi(self, image: ImageLike, roi: Roi) -> Hand:
        """Run the landmark model on a caller-given region of ``image``.

        The returned hand is not filtered: compare ``hand.presence`` with your own threshold.
        A ROI that is not square in pixels is padded to a square, like MediaPipe does.
        """
        if not isinstance(roi, Roi):
            raise TypeError(f"roi must be a palmlite.Roi, got {type(roi).__name__}")
        return self._landmarks(load_image(image), roi, None)

    # -- stages -------------------------------------------------------------------------------

    def _detect_palms(self, pixels: npt.NDArray[np.uint8]) -> tuple[PalmDetection, ...]:
        height, width = pixels.shape[:2]
        rect, padding = pad_to_aspect(full_image_rect(width, height), PALM_INPUT_SIZE,
                                      PALM_INPUT_SIZE)
        crop = crop_rect(pixels, rect, PALM_INPUT_SIZE, Border.ZERO)
        regressors, logits = self._palm_model.run(to_tensor(crop))
        candidates = decode_palms(regressors[0], logits[0], self._anchors, self._decode_spec)
        merged = weighted_nms(candidates)
        return _palms_from_candidates(merged, padding)

    def _landmarks(self, pixels: npt.NDArray[np.uint8], roi: Roi,
                   palm: PalmDetection | None) -> Hand:
        height, width = pixels.shape[:2]
        image_size = (int(width), int(height))
        rect = roi_to_rect_px(
            (roi.x_center, roi.y_center, roi.width, roi.height, roi.rotation), image_size
        )
        padded, padding = pad_to_aspect(rect, LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE)
        crop = crop_rect(pixels, padded, LANDMARK_INPUT_SIZE, Border.REPLICATE)
        raw_landmarks, presence, handedness, world = self._landmark_model.run(to_tensor(crop))
        crop_landmarks = remove_letterbox(decode_landmarks(raw_landmarks[0]), padding)
        landmarks = project_landmarks(crop_landmarks, roi)
        label, score = handedness_from_score(float(handedness.reshape(-1)[0]), self.mirrored)
        return Hand(
            landmarks=landmarks,
            landmarks_px=landmarks_to_pixels(landmarks, image_size),
            world_landmarks=rotate_world_landmarks(world[0], roi.rotation),
            handedness=label,
            handedness_score=score,
            presence=float(presence.reshape(-1)[0]),
            roi=roi,
            palm=palm,
        )


def _palms_from_candidates(
    candidates: PalmCandidates, padding: Padding
) -> tuple[PalmDetection, ...]:
    """Remove the letterbox from NMS output and wrap it as PalmDetection values."""
    corners = remove_letterbox(candidates.boxes_xyxy.reshape(-1, 2, 2), padding).reshape(-1, 4)
    keypoints = remove_letterbox(candidates.keypoints, padding)
    palms = []
    for score, box, kps in zip(candidates.scores, corners, keypoints, strict=False):
        xywh = np.array([box[0], box[1], box[2] - box[0], box[3] - box[1]], dtype=np.float32)
        palms.append(PalmDetection(score=float(score), box_xywh=xywh, keypoints_xy=kps))
    return tuple(palms)
