"""Weighted non-maximum suppression of palm candidates.

Mirrors ``WeightedNonMaxSuppression`` in mp:mediapipe/calculators/util/
non_max_suppression_calculator.cc (overlap type IoU, threshold 0.3 for palms). Unlike hard NMS,
which every third-party port uses, each output is the score-weighted mean of its cluster, but
keeps the score of the cluster's best member.
"""

from __future__ import annotations

import numpy as np

from .boxes import iou_matrix
from .palm_decode import PalmCandidates
from .specs import PALM_NMS, NmsSpec

__all__ = ["weighted_nms"]


def weighted_nms(candidates: PalmCandidates, spec: NmsSpec = PALM_NMS) -> PalmCandidates:
    """Merge overlapping candidates; return the merged detections in descending score order.

    Loop: take the best remaining candidate ("top"); every remaining candidate whose IoU with
    top is strictly greater than ``spec.iou_threshold`` (top included) forms its cluster; emit
    the cluster's score-weighted mean box corners and keypoints with top's score; continue with
    the rest. A top with zero area overlaps nothing, not even itself: MediaPipe then stops.
    Ties in score keep their input order.

    The pairwise IoUs are computed once; the loop runs once per emitted detection.
    """
    n = candidates.scores.shape[0]
    if n == 0:
        return candidates
    order = np.argsort(-candidates.scores, kind="stable")
    scores = candidates.scores[order]
    boxes = candidates.boxes_xyxy[order]
    keypoints = candidates.keypoints[order]
    overlapping = iou_matrix(boxes, boxes) > np.float32(spec.iou_threshold)
    remaining = np.ones(n, dtype=bool)
    scores_out: list[np.float32] = []
    boxes_out: list[np.ndarray] = []
    keypoints_out: list[np.ndarray] = []
    while True:
        top = int(remaining.argmax())  # the best remaining: candidates stay in score order
        in_cluster = overlapping[top] & remaining
        if not in_cluster.any():
            # PARITY: MediaPipe emits the unmerged top and stops when nothing was removed.
            scores_out.append(scores[top])
            boxes_out.append(boxes[top])
            keypoints_out.append(keypoints[top])
            break
        # Same arrays, order and reductions as summing the remaining candidates' subset, so the
        # float32 results are the same bits.
        weights = scores[in_cluster]
        total = weights.sum(dtype=np.float32)
        box = (boxes[in_cluster] * weights[:, None]).sum(0, dtype=np.float32)
        kps = (keypoints[in_cluster] * weights[:, None, None]).sum(0, dtype=np.float32)
        scores_out.append(scores[top])
        boxes_out.append(box / total)
        keypoints_out.append(kps / total)
        remaining &= ~in_cluster
        if not remaining.any():
            break
    return PalmCandidates(
        np.array(scores_out, dtype=np.float32),
        np.stack(boxes_out),
        np.stack(keypoints_out),
    )
