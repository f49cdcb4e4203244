"""HandTracker with the real models."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from conftest import load_rgb

import palmlite
from palmlite.tracking import TrackingPhase


@pytest.fixture(scope="module")
def shared_landmarker():
    return palmlite.HandLandmarker(max_hands=2, model="full", num_threads=1)


def test_still_frames_track_without_detector(shared_landmarker):
    tracker = palmlite.HandTracker(shared_landmarker)
    frame = load_rgb("hands.jpg")
    first = tracker.track(frame, timestamp_ms=0)
    assert tracker.last_plan is not None and tracker.last_plan.run_detector
    assert len(first) == 2 and sorted(h.track_id for h in first) == [0, 1]
    assert tracker.phase is TrackingPhase.FULL
    second = tracker.track(frame, timestamp_ms=40)
    assert not tracker.last_plan.run_detector and second.palms == ()
    assert [h.track_id for h in second] == [h.track_id for h in first]
    # First frame equals the static pipeline (MediaPipe's first video frame is a detection).
    static = shared_landmarker.detect(frame)
    for a, b in zip(first, static, strict=True):
        np.testing.assert_array_equal(a.landmarks, b.landmarks)


def test_state_is_json_and_restorable(shared_landmarker):
    frame = load_rgb("hands.jpg")
    a = palmlite.HandTracker(shared_landmarker)
    a.track(frame)
    saved = json.dumps(a.state.to_dict())
    b = palmlite.HandTracker(shared_landmarker)
    b.state = json.loads(saved)
    ra, rb = a.track(frame), b.track(frame)
    for x, y in zip(ra, rb, strict=True):
        np.testing.assert_array_equal(x.landmarks, y.landmarks)
        assert x.track_id == y.track_id


def test_reset_forgets_tracks_but_not_ids(shared_landmarker):
    tracker = palmlite.HandTracker(shared_landmarker)
    frame = load_rgb("thumb_up_teal.jpg")
    assert [h.track_id for h in tracker.track(frame)] == [0]
    tracker.reset()
    assert tracker.phase is TrackingPhase.SEARCHING
    assert [h.track_id for h in tracker.track(frame)] == [1]


def test_no_hand_then_hand(shared_landmarker):
    tracker = palmlite.HandTracker(shared_landmarker)
    assert tracker.track(np.zeros((120, 160, 3), np.uint8)).hands == ()
    assert tracker.phase is TrackingPhase.SEARCHING
    assert len(tracker.track(load_rgb("thumb_up_teal.jpg"))) == 1


@pytest.mark.parametrize("bad", [0, -5.0, float("nan")])
def test_timestamps_must_increase(shared_landmarker, bad):
    tracker = palmlite.HandTracker(shared_landmarker)
    tracker.track(np.zeros((10, 10, 3), np.uint8), timestamp_ms=0)
    with pytest.raises(ValueError, match="timestamp"):
        tracker.track(np.zeros((10, 10, 3), np.uint8), timestamp_ms=bad)
    with pytest.raises(TypeError):
        tracker.track(np.zeros((10, 10, 3), np.uint8), timestamp_ms="1")  # type: ignore[arg-type]


def test_constructor_options():
    tracker = palmlite.HandTracker(max_hands=1, model="lite", num_threads=1,
                                   detection_interval=3, smooth_landmarks=True)
    assert tracker.config.max_hands == 1 and tracker.config.detection_interval == 3
    with pytest.raises(TypeError, match="not both"):
        palmlite.HandTracker(tracker.landmarker, max_hands=2)
    with pytest.raises(ValueError):
        palmlite.HandTracker(tracker.landmarker, detection_interval=0)


def test_trackers_in_threads_do_not_interfere(shared_landmarker):
    streams = [[load_rgb("hands.jpg")] * 4, [load_rgb("thumb_up_teal.jpg")] * 4]
    serial = []
    for frames in streams:
        t = palmlite.HandTracker(shared_landmarker)
        serial.append([t.track(f) for f in frames])
    results: dict[int, list[palmlite.HandsResult]] = {}

    def run(k: int) -> None:
        t = palmlite.HandTracker(shared_landmarker)
        results[k] = [t.track(f) for f in streams[k]]

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(2):
        for a, b in zip(results[k], serial[k], strict=True):
            assert len(a) == len(b)
            for x, y in zip(a, b, strict=True):
                np.testing.assert_array_equal(x.landmarks, y.landmarks)
