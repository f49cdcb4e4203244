"""``palmlite.solutions.framework``: MediaPipe's ``mediapipe.framework`` message modules.

Only ``framework.formats`` (the messages the legacy solutions take and return) is provided.
"""

from . import formats

__all__ = ["formats"]
