"""The output schema: palmlite's results as plain, JSON-safe records.

One definition serves every writer and reader: :meth:`HandsResult.to_dict
<palmlite.HandsResult.to_dict>`, :meth:`Hand.to_dict <palmlite.Hand.to_dict>`, the tracker's
:meth:`FrameResult.to_dict <palmlite.FrameResult.to_dict>`, the command line's JSON Lines and
``--resume``'s check that a file holds palmlite records all go through this module, so a field
is spelled in exactly one place.

Records (``schema_version`` 2)::

    image      {"schema_version", "record": "image", "file", "width", "height", "hands"}
    frame      {"schema_version", "record": "frame", "file", "frame", "timestamp_ms",
                "width", "height", "palm_detector_ran", "hands"}
    video_end  {"schema_version", "record": "video_end", "file", "frames"}

A hand is ``{"handedness", "handedness_score", "presence", "landmarks", "landmarks_px",
"world_landmarks", "roi", "palm", "track_id"}`` (layout in :data:`SCHEMA_HELP`).

Floats are rounded so the records stay short and readable: normalized coordinates, world
landmarks and scores to 6 decimals (1e-6 of the image is far below a pixel), pixel
coordinates to 3 and timestamps to 3 (microseconds); ROI values are written unrounded because
they are the exact input a later :meth:`~palmlite.HandLandmarker.landmarks_in_roi` call would
need to reproduce a hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .types import FrameResult, Hand, HandsResult

__all__ = [
    "RECORD_KINDS",
    "SCHEMA_HELP",
    "SCHEMA_VERSION",
    "frame_record",
    "hand_record",
    "image_record",
    "record_kind",
    "video_end_record",
]

#: Version of the records below. 2 = 1 plus "record", "track_id", "palm": null (was absent) and
#: the track records; every version-1 field is unchanged.
SCHEMA_VERSION = 2

#: The record kinds each command writes (what ``--resume`` accepts in its output file).
RECORD_KINDS: dict[str, tuple[str, ...]] = {
    "detect": ("image",),
    "track": ("frame", "video_end"),
}

SCHEMA_HELP = f"""\
output: JSON Lines (UTF-8, one object per line) on stdout, or in the -o file.
schema_version {SCHEMA_VERSION}. Records:

  palmlite detect, one per image:
    {{"schema_version": {SCHEMA_VERSION}, "record": "image", "file": PATH,
     "width": W, "height": H, "hands": [HAND, ...]}}
  palmlite track, one per frame, then one after the video's last frame:
    {{"schema_version": {SCHEMA_VERSION}, "record": "frame", "file": PATH, "frame": INDEX,
     "timestamp_ms": T, "width": W, "height": H, "palm_detector_ran": BOOL,
     "hands": [HAND, ...]}}
    {{"schema_version": {SCHEMA_VERSION}, "record": "video_end", "file": PATH,
     "frames": N}}
  HAND (hands in MediaPipe's order):
    {{"handedness": "Left" | "Right",
     "handedness_score": S,             probability of that label, >= 0.5
     "presence": P,                     landmark model's hand presence, 0..1
     "landmarks": [[x, y, z] x 21],     normalized: x / W, y / H, z in x's scale
     "landmarks_px": [[x, y, z] x 21],  pixels (z in pixels of the width)
     "world_landmarks": [[x, y, z] x 21],
                                        metres, origin near the hand's centre
     "roi": {{"x_center": X, "y_center": Y, "width": W, "height": H,
             "rotation": R}},            the crop the landmark model saw:
                                        normalized, radians clockwise
     "palm": {{"score": S, "box_xywh": [x, y, w, h], "keypoints": [[x, y] x 7]}}
             | null,                    palm detection, normalized; null for a
                                        hand tracked from the previous frame
     "track_id": INT | null}}            stable while the hand is tracked;
                                        null in detect
  PATH is the input as given (directories: joined with the file's path inside
  them; "-" for standard input; URLs as given). Images are taken upright (EXIF
  orientation applied), so W, H and coordinates are those of the upright image.
  Landmarks are in MediaPipe's 21-point order (palmlite.HandLandmark).
  Version 1 lacked "record" and "track_id" and left "palm" out instead of null.
"""


def _rounded(rows: Any, digits: int) -> list[list[float]]:
    # "+ 0.0" turns -0.0 into 0.0 so the JSON reads cleanly.
    return [[round(float(v), digits) + 0.0 for v in row] for row in rows]


def hand_record(hand: Hand) -> dict[str, Any]:
    """One hand as a JSON-safe dict (the ``HAND`` of :data:`SCHEMA_HELP`)."""
    roi, palm = hand.roi, hand.palm
    return {
        "handedness": hand.handedness,
        "handedness_score": round(hand.handedness_score, 6),
        "presence": round(hand.presence, 6),
        "landmarks": _rounded(hand.landmarks, 6),
        "landmarks_px": _rounded(hand.landmarks_px, 3),
        "world_landmarks": _rounded(hand.world_landmarks, 6),
        "roi": {
            "x_center": roi.x_center, "y_center": roi.y_center,
            "width": roi.width, "height": roi.height, "rotation": roi.rotation,
        },
        "palm": None if palm is None else {
            "score": round(palm.score, 6),
            "box_xywh": [round(float(v), 6) + 0.0 for v in palm.box_xywh],
            "keypoints": _rounded(palm.keypoints_xy, 6),
        },
        "track_id": hand.track_id,
    }


def image_record(result: HandsResult, file: str | None = None) -> dict[str, Any]:
    """The record of one still image (what ``palmlite detect`` writes)."""
    width, height = result.image_size
    return {
        "schema_version": SCHEMA_VERSION,
        "record": "image",
        "file": file,
        "width": width,
        "height": height,
        "hands": [hand_record(hand) for hand in result.hands],
    }


def frame_record(result: FrameResult, file: str | None = None) -> dict[str, Any]:
    """The record of one tracked video frame (what ``palmlite track`` writes per frame)."""
    width, height = result.image_size
    return {
        "schema_version": SCHEMA_VERSION,
        "record": "frame",
        "file": file,
        "frame": result.frame,
        "timestamp_ms": round(float(result.timestamp_ms), 3) + 0.0,
        "width": width,
        "height": height,
        "palm_detector_ran": result.palm_detector_ran,
        "hands": [hand_record(hand) for hand in result.hands],
    }


def video_end_record(file: str, frames: int) -> dict[str, Any]:
    """The record after a video's last frame: it marks the video finished."""
    return {"schema_version": SCHEMA_VERSION, "record": "video_end", "file": file,
            "frames": frames}


def record_kind(record: object, command: str) -> str | None:
    """The kind of a parsed line if it is a record ``command`` (``"detect"`` or ``"track"``)
    writes, any schema version so far, else ``None``. What ``--resume`` checks before it
    appends to a file."""
    if not isinstance(record, dict) or not isinstance(record.get("file"), str):
        return None
    version = record.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        return None
    # Version-1 image records had no "record" field.
    kind = record.get("record", "image")
    return kind if kind in RECORD_KINDS[command] else None
