"""Side-by-side video-mode timing of palmlite's HandTracker vs MediaPipe 0.10.21 legacy Hands.

Usage (from the repository root, with palmlite's python)::

    python benchmarks/timing_video.py [--videos FILE ...] [--max-frames N] [--threads 1]
                                      [--models full lite] [--repeats 1] [--mp-python PATH]

Videos are decoded once here (palmlite.read_video, PyAV) and every frame is sent, as a
C-contiguous RGB uint8 array, to the MediaPipe worker of timing_static.py (run by the MediaPipe
python, default $PALMLITE_MP_PYTHON or .venv-mp/bin/python), so both libraries see identical
pixels; that same array is what palmlite gets. MediaPipe is never imported in this process.

Rows (configurations): max_hands=1 (once a hand is tracked, no palm detection), max_hands=2
with detection_interval=1 (MediaPipe's own policy: detect while fewer than 2 hands are
tracked) and max_hands=2 with detection_interval=5 (palmlite only; MediaPipe runs the same
max_num_hands=2 graph as in the previous row). Per model, palmlite thread count and
configuration: one untimed warm-up pass of both over the first 10 frames of the first video
(throwaway tracker and Hands instance), then for each repeat and video, in frame order, a fresh
palmlite.HandTracker (sharing one warm HandLandmarker) and a fresh legacy
mp.solutions.hands.Hands(static_image_mode=False) instance. Each frame is first tracked by
palmlite (tracker.track timed here), then processed by MediaPipe (hands.process timed inside
the worker with time.perf_counter; pipe transfer not counted). Both keep their own tracking
state. The legacy MediaPipe API cannot set a thread count (XNNPACK's desktop default is one
thread per model): both processes are pinned to the first N cores for an N-thread row.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

import palmlite

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing_static import VARIANTS, MediaPipeWorker, machine_info, pin_cores, versions

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared/data"
DEFAULT_VIDEOS = [
    SHARED / "tfjs/asl_hand.25fps.mp4",
    SHARED / "mediapipe_samples/open_hand_reach_640x360.mp4",
    SHARED / "mediapipe_samples/thumb_up_toward_camera_1280x720.mp4",
]
WARMUP_FRAMES = 10

Frame = tuple[npt.NDArray[np.uint8], float]  # (C-contiguous RGB pixels, timestamp in ms)


@dataclass(frozen=True)
class Config:
    max_hands: int
    detection_interval: int
    label: str


CONFIGS = (
    Config(1, 1, "max_hands=1 (tracking only)"),
    Config(2, 1, "max_hands=2, detection_interval=1 (MediaPipe policy)"),
    Config(2, 5, "max_hands=2, detection_interval=5"),
)


@dataclass
class Stats:
    """Per-frame timings (all repeats) and first-repeat counts for one table row."""

    pl_s: list[float] = field(default_factory=list)
    mp_s: list[float] = field(default_factory=list)
    frames: int = 0
    detector_frames: int = 0
    pl_hands: int = 0
    mp_hands: int = 0


def run_video(landmarker: palmlite.HandLandmarker, mpw: MediaPipeWorker, complexity: int,
              config: Config, frames: list[Frame], stats: Stats | None, count: bool) -> None:
    """One in-order pass over ``frames`` with a fresh tracker and a fresh MediaPipe instance."""
    tracker = palmlite.HandTracker(landmarker, detection_interval=config.detection_interval)
    mpw.load(complexity, static=False, max_hands=config.max_hands)
    for image, timestamp_ms in frames:
        start = time.perf_counter()
        result = tracker.track(image, timestamp_ms)
        pl_s = time.perf_counter() - start
        mp_s, mp_hands = mpw.time_frame(image)
        if stats is None:
            continue
        stats.pl_s.append(pl_s)
        stats.mp_s.append(mp_s)
        if count:
            assert tracker.last_plan is not None
            stats.frames += 1
            stats.detector_frames += tracker.last_plan.run_detector
            stats.pl_hands += len(result.hands)
            stats.mp_hands += mp_hands


def measure_video(mpw: MediaPipeWorker, videos: dict[Path, list[Frame]],
                  model: Literal["lite", "full"], threads: int, config: Config,
                  repeats: int) -> Stats:
    """One table row: both processes pinned to ``threads`` cores, an untimed warm-up over the
    first frames of the first video, then every video in order, ``repeats`` times."""
    pin_cores(threads)
    mpw.pin(threads)
    landmarker = palmlite.HandLandmarker(max_hands=config.max_hands, model=model,
                                         num_threads=threads)
    warmup = next(iter(videos.values()))[:WARMUP_FRAMES]
    run_video(landmarker, mpw, VARIANTS[model], config, warmup, None, False)
    stats = Stats()
    for repeat in range(repeats):
        for frames in videos.values():
            run_video(landmarker, mpw, VARIANTS[model], config, frames, stats, repeat == 0)
    return stats


def print_video_table(rows: list[tuple[Config, int, Stats]]) -> None:
    print("| configuration | threads | frames | palmlite median | palmlite p90 "
          "| MediaPipe median | MediaPipe p90 | ratio of medians | palmlite detector frames "
          "| hands/frame palmlite/MP |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for config, threads, s in rows:
        pl, mp_ = np.array(s.pl_s) * 1e3, np.array(s.mp_s) * 1e3
        print(f"| {config.label} | {threads} | {s.frames} "
              f"| {np.median(pl):.2f} | {np.percentile(pl, 90):.2f} "
              f"| {np.median(mp_):.2f} | {np.percentile(mp_, 90):.2f} "
              f"| {np.median(pl) / np.median(mp_):.2f} "
              f"| {s.detector_frames / s.frames:.1%} "
              f"| {s.pl_hands / s.frames:.3f}/{s.mp_hands / s.frames:.3f} |")


def load_videos(paths: list[Path], max_frames: int | None) -> dict[Path, list[Frame]]:
    videos: dict[Path, list[Frame]] = {}
    for path in paths:
        if not path.is_file():
            sys.exit(f"no such video file: {path}")
        videos[path] = [(np.ascontiguousarray(f.image), f.timestamp_ms)
                        for f in islice(palmlite.read_video(path), max_frames)]
        if not videos[path]:
            sys.exit(f"no frames decoded from {path}")
    return videos


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--videos", type=Path, nargs="+", default=DEFAULT_VIDEOS)
    parser.add_argument("--max-frames", type=int, default=None, help="cap on frames per video")
    parser.add_argument("--threads", type=int, nargs="+", default=[1])
    parser.add_argument("--models", nargs="+", choices=list(VARIANTS), default=["full"])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--mp-python", type=Path, default=Path(
        os.environ.get("PALMLITE_MP_PYTHON") or ROOT / ".venv-mp/bin/python"))
    args = parser.parse_args()
    if not args.mp_python.is_file():
        sys.exit(f"MediaPipe python not found: {args.mp_python} (see timing_static.py; "
                 "pass --mp-python PATH or set PALMLITE_MP_PYTHON)")
    if args.repeats < 1 or min(args.threads) < 1 or (args.max_frames or 1) < 1:
        sys.exit("--repeats, --threads and --max-frames must be >= 1")

    started = time.perf_counter()
    videos = load_videos(args.videos, args.max_frames)
    total = sum(map(len, videos.values()))
    mpw = MediaPipeWorker(args.mp_python)
    print("## Machine")
    for line in [
        *machine_info(),
        *versions(mpw, args.mp_python),
        "videos: " + "; ".join(f"{p.name} ({len(fr)} frames, {fr[0][0].shape[1]}x"
                               f"{fr[0][0].shape[0]})" for p, fr in videos.items()),
        f"repeats: {args.repeats}; warm-up: first {WARMUP_FRAMES} frames of the first video "
        "per configuration, untimed",
        "MediaPipe: legacy mp.solutions.hands.Hands(static_image_mode=False, max_num_hands=M, "
        "model_complexity=0 lite / 1 full), fresh per video; thread count not settable",
    ]:
        print(f"- {line}")

    model: Literal["lite", "full"]
    for model in args.models:
        rows: list[tuple[Config, int, Stats]] = []
        for threads in args.threads:
            for config in CONFIGS:
                rows.append((config, threads,
                             measure_video(mpw, videos, model, threads, config, args.repeats)))
                print(f"  done: {model}, {threads} thread(s), {config.label}", file=sys.stderr,
                      flush=True)
        print(f"\n## Timing, model {model} (ms per frame, video mode)\n")
        print_video_table(rows)
    mpw.close()
    print("\nratio = palmlite / MediaPipe (below 1 means palmlite is faster). Samples per row: "
          f"{args.repeats} repeat(s) x {total} frames; detector fraction and hands per frame "
          f"from the first repeat. Total wall time {time.perf_counter() - started:.1f} s.")


if __name__ == "__main__":
    main()
