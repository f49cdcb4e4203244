"""Property-based fuzzing: random images, ROIs and tracker inputs through the models and the
pure geometry stages. Every output must be finite and in its documented range, and nothing but
the documented exceptions may come out.

Model-running properties use few examples (each runs ONNX Runtime); the pure stages many.
The hypothesis database is off so the test run writes nothing into the checkout.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from conftest import load_rgb
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_reliability import check_hand, check_result

import palmlite
from palmlite import Hand, PalmDetection, Roi, _validate
from palmlite.association import RoiCandidate, associate_rois, frame_candidates, roi_box_xyxy
from palmlite.boxes import iou_matrix
from palmlite.landmark_decode import decode_landmarks, handedness_from_score
from palmlite.letterbox import RectPx, full_image_rect, pad_to_aspect, remove_letterbox
from palmlite.projection import landmarks_to_pixels, project_landmarks, rotate_world_landmarks
from palmlite.roi import normalize_radians, roi_from_landmarks, roi_from_palm
from palmlite.smoothing import LANDMARK_ONE_EURO, one_euro_step
from palmlite.tracking import (
    Track,
    TrackerConfig,
    TrackerState,
    TrackingPhase,
    plan_frame,
    update_tracks,
)

MODEL = settings(max_examples=15, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow])
PURE = settings(max_examples=100, deadline=None, database=None)

_PHOTO = load_rgb("thumb_up_teal.jpg")  # one hand, so some examples reach the landmark model


@pytest.fixture(scope="module")
def lite() -> palmlite.HandLandmarker:
    return palmlite.HandLandmarker(model="lite", num_threads=1)


# -- strategies -----------------------------------------------------------------------------------

_KINDS = ("constant", "noise", "gradient", "stripes", "photo")


def _make_image(height: int, width: int, kind: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "constant":
        return np.full((height, width, 3), rng.integers(0, 256, 3), np.uint8)
    if kind == "noise":
        return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    if kind == "gradient":
        ramp = np.linspace(0, 255, width, dtype=np.float32)[None, :, None]
        return np.broadcast_to(ramp, (height, width, 3)).astype(np.uint8)
    if kind == "stripes":
        rows = (np.arange(height) // max(1, seed % 7 + 1)) % 2 * 255
        return np.repeat(rows.astype(np.uint8)[:, None, None], width, 1).repeat(3, 2)
    # A crop of a real photo, resampled by striding (no resize library needed).
    ys = np.linspace(0, _PHOTO.shape[0] - 1, height).astype(int)
    xs = np.linspace(0, _PHOTO.shape[1] - 1, width).astype(int)
    return _PHOTO[ys][:, xs]


images = st.builds(
    _make_image,
    st.integers(1, 64) | st.sampled_from([1, 2, 3]),
    st.integers(1, 64) | st.sampled_from([1, 2, 3]),
    st.sampled_from(_KINDS),
    st.integers(0, 2**32 - 1),
)
# Large real photos occasionally, so hands are actually found and landmarked.
photos = st.builds(lambda h, w: _make_image(h, w, "photo", 0), st.integers(120, 300),
                   st.integers(120, 300))
finite = st.floats(allow_nan=False, allow_infinity=False)
angles = st.floats(-1e4, 1e4, allow_nan=False)
# ROIs in wide but croppable ranges (normalized units): far outside the image, tiny to huge.
rois = st.builds(Roi, st.floats(-20, 20), st.floats(-20, 20), st.floats(1e-3, 50),
                 st.floats(1e-3, 50), angles)
# Any finite Roi: the crop may be impossible in float32 (then ValueError, documented).
wild_rois = st.builds(
    Roi, finite, finite, st.floats(min_value=1e-300, max_value=1e300),
    st.floats(min_value=1e-300, max_value=1e300), finite)
sizes = st.tuples(st.integers(1, 5000), st.integers(1, 5000))


# -- model-running properties ---------------------------------------------------------------------


@MODEL
@given(image=images | photos)
def test_detect_random_images(lite: palmlite.HandLandmarker, image: np.ndarray) -> None:
    result = lite.detect(image)
    check_result(result)
    assert result.image_size == (image.shape[1], image.shape[0])
    assert len(result) <= lite.max_hands
    check_result(lite.detect_palms(image))


@MODEL
@given(image=images, roi_list=st.lists(rois, min_size=1, max_size=3))
def test_landmarks_in_random_rois(lite: palmlite.HandLandmarker, image: np.ndarray,
                                  roi_list: list[Roi]) -> None:
    hands = lite.landmarks_in_rois(image, roi_list)
    assert len(hands) == len(roi_list)
    for hand, roi in zip(hands, roi_list, strict=True):
        check_hand(hand)
        assert hand.roi == roi and hand.palm is None


@MODEL
@given(image=images, roi=wild_rois)
def test_any_finite_roi_gives_a_hand_or_a_clear_error(
    lite: palmlite.HandLandmarker, image: np.ndarray, roi: Roi
) -> None:
    try:
        hand = lite.landmarks_in_roi(image, roi)
    except ValueError as exc:
        assert "cannot be cropped" in str(exc)
        return
    check_hand(hand)


@MODEL
@given(
    frames=st.lists(images | photos, min_size=1, max_size=4),
    steps=st.lists(st.floats(1e-3, 1e4), min_size=4, max_size=4),
    seeded=st.lists(rois, max_size=2),
    smooth=st.booleans(),
    interval=st.integers(1, 3),
)
def test_track_random_streams(lite: palmlite.HandLandmarker, frames: list[np.ndarray],
                              steps: list[float], seeded: list[Roi], smooth: bool,
                              interval: int) -> None:
    tracker = palmlite.HandTracker(lite, smooth_landmarks=smooth, smooth_handedness=smooth,
                                   detection_interval=interval)
    # Start from random tracked ROIs, so the tracked-ROI path sees arbitrary geometry too.
    tracker.state = TrackerState(
        tracks=tuple(Track(track_id=i, roi=r) for i, r in enumerate(seeded)),
        next_track_id=len(seeded))
    time = 0.0
    seen: set[int] = set()
    for frame, step in zip(frames, steps, strict=False):
        time += step
        result = tracker.track(frame, timestamp_ms=time)
        check_result(result)
        ids = [h.track_id for h in result]
        assert len(set(ids)) == len(ids) and all(i is not None for i in ids)
        assert len(result) <= lite.max_hands + len(seeded)
        seen.update(i for i in ids if i is not None)
        state = tracker.state.to_dict()
        assert TrackerState.from_dict(state).to_dict() == state
        assert all(np.isfinite(t.roi.as_array()).all() for t in tracker.state.tracks)
    assert tracker.state.next_track_id >= len(seeded)


# -- pure stages ---------------------------------------------------------------------------------


@PURE
@given(angle=st.floats(-1e6, 1e6))
def test_normalize_radians_range(angle: float) -> None:
    r = normalize_radians(angle)
    # float32 arithmetic: pi itself may come out as float32(pi), just above math.pi.
    assert -math.pi - 1e-6 <= r <= math.pi + 1e-6
    assert math.isclose(math.cos(r), math.cos(angle), abs_tol=1e-5)
    assert math.isclose(math.sin(r), math.sin(angle), abs_tol=1e-5)


@PURE
@given(p=st.floats(0, 1), mirrored=st.booleans())
def test_handedness_from_score_range(p: float, mirrored: bool) -> None:
    label, score = handedness_from_score(p, mirrored)
    assert label in ("Left", "Right") and 0.5 <= score <= 1.0


_box = st.tuples(st.floats(-2, 2), st.floats(-2, 2), st.floats(1e-4, 3), st.floats(1e-4, 3))
_keypoints = st.lists(st.tuples(st.floats(-2, 3), st.floats(-2, 3)), min_size=7, max_size=7)


@PURE
@given(box=_box, keypoints=_keypoints, size=sizes)
def test_roi_from_palm_is_square_and_finite(box: tuple[float, ...],
                                            keypoints: list[tuple[float, float]],
                                            size: tuple[int, int]) -> None:
    roi = roi_from_palm(np.array(box, np.float32), np.array(keypoints, np.float32), size)
    assert np.isfinite(roi.as_array()).all() and roi.width > 0 and roi.height > 0
    assert -math.pi - 1e-6 <= roi.rotation <= math.pi + 1e-6
    width_px, height_px = roi.width * size[0], roi.height * size[1]
    assert math.isclose(width_px, height_px, rel_tol=1e-5)


_landmarks = st.lists(st.tuples(st.floats(-3, 4), st.floats(-3, 4), st.floats(-1, 1)),
                      min_size=21, max_size=21)


@PURE
@given(landmarks=_landmarks, size=sizes)
def test_roi_from_landmarks_is_square_and_finite(landmarks: list[tuple[float, ...]],
                                                 size: tuple[int, int]) -> None:
    roi = roi_from_landmarks(np.array(landmarks, np.float32), size)
    assert np.isfinite(roi.as_array()).all() and roi.width > 0 and roi.height > 0
    assert math.isclose(roi.width * size[0], roi.height * size[1], rel_tol=1e-5)


@PURE
@given(width=st.floats(1e-3, 1e5), height=st.floats(1e-3, 1e5),
       points=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(-1, 1)),
                       min_size=1, max_size=5))
def test_letterbox_round_trip(width: float, height: float,
                              points: list[tuple[float, float, float]]) -> None:
    rect, padding = pad_to_aspect(RectPx(0.0, 0.0, width, height, 0.0), 192, 192)
    assert math.isclose(rect.width, rect.height, rel_tol=1e-5)
    # 0.5 when the aspect ratio is beyond float32's precision: the region has no width left in
    # the tensor (landmarks_in_roi refuses such ROIs; palm and tracked ROIs are square).
    assert all(0.0 <= p <= 0.5 for p in padding)
    # A point of the region, letterboxed into the tensor and back, is where it started.
    region = np.array(points, np.float32)
    sx = 1 - padding.left - padding.right
    sy = 1 - padding.top - padding.bottom
    assume(sx > 1e-3 and sy > 1e-3)  # extreme aspect: precision, not correctness, is lost
    tensor = region.copy()
    tensor[:, 0] = region[:, 0] * sx + padding.left
    tensor[:, 1] = region[:, 1] * sy + padding.top
    tensor[:, 2] = region[:, 2] * sx
    back = remove_letterbox(tensor, padding)
    assert np.isfinite(back).all()
    np.testing.assert_allclose(back, region, atol=1e-3)


@PURE
@given(width=st.integers(1, 10000), height=st.integers(1, 10000))
def test_full_image_letterbox_is_finite(width: int, height: int) -> None:
    rect, padding = pad_to_aspect(full_image_rect(width, height), 192, 192)
    assert np.isfinite(list(rect)).all() and np.isfinite(list(padding)).all()
    assert 1 - padding.left - padding.right > 0 and 1 - padding.top - padding.bottom > 0


@PURE
@given(roi=rois, size=sizes,
       raw=st.lists(st.floats(-300, 500), min_size=63, max_size=63),
       world=st.lists(st.floats(-0.3, 0.3), min_size=63, max_size=63))
def test_projection_is_finite_and_consistent(roi: Roi, size: tuple[int, int], raw: list[float],
                                             world: list[float]) -> None:
    crop = decode_landmarks(np.array(raw, np.float32))
    landmarks = project_landmarks(crop, roi)
    pixels = landmarks_to_pixels(landmarks, size)
    rotated = rotate_world_landmarks(np.array(world, np.float32), roi.rotation)
    for array in (crop, landmarks, pixels, rotated):
        assert array.shape == (21, 3) and array.dtype == np.float32 and np.isfinite(array).all()
    # The crop centre projects to the ROI centre; rotation keeps world distances.
    centre = project_landmarks(np.array([[0.5, 0.5, 0.0]], np.float32), roi)[0]
    np.testing.assert_allclose(centre[:2], [roi.x_center, roi.y_center], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(rotated, axis=1),
                               np.linalg.norm(np.array(world, np.float32).reshape(21, 3), axis=1),
                               rtol=1e-4, atol=1e-6)


@PURE
@given(palm_rois=st.lists(rois, max_size=5), tracked=st.lists(rois, max_size=5))
def test_association_never_keeps_overlapping_rois(palm_rois: list[Roi],
                                                  tracked: list[Roi]) -> None:
    kept = associate_rois(palm_rois, tracked)
    assert len(set(kept)) == len(kept)
    chosen = [(palm_rois if s == "palm" else tracked)[i] for s, i in kept]
    # Palm ROIs come first, each source in input order.
    sources = [s for s, _ in kept]
    assert sources == sorted(sources, key=lambda s: s != "palm")
    for source in ("palm", "tracked"):
        indices = [i for s, i in kept if s == source]
        assert indices == sorted(indices)
    if len(chosen) > 1:
        boxes = np.stack([roi_box_xyxy(r) for r in chosen])
        iou = iou_matrix(boxes, boxes)
        np.fill_diagonal(iou, 0)
        assert np.isfinite(iou).all() and (iou <= np.float32(0.5)).all()
    # The last tracked ROI always survives: a later element wins every overlap.
    if tracked:
        assert kept[-1] == ("tracked", len(tracked) - 1)


def _palm(box: tuple[float, ...], keypoints: list[tuple[float, float]], score: float) -> Any:
    return PalmDetection(score=score, box_xywh=np.array(box, np.float32),
                         keypoints_xy=np.array(keypoints, np.float32))


palms = st.builds(_palm, _box, _keypoints, st.floats(0, 1))


@PURE
@given(palm_list=st.lists(palms, max_size=4), tracked=st.lists(rois, max_size=3), size=sizes,
       max_hands=st.integers(1, 4))
def test_frame_candidates(palm_list: list[PalmDetection], tracked: list[Roi],
                          size: tuple[int, int], max_hands: int) -> None:
    candidates = frame_candidates(palm_list, tracked, size, max_hands)
    assert len(candidates) <= min(len(palm_list), max_hands) + len(tracked)
    for candidate in candidates:
        assert np.isfinite(candidate.roi.as_array()).all()
        assert (candidate.palm is None) != (candidate.track_index is None)


def _hand(landmarks: list[tuple[float, ...]], presence: float, right: float, roi: Roi,
          size: tuple[int, int]) -> Hand:
    lm = np.array(landmarks, np.float32)
    label, score = handedness_from_score(right)
    return Hand(landmarks=lm, landmarks_px=landmarks_to_pixels(lm, size),
                world_landmarks=lm * np.float32(0.1), handedness=label, handedness_score=score,
                presence=presence, roi=roi)


@st.composite
def frames_of_tracking(draw: st.DrawFn) -> dict[str, Any]:
    size = draw(st.tuples(st.integers(1, 2000), st.integers(1, 2000)))
    num_tracks = draw(st.integers(0, 3))
    tracks = tuple(Track(track_id=10 + i, roi=draw(rois), frames=1,
                         right_probability_sum=draw(st.floats(0, 1)))
                   for i in range(num_tracks))
    state = TrackerState(tracks=tracks, next_track_id=10 + num_tracks,
                         frame_index=draw(st.integers(0, 100)),
                         last_timestamp_ms=None,
                         last_detection_frame=draw(st.none() | st.integers(0, 100)))
    count = draw(st.integers(0, 4))
    candidates = [RoiCandidate(draw(rois), track_index=draw(
        st.none() | st.integers(0, num_tracks - 1)) if num_tracks else None)
        for _ in range(count)]
    hands = [_hand(draw(_landmarks), draw(st.floats(0, 1)), draw(st.floats(0, 1)),
                   c.roi, size) for c in candidates]
    config = TrackerConfig(max_hands=draw(st.integers(1, 4)),
                           detection_interval=draw(st.integers(1, 5)),
                           smooth_landmarks=draw(st.booleans()),
                           smooth_handedness=draw(st.booleans()))
    return {"state": state, "candidates": candidates, "hands": hands, "size": size,
            "config": config, "min_presence": draw(st.floats(0, 1)),
            "ran": draw(st.booleans()), "mirrored": draw(st.booleans()),
            "times": draw(st.lists(st.floats(0.001, 1e4), min_size=2, max_size=2))}


@PURE
@given(case=frames_of_tracking())
def test_update_tracks_and_plan_frame(case: dict[str, Any]) -> None:
    state, config = case["state"], case["config"]
    plan = plan_frame(state, config)
    assert plan.phase is state.phase(config.max_hands)
    if plan.phase is TrackingPhase.SEARCHING:
        assert plan.run_detector
    if plan.phase is TrackingPhase.FULL:
        assert not plan.run_detector
    time = 0.0
    candidates, hands = case["candidates"], case["hands"]
    for step in case["times"]:  # two frames: the second continues (and smooths) the tracks
        time += step
        new_state, reported = update_tracks(
            state, candidates, hands, case["size"], time, case["ran"], config,
            case["min_presence"], case["mirrored"])
        passing = [h for h in hands if h.presence > case["min_presence"]]
        assert len(reported) == len(new_state.tracks) == len(passing)
        for hand in reported:
            check_hand(hand)
        ids = [h.track_id for h in reported]
        assert ids == [t.track_id for t in new_state.tracks]
        assert new_state.next_track_id >= state.next_track_id
        assert new_state.frame_index == state.frame_index + 1
        for track in new_state.tracks:
            assert np.isfinite(track.roi.as_array()).all() and track.frames >= 1
        assert TrackerState.from_dict(new_state.to_dict()).to_dict() == new_state.to_dict()
        # Next frame: every surviving track is a candidate, with the same raw hand again.
        state = new_state
        candidates = [RoiCandidate(t.roi, track_index=i) for i, t in enumerate(state.tracks)]
        hands = passing


@PURE
@given(values=st.lists(st.lists(st.floats(-1e4, 1e4), min_size=3, max_size=3), min_size=2,
                       max_size=6),
       steps=st.lists(st.floats(1e-6, 1e6), min_size=6, max_size=6))
def test_one_euro_filter_stays_finite(values: list[list[float]], steps: list[float]) -> None:
    state = None
    time = 0.0
    for value, step in zip(values, steps, strict=False):
        time += step
        out, state = one_euro_step(state, np.array(value), time, LANDMARK_ONE_EURO, 0.01)
        assert np.isfinite(out).all() and np.isfinite(state.derivative).all()


def _log_uniform(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(math.log10(low), math.log10(high)).map(lambda e: 10.0**e)


_signed = st.tuples(st.sampled_from([-1.0, 1.0]), _log_uniform(1e-12, 1e40)).map(
    lambda t: t[0] * t[1])


@PURE
@given(roi=st.builds(Roi, _signed, _signed, _log_uniform(1e-12, 1e40),
                     _log_uniform(1e-12, 1e40), _signed),
       size=sizes)
def test_quick_roi_check_only_accepts_croppable_rois(roi: Roi, size: tuple[int, int]) -> None:
    # roi_crop_problem's microsecond shortcut must never accept what the exact test refuses.
    if _validate._clearly_croppable(roi, size):
        assert _validate._crop_problem(roi, size) is None
