import math

import cv2  # test extra: opencv-python-headless==4.11, the reference for MediaPipe's warp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from palmlite.crop import Border, crop_rect, crop_to_image_matrix, rect_corners, to_tensor
from palmlite.letterbox import RectPx
from palmlite.projection import project_landmarks
from palmlite.types import Roi


def test_rect_corners_opencv_order():
    corners = rect_corners(RectPx(50, 40, 20, 10, 0.0))
    np.testing.assert_allclose(corners, [[40, 45], [40, 35], [60, 35], [60, 45]])


def test_axis_aligned_crop_is_corner_aligned_sampling():
    # Output pixel u samples x = cx + (u / S - 1/2) * w: with w = S, pixel u reads source u
    # exactly (no half-pixel shift).
    image = np.random.default_rng(0).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    crop = crop_rect(image, RectPx(4, 4, 8, 8, 0.0), 8, Border.ZERO)
    np.testing.assert_array_equal(crop, image)


def test_analytic_bilinear_on_linear_gradient():
    # A linear image is reproduced exactly by bilinear sampling: each output equals the
    # gradient at the sample position, up to OpenCV's 1/32-px grid and uint8 rounding.
    h, w = 120, 160
    yy, xx = np.mgrid[0:h, 0:w]
    value = 0.7 * xx + 0.4 * yy + 10
    image = np.repeat(value[..., None], 3, axis=2).round().astype(np.uint8)
    rect = RectPx(80.3, 61.7, 70.0, 70.0, 0.6)
    size = 64
    crop = crop_rect(image, rect, size, Border.REPLICATE).astype(float)
    inv = crop_to_image_matrix(rect, size, size)
    u, v = np.meshgrid(np.arange(size), np.arange(size))
    pts = inv @ np.stack([u.ravel(), v.ravel(), np.ones(u.size)])
    sx, sy = pts[0] / pts[2], pts[1] / pts[2]
    expected = 0.7 * sx + 0.4 * sy + 10
    # uint8 source rounding (0.5) + 1/64-px quantization * slope + output rounding (0.5)
    assert np.abs(crop[..., 0].ravel() - expected).max() <= 1.05


def test_zero_border_outside_and_replicate_border():
    image = np.full((10, 10, 3), 200, np.uint8)
    far = RectPx(100, 100, 10, 10, 0.0)
    assert crop_rect(image, far, 4, Border.ZERO).max() == 0
    assert np.all(crop_rect(image, far, 4, Border.REPLICATE) == 200)


def test_non_contiguous_and_read_only_images_crop_like_contiguous():
    rng = np.random.default_rng(1)
    big = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    view = big[::2, ::2][:, :, ::-1]  # strided, negative channel stride
    view.flags.writeable = False
    rect = RectPx(20, 15, 25, 25, 0.3)
    np.testing.assert_array_equal(
        crop_rect(view, rect, 32, Border.REPLICATE),
        crop_rect(np.ascontiguousarray(view), rect, 32, Border.REPLICATE),
    )


@settings(max_examples=100, deadline=None)
@given(
    st.floats(0, 640), st.floats(0, 480), st.floats(10, 500), st.floats(-math.pi, math.pi),
    st.floats(0, 1), st.floats(0, 1),
)
def test_crop_then_project_round_trip(cx, cy, side, theta, u, v):
    # A point at crop position (u, v) (fractions of the crop) maps through the crop's matrix to
    # an image pixel; projecting (u, v) through the ROI must land on the same pixel. This is
    # the test that catches sign errors in rotation.
    size = (640, 480)
    roi = Roi.from_pixels((cx, cy), side, theta, size)
    rect = RectPx(cx, cy, side, side, theta)
    inv = crop_to_image_matrix(rect, 224, 224)
    p = inv @ [u * 224, v * 224, 1.0]
    projected = project_landmarks([[u, v, 0.0]], roi)[0]
    np.testing.assert_allclose(projected[:2] * size, p[:2] / p[2], atol=2e-3 * max(side, 1) + 1e-2)


def test_to_tensor_scales_to_unit_range_and_adds_batch():
    t = to_tensor(np.array([[[0, 128, 255]]], np.uint8))
    assert t.shape == (1, 1, 1, 3) and t.dtype == np.float32
    np.testing.assert_allclose(t.ravel(), [0, 128 / 255, 1], rtol=1e-6)


def test_bit_exact_with_opencv_warp_perspective():
    # MediaPipe's CPU crop is cv2.warpPerspective (INTER_LINEAR) through the rect's corners.
    # palmlite's NumPy warp must agree bit for bit, except exact .5 rounding ties.
    rng = np.random.default_rng(42)
    image = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)
    image = np.asarray(
        cv2.GaussianBlur(image, (0, 0), 3), dtype=np.uint8
    )  # natural-ish content with edges everywhere
    total = differing = 0
    for i in range(40):
        size = 224 if i % 2 else 192
        side = float(np.float32(rng.uniform(20, 500)))
        rect = RectPx(float(np.float32(rng.uniform(-50, 450))),
                      float(np.float32(rng.uniform(-50, 350))), side, side,
                      float(np.float32(rng.uniform(-math.pi, math.pi))))
        border = Border.REPLICATE if i % 3 else Border.ZERO
        ours = crop_rect(image, rect, size, border)
        dst = np.array([[0, size], [0, 0], [size, 0], [size, size]], np.float32)
        matrix = cv2.getPerspectiveTransform(rect_corners(rect), dst)
        cv_border = cv2.BORDER_REPLICATE if border is Border.REPLICATE else cv2.BORDER_CONSTANT
        ref = cv2.warpPerspective(image, matrix, (size, size), flags=cv2.INTER_LINEAR,
                                  borderMode=cv_border, borderValue=0)
        diff = np.abs(ours.astype(int) - ref.astype(int))
        total += diff.size
        differing += int((diff > 0).sum())
    assert differing <= total * 1e-5, f"{differing} of {total} values differ from OpenCV"


def test_rect_corners_bit_exact_with_opencv_box_points():
    # PARITY: MediaPipe builds cv::RotatedRect with angle float(theta * 180.f / M_PI); the
    # corners must come out bit-identical, since a 1-ulp change can flip a rounding tie.
    rng = np.random.default_rng(7)
    for _ in range(200):
        cx, cy, side, theta = (np.float32(v) for v in
                               (rng.uniform(-100, 900), rng.uniform(-100, 700),
                                rng.uniform(5, 900), rng.uniform(-math.pi, math.pi)))
        angle_deg = np.float32(float(np.float32(theta * np.float32(180))) / math.pi)
        ref = cv2.boxPoints(((float(cx), float(cy)), (float(side), float(side)), float(angle_deg)))
        ours = rect_corners(RectPx(float(cx), float(cy), float(side), float(side), float(theta)))
        np.testing.assert_array_equal(ours, ref)


def test_to_tensor_multiplies_by_float32_reciprocal():
    # PARITY: OpenCV's convertTo scales by float32(1/255); dividing by 255 differs by an ulp
    # on some values.
    values = np.arange(256, dtype=np.uint8).reshape(16, 16, 1).repeat(3, axis=2)
    expected = values.astype(np.float32) * (np.float32(1) / np.float32(255))
    np.testing.assert_array_equal(to_tensor(values)[0], expected)
