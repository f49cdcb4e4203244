"""``palmlite detect|track -o OUT.parquet``: the records as one Parquet file of
:data:`palmlite.data.IMAGE_SCHEMA` / :data:`~palmlite.data.FRAME_SCHEMA` rows (exact floats,
an ``error`` row per failed input), written like :mod:`palmlite.data` writes them for Ray
and Dask.

A Parquet file can be read only once its footer is written, at the end. The rows are written
in row groups to ``OUT.partial``; when the run completes it is moved to ``OUT`` (replacing it
only with ``--overwrite``). A stop (Ctrl-C, SIGTERM) closes ``OUT.partial``, which then holds
every complete row and is left for the user; ``kill -9`` leaves an unreadable one. There is no
``--resume`` for Parquet (see :func:`palmlite.outputs.plan_records`).
"""

from __future__ import annotations

from typing import IO, Any

import pyarrow.parquet as pq

from ._atomic import publish
from .data import FRAME_SCHEMA, IMAGE_SCHEMA, error_row, frame_row, image_row, rows_table
from .outputs import OutputError, RecordsPlan, UsageError
from .types import FrameResult, HandsResult

__all__ = ["ParquetRecordsFile"]

#: Rows per row group: bounds the memory held between writes (about 1 MB of frames).
ROWS_PER_GROUP = 512


class ParquetRecordsFile:
    """The :class:`~palmlite.outputs.Records` of a ``*.parquet`` ``-o`` file."""

    def __init__(self, plan: RecordsPlan) -> None:
        if plan.write_to is None or plan.path is None:
            raise ValueError("Parquet records need a file")
        self.plan = plan
        self.schema = IMAGE_SCHEMA if plan.command == "detect" else FRAME_SCHEMA
        self._rows: list[dict[str, Any]] = []
        plan.write_to.parent.mkdir(parents=True, exist_ok=True)
        try:
            # "w" only for an OUT.partial --overwrite allowed (plan_records checked it).
            self._file: IO[bytes] = plan.write_to.open("wb" if plan.replace else "xb")
        except FileExistsError:
            raise UsageError(f"{plan.write_to} appeared while palmlite was starting; not "
                             "touching it") from None
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(self._file, self.schema)

    @property
    def is_stdout(self) -> bool:
        return False

    def write_image(self, result: HandsResult, file: str) -> None:
        self._add(image_row(result, file))

    def write_frame(self, result: FrameResult, file: str) -> None:
        self._add(frame_row(result, file))

    def write_video_end(self, file: str, frames: int) -> None:
        """Nothing: a video's rows end with its last frame (or an error row)."""

    def write_failure(self, file: str, error: BaseException | str) -> None:
        self._add(error_row(file, error))

    def _add(self, row: dict[str, Any]) -> None:
        self._rows.append(row)
        if len(self._rows) >= ROWS_PER_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._rows and self._writer is not None:
            try:
                self._writer.write_table(rows_table(self._rows, self.schema))
            except OSError as exc:
                raise OutputError(str(exc)) from exc
            self._rows = []

    def close(self) -> None:
        """Write what is buffered and the footer: ``OUT.partial`` is then a whole file."""
        if self._writer is None:
            return
        try:
            self._flush()
            self._writer.close()
        finally:
            self._writer = None
            self._file.close()

    def finish(self) -> None:
        self.close()
        partial, target = self.plan.write_to, self.plan.path
        if partial is not None and target is not None:
            try:
                publish(partial, target, replace=self.plan.replace)
            except FileExistsError as exc:
                raise OutputError(f"{exc}; the rows are in {partial}") from exc

    def resume_hint(self) -> str:
        return (f"; the complete rows so far are in {self.plan.write_to} (a Parquet file); "
                f"{self.plan.path} was not written. Parquet output cannot be resumed: run the "
                "same command with --overwrite to start again")
