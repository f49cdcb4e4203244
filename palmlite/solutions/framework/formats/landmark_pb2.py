"""MediaPipe's ``landmark.proto``: ``NormalizedLandmarkList`` (image landmarks, x and y as
fractions of the image size) and ``LandmarkList`` (world landmarks in metres)."""

from ..._protos import proto_file

_FILE = proto_file("landmark.proto", __name__)

DESCRIPTOR = _FILE.descriptor
Landmark = _FILE.classes["Landmark"]
LandmarkList = _FILE.classes["LandmarkList"]
LandmarkListCollection = _FILE.classes["LandmarkListCollection"]
NormalizedLandmark = _FILE.classes["NormalizedLandmark"]
NormalizedLandmarkList = _FILE.classes["NormalizedLandmarkList"]
NormalizedLandmarkListCollection = _FILE.classes["NormalizedLandmarkListCollection"]

__all__ = [
    "DESCRIPTOR",
    "Landmark",
    "LandmarkList",
    "LandmarkListCollection",
    "NormalizedLandmark",
    "NormalizedLandmarkList",
    "NormalizedLandmarkListCollection",
]
