"""``palmlite.solutions.framework.formats.annotation``: MediaPipe's ``annotation`` protos."""

from . import rasterization_pb2

__all__ = ["rasterization_pb2"]
