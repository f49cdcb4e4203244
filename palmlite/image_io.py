"""Decoding images the way photo viewers show them, and saving drawings the way they came.

- **Upright.** Images decoded from a path, bytes or a file object are turned by their EXIF
  Orientation tag (all eight values, mirrored ones too), like ``cv2.imread``, browsers and photo
  viewers do; a phone photo taken in portrait is then portrait here too. ``PIL.Image`` objects
  a caller passes are taken as they are: they may already be upright (or deliberately not);
  ``PIL.ImageOps.exif_transpose(image)`` turns one upright.
- **Not a video.** A file that is a video gets a message pointing to ``palmlite track``
  instead of Pillow's "cannot identify image file".
- **Kept as it came.** :func:`save_annotated` writes a drawing in the input's format, with
  its alpha channel and its EXIF (orientation reset: the pixels are upright now) and ICC
  metadata where the format carries them.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image, ImageOps

from ._atomic import publish, temporary_sibling

__all__ = [
    "BytesLike",
    "looks_like_video",
    "open_image",
    "save_annotated",
]

# Names of video files, for the "it is a video" message when a file does not decode.
_VIDEO_NAMES = frozenset({".mp4", ".m4v", ".mov", ".mkv", ".avi", ".webm", ".mpg", ".mpeg",
                          ".ts", ".m2ts", ".3gp", ".flv", ".wmv"})

BytesLike = bytes | bytearray | memoryview

_ORIENTATION = 0x0112
# Container signatures of common video formats, for a clear "this is a video" message:
# ISO-BMFF (MP4, MOV, 3GP) has "ftyp" at offset 4, Matroska/WebM starts with the EBML magic,
# AVI is a RIFF file of type "AVI ", MPEG-PS starts with a pack header, FLV with "FLV".
_EBML = b"\x1a\x45\xdf\xa3"
_MPEG_PS = b"\x00\x00\x01\xba"


def looks_like_video(head: bytes, name: str = "") -> bool:
    """Whether a file with these first bytes (16 are enough) and this name is a video."""
    return (
        head[4:8] == b"ftyp" and head[8:12] not in (b"avif", b"avis", b"heic", b"heix", b"mif1")
    ) or head.startswith((_EBML, _MPEG_PS, b"FLV")) or (
        head.startswith(b"RIFF") and head[8:12] == b"AVI "
    ) or Path(name).suffix.lower() in _VIDEO_NAMES


def _describe(source: object) -> str:
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"from {len(source)} bytes"
    return f"from {type(source).__name__} {getattr(source, 'name', '')!s}".rstrip()


def open_image(source: str | os.PathLike[str] | BytesLike | BinaryIO) -> Image.Image:
    """Decode an image file, encoded bytes or a binary file object, upright.

    Returns a loaded ``PIL.Image`` in its own mode (RGB, RGBA, L, P, I;16 ...), with the input's
    ``format`` and ``info`` (EXIF, ICC profile) kept. Raises ``FileNotFoundError`` for a missing
    path or a directory and ``ValueError`` (naming the source) for anything that does not decode,
    a video among them.
    """
    name = os.fspath(source) if isinstance(source, (str, os.PathLike)) else ""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not name:
            # Path("") is ".", the current directory: say what really came.
            raise FileNotFoundError("image path is empty")
        if path.is_dir():
            # Still FileNotFoundError (what callers catch for a bad path), but say why.
            raise FileNotFoundError(f"image path is a directory, not a file: {path}")
        if not path.is_file():
            raise FileNotFoundError(f"image file not found: {path}")
        stream: BinaryIO = path.open("rb")
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if not data:
            raise ValueError("cannot read an image from 0 bytes")
        stream = io.BytesIO(data)
    else:
        stream = source
    try:
        return _decode(stream, source, name)
    finally:
        if isinstance(source, (str, os.PathLike)):
            stream.close()


def _decode(stream: BinaryIO, source: object, name: str) -> Image.Image:
    start = stream.tell() if stream.seekable() else None
    head = stream.read(16) if start is not None else b""
    if start is not None:
        stream.seek(start)
    try:
        with Image.open(stream) as opened:
            opened.load()
            upright = ImageOps.exif_transpose(opened)
            # exif_transpose returns a copy only when it turned something; keep the
            # format (the annotated copy is saved in it) either way.
            upright = upright if upright is not opened else opened.copy()
            upright.format = opened.format
            return upright
    except MemoryError:
        raise
    except Exception as exc:
        # Pillow's decoders fail on corrupt files with many exception types (OSError,
        # SyntaxError, EOFError, struct.error, DecompressionBombError...): all mean "this
        # input is not a usable image", which callers handle as ValueError.
        if looks_like_video(head, name):
            raise ValueError(
                f"cannot read image {_describe(source)}: it is a video; use palmlite.read_video "
                "with a HandTracker (command line: palmlite track)"
            ) from exc
        raise ValueError(f"cannot read image {_describe(source)}: {exc}") from exc


def _metadata(original: Image.Image, format_name: str) -> dict[str, Any]:
    """Save options carrying ``original``'s EXIF and ICC profile, for formats that hold them."""
    options: dict[str, Any] = {}
    if format_name not in ("JPEG", "PNG", "WEBP", "TIFF"):
        return options
    icc = original.info.get("icc_profile")
    if icc:
        options["icc_profile"] = icc
    exif = original.getexif()
    if len(exif):
        # The pixels are upright now: a kept orientation tag would turn them a second time.
        exif[_ORIENTATION] = 1
        options["exif"] = exif.tobytes()
    if format_name == "JPEG":
        options["quality"] = 90
    return options


def _alpha(original: Image.Image) -> Image.Image | None:
    if original.mode in ("RGBA", "LA", "PA") or "transparency" in original.info:
        return original.convert("RGBA").getchannel("A")
    return None


def save_annotated(picture: Image.Image, original: Image.Image, target: Path, *,
                   replace: bool = False) -> None:
    """Save ``picture`` (an RGB drawing on ``original``'s upright pixels) at ``target``.

    The format comes from ``target``'s suffix; ``original``'s alpha channel (when the format
    has one), EXIF (orientation reset to 1) and ICC profile are carried over. Written to a
    temporary file and moved into place, so ``target`` is never left half-written; an
    existing ``target`` is replaced only with ``replace=True`` (else ``FileExistsError``).
    """
    format_name = Image.registered_extensions().get(target.suffix.lower())
    if format_name is None or format_name not in Image.SAVE:
        raise ValueError(f"cannot write {target}: Pillow has no writer for its suffix")
    alpha = _alpha(original)
    if alpha is not None and format_name in ("PNG", "WEBP", "TIFF", "GIF"):
        picture = picture.convert("RGBA")
        picture.putalpha(alpha)
    temporary = temporary_sibling(target)
    try:
        picture.save(temporary, format=format_name, **_metadata(original, format_name))
        publish(temporary, target, replace=replace)
    finally:
        temporary.unlink(missing_ok=True)
