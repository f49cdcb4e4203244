import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palmlite.roi import (
    normalize_radians,
    roi_from_landmarks,
    roi_from_palm,
    rotation_from_points,
    transform_rect,
)
from palmlite.specs import ROI_FROM_LANDMARKS, ROI_FROM_PALM, RectTransformSpec
from palmlite.types import Roi

angles = st.floats(-100, 100, allow_nan=False)


@given(angles)
def test_normalize_radians_range_and_equivalence(a):
    n = normalize_radians(a)
    assert -math.pi - 1e-6 <= n < math.pi + 1e-6
    assert math.isclose(math.cos(n), math.cos(a), abs_tol=1e-4)
    assert math.isclose(math.sin(n), math.sin(a), abs_tol=1e-4)


@pytest.mark.parametrize(
    ("end", "expected"),
    [((0, -1), 0.0), ((1, 0), math.pi / 2), ((-1, 0), -math.pi / 2), ((0, 1), -math.pi)],
)
def test_rotation_points_hand_up(end, expected):
    # Pointing up (y decreasing) is 0; pointing right is +90 degrees (clockwise on screen).
    assert rotation_from_points((0, 0), end) == pytest.approx(expected, abs=1e-6)


def test_roi_from_palm_upright_hand_hand_computed():
    box = [0.4, 0.4, 0.2, 0.2]  # xmin, ymin, w, h in a square 100x100 image
    kps = np.tile([0.5, 0.5], (7, 1))
    kps[0] = [0.5, 0.6]
    kps[2] = [0.5, 0.4]
    roi = roi_from_palm(box, kps, (100, 100))
    assert roi.rotation == 0
    # shift_y -0.5 of the height, then 2.6x
    assert roi.x_center == pytest.approx(0.5) and roi.y_center == pytest.approx(0.4)
    assert roi.width == pytest.approx(0.52) and roi.height == pytest.approx(0.52)


def test_roi_from_palm_is_square_in_pixels_on_wide_images():
    kps = np.tile([0.5, 0.5], (7, 1))
    kps[0], kps[2] = [0.45, 0.5], [0.55, 0.5]  # pointing right: rotation +90 degrees
    roi = roi_from_palm([0.4, 0.3, 0.1, 0.4], kps, (400, 100))
    assert roi.rotation == pytest.approx(math.pi / 2)
    assert roi.width * 400 == pytest.approx(roi.height * 100, rel=1e-6)
    # Side: long side of the box in pixels (0.4 * 100 = 40 vs 0.1 * 400 = 40), times 2.6.
    assert roi.width * 400 == pytest.approx(104, rel=1e-5)
    # Rotated +90: "up" in the hand frame is +x on screen, so the shift moves the centre right
    # by half the pre-square height in pixels (0.4 * 100 / 2 = 20 px).
    assert roi.x_center * 400 == pytest.approx(0.45 * 400 + 20, abs=1e-3)
    assert roi.y_center == pytest.approx(0.5, abs=1e-6)


def test_transform_rect_square_long_uses_pre_square_size_for_shift():
    roi = transform_rect(Roi(0.5, 0.5, 0.2, 0.1), (100, 100),
                         RectTransformSpec(scale=1.0, shift_x=0.5, shift_y=0.0))
    assert roi.x_center == pytest.approx(0.6)
    assert roi.width == pytest.approx(0.2) and roi.height == pytest.approx(0.2)


def _hand_landmarks(rng):
    # A plausible upright hand in pixels around the origin: wrist below, fingers above.
    base = np.array([[0, 60], [-25, 45], [-40, 25], [-50, 5], [-55, -10], [-20, 0], [-22, -30],
                     [-23, -45], [-24, -60], [0, -2], [0, -35], [0, -52], [0, -68], [18, 0],
                     [19, -30], [20, -45], [21, -58], [33, 5], [36, -18], [38, -30], [40, -40]],
                    np.float64)
    return base + rng.normal(0, 2, base.shape)


def _roi_px(roi, size):
    return np.array([roi.x_center * size[0], roi.y_center * size[1], roi.width * size[0],
                     roi.height * size[1]])


def _lm_roi(points_px, size):
    lm = np.column_stack([points_px[:, 0] / size[0], points_px[:, 1] / size[1],
                          np.zeros(len(points_px))])
    return roi_from_landmarks(lm, size)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31), st.floats(-60, 60), st.floats(-60, 60))
def test_roi_from_landmarks_translation_equivariance(seed, dx, dy):
    size = (400, 300)
    pts = _hand_landmarks(np.random.default_rng(seed)) + np.array([200, 150])
    a, b = _lm_roi(pts, size), _lm_roi(pts + np.array([dx, dy]), size)
    shift = np.array([dx, dy, 0, 0])
    np.testing.assert_allclose(_roi_px(b, size), _roi_px(a, size) + shift, atol=2e-3)
    assert b.rotation == pytest.approx(a.rotation, abs=1e-5)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31), st.floats(0.5, 2.0))
def test_roi_from_landmarks_scale_equivariance(seed, s):
    pts = _hand_landmarks(np.random.default_rng(seed)) + np.array([200, 150])
    a = _lm_roi(pts, (400, 300))
    b = _lm_roi(pts * s, (400 * s, 300 * s))
    # Normalized ROI is unchanged when image and hand scale together.
    np.testing.assert_allclose(b.as_array(), a.as_array(), atol=1e-5)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31), st.floats(-math.pi, math.pi))
def test_roi_from_landmarks_rotation_equivariance(seed, phi):
    size = (500, 500)
    centre = np.array([250.0, 250.0])
    pts = _hand_landmarks(np.random.default_rng(seed))
    rot = np.array([[math.cos(phi), -math.sin(phi)], [math.sin(phi), math.cos(phi)]])
    a = _lm_roi(pts + centre, size)
    b = _lm_roi(pts @ rot.T + centre, size)
    assert math.cos(b.rotation - a.rotation - phi) == pytest.approx(1.0, abs=1e-6)
    ca = np.array([a.x_center, a.y_center]) * 500 - centre
    cb = np.array([b.x_center, b.y_center]) * 500 - centre
    np.testing.assert_allclose(cb, rot @ ca, atol=1e-2)
    assert b.width == pytest.approx(a.width, abs=1e-4)


@settings(max_examples=60, deadline=None)
@given(st.floats(-math.pi, math.pi), st.floats(-30, 30), st.floats(-30, 30))
def test_roi_from_palm_rotation_and_translation_equivariance(phi, dx, dy):
    size = (600, 600)
    centre = np.array([300.0, 300.0])
    kps = np.array([[0, 40], [-20, -5], [0, -10], [15, -8], [28, 0], [-30, 25], [-40, 5]], float)
    rot = np.array([[math.cos(phi), -math.sin(phi)], [math.sin(phi), math.cos(phi)]])

    def palm_roi(points_px):
        # A 60x60 px box centred on the keypoints' mean.
        c = points_px.mean(0)
        box = [(c[0] - 30) / 600, (c[1] - 30) / 600, 0.1, 0.1]
        return roi_from_palm(box, points_px / 600, size), c

    upright, c_up = palm_roi(kps + centre)
    moved, c_mv = palm_roi(kps @ rot.T + centre + [dx, dy])
    assert math.cos(moved.rotation - upright.rotation - phi) == pytest.approx(1.0, abs=1e-5)
    off_up = np.array([upright.x_center, upright.y_center]) * 600 - c_up
    off_mv = np.array([moved.x_center, moved.y_center]) * 600 - c_mv
    np.testing.assert_allclose(off_mv, rot @ off_up, atol=1e-2)
    assert moved.width * 600 == pytest.approx(60 * ROI_FROM_PALM.scale, rel=1e-5)


def test_roi_from_landmarks_hand_computed_upright():
    size = (100, 100)
    lm = np.zeros((21, 3), np.float32)
    lm[:, :2] = 0.5
    lm[0] = [0.5, 0.7, 0]  # wrist
    lm[[5, 9, 13], 1] = 0.3  # MCPs straight above
    lm[5, 0], lm[13, 0] = 0.4, 0.6
    roi = roi_from_landmarks(lm, size)
    assert roi.rotation == pytest.approx(0.0, abs=1e-7)
    # Bounding box of the 12 points: x 0.4..0.6, y 0.3..0.7 -> 20x40 px, centre (50, 50);
    # shift -0.1 * 40 px up, square on the long side, scale 2.
    assert roi.x_center == pytest.approx(0.5) and roi.y_center == pytest.approx(0.46)
    assert roi.width == pytest.approx(0.8) and roi.height == pytest.approx(0.8)
    assert ROI_FROM_LANDMARKS.scale == 2.0


def test_roi_from_landmarks_parity_quirk_all_negative_x():
    # PARITY: MediaPipe seeds its maxima with FLT_MIN (~0), so for a hand wholly left of the
    # image (all x < 0) the maxima are ~0 instead of the true ones. Upright hand, x in
    # [-0.35, -0.25], y in [0.3, 0.7], 100x100 image: the true centre would be x = -0.30; the
    # quirk gives axis-aligned centre -0.175, rotated-frame box [-17.5, ~0] px about it,
    # hence centre (-8.75 - 17.5) px = -0.2625.
    lm = np.zeros((21, 3), np.float32)
    lm[:, :2] = [-0.3, 0.5]
    lm[0] = [-0.3, 0.7, 0]
    lm[5, :2], lm[9, :2], lm[13, :2] = [-0.35, 0.3], [-0.3, 0.3], [-0.25, 0.3]
    roi = roi_from_landmarks(lm, (100, 100))
    assert roi.rotation == 0.0
    assert roi.x_center == pytest.approx(-0.2625, abs=1e-6)
    assert roi.y_center == pytest.approx(0.46, abs=1e-6)
    assert roi.width == pytest.approx(0.8, abs=1e-6)


def test_roi_from_landmarks_rejects_wrong_shape():
    with pytest.raises(ValueError, match=r"\(21, 2\)"):
        roi_from_landmarks(np.zeros((20, 3)), (10, 10))
