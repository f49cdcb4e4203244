"""MediaPipe's ``detection.proto``: ``Detection`` and ``DetectionList`` (what
``drawing_utils.draw_detection`` draws)."""

from ..._protos import proto_file
from . import location_data_pb2 as _location_data_pb2  # noqa: F401  (a dependency)

_FILE = proto_file("detection.proto", __name__)

DESCRIPTOR = _FILE.descriptor
Detection = _FILE.classes["Detection"]
DetectionList = _FILE.classes["DetectionList"]

__all__ = ["DESCRIPTOR", "Detection", "DetectionList"]
