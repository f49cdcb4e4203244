"""Landmarker and tracker options as values: frozen, hashable, picklable, checked when made.

What :mod:`palmlite.data`, :mod:`palmlite.ray` and :mod:`palmlite.dask` ship to their workers:
the options are checked on the driver, before a task is submitted, with the checks the
constructors use (nothing heavy: no model is loaded), and each worker process builds its
:class:`~palmlite.HandLandmarker` once (:func:`landmarker_for`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeAlias

from ._validate import check_bool, check_positive_int, check_probability
from .landmarker import HandLandmarker
from .search import SearchName, SearchOptions, search_options
from .smoothing import LANDMARK_ONE_EURO, WORLD_ONE_EURO, OneEuroParams
from .tracking import HandTracker, TrackerConfig
from .weights import ModelVariant

__all__ = ["DEFAULT_LANDMARKER", "DEFAULT_TRACKER", "LandmarkerOptions", "OptionsLike",
           "TrackerOptions", "as_options", "landmarker_for"]


def _shallow(options: object) -> dict[str, Any]:
    # asdict() would turn nested dataclasses (SearchOptions, OneEuroParams) into dicts.
    return {field.name: getattr(options, field.name) for field in fields(options)}  # type: ignore[arg-type]


@dataclass(frozen=True)
class LandmarkerOptions:
    """The :class:`~palmlite.HandLandmarker` constructor's options, as a value.

    ``num_threads`` is 1 by default (the constructor's default lets ONNX Runtime take every
    core): an engine runs one model per core and parallelises across processes. ``weights_dir``
    must exist on the workers, not necessarily on the driver.
    """

    max_hands: int = 2
    model: ModelVariant = "full"
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    mirrored: bool = False
    num_threads: int = 1
    weights_dir: str | Path | None = None  # kept as a str
    search: SearchName | SearchOptions = "mediapipe"

    def __post_init__(self) -> None:
        check_positive_int("max_hands", self.max_hands)
        if self.model not in ("lite", "full"):
            raise ValueError(f"model must be 'lite' or 'full', got {self.model!r}")
        check_probability("min_detection_confidence", self.min_detection_confidence)
        check_probability("min_presence_confidence", self.min_presence_confidence)
        check_bool("mirrored", self.mirrored)
        check_positive_int("num_threads", self.num_threads)
        if isinstance(self.weights_dir, Path):
            object.__setattr__(self, "weights_dir", str(self.weights_dir))
        elif self.weights_dir is not None and not isinstance(self.weights_dir, str):
            raise TypeError(f"weights_dir must be a path or None, got {self.weights_dir!r}")
        search_options(self.search)  # raises for an unknown preset or a wrong type

    def build(self) -> HandLandmarker:
        """A new landmarker with these options (workers use :func:`landmarker_for`)."""
        return HandLandmarker(**_shallow(self))


@dataclass(frozen=True)
class TrackerOptions:
    """The :class:`~palmlite.HandTracker` options beyond the landmarker's (see
    :class:`palmlite.tracking.TrackerConfig`); the defaults reproduce MediaPipe's video mode."""

    detection_interval: int = 1
    smooth_landmarks: bool = False
    smooth_handedness: bool = False
    landmark_filter: OneEuroParams = LANDMARK_ONE_EURO
    world_filter: OneEuroParams = WORLD_ONE_EURO

    def __post_init__(self) -> None:
        TrackerConfig(**_shallow(self))  # the tracker's own checks

    def build(self, landmarker: HandLandmarker) -> HandTracker:
        """A new tracker (fresh state: track ids from 0) on ``landmarker``."""
        return HandTracker(landmarker, **_shallow(self))


#: The defaults, as values (what the engine functions take when given nothing).
DEFAULT_LANDMARKER = LandmarkerOptions()
DEFAULT_TRACKER = TrackerOptions()


#: What the engine functions take as landmarker options: the value, or its keyword arguments.
OptionsLike: TypeAlias = "LandmarkerOptions | Mapping[str, Any]"


def as_options(options: OptionsLike, tracker: object = DEFAULT_TRACKER) -> LandmarkerOptions:
    """``options`` as a checked :class:`LandmarkerOptions` (a dict is taken as its keyword
    arguments); ``tracker`` must be a :class:`TrackerOptions`. Raises on the driver, before
    any task exists."""
    if not isinstance(tracker, TrackerOptions):
        raise TypeError(f"tracker must be a TrackerOptions, got {type(tracker).__name__}")
    if isinstance(options, Mapping):
        return LandmarkerOptions(**options)
    if not isinstance(options, LandmarkerOptions):
        raise TypeError(f"options must be a LandmarkerOptions, got {type(options).__name__}")
    return options


_cache: dict[LandmarkerOptions, HandLandmarker] = {}
_cache_lock = threading.Lock()


def landmarker_for(options: LandmarkerOptions) -> HandLandmarker:
    """This process's landmarker for ``options``, built on first use and kept: a worker loads
    its model sessions once, not per batch or partition. Safe to call from several threads (a
    landmarker is shared by threads anyway)."""
    if not isinstance(options, LandmarkerOptions):
        raise TypeError(f"options must be a LandmarkerOptions, got {type(options).__name__}")
    with _cache_lock:
        landmarker = _cache.get(options)
        if landmarker is None:
            landmarker = _cache[options] = options.build()
        return landmarker
