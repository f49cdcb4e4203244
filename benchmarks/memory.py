"""Long-run memory check: RSS before and after 10,000+ frames through palmlite.

Usage (from the repository root, with palmlite's python)::

    python benchmarks/memory.py [--frames 10000] [--mode track|detect|batch] [--model full]
                                [--threads 1] [--report-every 1000]

Frames are the committed 40-frame clips (tests/data/videos), cycled; every 97th frame is
replaced by a black frame so the tracker keeps losing and re-finding hands (detector runs,
new track ids, state churn), and timestamps keep increasing. ``track`` feeds one HandTracker
(max 2 hands, MediaPipe's policy); ``detect`` calls HandLandmarker.detect on every frame;
``batch`` calls detect_batch on groups of 8 frames. After a 200-frame warm-up (ONNX Runtime
grows its arenas on the first calls), RSS is read from /proc/self/statm every
``--report-every`` frames; the figure that matters is the growth from the warm-up to the end.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from itertools import cycle, islice
from pathlib import Path

import numpy as np

import palmlite

ROOT = Path(__file__).resolve().parents[1]
CLIPS = sorted((ROOT / "tests/data/videos").glob("*.mp4"))
WARMUP = 200
BLANK_EVERY = 97


def rss_mb() -> float:
    """Resident set size of this process in MiB (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def frames() -> list[np.ndarray]:
    out = []
    for clip in CLIPS:
        out += [np.ascontiguousarray(f.image) for f in palmlite.read_video(clip)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=10_000)
    parser.add_argument("--mode", choices=("track", "detect", "batch"), default="track")
    parser.add_argument("--model", choices=("lite", "full"), default="full")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--report-every", type=int, default=1000)
    args = parser.parse_args()

    pool = frames()
    blank = np.zeros_like(pool[0])
    landmarker = palmlite.HandLandmarker(max_hands=2, model=args.model,
                                         num_threads=args.threads)
    tracker = palmlite.HandTracker(landmarker)
    stream = (blank if i % BLANK_EVERY == BLANK_EVERY - 1 else f
              for i, f in enumerate(cycle(pool)))
    print(f"palmlite {palmlite.__version__}, mode {args.mode}, model {args.model}, "
          f"threads {args.threads}, {args.frames} frames after a {WARMUP}-frame warm-up")
    print(f"RSS after loading: {rss_mb():.1f} MiB")

    done = hands = 0
    timestamp = 0.0
    start_rss = start = 0.0
    total = WARMUP + args.frames
    while done < total:
        if done == WARMUP:
            gc.collect()
            start_rss, start = rss_mb(), time.perf_counter()
            print(f"RSS after warm-up (start): {start_rss:.1f} MiB")
        if args.mode == "batch":
            group = list(islice(stream, 8))
            hands += sum(len(r.hands) for r in landmarker.detect_batch(group))
            step = len(group)
        else:
            frame = next(stream)
            timestamp += 33.3
            if args.mode == "track":
                result = tracker.track(frame, timestamp_ms=timestamp)
            else:
                result = landmarker.detect(frame)
            hands += len(result.hands)
            step = 1
        before = done
        done += step
        if done > WARMUP and (done - WARMUP) // args.report_every > (before - WARMUP) // \
                args.report_every:
            print(f"  {done - WARMUP:6d} frames: RSS {rss_mb():.1f} MiB", flush=True)
    gc.collect()
    end_rss = rss_mb()
    seconds = time.perf_counter() - start
    print(f"RSS at end: {end_rss:.1f} MiB; growth over {args.frames} frames: "
          f"{end_rss - start_rss:+.1f} MiB ({seconds:.0f} s, {hands} hands reported, "
          f"{seconds / args.frames * 1e3:.1f} ms/frame)")


if __name__ == "__main__":
    sys.exit(main())
