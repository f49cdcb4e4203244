"""MediaPipe's ``location_data.proto``: ``LocationData`` (boxes and keypoints of a
detection; ``LocationData.RELATIVE_BOUNDING_BOX`` and the other formats are class attributes)."""

from ..._protos import proto_file
from .annotation import rasterization_pb2 as _rasterization_pb2  # noqa: F401  (a dependency)

_FILE = proto_file("location_data.proto", __name__)

DESCRIPTOR = _FILE.descriptor
LocationData = _FILE.classes["LocationData"]

__all__ = ["DESCRIPTOR", "LocationData"]
