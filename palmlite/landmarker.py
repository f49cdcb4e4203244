"""HandLandmarker: MediaPipe Hands' static-image graph as a stateless composition of stages.

Reads like mp:mediapipe/modules/hand_landmark/hand_landmark_tracking_cpu.pbtxt with an empty
tracking state:

    image -> palm detector (palm_detector.py: letterbox crop (192) -> palm model -> decode
          -> weighted NMS -> remove letterbox) -> first max_hands palms -> ROI per palm
          -> associate ROIs
          -> per ROI: rotated crop (224) -> landmark model -> presence gate -> decode -> project

With ``search="thorough"`` the palm detector also looks at the windows a
:mod:`palmlite.search` plan gives, and that module's judge picks the hands.
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
from .association import frame_candidates
from .crop import Border, crop_rect_tensor
from .landmark_decode import decode_landmarks, handedness_from_score
from .letterbox import (
    pad_to_aspect,
    remove_letterbox,
    roi_to_rect_px,
)
from .palm_detector import MAX_BATCH, PalmDetector
from .projection import landmarks_to_pixels, project_landmarks, rotate_world_landmarks
from .roi import roi_from_landmarks, roi_from_palm
from .search import (
    SearchName,
    SearchOptions,
    merge_candidates,
    plan_windows,
    search_options,
    select_hands,
)
from .specs import LANDMARK_INPUT_SIZE, PALM_DECODE, PALM_NMS
from .types import Hand, HandsResult, PalmDetection, Roi
from .weights import ModelVariant, find_weights

__all__ = ["HandLandmarker"]

#: A landmark model job: the image, the ROI to crop, the palm it came from (None: given).
_LandmarkJob = tuple[npt.NDArray[np.uint8], Roi, "PalmDetection | None"]
_Job = tuple[int, _LandmarkJob]

#: detect_batch takes the frames in groups of the palm model's batch, so the landmark model's
#: batch (all crops of a group) stays small too, however many images the caller passes.
_MAX_BATCH = MAX_BATCH


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
        search: ``"mediapipe"`` (default): the palm detector looks at the whole image once,
            exactly as MediaPipe does. ``"thorough"``: it also looks at overlapping tiles (and
            what :class:`~palmlite.SearchOptions` says), which finds small, far and border
            hands MediaPipe misses, at a few times the cost; every hand the default finds is
            still found. A :class:`~palmlite.SearchOptions` sets each knob.
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
        search: SearchName | SearchOptions = "mediapipe",
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
        self._palm_detector = PalmDetector(self._palm_model)
        self._decode_spec = dataclasses.replace(
            PALM_DECODE, min_score=self.min_detection_confidence
        )
        self.search = search_options(search)
        threshold = self.search.palm_threshold
        self._search_spec = dataclasses.replace(
            PALM_DECODE, min_score=self.min_detection_confidence if threshold is None
            else threshold
        )

    def __repr__(self) -> str:
        return (
            f"HandLandmarker(max_hands={self.max_hands}, model={self.model!r}, "
            f"min_detection_confidence={self.min_detection_confidence}, "
            f"min_presence_confidence={self.min_presence_confidence}, "
            f"mirrored={self.mirrored}, num_threads={self.num_threads}, search={self.search})"
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
        """The static graph on a batch of validated frames."""
        if not self.search.is_mediapipe:
            # DEVIATION: opt-in (search="thorough" or SearchOptions): more palm windows and a
            # landmark-model judge find hands MediaPipe's single look misses; MediaPipe's own
            # hands still come first, unchanged (tests/test_search.py).
            return [self._search_frame(pixels) for pixels in frames]
        all_palms = self._detect_palms(frames)
        jobs: list[_Job] = []
        for index, (pixels, palms) in enumerate(zip(frames, all_palms, strict=True)):
            jobs += [(index, job) for job in self._palm_jobs(pixels, palms)]
        hands = self._hands([job for _, job in jobs])
        kept: list[list[Hand]] = [[] for _ in frames]
        for (index, _), hand in zip(jobs, hands, strict=True):
            if hand.presence > self.min_presence_confidence:
                kept[index].append(hand)
        return [
            HandsResult(hands=tuple(found), image_size=_size(p), palms=palms[: self.max_hands])
            for p, palms, found in zip(frames, all_palms, kept, strict=True)
        ]

    def _palm_jobs(self, pixels: npt.NDArray[np.uint8],
                   palms: Sequence[PalmDetection]) -> list[_LandmarkJob]:
        """Landmark jobs for MediaPipe's palms: the first ``max_hands``, associated."""
        size = _size(pixels)
        jobs = []
        for candidate in frame_candidates(palms[: self.max_hands], (), size, self.max_hands):
            # RELIABILITY: a finite palm can still give a ROI too small to crop in float32
            # (a near-zero box far from the origin); it cannot hold a hand: skip it.
            if roi_crop_problem(candidate.roi, size) is None:
                jobs.append((pixels, candidate.roi, candidate.palm))
        return jobs

    def _search_frame(self, pixels: npt.NDArray[np.uint8]) -> HandsResult:
        """A search beyond MediaPipe's (see :mod:`palmlite.search`) on one frame."""
        palms, mediapipe_hands, extra_hands = self._search_candidates(pixels)
        hands = select_hands(mediapipe_hands, extra_hands, _size(pixels), self.max_hands,
                             self.search)
        if self.search.refine:
            hands[len(mediapipe_hands):] = self._refined(pixels, hands[len(mediapipe_hands):])
        extra = tuple(hand.palm for hand in hands[len(mediapipe_hands):] if hand.palm)
        return HandsResult(hands=tuple(hands), image_size=_size(pixels),
                           palms=palms[: self.max_hands] + extra)

    def _search_candidates(
        self, pixels: npt.NDArray[np.uint8]
    ) -> tuple[tuple[PalmDetection, ...], list[Hand], list[Hand]]:
        """MediaPipe's palms, the hands MediaPipe's rules accept, and the hands of the extra
        palm candidates the search's windows found (not yet judged)."""
        size = _size(pixels)
        windows = plan_windows(size, self.search)
        outputs = self._palm_detector.window_outputs(pixels, windows)
        # The whole image at MediaPipe's threshold: exactly MediaPipe's palms.
        palms = self._palm_detector.palms(outputs[0], self._decode_spec)
        found = self._palm_detector.window_palms(outputs, windows, size, self._search_spec)
        # MediaPipe's own palms always run; the extras fill the rest of the budget.
        taken = palms[: self.max_hands]
        extras = merge_candidates(found, taken, PALM_NMS.iou_threshold,
                                  max(0, self.search.max_candidates - len(taken)))
        mediapipe_jobs = self._palm_jobs(pixels, palms)
        extra_jobs: list[_LandmarkJob] = []
        for palm in extras:
            roi = roi_from_palm(palm.box_xywh, palm.keypoints_xy, size)
            if roi_crop_problem(roi, size) is None:
                extra_jobs.append((pixels, roi, palm))
        hands = self._hands(mediapipe_jobs + extra_jobs)
        accepted = [hand for hand in hands[: len(mediapipe_jobs)]
                    if hand.presence > self.min_presence_confidence]
        return palms, accepted, hands[len(mediapipe_jobs):]

    def _refined(self, pixels: npt.NDArray[np.uint8], hands: Sequence[Hand]) -> list[Hand]:
        """Each hand again, from the ROI of its own landmarks (the tracker's next-frame ROI),
        kept when the model still sees a hand there: a palm from a tile or with a low score
        gives a rough crop, and the second look lands closer."""
        size = _size(pixels)
        jobs: list[_LandmarkJob] = []
        for hand in hands:
            roi = roi_from_landmarks(hand.landmarks, size)
            jobs.append((pixels, roi if roi_crop_problem(roi, size) is None else hand.roi,
                         hand.palm))
        again = self._hands(jobs)
        return [new if new.presence > self.min_presence_confidence else old
                for old, new in zip(hands, again, strict=True)]

    def _palms_for_tracking(self, pixels: npt.NDArray[np.uint8]) -> tuple[PalmDetection, ...]:
        """The palms the tracker associates with its tracked hands when it runs the palm
        detector: MediaPipe's (``detect_palms``), or with a search beyond MediaPipe's, the palms
        of the hands that search reports (their landmarks run again in the tracker)."""
        if self.search.is_mediapipe:
            return self._detect_palms([pixels])[0]
        _, mediapipe_hands, extra_hands = self._search_candidates(pixels)
        hands = select_hands(mediapipe_hands, extra_hands, _size(pixels), self.max_hands,
                             self.search)
        return tuple(hand.palm for hand in hands if hand.palm is not None)

    def _detect_palms(
        self, frames: list[npt.NDArray[np.uint8]]
    ) -> list[tuple[PalmDetection, ...]]:
        """MediaPipe's palm detector on each whole frame (one model call per batch)."""
        return self._palm_detector.whole_images(frames, self._decode_spec)

    def _hands(self, jobs: Sequence[_LandmarkJob]) -> list[Hand]:
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
                source="roi" if palm is None else palm.source,
            ))
        return hands


def _size(pixels: npt.NDArray[np.uint8]) -> tuple[int, int]:
    return int(pixels.shape[1]), int(pixels.shape[0])
