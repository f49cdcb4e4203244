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


def _reference_decode(reg, logits, anchors, min_score=0.5):
    """The plain transcription of MediaPipe's decoding, one quantity at a time."""
    lgt = logits.reshape(-1)
    clipped = np.clip(lgt, -100.0, 100.0)
    with np.errstate(over="ignore"):
        scores = (1.0 / (1.0 + np.exp(-clipped))).astype(np.float32)
    keep = np.flatnonzero(scores >= np.float32(min_score))
    r = reg[keep] / np.float32(192)
    a = anchors[keep]
    ax, ay, aw, ah = a[:, 0:1], a[:, 1:2], a[:, 2:3], a[:, 3:4]
    xc, yc = r[:, 0:1] * aw + ax, r[:, 1:2] * ah + ay
    w, h = r[:, 2:3] * aw, r[:, 3:4] * ah
    half_w, half_h = w / np.float32(2), h / np.float32(2)
    boxes = np.concatenate([xc - half_w, yc - half_h, xc + half_w, yc + half_h], axis=1)
    keypoints = np.stack([r[:, 4::2] * aw + ax, r[:, 5::2] * ah + ay], axis=-1)
    valid = (w[:, 0] >= 0) & (h[:, 0] >= 0)
    return scores[keep][valid], boxes[valid], keypoints[valid]


@pytest.mark.parametrize("min_score", [0.5, 0.05, 0.9])
def test_decoding_is_bit_identical_to_the_reference(min_score):
    # Same floats as the straightforward decode: vectorizing must not change a single bit,
    # including NaN and clipped logits and negative sizes.
    from palmlite.specs import PalmDecodeSpec

    anchors = ssd_anchors()
    rng = np.random.default_rng(int(min_score * 100))
    for trial in range(40):
        reg = rng.normal(0, 40, (2016, 18)).astype(np.float32)
        logits = rng.normal(-4, 6, (2016, 1)).astype(np.float32)
        if trial % 4 == 0:
            logits[rng.integers(0, 2016, 30)] = np.nan
            reg[rng.integers(0, 2016, 30), rng.integers(0, 18, 30)] = np.nan
            logits[rng.integers(0, 2016, 30)] = np.float32(rng.choice([1e9, -1e9, 0.0]))
        out = decode_palms(reg, logits, anchors, PalmDecodeSpec(min_score=min_score))
        for got, expected in zip(out, _reference_decode(reg, logits, anchors, min_score),
                                 strict=True):
            assert got.dtype == np.float32
            np.testing.assert_array_equal(got, expected)
