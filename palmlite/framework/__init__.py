"""``palmlite.framework``: MediaPipe's ``mediapipe.framework`` import path, for legacy scripts.

``from mediapipe.framework.formats import landmark_pb2`` becomes
``from palmlite.framework.formats import landmark_pb2`` (and ``mp.framework.formats.
landmark_pb2`` keeps working after ``import palmlite as mp``). The modules are those of
``palmlite.solutions.framework``, registered here under this name too, so both paths give the
same classes; protobuf stays inside ``palmlite.solutions``.
"""

from __future__ import annotations

import sys

from ..solutions.framework import formats

__all__ = ["formats"]

# An alias, not a copy: ``palmlite.framework.formats.landmark_pb2`` *is*
# ``palmlite.solutions.framework.formats.landmark_pb2`` (one class per message, which pickle
# records under the latter name).
for _module in (formats, formats.annotation, *(getattr(formats, n) for n in formats.__all__),
                formats.annotation.rasterization_pb2):
    sys.modules.setdefault(_module.__name__.replace(".solutions.", ".", 1), _module)
