"""The local reference for tests/test_engines.py, computed in a spawned process whose
environment is an engine worker's.

Ray and Dask start their workers with ``OMP_NUM_THREADS=1`` (Dask also ``OPENBLAS_`` and
``MKL_NUM_THREADS``), and NumPy's BLAS reads them when it loads. With some NumPy builds
(1.24's OpenBLAS, measured) the tracker's small matrix products then round differently in the
last bit than in a process whose BLAS runs more threads. "Bit-identical to a local run" is
therefore checked against a local run in the same kind of process: fresh, one BLAS thread,
the same ``num_threads``. Not a test module: spawned workers import it by name (see
``_mp_workers.py``).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import palmlite
from palmlite import records

#: What engine workers set (Ray: OMP; Dask's nanny: all three).
WORKER_ENVIRONMENT = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                      "MKL_NUM_THREADS": "1"}


def _compute(images: list[str], videos: list[str], tracker: dict[str, Any]) -> dict[str, Any]:
    landmarker = palmlite.HandLandmarker(model="lite", num_threads=1)
    out: dict[str, Any] = {"images": {}, "videos": {}}
    for path in images:
        try:
            out["images"][path] = records.image_record(landmarker.detect(path), path,
                                                       exact=True)
        except (OSError, ValueError) as exc:
            out["images"][path] = str(exc)
    for path in videos:
        hand_tracker = palmlite.HandTracker(landmarker, **tracker)
        out["videos"][path] = [
            records.frame_record(hand_tracker.track(frame.image, timestamp_ms=frame.timestamp_ms),
                                 path, exact=True)
            for frame in palmlite.read_video(path)]
    return out


def compute(images: list[str], videos: list[str], tracker: dict[str, Any]) -> dict[str, Any]:
    """``{"images": {path: result or error message}, "videos": {path: [FrameResult...]}}``,
    computed in a fresh spawned process with :data:`WORKER_ENVIRONMENT`."""
    saved = {name: os.environ.get(name) for name in WORKER_ENVIRONMENT}
    os.environ.update(WORKER_ENVIRONMENT)  # inherited by the child, read when NumPy loads
    try:
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            raw = pool.submit(_compute, images, videos, tracker).result()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return {
        "images": {path: value if isinstance(value, str) else records.result_from_record(value)
                   for path, value in raw["images"].items()},
        "videos": {path: [records.result_from_record(frame) for frame in frames]
                   for path, frames in raw["videos"].items()},
    }
