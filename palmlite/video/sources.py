"""What a video source is (a path, ``"-"``, a URL, a file object) and the readers that hand
its bytes to FFmpeg, including the look at a stream's head that decides whether it can be
streamed or must be spooled to a temporary file."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = ["STDIN", "URL_SCHEMES", "SupportsRead", "VideoFrame", "VideoSource",
           "is_stream_source", "url_scheme"]


@dataclass(frozen=True, eq=False)
class VideoFrame:
    """One decoded frame: its index in the stream, presentation time and RGB pixels."""

    index: int
    timestamp_ms: float
    image: npt.NDArray[np.uint8]


class SupportsRead(Protocol):
    """A readable binary file object (``open(..., "rb")``, ``io.BytesIO``, a socket file...)."""

    def read(self, size: int, /) -> bytes: ...


#: What :func:`read_video` takes: a path, ``"-"`` (stdin), a URL or a binary file object.
VideoSource: TypeAlias = "str | os.PathLike[str] | SupportsRead"

#: The source string meaning "the binary stream on stdin".
STDIN = "-"

#: URL schemes handed to FFmpeg. PyAV's wheels have all of them but ``srt`` (which needs an
#: FFmpeg built with libsrt); ``rtsp``/``rtsps`` are FFmpeg demuxers, the others protocols.
#: FFmpeg's local protocols (``file:``, ``pipe:``, ``concat:``, ``subfile:``, ``data:``...)
#: are deliberately not accepted: paths and ``"-"`` cover them.
URL_SCHEMES: frozenset[str] = frozenset({
    "http", "https", "rtsp", "rtsps", "rtmp", "rtmps", "rtmpt", "rtmpts",
    "rtp", "srtp", "udp", "udplite", "tcp", "tls", "srt", "ftp", "mmsh", "mmst",
})

_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
#: Seconds FFmpeg waits for a network source to open or to deliver the next packet.
_NETWORK_TIMEOUT = 30.0


def _import_av() -> Any:
    try:
        import av
    except ImportError as exc:
        raise ImportError(
            "reading video needs PyAV: install it with  pip install 'palmlite[video]'"
        ) from exc
    return av


def url_scheme(source: object) -> str | None:
    """The lower-case scheme of a ``scheme://`` string, else None."""
    if isinstance(source, str):
        match = _URL.match(source)
        if match:
            return match.group(1).lower()
    return None


def is_stream_source(source: object) -> bool:
    """True for sources that can only be read once, as they come: ``"-"``, URLs, FIFOs and
    file objects. :func:`probe_video` does not open them, and a caller should not either."""
    if isinstance(source, str) and (source == STDIN or url_scheme(source) is not None):
        return True
    if isinstance(source, (str, os.PathLike)):
        return _is_fifo(Path(source))
    return True


def _is_fifo(path: Path) -> bool:
    try:
        return stat.S_ISFIFO(path.stat().st_mode)
    except (OSError, ValueError):  # missing, or a name the OS refuses
        return False


_CREDENTIALS = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):[^@/\s]*@")


def _mask(text: str) -> str:
    """``text`` with the passwords of URLs in it (``rtsp://user:secret@host``) replaced."""
    return _CREDENTIALS.sub(r"\1:***@", text)


def _describe(source: object) -> str:
    """How error messages name a source; passwords in URLs are masked."""
    if isinstance(source, str) and source == STDIN:
        return "stdin"
    if url_scheme(source) is not None:
        return _mask(str(source))
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    name = getattr(source, "name", None)
    return f"file object {name!r}" if isinstance(name, str) else "file object"


def _still_image_message(name: str) -> str:
    return (f"{name} is a still image, not a video: use palmlite detect "
            "(HandLandmarker.detect) for images")



# -- sniffing the head of a stream ---------------------------------------------------------------

#: Box types an ISO-BMFF (MP4, MOV, 3GP, fragmented MP4) file starts with.
_ISO_FIRST_BOXES = frozenset({b"ftyp", b"styp", b"moov", b"mdat", b"free", b"skip", b"wide",
                              b"pdin", b"uuid", b"sidx", b"moof", b"junk", b"pnot"})
#: How far into the head the index is looked for; boxes before ``moov``/``mdat`` are small
#: (ftyp, free, wide), so an index not found by then is treated as "at the end".
_SNIFF_LIMIT = 1 << 20
_CHUNK = 1 << 16
_TIFF_MAGIC = (b"II*\x00", b"MM\x00*")


class _Guard:
    """Base of the file objects palmlite hands to PyAV. PyAV's read and seek callbacks catch
    only ``Exception`` inside a ``noexcept`` function, so a ``KeyboardInterrupt`` (Ctrl-C) or
    ``SystemExit`` (a SIGTERM handler) raised while FFmpeg waits for data would be printed as
    "Exception ignored" and lost. Subclasses catch every exception into :attr:`pending` and
    report end of file or a failed seek instead; :func:`read_video` re-raises it after each
    PyAV call."""

    def __init__(self) -> None:
        self.pending: BaseException | None = None

    def readable(self) -> bool:
        return True

    def reraise(self) -> None:
        """Raise what a callback caught, if anything."""
        if self.pending is not None:
            exc, self.pending = self.pending, None
            raise exc


class _SeekableReader(_Guard):
    """A seekable binary file object for PyAV (FFmpeg seeks it itself)."""

    def __init__(self, file: Any) -> None:
        super().__init__()
        self._file = file

    def seekable(self) -> bool:
        return True

    def read(self, size: int) -> bytes:
        if self.pending is not None:
            return b""
        try:
            chunk = self._file.read(size)
        except BaseException as exc:  # handed back to the caller, see _Guard
            self.pending = exc
            return b""
        if not isinstance(chunk, bytes):
            self.pending = TypeError(
                f"video streams must be binary: read() gave {type(chunk).__name__}")
            return b""
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        if self.pending is not None:
            return -1
        try:
            return int(self._file.seek(offset, whence))
        except BaseException as exc:  # handed back to the caller, see _Guard
            self.pending = exc
            return -1

    def tell(self) -> int:
        return int(self._file.tell())


class _StreamReader(_Guard):
    """A non-seekable binary stream for PyAV, with look-ahead: :meth:`peek` reads ahead
    without consuming, so the bytes sniffed from stdin are still delivered to FFmpeg."""

    def __init__(self, read: Callable[[int], bytes]) -> None:
        super().__init__()
        self._read = read
        self._head = bytearray()
        self._eof = False

    def _fill(self, size: int) -> bytes:
        chunk = self._read(size)
        if not isinstance(chunk, bytes):
            raise TypeError(f"video streams must be binary: read() gave {type(chunk).__name__}")
        return chunk

    def peek(self, size: int) -> bytes:
        """Up to ``size`` bytes from the current position (fewer only at end of stream)."""
        while len(self._head) < size and not self._eof:
            chunk = self._fill(max(size - len(self._head), _CHUNK))
            self._eof = not chunk
            self._head += chunk
        return bytes(self._head[:size])

    def read(self, size: int = -1) -> bytes:
        if self.pending is not None:
            return b""
        if size < 0:
            size = _CHUNK
        try:
            if not self._head:
                if self._eof:
                    return b""
                self._head += self._fill(size)
                self._eof = not self._head
            # PyAV copies the result into a buffer of ``size`` bytes: never return more.
            chunk = bytes(self._head[:size])
            del self._head[:size]
            return chunk
        except BaseException as exc:  # handed back to the caller, see _Guard
            self.pending = exc
            return b""


def _stream_read(stream: SupportsRead) -> Callable[[int], bytes]:
    # read1 returns whatever has arrived instead of waiting for a full buffer, so frames of a
    # live pipe are decoded as they come.
    read1 = getattr(stream, "read1", None)
    return read1 if callable(read1) else stream.read


def _index_after_data(reader: _StreamReader) -> bool:
    """True if the stream is ISO-BMFF (MP4/MOV) with ``mdat`` before ``moov`` (or no index in
    the first :data:`_SNIFF_LIMIT` bytes): FFmpeg cannot demux it without seeking back.

    Anything else (MPEG-TS, Matroska/WebM, raw H.264, MP4 with ``moov`` first, fragmented MP4)
    is False: FFmpeg reads it front to back.
    """
    offset = 0
    while True:
        head = reader.peek(offset + 16)
        if len(head) < offset + 8:
            return False  # ended before an index or data box: let FFmpeg say what it is
        size, kind = struct.unpack_from(">I4s", head, offset)
        if offset == 0 and kind not in _ISO_FIRST_BOXES:
            return False
        if kind in (b"moov", b"moof"):
            return False
        if kind == b"mdat":
            return True
        if size == 1:  # 64-bit size follows the type
            if len(head) < offset + 16:
                return False
            size = struct.unpack_from(">Q", head, offset + 8)[0]
        if size < 8:  # 0 = "to the end of the file" (no index can follow), or not a box
            return False
        offset += size
        if offset > _SNIFF_LIMIT:
            return True


@contextlib.contextmanager
def _spooled(chunks: Iterable[bytes]) -> Iterator[Path]:
    """Copy ``chunks`` to a new temporary file, yield its path and delete it on exit (also
    when copying fails or is interrupted)."""
    handle, name = tempfile.mkstemp(prefix="palmlite-spool-", suffix=".mp4")
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        yield path
    finally:
        path.unlink(missing_ok=True)


def _drain(reader: _StreamReader) -> Iterator[bytes]:
    while True:
        chunk = reader.read(1 << 20)
        reader.reraise()  # an interrupted or failed read must not look like a short file
        if not chunk:
            return
        yield chunk


