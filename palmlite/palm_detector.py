"""The palm detector as MediaPipe runs it on the whole image, and on the windows of a thorough
search: letterbox crop (192) -> palm model -> decode -> weighted NMS -> remove letterbox.

Mirrors mp:mediapipe/modules/palm_detection/palm_detection_cpu.pbtxt. Holds only its model
session and the SSD anchors, so one instance serves many threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from .anchors import ssd_anchors
from .crop import Border, crop_rect_tensor
from .letterbox import Padding, RectPx, full_image_rect, pad_to_aspect, remove_letterbox
from .models import OnnxModel
from .nms import weighted_nms
from .palm_decode import PalmCandidates, decode_palms
from .search import Window, window_to_image
from .specs import PALM_INPUT_SIZE, PalmDecodeSpec
from .types import PalmDetection

__all__ = ["PalmDetector", "PalmOutput", "View", "palms_from_candidates"]

#: The palm model sees at most this many crops per call, so the input tensor stays small
#: (16 inputs are 7 MB) however many images or windows come.
MAX_BATCH = 16

#: A crop for the palm model: the image, the rect to letterbox, and whether to mirror it.
View = tuple[npt.NDArray[np.uint8], RectPx, bool]


class PalmOutput(NamedTuple):
    """The palm model's raw output for one crop, and the crop's letterbox padding."""

    regressors: npt.NDArray[np.float32]
    logits: npt.NDArray[np.float32]
    padding: Padding


class PalmDetector:
    """Runs the palm model on crops and turns its outputs into :class:`PalmDetection` s."""

    def __init__(self, model: OnnxModel) -> None:
        self.model = model
        self._anchors = ssd_anchors()

    def run(self, views: Sequence[View]) -> list[PalmOutput]:
        """The palm model on each view, in batches of at most :data:`MAX_BATCH`."""
        out: list[PalmOutput] = []
        for start in range(0, len(views), MAX_BATCH):
            chunk = views[start : start + MAX_BATCH]
            # Each crop is written straight into its row of the model input (no uint8 crops
            # to stack and convert). A fresh batch per call keeps a detector shareable.
            batch = np.empty((len(chunk), PALM_INPUT_SIZE, PALM_INPUT_SIZE, 3), np.float32)
            paddings = []
            for row, (pixels, rect, mirrored) in enumerate(chunk):
                padded, padding = pad_to_aspect(rect, PALM_INPUT_SIZE, PALM_INPUT_SIZE)
                crop_rect_tensor(pixels, padded, PALM_INPUT_SIZE, Border.ZERO, out=batch[row])
                if mirrored:
                    batch[row] = batch[row, :, ::-1].copy()
                paddings.append(padding)
            regressors, logits = self.model.run(batch)
            out += [PalmOutput(regressors[row], logits[row], paddings[row])
                    for row in range(len(chunk))]
        return out

    def whole_images(self, frames: Sequence[npt.NDArray[np.uint8]],
                     spec: PalmDecodeSpec) -> list[tuple[PalmDetection, ...]]:
        """MediaPipe's palm detection on each whole frame."""
        outputs = self.run([(pixels, _whole(pixels), False) for pixels in frames])
        return [self.palms(output, spec) for output in outputs]

    def palms(self, output: PalmOutput, spec: PalmDecodeSpec) -> tuple[PalmDetection, ...]:
        """The palms of one output scoring at least ``spec.min_score``, in normalized
        coordinates of the crop's rect, best first (MediaPipe's steps exactly)."""
        return palms_from_candidates(self._candidates(output, spec), output.padding)

    def window_outputs(self, pixels: npt.NDArray[np.uint8],
                       windows: Sequence[Window]) -> list[PalmOutput]:
        """The palm model on each window of a search; the whole image is framed exactly as
        MediaPipe frames it (so :meth:`palms` of its output are MediaPipe's palms)."""
        return self.run([(pixels, _whole(pixels) if w.is_whole_image else w.rect, w.flipped)
                         for w in windows])

    def window_palms(self, outputs: Sequence[PalmOutput], windows: Sequence[Window],
                     image_size: tuple[int, int], spec: PalmDecodeSpec) -> list[PalmDetection]:
        """The palms of every window's output, in normalized image coordinates, each with its
        window's source."""
        found: list[PalmDetection] = []
        for window, output in zip(windows, outputs, strict=True):
            in_window = _without_letterbox(self._candidates(output, spec), output.padding)
            found += _palm_detections(window_to_image(in_window, window, image_size),
                                      window.source)
        return found

    def _candidates(self, output: PalmOutput, spec: PalmDecodeSpec) -> PalmCandidates:
        decoded = decode_palms(output.regressors, output.logits, self._anchors, spec)
        return weighted_nms(_usable_palms(decoded))


def _whole(pixels: npt.NDArray[np.uint8]) -> RectPx:
    return full_image_rect(int(pixels.shape[1]), int(pixels.shape[0]))


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


def _without_letterbox(candidates: PalmCandidates, padding: Padding) -> PalmCandidates:
    corners = remove_letterbox(candidates.boxes_xyxy.reshape(-1, 2, 2), padding).reshape(-1, 4)
    return PalmCandidates(candidates.scores, corners,
                          remove_letterbox(candidates.keypoints, padding))


def palms_from_candidates(
    candidates: PalmCandidates, padding: Padding
) -> tuple[PalmDetection, ...]:
    """Remove the letterbox from NMS output and wrap it as PalmDetection values."""
    return _palm_detections(_without_letterbox(candidates, padding), "image")


def _palm_detections(candidates: PalmCandidates, source: str) -> tuple[PalmDetection, ...]:
    palms = []
    for score, box, kps in zip(candidates.scores, candidates.boxes_xyxy, candidates.keypoints,
                               strict=True):
        xywh = np.array([box[0], box[1], box[2] - box[0], box[3] - box[1]], dtype=np.float32)
        palms.append(PalmDetection(score=float(score), box_xywh=xywh, keypoints_xy=kps,
                                   source=source))
    return tuple(palms)
