"""The hand's skeleton: landmark names, connections and the palm detector's keypoints.

Mirrors MediaPipe's ``hands_connections.py`` and ``HandLandmark`` (SPEC section 11).
"""

from __future__ import annotations

import enum

__all__ = [
    "HAND_CONNECTIONS",
    "HAND_INDEX_FINGER_CONNECTIONS",
    "HAND_MIDDLE_FINGER_CONNECTIONS",
    "HAND_PALM_CONNECTIONS",
    "HAND_PINKY_FINGER_CONNECTIONS",
    "HAND_RING_FINGER_CONNECTIONS",
    "HAND_THUMB_CONNECTIONS",
    "NUM_LANDMARKS",
    "ROI_LANDMARKS",
    "HandLandmark",
    "PalmKeypoint",
]

NUM_LANDMARKS = 21


class HandLandmark(enum.IntEnum):
    """The 21 hand landmarks, in the order every array in palmlite uses."""

    WRIST = 0
    THUMB_CMC = 1
    THUMB_MCP = 2
    THUMB_IP = 3
    THUMB_TIP = 4
    INDEX_FINGER_MCP = 5
    INDEX_FINGER_PIP = 6
    INDEX_FINGER_DIP = 7
    INDEX_FINGER_TIP = 8
    MIDDLE_FINGER_MCP = 9
    MIDDLE_FINGER_PIP = 10
    MIDDLE_FINGER_DIP = 11
    MIDDLE_FINGER_TIP = 12
    RING_FINGER_MCP = 13
    RING_FINGER_PIP = 14
    RING_FINGER_DIP = 15
    RING_FINGER_TIP = 16
    PINKY_MCP = 17
    PINKY_PIP = 18
    PINKY_DIP = 19
    PINKY_TIP = 20


class PalmKeypoint(enum.IntEnum):
    """The 7 keypoints of a palm detection (0 and 2 are documented by MediaPipe; the others
    were matched against the landmarks empirically)."""

    WRIST = 0
    INDEX_FINGER_MCP = 1
    MIDDLE_FINGER_MCP = 2
    RING_FINGER_MCP = 3
    PINKY_MCP = 4
    THUMB_CMC = 5
    THUMB_MCP = 6


# PARITY: the groups as MediaPipe's hands_connections.py lists them (tuples, in this order).
# MediaPipe's HAND_CONNECTIONS is frozenset().union of these tuples, and its draw_landmarks
# draws connections in that set's iteration order, which decides the colour where two lines
# cross: HAND_CONNECTIONS is built the same way so it iterates in the same order.
_PALM = ((0, 1), (0, 5), (9, 13), (13, 17), (5, 9), (0, 17))
_THUMB = ((1, 2), (2, 3), (3, 4))
_INDEX_FINGER = ((5, 6), (6, 7), (7, 8))
_MIDDLE_FINGER = ((9, 10), (10, 11), (11, 12))
_RING_FINGER = ((13, 14), (14, 15), (15, 16))
_PINKY_FINGER = ((17, 18), (18, 19), (19, 20))

HAND_PALM_CONNECTIONS = frozenset(_PALM)
HAND_THUMB_CONNECTIONS = frozenset(_THUMB)
HAND_INDEX_FINGER_CONNECTIONS = frozenset(_INDEX_FINGER)
HAND_MIDDLE_FINGER_CONNECTIONS = frozenset(_MIDDLE_FINGER)
HAND_RING_FINGER_CONNECTIONS = frozenset(_RING_FINGER)
HAND_PINKY_FINGER_CONNECTIONS = frozenset(_PINKY_FINGER)

#: All 21 connections, as a frozenset of (start, end) landmark index pairs (like MediaPipe).
HAND_CONNECTIONS = frozenset().union(
    _PALM, _THUMB, _INDEX_FINGER, _MIDDLE_FINGER, _RING_FINGER, _PINKY_FINGER
)

#: The 12 landmarks MediaPipe uses to place the next frame's crop: wrist, thumb CMC/MCP/IP and
#: the MCP and PIP joints of the four fingers
#: (mp:mediapipe/modules/hand_landmark/hand_landmark_landmarks_to_roi.pbtxt).
ROI_LANDMARKS = (0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18)
