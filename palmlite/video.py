"""Reading video files as RGB frames with timestamps (optional extra: ``palmlite[video]``).

Uses PyAV, which bundles its own FFmpeg. Frames come as ``(H, W, 3)`` uint8 RGB arrays, ready
for :meth:`palmlite.HandTracker.track`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["VideoFrame", "read_video"]


@dataclass(frozen=True, eq=False)
class VideoFrame:
    """One decoded frame: its index in the stream, presentation time and RGB pixels."""

    index: int
    timestamp_ms: float
    image: npt.NDArray[np.uint8]


def _import_av() -> Any:
    try:
        import av
    except ImportError as exc:
        raise ImportError(
            "reading video needs PyAV: install it with  pip install 'palmlite[video]'"
        ) from exc
    return av


def read_video(path: str | os.PathLike[str]) -> Iterator[VideoFrame]:
    """Yield the frames of the first video stream of ``path`` in order.

    Timestamps come from the stream's presentation times (milliseconds, first frame usually
    0); frames without one are placed one nominal frame period after the previous frame.
    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` (naming the path) for a
    file that cannot be decoded.
    """
    av = _import_av()
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"video file not found: {file}")
    try:
        container = av.open(str(file))
    except av.error.FFmpegError as exc:
        raise ValueError(f"cannot read video {file}: {exc}") from exc
    with container:
        if not container.streams.video:
            raise ValueError(f"no video stream in {file}")
        stream = container.streams.video[0]
        rate = float(stream.average_rate) if stream.average_rate else 30.0
        previous: float | None = None
        try:
            for index, frame in enumerate(container.decode(stream)):
                if frame.pts is not None and frame.time_base is not None:
                    timestamp = float(frame.pts * frame.time_base * 1000)
                else:
                    timestamp = 0.0 if previous is None else previous + 1000.0 / rate
                if previous is not None and timestamp <= previous:
                    timestamp = previous + 1000.0 / rate  # keep timestamps increasing
                previous = timestamp
                yield VideoFrame(index, timestamp, frame.to_ndarray(format="rgb24"))
        except av.error.FFmpegError as exc:
            raise ValueError(f"cannot decode video {file}: {exc}") from exc
