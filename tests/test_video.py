"""read_video (PyAV, the ``video`` extra) and tracking whole clips."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA

import palmlite

CLIP = DATA / "videos" / "asl_hand_40.mp4"


def test_read_video_yields_rgb_frames_with_increasing_timestamps():
    frames = list(palmlite.read_video(CLIP))
    assert len(frames) == 40
    assert frames[0].image.shape == (540, 310, 3) and frames[0].image.dtype == np.uint8
    stamps = [f.timestamp_ms for f in frames]
    assert stamps[0] == 0.0 and np.allclose(np.diff(stamps), 40.0)
    assert [f.index for f in frames] == list(range(40))


def test_missing_and_corrupt_videos(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match=r"nope\.mp4"):
        next(palmlite.read_video(tmp_path / "nope.mp4"))
    with pytest.raises(FileNotFoundError, match=r"is a directory"):
        next(palmlite.read_video(tmp_path))
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 1000)
    with pytest.raises(ValueError, match=r"bad\.mp4"):
        list(palmlite.read_video(bad))


def test_missing_pyav_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(ImportError, match=r"palmlite\[video\]"):
        next(palmlite.read_video(CLIP))


def test_same_video_twice_is_bit_identical():
    landmarker = palmlite.HandLandmarker(max_hands=1, model="lite", num_threads=1)
    runs = []
    for _ in range(2):
        tracker = palmlite.HandTracker(landmarker)
        runs.append([tracker.track(f.image, f.timestamp_ms) for f in palmlite.read_video(CLIP)])
    for a, b in zip(*runs, strict=True):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x.landmarks, y.landmarks)
            np.testing.assert_array_equal(x.world_landmarks, y.world_landmarks)
