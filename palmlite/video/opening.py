"""Opening a video source as a PyAV container: files, stdin and pipes (streamed, or spooled
when an MP4's index comes last), URLs (FFmpeg fetches them; spooled through FFmpeg's ``data``
demuxer when an HTTP server ignores Range requests) and file objects."""

from __future__ import annotations

import contextlib
import errno
import io
import itertools
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .sources import (
    _CHUNK,
    _TIFF_MAGIC,
    STDIN,
    URL_SCHEMES,
    SupportsRead,
    VideoSource,
    _describe,
    _drain,
    _Guard,
    _index_after_data,
    _is_fifo,
    _mask,
    _SeekableReader,
    _spooled,
    _still_image_message,
    _stream_read,
    _StreamReader,
    url_scheme,
)

__all__ = ["open_source"]


# -- opening ------------------------------------------------------------------------------------


@dataclass
class _Opened:
    """An open input: the PyAV container, how to name it, whether it comes over the network,
    and the reader feeding FFmpeg from Python (if any), whose caught exception must be
    re-raised after each PyAV call."""

    container: Any
    name: str
    reader: _Guard | None = None
    network: bool = False
    #: Packets of the first video stream when some were read ahead while opening.
    packets: Iterator[Any] | None = None

    def check(self) -> None:
        if self.reader is not None:
            self.reader.reraise()


def _error(av: Any, exc: Exception, name: str, network: bool, what: str) -> Exception:
    """The exception :func:`read_video` raises for a PyAV error: ``OSError`` for network
    failures (refused, timed out, HTTP errors, dropped), ``ValueError`` for data that is not a
    decodable video. FFmpeg's message names the URL as given: its password is masked (and
    :func:`_cause` keeps such an exception out of the chain)."""
    detail = _mask(str(exc))
    if network and not isinstance(exc, av.error.InvalidDataError):
        error: Exception = OSError(f"cannot {what} {name}: {detail}")
    else:
        error = ValueError(f"cannot {what} video {name}: {detail}")
    return error


def _cause(exc: Exception) -> Exception | None:
    """What to chain an error to: the PyAV error, unless its message shows a password."""
    return exc if _mask(str(exc)) == str(exc) else None


def _open_container(av: Any, target: Any, name: str, *, network: bool = False,
                    reader: _Guard | None = None, **kwargs: Any) -> Any:
    try:
        container = av.open(target, mode="r", **kwargs)
    except av.error.FFmpegError as exc:
        if reader is not None:
            reader.reraise()
        raise _error(av, exc, name, network, "read") from _cause(exc)
    if reader is not None:
        try:
            reader.reraise()
        except BaseException:
            container.close()
            raise
    return container


def _open_stream(av: Any, stream: SupportsRead, name: str, stack: contextlib.ExitStack,
                 options: Mapping[str, str] | None) -> _Opened:
    """A non-seekable stream: sniff its head, then decode it as it comes or spool it."""
    reader = _StreamReader(_stream_read(stream))
    head = reader.peek(16)
    if head.startswith(_TIFF_MAGIC):  # FFmpeg's TIFF demuxer cannot read a pipe at all
        raise ValueError(_still_image_message(name))
    if _index_after_data(reader):
        path = stack.enter_context(_spooled(_drain(reader)))
        return _opened_path(av, path, name, stack)
    container = _open_container(av, reader, name, reader=reader, options=dict(options or {}))
    stack.callback(container.close)
    return _Opened(container, name, reader)


def _opened_path(av: Any, path: Path, name: str, stack: contextlib.ExitStack) -> _Opened:
    container = _open_container(av, str(path), name)
    stack.callback(container.close)
    return _Opened(container, name)


def _open_url(av: Any, url: str, name: str, stack: contextlib.ExitStack,
              timeout: float | None, options: Mapping[str, str] | None) -> _Opened:
    scheme = url_scheme(url)
    if scheme not in URL_SCHEMES:
        raise ValueError(f"cannot read video {name}: unsupported URL scheme {scheme!r} "
                         f"(supported: {', '.join(sorted(URL_SCHEMES))})")
    kwargs: dict[str, Any] = {"options": dict(options or {}), "timeout": timeout}
    http = scheme in ("http", "https")
    try:
        container = av.open(url, mode="r", **kwargs)
    except av.error.FFmpegError as exc:
        if not (http and _range_ignored(av, exc)):
            raise _error(av, exc, name, True, "read") from _cause(exc)
        return _spool_url_or_raise(av, url, name, stack, kwargs, exc)
    stack.callback(container.close)
    opened = _Opened(container, name, network=True)
    if http and "mp4" in str(container.format.name) and container.streams.video:
        # FFmpeg reads past the sample data to an index at the end even when the server
        # ignores Range requests, so opening succeeds; the first packet then needs a seek
        # back, which fails. Read it here, before any frame is yielded, to fall back cleanly.
        packets = container.demux(container.streams.video[0])
        try:
            first = next(packets, None)
        except av.error.FFmpegError as exc:
            if not _range_ignored(av, exc):
                raise _error(av, exc, name, True, "read") from _cause(exc)
            container.close()
            return _spool_url_or_raise(av, url, name, stack, kwargs, exc)
        opened.packets = itertools.chain([] if first is None else [first], packets)
    return opened


def _range_ignored(av: Any, exc: Exception) -> bool:
    """Whether an FFmpeg error is what an MP4 with its index at the end gives when the server
    ignores Range requests (Python's http.server does): "Invalid data found", or an I/O
    error where FFmpeg tried to seek."""
    return isinstance(exc, av.error.InvalidDataError) or (
        isinstance(exc, OSError) and exc.errno == errno.EIO)


def _spool_url_or_raise(av: Any, url: str, name: str, stack: contextlib.ExitStack,
                        kwargs: dict[str, Any], exc: Exception) -> _Opened:
    path = _spool_url(av, url, name, stack, kwargs)
    if path is None:  # not an MP4 with its index at the end: spooling would not help
        raise _error(av, exc, name, True, "read") from _cause(exc)
    return _opened_path(av, path, name, stack)


def _spool_url(av: Any, url: str, name: str, stack: contextlib.ExitStack,
               kwargs: dict[str, Any]) -> Path | None:
    """Fetch ``url`` to a temporary file through FFmpeg's ``data`` demuxer (raw bytes as
    packets: FFmpeg does the HTTP, palmlite imports no network library). None if the body is
    not an MP4 with its index after the data, which spooling would not help."""
    options = {**kwargs["options"], "raw_packet_size": str(_CHUNK)}
    try:
        raw = av.open(url, mode="r", format="data", options=options, timeout=kwargs["timeout"])
    except av.error.FFmpegError as exc:
        raise _error(av, exc, name, True, "read") from _cause(exc)
    with raw:
        packets = raw.demux()

        def read(size: int) -> bytes:
            for packet in packets:
                if packet.size:
                    return bytes(packet)
            return b""

        reader = _StreamReader(read)
        try:
            if not _index_after_data(reader):
                return None
            return stack.enter_context(_spooled(_drain(reader)))
        except av.error.FFmpegError as exc:
            raise _error(av, exc, name, True, "read") from _cause(exc)


def _open_file(av: Any, path: Path, name: str, stack: contextlib.ExitStack,
               options: Mapping[str, str] | None) -> _Opened:
    if _is_fifo(path):  # a named pipe, /dev/stdin, <(command): read once, like stdin
        stream = stack.enter_context(path.open("rb"))
        return _open_stream(av, stream, name, stack, options)
    if path.is_dir():
        raise FileNotFoundError(f"video file not found: {name} is a directory")
    if not path.is_file():
        raise FileNotFoundError(f"video file not found: {name}")
    container = _open_container(av, str(path), name, options=dict(options or {}))
    stack.callback(container.close)
    return _Opened(container, name)


def _open_object(av: Any, stream: SupportsRead, name: str, stack: contextlib.ExitStack,
                 options: Mapping[str, str] | None) -> _Opened:
    anything: object = stream  # text files have a read() too, returning str
    if isinstance(anything, io.TextIOBase):
        raise TypeError(f"read_video needs a binary file object, got a text one ({name}): "
                        "open it with 'rb' or pass .buffer")
    seekable = getattr(stream, "seekable", None)
    if callable(seekable) and seekable() and callable(getattr(stream, "tell", None)):
        # FFmpeg seeks a seekable object itself (absolute offsets: it is read from its start),
        # so an MP4 with its index at the end needs no spooling.
        reader = _SeekableReader(stream)
        container = _open_container(av, reader, name, reader=reader,
                                    options=dict(options or {}))
        stack.callback(container.close)
        return _Opened(container, name, reader)
    return _open_stream(av, stream, name, stack, options)


def open_source(av: Any, source: VideoSource, stack: contextlib.ExitStack,
                 timeout: float | None, options: Mapping[str, str] | None) -> _Opened:
    name = _describe(source)
    if isinstance(source, str) and source == STDIN:
        stdin: Any = sys.stdin
        if stdin is None:  # pythonw, or a service started without one
            raise ValueError("cannot read video from stdin: there is no stdin")
        # A redirected file (``< clip.mp4``) is seekable and read directly; a pipe streams.
        return _open_object(av, getattr(stdin, "buffer", stdin), name, stack, options)
    if isinstance(source, str) and url_scheme(source) is not None:
        return _open_url(av, source, name, stack, timeout, options)
    if isinstance(source, (str, os.PathLike)):
        return _open_file(av, Path(source), name, stack, options)
    if callable(getattr(source, "read", None)):
        return _open_object(av, source, name, stack, options)
    raise TypeError("read_video takes a path, '-' (stdin), a URL or a binary file object, "
                    f"got {type(source).__name__}")


