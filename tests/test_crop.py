import math
import threading
import zlib

import cv2  # test extra: opencv-python-headless==4.11, the reference for MediaPipe's warp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palmlite import crop as crop_module
from palmlite.crop import (
    Border,
    crop_rect,
    crop_rect_tensor,
    crop_to_image_matrix,
    rect_corners,
    to_tensor,
    warp_crop,
    warp_crop_tensor,
)
from palmlite.letterbox import RectPx, full_image_rect, pad_to_aspect
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


# -- the fast warp against a plain reference and OpenCV ------------------------------------------


def _reference_warp(image, inverse, out_w, out_h, border):
    """The straightforward NumPy transcription of OpenCV's fixed-point warpPerspective
    (INTER_LINEAR): 1/32-px coordinates in OpenCV's double-precision order, 15-bit weights,
    tap by tap with per-tap border handling. Slow; the fast warp must match it bit for bit."""
    m = inverse
    xs = np.arange(out_w, dtype=np.float64)
    xb = np.floor_divide(xs, 64) * 64
    x1 = xs - xb
    ys = np.arange(out_h, dtype=np.float64)[:, None]
    x0 = m[0, 0] * xb + m[0, 1] * ys + m[0, 2]
    y0 = m[1, 0] * xb + m[1, 1] * ys + m[1, 2]
    w = (m[2, 0] * xb + m[2, 1] * ys + m[2, 2]) + m[2, 0] * x1
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(w != 0, 32 / w, 0.0)
    limit = float(np.iinfo(np.int32).max)
    fx = np.rint(np.clip((x0 + m[0, 0] * x1) * w, -limit, limit)).astype(np.int64)
    fy = np.rint(np.clip((y0 + m[1, 0] * x1) * w, -limit, limit)).astype(np.int64)
    sx, sy, ax, ay = fx >> 5, fy >> 5, fx & 31, fy & 31
    height, width, channels = image.shape
    acc = np.zeros((out_h, out_w, channels), dtype=np.int64)
    for ox, oy in ((0, 0), (1, 0), (0, 1), (1, 1)):
        weight = ((ax if ox else 32 - ax) * (ay if oy else 32 - ay)) << 5  # sums to 2**15
        px, py = sx + ox, sy + oy
        cx, cy = np.clip(px, 0, width - 1), np.clip(py, 0, height - 1)
        if border is Border.ZERO:
            weight = np.where((px == cx) & (py == cy), weight, 0)
        acc += image[cy, cx].astype(np.int64) * weight[..., None]
    return ((acc + (1 << 14)) >> 15).astype(np.uint8)


def _cv2_warp(image, rect, size, border):
    dst = np.array([[0, size], [0, 0], [size, 0], [size, size]], np.float32)
    matrix = cv2.getPerspectiveTransform(rect_corners(rect), dst)
    cv_border = cv2.BORDER_REPLICATE if border is Border.REPLICATE else cv2.BORDER_CONSTANT
    return cv2.warpPerspective(np.ascontiguousarray(image), matrix, (size, size),
                               flags=cv2.INTER_LINEAR, borderMode=cv_border, borderValue=0)


def _test_images():
    rng = np.random.default_rng(3)
    smooth = np.asarray(cv2.GaussianBlur(rng.integers(0, 256, (240, 320, 3), np.uint8), (0, 0), 2))
    big = rng.integers(0, 256, (300, 500, 3), dtype=np.uint8)
    read_only = smooth.copy()
    read_only.flags.writeable = False
    return {
        "smooth": smooth,
        "noise": rng.integers(0, 256, (97, 131, 3), dtype=np.uint8),
        "row_view": big[40:250, 30:470],  # rows strided, pixels contiguous: the fast path
        "flipped": big[::-1],  # negative row stride
        "bgr_view": big[:, :, ::-1],  # negative channel stride: the generic path
        "every_other": big[::2, ::3],  # pixel stride 9 bytes: the generic path
        "read_only": read_only,
        "tiny": rng.integers(0, 256, (2, 3, 3), dtype=np.uint8),
        "one_column": rng.integers(0, 256, (5, 1, 3), dtype=np.uint8),
        "one_row": rng.integers(0, 256, (1, 6, 3), dtype=np.uint8),
        "gray2": rng.integers(0, 256, (30, 40, 2), dtype=np.uint8),
    }


def _random_rect(rng, width, height):
    kind = rng.integers(0, 5)
    if kind == 0:  # the palm detector's letterbox of the whole image
        return pad_to_aspect(full_image_rect(width, height), 192, 192)[0]
    # From a fraction of a pixel to several times the image, centred anywhere near it.
    side = float(np.float32(np.exp(rng.uniform(np.log(0.5), np.log(4 * max(width, height))))))
    aspect = 1.0 if rng.random() < 0.7 else float(np.float32(rng.uniform(0.3, 3)))
    rotation = (0.0, float(np.float32(math.pi / 2)), float(np.float32(-math.pi)),
                float(np.float32(rng.uniform(-math.pi, math.pi))))[min(kind - 1, 3)]
    return RectPx(float(np.float32(rng.uniform(-0.3 * width, 1.3 * width))),
                  float(np.float32(rng.uniform(-0.3 * height, 1.3 * height))),
                  side, float(np.float32(side * aspect)), rotation)


@pytest.mark.parametrize("name", list(_test_images()))
def test_fast_warp_matches_reference_bit_for_bit(name):
    # Many random rects: rotated or not, inside, straddling and far outside the image, from
    # sub-pixel to several times the image, both borders, uint8 and tensor output.
    image = _test_images()[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    height, width = image.shape[:2]
    for _ in range(60):
        rect = _random_rect(rng, width, height)
        size = int(rng.choice([224, 192, 64, 17, 2, 1]))
        border = Border.REPLICATE if rng.random() < 0.5 else Border.ZERO
        try:
            inverse = crop_to_image_matrix(rect, size, size)
        except ValueError:
            continue  # degenerate rect
        expected = _reference_warp(image, inverse, size, size, border)
        np.testing.assert_array_equal(warp_crop(image, inverse, size, size, border), expected,
                                      err_msg=f"{rect} {size} {border}")
        tensor = warp_crop_tensor(image, inverse, size, size, border)
        np.testing.assert_array_equal(tensor, to_tensor(expected))


def test_fast_warp_matches_opencv_on_many_rects():
    # PARITY: the fast warp is cv2.warpPerspective (MediaPipe's CPU crop) except exact .5 ties
    # in the 1/32-px rounding, exactly where the reference differs too.
    rng = np.random.default_rng(11)
    image = _test_images()["smooth"]
    height, width = image.shape[:2]
    total = differing = 0
    for _ in range(150):
        rect = _random_rect(rng, width, height)
        size = int(rng.choice([224, 192]))
        border = Border.REPLICATE if rng.random() < 0.5 else Border.ZERO
        ours = crop_rect(image, rect, size, border)
        reference = _reference_warp(image, crop_to_image_matrix(rect, size, size), size, size,
                                    border)
        np.testing.assert_array_equal(ours, reference)
        diff = ours.astype(int) != _cv2_warp(image, rect, size, border).astype(int)
        total += diff.size
        differing += int(diff.sum())
    assert differing <= total * 1e-5, f"{differing} of {total} values differ from OpenCV"


def test_all_fast_paths_are_exercised():
    # The letterbox is separable (rotation 0: only the rows that see the image, read row by
    # row); an unrotated upscale packs the rows it spans; a rotated rect takes the general path.
    image = _test_images()["smooth"]
    letterbox = crop_to_image_matrix(pad_to_aspect(full_image_rect(320, 240), 192, 192)[0],
                                     192, 192)
    rotated = crop_to_image_matrix(RectPx(100, 80, 90, 90, 0.4), 224, 224)
    assert crop_module._separable_coords(letterbox, 192, 192) is not None
    assert crop_module._separable_coords(rotated, 224, 224) is None
    assert crop_module._has_pair_layout(image)
    assert not crop_module._has_pair_layout(image[:, :, ::-1])
    upscale = crop_to_image_matrix(RectPx(100, 80, 50, 50, 0.0), 224, 224)
    for inverse in (letterbox, rotated, upscale):
        for border in Border:
            np.testing.assert_array_equal(
                warp_crop(image, inverse, 224, 224, border),
                _reference_warp(image, inverse, 224, 224, border),
            )


def _assert_separable_coords_exact(inverse, size):
    separable = crop_module._separable_coords(inverse, size, size)
    if separable is None:
        return False
    fx, fy = separable
    x, y = crop_module._fixed_coords(inverse, size, size)
    np.testing.assert_array_equal(x, np.broadcast_to(fx, (size, size)))
    np.testing.assert_array_equal(y, np.broadcast_to(fy[:, None], (size, size)))
    return True


def test_separable_coordinates_equal_the_2d_ones():
    # Unrotated rects often get 1e-16 off-diagonal matrix terms from the solve; the 1-D
    # coordinates are only used when provably equal to OpenCV's 2-D evaluation. Check that
    # claim on the letterboxes of many image sizes (portrait ones included) and random rects.
    used = 0
    for width in range(40, 2100, 37):
        for height in range(40, 2100, 53):
            rect = pad_to_aspect(full_image_rect(width, height), 192, 192)[0]
            used += _assert_separable_coords_exact(crop_to_image_matrix(rect, 192, 192), 192)
    for width, height in ((720, 1280), (1080, 1920), (640, 480), (1280, 720), (1920, 1080)):
        rect = pad_to_aspect(full_image_rect(width, height), 192, 192)[0]
        assert _assert_separable_coords_exact(crop_to_image_matrix(rect, 192, 192), 192)
    rng = np.random.default_rng(5)
    for _ in range(300):
        rect = RectPx(*(float(np.float32(v)) for v in (
            rng.uniform(-500, 3000), rng.uniform(-500, 3000),
            np.exp(rng.uniform(0, 8)), np.exp(rng.uniform(0, 8)))), 0.0)
        used += _assert_separable_coords_exact(crop_to_image_matrix(rect, 224, 224), 224)
    assert used > 1000


def test_crop_rect_tensor_is_to_tensor_of_crop_rect_and_writes_into_out():
    image = _test_images()["smooth"]
    rect = RectPx(150.5, 99.25, 120.0, 120.0, -0.8)
    expected = to_tensor(crop_rect(image, rect, 224, Border.REPLICATE))
    np.testing.assert_array_equal(crop_rect_tensor(image, rect, 224, Border.REPLICATE), expected)
    batch = np.full((3, 224, 224, 3), -1.0, np.float32)
    row = batch[1]
    assert crop_rect_tensor(image, rect, 224, Border.REPLICATE, out=row) is row
    np.testing.assert_array_equal(row, expected[0])
    assert np.all(batch[0] == -1) and np.all(batch[2] == -1)
    crop_out = np.empty((224, 224, 3), np.uint8)
    assert crop_rect(image, rect, 224, Border.REPLICATE, out=crop_out) is crop_out
    np.testing.assert_array_equal(to_tensor(crop_out), expected)


@pytest.mark.parametrize(
    "out",
    [np.empty((224, 224, 3), np.float64), np.empty((224, 224), np.float32),
     np.empty((2, 224, 224, 3), np.float32)],
)
def test_out_of_the_wrong_shape_or_dtype_is_refused(out):
    with pytest.raises(ValueError, match="out"):
        crop_rect_tensor(_test_images()["smooth"], RectPx(50, 50, 40, 40, 0.0), 224,
                         Border.ZERO, out=out)


def test_threads_crop_independently():
    # The fast warp keeps per-thread scratch memory: concurrent crops must not interfere.
    image = _test_images()["smooth"]
    rects = [RectPx(60 + 7 * i, 50 + 5 * i, 40 + 9 * i, 40 + 9 * i, 0.3 * i) for i in range(8)]
    expected = [crop_rect(image, r, 224, Border.REPLICATE) for r in rects]
    failures = []

    def work(offset):
        for k in range(20):
            i = (k + offset) % len(rects)
            if not np.array_equal(crop_rect(image, rects[i], 224, Border.REPLICATE), expected[i]):
                failures.append(i)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures


def test_strided_out_and_oversized_regions(monkeypatch):
    image = _test_images()["smooth"]
    rect = RectPx(140.0, 100.0, 150.0, 150.0, 0.9)
    expected = crop_rect(image, rect, 64, Border.REPLICATE)
    # A strided view of the right shape is written in place.
    wide = np.zeros((64, 128, 3), np.uint8)
    assert crop_rect(image, rect, 64, Border.REPLICATE, out=wide[:, ::2]) is not None
    np.testing.assert_array_equal(wide[:, ::2], expected)
    assert not wide[:, 1::2].any()
    # A crop that would pack more of the image than allowed takes the generic path, whose
    # memory follows the crop, not the image: same bytes.
    monkeypatch.setattr(crop_module, "_MAX_PACKED", 1024)
    np.testing.assert_array_equal(crop_rect(image, rect, 64, Border.REPLICATE), expected)
    letterbox = pad_to_aspect(full_image_rect(320, 240), 192, 192)[0]
    np.testing.assert_array_equal(
        crop_rect_tensor(image, letterbox, 192, Border.ZERO),
        to_tensor(_reference_warp(image, crop_to_image_matrix(letterbox, 192, 192), 192, 192,
                                  Border.ZERO)),
    )
