"""The tracking state machine, driven by scripted observations: no model involved."""

from __future__ import annotations

import json

import numpy as np
import pytest

from palmlite.smoothing import OneEuroParams, one_euro_step
from palmlite.tracking import (
    PHASE_STAGES,
    FramePlan,
    RoiCandidate,
    Track,
    TrackerConfig,
    TrackerState,
    TrackingPhase,
    frame_rois,
    phase_of,
    plan_frame,
    update_tracks,
)
from palmlite.types import Hand, PalmDetection, Roi

SIZE = (640, 480)


def fake_hand(cx: float, cy: float, presence: float = 0.9, right: float = 0.8) -> Hand:
    """An upright hand of ~100 px around (cx, cy) pixels, normalized landmarks."""
    rng = np.random.default_rng(int(cx * 7 + cy))
    base = np.array([[0, 50], [-20, 38], [-33, 20], [-42, 5], [-46, -8], [-17, 0], [-18, -25],
                     [-19, -38], [-20, -50], [0, -2], [0, -29], [0, -43], [0, -57], [15, 0],
                     [16, -25], [17, -38], [18, -48], [28, 4], [30, -15], [32, -25], [33, -33]],
                    float) + rng.normal(0, 0.5, (21, 2))
    px = np.column_stack([base[:, 0] + cx, base[:, 1] + cy, np.zeros(21)])
    lm = px / [SIZE[0], SIZE[1], SIZE[0]]
    label, score = ("Right", right) if right > 0.5 else ("Left", 1 - right)
    return Hand(landmarks=lm, landmarks_px=px, world_landmarks=np.zeros((21, 3)),
                handedness=label, handedness_score=score, presence=presence,
                roi=Roi(cx / SIZE[0], cy / SIZE[1], 0.3, 0.4))


def fake_palm(cx: float, cy: float) -> PalmDetection:
    kps = np.tile([cx / SIZE[0], cy / SIZE[1]], (7, 1))
    kps[0, 1] += 20 / SIZE[1]
    kps[2, 1] -= 20 / SIZE[1]
    box = [(cx - 30) / SIZE[0], (cy - 30) / SIZE[1], 60 / SIZE[0], 60 / SIZE[1]]
    return PalmDetection(score=0.9, box_xywh=box, keypoints_xy=kps)


def step(state, config, palms, hands_for, timestamp=None, min_presence=0.5):
    """Run one scripted frame: ``hands_for(candidate)`` plays the landmark model."""
    plan = plan_frame(state, config)
    palms = palms if plan.run_detector else []
    candidates = frame_rois(palms, state, SIZE, config.max_hands)
    hands = [hands_for(c) for c in candidates]
    t = float(state.frame_index * 40) if timestamp is None else timestamp
    new_state, out = update_tracks(state, candidates, hands, SIZE, t, plan.run_detector,
                                   config, min_presence, mirrored=False)
    return plan, candidates, new_state, out


def world(*positions: tuple[float, float], presence: float = 0.9):
    """A landmark model for a scene whose hands stand at ``positions`` (pixels): each ROI sees
    the hand nearest to its centre."""

    def hands_for(c: RoiCandidate) -> Hand:
        centre = np.array([c.roi.x_center * SIZE[0], c.roi.y_center * SIZE[1]])
        nearest = min(positions, key=lambda p: float(np.hypot(*(np.array(p) - centre))))
        return fake_hand(*nearest, presence=presence)

    return hands_for


at_roi = world((200, 240))


def test_phases_and_stage_table():
    assert phase_of(0, 2) is TrackingPhase.SEARCHING
    assert phase_of(1, 2) is TrackingPhase.PARTIAL
    assert phase_of(2, 2) is TrackingPhase.FULL
    assert phase_of(1, 1) is TrackingPhase.FULL
    assert set(PHASE_STAGES) == set(TrackingPhase)
    assert "palm_detector" in PHASE_STAGES[TrackingPhase.SEARCHING]
    assert not any("palm" in s for s in PHASE_STAGES[TrackingPhase.FULL])


def test_mediapipe_policy_scenario_two_hands():
    """Frame by frame: which stage ran, how many hands, which ids (max_hands=2)."""
    config = TrackerConfig(max_hands=2)
    state = TrackerState()
    table = [
        # palms offered by the detector, expected: run_detector, hands, ids, phase after
        ([], True, 0, [], TrackingPhase.SEARCHING),
        ([fake_palm(200, 240)], True, 1, [0], TrackingPhase.PARTIAL),
        ([fake_palm(203, 240)], True, 1, [0], TrackingPhase.PARTIAL),  # re-detection merges
        ([fake_palm(205, 240), fake_palm(450, 240)], True, 2, [0, 1], TrackingPhase.FULL),
        ([fake_palm(460, 240)], False, 2, [0, 1], TrackingPhase.FULL),  # detector skipped
    ]
    scene = world((200, 240), (450, 240))
    for palms, ran, count, ids, phase in table:
        plan, _, state, out = step(state, config, palms, scene)
        assert plan.run_detector is ran
        assert len(out) == count and sorted(h.track_id for h in out) == ids
        assert state.phase(2) is phase
    assert state.next_track_id == 2 and state.frame_index == len(table)


def test_tracked_roi_replaces_overlapping_palm_roi_and_keeps_order():
    config = TrackerConfig(max_hands=2)
    _, _, state, _ = step(TrackerState(), config, [fake_palm(200, 240)], at_roi)
    tracked_roi = state.tracks[0].roi
    # Same hand re-detected plus a new one: palm ROIs first, then the tracked ROI.
    candidates = frame_rois([fake_palm(200, 240), fake_palm(450, 240)], state, SIZE, 2)
    assert [c.track_index for c in candidates] == [None, 0]
    assert candidates[1].roi == tracked_roi and candidates[0].palm is not None


def test_palms_beyond_max_hands_are_clipped_before_association():
    candidates = frame_rois([fake_palm(100, 100), fake_palm(300, 300), fake_palm(500, 100)],
                            TrackerState(), SIZE, 2)
    assert len(candidates) == 2


def test_presence_gate_ends_tracks_and_ids_are_never_reused():
    config = TrackerConfig(max_hands=1)
    _, _, state, out = step(TrackerState(), config, [fake_palm(200, 240)], at_roi)
    assert [h.track_id for h in out] == [0]
    # Lost: presence 0.5 is not > 0.5.
    _, _, state, out = step(state, config, [], world((200, 240), presence=0.5))
    assert out == () and state.phase(1) is TrackingPhase.SEARCHING
    _, _, state, out = step(state, config, [fake_palm(200, 240)], at_roi)
    assert [h.track_id for h in out] == [1]


def test_detection_interval_in_partial_phase():
    config = TrackerConfig(max_hands=2, detection_interval=3)
    state = TrackerState()
    ran = []
    for _ in range(8):
        plan, _, state, _ = step(state, config, [fake_palm(200, 240)], at_roi)
        ran.append(plan.run_detector)
    # Frame 0 searches; then partially tracked: detector on frames 3 and 6 only.
    assert ran == [True, False, False, True, False, False, True, False]


def test_detection_interval_never_delays_searching():
    config = TrackerConfig(max_hands=2, detection_interval=5)
    state = TrackerState(last_detection_frame=9, frame_index=10)
    assert plan_frame(state, config) == FramePlan(TrackingPhase.SEARCHING, True)


def test_next_roi_comes_from_landmarks():
    config = TrackerConfig(max_hands=1)
    _, _, state, out = step(TrackerState(), config, [fake_palm(200, 240)], at_roi)
    from palmlite.roi import roi_from_landmarks

    assert state.tracks[0].roi == roi_from_landmarks(out[0].landmarks, SIZE)


def test_handedness_smoothing_is_a_running_mean():
    config = TrackerConfig(max_hands=1, smooth_handedness=True)
    raws = iter([0.9, 0.3, 0.4])
    state = TrackerState()
    labels = []
    for palms in ([fake_palm(200, 240)], [], []):
        r = next(raws)
        _, _, state, out = step(state, config, palms,
                                lambda c, r=r: fake_hand(200, 240, right=r))
        labels.append((out[0].handedness, round(out[0].handedness_score, 6)))
    # Means: 0.9, 0.6, 0.5333: stays "Right" although frames 2 and 3 alone say "Left".
    assert labels == [("Right", 0.9), ("Right", 0.6), ("Right", 0.533333)]
    raw_config = TrackerConfig(max_hands=1)
    _, _, s2, _ = step(TrackerState(), raw_config, [fake_palm(200, 240)],
                       lambda c: fake_hand(200, 240, right=0.9))
    _, _, _, out = step(s2, raw_config, [], lambda c: fake_hand(200, 240, right=0.3))
    assert out[0].handedness == "Left"


def test_landmark_smoothing_damps_jitter_and_round_trips_through_json():
    # MediaPipe's own constants (beta 80) favour responsiveness; a slow filter shows damping.
    config = TrackerConfig(max_hands=1, smooth_landmarks=True,
                           landmark_filter=OneEuroParams(min_cutoff=1.0, beta=0.0))
    state = TrackerState()
    rng = np.random.default_rng(0)
    raw_x, smooth_x = [], []
    for k in range(30):
        jitter = rng.normal(0, 3)
        _, _, state, out = step(state, config, [fake_palm(300, 240)] if k == 0 else [],
                                lambda c, j=jitter: fake_hand(300 + j, 240))
        raw_x.append(300 + jitter)
        smooth_x.append(float(out[0].landmarks_px[0, 0]))
        if k == 10:
            restored = TrackerState.from_dict(json.loads(json.dumps(state.to_dict())))
            assert restored.to_dict() == state.to_dict()
    assert np.std(smooth_x[5:]) < 0.5 * np.std(raw_x[5:])


def test_one_euro_first_sample_passes_and_non_increasing_time_returns_raw():
    params = OneEuroParams()
    out, s = one_euro_step(None, [1.0, 2.0], 0.0, params)
    assert out.tolist() == [1.0, 2.0]
    out2, s2 = one_euro_step(s, [5.0, 5.0], 0.0, params)
    assert out2.tolist() == [5.0, 5.0] and s2 is s


def test_one_euro_hand_computed_second_sample():
    # DEVIATION: the frequency comes from the real time step even when the stream starts at
    # t = 0 (MediaPipe would keep its 30 Hz default for this sample).
    p = OneEuroParams(min_cutoff=1.0, beta=0.0, derivate_cutoff=1.0)
    _, s = one_euro_step(None, [0.0], 0.0, p)
    out, _ = one_euro_step(s, [1.0], 0.1, p)  # 10 Hz
    tau = 1 / (2 * np.pi * 1.0)
    alpha = 1 / (1 + tau * 10)
    assert out[0] == pytest.approx(alpha * 1.0)
    with pytest.raises(ValueError):
        OneEuroParams(min_cutoff=0)


def test_state_from_bad_dict_raises():
    with pytest.raises(ValueError, match="tracker state"):
        TrackerState.from_dict({"version": 99})
    with pytest.raises(ValueError, match="invalid tracker state"):
        TrackerState.from_dict({"version": 1, "tracks": [{"track_id": 1}]})
    track = Track(3, Roi(0.5, 0.5, 0.2, 0.2))
    assert Track.from_dict(json.loads(json.dumps(track.to_dict()))) == track


def test_config_validation():
    with pytest.raises(ValueError):
        TrackerConfig(detection_interval=0)
    with pytest.raises(TypeError):
        TrackerConfig(max_hands=1.5)  # type: ignore[arg-type]
