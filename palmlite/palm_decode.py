"""Decoding the palm detector's raw tensors into scored boxes and keypoints.

Mirrors mp:mediapipe/calculators/tensor/tensors_to_detections_calculator.cc with the options of
mp:mediapipe/modules/palm_detection/palm_detection_cpu.pbtxt (x before y, scale 192, sigmoid
scores clipped to +-100, fixed-size anchors).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from .specs import PALM_DECODE, PalmDecodeSpec

__all__ = ["PalmCandidates", "decode_palms"]

FloatArray = npt.NDArray[np.float32]


class PalmCandidates(NamedTuple):
    """Palm detections as parallel arrays, in letterboxed-normalized or image-normalized units.

    ``scores`` ``(N,)``, ``boxes_xyxy`` ``(N, 4)`` as ``(xmin, ymin, xmax, ymax)``,
    ``keypoints`` ``(N, 7, 2)``; all float32.
    """

    scores: FloatArray
    boxes_xyxy: FloatArray
    keypoints: FloatArray

    @classmethod
    def empty(cls, num_keypoints: int = 7) -> PalmCandidates:
        return cls(
            np.zeros((0,), np.float32),
            np.zeros((0, 4), np.float32),
            np.zeros((0, num_keypoints, 2), np.float32),
        )

    def take(self, index: npt.NDArray[np.bool_] | npt.NDArray[np.intp]) -> PalmCandidates:
        """The candidates at ``index`` (an integer array or a boolean mask), in that order."""
        return PalmCandidates(self.scores[index], self.boxes_xyxy[index], self.keypoints[index])


def decode_palms(
    regressors: npt.ArrayLike,
    logits: npt.ArrayLike,
    anchors: npt.ArrayLike,
    spec: PalmDecodeSpec = PALM_DECODE,
) -> PalmCandidates:
    """Decode the anchors whose score reaches ``spec.min_score``.

    ``regressors`` is ``(N, 18)`` (box centre offset, box size, then 7 keypoints, x before y, in
    input pixels relative to the anchor), ``logits`` ``(N,)`` or ``(N, 1)``, ``anchors``
    ``(N, 4)`` from :func:`~palmlite.anchors.ssd_anchors`. Returns the kept candidates in anchor
    order, in letterboxed-normalized units (fractions of the 192x192 tensor).

    Only anchors above threshold are decoded (scores are computed for all). Boxes with a
    negative or NaN width or height are dropped.
    """
    reg = np.asarray(regressors, dtype=np.float32)
    lgt = np.asarray(logits, dtype=np.float32).reshape(-1)
    anc = np.asarray(anchors, dtype=np.float32)
    num_values = 4 + 2 * spec.num_keypoints
    if reg.ndim != 2 or reg.shape[1] != num_values or reg.shape[0] != lgt.shape[0]:
        raise ValueError(
            f"expected regressors (N, {num_values}) and logits (N,), got {reg.shape}, {lgt.shape}"
        )
    if anc.shape != (reg.shape[0], 4):
        raise ValueError(f"expected anchors ({reg.shape[0]}, 4), got {anc.shape}")

    # float32 sigmoid of the clipped logits (minimum/maximum: np.clip's result, NaN included,
    # without its Python-level overhead), computed for all anchors like MediaPipe.
    clip = np.float32(spec.score_clip)
    scores = np.negative(np.minimum(np.maximum(lgt, -clip), clip))
    with np.errstate(over="ignore"):
        np.exp(scores, out=scores)
    scores += np.float32(1)
    np.divide(np.float32(1), scores, out=scores)
    # NaN logits compare False and are dropped here.
    keep = np.flatnonzero(scores >= np.float32(spec.min_score))
    if keep.size == 0:
        return PalmCandidates.empty(spec.num_keypoints)

    count = keep.size
    # (centre, size, keypoints...) as 2 + num_keypoints (x, y) pairs, in input-size units.
    pairs = (reg[keep] / np.float32(spec.box_scale)).reshape(count, -1, 2)
    a = anc[keep]
    anchor_xy, anchor_wh = a[:, None, 0:2], a[:, None, 2:4]
    # The width is scaled by the anchor's width (one port mistakenly uses its height).
    # Every pair as a point: pair 0 is the box centre, pairs 2.. the keypoints (pair 1 unused).
    points = pairs * anchor_wh + anchor_xy
    size = pairs[:, 1] * anchor_wh[:, 0]
    half = size / np.float32(2)
    center = points[:, 0]
    boxes = np.concatenate([center - half, center + half], axis=1)
    keypoints = points[:, 2:]
    valid = (size[:, 0] >= 0) & (size[:, 1] >= 0)  # False for NaN too
    return PalmCandidates(scores[keep][valid], boxes[valid], keypoints[valid])
