"""How far two free-running video runs drift apart, and the bounds derived from the chaos floor.

Pure NumPy, no palmlite: ``tests/tools/make_chaos_floor.py`` imports it in the MediaPipe venv
(NumPy 1.26) to measure MediaPipe against itself on perturbed frames, and the parity tests
import it in the palmlite venv to measure palmlite against MediaPipe, so both sides of every
free-running bound are computed by the same code.

A run is a list of frames; a frame is a list of hands ``(landmarks, label)`` with ``landmarks``
MediaPipe's normalized ``21 x 3`` (or ``21 x 2``) landmarks. Hands are matched between the two
runs order-insensitively (the permutation with the smallest summed landmark distance).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from tolerances import FLOOR_FACTOR, FLOOR_TOL_PX

Hand = tuple[Any, str]  # (normalized landmarks, "Left" | "Right")
Frame = Sequence[Hand]

#: Perturbation used for the chaos floor: this fraction of the pixels of every frame gets +1 or
#: -1 on all three channels (clipped to 0..255), chosen by ``default_rng([seed, frame index])``.
PERTURB_FRACTION = 0.001

def perturb(rgb: npt.NDArray[np.uint8], seed: int, index: int,
            fraction: float = PERTURB_FRACTION) -> npt.NDArray[np.uint8]:
    """A copy of frame ``index`` with ``fraction`` of its pixels changed by +-1 grey level."""
    height, width = rgb.shape[:2]
    rng = np.random.default_rng([seed, index])
    count = max(1, round(fraction * height * width))
    flat = rng.choice(height * width, size=count, replace=False)
    delta = rng.choice(np.array([-1, 1], np.int16), size=count)
    ys, xs = np.divmod(flat, width)
    out = np.array(rgb, dtype=np.uint8, copy=True)
    out[ys, xs] = np.clip(out[ys, xs].astype(np.int16) + delta[:, None], 0, 255).astype(np.uint8)
    return out


@dataclass
class Drift:
    """How run ``other`` differs from run ``reference``, frame by frame."""

    frames: int
    count_diff_frames: list[int]  # frames with another number of hands
    label_diff_frames: list[int]  # equal count, some matched hand has another label
    detector_diff_frames: list[int]  # palm detector ran on one side only (when known)
    err_px: npt.NDArray[np.float64]  # per landmark (x, y), frames with equal hand count
    frame_max_px: list[float]  # per frame max landmark error (0 where no hands / count differs)

    def stats(self) -> dict[str, float]:
        err = self.err_px if self.err_px.size else np.zeros(1)
        return {
            "median_px": float(np.median(err)),
            "p99_px": float(np.percentile(err, 99)),
            "max_px": float(err.max()),
        }

    def counts(self) -> dict[str, int]:
        return {
            "count_diff": len(self.count_diff_frames),
            "label_diff": len(self.label_diff_frames),
            "detector_diff": len(self.detector_diff_frames),
        }


def drift(reference: Sequence[Frame], other: Sequence[Frame], size: tuple[int, int],
          detector_reference: Sequence[bool] | None = None,
          detector_other: Sequence[bool] | None = None) -> Drift:
    """Compare two runs over the same frames of a ``size = (width, height)`` video."""
    if len(reference) != len(other):
        raise ValueError(f"{len(reference)} frames against {len(other)}")
    scale = np.array(size, np.float64)
    count_diff, label_diff, errors, frame_max = [], [], [], []
    for index, (ref, oth) in enumerate(zip(reference, other, strict=True)):
        if len(ref) != len(oth):
            count_diff.append(index)
            frame_max.append(0.0)
            continue
        want = [np.asarray(lm, np.float64)[:, :2] * scale for lm, _ in ref]
        got = [np.asarray(lm, np.float64)[:, :2] * scale for lm, _ in oth]
        best = min(itertools.permutations(range(len(got))),
                   key=lambda p: sum(np.abs(got[i] - want[j]).sum() for j, i in enumerate(p)))
        worst = 0.0
        for j, i in enumerate(best):
            err = np.linalg.norm(got[i] - want[j], axis=1)
            errors.append(err)
            worst = max(worst, float(err.max()))
        if any(oth[i][1] != ref[j][1] for j, i in enumerate(best)):
            label_diff.append(index)
        frame_max.append(worst)
    detector_diff = []
    if detector_reference is not None and detector_other is not None:
        detector_diff = [i for i, (a, b) in enumerate(zip(detector_reference, detector_other,
                                                          strict=True)) if a != b]
    return Drift(
        frames=len(reference),
        count_diff_frames=count_diff,
        label_diff_frames=label_diff,
        detector_diff_frames=detector_diff,
        err_px=np.concatenate(errors) if errors else np.zeros(0),
        frame_max_px=frame_max,
    )


def golden_run(frames: Sequence[Mapping[str, Any]]) -> list[list[Hand]]:
    """Hands of a ``video_clips.json`` run (``frames`` of one ``runs[...]`` entry)."""
    return [[(h["landmarks"], h["handedness"]["label"]) for h in f["hands"]] for f in frames]


def check_against_floor(measured: Drift, floor: Mapping[str, Any],
                        what: str) -> tuple[list[str], str]:
    """Bound a palmlite-vs-MediaPipe drift by one configuration's chaos floor.

    Landmark error median / p99 / max: at most ``FLOOR_FACTOR`` x the floor's worst seed plus
    ``FLOOR_TOL_PX``. Hand-count, label and palm-detector disagreements: only on frames where
    some perturbed MediaPipe run disagreed too. Returns the violated bounds (empty if all hold)
    and a report of every measured value against its bound.
    """
    worst = floor["worst"]
    lines, failures = [], []
    for key, value in measured.stats().items():
        bound = FLOOR_FACTOR * worst[key] + FLOOR_TOL_PX
        lines.append(f"{key} {value:.3f} (bound {bound:.3f})")
        if not value <= bound:
            failures.append(key)
    frames = {
        "count_diff": measured.count_diff_frames,
        "label_diff": measured.label_diff_frames,
        "detector_diff": measured.detector_diff_frames,
    }
    for key, got in frames.items():
        allowed = floor["frames_disagreeing"][key]
        lines.append(f"{key} on frames {got} (allowed {allowed})")
        if not set(got) <= set(allowed):
            failures.append(key)
    worst_frame = int(np.argmax(measured.frame_max_px)) if measured.frame_max_px else 0
    report = (
        f"{what}, measured against MediaPipe (bound: {FLOOR_FACTOR:g} x MediaPipe's worst "
        f"perturbed run + {FLOOR_TOL_PX:g} px; disagreements only where a perturbed run "
        "disagreed): "
        + "; ".join(lines)
        + f". Worst frame {worst_frame}: {max(measured.frame_max_px, default=0.0):.3f} px, "
        f"floor there {floor['frame_max_px'][worst_frame]:.3f} px"
    )
    return failures, report


def legacy_video_config(args: Sequence[str]) -> tuple[str, str]:
    """(clip file name, ``video_clips.json`` run key) of a ``video_loop.py`` command line.

    The script's defaults are those of ``mp.solutions.hands.Hands``: 2 hands, complexity 1.
    """
    def option(name: str, default: int) -> int:
        return int(args[list(args).index(name) + 1]) if name in args else default

    hands, complexity = option("--max-num-hands", 2), option("--model-complexity", 1)
    model = {0: "lite", 1: "full"}[complexity]
    return args[-1].rsplit("/", 1)[-1], f"{model}_max{hands}"


def printed_run(records: Sequence[Mapping[str, Any]]) -> list[list[Hand]]:
    """Hands of the JSON lines ``examples/legacy/video_loop.py`` prints, one per frame."""
    return [[(h["landmarks"], h["label"]) for h in r["hands"]] for r in records]
