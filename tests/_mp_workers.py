"""Worker-side helpers for tests/test_processes.py: the multiprocessing recipe of the README.

Not a test module (no ``test_`` prefix): spawned workers import it by name, which works because
``multiprocessing``'s spawn start method gives each child the parent's ``sys.path`` (where
pytest put this folder). The recipe: create one ``HandLandmarker`` per worker process in the
pool's initializer, keep it in a module global, and use it from the task function.
"""

from __future__ import annotations

from typing import Any

import palmlite

#: This process's landmarker: set by ``init_worker`` (spawn) or inherited (fork).
_landmarker: palmlite.HandLandmarker | None = None

Fingerprint = list[tuple[Any, ...]]


def fingerprint(result: palmlite.HandsResult) -> Fingerprint:
    """A picklable, bit-exact summary of a result, for comparing across processes/threads."""
    return [
        (hand.landmarks.tobytes(), hand.world_landmarks.tobytes(), hand.handedness,
         hand.handedness_score, hand.presence, tuple(hand.roi.as_array().tolist()),
         hand.track_id)
        for hand in result.hands
    ] + [(palm.score, palm.box_xywh.tobytes(), palm.keypoints_xy.tobytes())
         for palm in result.palms]


def init_worker(options: dict[str, Any]) -> None:
    """Pool initializer: one landmarker per worker process (sessions are not picklable)."""
    global _landmarker
    _landmarker = palmlite.HandLandmarker(**options)


def set_landmarker(landmarker: palmlite.HandLandmarker | None) -> None:
    """In the parent, before forking: the children inherit this landmarker."""
    global _landmarker
    _landmarker = landmarker


def detect(path: str) -> Fingerprint:
    """Task function: detect hands in the image at ``path`` with this process's landmarker."""
    if _landmarker is None:
        raise RuntimeError("no landmarker in this process: use init_worker as the initializer")
    return fingerprint(_landmarker.detect(path))
