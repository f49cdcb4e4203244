"""Where a run's output goes, and what it may never overwrite.

The rules, checked before anything is opened for writing (a refused run changes nothing):

- The records file (``-o OUT``) and annotated outputs are never an input, whatever path
  reaches them (symbolic links are resolved, hard links recognized by their inode), never lie
  inside an input folder being scanned, and never each other.
- An existing file is never replaced silently: without ``--resume`` (continue it) or
  ``--overwrite`` (replace it) the run refuses to start. A replacement is written to a
  separate file and moved over the old one only when the run is complete, so an interrupted
  ``--overwrite`` leaves the old file as it was.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO, cast

from PIL import Image

from ._atomic import publish
from .inputs import Input, InputFolder
from .records import frame_record, image_record, video_end_record
from .resume import ForeignFileError, RecordsScan, repair, scan_records

if TYPE_CHECKING:
    from .types import FrameResult, HandsResult

__all__ = [
    "OutputError",
    "Records",
    "RecordsFile",
    "RecordsPlan",
    "UsageError",
    "check_annotation_targets",
    "check_records_path",
    "image_targets",
    "open_records",
    "plan_records",
    "video_targets",
]


class UsageError(Exception):
    """The run cannot start as asked (the command line exits with status 2)."""


class OutputError(Exception):
    """Writing a record failed (disk full, closed pipe...): the run cannot go on. Not an
    ``OSError``, so per-input error handling never takes it for a bad input."""


class _Inputs:
    """The inputs' files by resolved path and by inode, to recognize any other path to them."""

    def __init__(self, inputs: Iterable[Input]) -> None:
        self._by_path: dict[str, Path] = {}
        self._by_inode: dict[tuple[int, int], Path] = {}
        for item in inputs:
            if item.path is None:
                continue
            self._by_path[os.path.realpath(item.path)] = item.path
            inode = _inode(item.path)
            if inode is not None:
                self._by_inode[inode] = item.path

    def find(self, path: Path) -> Path | None:
        """The input that ``path`` is (or would be, once written), or ``None``."""
        found = self._by_path.get(os.path.realpath(path))
        if found is None:
            inode = _inode(path)
            found = None if inode is None else self._by_inode.get(inode)
        return found


def _inode(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _same_file(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    inode = _inode(a)
    return inode is not None and inode == _inode(b)


def _scanning_folder(path: Path, folders: Sequence[InputFolder]) -> InputFolder | None:
    """The input folder whose scan would see ``path``, or ``None``."""
    real = os.path.realpath(path)
    for folder in folders:
        root = os.path.realpath(folder.path)
        if os.path.dirname(real) == root or (
            folder.recursive and real.startswith(root.rstrip(os.sep) + os.sep)
        ):
            return folder
    return None


def _unique_targets(inputs: Sequence[Input], name: Callable[[Input], Path]) -> dict[str, Path]:
    """One output path per input, made unique by a "-2", "-3", ... suffix. Computed for all
    inputs, finished ones too, so a resumed run gives every file the same name as before."""
    targets: dict[str, Path] = {}
    used: set[Path] = set()
    for item in inputs:
        candidate = base = name(item)
        number = 1
        while candidate in used:
            number += 1
            candidate = base.with_name(f"{base.stem}-{number}{base.suffix}")
        used.add(candidate)
        targets[item.key] = candidate
    return targets


def image_targets(inputs: Sequence[Input], folder: Path) -> dict[str, Path]:
    """Annotated image of each input (by key): same path inside ``folder`` as inside its input
    folder, same name and format; ``NAME.png`` when Pillow cannot write the input's format."""
    saveable = {ext for ext, fmt in Image.registered_extensions().items() if fmt in Image.SAVE}

    def name(item: Input) -> Path:
        relative = item.relative
        if relative.suffix.lower() not in saveable:
            relative = relative.with_name(relative.name + ".png")
        return folder / relative

    return _unique_targets(inputs, name)


def video_targets(inputs: Sequence[Input], annotate: Path, *, single: bool) -> dict[str, Path]:
    """Annotated video of each input (by key): ``annotate`` itself for a ``single`` input,
    else ``annotate/NAME.mp4`` (paths inside input folders kept)."""
    if single:
        return {item.key: annotate for item in inputs}
    return _unique_targets(inputs, lambda item: annotate / item.relative.with_suffix(".mp4"))


def check_records_path(output: Path, inputs: Sequence[Input],
                       folders: Sequence[InputFolder]) -> None:
    """Refuse (:class:`UsageError`) a records file that is an input or inside a scanned
    input folder."""
    hit = _Inputs(inputs).find(output)
    if hit is not None:
        raise UsageError(f"-o {output} is the input {hit}; refusing to write over an input")
    folder = _scanning_folder(output, folders)
    if folder is not None:
        raise UsageError(f"-o {output} lies inside the input folder {folder.path}, whose files "
                         "are inputs; write the records elsewhere")


def check_annotation_targets(
    targets: Mapping[str, Path], inputs: Sequence[Input], folders: Sequence[InputFolder],
    records: Path | None, *, pending: set[str], replace: bool,
) -> None:
    """Refuse (:class:`UsageError`) annotated outputs that would land on an input, on the
    records file or inside a scanned input folder, and, unless ``replace``, existing files
    among the outputs the run will write (those of the ``pending`` input keys)."""
    known = _Inputs(inputs)
    existing: list[Path] = []
    for key, target in targets.items():
        folder = _scanning_folder(target, folders)
        if folder is not None:
            raise UsageError(f"--annotate would write {target} inside the input folder "
                             f"{folder.path}, whose files are inputs; annotate elsewhere")
        hit = known.find(target)
        if hit is not None:
            raise UsageError(f"--annotate would write {target} over the input {hit}; "
                             "annotate into another folder")
        if records is not None and _same_file(target, records):
            raise UsageError(f"--annotate would write {target} over the records file "
                             f"-o {records}")
        if target.is_dir():
            raise UsageError(f"--annotate would write {target}, which is a folder")
        if key in pending and (target.exists() or target.is_symlink()):
            existing.append(target)
    if existing and not replace:
        more = f" and {len(existing) - 1} more" if len(existing) > 1 else ""
        raise UsageError(f"--annotate: {existing[0]}{more} exist(s) already; pass --overwrite "
                         "to replace, or annotate into another folder")


@dataclass(frozen=True)
class RecordsPlan:
    """Where the records will go, decided (and checked) without writing anything.

    - ``path``: the ``-o`` file, ``None`` for stdout.
    - ``write_to``: the file written during the run: ``path``, or ``OUT.partial`` when an
      existing ``path`` is being replaced (:meth:`RecordsFile.finish` moves it over ``path``).
    - ``scan``: what ``write_to`` already holds, when the run continues it (``--resume``).
    - ``format``: ``"jsonl"``, or ``"parquet"`` for an ``OUT`` named ``*.parquet`` (always
      written to ``OUT.partial`` and moved to ``OUT`` when complete, replacing it only if
      ``replace``).
    """

    command: str
    path: Path | None
    write_to: Path | None
    scan: RecordsScan | None
    format: str = "jsonl"
    replace: bool = True

    @property
    def done(self) -> frozenset[str]:
        """Keys of the inputs already done (empty unless resuming)."""
        return frozenset() if self.scan is None else self.scan.finished

    @property
    def replacing(self) -> bool:
        return self.write_to is not None and self.write_to != self.path


def plan_records(output: str | None, command: str, *, resume: bool,
                 overwrite: bool) -> RecordsPlan:
    """Decide where the records of ``-o output`` go (``None`` or ``-``: stdout).

    Raises :class:`UsageError` when ``output`` exists and neither ``resume`` nor ``overwrite``
    is set, is a folder, or holds something that is not palmlite records of ``command``.
    """
    if output is None or output == "-":
        return RecordsPlan(command, None, None, None)
    path = Path(output)
    if path.is_dir():
        raise UsageError(f"-o {path} is a folder; give the records file's name")
    if path.suffix.lower() == ".parquet":
        return _plan_parquet(path, command, resume=resume, overwrite=overwrite)
    exists = path.exists() or path.is_symlink()
    if exists and not (resume or overwrite):
        raise UsageError(f"{path} exists; pass --resume to continue it or --overwrite to "
                         "replace it")
    # An existing file being replaced stays as it is until the run completes; the
    # replacement grows beside it.
    write_to = path.with_name(path.name + ".partial") if exists and overwrite else path
    scan = None
    if write_to.exists():
        try:
            # Read even when a replacement starts afresh: a foreign file that happens to be
            # called OUT.partial is not ours to empty.
            scan = scan_records(write_to, command)
        except ForeignFileError as exc:
            raise UsageError(str(exc)) from None
    return RecordsPlan(command, path, write_to, scan if resume else None)


def _plan_parquet(path: Path, command: str, *, resume: bool, overwrite: bool) -> RecordsPlan:
    """A Parquet file is readable only once its footer is written, at the end: the rows grow
    in ``OUT.partial`` (a stop closes it, so it then holds every complete row) and become
    ``OUT`` when the run completes. Nothing reads a partial file back, so ``--resume`` is
    refused."""
    if resume:
        raise UsageError(f"--resume cannot continue {path}: a Parquet file is written whole at "
                         "the end of the run. Run again with --overwrite, or write JSON Lines "
                         "(-o NAME.jsonl), which --resume continues")
    if importlib.util.find_spec("pyarrow") is None:
        raise UsageError(f"-o {path}: writing Parquet needs pyarrow: "
                         'pip install "palmlite[parquet]"')
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise UsageError(f"{path} exists; pass --overwrite to replace it")
    partial = path.with_name(path.name + ".partial")
    if partial.exists() or partial.is_symlink():
        if not overwrite:
            raise UsageError(f"{partial} exists (the rows of a stopped run?); pass --overwrite "
                             "to replace it")
        with partial.open("rb") as head:
            if head.read(4) not in (b"", b"PAR1"):
                raise UsageError(f"{partial} is not a Parquet file; not touching it")
    return RecordsPlan(command, path, partial, None, format="parquet", replace=overwrite)


class Records(Protocol):
    """Where a run's records go: :class:`RecordsFile` (JSON Lines) or
    :class:`~palmlite.parquet_output.ParquetRecordsFile`."""

    @property
    def is_stdout(self) -> bool: ...
    def write_image(self, result: HandsResult, file: str) -> None: ...
    def write_frame(self, result: FrameResult, file: str) -> None: ...
    def write_video_end(self, file: str, frames: int) -> None: ...
    def write_failure(self, file: str, error: BaseException | str) -> None: ...
    def finish(self) -> None: ...
    def close(self) -> None: ...
    def resume_hint(self) -> str: ...


def open_records(plan: RecordsPlan, report: Callable[[str], None]) -> Records:
    """The records writer ``plan`` asks for (the only step of a run's set-up that writes)."""
    if plan.format == "parquet":
        from .parquet_output import ParquetRecordsFile  # imports pyarrow: only when asked

        return ParquetRecordsFile(plan)
    return RecordsFile(plan, report)


class RecordsFile:
    """The stream records go to: one JSON line per record, each flushed at once, so a crash
    loses at most the record being written."""

    def __init__(self, plan: RecordsPlan, report: Callable[[str], None]) -> None:
        """Open what ``plan`` says: repair a file being continued, empty a stale
        ``OUT.partial``, or create a new file (never truncating one that appeared meanwhile)."""
        self.plan = plan
        target = plan.write_to
        if target is None:
            self._stream: TextIO = sys.stdout
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        if plan.scan is not None:
            repair(target, plan.command, plan.scan, report)
            mode = "a"
        elif plan.replacing:
            mode = "w"  # a stale partial replacement (checked to be ours), started afresh
        else:
            mode = "x"
        try:
            # newline="\n": the same bytes on every platform, which the resume scan relies on.
            self._stream = cast(TextIO, target.open(mode, encoding="utf-8", newline="\n"))
        except FileExistsError:
            raise UsageError(f"{target} appeared while palmlite was starting; not touching "
                             "it") from None

    def write(self, record: dict[str, Any]) -> None:
        """Write one record as one line and flush it."""
        try:
            self._stream.write(json.dumps(record, allow_nan=False) + "\n")
            self._stream.flush()
        except (OSError, ValueError) as exc:
            raise OutputError(str(exc)) from exc

    def write_image(self, result: HandsResult, file: str) -> None:
        self.write(image_record(result, file))

    def write_frame(self, result: FrameResult, file: str) -> None:
        self.write(frame_record(result, file))

    def write_video_end(self, file: str, frames: int) -> None:
        self.write(video_end_record(file, frames))

    def write_failure(self, file: str, error: BaseException | str) -> None:
        """Nothing: JSON Lines hold results only (failures go to stderr, and ``--resume``
        tries the input again)."""

    @property
    def is_stdout(self) -> bool:
        return self.plan.write_to is None

    def finish(self) -> None:
        """The run is complete: close, and put a replacement in place of the old file."""
        self.close()
        plan = self.plan
        if plan.replacing and plan.write_to is not None and plan.path is not None:
            publish(plan.write_to, plan.path, replace=True)

    def close(self) -> None:
        if not self.is_stdout:
            self._stream.close()

    def resume_hint(self) -> str:
        """What to tell a user whose run stopped before :meth:`finish`."""
        plan = self.plan
        if plan.path is None:
            return ""
        if plan.replacing:
            return (f"; {plan.path} is unchanged and the new records so far are in "
                    f"{plan.write_to}: run the same command with --resume added to continue")
        return "; run the same command with --resume to continue"
