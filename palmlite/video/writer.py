"""Writing annotated frames to MP4 (:class:`VideoWriter`), and what a file's header says
(:func:`probe_video`)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .._atomic import publish, temporary_sibling
from .sources import VideoSource, _import_av, is_stream_source

__all__ = ["VIDEO_ENCODERS", "VideoInfo", "VideoWriter", "available_encoders", "probe_video"]

# -- writing ------------------------------------------------------------------------------------

#: Encoders for annotated videos, best first: H.264 if the FFmpeg bundled with PyAV has it
#: (PyAV's wheels do), else FFmpeg's own MPEG-4 part 2 encoder, which every FFmpeg build has.
VIDEO_ENCODERS: tuple[str, ...] = ("libx264", "mpeg4")


def available_encoders() -> list[str]:
    """The :data:`VIDEO_ENCODERS` the installed PyAV can use, best first."""
    av = _import_av()
    found = []
    for name in VIDEO_ENCODERS:
        try:
            av.codec.Codec(name, "w")
        except Exception:  # UnknownCodecError, or a build without that encoder
            continue
        found.append(name)
    return found


@dataclass(frozen=True)
class VideoInfo:
    """What a container's header says: frame count and mean frame rate, ``None`` where the
    header does not say (streams, some containers)."""

    frames: int | None
    rate: Fraction | None


def probe_video(source: VideoSource) -> VideoInfo:
    """Frame count and frame rate of the first video stream of a file, from the header only.
    Never raises: anything unreadable gives ``VideoInfo(None, None)`` (decoding reports it).

    Sources that can be read only once (``"-"``, URLs, named pipes, file objects: see
    :func:`is_stream_source`) are not opened at all and give ``VideoInfo(None, None)``:
    probing stdin would eat the head of the stream, and probing a URL would connect twice.
    """
    if is_stream_source(source) or not isinstance(source, (str, os.PathLike)):
        return VideoInfo(None, None)
    try:
        av = _import_av()
        with av.open(os.fspath(source)) as container:
            stream = container.streams.video[0]
            frames = int(stream.frames) or None
            rate = Fraction(stream.average_rate) if stream.average_rate else None
            return VideoInfo(frames, rate)
    except Exception:  # any failure here just means "unknown"
        return VideoInfo(None, None)


class VideoWriter:
    """RGB frames to an MP4 file with PyAV, at the frames' own timestamps (millisecond time
    base, so variable frame rates survive).

    The file is written under a temporary name in the target's folder and appears at ``path``
    only when :meth:`close` succeeds, so an interrupted or failed run never leaves a truncated
    video there and never replaces an existing file unless ``replace=True``. :meth:`discard`
    drops what was written. The encoder is chosen at the first frame: the first of
    ``encoders`` that opens for that frame size wins.
    """

    def __init__(self, path: str | os.PathLike[str], *, rate: Fraction | None = None,
                 encoders: Sequence[str] | None = None, replace: bool = False) -> None:
        self._av = _import_av()
        self.path = Path(path)
        self._encoders = list(available_encoders() if encoders is None else encoders)
        self._rate = rate or Fraction(30)
        self._replace = replace
        self._temporary: Path | None = None
        self._container: Any = None
        self._stream: Any = None
        self._first_ms = 0.0
        self._last_pts = -1
        self.encoder: str | None = None
        self.frames = 0

    def _open(self, encoder: str, width: int, height: int) -> None:
        if self._temporary is None:
            self._temporary = temporary_sibling(self.path)
        self._container = self._av.open(str(self._temporary), mode="w", format="mp4")
        if encoder == "libx264":
            options = {"crf": "20", "preset": "veryfast"}
            # yuv420p (what every player takes) needs even sizes; odd ones keep full chroma
            # rather than lose a pixel row, so the output has the input's exact size.
            pix_fmt = "yuv420p" if width % 2 == 0 and height % 2 == 0 else "yuv444p"
        else:
            options, pix_fmt = {}, "yuv420p"
        stream = self._container.add_stream(encoder, rate=self._rate, options=options)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if encoder != "libx264":
            # MPEG-4's default 200 kb/s smears the drawing; ~4 bits per pixel-second is clean.
            stream.bit_rate = max(1_000_000, width * height * 4)
        stream.time_base = Fraction(1, 1000)
        self._stream = stream
        self.encoder = encoder

    def _encode(self, frame: Any) -> None:
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def write(self, rgb: npt.NDArray[np.uint8], timestamp_ms: float) -> None:
        """Append one ``(H, W, 3)`` uint8 RGB frame shown at ``timestamp_ms``."""
        av = self._av
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        if self.frames == 0:
            self._first_ms = timestamp_ms
        # Strictly increasing integer pts, as the muxer requires.
        pts = max(round(timestamp_ms - self._first_ms), self._last_pts + 1)
        frame.pts, frame.time_base = pts, Fraction(1, 1000)
        if self._stream is None:
            errors = []
            for encoder in self._encoders:
                try:
                    self._open(encoder, rgb.shape[1], rgb.shape[0])
                    self._encode(frame)
                    break
                except av.error.FFmpegError as exc:  # encoder refuses this size/format
                    errors.append(f"{encoder}: {exc}")
                    self._close_container()
            else:
                self.discard()
                raise OSError(f"cannot encode {self.path}: " + "; ".join(errors or
                              ["no H.264 or MPEG-4 encoder in PyAV's FFmpeg"]))
        else:
            try:
                self._encode(frame)
            except av.error.FFmpegError as exc:
                raise OSError(f"cannot encode {self.path}: {exc}") from exc
        self._last_pts = pts
        self.frames += 1

    def _close_container(self) -> None:
        if self._container is not None:
            # Closing a half-written container may fail too; its content is dropped anyway.
            with contextlib.suppress(Exception):
                self._container.close()
        self._container = self._stream = None
        self.encoder = None

    def close(self) -> None:
        """Flush the encoder, finish the file and move it to ``path``. Raises
        ``FileExistsError`` if ``path`` appeared meanwhile and ``replace`` is false (the
        temporary file is then removed). No-op if no frame was written."""
        if self._container is None:
            self.discard()
            return
        container, self._container = self._container, None
        try:
            for packet in self._stream.encode(None):  # the encoder's delayed frames
                container.mux(packet)
            container.close()
        except self._av.error.FFmpegError as exc:
            self.discard()
            raise OSError(f"cannot finish {self.path}: {exc}") from exc
        finally:
            self._stream = None
        temporary = self._temporary
        if temporary is not None:
            try:
                publish(temporary, self.path, replace=self._replace)
            finally:
                self.discard()  # removes the temporary file if publishing failed

    def discard(self) -> None:
        """Drop everything written so far; ``path`` is left as it was."""
        self._close_container()
        if self._temporary is not None:
            self._temporary.unlink(missing_ok=True)
            self._temporary = None
