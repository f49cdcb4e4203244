"""HandLandmarker.detect_batch and landmarks_in_rois: batched model calls, same results."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import IMAGES, load_rgb
from tolerances import STAGE_ATOL, STATIC_MAX_PX, STATIC_SCORE, STATIC_WORLD_M, TEACHER_MAX_PX

import palmlite
from palmlite import landmarker as landmarker_module

NAMES = sorted(p.name for p in IMAGES.iterdir())


def assert_same_result(a: palmlite.HandsResult, b: palmlite.HandsResult) -> None:
    # Measured bit-identical (ONNX Runtime's x86-64 kernels compute each row alike whatever
    # the batch size), but that is not guaranteed on every CPU (tests/tolerances.py): a batch
    # may differ from single runs by one pass's cross-kernel noise, i.e. the static bounds.
    assert a.image_size == b.image_size
    assert len(a.hands) == len(b.hands) and len(a.palms) == len(b.palms)
    for x, y in zip(a.hands, b.hands, strict=True):
        np.testing.assert_allclose(x.landmarks_px[:, :2], y.landmarks_px[:, :2], rtol=0,
                                   atol=STATIC_MAX_PX)
        np.testing.assert_allclose(x.world_landmarks, y.world_landmarks, atol=STATIC_WORLD_M)
        assert x.handedness == y.handedness
        assert x.handedness_score == pytest.approx(y.handedness_score, abs=STATIC_SCORE)
        assert x.presence == pytest.approx(y.presence, abs=STATIC_SCORE)
        assert x.roi.as_array() == pytest.approx(y.roi.as_array(), abs=STAGE_ATOL)
    for p, q in zip(a.palms, b.palms, strict=True):
        assert p.score == pytest.approx(q.score, abs=STAGE_ATOL)


def test_detect_batch_equals_detect_one_by_one(full_landmarker):
    images = [load_rgb(name) for name in NAMES]
    batched = full_landmarker.detect_batch(images)
    assert len(batched) == len(images)
    assert sum(len(r.hands) for r in batched) >= len(images)  # not trivially empty
    for image, result in zip(images, batched, strict=True):
        assert_same_result(result, full_landmarker.detect(image))


def test_detect_batch_takes_paths_pil_and_4d_arrays(full_landmarker):
    from PIL import Image

    first = full_landmarker.detect(IMAGES / "hands.jpg")
    mixed = full_landmarker.detect_batch([IMAGES / "hands.jpg", str(IMAGES / "hands.jpg"),
                                          Image.open(IMAGES / "hands.jpg")])
    for result in mixed:
        assert_same_result(result, first)
    stack = np.stack([load_rgb("hand_crop_224.jpg")] * 3)
    for result in full_landmarker.detect_batch(stack):
        assert_same_result(result, full_landmarker.detect(stack[0]))


def test_detect_batch_splits_long_batches(full_landmarker, monkeypatch):
    monkeypatch.setattr(landmarker_module, "_MAX_BATCH", 2)
    calls = []
    original = full_landmarker._palm_model.run

    def counting(tensor):
        calls.append(tensor.shape[0])
        return original(tensor)

    monkeypatch.setattr(full_landmarker._palm_model, "run", counting)
    images = [load_rgb("hand_crop_224.jpg")] * 5
    results = full_landmarker.detect_batch(images)
    assert calls == [2, 2, 1] and len(results) == 5


def test_detect_batch_edge_cases(full_landmarker):
    assert full_landmarker.detect_batch([]) == []
    blank = np.zeros((64, 48, 3), np.uint8)
    (result,) = full_landmarker.detect_batch([blank])
    assert result.hands == () and result.image_size == (48, 64)


@pytest.mark.parametrize("bad", [
    np.zeros((10, 10, 3), np.uint8),  # one image, not a batch
    "photo.jpg",
])
def test_detect_batch_refuses_a_single_image(full_landmarker, bad):
    with pytest.raises(TypeError, match=r"detect\(\)"):
        full_landmarker.detect_batch(bad)


def test_detect_batch_names_the_bad_image_before_running(full_landmarker, monkeypatch):
    def fail(tensor):
        raise AssertionError("no model may run when an input is invalid")

    monkeypatch.setattr(full_landmarker._palm_model, "run", fail)
    with pytest.raises(ValueError, match=r"images\[1\]: .*uint8"):
        full_landmarker.detect_batch([np.zeros((8, 8, 3), np.uint8),
                                      np.zeros((8, 8, 3), np.float32)])


def test_landmarks_in_rois_equals_one_roi_at_a_time(full_landmarker):
    image = load_rgb("hands.jpg")
    rois = [hand.roi for hand in full_landmarker.detect(image).hands]
    assert len(rois) == 2
    together = full_landmarker.landmarks_in_rois(image, rois)
    for roi, hand in zip(rois, together, strict=True):
        alone = full_landmarker.landmarks_in_roi(image, roi)
        # Same crop, batch of 2 against 1: at most the landmark model's cross-kernel noise,
        # the teacher-forced bound (measured bit-identical).
        np.testing.assert_allclose(hand.landmarks_px[:, :2], alone.landmarks_px[:, :2], rtol=0,
                                   atol=TEACHER_MAX_PX)
    assert full_landmarker.landmarks_in_rois(image, []) == []
    with pytest.raises(TypeError, match="Roi"):
        full_landmarker.landmarks_in_rois(image, [rois[0], (0.5, 0.5, 0.1, 0.1, 0.0)])
