"""What the legacy ``Hands.process`` returns: MediaPipe's protobuf messages in a NamedTuple.

The message classes are genuine protobuf classes with MediaPipe's names (see ``_protos.py``);
they are re-exported here for the solution modules.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .framework.formats.classification_pb2 import Classification, ClassificationList
from .framework.formats.landmark_pb2 import (
    Landmark,
    LandmarkList,
    NormalizedLandmark,
    NormalizedLandmarkList,
)

__all__ = [
    "Classification",
    "ClassificationList",
    "Landmark",
    "LandmarkList",
    "NormalizedLandmark",
    "NormalizedLandmarkList",
    "SolutionOutputs",
]


class SolutionOutputs(NamedTuple):
    """What ``Hands.process`` returns. Each field is ``None`` when no hand was found, else a
    list with one message per hand, in the same order in all three: ``NormalizedLandmarkList``
    (21 landmarks, x and y as fractions of the image size), ``LandmarkList`` (world landmarks
    in metres) and ``ClassificationList`` (handedness)."""

    multi_hand_landmarks: list[Any] | None
    multi_hand_world_landmarks: list[Any] | None
    multi_handedness: list[Any] | None
