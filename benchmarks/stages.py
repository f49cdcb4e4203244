"""Per-stage timing of palmlite's still-image pipeline: where the time goes besides the models.

Usage (from the repository root, with palmlite's python)::

    python benchmarks/stages.py [--root DIR] [--model full|lite] [--threads 1]
                                [--repeats 3] [--max-hands 2] [--unfused]

Images: every jpg/png under ``--root`` (recursively; default tests/data/images), decoded once
with PIL ``.convert("RGB")``. Each image runs the static pipeline of
:class:`palmlite.HandLandmarker` stage by stage, each stage timed on its own
(``time.perf_counter`` around the call):

=================  ================================================================
palm crop          letterbox rect + 192x192 crop (fused into the float tensor, or uint8)
palm to_tensor     uint8 -> float32 (only with ``--unfused``; fused into the crop otherwise)
palm model         the palm detector session
palm decode+NMS    anchor decoding, weighted NMS, letterbox removal
ROIs               ROI from each kept palm, association
landmark crop      per hand: ROI -> rect, 224x224 crop (fused, or uint8)
landmark to_tensor per hand, only with ``--unfused``
landmark model     per hand: the landmark session
landmark decode    per hand: decode, letterbox removal, projection, world rotation
=================  ================================================================

Per stage it prints the median and p90 of a single call (landmark stages: per hand) and the
median per frame; then the pipeline overhead: per frame, (sum of all stages) / (model stages),
median and p90 over frames. One untimed warm-up pass comes first; frames then run
``--repeats`` times, image after image.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
from PIL import Image

import palmlite
from palmlite import crop as crop_module
from palmlite.anchors import ssd_anchors
from palmlite.association import frame_candidates
from palmlite.crop import Border, crop_rect, to_tensor
from palmlite.landmark_decode import decode_landmarks, handedness_from_score
from palmlite.letterbox import (
    Padding,
    full_image_rect,
    pad_to_aspect,
    remove_letterbox,
    roi_to_rect_px,
)
from palmlite.nms import weighted_nms
from palmlite.palm_decode import decode_palms
from palmlite.palm_detector import palms_from_candidates
from palmlite.projection import landmarks_to_pixels, project_landmarks, rotate_world_landmarks
from palmlite.specs import LANDMARK_INPUT_SIZE, PALM_INPUT_SIZE
from palmlite.types import PalmDetection, Roi

ROOT = Path(__file__).resolve().parents[1]
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
MODEL_STAGES = ("palm model", "landmark model")
T = TypeVar("T")


def find_images(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)


class Sessions:
    """The two model sessions: HandLandmarker's own, or plain ONNX Runtime ones if the
    landmarker cannot be built from this checkout's weights."""

    def __init__(self, model: Literal["lite", "full"], threads: int) -> None:
        try:
            landmarker = palmlite.HandLandmarker(model=model, num_threads=threads)
        except palmlite.ModelError as exc:
            print(f"note: HandLandmarker failed ({str(exc).splitlines()[0]}); "
                  "timing plain ONNX Runtime sessions on the same files", file=sys.stderr)
            import onnxruntime as ort

            from palmlite.weights import find_weights

            files = find_weights(model)
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            sessions = [ort.InferenceSession(str(path), options,
                                             providers=["CPUExecutionProvider"])
                        for path in (files.palm, files.landmark)]
            self.palm = _runner(sessions[0])
            self.landmark = _runner(sessions[1])
        else:
            self.palm = landmarker._palm_model.run
            self.landmark = landmarker._landmark_model.run


def _runner(session: Any) -> Callable[[np.ndarray], list[np.ndarray]]:
    name = session.get_inputs()[0].name

    def run(tensor: np.ndarray) -> list[np.ndarray]:
        return [np.asarray(o, np.float32) for o in session.run(None, {name: tensor})]

    return run


class Timer:
    def __init__(self) -> None:
        self.calls: dict[str, list[float]] = defaultdict(list)
        self.frame: dict[str, float] = defaultdict(float)

    def __call__(self, stage: str, fn: Callable[..., T], *args: Any) -> T:
        start = time.perf_counter()
        result = fn(*args)
        elapsed = time.perf_counter() - start
        self.calls[stage].append(elapsed)
        self.frame[stage] += elapsed
        return result


def palm_crop(pixels: np.ndarray, fused: bool) -> tuple[np.ndarray, Padding]:
    height, width = pixels.shape[:2]
    rect, padding = pad_to_aspect(full_image_rect(width, height), PALM_INPUT_SIZE,
                                  PALM_INPUT_SIZE)
    if fused:
        return crop_module.crop_rect_tensor(pixels, rect, PALM_INPUT_SIZE, Border.ZERO), padding
    return crop_rect(pixels, rect, PALM_INPUT_SIZE, Border.ZERO), padding


def palm_decode(regressors: np.ndarray, logits: np.ndarray, anchors: np.ndarray,
                padding: Padding) -> tuple[PalmDetection, ...]:
    """Decode, weighted NMS and letterbox removal, as HandLandmarker does them."""
    merged = weighted_nms(decode_palms(regressors[0], logits[0], anchors))
    return palms_from_candidates(merged, padding)


def landmark_crop(pixels: np.ndarray, roi: Roi, fused: bool) -> tuple[np.ndarray, Padding]:
    size = (pixels.shape[1], pixels.shape[0])
    rect = roi_to_rect_px((roi.x_center, roi.y_center, roi.width, roi.height, roi.rotation),
                          size)
    padded, padding = pad_to_aspect(rect, LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE)
    if fused:
        tensor = crop_module.crop_rect_tensor(pixels, padded, LANDMARK_INPUT_SIZE,
                                              Border.REPLICATE)
        return tensor, padding
    return crop_rect(pixels, padded, LANDMARK_INPUT_SIZE, Border.REPLICATE), padding


def landmark_decode(outputs: list[np.ndarray], padding: Padding, roi: Roi,
                    size: tuple[int, int]) -> object:
    raw, presence, handedness, world = outputs
    landmarks = project_landmarks(remove_letterbox(decode_landmarks(raw[0]), padding), roi)
    return (landmarks_to_pixels(landmarks, size),
            rotate_world_landmarks(world[0], roi.rotation),
            handedness_from_score(float(handedness.reshape(-1)[0])),
            float(presence.reshape(-1)[0]))


def run_frame(pixels: np.ndarray, sessions: Sessions, timer: Timer, max_hands: int,
              fused: bool, anchors: np.ndarray) -> int:
    """The static pipeline on one frame, stage by stage; returns the number of hands."""
    size = (int(pixels.shape[1]), int(pixels.shape[0]))
    crop, padding = timer("palm crop", palm_crop, pixels, fused)
    tensor = crop if fused else timer("palm to_tensor", to_tensor, crop)
    regressors, logits = timer("palm model", sessions.palm, tensor)
    palms = timer("palm decode+NMS", palm_decode, regressors, logits, anchors, padding)
    candidates = timer("ROIs", frame_candidates, palms[:max_hands], (), size, max_hands)
    for candidate in candidates:
        crop, padding = timer("landmark crop", landmark_crop, pixels, candidate.roi, fused)
        tensor = crop if fused else timer("landmark to_tensor", to_tensor, crop)
        outputs = timer("landmark model", sessions.landmark, tensor)
        timer("landmark decode", landmark_decode, outputs, padding, candidate.roi, size)
    return len(candidates)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT / "tests" / "data" / "images",
                        help="image folder, searched recursively for jpg/png (or one file)")
    parser.add_argument("--model", choices=("lite", "full"), default="full")
    parser.add_argument("--threads", type=int, default=1, help="ONNX Runtime intra-op threads")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-hands", type=int, default=2)
    parser.add_argument("--unfused", action="store_true",
                        help="crop to uint8 then to_tensor, instead of the fused tensor crop")
    args = parser.parse_args(argv)

    paths = find_images(args.root)
    if not paths:
        parser.error(f"no jpg/png images under {args.root}")
    frames = []
    for path in paths:
        with Image.open(path) as image:
            frames.append(np.asarray(image.convert("RGB"), dtype=np.uint8))
    fused = not args.unfused
    if fused and not hasattr(crop_module, "crop_rect_tensor"):
        parser.error("this palmlite has no crop_rect_tensor: use --unfused")
    print(f"palmlite stages: {len(frames)} images from {args.root}, model {args.model}, "
          f"{args.threads} thread(s), {args.repeats} repeats, "
          f"{'fused' if fused else 'unfused'} crops; numpy {np.__version__}, "
          f"python {platform.python_version()}, {os.cpu_count()} CPUs")

    print_breakdown(measure(frames, args.model, args.threads, args.repeats, args.max_hands,
                            fused))
    return 0


@dataclass
class Breakdown:
    """Per-call and per-frame stage timings (seconds) and per-frame overhead ratios."""

    stages: list[str]
    calls: dict[str, list[float]]
    per_frame: dict[str, list[float]]
    overheads: list[float]
    hands: int


def measure(frames: list[np.ndarray], model: Literal["lite", "full"], threads: int,
            repeats: int, max_hands: int = 2, fused: bool = True) -> Breakdown:
    """One untimed warm-up pass, then ``repeats`` passes over ``frames``, stage by stage."""
    sessions = Sessions(model, threads)
    anchors = ssd_anchors()
    for pixels in frames:  # warm-up
        run_frame(pixels, sessions, Timer(), max_hands, fused, anchors)
    result = Breakdown([], defaultdict(list), defaultdict(list), [], 0)
    for _ in range(repeats):
        for pixels in frames:
            timer = Timer()
            result.hands += run_frame(pixels, sessions, timer, max_hands, fused, anchors)
            for stage, values in timer.calls.items():
                result.calls[stage] += values
                if stage not in result.stages:
                    result.stages.append(stage)
            for stage in result.stages:
                result.per_frame[stage].append(timer.frame.get(stage, 0.0))
            model_s = sum(timer.frame[s] for s in MODEL_STAGES if s in timer.frame)
            result.overheads.append(sum(timer.frame.values()) / model_s)
    return result


def print_breakdown(b: Breakdown) -> None:
    """A Markdown table of the stages and the overhead line."""
    ms = 1e3
    frames = len(b.overheads)
    print(f"{frames} frames, {b.hands} hands (per frame: {b.hands / frames:.2f})\n")
    print("| stage | calls | median ms per call | p90 ms | mean ms per frame |")
    print("|---|---:|---:|---:|---:|")
    for stage in b.stages:
        values = np.array(b.calls[stage])
        print(f"| {stage} | {values.size} | {np.median(values) * ms:.3f} "
              f"| {np.percentile(values, 90) * ms:.3f} | {np.mean(b.per_frame[stage]) * ms:.3f} |")
    model_ms = sum(np.mean(b.per_frame[s]) for s in MODEL_STAGES if s in b.per_frame) * ms
    other_ms = sum(np.mean(b.per_frame[s]) for s in b.stages if s not in MODEL_STAGES) * ms
    ratio = np.array(b.overheads)
    print(f"\nper frame: models {model_ms:.3f} ms, everything else {other_ms:.3f} ms; "
          f"stage-sum overhead (all stages / model stages): median {np.median(ratio):.3f}x, "
          f"p90 {np.percentile(ratio, 90):.3f}x, of the mean frame "
          f"{(model_ms + other_ms) / model_ms:.3f}x")


if __name__ == "__main__":
    raise SystemExit(main())
