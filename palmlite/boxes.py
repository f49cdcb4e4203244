"""Axis-aligned box overlap, shared by NMS and ROI association.

Every IoU in MediaPipe's hand pipeline is on axis-aligned boxes (a rotated ROI's rotation is
ignored). Mirrors ``OverlapSimilarity`` in mp:mediapipe/calculators/util/
non_max_suppression_calculator.cc and ``CalculateIou`` in association_norm_rect_calculator.cc.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["iou_matrix", "iou_one_to_many"]


def iou_matrix(boxes_a: npt.ArrayLike, boxes_b: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """IoU of each of ``(M, 4)`` boxes with each of ``(N, 4)`` boxes: ``(M, N)`` float32, all
    ``(xmin, ymin, xmax, ymax)``, in float32 arithmetic.

    Boxes that do not intersect, or whose size is negative, give 0; a zero union gives 0.

    >>> iou_matrix([[0, 0, 2, 2]], [[1, 0, 3, 2], [5, 5, 6, 6]]).tolist()
    [[0.3333333432674408, 0.0]]
    """
    a = np.asarray(boxes_a, dtype=np.float32).reshape(-1, 1, 4)
    b = np.asarray(boxes_b, dtype=np.float32).reshape(1, -1, 4)
    inter_w = np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0])
    inter_h = np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1])
    overlaps = (inter_w > 0) & (inter_h > 0)
    inter = np.where(overlaps, inter_w * inter_h, np.float32(0))
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = area_a + area_b - inter
    result: npt.NDArray[np.float32] = np.zeros(inter.shape, np.float32)
    np.divide(inter, union, out=result, where=overlaps & (union > 0))
    return result


def iou_one_to_many(box_xyxy: npt.ArrayLike, boxes_xyxy: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """IoU of one ``(4,)`` box with each of ``(N, 4)`` boxes, all ``(xmin, ymin, xmax, ymax)``.

    Row 0 of :func:`iou_matrix`, so the same float32 arithmetic.

    >>> iou_one_to_many([0, 0, 2, 2], [[1, 0, 3, 2], [5, 5, 6, 6]]).tolist()
    [0.3333333432674408, 0.0]
    """
    row: npt.NDArray[np.float32] = iou_matrix(
        np.asarray(box_xyxy, dtype=np.float32).reshape(1, 4), boxes_xyxy
    )[0]
    return row
