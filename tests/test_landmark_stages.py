import math

import numpy as np
import pytest

from palmlite.association import associate_rois
from palmlite.landmark_decode import decode_landmarks, handedness_from_score
from palmlite.projection import landmarks_to_pixels, project_landmarks, rotate_world_landmarks
from palmlite.types import Roi


def test_decode_landmarks_scales_xy_by_input_and_z_by_input_and_0_4():
    raw = np.zeros(63, np.float32)
    raw[0:3] = [224, 112, 22.4]
    out = decode_landmarks(raw)
    assert out.shape == (21, 3)
    np.testing.assert_allclose(out[0], [1.0, 0.5, 0.25], rtol=1e-6)
    with pytest.raises(ValueError, match="63"):
        decode_landmarks(np.zeros(60))


@pytest.mark.parametrize(
    ("raw", "mirrored", "label", "score"),
    [(0.9, False, "Right", 0.9), (0.2, False, "Left", 0.8), (0.9, True, "Left", 0.9),
     (0.2, True, "Right", 0.8), (0.5, False, "Left", 0.5)],
)
def test_handedness_conventions(raw, mirrored, label, score):
    got_label, got_score = handedness_from_score(raw, mirrored)
    assert got_label == label and got_score == pytest.approx(score, abs=1e-6)


def test_projection_hand_computed_with_rotation():
    roi = Roi(0.5, 0.5, 0.2, 0.4, math.pi / 2)
    # Crop point right of centre (dx = 0.25) rotated +90 deg lands below the centre.
    out = project_landmarks([[0.75, 0.5, 0.1]], roi)
    np.testing.assert_allclose(out[0], [0.5, 0.5 + 0.25 * 0.4, 0.1 * 0.2], atol=1e-6)


def test_world_landmarks_rotate_about_z_only():
    w = np.array([[1.0, 0.0, 0.3]], np.float32)
    np.testing.assert_allclose(rotate_world_landmarks(w, math.pi / 2), [[0, 1, 0.3]], atol=1e-6)


def test_landmarks_to_pixels_scales_z_like_x():
    np.testing.assert_allclose(landmarks_to_pixels([[0.5, 0.5, 0.1]], (200, 100)),
                               [[100, 50, 20]])


def test_association_later_overlapping_roi_wins_and_order():
    a = Roi(0.3, 0.3, 0.2, 0.2)
    b = Roi(0.7, 0.7, 0.2, 0.2)
    a_tracked = Roi(0.31, 0.3, 0.2, 0.2)  # IoU with a ~0.9
    assert associate_rois([a, b]) == [("palm", 0), ("palm", 1)]
    # Tracked ROI replaces the palm ROI it overlaps; survivors keep order, palms first.
    assert associate_rois([a, b], [a_tracked]) == [("palm", 1), ("tracked", 0)]
    # Two overlapping palm ROIs: the later one survives (also in static mode).
    assert associate_rois([a, a_tracked]) == [("palm", 1)]


def test_association_threshold_is_strict():
    a = Roi(0.5, 0.5, 1.0, 1.0)  # box [0, 0, 1, 1]
    half = Roi(0.5, 0.25, 1.0, 0.5)  # box [0, 0, 1, 0.5]: IoU exactly 0.5, not > 0.5
    assert associate_rois([a, half]) == [("palm", 0), ("palm", 1)]
    more = Roi(0.5, 0.28125, 1.0, 0.5625)  # box [0, 0, 1, 0.5625]: IoU 0.5625
    assert associate_rois([a, more]) == [("palm", 1)]
