"""SSD anchors of the palm detector.

Mirrors mp:mediapipe/calculators/tflite/ssd_anchors_calculator.cc with the options of
mp:mediapipe/modules/palm_detection/palm_detection_cpu.pbtxt. With ``fixed_anchor_size`` every
anchor has width = height = 1, so scales and aspect ratios only decide how many anchors share a
grid cell.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .specs import ANCHORS, AnchorSpec

__all__ = ["ssd_anchors"]


def ssd_anchors(spec: AnchorSpec = ANCHORS) -> npt.NDArray[np.float32]:
    """Return the anchors as ``(N, 4)`` float32 rows ``(x_center, y_center, width, height)``.

    Consecutive layers with the same stride share one grid; each grid cell then emits
    ``anchors_per_layer`` anchors per layer. Order: grids in layer order, then rows (y), then
    columns (x), then the anchors of the cell. For MediaPipe's palm detector that is
    24x24x2 + 12x12x6 = 2016 anchors.

    >>> a = ssd_anchors()
    >>> a.shape
    (2016, 4)
    >>> [round(v, 6) for v in a[0].tolist()]
    [0.020833, 0.020833, 1.0, 1.0]
    """
    blocks = []
    layer = 0
    while layer < len(spec.strides):
        stride = spec.strides[layer]
        same = 1
        while layer + same < len(spec.strides) and spec.strides[layer + same] == stride:
            same += 1
        grid = int(np.ceil(spec.input_size / stride))
        centers = (np.arange(grid, dtype=np.float64) + spec.anchor_offset) / grid
        yy, xx = np.meshgrid(centers, centers, indexing="ij")
        per_cell = same * spec.anchors_per_layer
        cells = np.stack([xx, yy], axis=-1).reshape(grid * grid, 1, 2)
        xy = np.broadcast_to(cells, (grid * grid, per_cell, 2)).reshape(-1, 2)
        blocks.append(np.concatenate([xy, np.ones_like(xy)], axis=1))
        layer += same
    return np.concatenate(blocks).astype(np.float32)
