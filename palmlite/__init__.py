"""palmlite: MediaPipe Hands in NumPy + ONNX Runtime.

>>> import palmlite
>>> landmarker = palmlite.HandLandmarker()                       # doctest: +SKIP
>>> for hand in landmarker.detect("photo.jpg").hands:            # doctest: +SKIP
...     print(hand.handedness, hand.landmarks_px[palmlite.HandLandmark.INDEX_FINGER_TIP])
"""

from __future__ import annotations

# ``import palmlite as mp`` gives ``mp.solutions.hands`` like MediaPipe's legacy package.
from . import solutions
from .draw import draw
from .errors import ModelError, PalmliteError, WeightsCorruptedError, WeightsNotFoundError
from .landmarker import HandLandmarker
from .smoothing import OneEuroParams
from .topology import HAND_CONNECTIONS, HandLandmark, PalmKeypoint
from .tracking import HandTracker, TrackerState, TrackingPhase
from .types import FrameResult, Hand, HandsResult, PalmDetection, Roi
from .video import VideoFrame, read_video

__version__ = "0.1.0"

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
    "TrackerState",
    "TrackingPhase",
    "VideoFrame",
    "WeightsCorruptedError",
    "WeightsNotFoundError",
    "__version__",
    "draw",
    "read_video",
    "solutions",
]
