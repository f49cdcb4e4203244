"""One-euro filtering of landmarks, with MediaPipe's semantics (opt-in; MediaPipe's legacy hands
graph does not smooth).

Mirrors mp:mediapipe/util/filtering/one_euro_filter.cc and the ``OneEuroFilterImpl`` of
mp:mediapipe/calculators/util/landmarks_smoothing_calculator_utils.cc: every coordinate is
filtered separately; the derivative is scaled by ``value_scale`` (1 / object size, so the
filter behaves the same for near and far hands) and by the sampling frequency; the cut-off
frequency rises with speed (``min_cutoff + beta * |derivative|``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["OneEuroParams", "OneEuroState", "object_scale", "one_euro_step"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class OneEuroParams:
    """Filter constants; the defaults are those MediaPipe uses for image-space landmarks
    (``min_cutoff`` 0.05, ``beta`` 80, ``derivate_cutoff`` 1; 30 Hz before the first time step
    is known). ``scale_by_object`` divides velocities by the hand's size (MediaPipe's value
    scaling; turn it off for world landmarks, which are already in metres)."""

    min_cutoff: float = 0.05
    beta: float = 80.0
    derivate_cutoff: float = 1.0
    frequency: float = 30.0
    scale_by_object: bool = True

    def __post_init__(self) -> None:
        for name in ("min_cutoff", "derivate_cutoff", "frequency"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if not (isinstance(self.beta, (int, float)) and math.isfinite(self.beta)
                and self.beta >= 0):
            raise ValueError(f"beta must be a non-negative number, got {self.beta!r}")


#: MediaPipe's constants for image-space landmarks.
LANDMARK_ONE_EURO = OneEuroParams()
#: MediaPipe's constants for world landmarks (metres, no object scaling).
WORLD_ONE_EURO = OneEuroParams(min_cutoff=0.1, beta=40.0, derivate_cutoff=1.0,
                               scale_by_object=False)


@dataclass(frozen=True)
class OneEuroState:
    """Per-coordinate filter memory: last raw value, filtered value and filtered derivative
    (arrays of one shape), the last time (seconds) and the current frequency (Hz)."""

    raw: FloatArray
    filtered: FloatArray
    derivative: FloatArray
    time_s: float
    frequency: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "raw": self.raw.tolist(), "filtered": self.filtered.tolist(),
            "derivative": self.derivative.tolist(), "time_s": self.time_s,
            "frequency": self.frequency,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OneEuroState:
        return cls(
            np.asarray(data["raw"], np.float64), np.asarray(data["filtered"], np.float64),
            np.asarray(data["derivative"], np.float64), float(data["time_s"]),
            float(data["frequency"]),
        )


def _alpha(cutoff: FloatArray | float, frequency: float) -> FloatArray | float:
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff))
    return 1.0 / (1.0 + tau * frequency)


def object_scale(points: npt.ArrayLike) -> float:
    """Mean of the width and height of the points' bounding box (MediaPipe's object scale)."""
    p = np.asarray(points, np.float64)
    return float(((p[:, 0].max() - p[:, 0].min()) + (p[:, 1].max() - p[:, 1].min())) / 2.0)


def one_euro_step(
    state: OneEuroState | None,
    value: npt.ArrayLike,
    time_s: float,
    params: OneEuroParams,
    value_scale: float = 1.0,
) -> tuple[FloatArray, OneEuroState]:
    """Filter one sample; return the filtered value and the new state (inputs not mutated).

    The first sample passes through unchanged. A time that does not increase returns the raw
    value and keeps the state, as MediaPipe does.

    DEVIATION: MediaPipe only derives the frequency from the time step when the previous
    timestamp is non-zero, so a stream starting at t = 0 filters its second sample at the
    default 30 Hz whatever the real rate; palmlite uses the real time step from the second
    sample on.
    """
    x = np.asarray(value, np.float64)
    if state is None:
        zero = np.zeros_like(x)
        return x.copy(), OneEuroState(x.copy(), x.copy(), zero, float(time_s), params.frequency)
    if time_s <= state.time_s:
        return x.copy(), state
    frequency = 1.0 / (time_s - state.time_s)
    dx = (x - state.raw) * value_scale * frequency
    a_d = _alpha(params.derivate_cutoff, frequency)
    derivative = a_d * dx + (1.0 - a_d) * state.derivative
    cutoff = params.min_cutoff + params.beta * np.abs(derivative)
    a = _alpha(cutoff, frequency)
    filtered = a * x + (1.0 - a) * state.filtered
    return filtered, OneEuroState(x.copy(), filtered, derivative, float(time_s), frequency)
