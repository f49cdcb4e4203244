"""Video-mode parity of palmlite's HandTracker against MediaPipe 0.10.21 video goldens.

Usage (from the repository root)::

    python benchmarks/parity_video.py [--goldens tests/data/goldens/video_clips.json]
                                      [--root tests/data/videos]

For the full shared videos, write their goldens first with tests/tools/make_video_goldens.py in
the MediaPipe venv (see tests/data/README.md) and pass ``--root ../shared/data``.
Prints, per video and run (model, max hands): teacher-forced landmark error (MediaPipe's ROI
fed to palmlite), free-running hand-count agreement and landmark error, agreement of the
palm-detector decisions, and the ROI-from-landmarks error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from parity_utils import video_parity  # noqa: E402

import palmlite  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--goldens", type=Path,
                        default=ROOT / "tests/data/goldens/video_clips.json")
    parser.add_argument("--root", type=Path, default=ROOT / "tests/data/videos")
    args = parser.parse_args()
    goldens = json.loads(args.goldens.read_text())
    print("| video | run | frames | teacher median px | teacher max px | count equal | "
          "free median px | free p99 px | free max px | detector decisions equal |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, video in sorted(goldens["videos"].items()):
        frames = [f.image for f in palmlite.read_video(args.root / name)]
        for run, gold in sorted(video["runs"].items()):
            landmarker = palmlite.HandLandmarker(max_hands=gold["max_num_hands"],
                                                 model=gold["model"], mirrored=True,
                                                 num_threads=1)
            p = video_parity(landmarker, frames, gold["frames"])
            t, f = p.teacher_err_px, p.free_err_px
            print(f"| {name} | {run} | {p.frames} | {np.median(t):.4f} | {t.max():.4f} | "
                  f"{p.count_equal_frames}/{p.frames} "
                  f"({100 * p.count_equal_frames / p.frames:.1f}%) | "
                  f"{np.median(f):.4f} | {np.percentile(f, 99):.3f} | {f.max():.3f} | "
                  f"{p.detector_runs_equal}/{p.frames} |", flush=True)


if __name__ == "__main__":
    main()
