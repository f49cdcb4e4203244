"""Turning the command line's input arguments into the list of inputs a run works on.

A file argument is one input, whatever its name; a folder contributes its files with the
command's suffixes (sorted, hidden files and folders left out; subfolders with
``recursive``). For ``track``, ``-`` (standard input) and URLs (``http://``, ``rtsp://``...)
are inputs too. Each input appears once, however many arguments name it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .video.sources import STDIN, is_stream_source, url_scheme

__all__ = [
    "IMAGE_SUFFIXES",
    "STDIN",
    "VIDEO_SUFFIXES",
    "Input",
    "InputFolder",
    "expand_inputs",
    "is_live",
    "is_stream",
    "resume_key",
]

#: What a folder contributes to ``palmlite detect`` (lower-case suffixes); files named
#: explicitly are always tried, whatever their name.
IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm", ".pnm"}
)
#: What a folder contributes to ``palmlite track``.
VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".mkv", ".avi", ".webm", ".mpg", ".mpeg"})
# URLs whose content can be fetched again from its start; other schemes are live streams.
_REPLAYABLE_SCHEMES = frozenset({"http", "https", "ftp"})


def is_stream(argument: str) -> bool:
    """Whether ``argument`` names a stream rather than a file: ``-`` or a URL (``scheme://``;
    :func:`palmlite.read_video` says which schemes it reads)."""
    return argument == STDIN or url_scheme(argument) is not None


def is_live(argument: str) -> bool:
    """Whether ``argument`` is a live source, which cannot be read again from its start:
    standard input, a named pipe, and stream protocols (``rtsp://``, ``rtmp://``, ``udp://``,
    ``srt://``...). Files and ``http(s)://`` and ``ftp://`` URLs can."""
    return is_stream_source(argument) and url_scheme(argument) not in _REPLAYABLE_SCHEMES


def resume_key(argument: str | Path) -> str:
    """How ``--resume`` recognizes an input in records: streams by their text, files by their
    absolute path (case-normalized on case-insensitive systems), so ``./a.jpg`` and ``a.jpg``
    are the same input."""
    text = os.fspath(argument)
    return text if is_stream(text) else os.path.normcase(os.path.abspath(text))


@dataclass(frozen=True)
class Input:
    """One input of a run.

    - ``name``: how records name it (the argument, or the folder argument joined with the
      file's path inside it).
    - ``path``: the file, or ``None`` for a stream (``-``, a URL).
    - ``key``: :func:`resume_key` of ``name``.
    - ``relative``: its path inside the folder argument it came from (a file or stream: its
      own name), which names its annotated output.
    - ``from_folder``: whether a folder argument contributed it.
    """

    name: str
    path: Path | None
    key: str
    relative: Path
    from_folder: bool


@dataclass(frozen=True)
class InputFolder:
    """A folder argument and whether its subfolders were scanned too."""

    path: Path
    recursive: bool


def _stream_input(argument: str) -> Input:
    if argument == STDIN:
        relative = Path("stdin")
    else:
        # The last part of the URL's path ("rtsp://cam/live/main" -> "main"), for naming
        # the annotated video; the host when the path is empty.
        tail = argument.split("://", 1)[1].split("?", 1)[0].rstrip("/")
        relative = Path(tail.rsplit("/", 1)[-1] or "stream")
    return Input(argument, None, resume_key(argument), relative, False)


def expand_inputs(
    arguments: Sequence[str], suffixes: frozenset[str], *, recursive: bool, what: str,
    streams: bool, report: Callable[[str], None],
) -> tuple[list[Input], list[InputFolder], int]:
    """The inputs ``arguments`` name, the folders among them, and how many arguments named
    nothing usable (each reported through ``report``).

    ``what`` names the kind of file in messages (``"image"``); ``streams`` accepts ``-`` and
    URLs.
    """
    inputs: list[Input] = []
    folders: list[InputFolder] = []
    seen: set[str] = set()
    bad = 0

    def add(item: Input) -> None:
        if item.key not in seen:
            seen.add(item.key)
            inputs.append(item)

    for argument in arguments:
        root = Path(argument)
        if not argument:
            # Path("") is the current folder: an empty argument (an unset shell variable)
            # would silently process whatever is there.
            report("palmlite: an input path is empty")
            bad += 1
        elif streams and is_stream(argument):
            add(_stream_input(argument))
        elif root.is_dir():
            folders.append(InputFolder(root, recursive))
            walker = root.rglob("*") if recursive else root.glob("*")
            found = sorted(
                p for p in walker
                if p.is_file() and p.suffix.lower() in suffixes
                and not any(part.startswith(".") for part in p.relative_to(root).parts)
            )
            if not found:
                hint = "" if recursive else " (--recursive looks into subfolders)"
                report(f"palmlite: no {what} files in {root}{hint}")
                bad += 1
            for path in found:
                add(Input(str(path), path, resume_key(path), path.relative_to(root), True))
        elif root.exists():
            add(Input(argument, root, resume_key(root), Path(root.name), False))
        else:
            report(f"palmlite: {argument}: no such file or directory")
            bad += 1
    return inputs, folders, bad
