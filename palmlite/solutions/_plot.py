"""The matplotlib half of ``drawing_utils.plot_landmarks`` (MediaPipe's 3-D landmark plot).

matplotlib is optional (``pip install "palmlite[plot]"``) and imported only when a plot is made.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

__all__ = ["plot_3d"]

Point3 = tuple[float, float, float]


def _pyplot() -> Any:
    try:
        return importlib.import_module("matplotlib.pyplot")
    except ImportError as error:
        raise ImportError(
            "plot_landmarks needs matplotlib, which palmlite does not install by default: "
            'pip install "palmlite[plot]" (or pip install matplotlib)'
        ) from error


def _rgb(bgr: tuple[int, int, int]) -> tuple[float, ...]:
    """A BGR colour of 0..255 ints as matplotlib's RGB of 0..1 floats."""
    return tuple(value / 255.0 for value in bgr[::-1])


def plot_3d(
    points: Sequence[Point3],
    segments: Sequence[tuple[Point3, Point3]],
    dots: tuple[tuple[int, int, int], float],
    lines: tuple[tuple[int, int, int], float],
    elevation: float,
    azimuth: float,
) -> None:
    """A new 10 x 10 inch figure with one 3-D axes viewed from ``elevation`` and ``azimuth``
    degrees: each point scattered on its own, then each segment, with ``(BGR colour, width)``
    ``dots`` and ``lines``, then ``plt.show()``."""
    plt = _pyplot()
    plt.figure(figsize=(10, 10))
    axes = plt.axes(projection="3d")
    axes.view_init(elev=elevation, azim=azimuth)
    for x, y, z in points:
        axes.scatter3D(xs=[x], ys=[y], zs=[z], color=_rgb(dots[0]), linewidth=dots[1])
    for (x0, y0, z0), (x1, y1, z1) in segments:
        axes.plot3D(xs=[x0, x1], ys=[y0, y1], zs=[z0, z1], color=_rgb(lines[0]),
                    linewidth=lines[1])
    plt.show()
