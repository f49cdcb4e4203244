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
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

from . import models
from ._validate import (
    ImageLike,
    check_bool,
    check_positive_int,
    check_probability,
    load_image,
    roi_crop_problem,
)
from .anchors import ssd_anchors
from .association import frame_candidates
from .crop import Border, crop_rect_tensor
from .landmark_decode import decode_landmarks, handedness_from_score
from .letterbox import Padding, full_image_rect, pad_to_aspect, remove_letterbox, roi_to_rect_px
from .nms import weighted_nms
from .palm_decode import PalmCandidates, decode_palms
from .projection import landmarks_to_pixels, project_landmarks, rotate_world_landmarks
from .specs import LANDMARK_INPUT_SIZE, PALM_DECODE, PALM_INPUT_SIZE
from .types import Hand, HandsResult, PalmDetection, Roi
from .weights import ModelVariant, find_weights

__all__ = ["HandLandmarker"]

#: detect_batch feeds the models at most this many frames per call, so the input tensors stay
#: small (16 palm inputs are 7 MB) however many images the caller passes.
_MAX_BATCH = 16


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
        self.mirrored = check_bool("mirrored", mirrored)
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
        return self._detect_frames([load_image(image)])[0]

    def detect_batch(self, images: Iterable[ImageLike]) -> list[HandsResult]:
        """:meth:`detect` on many images at once, for throughput: the palm model runs on
        batches of frames and the landmark model on all hand crops of a batch in one call.

        ``images`` is a sequence of anything :meth:`detect` takes (sizes may differ) or an
        ``(N, H, W, 3)`` uint8 array. Returns one result per image, in order, equal to
        calling :meth:`detect` on each. An invalid image raises before any model runs, naming
        its index.
        """
        if isinstance(images, (str, os.PathLike, Image.Image, bytes, bytearray, memoryview)) or (
            isinstance(images, np.ndarray) and images.ndim != 4
        ) or not isinstance(images, Iterable):
            raise TypeError(
                "detect_batch takes a sequence of images or an (N, H, W, 3) array; "
                f"for a single image use detect(); got {type(images).__name__}"
            )
        frames = []
        for index, image in enumerate(images):
            try:
                frames.append(load_image(image))
            except (TypeError, ValueError, FileNotFoundError) as exc:
                raise type(exc)(f"images[{index}]: {exc}") from exc
        results: list[HandsResult] = []
        for start in range(0, len(frames), _MAX_BATCH):
            results += self._detect_frames(frames[start : start + _MAX_BATCH])
        return results

    def detect_palms(self, image: ImageLike) -> tuple[PalmDetection, ...]:
        """Run the palm detector only: every palm scoring at least ``min_detection_confidence``
        after weighted NMS, best first, in normalized image coordinates (not clipped to
        ``max_hands``)."""
        return self._detect_palms([load_image(image)])[0]

    def landmarks_in_roi(self, image: ImageLike, roi: Roi) -> Hand:
        """Run the landmark model on a caller-given region of ``image``.

        The returned hand is not filtered: compare ``hand.presence`` with your own threshold.
        A ROI that is not square in pixels is padded to a square, like MediaPipe does.
        """
        return self.landmarks_in_rois(image, [roi])[0]

    def landmarks_in_rois(self, image: ImageLike, rois: Sequence[Roi]) -> list[Hand]:
        """:meth:`landmarks_in_roi` for several regions of one image, in one model call.

        Raises ``ValueError`` for a ROI whose crop cannot be computed in float32 pixels of
        this image (see :func:`palmlite._validate.roi_crop_problem`).
        """
        if isinstance(rois, Roi) or not isinstance(rois, Iterable):
            raise TypeError(
                "rois must be a sequence of palmlite.Roi (for one ROI use landmarks_in_roi), "
                f"got {type(rois).__name__}"
            )
        rois = list(rois)
        for roi in rois:
            if not isinstance(roi, Roi):
                raise TypeError(f"roi must be a palmlite.Roi, got {type(roi).__name__}")
        pixels = load_image(image)
        for index, roi in enumerate(rois):
            problem = roi_crop_problem(roi, _size(pixels))
            if problem is not None:
                raise ValueError(
                    f"rois[{index}] = {roi} cannot be cropped from a "
                    f"{pixels.shape[1]}x{pixels.shape[0]} image: {problem}"
                )
        return self._hands([(pixels, roi, None) for roi in rois])

    # -- stages -------------------------------------------------------------------------------

    def _detect_frames(self, frames: list[npt.NDArray[np.uint8]]) -> list[HandsResult]:
        """The static graph on a batch of validated frames: palms, then every frame's ROIs."""
        all_palms = self._detect_palms(frames)
        jobs: list[tuple[int, Roi, PalmDetection | None]] = []
        for index, (pixels, palms) in enumerate(zip(frames, all_palms, strict=True)):
            size = (int(pixels.shape[1]), int(pixels.shape[0]))
            for candidate in frame_candidates(palms[: self.max_hands], (), size, self.max_hands):
                # RELIABILITY: a finite palm can still give a ROI too small to crop in float32
                # (a near-zero box far from the origin); it cannot hold a hand: skip it.
                if roi_crop_problem(candidate.roi, size) is None:
                    jobs.append((index, candidate.roi, candidate.palm))
        hands = self._hands([(frames[i], roi, palm) for i, roi, palm in jobs])
        kept: list[list[Hand]] = [[] for _ in frames]
        for (index, _, _), hand in zip(jobs, hands, strict=True):
            if hand.presence > self.min_presence_confidence:
                kept[index].append(hand)
        return [
            HandsResult(hands=tuple(found), image_size=(int(p.shape[1]), int(p.shape[0])),
                        palms=palms[: self.max_hands])
            for p, palms, found in zip(frames, all_palms, kept, strict=True)
        ]

    def _detect_palms(
        self, frames: list[npt.NDArray[np.uint8]]
    ) -> list[tuple[PalmDetection, ...]]:
        """Palm detector on each frame (one model call for the batch)."""
        if not frames:
            return []
        # Each crop is written straight into its row of the model input (no uint8 crops to
        # stack and convert). A fresh batch per call keeps one landmarker shareable by threads.
        batch = np.empty((len(frames), PALM_INPUT_SIZE, PALM_INPUT_SIZE, 3), np.float32)
        paddings = []
        for row, pixels in enumerate(frames):
            height, width = pixels.shape[:2]
            rect, padding = pad_to_aspect(full_image_rect(width, height), PALM_INPUT_SIZE,
                                          PALM_INPUT_SIZE)
            crop_rect_tensor(pixels, rect, PALM_INPUT_SIZE, Border.ZERO, out=batch[row])
            paddings.append(padding)
        regressors, logits = self._palm_model.run(batch)
        out = []
        for row, padding in enumerate(paddings):
            candidates = _usable_palms(decode_palms(regressors[row], logits[row],
                                                    self._anchors, self._decode_spec))
            out.append(_palms_from_candidates(weighted_nms(candidates), padding))
        return out

    def _hands(
        self, jobs: Sequence[tuple[npt.NDArray[np.uint8], Roi, PalmDetection | None]]
    ) -> list[Hand]:
        """Landmark model on each (image, roi) job, all crops in one model call."""
        if not jobs:
            return []
        batch = np.empty((len(jobs), LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE, 3), np.float32)
        paddings = []
        for row, (pixels, roi, _) in enumerate(jobs):
            rect = roi_to_rect_px(
                (roi.x_center, roi.y_center, roi.width, roi.height, roi.rotation), _size(pixels)
            )
            padded, padding = pad_to_aspect(rect, LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE)
            crop_rect_tensor(pixels, padded, LANDMARK_INPUT_SIZE, Border.REPLICATE,
                             out=batch[row])
            paddings.append(padding)
        raw, presence, handedness, world = self._landmark_model.run(batch)
        hands = []
        for row, ((pixels, roi, palm), padding) in enumerate(zip(jobs, paddings, strict=True)):
            image_size = _size(pixels)
            # Non-finite values are caught below instead of warned about on the way.
            with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
                landmarks = project_landmarks(
                    remove_letterbox(decode_landmarks(raw[row]), padding), roi
                )
                landmarks_px = landmarks_to_pixels(landmarks, image_size)
                world_landmarks = rotate_world_landmarks(world[row], roi.rotation)
            right = float(handedness[row].reshape(-1)[0])
            hand_presence = float(presence[row].reshape(-1)[0])
            # RELIABILITY: a NaN or inf anywhere in the model's output for a crop (or from
            # projecting it) means the row is unusable: report it as "no hand here" (presence
            # 0, which every presence gate drops) with finite placeholder values, so NaN never
            # reaches a caller, the tracker's next ROI or the JSON output.
            if not (np.isfinite(landmarks_px).all() and np.isfinite(world_landmarks).all()
                    and np.isfinite(landmarks).all() and np.isfinite([right, hand_presence]).all()):
                landmarks = np.zeros((21, 3), np.float32)
                landmarks[:, :2] = (roi.x_center, roi.y_center)
                landmarks_px = landmarks_to_pixels(landmarks, image_size)
                world_landmarks = np.zeros((21, 3), np.float32)
                right, hand_presence = 0.5, 0.0
            label, score = handedness_from_score(right, self.mirrored)
            hands.append(Hand(
                landmarks=landmarks,
                landmarks_px=landmarks_px,
                world_landmarks=world_landmarks,
                handedness=label,
                handedness_score=score,
                presence=hand_presence,
                roi=roi,
                palm=palm,
            ))
        return hands


def _size(pixels: npt.NDArray[np.uint8]) -> tuple[int, int]:
    return int(pixels.shape[1]), int(pixels.shape[0])


def _usable_palms(candidates: PalmCandidates) -> PalmCandidates:
    """RELIABILITY: the decoded palms with finite scores, boxes and keypoints and a box of
    positive size. A NaN or inf regressor would otherwise reach weighted NMS and the ROI, and a
    zero-size box gives a zero-size ROI; such a palm is dropped like one below threshold."""
    boxes = candidates.boxes_xyxy
    ok = (
        np.isfinite(candidates.scores)
        & np.isfinite(boxes).all(axis=1)
        & np.isfinite(candidates.keypoints).all(axis=(1, 2))
        & (boxes[:, 2] > boxes[:, 0])
        & (boxes[:, 3] > boxes[:, 1])
    )
    return candidates if ok.all() else candidates.take(ok)


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
