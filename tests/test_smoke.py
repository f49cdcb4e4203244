"""Smoke subset: detect, track, draw and the CLI, end to end on real data.

Marked ``smoke``: ``.ci/run`` also runs ``python -m pytest -m smoke`` in a venv holding the
*lowest* versions the package metadata allows (``uv pip install --resolution lowest-direct``),
so every declared dependency floor is exercised. Keep it small and fast (about 10 s), use only
long-standing public API and CLI flags, write only to fresh paths under ``tmp_path``, and assert
outcomes rather than "it did not crash". The full CLI, parity and drawing tests live in their
own files; these need the package installed (the CLI runs as ``python -m palmlite`` elsewhere).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import DATA, IMAGES
from PIL import Image

import palmlite
from palmlite.draw import FINGER_COLORS

pytestmark = pytest.mark.smoke

STATIC = json.loads((DATA / "goldens" / "static.json").read_text(encoding="utf-8"))["images"]
VIDEOS = json.loads((DATA / "goldens" / "video_clips.json").read_text(encoding="utf-8"))
CLIP = DATA / "videos" / "thumb_up_40.mp4"
CLIP_GOLD = VIDEOS["videos"][CLIP.name]


def bundled_sample() -> Path:
    """The sample photo inside the *installed* package (package data, not the source tree)."""
    return Path(str(resources.files("palmlite") / "data" / "sample.jpg"))


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "palmlite", *args], cwd=cwd,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def read_records(path: Path) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert records and all(isinstance(r["schema_version"], int) for r in records)
    return records


@pytest.fixture(scope="module")
def lite() -> palmlite.HandLandmarker:
    return palmlite.HandLandmarker(model="lite", num_threads=1)


def test_installed_metadata_declares_the_licence():
    # Core metadata 2.4 (hatchling >= 1.27): the SPDX expression and both licence files.
    meta = metadata.metadata("palmlite")
    assert meta["License-Expression"] == "Apache-2.0"
    assert sorted(meta.get_all("License-File") or []) == ["LICENSE", "NOTICE"]
    installed = {Path(str(f)).name for f in metadata.files("palmlite") or []
                 if "licenses" in Path(str(f)).parts}
    assert installed == {"LICENSE", "NOTICE"}


def test_detect_on_the_bundled_sample():
    result = palmlite.HandLandmarker(model="full", num_threads=1).detect(bundled_sample())
    (hand,) = result.hands
    assert hand.handedness == "Right" and hand.handedness_score > 0.9 and hand.presence > 0.5
    assert hand.landmarks.shape == hand.landmarks_px.shape == hand.world_landmarks.shape
    assert hand.landmarks.shape == (21, 3) and hand.landmarks.dtype == np.float32
    with Image.open(bundled_sample()) as image:
        width, height = image.size
    xy = hand.landmarks_px[:, :2]
    assert ((xy >= 0) & (xy <= [width, height])).all()


@pytest.mark.parametrize("model", ["lite", "full"])
def test_detect_on_the_test_images_matches_mediapipe(model: str):
    # mirrored=True gives MediaPipe legacy's labels; same bars as the parity test (max 1 px).
    landmarker = palmlite.HandLandmarker(model=model, mirrored=True, num_threads=1)
    for name, gold in sorted(STATIC.items()):
        expected = gold["models"][model]["hands"]
        hands = landmarker.detect(IMAGES / name).hands
        assert [h.handedness for h in hands] == [g["handedness"]["label"] for g in expected], name
        for hand, golden in zip(hands, expected, strict=True):
            want = np.asarray(golden["landmarks"])[:, :2] * [gold["width"], gold["height"]]
            error = np.abs(hand.landmarks_px[:, :2] - want).max()
            assert error <= 1.0, (name, error)


def test_draw_a_real_detection(lite: palmlite.HandLandmarker):
    path = IMAGES / "hands.jpg"
    result = lite.detect(path)
    assert len(result.hands) == 2
    plain = np.asarray(palmlite.draw(path, result, labels=False, line_width=3))
    with Image.open(path) as image:
        original = np.asarray(image.convert("RGB"))
    assert plain.shape == original.shape
    for hand in result.hands:
        for index, finger in ((4, "thumb"), (8, "index"), (20, "pinky")):
            x, y = hand.landmarks_px[index, :2]
            assert tuple(plain[round(y), round(x)]) == FINGER_COLORS[finger], finger
    # Labels (text rendered with Pillow's default font), ROI and palm box add more ink.
    full = palmlite.draw(path, result, roi=True, palm_box=True)
    assert full.mode == "RGB" and full.size == (original.shape[1], original.shape[0])
    assert ((np.asarray(full) != plain).any(axis=2)).sum() > 500


def test_read_video_and_track():
    frames = list(palmlite.read_video(CLIP))
    assert [f.index for f in frames] == list(range(CLIP_GOLD["num_frames"]))
    assert [f.timestamp_ms for f in frames] == CLIP_GOLD["timestamps_ms"]
    for frame, digest in zip(frames, CLIP_GOLD["frame_rgb_sha256"], strict=True):
        assert frame.image.shape == (CLIP_GOLD["height"], CLIP_GOLD["width"], 3)
        assert hashlib.sha256(frame.image.tobytes()).hexdigest() == digest, frame.index
    gold = VIDEOS["videos"][CLIP.name]["runs"]["lite_max1"]["frames"]
    landmarker = palmlite.HandLandmarker(model="lite", max_hands=1, mirrored=True, num_threads=1)
    tracker = palmlite.HandTracker(landmarker)
    counts = [len(tracker.track(f.image, timestamp_ms=f.timestamp_ms).hands) for f in frames]
    expected = [len(g["hands"]) for g in gold]
    assert sum(counts) > 10
    equal = sum(c == e for c, e in zip(counts, expected, strict=True))
    assert equal >= 0.95 * len(frames), (counts, expected)


def test_cli_detect_the_bundled_sample(tmp_path: Path):
    out = tmp_path / "sample.jsonl"
    run_cli("detect", "-o", str(out), cwd=tmp_path)
    (record,) = read_records(out)
    assert record["record"] == "image" and Path(record["file"]).name == "sample.jpg"
    assert [h["handedness"] for h in record["hands"]] == ["Right"]
    assert len(record["hands"][0]["landmarks_px"]) == 21


def run_cli_on_a_terminal(*args: str, cwd: Path) -> str:
    """Run the CLI with stderr on a pseudo-terminal (so the tqdm bar shows); return stderr."""
    import fcntl
    import pty
    import select
    import struct
    import termios
    import time

    controller, terminal = pty.openpty()
    # 24 rows, 100 columns: a new pty has 0 columns, which leaves no room for the bar.
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        process = subprocess.Popen([sys.executable, "-m", "palmlite", *args], cwd=cwd,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=terminal)
    finally:
        os.close(terminal)
    chunks = []
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if not select.select([controller], [], [], 1.0)[0]:
                continue
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(controller)
        if process.poll() is None and time.monotonic() >= deadline:
            process.kill()
    stderr = b"".join(chunks).decode("utf-8", "replace")
    assert process.wait(timeout=120) == 0, stderr
    return stderr


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal (POSIX)")
def test_cli_detect_a_folder_with_annotate_and_the_progress_bar(tmp_path: Path):
    out, annotated = tmp_path / "out" / "images.jsonl", tmp_path / "annotated"
    stderr = run_cli_on_a_terminal("detect", str(IMAGES), "-o", str(out), "--annotate",
                                   str(annotated), "--model", "lite", cwd=tmp_path)
    # tqdm's bar, finished: "100%|...| 6/6 [...]".
    assert "100%" in stderr and "6/6" in stderr, stderr
    records = read_records(out)
    names = sorted(STATIC)
    assert [Path(r["file"]).name for r in records] == names
    assert [len(r["hands"]) for r in records] == [len(STATIC[n]["models"]["lite"]["hands"])
                                                  for n in names]
    assert sorted(p.name for p in annotated.iterdir()) == names
    for name in names:
        with Image.open(annotated / name) as drawn, Image.open(IMAGES / name) as source:
            assert drawn.size == source.size and drawn.format == source.format


def test_cli_track_with_annotate(tmp_path: Path):
    out, video = tmp_path / "frames.jsonl", tmp_path / "annotated.mp4"
    run_cli("track", str(CLIP), "-o", str(out), "--annotate", str(video),
            "--model", "lite", "--max-hands", "1", cwd=tmp_path)
    *frames, end = read_records(out)
    assert end["record"] == "video_end" and end["frames"] == len(frames) == 40
    assert [r["frame"] for r in frames] == list(range(40))
    assert [r["timestamp_ms"] for r in frames] == CLIP_GOLD["timestamps_ms"]
    assert sum(len(r["hands"]) for r in frames) > 10
    assert all(h["track_id"] is not None for r in frames for h in r["hands"])
    decoded = list(palmlite.read_video(video))
    assert len(decoded) == 40 and decoded[0].image.shape == (360, 640, 3)
