"""``palmlite.solutions.drawing_styles``: MediaPipe's default hand drawing styles.

Colours are MediaPipe's, given in BGR order as MediaPipe's are (its examples draw on BGR
OpenCV images); on an RGB image red and blue swap, exactly as they do with MediaPipe.
"""

from __future__ import annotations

from ..topology import (
    HAND_INDEX_FINGER_CONNECTIONS,
    HAND_MIDDLE_FINGER_CONNECTIONS,
    HAND_PALM_CONNECTIONS,
    HAND_PINKY_FINGER_CONNECTIONS,
    HAND_RING_FINGER_CONNECTIONS,
    HAND_THUMB_CONNECTIONS,
    HandLandmark,
)
from .drawing_utils import DrawingSpec

__all__ = ["get_default_hand_connections_style", "get_default_hand_landmarks_style"]

_RADIUS = 5
_RED = (48, 48, 255)
_GREEN = (48, 255, 48)
_BLUE = (192, 101, 21)
_YELLOW = (0, 204, 255)
_GRAY = (128, 128, 128)
_PURPLE = (128, 64, 128)
_PEACH = (180, 229, 255)
_THICKNESS_WRIST_MCP = 3
_THICKNESS_FINGER = 2
_THICKNESS_DOT = -1  # filled

L = HandLandmark
_LANDMARK_GROUPS: tuple[tuple[tuple[int, ...], tuple[int, int, int]], ...] = (
    ((L.WRIST, L.THUMB_CMC, L.INDEX_FINGER_MCP, L.MIDDLE_FINGER_MCP, L.RING_FINGER_MCP,
      L.PINKY_MCP), _RED),
    ((L.THUMB_MCP, L.THUMB_IP, L.THUMB_TIP), _PEACH),
    ((L.INDEX_FINGER_PIP, L.INDEX_FINGER_DIP, L.INDEX_FINGER_TIP), _PURPLE),
    ((L.MIDDLE_FINGER_PIP, L.MIDDLE_FINGER_DIP, L.MIDDLE_FINGER_TIP), _YELLOW),
    ((L.RING_FINGER_PIP, L.RING_FINGER_DIP, L.RING_FINGER_TIP), _GREEN),
    ((L.PINKY_PIP, L.PINKY_DIP, L.PINKY_TIP), _BLUE),
)
_CONNECTION_GROUPS = (
    (HAND_PALM_CONNECTIONS, _GRAY, _THICKNESS_WRIST_MCP),
    (HAND_THUMB_CONNECTIONS, _PEACH, _THICKNESS_FINGER),
    (HAND_INDEX_FINGER_CONNECTIONS, _PURPLE, _THICKNESS_FINGER),
    (HAND_MIDDLE_FINGER_CONNECTIONS, _YELLOW, _THICKNESS_FINGER),
    (HAND_RING_FINGER_CONNECTIONS, _GREEN, _THICKNESS_FINGER),
    (HAND_PINKY_FINGER_CONNECTIONS, _BLUE, _THICKNESS_FINGER),
)


def get_default_hand_landmarks_style() -> dict[int, DrawingSpec]:
    """A spec per landmark: filled dots of radius 5, coloured by finger (palm joints red)."""
    return {
        landmark: DrawingSpec(color=color, thickness=_THICKNESS_DOT, circle_radius=_RADIUS)
        for group, color in _LANDMARK_GROUPS
        for landmark in group
    }


def get_default_hand_connections_style() -> dict[tuple[int, int], DrawingSpec]:
    """A spec per connection: palm lines grey and 3 px, finger lines coloured by finger."""
    return {
        connection: DrawingSpec(color=color, thickness=thickness)
        for group, color, thickness in _CONNECTION_GROUPS
        for connection in group
    }
