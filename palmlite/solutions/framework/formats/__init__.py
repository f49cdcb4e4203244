"""``palmlite.solutions.framework.formats``: MediaPipe's ``mediapipe.framework.formats``.

Genuine protobuf message modules with MediaPipe's message and field names (see
``palmlite/solutions/_protos.py``), so ``json_format``, ``text_format`` and pickle work on
results as they do with MediaPipe.
"""

from . import annotation, classification_pb2, detection_pb2, landmark_pb2, location_data_pb2

__all__ = ["annotation", "classification_pb2", "detection_pb2", "landmark_pb2",
           "location_data_pb2"]
