"""MediaPipe's ``classification.proto``: ``ClassificationList`` (a hand's handedness)."""

from ..._protos import proto_file

_FILE = proto_file("classification.proto", __name__)

DESCRIPTOR = _FILE.descriptor
Classification = _FILE.classes["Classification"]
ClassificationList = _FILE.classes["ClassificationList"]
ClassificationListCollection = _FILE.classes["ClassificationListCollection"]

__all__ = ["DESCRIPTOR", "Classification", "ClassificationList", "ClassificationListCollection"]
