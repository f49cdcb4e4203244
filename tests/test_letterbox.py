import numpy as np
import pytest

from palmlite.letterbox import (
    Padding,
    RectPx,
    full_image_rect,
    pad_to_aspect,
    remove_letterbox,
    roi_to_rect_px,
)


def test_wide_image_pads_top_and_bottom():
    rect, pad = pad_to_aspect(full_image_rect(720, 382), 192, 192)
    assert (rect.center_x, rect.center_y, rect.width, rect.height) == (360, 191, 720, 720)
    assert pad.left == pad.right == 0
    assert pad.top == pytest.approx(0.2347222, abs=1e-7) and pad.bottom == pad.top


def test_tall_image_pads_left_and_right():
    rect, pad = pad_to_aspect(full_image_rect(620, 1080), 192, 192)
    assert (rect.width, rect.height) == (1080, 1080)
    assert pad.left == pytest.approx((1 - 620 / 1080) / 2, abs=1e-7) and pad.top == 0


def test_square_roi_has_no_padding_and_keeps_rotation():
    rect, pad = pad_to_aspect(RectPx(10, 20, 50, 50, 0.7), 224, 224)
    assert rect == RectPx(10, 20, 50.0, 50.0, 0.7) and pad == Padding(0, 0, 0, 0)


def test_remove_letterbox_maps_tensor_edges_to_image_edges():
    _, pad = pad_to_aspect(full_image_rect(720, 382), 192, 192)
    pts = np.array([[0.0, pad.top], [1.0, 1 - pad.bottom], [0.5, 0.5]], np.float32)
    np.testing.assert_allclose(remove_letterbox(pts, pad), [[0, 0], [1, 1], [0.5, 0.5]],
                               atol=1e-6)


def test_remove_letterbox_scales_depth_like_x_and_does_not_mutate():
    pad = Padding(0.25, 0.0, 0.25, 0.0)
    pts = np.array([[0.5, 0.5, 0.1]], np.float32)
    out = remove_letterbox(pts, pad)
    np.testing.assert_allclose(out, [[0.5, 0.5, 0.2]], atol=1e-7)
    assert pts[0, 2] == np.float32(0.1)


def test_roi_to_rect_px():
    assert roi_to_rect_px((0.5, 0.25, 0.1, 0.2, 1.0), (200, 100)) == RectPx(100, 25, 20, 20, 1.0)
