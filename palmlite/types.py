"""Frozen value types shared by the stages and returned to users.

Coordinate conventions (the same as MediaPipe's):

===================  ==========================================================================
space                meaning
===================  ==========================================================================
normalized           x / image width, y / image height, origin top-left, x right, y down;
                     landmark z is in the same scale as x (depth relative to the wrist)
pixels               x, y in pixels of the input image; z in pixels of width scale
world                metres, origin near the hand's centre, same axes as the image
rotation             radians, clockwise on screen (y points down), 0 = hand pointing up
===================  ==========================================================================
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["HAND_SOURCES", "PALM_SOURCES", "FrameResult", "Hand", "HandsResult", "PalmDetection",
           "Roi"]

FloatArray = npt.NDArray[np.float32]
#: Where the palm detector looked for a palm: the whole image, a tile, the mirrored image.
PALM_SOURCES = ("image", "tile", "flip")
#: How a hand was found: a palm source, tracking from the last frame, or a caller's ROI.
HAND_SOURCES = (*PALM_SOURCES, "tracking", "roi")
_ROI_FIELDS = ("x_center", "y_center", "width", "height", "rotation")


def _frozen_array(value: npt.ArrayLike, shape: tuple[int, ...], name: str) -> FloatArray:
    array = np.array(value, dtype=np.float32)  # a private copy, so callers cannot mutate it
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class Roi:
    """A rotated rectangle in normalized image coordinates (MediaPipe's ``NormalizedRect``).

    ``x_center`` and ``width`` are fractions of the image width, ``y_center`` and ``height``
    fractions of the image height, ``rotation`` is in radians about the centre. Hand ROIs are
    square in pixels (``width * W == height * H``), so usually not square in normalized units.
    """

    x_center: float
    y_center: float
    width: float
    height: float
    rotation: float = 0.0

    def __post_init__(self) -> None:
        for name in _ROI_FIELDS:
            value = getattr(self, name)
            # bool is an int, but True as a coordinate is a mistake; a str, None or an array
            # would otherwise fail later with a message that does not name the Roi.
            if isinstance(value, bool) or not isinstance(
                value, (int, float, np.integer, np.floating)
            ):
                raise TypeError(f"Roi.{name} must be a real number, got {value!r}")
            # Plain floats, so a Roi made from NumPy scalars still goes into json.dumps.
            object.__setattr__(self, name, float(value))
        values = (self.x_center, self.y_center, self.width, self.height, self.rotation)
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"Roi values must be finite, got {values}")
        if self.width <= 0 or self.height <= 0:
            raise ValueError(
                f"Roi width and height must be positive, got {self.width}, {self.height}"
            )

    @classmethod
    def from_pixels(
        cls,
        center: tuple[float, float],
        size: float | tuple[float, float],
        rotation: float,
        image_size: tuple[int, int],
    ) -> Roi:
        """Build a ROI from a centre ``(x, y)`` and a side (or ``(width, height)``) in pixels of
        an image of ``image_size = (width, height)``.

        >>> Roi.from_pixels((50, 25), 20, 0.0, (100, 50))
        Roi(x_center=0.5, y_center=0.5, width=0.2, height=0.4, rotation=0.0)
        """
        image_w, image_h = image_size
        if not (image_w > 0 and image_h > 0):
            raise ValueError(f"image_size must be a positive (width, height), got {image_size}")
        if isinstance(size, (tuple, list)):
            size_w, size_h = float(size[0]), float(size[1])
        else:
            size_w = size_h = float(size)
        return cls(
            center[0] / image_w, center[1] / image_h, size_w / image_w, size_h / image_h, rotation
        )

    def to_pixels(self, image_size: tuple[int, int]) -> tuple[float, float, float, float, float]:
        """``(center_x, center_y, width, height, rotation)`` in pixels of ``image_size``."""
        image_w, image_h = image_size
        return (
            self.x_center * image_w,
            self.y_center * image_h,
            self.width * image_w,
            self.height * image_h,
            self.rotation,
        )

    def as_array(self) -> FloatArray:
        """``[x_center, y_center, width, height, rotation]`` as float32."""
        return np.array(
            [self.x_center, self.y_center, self.width, self.height, self.rotation],
            dtype=np.float32,
        )


@dataclass(frozen=True, eq=False)
class PalmDetection:
    """One palm found by the palm detector, in normalized image coordinates.

    ``box_xywh`` is the axis-aligned box ``(xmin, ymin, width, height)``; ``keypoints_xy`` is
    ``(7, 2)`` float32 in :class:`~palmlite.topology.PalmKeypoint` order. ``source`` is where
    the detector looked (see :data:`PALM_SOURCES`).
    """

    score: float
    box_xywh: FloatArray
    keypoints_xy: FloatArray
    source: str = "image"

    def __post_init__(self) -> None:
        if self.source not in PALM_SOURCES:
            raise ValueError(f"source must be one of {PALM_SOURCES}, got {self.source!r}")
        object.__setattr__(self, "box_xywh", _frozen_array(self.box_xywh, (4,), "box_xywh"))
        object.__setattr__(
            self, "keypoints_xy", _frozen_array(self.keypoints_xy, (7, 2), "keypoints_xy")
        )


@dataclass(frozen=True, eq=False)
class Hand:
    """One hand: 21 landmarks in three coordinate spaces, handedness and where it came from.

    - ``landmarks``: ``(21, 3)`` float32, normalized (x / W, y / H, z in width units).
    - ``landmarks_px``: ``(21, 3)`` float32, pixels (z scaled like x).
    - ``world_landmarks``: ``(21, 3)`` float32, metres.
    - ``handedness``: ``"Left"`` or ``"Right"``; see :class:`~palmlite.HandLandmarker` for the
      convention. ``handedness_score`` is the model's confidence in that label (>= 0.5).
    - ``presence``: the landmark model's hand-presence probability.
    - ``roi``: the rotated square region the landmark model saw.
    - ``palm``: the palm detection that produced ``roi``, or ``None`` when the ROI was given
      or came from tracking.
    - ``track_id``: set by :class:`~palmlite.HandTracker`: a new id for each newly detected
      hand, kept while it is tracked, never reused; ``None`` for still images.
    - ``source``: how the hand was found (:data:`HAND_SOURCES`): ``"image"`` the palm detector
      on the whole image (MediaPipe's way), ``"tile"`` on a tile of a thorough search,
      ``"flip"`` on the mirrored image, ``"tracking"`` from the previous frame's landmarks,
      ``"roi"`` in a region the caller gave (:meth:`~palmlite.HandLandmarker.landmarks_in_roi`).
    """

    landmarks: FloatArray
    landmarks_px: FloatArray
    world_landmarks: FloatArray
    handedness: str
    handedness_score: float
    presence: float
    roi: Roi
    palm: PalmDetection | None = None
    track_id: int | None = None
    source: str = "image"

    def __post_init__(self) -> None:
        if self.source not in HAND_SOURCES:
            raise ValueError(f"source must be one of {HAND_SOURCES}, got {self.source!r}")
        for name in ("landmarks", "landmarks_px", "world_landmarks"):
            object.__setattr__(self, name, _frozen_array(getattr(self, name), (21, 3), name))
        if self.handedness not in ("Left", "Right"):
            raise ValueError(f"handedness must be 'Left' or 'Right', got {self.handedness!r}")

    def to_dict(self) -> dict[str, Any]:
        """This hand as a JSON-safe dict: the ``HAND`` layout of the CLI's records
        (:mod:`palmlite.records`), rounded the same way."""
        from .records import hand_record  # records imports this module for its types

        return hand_record(self)


@dataclass(frozen=True)
class HandsResult:
    """The hands found in one image, in MediaPipe's order, and the image's ``(width, height)``."""

    hands: tuple[Hand, ...]
    image_size: tuple[int, int]
    palms: tuple[PalmDetection, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.hands)

    def __iter__(self) -> Iterator[Hand]:
        return iter(self.hands)

    def __getitem__(self, index: int) -> Hand:
        return self.hands[index]

    def to_dict(self, file: str | None = None) -> dict[str, Any]:
        """This result as a JSON-safe dict: exactly the ``image`` record ``palmlite detect``
        writes (:mod:`palmlite.records`), with ``file`` as given (``None`` by default)."""
        from .records import image_record

        return image_record(self, file)


@dataclass(frozen=True)
class FrameResult(HandsResult):
    """What :meth:`palmlite.HandTracker.track` returns: a :class:`HandsResult` (use it like
    one) plus where the frame stands in its stream.

    - ``frame``: the frame's index in the stream, counted by the tracker from 0 (kept in
      :attr:`palmlite.TrackerState.frame_index`, so a restored state continues the count).
    - ``timestamp_ms``: the frame's time, as given to ``track`` or assumed (1/30 s steps).
    - ``palm_detector_ran``: whether the palm detector ran on this frame (it runs only while
      fewer than ``max_hands`` hands are tracked).
    """

    frame: int = 0
    timestamp_ms: float = 0.0
    palm_detector_ran: bool = False

    def to_dict(self, file: str | None = None) -> dict[str, Any]:
        """This frame as a JSON-safe dict: exactly the ``frame`` record ``palmlite track``
        writes (:mod:`palmlite.records`), with ``file`` as given (``None`` by default)."""
        from .records import frame_record

        return frame_record(self, file)
