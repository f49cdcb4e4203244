"""The public HandLandmarker API: result shapes, conventions, bad input, threads, memory."""

from __future__ import annotations

import math
import threading
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from conftest import IMAGES, load_rgb
from PIL import Image
from tolerances import TEACHER_MAX_PX

import palmlite
from palmlite.types import Roi


def test_result_layout(full_landmarker):
    result = full_landmarker.detect(load_rgb("hands.jpg"))
    assert result.image_size == (720, 382) and len(result) == 2
    for hand in result:
        for name in ("landmarks", "landmarks_px", "world_landmarks"):
            arr = getattr(hand, name)
            assert arr.shape == (21, 3) and arr.dtype == np.float32
            assert not arr.flags.writeable
        np.testing.assert_allclose(hand.landmarks_px[:, 0], hand.landmarks[:, 0] * 720, rtol=1e-6)
        np.testing.assert_allclose(hand.landmarks_px[:, 1], hand.landmarks[:, 1] * 382, rtol=1e-6)
        assert hand.handedness in ("Left", "Right") and 0.5 <= hand.handedness_score <= 1
        assert hand.presence > 0.5
        assert isinstance(hand.roi, Roi) and isinstance(hand.palm, palmlite.PalmDetection)
        assert hand.palm.keypoints_xy.shape == (7, 2)
        # World landmarks are metres around the hand centre: a hand is ~20 cm across.
        assert np.abs(hand.world_landmarks).max() < 0.2


def test_wrist_and_fingertip_land_on_the_hand(full_landmarker):
    # tfjs-models' own expectation for hands.jpg (MediaPipe full, +-20 px in their test).
    result = full_landmarker.detect(load_rgb("hands.jpg"))
    wrists = sorted(
        tuple(np.round(h.landmarks_px[palmlite.HandLandmark.WRIST, :2])) for h in result
    )
    assert np.allclose(wrists[0], (144, 345), atol=20)
    assert np.allclose(wrists[1], (577, 37), atol=20)


def test_inputs_path_pil_and_array_agree(full_landmarker):
    path = IMAGES / "thumb_up_teal.jpg"
    a = full_landmarker.detect(path)
    b = full_landmarker.detect(str(path))
    c = full_landmarker.detect(Image.open(path))
    d = full_landmarker.detect(load_rgb("thumb_up_teal.jpg"))
    for other in (b, c, d):
        np.testing.assert_array_equal(a.hands[0].landmarks, other.hands[0].landmarks)


@pytest.mark.parametrize("mode", ["RGBA", "L", "P", "LA", "CMYK"])
def test_pil_modes_are_converted_to_rgb(full_landmarker, mode):
    image = Image.open(IMAGES / "thumb_up_teal.jpg").convert(mode)
    result = full_landmarker.detect(image)
    assert result.image_size == (640, 521)


def test_non_contiguous_and_read_only_arrays(full_landmarker):
    pixels = load_rgb("hands.jpg")
    padded = np.zeros((382, 720, 4), np.uint8)
    padded[..., :3] = pixels
    view = padded[..., :3]  # non-contiguous
    view.flags.writeable = False
    np.testing.assert_array_equal(
        full_landmarker.detect(view).hands[0].landmarks,
        full_landmarker.detect(pixels).hands[0].landmarks,
    )


def test_no_hand_is_an_empty_result(full_landmarker):
    result = full_landmarker.detect(np.full((240, 320, 3), 128, np.uint8))
    assert result.hands == () and len(result) == 0 and result.image_size == (320, 240)


@pytest.mark.parametrize("shape", [(1, 1, 3), (1, 5000, 3), (3000, 2, 3)])
def test_tiny_and_extreme_aspect_images_work(full_landmarker, shape):
    assert full_landmarker.detect(np.zeros(shape, np.uint8)).hands == ()


def test_huge_image_memory_is_bounded_by_the_crops(full_landmarker):
    # A 20000 x 20000 view without storage (zero strides): any full-image copy or conversion
    # would allocate >= 1.2 GB; the pipeline must only touch crop-sized buffers.
    huge = np.broadcast_to(np.array([90, 120, 150], np.uint8), (20000, 20000, 3))
    tracemalloc.start()
    try:
        result = full_landmarker.detect(huge)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.hands == ()
    assert peak < 64 * 2**20, f"peak traced allocation {peak / 2**20:.1f} MiB"


@pytest.mark.parametrize(
    ("image", "error", "match"),
    [
        (np.zeros((10, 10), np.uint8), ValueError, r"\(H, W, 3\).*grayscale"),
        (np.zeros((10, 10, 4), np.uint8), ValueError, r"RGBA"),
        (np.zeros((10, 10, 1), np.uint8), ValueError, r"shape \(10, 10, 1\)"),
        (np.zeros((2, 10, 10, 3), np.uint8), ValueError, r"\(H, W, 3\)"),
        (np.zeros((10, 10, 3), np.float32), ValueError, r"uint8.*float images are refused"),
        (np.zeros((10, 10, 3), np.uint16), ValueError, r"expected dtype uint8, got uint16"),
        (np.zeros((0, 10, 3), np.uint8), ValueError, r"empty"),
        (np.zeros((10, 0, 3), np.uint8), ValueError, r"empty"),
        ([[1, 2, 3]], TypeError, r"numpy array, a PIL.Image, a path, encoded image bytes"),
        (None, TypeError, r"got NoneType"),
    ],
)
def test_bad_images_raise_clear_errors(full_landmarker, image, error, match):
    for call in (full_landmarker.detect, full_landmarker.detect_palms):
        with pytest.raises(error, match=match):
            call(image)
    with pytest.raises(error, match=match):
        full_landmarker.landmarks_in_roi(image, Roi(0.5, 0.5, 0.5, 0.5))


def test_unreadable_paths_name_the_path(full_landmarker, tmp_path: Path):
    missing = tmp_path / "nope.jpg"
    with pytest.raises(FileNotFoundError, match=r"nope\.jpg"):
        full_landmarker.detect(missing)
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg")
    with pytest.raises(ValueError, match=r"corrupt\.jpg"):
        full_landmarker.detect(corrupt)
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes((IMAGES / "hands.jpg").read_bytes()[:4000])
    with pytest.raises(ValueError, match=r"truncated\.jpg"):
        full_landmarker.detect(truncated)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"max_hands": 0}, ValueError), ({"max_hands": 1.5}, TypeError),
        ({"model": "heavy"}, ValueError), ({"min_detection_confidence": 1.5}, ValueError),
        ({"min_presence_confidence": -0.1}, ValueError),
        ({"min_presence_confidence": float("nan")}, ValueError),
        ({"num_threads": 0}, ValueError),
    ],
)
def test_bad_options_raise(kwargs, error):
    with pytest.raises(error):
        palmlite.HandLandmarker(**kwargs)


def test_max_hands_clips_in_mediapipe_order(full_landmarker):
    one = palmlite.HandLandmarker(max_hands=1, num_threads=1).detect(load_rgb("hands.jpg"))
    two = full_landmarker.detect(load_rgb("hands.jpg"))
    assert len(one) == 1 and one.palms[0].score == max(p.score for p in two.palms)


def test_thresholds_are_applied():
    strict = palmlite.HandLandmarker(min_detection_confidence=1.0, num_threads=1)
    assert strict.detect(load_rgb("hands.jpg")).hands == ()
    never = palmlite.HandLandmarker(min_presence_confidence=1.0, num_threads=1)
    assert never.detect(load_rgb("hands.jpg")).hands == ()


def test_detect_palms_returns_scored_palms_best_first(full_landmarker):
    palms = full_landmarker.detect_palms(load_rgb("hands.jpg"))
    assert len(palms) == 2 and palms[0].score >= palms[1].score >= 0.5


def test_landmarks_in_roi_reproduces_detect(full_landmarker):
    pixels = load_rgb("hands.jpg")
    hands = full_landmarker.detect(pixels).hands
    assert len(hands) == 2
    # The same ROIs in one batch, as detect() runs them: the same kernels, the same bits.
    for hand, again in zip(hands, full_landmarker.landmarks_in_rois(pixels, [h.roi for h in hands]),
                           strict=True):
        np.testing.assert_array_equal(again.landmarks, hand.landmarks)
        assert again.palm is None
    # One ROI at a time (batch of 1): measured bit-identical too, but another batch size may
    # take other kernels on some CPUs (tests/tolerances.py): the same crop, so at most the
    # landmark model's own noise.
    for hand in hands:
        alone = full_landmarker.landmarks_in_roi(pixels, hand.roi)
        np.testing.assert_allclose(alone.landmarks_px[:, :2], hand.landmarks_px[:, :2], rtol=0,
                                   atol=TEACHER_MAX_PX)
    with pytest.raises(TypeError, match="Roi"):
        full_landmarker.landmarks_in_roi(pixels, (0.5, 0.5, 0.2, 0.2, 0.0))


def test_landmarks_in_roi_outside_image_is_low_presence(full_landmarker):
    hand = full_landmarker.landmarks_in_roi(load_rgb("hands.jpg"), Roi(3.0, 3.0, 0.2, 0.3, 1.0))
    assert hand.presence < 0.5 and np.all(np.isfinite(hand.landmarks))


@pytest.mark.parametrize(
    "values", [(0.5, 0.5, -0.1, 0.1, 0), (0.5, 0.5, 0.1, 0.0, 0), (math.nan, 0.5, 0.1, 0.1, 0),
               (0.5, 0.5, 0.1, 0.1, math.inf)],
)
def test_invalid_rois_are_refused(values):
    with pytest.raises(ValueError, match="Roi"):
        Roi(*values)


def test_shared_landmarker_is_thread_safe(full_landmarker):
    images = [load_rgb(n) for n in ("hands.jpg", "thumb_up_teal.jpg", "webcam_side_hand.png")]
    serial = [full_landmarker.detect(im) for im in images]
    results: dict[tuple[int, int], palmlite.HandsResult] = {}

    def work(worker: int) -> None:
        for rep in range(3):
            for k, im in enumerate(images):
                results[(worker, rep * 10 + k)] = full_landmarker.detect(im)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 * 3 * len(images)
    for (_, key), result in results.items():
        expected = serial[key % 10]
        assert len(result) == len(expected)
        for a, b in zip(result, expected, strict=True):
            np.testing.assert_array_equal(a.landmarks, b.landmarks)


def test_public_surface():
    assert len(palmlite.HAND_CONNECTIONS) == 21
    assert palmlite.HandLandmark.PINKY_TIP == 20 and len(palmlite.HandLandmark) == 21
    assert all(0 <= a < 21 and 0 <= b < 21 for a, b in palmlite.HAND_CONNECTIONS)
    assert "HandLandmarker" in palmlite.__all__ and palmlite.__version__
    assert "max_hands=2" in repr(palmlite.HandLandmarker(num_threads=1))
