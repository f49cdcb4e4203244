"""Merging palm-derived ROIs with tracked ROIs so no two overlap.

Mirrors mp:mediapipe/calculators/util/association_norm_rect_calculator.cc (with
min_similarity_threshold 0.5 from hand_landmark_tracking_cpu.pbtxt). Elements are added in
order, palm ROIs first, then tracked ROIs; adding one removes every element already kept whose
axis-aligned IoU with it exceeds the threshold. So a later element wins an overlap: a tracked ROI
replaces the palm ROI of the same hand. This also runs in static-image mode, where it removes
the earlier of two palm ROIs that overlap too much.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .boxes import iou_one_to_many
from .roi import roi_from_palm
from .specs import ASSOCIATION_IOU
from .types import PalmDetection, Roi

__all__ = ["RoiCandidate", "associate_rois", "frame_candidates", "roi_box_xyxy"]


@dataclass(frozen=True)
class RoiCandidate:
    """A ROI to run the landmark model on: from a tracked hand or from a new palm."""

    roi: Roi
    track_index: int | None = None
    palm: PalmDetection | None = None


def roi_box_xyxy(roi: Roi) -> np.ndarray:
    """The axis-aligned ``(xmin, ymin, xmax, ymax)`` of a ROI, ignoring its rotation."""
    f = np.float32
    xmin = f(roi.x_center) - f(roi.width) / f(2)
    ymin = f(roi.y_center) - f(roi.height) / f(2)
    return np.array([xmin, ymin, xmin + f(roi.width), ymin + f(roi.height)], dtype=np.float32)


def associate_rois(
    palm_rois: Sequence[Roi],
    tracked_rois: Sequence[Roi] = (),
    iou_threshold: float = ASSOCIATION_IOU,
) -> list[tuple[str, int]]:
    """Return the surviving ROIs as ``(source, index)`` pairs in output order.

    ``source`` is ``"palm"`` or ``"tracked"``; ``index`` points into that input sequence.
    """
    kept: list[tuple[str, int]] = []
    boxes: list[np.ndarray] = []
    for source, rois in (("palm", palm_rois), ("tracked", tracked_rois)):
        for index, roi in enumerate(rois):
            box = roi_box_xyxy(roi)
            if boxes:
                overlap = iou_one_to_many(box, np.stack(boxes)) > np.float32(iou_threshold)
                kept = [k for k, drop in zip(kept, overlap, strict=False) if not drop]
                boxes = [b for b, drop in zip(boxes, overlap, strict=False) if not drop]
            kept.append((source, index))
            boxes.append(box)
    return kept


def frame_candidates(
    palms: Sequence[PalmDetection],
    tracked_rois: Sequence[Roi],
    image_size: tuple[int, int],
    max_hands: int,
) -> list[RoiCandidate]:
    """The ROIs of one frame, in MediaPipe's order: ROIs of the first ``max_hands`` palms
    associated with the tracked ROIs (none for still images)."""
    kept = list(palms[:max_hands])
    palm_rois = [roi_from_palm(p.box_xywh, p.keypoints_xy, image_size) for p in kept]
    out = []
    for source, index in associate_rois(palm_rois, tracked_rois):
        if source == "palm":
            out.append(RoiCandidate(palm_rois[index], palm=kept[index]))
        else:
            out.append(RoiCandidate(tracked_rois[index], track_index=index))
    return out
