"""How hard :class:`~palmlite.HandLandmarker` looks for hands: MediaPipe's single look, or a
thorough search that finds small, far and border hands MediaPipe misses.

A search is a **plan** and a **judge**, both pure (no model, testable with made-up numbers):

- the plan (:func:`plan_windows`) says where the palm detector looks: the whole image, as
  MediaPipe does, plus overlapping tiles (each magnified to the detector's input, so a small
  hand is seen bigger) and optionally the mirrored image;
- the landmark model then runs on the ROI of every palm candidate (that is the landmarker's
  job), and the judge (:func:`select_hands`) decides which of the resulting hands are real:
  every hand MediaPipe's own rules accept stays, in MediaPipe's order; a hand only the thorough
  search found must convince the landmark model (high presence, an extent that fills its crop)
  and must not repeat a hand already kept.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Literal

import numpy as np

from .boxes import iou_one_to_many
from .letterbox import RectPx
from .palm_decode import PalmCandidates
from .types import Hand, PalmDetection

__all__ = [
    "MEDIAPIPE",
    "THOROUGH",
    "SearchName",
    "SearchOptions",
    "Window",
    "merge_candidates",
    "plan_windows",
    "search_options",
    "select_hands",
    "window_to_image",
]

SearchName = Literal["mediapipe", "thorough"]


@dataclass(frozen=True)
class SearchOptions:
    """Where the palm detector looks and how candidates are judged.

    - ``tiles``: the image is also searched in a ``tiles x tiles`` grid of overlapping windows
      (0: whole image only, MediaPipe's way). Each window is letterboxed into the palm
      detector's 192x192 input, so a window of a third of the image sees hands 3x bigger.
    - ``tile_overlap``: fraction of a window shared with its neighbour (0.5: half), so a hand
      on a seam lies whole in some window.
    - ``flip``: also search the horizontally mirrored image (and its tiles). The palm detector
      is not mirror-symmetric, so a mirrored look finds some palms the plain one misses.
    - ``palm_threshold``: palm score a candidate needs (MediaPipe: ``min_detection_confidence``,
      0.5). Lower finds more, and the landmark model judges what the palm model doubted.
    - ``presence_threshold``: landmark presence a hand found only by this search needs (those
      MediaPipe's rules accept keep ``min_presence_confidence``).
    - ``min_extent``: for those hands, the landmarks' extent (longest side of their bounding
      box) as a fraction of the ROI side; a tile sees single fingers as small "hands", whose
      landmarks then crowd in a corner of the crop.
    - ``max_candidates``: at most this many extra palm candidates (best palm scores first, after
      merging duplicates across windows) go to the landmark model, which bounds the cost.
    - ``duplicate_iou``: an extra hand whose landmark box overlaps a kept hand's more than this
      (IoU, or the smaller box mostly inside the larger) is the same hand, found twice.
    """

    tiles: int = 0
    tile_overlap: float = 0.5
    flip: bool = False
    palm_threshold: float | None = None
    presence_threshold: float = 0.8
    min_extent: float = 0.45
    max_candidates: int = 8
    duplicate_iou: float = 0.3

    def __post_init__(self) -> None:
        for name in ("tiles", "max_candidates"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"SearchOptions.{name} must be an int >= 0, got {value!r}")
        if self.tiles == 1:
            raise ValueError("SearchOptions.tiles must be 0 (no tiles) or >= 2, got 1")
        if not isinstance(self.flip, bool):
            raise TypeError(f"SearchOptions.flip must be True or False, got {self.flip!r}")
        for name, low, high in (("tile_overlap", 0.0, 0.9), ("presence_threshold", 0.0, 1.0),
                                ("min_extent", 0.0, 1.0), ("duplicate_iou", 0.0, 1.0)):
            _check_fraction(name, getattr(self, name), low, high)
        if self.palm_threshold is not None:
            _check_fraction("palm_threshold", self.palm_threshold, 0.0, 1.0)

    @property
    def is_mediapipe(self) -> bool:
        """Whether this is MediaPipe's own search (whole image, MediaPipe's thresholds)."""
        return self.tiles == 0 and not self.flip and self.palm_threshold is None


def _check_fraction(name: str, value: object, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"SearchOptions.{name} must be a number, got {value!r}")
    if not (low <= float(value) <= high) or math.isnan(float(value)):
        raise ValueError(f"SearchOptions.{name} must be in [{low}, {high}], got {value!r}")


#: MediaPipe's search: the palm detector once on the whole image.
MEDIAPIPE = SearchOptions()
#: The thorough preset (see the README's "Thorough search" for what it costs and finds).
THOROUGH = SearchOptions(tiles=2, tile_overlap=0.5, flip=False, palm_threshold=0.1)

_PRESETS: dict[str, SearchOptions] = {"mediapipe": MEDIAPIPE, "thorough": THOROUGH}


def search_options(value: object) -> SearchOptions:
    """``value`` (``"mediapipe"``, ``"thorough"`` or a :class:`SearchOptions`) as options."""
    if isinstance(value, SearchOptions):
        return value
    if isinstance(value, str) and value in _PRESETS:
        return _PRESETS[value]
    raise ValueError(
        "search must be 'mediapipe', 'thorough' or a palmlite.SearchOptions, got "
        f"{value!r}" + (f" (fields: {', '.join(f.name for f in fields(SearchOptions))})"
                        if isinstance(value, dict) else "")
    )


# -- the plan --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A region the palm detector looks at: an axis-aligned rectangle of the image in pixels,
    possibly mirrored, and the name of the pass that made it (a hand's ``source``)."""

    x0: float
    y0: float
    width: float
    height: float
    flipped: bool
    source: Literal["image", "tile", "flip"]

    @property
    def rect(self) -> RectPx:
        return RectPx(self.x0 + self.width / 2, self.y0 + self.height / 2, self.width,
                      self.height, 0.0)

    @property
    def is_whole_image(self) -> bool:
        return self.source == "image"


def _spans(length: float, tiles: int, overlap: float) -> list[tuple[float, float]]:
    """``tiles`` intervals of equal size covering ``[0, length]``, neighbours sharing
    ``overlap`` of a tile: size = length / (tiles - (tiles - 1) * overlap)."""
    size = length / (tiles - (tiles - 1) * overlap)
    step = size * (1.0 - overlap)
    return [(index * step, size) for index in range(tiles)]


def plan_windows(image_size: tuple[int, int], options: SearchOptions) -> tuple[Window, ...]:
    """The windows a search looks at in an image of ``image_size = (W, H)``: the whole image
    first, then the tiles row by row, then the same mirrored (``options.flip``).

    >>> [(w.x0, w.y0, w.width, w.source) for w in plan_windows((300, 300), THOROUGH)]
    ... # doctest: +NORMALIZE_WHITESPACE
    [(0.0, 0.0, 300.0, 'image'), (0.0, 0.0, 200.0, 'tile'), (100.0, 0.0, 200.0, 'tile'),
     (0.0, 100.0, 200.0, 'tile'), (100.0, 100.0, 200.0, 'tile')]
    """
    width, height = float(image_size[0]), float(image_size[1])
    plain = [Window(0.0, 0.0, width, height, False, "image")]
    if options.tiles:
        for y0, tile_h in _spans(height, options.tiles, options.tile_overlap):
            for x0, tile_w in _spans(width, options.tiles, options.tile_overlap):
                plain.append(Window(x0, y0, tile_w, tile_h, False, "tile"))
    if not options.flip:
        return tuple(plain)
    mirrored = [Window(w.x0, w.y0, w.width, w.height, True, "flip") for w in plain]
    return (*plain, *mirrored)


def window_to_image(candidates: PalmCandidates, window: Window,
                    image_size: tuple[int, int]) -> PalmCandidates:
    """Palm candidates normalized to ``window`` (letterbox removed) as normalized image
    coordinates: un-mirrored if the window was, then scaled and shifted by its place."""
    f = np.float32
    boxes = candidates.boxes_xyxy.copy()
    keypoints = candidates.keypoints.copy()
    if window.flipped:
        boxes[:, [0, 2]] = f(1) - boxes[:, [2, 0]]
        keypoints[..., 0] = f(1) - keypoints[..., 0]
    scale = np.array([window.width / image_size[0], window.height / image_size[1]], f)
    shift = np.array([window.x0 / image_size[0], window.y0 / image_size[1]], f)
    boxes = (boxes.reshape(-1, 2, 2) * scale + shift).reshape(-1, 4)
    keypoints = keypoints * scale + shift
    return PalmCandidates(candidates.scores, boxes.astype(f), keypoints.astype(f))


def merge_candidates(found: Sequence[PalmDetection], taken: Sequence[PalmDetection],
                     iou_threshold: float, limit: int) -> list[PalmDetection]:
    """The palms of ``found`` worth a landmark run: best score first, none overlapping (box
    IoU above ``iou_threshold``) a palm in ``taken`` or one picked before, at most ``limit``.

    Several windows see the same palm; one landmark run per hand is enough.
    """
    boxes = [_xyxy(palm) for palm in taken]
    picked: list[PalmDetection] = []
    for palm in sorted(found, key=lambda p: -p.score):
        if len(picked) >= limit:
            break
        box = _xyxy(palm)
        if boxes and (iou_one_to_many(box, np.stack(boxes)) > np.float32(iou_threshold)).any():
            continue
        picked.append(palm)
        boxes.append(box)
    return picked


def _xyxy(palm: PalmDetection) -> np.ndarray:
    x, y, w, h = palm.box_xywh
    return np.array([x, y, x + w, y + h], np.float32)


# -- the judge -------------------------------------------------------------------------------


def _landmark_box(hand: Hand) -> np.ndarray:
    xy = hand.landmarks_px[:, :2]
    return np.concatenate([xy.min(axis=0), xy.max(axis=0)]).astype(np.float64)


def _same_hand(a: np.ndarray, b: np.ndarray, threshold: float) -> bool:
    """Whether two landmark boxes ``(xmin, ymin, xmax, ymax)`` show one hand: IoU above
    ``threshold``, or most of the smaller box inside the larger (a finger inside its hand)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return False
    inter = w * h
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[2] - b[0]) * (b[3] - b[1])
    smaller = min(area_a, area_b)
    return bool(inter / (area_a + area_b - inter) > threshold or
                (smaller > 0 and inter / smaller > 0.7))


def extent(hand: Hand, image_size: tuple[int, int]) -> float:
    """The landmarks' extent as a fraction of the ROI side they were found in."""
    box = _landmark_box(hand)
    side = max(hand.roi.width * image_size[0], hand.roi.height * image_size[1])
    return float(max(box[2] - box[0], box[3] - box[1]) / side) if side > 0 else 0.0


def select_hands(
    mediapipe_hands: Sequence[Hand], extra_hands: Sequence[Hand], image_size: tuple[int, int],
    max_hands: int, options: SearchOptions,
) -> list[Hand]:
    """The hands a search reports, at most ``max_hands``.

    ``mediapipe_hands`` are those MediaPipe's rules accept (palm score and presence at
    MediaPipe's thresholds, whole image), in MediaPipe's order: they are kept first, as they
    are. ``extra_hands`` (every other candidate, with its landmarks) are then taken best
    presence first if their presence exceeds ``options.presence_threshold``, their
    :func:`extent` reaches ``options.min_extent`` and they are not :func:`_same_hand` as one
    kept already.
    """
    kept = list(mediapipe_hands[:max_hands])
    boxes = [_landmark_box(hand) for hand in kept]
    ranked = sorted(extra_hands, key=lambda hand: -hand.presence)
    for hand in ranked:
        if len(kept) >= max_hands:
            break
        if hand.presence <= options.presence_threshold:
            continue
        if extent(hand, image_size) < options.min_extent:
            continue
        box = _landmark_box(hand)
        if any(_same_hand(box, other, options.duplicate_iou) for other in boxes):
            continue
        kept.append(hand)
        boxes.append(box)
    return kept
