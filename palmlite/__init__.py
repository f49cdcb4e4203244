"""palmlite: MediaPipe Hands in NumPy + ONNX Runtime.

>>> import palmlite
>>> landmarker = palmlite.HandLandmarker()                       # doctest: +SKIP
>>> for hand in landmarker.detect("photo.jpg").hands:            # doctest: +SKIP
...     print(hand.handedness, hand.landmarks_px[palmlite.HandLandmark.INDEX_FINGER_TIP])
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .draw import draw
from .errors import ModelError, PalmliteError, WeightsCorruptedError, WeightsNotFoundError
from .landmarker import HandLandmarker
from .search import SearchOptions
from .smoothing import OneEuroParams
from .topology import HAND_CONNECTIONS, HandLandmark, PalmKeypoint
from .tracking import HandTracker, TrackerState, TrackingPhase
from .types import FrameResult, Hand, HandsResult, PalmDetection, Roi
from .video import VideoFrame, read_video

if TYPE_CHECKING:
    from . import framework, solutions

#: ``import palmlite as mp`` gives ``mp.solutions.hands`` and ``mp.framework.formats`` like
#: MediaPipe's legacy package. They are loaded on first use: only they import protobuf.
_LEGACY_MODULES = ("framework", "solutions")

__all__ = [
    "HAND_CONNECTIONS",
    "FrameResult",
    "Hand",
    "HandLandmark",
    "HandLandmarker",
    "HandTracker",
    "HandsResult",
    "ModelError",
    "OneEuroParams",
    "PalmDetection",
    "PalmKeypoint",
    "PalmliteError",
    "Roi",
    "SearchOptions",
    "TrackerState",
    "TrackingPhase",
    "VideoFrame",
    "WeightsCorruptedError",
    "WeightsNotFoundError",
    "__version__",
    "draw",
    "framework",
    "read_video",
    "solutions",
]


def __getattr__(name: str) -> Any:
    if name in _LEGACY_MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LEGACY_MODULES})
