"""``palmlite.solutions``: the legacy ``mediapipe.solutions`` API for hands, on palmlite.

``import palmlite as mp`` in place of ``import mediapipe as mp`` keeps ``mp.solutions.hands``,
``mp.solutions.drawing_utils`` and ``mp.solutions.drawing_styles`` working; results are
MediaPipe's protobuf messages, whose modules are in ``framework.formats`` (also reachable as
``palmlite.framework.formats``, MediaPipe's ``mediapipe.framework.formats``). This package is
the only part of palmlite that imports protobuf.
"""

from . import drawing_styles, drawing_utils, framework, hands, hands_connections

__all__ = ["drawing_styles", "drawing_utils", "framework", "hands", "hands_connections"]
