"""Comparing palmlite's hands with MediaPipe goldens (shared by the parity tests and the
evaluation script in benchmarks/)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import palmlite


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
