import numpy as np
import pytest

from palmlite.anchors import ssd_anchors
from palmlite.palm_decode import decode_palms


def _raw(n=2016):
    return np.zeros((n, 18), np.float32), np.full((n,), -10.0, np.float32)


def test_decodes_box_and_keypoints_relative_to_the_anchor():
    anchors = ssd_anchors()
    reg, logits = _raw()
    i = 1200
    reg[i, :4] = [19.2, -9.6, 38.4, 57.6]  # centre offset (0.1, -0.05), size (0.2, 0.3)
    reg[i, 4:6] = [0.0, 96.0]  # keypoint 0 at anchor + (0, 0.5)
    logits[i] = 2.0
    out = decode_palms(reg, logits, anchors)
    ax, ay = anchors[i, :2]
    assert out.scores.shape == (1,)
    np.testing.assert_allclose(out.scores[0], 1 / (1 + np.exp(-2.0)), rtol=1e-6)
    xc, yc = ax + 0.1, ay - 0.05
    np.testing.assert_allclose(out.boxes_xyxy[0], [xc - 0.1, yc - 0.15, xc + 0.1, yc + 0.15],
                               atol=1e-6)
    np.testing.assert_allclose(out.keypoints[0, 0], [ax, ay + 0.5], atol=1e-6)
    np.testing.assert_allclose(out.keypoints[0, 1:], np.tile(anchors[i, :2], (6, 1)), atol=1e-6)


def test_width_uses_anchor_width_and_height_uses_anchor_height():
    reg = np.array([[0, 0, 96, 48] + [0] * 14], np.float32)
    anchors = np.array([[0.5, 0.5, 2.0, 0.5]], np.float32)
    out = decode_palms(reg, np.array([5.0], np.float32), anchors)
    box = out.boxes_xyxy[0]
    np.testing.assert_allclose([box[2] - box[0], box[3] - box[1]], [1.0, 0.125], atol=1e-6)


def test_threshold_is_inclusive_and_scores_clip():
    anchors = ssd_anchors()
    reg, logits = _raw()
    logits[0] = 0.0  # sigmoid exactly 0.5: kept (>=)
    logits[1] = 1e9  # clipped to 100, score 1
    logits[2] = -0.001  # just below 0.5: dropped
    out = decode_palms(reg, logits, anchors)
    assert out.scores.tolist() == [0.5, 1.0]


def test_negative_or_nan_sizes_and_nan_scores_are_dropped():
    anchors = ssd_anchors()
    reg, logits = _raw()
    logits[:4] = 3.0
    reg[0, 2] = -1.0
    reg[1, 3] = np.nan
    logits[2] = np.nan
    out = decode_palms(reg, logits, anchors)
    assert out.scores.shape == (1,)
    np.testing.assert_allclose(out.boxes_xyxy[0, :2], anchors[3, :2], atol=1e-6)


def test_nothing_above_threshold_gives_empty_arrays_of_the_right_shape():
    reg, logits = _raw()
    out = decode_palms(reg, logits, ssd_anchors())
    assert out.scores.shape == (0,) and out.boxes_xyxy.shape == (0, 4)
    assert out.keypoints.shape == (0, 7, 2)


def test_shape_mismatch_raises():
    reg, logits = _raw(10)
    with pytest.raises(ValueError, match="anchors"):
        decode_palms(reg, logits, ssd_anchors())
    with pytest.raises(ValueError, match="regressors"):
        decode_palms(reg[:, :5], logits, ssd_anchors()[:10])
