"""Video-mode parity with MediaPipe 0.10.21 on the committed 40-frame clips.

Teacher-forced (MediaPipe's own ROI of each frame fed to palmlite) measures per-frame noise, which
is small on every CPU: bounded tightly (``tolerances.TEACHER_*``). ROI-from-landmarks and the
palm-detector schedule are checked too. Free-running (palmlite tracking on its own) amplifies any
float noise from frame to frame, so it is bounded by MediaPipe's own chaos floor
(``tests/data/goldens/chaos_floor.json``, ``tests/tools/make_chaos_floor.py``): how far MediaPipe
drifts from itself when 0.1% of the pixels of each frame change by one grey level.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from conftest import DATA
from free_running import PERTURB_FRACTION, check_against_floor, drift, golden_run
from parity_utils import video_parity
from tolerances import TEACHER_MAX_PX, TEACHER_MEDIAN_PX

import palmlite

GOLDENS = json.loads((DATA / "goldens" / "video_clips.json").read_text())
FLOOR = json.loads((DATA / "goldens" / "chaos_floor.json").read_text())
CLIPS = sorted(GOLDENS["videos"])
RUNS = ["lite_max1", "lite_max2", "full_max1", "full_max2"]


@pytest.fixture(scope="module")
def decoded():
    return {name: [f.image for f in palmlite.read_video(DATA / "videos" / name)]
            for name in CLIPS}


def test_the_chaos_floor_covers_every_golden_run():
    assert FLOOR["mediapipe_version"] == GOLDENS["mediapipe_version"] == "0.10.21"
    assert {c: sorted(v["runs"]) for c, v in GOLDENS["videos"].items()} == {
        c: sorted(v) for c, v in FLOOR["floors"].items()}
    assert len(FLOOR["perturbation"]["seeds"]) >= 8
    assert FLOOR["perturbation"]["fraction"] == PERTURB_FRACTION


@pytest.mark.parametrize("run", RUNS)
@pytest.mark.parametrize("clip", CLIPS)
def test_video_parity(decoded, clip, run):
    video = GOLDENS["videos"][clip]
    frames = decoded[clip]
    for pixels, digest in zip(frames, video["frame_rgb_sha256"], strict=True):
        assert hashlib.sha256(np.ascontiguousarray(pixels).tobytes()).hexdigest() == digest
    gold = video["runs"][run]
    landmarker = palmlite.HandLandmarker(max_hands=gold["max_num_hands"], model=gold["model"],
                                         mirrored=True, num_threads=1)
    p = video_parity(landmarker, frames, gold["frames"])
    t = p.teacher_err_px
    teacher = (
        f"{clip}/{run}: teacher-forced median {np.median(t):.5f} px (bound "
        f"{TEACHER_MEDIAN_PX}), max {t.max():.5f} px (bound {TEACHER_MAX_PX}); "
        f"roi err {p.roi_err:.2e} (bound 1e-5)"
    )
    assert np.median(t) <= TEACHER_MEDIAN_PX and t.max() <= TEACHER_MAX_PX, teacher
    # ROI-from-landmarks on MediaPipe's own landmarks: NumPy only, no model involved.
    assert p.roi_err <= 1e-5, teacher

    free = drift(golden_run(gold["frames"]), p.free_hands, (video["width"], video["height"]),
                 [f["palm_detector_ran"] for f in gold["frames"]], p.free_detector_ran)
    failures, report = check_against_floor(free, FLOOR["floors"][clip][run],
                                           f"{clip}/{run} free-running")
    assert not failures, f"{failures} out of bounds. {report}"
