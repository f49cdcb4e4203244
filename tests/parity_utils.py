"""Comparing palmlite's hands with MediaPipe goldens (shared by the parity tests and the
evaluation script in benchmarks/)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import palmlite
from palmlite.roi import roi_from_landmarks


@dataclass
class ImageParity:
    """How one image's hands compare with MediaPipe's (hands matched order-insensitively)."""

    name: str
    variant: str
    expected_hands: int
    got_hands: int
    landmark_err_px: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per landmark
    world_err_m: float = 0.0
    labels_equal: bool = True
    score_err: float = 0.0

    @property
    def count_equal(self) -> bool:
        return self.expected_hands == self.got_hands


def compare_hands(
    name: str, variant: str, result: palmlite.HandsResult, golden_hands: list[dict[str, Any]]
) -> ImageParity:
    """Match palmlite hands to golden hands (best permutation by landmark error) and measure."""
    width, height = result.image_size
    scale = np.array([width, height], np.float64)
    parity = ImageParity(name, variant, len(golden_hands), len(result.hands))
    if parity.count_equal and golden_hands:
        exp = [np.asarray(h["landmarks"], np.float64)[:, :2] * scale for h in golden_hands]
        got = [h.landmarks[:, :2].astype(np.float64) * scale for h in result.hands]
        best = min(
            itertools.permutations(range(len(got))),
            key=lambda p: sum(np.abs(got[i] - exp[j]).sum() for j, i in enumerate(p)),
        )
        errs, world, labels, scores = [], 0.0, True, 0.0
        for j, i in enumerate(best):
            hand, gold = result.hands[i], golden_hands[j]
            errs.append(np.linalg.norm(got[i] - exp[j], axis=1))
            world = max(world, float(np.abs(
                hand.world_landmarks - np.asarray(gold["world_landmarks"], np.float32)).max()))
            labels = labels and hand.handedness == gold["handedness"]["label"]
            scores = max(scores, abs(hand.handedness_score - gold["handedness"]["score"]))
        parity.landmark_err_px = np.concatenate(errs)
        parity.world_err_m, parity.labels_equal, parity.score_err = world, labels, scores
    return parity


def summarize(rows: list[ImageParity]) -> dict[str, float]:
    errs = [r.landmark_err_px for r in rows if r.landmark_err_px.size]
    all_err = np.concatenate(errs) if errs else np.zeros(1)
    return {
        "images": len(rows),
        "count_equal": sum(r.count_equal for r in rows),
        "labels_equal": sum(r.labels_equal for r in rows),
        "median_px": float(np.median(all_err)),
        "p99_px": float(np.percentile(all_err, 99)),
        "max_px": float(all_err.max()),
        "max_world_m": max((r.world_err_m for r in rows), default=0.0),
        "max_score_err": max((r.score_err for r in rows), default=0.0),
    }


def _roi(values: dict[str, float]) -> palmlite.Roi:
    return palmlite.Roi(values["x_center"], values["y_center"], values["width"],
                        values["height"], values["rotation"])


@dataclass
class VideoParity:
    """Teacher-forced and free-running comparison of one video run with MediaPipe's."""

    frames: int
    teacher_err_px: np.ndarray
    roi_err: float
    count_equal_frames: int
    free_err_px: np.ndarray
    detector_runs_equal: int
    #: The free-running run itself, per frame: hands as ``(landmarks, label)`` (the format of
    #: ``free_running.drift``) and whether the palm detector ran.
    free_hands: list[list[tuple[np.ndarray, str]]] = field(default_factory=list)
    free_detector_ran: list[bool] = field(default_factory=list)


def video_parity(
    landmarker: palmlite.HandLandmarker, frames: list[np.ndarray],
    golden_frames: list[dict[str, Any]],
) -> VideoParity:
    """Compare palmlite with one MediaPipe video run (``landmarker.mirrored`` must be True).

    Teacher-forced: every MediaPipe hand's own ROI is given to palmlite's landmark model, and
    palmlite's ROI-from-landmarks is computed from MediaPipe's landmarks. Free-running: a
    HandTracker runs over the frames on its own.
    """
    teacher, roi_err = [], 0.0
    for pixels, gold in zip(frames, golden_frames, strict=True):
        height, width = pixels.shape[:2]
        scale = np.array([width, height], np.float64)
        for gold_hand in gold["hands"]:
            roi = _roi(gold["hand_rects"][gold_hand["roi_index"]])
            hand = landmarker.landmarks_in_roi(pixels, roi)
            want = np.asarray(gold_hand["landmarks"], np.float64)[:, :2] * scale
            teacher.append(np.linalg.norm(hand.landmarks[:, :2] * scale - want, axis=1))
        for gold_hand, gold_roi in zip(gold["hands"], gold["rois_from_landmarks"], strict=True):
            ours = roi_from_landmarks(np.asarray(gold_hand["landmarks"], np.float32),
                                      (width, height))
            roi_err = max(roi_err, float(np.abs(ours.as_array() - _roi(gold_roi).as_array()).max()))
    tracker = palmlite.HandTracker(landmarker)
    equal, free, detector_equal = 0, [], 0
    free_hands, free_detector_ran = [], []
    for pixels, gold in zip(frames, golden_frames, strict=True):
        result = tracker.track(pixels, gold["timestamp_ms"])
        assert tracker.last_plan is not None
        detector_equal += tracker.last_plan.run_detector == gold["palm_detector_ran"]
        free_hands.append([(hand.landmarks, hand.handedness) for hand in result.hands])
        free_detector_ran.append(tracker.last_plan.run_detector)
        row = compare_hands("", "", result, gold["hands"])
        equal += row.count_equal
        if row.landmark_err_px.size:
            free.append(row.landmark_err_px)
    return VideoParity(
        frames=len(frames),
        teacher_err_px=np.concatenate(teacher) if teacher else np.zeros(0),
        roi_err=roi_err,
        count_equal_frames=equal,
        free_err_px=np.concatenate(free) if free else np.zeros(0),
        detector_runs_equal=detector_equal,
        free_hands=free_hands,
        free_detector_ran=free_detector_ran,
    )
