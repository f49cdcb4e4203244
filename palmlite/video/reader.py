"""Decoding a video source frame by frame: :func:`read_video`."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator, Mapping
from typing import Any

from .opening import _cause, _error, _Opened, open_source
from .sources import (
    _NETWORK_TIMEOUT,
    VideoFrame,
    VideoSource,
    _import_av,
    _still_image_message,
)

__all__ = ["read_video"]

# -- decoding -----------------------------------------------------------------------------------

#: FFmpeg demuxers of image formats: every ``*_pipe`` one (png_pipe, jpeg_pipe, webp_pipe...),
#: ``image2`` and ``image2pipe``, plus those that may hold one image or an animation.
_IMAGE_DEMUXERS = frozenset({"image2", "image2pipe", "gif", "apng", "webp"})
#: ISO-BMFF brands of still images (AVIF and HEIF open through FFmpeg's MP4 demuxer).
_IMAGE_BRANDS = frozenset({"avif", "heic", "heix", "mif1"})
#: A backward jump of presentation times larger than this is a discontinuity (an MPEG-TS
#: timestamp wrap after 26.5 h, concatenated segments, a restarted encoder), not jitter.
_DISCONTINUITY_MS = 1000.0


def _may_be_image(container: Any) -> bool:
    fmt = str(container.format.name)
    if fmt in _IMAGE_DEMUXERS or fmt.endswith("_pipe"):
        return True
    brand = str(container.metadata.get("major_brand", "")).strip().lower()
    return brand in _IMAGE_BRANDS


def _frames(av: Any, opened: _Opened) -> Iterator[VideoFrame]:
    container, name = opened.container, opened.name
    if not container.streams.video:
        raise ValueError(f"no video stream in {name}")
    stream = container.streams.video[0]
    rate = float(stream.average_rate) if stream.average_rate else 30.0
    step = 1000.0 / rate
    packets = container.demux(stream) if opened.packets is None else opened.packets
    decoded: Iterator[Any] = (frame for packet in packets for frame in packet.decode())
    previous: float | None = None
    offset = 0.0
    try:
        if _may_be_image(container):
            # An image demuxer with exactly one frame is a photo; several frames (an MJPEG
            # stream, an animated GIF or PNG) are a video.
            first = list(itertools.islice(decoded, 2))
            opened.check()
            if len(first) == 1:
                raise ValueError(_still_image_message(name))
            decoded = itertools.chain(first, decoded)
        for index, frame in enumerate(decoded):
            opened.check()  # Ctrl-C or a read error while FFmpeg was reading stdin
            if frame.pts is not None and frame.time_base is not None:
                timestamp = float(frame.pts * frame.time_base * 1000) + offset
            else:
                timestamp = 0.0 if previous is None else previous + step
            if previous is not None and timestamp <= previous:
                if previous - timestamp > _DISCONTINUITY_MS:
                    offset += previous + step - timestamp  # continue from here on
                timestamp = previous + step  # keep timestamps increasing
            previous = timestamp
            yield VideoFrame(index, timestamp, frame.to_ndarray(format="rgb24"))
        opened.check()
    except av.error.FFmpegError as exc:
        opened.check()
        raise _error(av, exc, name, opened.network, "decode") from _cause(exc)


def read_video(source: VideoSource, *, timeout: float | None = _NETWORK_TIMEOUT,
               options: Mapping[str, str] | None = None) -> Iterator[VideoFrame]:
    """Yield the frames of the first video stream of ``source`` in order, as they are decoded.

    ``source`` is one of:

    - a path (``str`` or ``os.PathLike``); a named pipe (``/dev/stdin``, ``<(command)``) is
      read once, like stdin;
    - ``"-"``: the binary stream on stdin (``sys.stdin.buffer``): a redirected file
      (``< clip.mp4``) is read like a file, a pipe as it comes (``Path("-")`` is a file named
      ``-``);
    - a URL whose scheme is in :data:`URL_SCHEMES` (``http``, ``https``, ``rtsp``, ``rtmp``,
      ``udp``, ``tcp``, ``srt``...), fetched by FFmpeg; ``timeout`` is how many seconds it may
      wait to connect or for the next packet (``None``: forever);
    - a readable binary file object: a seekable one is read from its start (it is not closed),
      a non-seekable one as it comes.

    Everything is read lazily, so a live source that never ends can be consumed frame by frame;
    the exception is an MP4/MOV with its index at the end arriving through stdin, a pipe, a
    non-seekable object or an HTTP server ignoring Range requests: it is first copied to a
    temporary file (see the module docstring). Closing the generator (``close()``, leaving a
    ``for`` loop by ``break`` or an exception, Ctrl-C, an exception from a SIGTERM handler)
    closes the input and deletes any temporary file. While FFmpeg itself waits on the network,
    Python cannot interrupt it: Ctrl-C then takes effect with the next packet or after
    ``timeout``. ``options`` are passed to FFmpeg (``{"rtsp_transport": "tcp"}``,
    ``{"tls_verify": "1", "ca_file": ...}``: FFmpeg does not verify TLS certificates unless
    told to).

    Timestamps are the stream's presentation times in milliseconds, as FFmpeg gives them: MP4
    and Matroska files usually start at 0; MPEG-TS, fragmented MP4 and live streams joined midway
    may start later. They always increase: a frame without a time, or not after the previous
    one, is placed one nominal frame period after it, and a backward jump of more than a second
    (an MPEG-TS wrap, a restarted stream) shifts the following frames to continue from there.

    Still images are not videos: an image format holding exactly one frame (JPEG, PNG, BMP,
    WebP, TIFF, a one-frame GIF or APNG, AVIF/HEIF) raises ``ValueError("... is a still image,
    not a video ...")``; animated GIF and APNG, and concatenated JPEGs (MJPEG), are videos.
    (FFmpeg cannot decode animated WebP, nor read APNG or TIFF from a pipe: ``ValueError``.)

    Raises ``FileNotFoundError`` for a missing file, ``ValueError`` (naming the source) for
    input that is not a decodable video, ``OSError`` for a network source that fails (refused,
    HTTP error, timed out, dropped), ``TypeError`` for an unsupported source type and
    ``ImportError`` (naming the extra) without PyAV. Errors come at the first ``next()``.
    """
    av = _import_av()
    with contextlib.ExitStack() as stack:
        opened = open_source(av, source, stack, timeout, options)
        yield from _frames(av, opened)


