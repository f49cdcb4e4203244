"""ONNX Runtime's thread spinning, idle and under load: palmlite against MediaPipe.

Usage (from the repository root, with palmlite's python; MediaPipe in its own venv)::

    python benchmarks/threads.py --mp-python /path/to/mediapipe-venv/bin/python
                                 [--threads 1 2] [--repeats 3] [--model full]

With more than one intra-op thread, ONNX Runtime's pool threads spin (busy-wait) between the
parallel sections of a model run. On an idle machine that saves the wake-up latency of each
section; when other processes want the same cores, the spinning threads burn the time slices
the working threads need, and a run can take several times longer. This script measures
palmlite.detect (photos, interleaved image by image with MediaPipe's ``Hands.process`` on the
same pixels, both pinned to the same cores) with spinning on and off, on an idle machine and
with one CPU-bound competing process per core ("busy": ``python -c 'while True: pass'``, the
way other jobs share a server). The spinning setting is ``palmlite.models.ALLOW_SPINNING``,
read when a landmarker is built.

Prints one Markdown table: load, spinning, threads, medians (ms) of palmlite and MediaPipe and
their ratio, with the CPU flags. Quote ratios: the machine is shared.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing_static import (
    ALL_PHOTOS,
    MediaPipeWorker,
    find_images,
    machine_info,
    measure_images,
    versions,
)

import palmlite.models


@contextlib.contextmanager
def competing_processes(count: int) -> Iterator[None]:
    """``count`` CPU-bound processes for the duration of the block (none for 0)."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
               for _ in range(count)]
    try:
        time.sleep(0.5 if burners else 0.0)  # let the scheduler see them
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mp-python", type=Path,
                        default=Path(os.environ.get("PALMLITE_MP_PYTHON", ".venv-mp/bin/python")))
    parser.add_argument("--images", type=Path, nargs="+", default=ALL_PHOTOS)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", choices=["lite", "full"], default="full")
    args = parser.parse_args()

    from PIL import Image

    files = find_images(args.images)
    images = [np.asarray(Image.open(f).convert("RGB")) for f in files]
    cores = os.cpu_count() or 1
    mpw = MediaPipeWorker(args.mp_python, images)
    print("# ONNX Runtime spinning, idle and busy\n")
    print(f"Command: `python benchmarks/threads.py --threads {' '.join(map(str, args.threads))}"
          f" --repeats {args.repeats} --model {args.model}`\n")
    for line in [*machine_info(), *versions(mpw, args.mp_python)]:
        print(f"- {line}")
    print(f"- {len(images)} photos, {args.repeats} repeats, model {args.model}, max_hands 2; "
          f"busy: {cores} competing CPU-bound processes\n")
    print("| load | spinning | threads | palmlite ms | MediaPipe ms | palmlite / MediaPipe |")
    print("|---|---|---:|---:|---:|---:|")
    for load, burners in (("idle", 0), ("busy", cores)):
        with competing_processes(burners):
            for spinning in (True, False):
                palmlite.models.ALLOW_SPINNING = spinning
                for threads in args.threads:
                    row = measure_images(mpw, images, args.model, threads, args.repeats)
                    pl, mp = float(np.median(row.palmlite_ms)), float(np.median(row.mediapipe_ms))
                    print(f"| {load} | {'on' if spinning else 'off'} | {threads} | {pl:.1f} | "
                          f"{mp:.1f} | {pl / mp:.2f} |", flush=True)
    mpw.close()


if __name__ == "__main__":
    main()
