"""Plain-Python stand-ins for the protobuf messages the legacy solution API returns.

MediaPipe's ``mp.solutions.hands`` hands out ``NormalizedLandmarkList``, ``LandmarkList`` and
``ClassificationList`` protobuf messages. Scripts only read their fields, so dataclasses with
the same field names (and the same defaults as the proto3 fields) are a drop-in replacement
without a protobuf dependency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = [
    "Classification",
    "ClassificationList",
    "Landmark",
    "LandmarkList",
    "NormalizedLandmark",
    "NormalizedLandmarkList",
    "SolutionOutputs",
]


@dataclass
class Landmark:
    """One world landmark in metres, origin near the hand's centre. Hands never set
    ``visibility`` or ``presence`` (MediaPipe leaves them at the proto default 0.0)."""

    x: float = 0.0
    y: float = 0.0
    z: float = 0.0
    visibility: float = 0.0
    presence: float = 0.0


@dataclass
class NormalizedLandmark(Landmark):
    """One landmark: ``x``, ``y`` as fractions of the image width and height, ``z`` depth
    relative to the wrist in the same scale as ``x`` (the same fields as :class:`Landmark`)."""


@dataclass
class NormalizedLandmarkList:
    """The 21 landmarks of one hand, as ``.landmark[i]``."""

    landmark: list[NormalizedLandmark] = field(default_factory=list)


@dataclass
class LandmarkList:
    """The 21 world landmarks of one hand, as ``.landmark[i]``."""

    landmark: list[Landmark] = field(default_factory=list)


@dataclass
class Classification:
    """A handedness label: ``index`` 0 is ``"Left"``, 1 is ``"Right"`` (MediaPipe's label map);
    ``score`` is the probability of ``label``."""

    index: int = 0
    score: float = 0.0
    label: str = ""
    display_name: str = ""


@dataclass
class ClassificationList:
    """One hand's handedness, as ``.classification[0]``."""

    classification: list[Classification] = field(default_factory=list)


class SolutionOutputs(NamedTuple):
    """What ``Hands.process`` returns. Each field is ``None`` when no hand was found, else a
    list with one entry per hand, in the same order in all three."""

    multi_hand_landmarks: list[NormalizedLandmarkList] | None
    multi_hand_world_landmarks: list[LandmarkList] | None
    multi_handedness: list[ClassificationList] | None
