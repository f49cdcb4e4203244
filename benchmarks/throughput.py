"""Whole-machine throughput: photos (or tracked frames) per second, one single-threaded
process per core.

Usage (from the repository root, with palmlite's python; MediaPipe in its own venv)::

    python benchmarks/throughput.py --mp-python /path/to/mediapipe-venv/bin/python
                                    [--processes N ...] [--rounds 5] [--model full]

This is how servers run palmlite: N worker processes (default: one per core), each with
``num_threads=1``, each taking every N-th photo. MediaPipe runs the same way: N workers of
legacy ``Hands(static_image_mode=True)`` (one XNNPACK thread per model). Every worker receives
the same decoded photos up front (tests/data/images and ../shared/data), so decoding is not
timed; a round is the wall time from the first photo to the last of all workers. Rounds
alternate palmlite and MediaPipe, so load from other processes on this shared machine hits
both alike; the figures are medians over rounds. ``--processes 1 2`` measures one process
(1 x 1 thread: the per-core figure) and then N.

``--video``: tracked video instead. Each worker is N independent streams' one: it tracks the
first ``--max-frames`` frames of each of ``--videos`` (timing_video.py's three clips) in order,
with MediaPipe's policy (palmlite ``HandTracker``, MediaPipe ``static_image_mode=False``; the
clips follow each other in one stream, for both alike).

Prints photos (frames) per second for each library and their ratio to MediaPipe, with the CPU flags
(they decide which ONNX Runtime kernels run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing_static import (
    ALL_PHOTOS,
    VARIANTS,
    MediaPipeWorker,
    find_images,
    machine_info,
    recv,
    send,
    versions,
)
from timing_video import DEFAULT_VIDEOS, load_videos


def palmlite_worker() -> None:
    """palmlite side of MediaPipeWorker's protocol: images, then load/time/quit requests."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    inp = sys.stdin.buffer
    import palmlite

    shapes = recv(inp)["shapes"]
    images = [np.frombuffer(recv(inp, raw=True), np.uint8).reshape(s) for s in shapes]
    send(out, {"palmlite": palmlite.__version__})
    run: Any = None
    while True:
        msg = recv(inp)
        if msg["cmd"] == "load":
            landmarker = palmlite.HandLandmarker(model=msg["model"], max_hands=2, num_threads=1)
            # Video: MediaPipe's tracking policy (the palm detector only while a hand is
            # missing), as legacy Hands(static_image_mode=False) runs it.
            run = palmlite.HandTracker(landmarker).track if msg["video"] else landmarker.detect
            send(out, {"ok": True})
        elif msg["cmd"] == "time":
            start = time.perf_counter()
            result = run(images[msg["index"]])
            send(out, {"s": time.perf_counter() - start, "hands": len(result.hands)})
        else:
            break


class PalmliteWorker(MediaPipeWorker):
    """A palmlite process speaking MediaPipeWorker's protocol."""

    def __init__(self, images: list[np.ndarray]) -> None:
        import subprocess
        import tempfile

        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the worker)
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--palmlite-worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log)
        self._send({"shapes": [list(im.shape) for im in images]})
        for im in images:
            self._send(np.ascontiguousarray(im).tobytes())
        self.info = self._recv()

    def load_palmlite(self, model: str, video: bool) -> None:
        self._send({"cmd": "load", "model": model, "video": video})
        self._recv()


def run_round(workers: list[MediaPipeWorker], count: int, video: bool) -> tuple[float, int]:
    """Wall time for the workers to process images 0..count-1, and the hands found. Photos:
    worker k takes k, k+N, ...; video: every worker tracks every frame in order (N streams)."""
    hands = [0] * len(workers)

    def drive(k: int) -> None:
        for index in (range(count) if video else range(k, count, len(workers))):
            hands[k] += workers[k].time(index)[1]

    threads = [threading.Thread(target=drive, args=(k,)) for k in range(len(workers))]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, sum(hands)


def measure(images: list[np.ndarray], mp_python: Path, processes: int, rounds: int,
            model: str, video: bool
            ) -> tuple[dict[str, list[float]], dict[str, int], MediaPipeWorker]:
    """Seconds per round of each library with ``processes`` workers, and the hands found."""
    mediapipe = [MediaPipeWorker(mp_python, images) for _ in range(processes)]
    ours = [PalmliteWorker(images) for _ in range(processes)]
    for worker in mediapipe:
        worker.load(VARIANTS[model], static=not video)  # type: ignore[index]
    for worker in ours:
        worker.load_palmlite(model, video)
    setups: dict[str, list[MediaPipeWorker]] = {"MediaPipe": mediapipe, "palmlite": [*ours]}
    for workers in setups.values():  # warm-up round, untimed
        run_round(workers, len(images), video)
    seconds: dict[str, list[float]] = {name: [] for name in setups}
    hands: dict[str, int] = {}
    for r in range(rounds):
        for name in (setups if r % 2 == 0 else reversed(list(setups))):
            elapsed, hands[name] = run_round(setups[name], len(images), video)
            seconds[name].append(elapsed)
    for worker in [*ours, *mediapipe[1:]]:
        worker.close()
    return seconds, hands, mediapipe[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mp-python", type=Path,
                        default=Path(os.environ.get("PALMLITE_MP_PYTHON", ".venv-mp/bin/python")))
    parser.add_argument("--images", type=Path, nargs="+", default=ALL_PHOTOS)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, os.cpu_count() or 1])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--model", choices=["lite", "full"], default="full")
    parser.add_argument("--video", action="store_true",
                        help="track the frames of --videos in order instead of photos")
    parser.add_argument("--videos", type=Path, nargs="+", default=DEFAULT_VIDEOS)
    parser.add_argument("--max-frames", type=int, default=100, help="per video, with --video")
    parser.add_argument("--palmlite-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.palmlite_worker:
        palmlite_worker()
        return

    from PIL import Image

    if args.video:
        videos = load_videos(args.videos, args.max_frames)
        images = [image for frames in videos.values() for image, _ in frames]
        what, unit = f"{len(videos)} videos, first {args.max_frames} frames each", "frames"
    else:
        images = [np.asarray(Image.open(f).convert("RGB")) for f in find_images(args.images)]
        what, unit = f"{len(images)} photos", "photos"
    print(f"# Throughput: {unit} per second, single-threaded processes\n")
    print(f"Command: `python benchmarks/throughput.py --processes "
          f"{' '.join(map(str, args.processes))} --rounds {args.rounds} --model {args.model}"
          f"{' --video' if args.video else ''}`\n")
    rows = []
    for n in args.processes:
        seconds, hands, first = measure(images, args.mp_python, n, args.rounds, args.model,
                                        args.video)
        count = len(images) * (n if args.video else 1)
        if not rows:
            for line in [*machine_info(), *versions(first, args.mp_python)]:
                print(f"- {line}")
        first.close()
        base = count / statistics.median(seconds["MediaPipe"])
        ours = count / statistics.median(seconds["palmlite"])
        rows.append(f"| {n} x 1 thread | {base:.1f} | {ours:.1f} | {ours / base:.2f} | "
                    f"{hands['palmlite']} / {hands['MediaPipe']} |")
    print(f"- {what}, model {args.model}, max_hands 2, {args.rounds} rounds "
          f"(medians); load average after: {' '.join(f'{v:.1f}' for v in os.getloadavg())}\n")
    print(f"| processes | MediaPipe {unit}/s | palmlite {unit}/s | palmlite / MediaPipe | "
          "hands found (palmlite / MediaPipe) |")
    print("|---|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
