"""Helpers for tests that need videos in other containers than the committed clips."""

from __future__ import annotations

from pathlib import Path

import av
from conftest import DATA

CLIP = DATA / "videos" / "asl_hand_40.mp4"


def remux(target: Path, fmt: str, options: dict[str, str] | None = None,
          repeat: int = 1, clip: Path = CLIP) -> Path:
    """The committed clip's packets (no re-encoding: same pixels) in another container;
    ``repeat`` plays it several times in a row (each pass starts on a keyframe)."""
    with av.open(str(clip)) as source:
        stream = source.streams.video[0]
        packets = [p for p in source.demux(stream) if p.dts is not None]
        times = sorted(p.pts for p in packets)
        span = times[-1] - times[0] + (times[1] - times[0])  # one pass plus one frame
        with av.open(str(target), "w", format=fmt, options=options or {}) as out:
            out_stream = out.add_stream_from_template(stream)
            for round_ in range(repeat):
                for packet in packets:
                    copy = av.Packet(bytes(packet))
                    copy.pts, copy.dts = packet.pts + round_ * span, packet.dts + round_ * span
                    copy.is_keyframe, copy.time_base = packet.is_keyframe, packet.time_base
                    copy.stream = out_stream
                    out.mux(copy)
    return target
