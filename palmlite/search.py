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

    - ``zoom``: besides the whole image, look at square tiles this many times smaller than the
      image's longer side (0: whole image only, MediaPipe's way). Each tile is letterboxed into
      the palm detector's 192x192 input like the whole image, so its hands look ``zoom`` times
      bigger there: the fewest tiles that cover the image do it (two for a 16:9 image, 2 x 2
      for 4:3 and square ones at 1.75).
    - ``tile_overlap``: the least fraction of a tile shared with its neighbour, so a hand on a
      seam lies whole in one of them (square tiles often share more).
    - ``flip``: also look at the horizontally mirrored whole image. The palm detector is not
      mirror-symmetric, so a mirrored look finds a few palms the plain one misses.
    - ``palm_threshold``: palm score a candidate needs (``None``: MediaPipe's
      ``min_detection_confidence``). Lower finds more; the landmark model judges what the palm
      model doubted.
    - ``presence_threshold``: landmark presence a hand found only by this search needs (the
      hands MediaPipe's rules accept keep ``min_presence_confidence``).
    - ``min_extent``: for those hands, the landmarks' extent (longest side of their bounding
      box) as a fraction of the ROI side: a tile shows single fingers big enough to look like
      small "hands", whose landmarks crowd into part of the crop.
    - ``max_candidates``: landmark runs per image at most (MediaPipe's own palms, which always
      run, included): the whole image's palms first, then the tiles' by palm score, one per
      palm seen in several windows. This bounds the cost.
    - ``duplicate_iou``: a hand whose landmark box overlaps a kept hand's more than this
      (IoU), or lies mostly inside it, is that hand found twice.
    - ``refine``: run the landmark model once more on each extra hand, on the ROI of its own
      landmarks (the tracker's next-frame ROI): a palm from a tile or with a low score gives a
      rough crop, and the second look is closer.
    """

    zoom: float = 0.0
    tile_overlap: float = 0.1
    flip: bool = False
    palm_threshold: float | None = None
    presence_threshold: float = 0.8
    min_extent: float = 0.3
    max_candidates: int = 6
    duplicate_iou: float = 0.3
    refine: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.max_candidates, bool) or not isinstance(self.max_candidates, int) \
                or self.max_candidates < 0:
            raise ValueError("SearchOptions.max_candidates must be an int >= 0, got "
                             f"{self.max_candidates!r}")
        for name in ("flip", "refine"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"SearchOptions.{name} must be True or False, got "
                                f"{getattr(self, name)!r}")
        _check_fraction("zoom", self.zoom, 0.0, 8.0)
        if 0 < self.zoom <= 1:
            raise ValueError(f"SearchOptions.zoom must be 0 (no tiles) or > 1, got {self.zoom!r}")
        for name, low, high in (("tile_overlap", 0.0, 0.9), ("presence_threshold", 0.0, 1.0),
                                ("min_extent", 0.0, 1.0), ("duplicate_iou", 0.0, 1.0)):
            _check_fraction(name, getattr(self, name), low, high)
        if self.palm_threshold is not None:
            _check_fraction("palm_threshold", self.palm_threshold, 0.0, 1.0)

    @property
    def is_mediapipe(self) -> bool:
        """Whether this is MediaPipe's own search (whole image, MediaPipe's thresholds)."""
        return self.zoom == 0 and not self.flip and self.palm_threshold is None


def _check_fraction(name: str, value: object, low: float, high: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"SearchOptions.{name} must be a number, got {value!r}")
    if not (low <= float(value) <= high) or math.isnan(float(value)):
        raise ValueError(f"SearchOptions.{name} must be in [{low}, {high}], got {value!r}")


#: MediaPipe's search: the palm detector once on the whole image.
MEDIAPIPE = SearchOptions()
#: The thorough preset, measured with benchmarks/recall.py (README: "Thorough search").
THOROUGH = SearchOptions(zoom=1.75, tile_overlap=0.1, palm_threshold=0.25, refine=True)

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


def _axis_tiles(length: float, tile: float, overlap: float) -> tuple[int, float]:
    """How many tiles of at most ``tile`` px cover ``length`` px with neighbours sharing at
    least ``overlap`` of a tile, and the size at which they share exactly that: with ``n``
    tiles of side ``t``, ``t * (n - (n - 1) * overlap)`` covers the axis."""
    if length <= tile:
        return 1, length
    count = max(2, math.ceil((length / tile - overlap) / (1.0 - overlap) - 1e-9))
    return count, math.ceil(length / (count - (count - 1) * overlap))


def _starts(length: float, count: int, side: float) -> list[float]:
    """``count`` starts spreading tiles of ``side`` px evenly from edge to edge."""
    if count == 1:
        return [0.0]
    return [float(round(index * (length - side) / (count - 1))) for index in range(count)]


def plan_windows(image_size: tuple[int, int], options: SearchOptions) -> tuple[Window, ...]:
    """The windows a search looks at in an image of ``image_size = (W, H)``: the whole image,
    the mirrored whole image (``options.flip``), then the tiles row by row.

    Tiles are squares (the palm detector letterboxes a window by its longer side, so a square
    costs no more than the thinner tile it contains, and shares more with its neighbours),
    ``max(W, H) / zoom`` or a little more so they meet with ``tile_overlap``, spread evenly
    from edge to edge and clipped to the image.

    >>> [(w.x0, w.y0, w.width, w.height) for w in plan_windows((1280, 720), THOROUGH)]
    [(0.0, 0.0, 1280.0, 720.0), (0.0, 0.0, 720.0, 720.0), (560.0, 0.0, 720.0, 720.0)]
    """
    width, height = float(image_size[0]), float(image_size[1])
    windows = [Window(0.0, 0.0, width, height, False, "image")]
    if options.flip:
        windows.append(Window(0.0, 0.0, width, height, True, "flip"))
    if options.zoom:
        tile = max(width, height) / options.zoom
        columns, tile_w = _axis_tiles(width, tile, options.tile_overlap)
        rows, tile_h = _axis_tiles(height, tile, options.tile_overlap)
        side_w = side_h = max(tile_w, tile_h)
        side_w, side_h = min(side_w, width), min(side_h, height)
        for y0 in _starts(height, rows, side_h):
            for x0 in _starts(width, columns, side_w):
                windows.append(Window(x0, y0, side_w, side_h, False, "tile"))
    return tuple(windows)


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
    """The palms of ``found`` worth a landmark run: the whole image's first, then the others,
    best score first; none overlapping (box IoU above ``iou_threshold``) a palm in ``taken``
    or one picked before; at most ``limit``.

    Several windows see the same palm; one landmark run per hand is enough. The whole image's
    palms go first because there the detector saw the hand in its context.
    """
    boxes = [_xyxy(palm) for palm in taken]
    picked: list[PalmDetection] = []
    for palm in sorted(found, key=lambda p: (p.source != "image", -p.score)):
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


# A landmark box this much inside another is part of it (a finger of a hand found twice).
_NESTED = 0.6


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
                (smaller > 0 and inter / smaller > _NESTED))


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
