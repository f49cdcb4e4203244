"""The output schema: palmlite's results as plain, JSON-safe records.

One definition serves every writer and reader: :meth:`HandsResult.to_dict
<palmlite.HandsResult.to_dict>`, :meth:`Hand.to_dict <palmlite.Hand.to_dict>`, the tracker's
:meth:`FrameResult.to_dict <palmlite.FrameResult.to_dict>`, the command line's JSON Lines and
``--resume``'s check that a file holds palmlite records all go through this module, so a field
is spelled in exactly one place.

The fields are declared once, as data (:data:`HAND_FIELDS`, :data:`IMAGE_FIELDS`,
:data:`FRAME_FIELDS`, :data:`VIDEO_END_FIELDS`): the JSON builders below, their inverse
(:func:`hand_from_record`, :func:`result_from_record`) and the Arrow schemas of
:mod:`palmlite.data` are all derived from those tables.

Records (``schema_version`` 3)::

    image      {"schema_version", "record": "image", "palmlite_version", "file", "width",
                "height", "hands"}
    frame      {"schema_version", "record": "frame", "palmlite_version", "file", "frame",
                "timestamp_ms", "width", "height", "palm_detector_ran", "hands"}
    video_end  {"schema_version", "record": "video_end", "palmlite_version", "file", "frames"}

``palmlite_version`` is the version of the palmlite that wrote the record
(``palmlite.__version__``, from the package metadata), so results can be traced to the release
that made them; a file continued by ``--resume`` with another release says which record came
from which.

A hand is ``{"handedness", "handedness_score", "presence", "landmarks", "landmarks_px",
"world_landmarks", "roi", "palm", "track_id", "source"}`` (layout in :data:`SCHEMA_HELP`).

Versions: 1 (palmlite 0.1's first CLI) had the image records without ``record`` and
``track_id`` and left ``palm`` out instead of ``null``; 2 added those and the track records; 3
(palmlite 0.2) added the hand's ``source`` and the records' ``palmlite_version``. Every field of
an older version keeps its name and meaning, so a reader of version 2 reads version 3 by
ignoring the new fields.

Floats are rounded so the records stay short and readable: normalized coordinates, world
landmarks and scores to 6 decimals (1e-6 of the image is far below a pixel), pixel
coordinates to 3 and timestamps to 3 (microseconds); ROI values are written unrounded because
they are the exact input a later :meth:`~palmlite.HandLandmarker.landmarks_in_roi` call would
need to reproduce a hand. With ``exact=True`` the builders round nothing (what the Arrow
tables of :mod:`palmlite.data` hold: float32 arrays stay float32, scores and ROI values are
float64, so a record read back gives the very same numbers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ._version import __version__
from .types import PALM_SOURCES, FrameResult, Hand, HandsResult, PalmDetection, Roi

__all__ = [
    "FRAME_FIELDS",
    "HAND_FIELDS",
    "IMAGE_FIELDS",
    "RECORD_FIELDS",
    "RECORD_KINDS",
    "SCHEMA_HELP",
    "SCHEMA_VERSION",
    "VERSION_FIELD",
    "VIDEO_END_FIELDS",
    "Field",
    "frame_record",
    "hand_from_record",
    "hand_record",
    "image_record",
    "record_kind",
    "result_from_record",
    "video_end_record",
]

#: Version of the records below (see the module docstring for what each version added).
SCHEMA_VERSION = 3

#: The record kinds each command writes (what ``--resume`` accepts in its output file).
RECORD_KINDS: dict[str, tuple[str, ...]] = {
    "detect": ("image",),
    "track": ("frame", "video_end"),
}

#: What a field holds: ``text``; ``int``; ``bool``; ``float`` (a Python float, float64);
#: ``floats`` (a float32 array of ``shape``); ``struct`` (a dict of ``fields``); ``structs``
#: (a list of such dicts).
FieldKind = Literal["text", "int", "bool", "float", "floats", "struct", "structs"]


@dataclass(frozen=True)
class Field:
    """One field of a record: its name, what it holds, how JSON writes it.

    ``digits`` rounds floats in the JSON records (``None``: written exactly); ``attr`` is the
    attribute (and constructor argument) of palmlite's type when it differs from ``name``.
    """

    name: str
    kind: FieldKind
    nullable: bool = False
    digits: int | None = None
    shape: tuple[int, ...] = ()
    fields: tuple[Field, ...] = ()
    attr: str | None = None

    @property
    def attribute(self) -> str:
        return self.attr or self.name


def _points(name: str, digits: int, shape: tuple[int, ...] = (21, 3),
            attr: str | None = None) -> Field:
    return Field(name, "floats", digits=digits, shape=shape, attr=attr)


#: :class:`~palmlite.Roi`: unrounded, the exact input ``landmarks_in_roi`` would need.
ROI_FIELDS = tuple(Field(name, "float")
                   for name in ("x_center", "y_center", "width", "height", "rotation"))
#: :class:`~palmlite.PalmDetection`, normalized.
PALM_FIELDS = (
    Field("score", "float", digits=6),
    _points("box_xywh", 6, (4,)),
    _points("keypoints", 6, (7, 2), attr="keypoints_xy"),
)
#: :class:`~palmlite.Hand`: the ``HAND`` of :data:`SCHEMA_HELP`, in its order.
HAND_FIELDS = (
    Field("handedness", "text"),
    Field("handedness_score", "float", digits=6),
    Field("presence", "float", digits=6),
    _points("landmarks", 6),
    _points("landmarks_px", 3),
    _points("world_landmarks", 6),
    Field("roi", "struct", fields=ROI_FIELDS),
    Field("palm", "struct", nullable=True, fields=PALM_FIELDS),
    Field("track_id", "int", nullable=True),
    Field("source", "text"),
)
#: The palmlite release that wrote the record (``palmlite.__version__``), first in every kind.
VERSION_FIELD = Field("palmlite_version", "text")
_FILE = Field("file", "text", nullable=True)
_SIZE = (Field("width", "int"), Field("height", "int"))
_HANDS = Field("hands", "structs", fields=HAND_FIELDS)
#: The fields after ``schema_version`` and ``record`` of each record kind, in order.
IMAGE_FIELDS = (VERSION_FIELD, _FILE, *_SIZE, _HANDS)
FRAME_FIELDS = (VERSION_FIELD, _FILE, Field("frame", "int"),
                Field("timestamp_ms", "float", digits=3), *_SIZE,
                Field("palm_detector_ran", "bool"), _HANDS)
VIDEO_END_FIELDS = (VERSION_FIELD, Field("file", "text"), Field("frames", "int"))
RECORD_FIELDS: dict[str, tuple[Field, ...]] = {
    "image": IMAGE_FIELDS, "frame": FRAME_FIELDS, "video_end": VIDEO_END_FIELDS,
}
# What a FrameResult has beyond a HandsResult: frame, timestamp_ms, palm_detector_ran.
_FRAME_ONLY = frozenset(f.attribute for f in FRAME_FIELDS) - {f.attribute for f in IMAGE_FIELDS}

SCHEMA_HELP = f"""\
output: JSON Lines (UTF-8, one object per line) on stdout, or in the -o file.
schema_version {SCHEMA_VERSION}. Records:

  palmlite detect, one per image:
    {{"schema_version": {SCHEMA_VERSION}, "record": "image", "palmlite_version": V,
     "file": PATH, "width": W, "height": H, "hands": [HAND, ...]}}
  palmlite track, one per frame, then one after the video's last frame:
    {{"schema_version": {SCHEMA_VERSION}, "record": "frame", "palmlite_version": V,
     "file": PATH, "frame": INDEX, "timestamp_ms": T, "width": W, "height": H,
     "palm_detector_ran": BOOL, "hands": [HAND, ...]}}
    {{"schema_version": {SCHEMA_VERSION}, "record": "video_end", "palmlite_version": V,
     "file": PATH, "frames": N}}
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
     "track_id": INT | null,            stable while the hand is tracked;
                                        null in detect
     "source": "image" | "tile" | "flip" | "tracking" | "roi"}}
                                        how it was found: palm detector on the
                                        whole image (MediaPipe's way), on a tile
                                        or the mirrored image (--search
                                        thorough), tracked from the last frame
  V is the palmlite release that wrote the record ("palmlite --version").
  PATH is the input as given (directories: joined with the file's path inside
  them; "-" for standard input; URLs as given). Images are taken upright (EXIF
  orientation applied), so W, H and coordinates are those of the upright image.
  Landmarks are in MediaPipe's 21-point order (palmlite.HandLandmark).
  Version 3 added "source" and "palmlite_version"; 2 added "record", "track_id"
  and the track records (1 left "palm" out instead of null). Older fields never
  change.
"""


def _round_nested(values: Any, digits: int) -> Any:
    if isinstance(values, list):
        return [_round_nested(value, digits) for value in values]
    # "+ 0.0" turns -0.0 into 0.0 so the JSON reads cleanly.
    return round(values, digits) + 0.0


def _encode(field: Field, value: Any, exact: bool) -> Any:
    if value is None:
        return None
    kind = field.kind
    if kind == "float":
        number = float(value)
        return number if exact or field.digits is None else round(number, field.digits) + 0.0
    if kind == "floats":
        # tolist() gives Python floats equal to the float32 values, so nothing is lost.
        nested = np.asarray(value, dtype=np.float32).tolist()
        return nested if exact or field.digits is None else _round_nested(nested, field.digits)
    if kind == "struct":
        return _encode_fields(field.fields, value, exact)
    if kind == "structs":
        return [_encode_fields(field.fields, item, exact) for item in value]
    if kind == "int":
        return int(value)
    if kind == "bool":
        return bool(value)
    return value


def _encode_fields(fields: Sequence[Field], source: Any, exact: bool,
                   given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``source``'s attributes (or ``given`` values) as the record of ``fields``."""
    given = given or {}
    return {
        field.name: _encode(field, given[field.name] if field.name in given
                            else getattr(source, field.attribute), exact)
        for field in fields
    }


def hand_record(hand: Hand, *, exact: bool = False) -> dict[str, Any]:
    """One hand as a JSON-safe dict (the ``HAND`` of :data:`SCHEMA_HELP`); ``exact``: no
    rounding."""
    return _encode_fields(HAND_FIELDS, hand, exact)


def _result_record(kind: str, result: HandsResult, file: str | None,
                   exact: bool) -> dict[str, Any]:
    width, height = result.image_size
    return {
        "schema_version": SCHEMA_VERSION,
        "record": kind,
        **_encode_fields(RECORD_FIELDS[kind], result, exact,
                         {VERSION_FIELD.name: __version__, "file": file, "width": width,
                          "height": height}),
    }


def image_record(result: HandsResult, file: str | None = None, *,
                 exact: bool = False) -> dict[str, Any]:
    """The record of one still image (what ``palmlite detect`` writes)."""
    return _result_record("image", result, file, exact)


def frame_record(result: FrameResult, file: str | None = None, *,
                 exact: bool = False) -> dict[str, Any]:
    """The record of one tracked video frame (what ``palmlite track`` writes per frame)."""
    return _result_record("frame", result, file, exact)


def video_end_record(file: str, frames: int) -> dict[str, Any]:
    """The record after a video's last frame: it marks the video finished."""
    return {"schema_version": SCHEMA_VERSION, "record": "video_end",
            **_encode_fields(VIDEO_END_FIELDS, None, False,
                             {VERSION_FIELD.name: __version__, "file": file, "frames": frames})}


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


# -- reading records back -------------------------------------------------------------------


def _float32(value: Any, shape: tuple[int, ...]) -> np.ndarray[Any, np.dtype[np.float32]]:
    try:
        array = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError):
        # Nested arrays of objects (how some data frames hold list columns).
        array = np.stack([np.asarray(row, dtype=np.float32) for row in value])
    return array.reshape(shape)


def _decode_fields(fields: Sequence[Field], record: Mapping[str, Any]) -> dict[str, Any]:
    """The constructor arguments of ``fields`` found in ``record`` (absent ones left out: older
    schema versions lack some)."""
    values: dict[str, Any] = {}
    for field in fields:
        if field.name not in record:
            continue
        value = record[field.name]
        if value is None:
            values[field.attribute] = None
        elif field.kind == "floats":
            values[field.attribute] = _float32(value, field.shape)
        elif field.kind == "float":
            values[field.attribute] = float(value)
        elif field.kind in ("int", "bool"):
            values[field.attribute] = (int if field.kind == "int" else bool)(value)
        else:  # text; structs are built by their owners
            values[field.attribute] = value
    return values


def hand_from_record(record: Mapping[str, Any]) -> Hand:
    """The :class:`~palmlite.Hand` of a ``HAND`` record: a JSON record (values rounded as
    written) or an exact one (an Arrow row of :mod:`palmlite.data`: the very same hand)."""
    values = _decode_fields(HAND_FIELDS, record)
    source = values.get("source") or "image"  # schema versions 1 and 2 had no source
    values["source"] = source
    values["roi"] = Roi(**_decode_fields(ROI_FIELDS, record["roi"]))
    palm = record.get("palm")
    # The palm's own source is the hand's (a hand found from a palm keeps where it was seen).
    values["palm"] = None if palm is None else PalmDetection(
        **_decode_fields(PALM_FIELDS, palm),
        source=source if source in PALM_SOURCES else "image")
    return Hand(**values)


def result_from_record(record: Mapping[str, Any]) -> HandsResult:
    """The result of an ``image`` or ``frame`` record (a :class:`~palmlite.FrameResult` for a
    frame: a record saying ``"record": "frame"`` or with a ``frame`` value). ``palms`` is
    empty: the records keep the hands only."""
    hands = tuple(hand_from_record(hand) for hand in record["hands"])
    size = (int(record["width"]), int(record["height"]))
    if record.get("record", "frame" if record.get("frame") is not None else "image") == "image":
        return HandsResult(hands, size)
    extra = {name: value for name, value in _decode_fields(FRAME_FIELDS, record).items()
             if name in _FRAME_ONLY}
    return FrameResult(hands, size, **extra)
