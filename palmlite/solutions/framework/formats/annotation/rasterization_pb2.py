"""MediaPipe's ``annotation/rasterization.proto``: the ``Rasterization`` of a binary mask."""

from ...._protos import proto_file

_FILE = proto_file("annotation/rasterization.proto", __name__)

DESCRIPTOR = _FILE.descriptor
Rasterization = _FILE.classes["Rasterization"]

__all__ = ["DESCRIPTOR", "Rasterization"]
