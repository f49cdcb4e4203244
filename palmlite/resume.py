"""Reading back a records file to continue the run that wrote it (``--resume``).

A run flushes every record as soon as it is written, so after a crash, Ctrl-C or ``kill`` the
file holds complete records plus, at worst, one truncated last line. An image is done when its
record is there; a video only once its ``video_end`` record is: the frame records of a video
without one are removed, and the video is tracked again from its first frame.

Any other line that is not a record of the same command means the file is not palmlite's
output (a mistyped ``-o``): it is refused before a byte of it changes.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ._atomic import publish, temporary_sibling
from .inputs import resume_key
from .records import record_kind

__all__ = ["ForeignFileError", "RecordsScan", "repair", "scan_records"]

# json.dumps keeps the key order, and every record starts with its schema version.
_RECORD_START = b'{"schema_version": '


class ForeignFileError(Exception):
    """The file holds something that is not a palmlite record of this command."""


@dataclass(frozen=True)
class RecordsScan:
    """What a records file holds: the inputs it has finished and what a crash left behind."""

    finished: frozenset[str]
    unfinished: frozenset[str]  # videos with frame records but no video_end
    truncated: bool  # a cut last line
    unterminated: bool  # a complete last record without its newline

    @property
    def needs_repair(self) -> bool:
        return self.truncated or self.unterminated or bool(self.unfinished)


def scan_records(path: Path, command: str) -> RecordsScan:
    """Read ``path`` (without changing it) for the :func:`~palmlite.inputs.resume_key` of
    every input it holds as done. Raises :class:`ForeignFileError` for a file that is not
    palmlite output of ``command``."""
    finished: set[str] = set()
    started: set[str] = set()
    truncated = unterminated = False
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, 1):
            try:
                record = json.loads(raw)
                kind = record_kind(record, command)
            except (ValueError, UnicodeDecodeError):
                kind = None
            if kind is None:
                # Only the last line can lack its newline; it is a cut record if it starts
                # like every record does (so a one-line foreign file is not taken for one).
                if not raw.endswith(b"\n") and (
                    raw.startswith(_RECORD_START) or _RECORD_START.startswith(raw)
                ):
                    truncated = True
                    continue
                raise ForeignFileError(
                    f"{path}, line {number}: not a palmlite {command} record; not touching it"
                )
            unterminated = not raw.endswith(b"\n")
            key = resume_key(record["file"])
            if kind == "frame":
                started.add(key)
            else:  # "image" or "video_end": this input is finished
                finished.add(key)
    return RecordsScan(frozenset(finished), frozenset(started - finished), truncated,
                       unterminated)


def repair(path: Path, command: str, scan: RecordsScan, report: Callable[[str], None]) -> None:
    """Remove what a crash left in ``path`` (a truncated last line, the frames of unfinished
    videos), telling ``report`` what went. Does nothing if nothing needs it."""
    if not scan.needs_repair:
        return
    _rewrite_without(path, command, scan.unfinished)
    if scan.truncated:
        report(f"palmlite: {path}: removed a truncated last line")
    if scan.unfinished:
        report(f"palmlite: {path}: removed the frames of {len(scan.unfinished)} unfinished "
               "video(s); they are tracked again")


def _rewrite_without(path: Path, command: str, unfinished: frozenset[str]) -> None:
    """Rewrite ``path`` keeping its complete records except those of ``unfinished`` inputs,
    atomically (a crash here loses nothing either)."""
    mode = path.stat().st_mode
    temporary = temporary_sibling(path)
    try:
        with temporary.open("wb") as out, path.open("rb") as lines:
            for raw in lines:
                try:
                    record = json.loads(raw)
                except (ValueError, UnicodeDecodeError):
                    continue  # the truncated last line
                if (record_kind(record, command) is None
                        or resume_key(record["file"]) in unfinished):
                    continue
                out.write(raw if raw.endswith(b"\n") else raw + b"\n")
            out.flush()
            os.fsync(out.fileno())
        publish(temporary, path, replace=True)
        os.chmod(path, stat.S_IMODE(mode))
    finally:
        temporary.unlink(missing_ok=True)
