"""Video: MediaPipe's hand tracking as an explicit state machine, plus track ids and smoothing.

MediaPipe Hands in video mode skips the palm detector while enough hands are tracked: the next
frame's crop comes from this frame's landmarks (mp:mediapipe/modules/hand_landmark/
hand_landmark_tracking_cpu.pbtxt, SPEC section 9). palmlite makes that logic a small state
machine whose states, transitions and per-state stages are data and pure functions:

=============  ==========================  ==========================================
phase          tracked hands               stages run on the next frame
=============  ==========================  ==========================================
``SEARCHING``  0                           palm detector, landmarks on palm ROIs
``PARTIAL``    1 .. max_hands - 1          landmarks on tracked ROIs; palm detector on
                                           every ``detection_interval``-th frame (every
                                           frame by default, as MediaPipe), its new ROIs
                                           associated with the tracked ones
``FULL``       max_hands                   landmarks on tracked ROIs only
=============  ==========================  ==========================================

After every frame, the phase is recomputed from how many hands passed the presence gate::

    SEARCHING --hands found--> PARTIAL | FULL
    PARTIAL | FULL --some lost--> PARTIAL | SEARCHING
    PARTIAL --new hands detected--> FULL

The functions here never call a model: :class:`HandTracker` holds the state, asks its
:class:`~palmlite.HandLandmarker` for palms and landmarks, and feeds the answers to
:func:`plan_frame`, :func:`frame_rois` and :func:`update_tracks`.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validate import ImageLike, check_bool, check_positive_int, load_image, roi_crop_problem
from .association import RoiCandidate, frame_candidates
from .landmark_decode import handedness_from_score
from .landmarker import HandLandmarker
from .roi import roi_from_landmarks
from .smoothing import (
    LANDMARK_ONE_EURO,
    WORLD_ONE_EURO,
    OneEuroParams,
    OneEuroState,
    object_scale,
    one_euro_step,
)
from .types import FrameResult, Hand, PalmDetection, Roi

__all__ = [
    "PHASE_STAGES",
    "FramePlan",
    "HandTracker",
    "RoiCandidate",
    "Track",
    "TrackerConfig",
    "TrackerState",
    "TrackingPhase",
    "frame_rois",
    "phase_of",
    "plan_frame",
    "update_tracks",
]

#: Frame period assumed when no timestamps are given (MediaPipe's filters default to 30 Hz).
DEFAULT_FRAME_MS = 1000.0 / 30.0
STATE_VERSION = 1


class TrackingPhase(enum.Enum):
    """Where the tracker stands, from the number of hands tracked into the next frame."""

    SEARCHING = "searching"
    PARTIAL = "partial"
    FULL = "full"


#: Which stages each phase runs on the next frame (documentation as data; tested).
PHASE_STAGES: dict[TrackingPhase, tuple[str, ...]] = {
    TrackingPhase.SEARCHING: ("palm_detector", "landmarks_on_palm_rois"),
    TrackingPhase.PARTIAL: ("landmarks_on_tracked_rois", "palm_detector_every_interval"),
    TrackingPhase.FULL: ("landmarks_on_tracked_rois",),
}


@dataclass(frozen=True)
class TrackerConfig:
    """Tracking options; the defaults reproduce MediaPipe legacy video mode exactly.

    - ``detection_interval``: in ``PARTIAL``, run the palm detector only on every N-th frame
      since it last ran (MediaPipe: 1). ``SEARCHING`` always runs it.
    - ``smooth_landmarks``: one-euro filter per track on image and world landmarks.
    - ``smooth_handedness``: report the running mean of the handedness probability over the
      track instead of the frame's own value.
    """

    max_hands: int = 2
    detection_interval: int = 1
    smooth_landmarks: bool = False
    smooth_handedness: bool = False
    landmark_filter: OneEuroParams = LANDMARK_ONE_EURO
    world_filter: OneEuroParams = WORLD_ONE_EURO

    def __post_init__(self) -> None:
        check_positive_int("max_hands", self.max_hands)
        check_positive_int("detection_interval", self.detection_interval)
        check_bool("smooth_landmarks", self.smooth_landmarks)
        check_bool("smooth_handedness", self.smooth_handedness)
        for name in ("landmark_filter", "world_filter"):
            value = getattr(self, name)
            # Checked here: a wrong type would otherwise surface frames later, mid-stream.
            if not isinstance(value, OneEuroParams):
                raise TypeError(f"{name} must be a palmlite.OneEuroParams, got {value!r}")


@dataclass(frozen=True)
class Track:
    """One tracked hand: its id, the ROI for the next frame and its smoothing memory."""

    track_id: int
    roi: Roi
    right_probability_sum: float = 0.0
    frames: int = 0
    landmark_filter: OneEuroState | None = None
    world_filter: OneEuroState | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "track_id": self.track_id,
            "roi": [self.roi.x_center, self.roi.y_center, self.roi.width, self.roi.height,
                    self.roi.rotation],
            "right_probability_sum": self.right_probability_sum,
            "frames": self.frames,
            "landmark_filter": None if self.landmark_filter is None
            else self.landmark_filter.to_dict(),
            "world_filter": None if self.world_filter is None else self.world_filter.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Track:
        lf, wf = data.get("landmark_filter"), data.get("world_filter")
        return cls(
            track_id=int(data["track_id"]),
            roi=Roi(*(float(v) for v in data["roi"])),
            right_probability_sum=float(data["right_probability_sum"]),
            frames=int(data["frames"]),
            landmark_filter=None if lf is None else OneEuroState.from_dict(lf),
            world_filter=None if wf is None else OneEuroState.from_dict(wf),
        )


@dataclass(frozen=True)
class TrackerState:
    """Everything a tracker remembers between frames; plain data, JSON-safe via ``to_dict``."""

    tracks: tuple[Track, ...] = ()
    next_track_id: int = 0
    frame_index: int = 0
    last_timestamp_ms: float | None = None
    last_detection_frame: int | None = None

    def phase(self, max_hands: int) -> TrackingPhase:
        return phase_of(len(self.tracks), max_hands)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "tracks": [t.to_dict() for t in self.tracks],
            "next_track_id": self.next_track_id,
            "frame_index": self.frame_index,
            "last_timestamp_ms": self.last_timestamp_ms,
            "last_detection_frame": self.last_detection_frame,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrackerState:
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise ValueError(
                f"not a palmlite tracker state (version {STATE_VERSION}): {data!r:.80}"
            )
        try:
            return cls(
                tracks=tuple(Track.from_dict(t) for t in data["tracks"]),
                next_track_id=int(data["next_track_id"]),
                frame_index=int(data["frame_index"]),
                last_timestamp_ms=None if data["last_timestamp_ms"] is None
                else float(data["last_timestamp_ms"]),
                last_detection_frame=None if data["last_detection_frame"] is None
                else int(data["last_detection_frame"]),
            )
        except KeyError as exc:
            raise ValueError(f"invalid tracker state: missing {exc}") from exc
        except (TypeError, ValueError) as exc:
            raise ValueError(f"invalid tracker state: {exc}") from exc


@dataclass(frozen=True)
class FramePlan:
    """What to run on the coming frame."""

    phase: TrackingPhase
    run_detector: bool


def phase_of(num_tracked: int, max_hands: int) -> TrackingPhase:
    """The phase for ``num_tracked`` hands tracked out of ``max_hands``."""
    if num_tracked == 0:
        return TrackingPhase.SEARCHING
    return TrackingPhase.FULL if num_tracked >= max_hands else TrackingPhase.PARTIAL


def plan_frame(state: TrackerState, config: TrackerConfig) -> FramePlan:
    """Decide whether the palm detector runs on the next frame.

    MediaPipe: iff fewer than ``max_hands`` hands are tracked. With ``detection_interval`` N
    > 1, a partially tracked stream runs it only when N frames have passed since it last ran.
    """
    phase = state.phase(config.max_hands)
    if phase is TrackingPhase.FULL:
        return FramePlan(phase, False)
    if phase is TrackingPhase.SEARCHING or state.last_detection_frame is None:
        return FramePlan(phase, True)
    due = state.frame_index - state.last_detection_frame >= config.detection_interval
    return FramePlan(phase, due)


def frame_rois(
    palms: Sequence[PalmDetection], state: TrackerState, image_size: tuple[int, int],
    max_hands: int,
) -> list[RoiCandidate]:
    """The ROIs of this frame: ROIs of the first ``max_hands`` palms associated with the tracked
    ROIs (a tracked ROI replaces a palm ROI it overlaps; palm ROIs first), in MediaPipe's order.
    """
    return frame_candidates(palms, [t.roi for t in state.tracks], image_size, max_hands)


def _right_probability(hand: Hand, mirrored: bool) -> float:
    # The model's raw output: probability that the hand is a right hand as seen in the pixels.
    right_in_pixels = (hand.handedness == "Right") != mirrored
    return hand.handedness_score if right_in_pixels else 1.0 - hand.handedness_score


def update_tracks(
    state: TrackerState,
    candidates: Sequence[RoiCandidate],
    hands: Sequence[Hand],
    image_size: tuple[int, int],
    timestamp_ms: float,
    ran_detector: bool,
    config: TrackerConfig,
    min_presence: float,
    mirrored: bool,
) -> tuple[TrackerState, tuple[Hand, ...]]:
    """Apply one frame's landmark results (``hands[i]`` from ``candidates[i]``).

    Hands failing the presence gate are dropped (and their tracks end). Survivors keep their
    track's id or get a new one; their next ROI comes from their landmarks. Returns the new
    state and the hands to report, in MediaPipe's order.
    """
    if len(hands) != len(candidates):
        raise ValueError(f"{len(hands)} hands for {len(candidates)} candidates")
    next_id = state.next_track_id
    tracks: list[Track] = []
    reported: list[Hand] = []
    time_s = timestamp_ms / 1000.0
    for candidate, hand in zip(candidates, hands, strict=True):
        if not hand.presence > min_presence:
            continue
        previous = state.tracks[candidate.track_index] if candidate.track_index is not None \
            else None
        if previous is None:
            previous = Track(track_id=next_id, roi=candidate.roi)
            next_id += 1
        p_right = _right_probability(hand, mirrored)
        track = Track(
            track_id=previous.track_id,
            roi=roi_from_landmarks(hand.landmarks, image_size),
            right_probability_sum=previous.right_probability_sum + p_right,
            frames=previous.frames + 1,
        )
        source = "tracking" if candidate.palm is None else candidate.palm.source
        out = dataclasses.replace(hand, track_id=track.track_id, palm=candidate.palm,
                                  source=source)
        if config.smooth_handedness:
            mean = track.right_probability_sum / track.frames
            label, score = handedness_from_score(mean, mirrored)
            out = dataclasses.replace(out, handedness=label, handedness_score=score)
        if config.smooth_landmarks:
            out, track = _smooth(out, track, previous, image_size, time_s, config)
        tracks.append(track)
        reported.append(out)
    new_state = TrackerState(
        tracks=tuple(tracks),
        next_track_id=next_id,
        frame_index=state.frame_index + 1,
        last_timestamp_ms=timestamp_ms,
        last_detection_frame=state.frame_index if ran_detector else state.last_detection_frame,
    )
    return new_state, tuple(reported)


def _smooth(
    hand: Hand, track: Track, previous: Track, image_size: tuple[int, int], time_s: float,
    config: TrackerConfig,
) -> tuple[Hand, Track]:
    width, height = image_size
    px = hand.landmarks_px.astype(np.float64)
    scale = object_scale(px) if config.landmark_filter.scale_by_object else 1.0
    value_scale = 1.0 / scale if scale > 1e-6 else 1.0
    smoothed_px, lf = one_euro_step(previous.landmark_filter, px, time_s,
                                    config.landmark_filter, value_scale)
    world, wf = one_euro_step(previous.world_filter, hand.world_landmarks, time_s,
                              config.world_filter)
    normalized = smoothed_px / np.array([width, height, width], np.float64)
    hand = dataclasses.replace(
        hand, landmarks=normalized.astype(np.float32), landmarks_px=smoothed_px.astype(np.float32),
        world_landmarks=world.astype(np.float32),
    )
    return hand, dataclasses.replace(track, landmark_filter=lf, world_filter=wf)


class HandTracker:
    """Track hands through one video stream, like MediaPipe Hands in video mode.

    One tracker per stream; many trackers may share one :class:`~palmlite.HandLandmarker`
    (and so one set of model sessions), each in its own thread. A tracker itself is not meant
    to be called from two threads at once (frames of one stream are ordered); it guards
    against that with a lock.

    ``HandTracker(landmarker)`` uses an existing landmarker; ``HandTracker(max_hands=2,
    model="full", ...)`` builds one with those :class:`~palmlite.HandLandmarker` options.
    The defaults reproduce MediaPipe legacy ``Hands(static_image_mode=False)`` exactly;
    ``detection_interval``, ``smooth_landmarks``, ``smooth_handedness`` and the filter
    parameters are opt-in extras (see :class:`TrackerConfig`).
    """

    def __init__(
        self,
        landmarker: HandLandmarker | None = None,
        *,
        detection_interval: int = 1,
        smooth_landmarks: bool = False,
        smooth_handedness: bool = False,
        landmark_filter: OneEuroParams = LANDMARK_ONE_EURO,
        world_filter: OneEuroParams = WORLD_ONE_EURO,
        **landmarker_options: Any,
    ) -> None:
        if landmarker is None:
            landmarker = HandLandmarker(**landmarker_options)
        elif landmarker_options:
            raise TypeError(
                f"pass either a landmarker or landmarker options, not both: "
                f"{sorted(landmarker_options)}"
            )
        if not isinstance(landmarker, HandLandmarker):
            raise TypeError(f"landmarker must be a HandLandmarker, got {type(landmarker).__name__}")
        self.landmarker = landmarker
        self.config = TrackerConfig(
            max_hands=landmarker.max_hands,
            detection_interval=detection_interval,
            smooth_landmarks=check_bool("smooth_landmarks", smooth_landmarks),
            smooth_handedness=check_bool("smooth_handedness", smooth_handedness),
            landmark_filter=landmark_filter,
            world_filter=world_filter,
        )
        self._state = TrackerState()
        self._lock = threading.Lock()
        self.last_plan: FramePlan | None = None

    @property
    def state(self) -> TrackerState:
        """The current state (an immutable value; ``state.to_dict()`` is JSON-safe)."""
        return self._state

    @state.setter
    def state(self, value: TrackerState | dict[str, Any]) -> None:
        if isinstance(value, dict):
            value = TrackerState.from_dict(value)
        if not isinstance(value, TrackerState):
            raise TypeError(f"state must be a TrackerState or its dict, got {type(value).__name__}")
        with self._lock:
            self._state = value

    @property
    def phase(self) -> TrackingPhase:
        return self._state.phase(self.config.max_hands)

    def reset(self) -> None:
        """Forget every track (ids keep counting up, so they are never reused)."""
        with self._lock:
            self._state = TrackerState(next_track_id=self._state.next_track_id)

    def track(self, frame: ImageLike, timestamp_ms: float | None = None) -> FrameResult:
        """Process the next frame of the stream. Returns a :class:`~palmlite.FrameResult`: the
        :class:`~palmlite.HandsResult` ``detect`` gives, plus the frame's index, timestamp and
        whether the palm detector ran (``result.to_dict()`` is the CLI's frame record).

        ``timestamp_ms`` is optional; when given it must increase from frame to frame and it
        sets the smoothing filter's time step. Without it, frames are taken to be 1/30 s apart.
        """
        pixels = load_image(frame)
        image_size = (int(pixels.shape[1]), int(pixels.shape[0]))
        with self._lock:
            state = self._state
            timestamp = self._timestamp(state, timestamp_ms)
            plan = plan_frame(state, self.config)
            palms = self.landmarker._palms_for_tracking(pixels) if plan.run_detector else ()
            candidates = frame_rois(palms, state, image_size, self.config.max_hands)
            # RELIABILITY: a ROI whose crop float32 cannot compute (a degenerate tracked ROI
            # from pathological landmarks) cannot hold a hand: drop it, ending its track,
            # rather than fail the stream (landmarks_in_rois refuses such ROIs).
            candidates = [c for c in candidates if roi_crop_problem(c.roi, image_size) is None]
            hands = self.landmarker.landmarks_in_rois(pixels, [c.roi for c in candidates])
            new_state, reported = update_tracks(
                state, candidates, hands, image_size, timestamp, plan.run_detector, self.config,
                self.landmarker.min_presence_confidence, self.landmarker.mirrored,
            )
            self._state = new_state
            self.last_plan = plan
        return FrameResult(hands=reported, image_size=image_size,
                           palms=tuple(palms[: self.config.max_hands]),
                           frame=state.frame_index, timestamp_ms=timestamp,
                           palm_detector_ran=plan.run_detector)

    @staticmethod
    def _timestamp(state: TrackerState, timestamp_ms: float | None) -> float:
        if timestamp_ms is None:
            previous = state.last_timestamp_ms
            return 0.0 if previous is None else previous + DEFAULT_FRAME_MS
        if isinstance(timestamp_ms, (bool, np.bool_)) or not isinstance(
            timestamp_ms, (int, float, np.integer, np.floating)
        ):
            raise TypeError(f"timestamp_ms must be a number or None, got {timestamp_ms!r}")
        value = float(timestamp_ms)
        if not math.isfinite(value):
            raise ValueError(f"timestamp_ms must be finite, got {timestamp_ms!r}")
        last = state.last_timestamp_ms
        # The smoothing filter divides by the step in seconds: a step that is not a normal
        # positive float (equal, decreasing, or a subnormal sliver) would make it inf and the
        # landmarks NaN, so such a step counts as not increasing.
        if last is not None and not value / 1000.0 - last / 1000.0 >= sys.float_info.min:
            raise ValueError(f"timestamps must increase: got {value} ms after {last} ms")
        return value

