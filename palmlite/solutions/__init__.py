"""``palmlite.solutions``: the legacy ``mediapipe.solutions`` API for hands, on palmlite.

``import palmlite as mp`` in place of ``import mediapipe as mp`` keeps ``mp.solutions.hands``,
``mp.solutions.drawing_utils`` and ``mp.solutions.drawing_styles`` working.
"""

from . import drawing_styles, drawing_utils, hands, hands_connections

__all__ = ["drawing_styles", "drawing_utils", "hands", "hands_connections"]
