"""palmlite.draw: what is drawn where, in which colour, and that inputs stay untouched."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import IMAGES, load_rgb
from PIL import Image

import palmlite
from palmlite.draw import FINGER_COLORS, roi_corners_px
from palmlite.types import Hand, PalmDetection, Roi

SIZE = (200, 160)  # (width, height) of the synthetic canvas


def synthetic_hand(track_id: int | None = None) -> Hand:
    """A hand with landmarks on a grid: wrist at the bottom, one column per finger."""
    points = [(0.5, 0.85)]
    for finger in range(5):
        x = 0.25 + 0.125 * finger
        points += [(x, 0.65 - 0.1 * joint) for joint in range(4)]
    xy = np.array(points, dtype=np.float32)
    landmarks = np.concatenate([xy, np.zeros((21, 1), np.float32)], axis=1)
    return Hand(
        landmarks=landmarks,
        landmarks_px=landmarks * [SIZE[0], SIZE[1], SIZE[0]],
        world_landmarks=np.zeros((21, 3), np.float32),
        handedness="Left", handedness_score=0.93, presence=0.99,
        roi=Roi.from_pixels((100, 80), 120, 0.0, SIZE),
        palm=PalmDetection(score=0.9, box_xywh=[0.3, 0.5, 0.4, 0.4],
                           keypoints_xy=np.full((7, 2), 0.5)),
        track_id=track_id,
    )


def grey(width: int = SIZE[0], height: int = SIZE[1]) -> np.ndarray:
    return np.full((height, width, 3), 90, dtype=np.uint8)


def test_returns_an_rgb_copy_of_the_same_size_and_leaves_the_input_alone():
    image = grey()
    before = image.copy()
    picture = palmlite.draw(image, [synthetic_hand()], roi=True, palm_box=True)
    assert isinstance(picture, Image.Image) and picture.mode == "RGB" and picture.size == SIZE
    np.testing.assert_array_equal(image, before)
    assert not np.array_equal(np.asarray(picture), before)
    # No hand: an unchanged copy.
    np.testing.assert_array_equal(np.asarray(palmlite.draw(image, [])), before)


def test_accepts_what_detect_accepts_and_never_modifies_a_pil_input():
    hand = synthetic_hand()
    pil = Image.fromarray(grey()).convert("RGBA")
    pil_bytes = pil.tobytes()
    from_pil = palmlite.draw(pil, hand)
    assert pil.tobytes() == pil_bytes and pil.mode == "RGBA"
    rgb = Image.fromarray(grey())
    rgb_bytes = rgb.tobytes()
    from_rgb = palmlite.draw(rgb, hand)
    assert rgb.tobytes() == rgb_bytes
    np.testing.assert_array_equal(np.asarray(from_pil), np.asarray(from_rgb))
    # A read-only, non-contiguous view works too.
    view = np.asarray(np.repeat(grey(), 2, axis=1)[:, ::2])
    view.flags.writeable = False
    np.testing.assert_array_equal(np.asarray(palmlite.draw(view, hand)), np.asarray(from_rgb))


def test_a_path_and_a_real_detection(full_landmarker: palmlite.HandLandmarker):
    path = IMAGES / "hands.jpg"
    result = full_landmarker.detect(path)
    from_path = palmlite.draw(path, result, roi=True, palm_box=True)
    from_array = palmlite.draw(load_rgb("hands.jpg"), result, roi=True, palm_box=True)
    assert from_path.size == (720, 382)
    np.testing.assert_array_equal(np.asarray(from_path), np.asarray(from_array))


def test_landmarks_are_coloured_by_finger():
    hand = synthetic_hand()
    picture = np.asarray(palmlite.draw(grey(), hand, labels=False, line_width=3))
    for index, finger in ((0, "palm"), (4, "thumb"), (8, "index"), (12, "middle"),
                          (16, "ring"), (20, "pinky")):
        x, y = hand.landmarks_px[index, :2]
        assert tuple(picture[round(y), round(x)]) == FINGER_COLORS[finger], finger
    # The middle of a finger's bone has that finger's colour (dots and lines: the same).
    x, y = (hand.landmarks_px[6, :2] + hand.landmarks_px[7, :2]) / 2
    assert tuple(picture[round(y), round(x)]) == FINGER_COLORS["index"]


def test_parts_can_be_switched_off():
    hand = synthetic_hand()
    blank = grey()
    nothing = palmlite.draw(blank, hand, landmarks=False, connections=False, labels=False)
    np.testing.assert_array_equal(np.asarray(nothing), blank)
    with_label = np.asarray(palmlite.draw(blank, hand, landmarks=False, connections=False))
    assert (with_label != blank).any()


def test_roi_and_palm_box_are_drawn_where_they_are():
    hand = synthetic_hand()
    plain = np.asarray(palmlite.draw(grey(), hand, labels=False))
    boxed = np.asarray(palmlite.draw(grey(), hand, labels=False, roi=True, palm_box=True))
    changed = (plain != boxed).any(axis=2)
    # ROI: a 120 px square centred at (100, 80); palm box from (60, 80) to (140, 144).
    for x, y in ((40, 20), (159, 20), (40, 139), (159, 139), (60, 144), (140, 110)):
        assert changed[y - 1:y + 2, x - 1:x + 2].any(), (x, y)
    assert not changed[5:15, 5:30].any()  # far from both


def test_roi_corners_follow_the_rotation():
    roi = Roi.from_pixels((50, 40), 20, math.pi / 2, (100, 80))
    corners = np.array(roi_corners_px(roi, (100, 80)))
    np.testing.assert_allclose(corners.mean(axis=0), [50, 40], atol=1e-9)
    sides = np.linalg.norm(np.roll(corners, -1, axis=0) - corners, axis=1)
    np.testing.assert_allclose(sides, 20, atol=1e-9)
    # Rotation is clockwise on screen: a quarter turn points the top edge (fingers) right.
    top_middle = (corners[0] + corners[1]) / 2
    np.testing.assert_allclose(top_middle, [60, 40], atol=1e-9)


def test_the_drawing_is_scaled_to_the_image_it_is_drawn_on():
    # Normalized coordinates: the same hand lands at the same relative place on a 2x image.
    hand = synthetic_hand()
    big = np.asarray(palmlite.draw(grey(400, 320), hand, labels=False, line_width=3))
    x, y = hand.landmarks[8, :2] * [400, 320]
    assert tuple(big[round(y), round(x)]) == FINGER_COLORS["index"]


def test_labels_with_and_without_track_id_differ():
    blank = grey()
    plain = np.asarray(palmlite.draw(blank, synthetic_hand(), landmarks=False, connections=False))
    tracked = np.asarray(palmlite.draw(blank, synthetic_hand(track_id=7), landmarks=False,
                                       connections=False))
    assert not np.array_equal(plain, tracked)


def test_bad_arguments():
    with pytest.raises(TypeError, match="iterable of Hands"):
        palmlite.draw(grey(), ["not a hand"])  # type: ignore[list-item]
    for not_a_result in (None, 3, "hand"):
        expected = f"iterable of Hands, got {type(not_a_result).__name__}$"
        with pytest.raises(TypeError, match=expected):
            palmlite.draw(grey(), not_a_result)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="line_width"):
        palmlite.draw(grey(), synthetic_hand(), line_width=0)
    with pytest.raises(ValueError, match="dtype uint8"):
        palmlite.draw(grey().astype(np.float32), synthetic_hand())
