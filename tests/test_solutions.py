"""The legacy ``mp.solutions.hands`` drop-in (issue 4).

The example scripts in ``examples/legacy/`` are ordinary MediaPipe 0.10.21 scripts. Their outputs
under MediaPipe are committed (``tests/tools/make_legacy_goldens.py``); here they run again with
only ``import mediapipe as mp`` changed to ``import palmlite as mp``, and must agree.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import DATA, load_rgb
from free_running import check_against_floor, drift, legacy_video_config, printed_run
from PIL import Image
from tolerances import STATIC_MAX_PX, STATIC_MEDIAN_PX, STATIC_SCORE, STATIC_WORLD_M

import palmlite
import palmlite as mp
from palmlite.solutions import drawing_styles, drawing_utils
from palmlite.solutions import hands as mp_hands
from palmlite.solutions._messages import SolutionOutputs

ROOT = Path(__file__).resolve().parents[1]
LEGACY = ROOT / "examples" / "legacy"
GOLDEN = json.loads((DATA / "goldens" / "legacy_scripts.json").read_text())
CHAOS_FLOOR = json.loads((DATA / "goldens" / "chaos_floor.json").read_text())
MEDIAPIPE_IMPORT = "import mediapipe as mp\n"
PALMLITE_IMPORT = "import palmlite as mp\n"


def run_with_palmlite(script: str, args: list[str], tmp_path: Path) -> list[dict[str, Any]]:
    """Run an example script with its one import line swapped, as a user would."""
    source = (LEGACY / script).read_text()
    assert source.count(MEDIAPIPE_IMPORT) == 1, "the script must have exactly one mp import"
    patched = tmp_path / script
    patched.write_text(source.replace(MEDIAPIPE_IMPORT, PALMLITE_IMPORT))
    done = subprocess.run([sys.executable, str(patched), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def golden_runs(script: str) -> list[tuple[str, dict[str, Any]]]:
    return [(" ".join(r["args"]), r) for r in GOLDEN["runs"] if r["script"] == script]


def image_size(path: str) -> tuple[int, int]:
    with Image.open(ROOT / path) as image:
        return image.size


def landmark_errors_px(ours: list[list[float]], theirs: list[list[float]],
                       size: tuple[int, int]) -> np.ndarray:
    scale = np.array(size, dtype=np.float64)
    delta = (np.array(ours)[:, :2] - np.array(theirs)[:, :2]) * scale
    return np.hypot(delta[:, 0], delta[:, 1])


# -- the scripts, both ways --------------------------------------------------------------------

@pytest.mark.parametrize(("args", "golden"), golden_runs("static_images.py"),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_static_script_matches_mediapipe(args, golden, tmp_path):
    records = run_with_palmlite("static_images.py", golden["args"], tmp_path)
    assert [r["file"] for r in records] == [g["file"] for g in golden["records"]]
    errors, world, score = [], 0.0, 0.0
    for ours, theirs in zip(records, golden["records"], strict=True):
        assert len(ours["hands"]) == len(theirs["hands"]), ours["file"]
        size = image_size(ours["file"])
        for a, b in zip(ours["hands"], theirs["hands"], strict=True):
            assert (a["label"], a["index"]) == (b["label"], b["index"]), ours["file"]
            score = max(score, abs(a["score"] - b["score"]))
            errors.append(landmark_errors_px(a["landmarks"], b["landmarks"], size))
            world = max(world, float(np.abs(np.array(a["world_landmarks"])
                                            - np.array(b["world_landmarks"])).max()))
    err = np.concatenate(errors)
    # The static parity bounds (tests/tolerances.py, measured and emulated there).
    report = (f"median {np.median(err):.4f} px (bound {STATIC_MEDIAN_PX}), max {err.max():.4f} "
              f"px (bound {STATIC_MAX_PX}), world {world:.2e} m (bound {STATIC_WORLD_M}), "
              f"handedness score {score:.2e} (bound {STATIC_SCORE})")
    assert np.median(err) <= STATIC_MEDIAN_PX and err.max() <= STATIC_MAX_PX, report
    assert world <= STATIC_WORLD_M and score <= STATIC_SCORE, report


@pytest.mark.parametrize(("args", "golden"), golden_runs("video_loop.py"),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_video_script_matches_mediapipe(args, golden, tmp_path):
    records = run_with_palmlite("video_loop.py", golden["args"], tmp_path)
    assert len(records) == len(golden["records"]) == 40
    assert [(r["width"], r["height"]) for r in records] == [
        (g["width"], g["height"]) for g in golden["records"]]
    # A free-running loop: each frame's crop comes from the last frame's landmarks, so float
    # noise (another CPU's kernels, ONNX instead of TFLite) compounds from frame to frame. The
    # bound is MediaPipe's own drift on perturbed frames (tests/data/goldens/chaos_floor.json),
    # for the Hands options this command line selects.
    clip, run = legacy_video_config(golden["args"])
    measured = drift(printed_run(golden["records"]), printed_run(records),
                     (records[0]["width"], records[0]["height"]))
    failures, report = check_against_floor(measured, CHAOS_FLOOR["floors"][clip][run],
                                           f"{clip} ({run})")
    assert not failures, f"{failures} out of bounds. {report}"


@pytest.mark.parametrize(("args", "golden"), golden_runs("drawing.py"),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_drawing_script_matches_mediapipe(args, golden, tmp_path):
    source = golden["args"][0]
    out = tmp_path / "annotated.png"
    records = run_with_palmlite("drawing.py", [source, str(out)], tmp_path)
    assert records == golden["records"]
    before = np.asarray(Image.open(ROOT / source).convert("RGB"))
    after = np.asarray(Image.open(out).convert("RGB"))
    assert after.shape == before.shape
    ours = (after != before).any(axis=-1)
    layer = np.asarray(Image.open(DATA / "goldens" / f"legacy_drawing_{Path(source).stem}.png"))
    theirs = layer[..., 3] == 255
    # Same strokes in the same places: OpenCV's and palmlite's rasterisers differ only at
    # stroke edges (measured IoU 0.96, colour agreement 0.92 on two_thumbs_up.jpg). Landmark
    # noise across CPUs (< 0.5 px, tests/tolerances.py) moves few edge pixels: the bounds held
    # under every emulated noise level there.
    union = ours | theirs
    iou = (ours & theirs).sum() / union.sum()
    same_colour = (after[union] == np.where(theirs[..., None], layer[..., :3], before)[union])
    agreement = same_colour.all(axis=-1).mean()
    assert iou >= 0.9 and agreement >= 0.85, (iou, agreement)


# -- attribute shapes ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def static_results() -> SolutionOutputs:
    with mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=2) as hands:
        return hands.process(load_rgb("hands.jpg"))


def test_result_attributes_have_mediapipe_shapes(static_results):
    r = static_results
    assert isinstance(r, tuple) and r._fields == (
        "multi_hand_landmarks", "multi_hand_world_landmarks", "multi_handedness")
    assert len(r.multi_hand_landmarks) == len(r.multi_hand_world_landmarks) == 2
    assert len(r.multi_handedness) == 2
    for landmarks, world, handedness in zip(r.multi_hand_landmarks, r.multi_hand_world_landmarks,
                                            r.multi_handedness, strict=True):
        assert len(landmarks.landmark) == len(world.landmark) == 21
        for point in [*landmarks.landmark, *world.landmark]:
            for name in ("x", "y", "z", "visibility", "presence"):
                assert type(getattr(point, name)) is float
        tip = landmarks.landmark[mp.solutions.hands.HandLandmark.INDEX_FINGER_TIP]
        assert 0.0 <= tip.x <= 1.0 and 0.0 <= tip.y <= 1.0
        label = handedness.classification[0]
        assert type(label.index) is int and type(label.score) is float
        assert type(label.label) is str and type(label.display_name) is str
        assert (label.label, label.index) in {("Left", 0), ("Right", 1)}
        assert 0.5 <= label.score <= 1.0


def test_no_hand_gives_three_nones():
    with mp_hands.Hands(static_image_mode=True) as hands:
        r = hands.process(np.zeros((120, 160, 3), np.uint8))
    assert r == (None, None, None)
    assert r.multi_hand_landmarks is None and r.multi_handedness is None


def test_module_names_legacy_scripts_import():
    assert mp.solutions.hands.HAND_CONNECTIONS == palmlite.HAND_CONNECTIONS
    assert len(mp.solutions.hands.HAND_CONNECTIONS) == 21
    assert mp.solutions.hands.HandLandmark.WRIST == 0
    assert mp.solutions.hands.HandLandmark.PINKY_TIP == 20
    assert {(1, 2), (2, 3), (3, 4)} == mp.solutions.hands_connections.HAND_THUMB_CONNECTIONS
    assert mp.solutions.drawing_utils.DrawingSpec().thickness == 2
    assert mp.solutions.drawing_utils.RED_COLOR == (0, 0, 255)


def test_static_mode_is_the_native_detect_with_legacy_labels():
    image = load_rgb("two_thumbs_up.jpg")
    native = palmlite.HandLandmarker(model="lite", mirrored=True).detect(image)
    with mp_hands.Hands(static_image_mode=True, model_complexity=0) as hands:
        legacy = hands.process(image)
    assert len(legacy.multi_hand_landmarks) == len(native.hands) >= 1
    for hand, landmarks, handedness in zip(native.hands, legacy.multi_hand_landmarks,
                                           legacy.multi_handedness, strict=True):
        got = np.array([[p.x, p.y, p.z] for p in landmarks.landmark], dtype=np.float32)
        np.testing.assert_array_equal(got, hand.landmarks)
        assert handedness.classification[0].label == hand.handedness


def test_min_tracking_confidence_gates_presence_in_static_mode():
    image = load_rgb("hands.jpg")
    with mp_hands.Hands(static_image_mode=True, min_tracking_confidence=1.0) as hands:
        assert hands.process(image).multi_hand_landmarks is None  # kept only if presence > 1


def test_video_mode_tracks_and_reset_forgets():
    image = load_rgb("thumb_up_teal.jpg")
    with mp_hands.Hands(static_image_mode=False, max_num_hands=1) as hands:
        first = hands.process(image)
        tracker = hands._tracker
        assert tracker is not None and tracker.last_plan.run_detector
        hands.process(image)
        assert not tracker.last_plan.run_detector  # max hands tracked: no detector
        hands.reset()
        hands.process(image)
        assert tracker.last_plan.run_detector
    assert first.multi_hand_landmarks is not None


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"model_complexity": 2}, ValueError),
    ({"model_complexity": True}, ValueError),
    ({"max_num_hands": 0}, ValueError),
    ({"min_detection_confidence": 1.5}, ValueError),
    ({"min_tracking_confidence": -0.1}, ValueError),
    ({"max_num_hands": "2"}, TypeError),
])
def test_bad_options_are_refused(kwargs, error):
    with pytest.raises(error):
        mp_hands.Hands(**kwargs)


def test_bad_images_are_refused_like_mediapipe():
    with mp_hands.Hands(static_image_mode=True) as hands:
        with pytest.raises(ValueError, match="RGB"):
            hands.process(np.zeros((10, 10, 4), np.uint8))
        with pytest.raises(ValueError, match="RGB"):
            hands.process(np.zeros((10, 10), np.uint8))


def test_process_after_close_raises_and_double_close_is_allowed():
    hands = mp_hands.Hands(static_image_mode=True)
    hands.close()
    with pytest.raises(ValueError, match="closed"):
        hands.process(np.zeros((10, 10, 3), np.uint8))
    # DEVIATION: MediaPipe raises on a second close(); palmlite makes it a no-op.
    hands.close()
    with mp_hands.Hands() as inner:
        inner.close()


# -- drawing ---------------------------------------------------------------------------------------

def _hand(points: list[tuple[float, float]]) -> Any:
    from palmlite.solutions._messages import NormalizedLandmark, NormalizedLandmarkList

    return NormalizedLandmarkList(landmark=[NormalizedLandmark(x=x, y=y) for x, y in points])


def test_draw_landmarks_draws_in_place_at_the_landmarks():
    image = np.zeros((100, 200, 3), np.uint8)
    hand = _hand([(0.25, 0.5), (0.75, 0.5)])
    spec = drawing_utils.DrawingSpec(color=(10, 20, 30), thickness=-1, circle_radius=3)
    line = drawing_utils.DrawingSpec(color=(1, 2, 3), thickness=2)
    assert drawing_utils.draw_landmarks(image, hand, [(0, 1)], spec, line) is None
    assert tuple(image[50, 50]) == (10, 20, 30) and tuple(image[50, 150]) == (10, 20, 30)
    assert tuple(image[50, 100]) == (1, 2, 3)            # the connection between them
    assert tuple(image[50, 50 - 4]) == drawing_utils.WHITE_COLOR  # the white rim
    assert not image[:40].any() and not image[61:].any()   # nothing far from the strokes


def test_draw_landmarks_skips_points_outside_the_image_and_their_connections():
    image = np.zeros((50, 50, 3), np.uint8)
    drawing_utils.draw_landmarks(image, _hand([(-0.2, 0.5), (1.5, 0.5)]), [(0, 1)])
    assert not image.any()


def test_draw_landmarks_specs_none_and_flags():
    image = np.zeros((50, 50, 3), np.uint8)
    hand = _hand([(0.2, 0.5), (0.8, 0.5)])
    drawing_utils.draw_landmarks(image, hand, [(0, 1)], landmark_drawing_spec=None)
    assert tuple(image[25, 10]) == drawing_utils.WHITE_COLOR  # line only, no red dot
    assert not (image == drawing_utils.RED_COLOR).all(axis=-1).any()
    drawing_utils.draw_landmarks(image, None)  # nothing to draw is not an error


@pytest.mark.parametrize(("image", "error", "match"), [
    (np.zeros((10, 10, 4), np.uint8), ValueError, "H, W, 3"),
    (np.zeros((10, 10), np.uint8), ValueError, "H, W, 3"),
    (np.zeros((10, 10, 3), np.float32), ValueError, "uint8"),
    ([[0, 0, 0]], TypeError, "numpy"),
])
def test_draw_landmarks_refuses_bad_images(image, error, match):
    with pytest.raises(error, match=match):
        drawing_utils.draw_landmarks(image, _hand([(0.5, 0.5)]))


def test_draw_landmarks_refuses_read_only_images_and_bad_connections():
    image = np.zeros((10, 10, 3), np.uint8)
    image.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        drawing_utils.draw_landmarks(image, _hand([(0.5, 0.5)]))
    with pytest.raises(ValueError, match="out of range"):
        drawing_utils.draw_landmarks(np.zeros((10, 10, 3), np.uint8), _hand([(0.5, 0.5)]),
                                     [(0, 21)])


def test_default_styles_cover_every_landmark_and_connection():
    dots = drawing_styles.get_default_hand_landmarks_style()
    lines = drawing_styles.get_default_hand_connections_style()
    assert set(dots) == set(range(21)) and set(lines) == set(palmlite.HAND_CONNECTIONS)
    assert all(s.thickness == -1 and s.circle_radius == 5 for s in dots.values())
    assert dots[mp_hands.HandLandmark.WRIST].color == (48, 48, 255)
    assert lines[(0, 1)] == drawing_utils.DrawingSpec(color=(128, 128, 128), thickness=3)
    assert all(dataclasses.is_dataclass(s) for s in [*dots.values(), *lines.values()])
