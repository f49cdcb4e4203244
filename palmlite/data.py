"""Hand landmarks as Arrow tables: the engine-neutral core of :mod:`palmlite.ray` and
:mod:`palmlite.dask` (and of ``palmlite detect -o results.parquet``). Needs pyarrow
(``pip install "palmlite[parquet]"``; the ``ray`` and ``dask`` extras include it).

- :data:`IMAGE_SCHEMA`, :data:`FRAME_SCHEMA`: the command line's ``image`` and ``frame``
  records (:mod:`palmlite.records`, from whose field tables they are derived) as Arrow
  schemas, plus an ``error`` column: ``null`` when the row is fine, else the message the
  input raised (and ``null`` sizes, hands and frame). Every row, error rows too, names the
  palmlite release that made it (``palmlite_version``). Nothing is rounded: landmarks stay
  float32, scores, timestamps and ROI values are float64, so :func:`to_results` gives back
  the very numbers a local run gives. The schema's metadata holds ``palmlite.schema_version``
  and ``palmlite.record``.
- :func:`detect_table`: a table of images (a ``path`` column, or a ``bytes`` column of encoded
  images with an optional ``path``) -> :data:`IMAGE_SCHEMA` rows, one per input, in order.
- :func:`track_video`: one video -> :data:`FRAME_SCHEMA` rows, yielded in chunks.
- :func:`to_results`: rows back to :class:`~palmlite.HandsResult` / :class:`~palmlite.FrameResult`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, overload

try:
    import pyarrow as pa
except ImportError as exc:  # pragma: no cover - the message is the point
    raise ImportError('palmlite.data needs pyarrow: pip install "palmlite[parquet]" (or the '
                      '"ray" / "dask" extras)') from exc

from ._version import __version__
from .inputs import expand_inputs
from .options import (
    DEFAULT_LANDMARKER,
    DEFAULT_TRACKER,
    LandmarkerOptions,
    TrackerOptions,
    landmarker_for,
)
from .records import (
    FRAME_FIELDS,
    IMAGE_FIELDS,
    SCHEMA_VERSION,
    VERSION_FIELD,
    Field,
    frame_record,
    image_record,
    result_from_record,
)
from .types import FrameResult, HandsResult
from .video import read_video

__all__ = [
    "FRAME_SCHEMA",
    "IMAGE_SCHEMA",
    "LandmarkerOptions",
    "TrackerOptions",
    "detect_table",
    "error_row",
    "frame_row",
    "image_row",
    "input_paths",
    "landmarker_for",
    "rows_table",
    "to_results",
    "track_video",
]

#: Frames per table :func:`track_video` yields: a long video streams out in pieces of this
#: many rows (about 2 MB with two hands per frame) instead of being held whole.
CHUNK_FRAMES = 256


def _arrow_type(field: Field) -> pa.DataType:
    kind = field.kind
    if kind == "floats":
        # float32 as palmlite computes it, nested like the shape ((21, 3): 21 lists of 3).
        # Plain lists, not fixed-size ones: pyarrow cannot read back from Parquet a
        # fixed-size list inside a struct that is null (a tracked hand's palm).
        item: pa.DataType = pa.float32()
        for _ in field.shape:
            item = pa.list_(item)
        return item
    if kind in ("struct", "structs"):
        struct = pa.struct([_arrow_field(child) for child in field.fields])
        return struct if kind == "struct" else pa.list_(struct)
    simple = {"text": pa.string(), "int": pa.int64(), "bool": pa.bool_(), "float": pa.float64()}
    return simple[kind]


def _arrow_field(field: Field, nullable: bool | None = None) -> pa.Field:
    return pa.field(field.name, _arrow_type(field),
                    nullable=field.nullable if nullable is None else nullable)


def _schema(fields: Sequence[Field], record: str) -> pa.Schema:
    # At the top level everything may be null: an error row has only its version, file and
    # error.
    columns = [_arrow_field(field, nullable=True) for field in fields]
    return pa.schema([*columns, pa.field("error", pa.string())], metadata={
        "palmlite.schema_version": str(SCHEMA_VERSION), "palmlite.record": record})


#: One row per image: ``palmlite_version, file, width, height, hands, error``.
IMAGE_SCHEMA = _schema(IMAGE_FIELDS, "image")
#: One row per frame: ``palmlite_version, file, frame, timestamp_ms, width, height,
#: palm_detector_ran, hands, error``.
FRAME_SCHEMA = _schema(FRAME_FIELDS, "frame")


def image_row(result: HandsResult, file: str | None) -> dict[str, Any]:
    """The :data:`IMAGE_SCHEMA` row of ``result`` (a dict for :func:`rows_table`)."""
    return {**image_record(result, file, exact=True), "error": None}


def frame_row(result: FrameResult, file: str | None) -> dict[str, Any]:
    """The :data:`FRAME_SCHEMA` row of a tracked frame."""
    return {**frame_record(result, file, exact=True), "error": None}


def error_row(file: str | None, error: BaseException | str) -> dict[str, Any]:
    """The row of an input that failed: the palmlite version, its file and the message, every
    other value null."""
    return {VERSION_FIELD.name: __version__, "file": file, "error": str(error)}


def rows_table(rows: Iterable[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    """Rows (:func:`image_row`, :func:`frame_row`, :func:`error_row`) as a table of
    ``schema``; keys the schema lacks are ignored, missing ones are null."""
    return pa.Table.from_pylist(list(rows), schema=schema)


def input_paths(paths: object, suffixes: frozenset[str]) -> list[str]:
    """``paths`` as a list of inputs: each folder replaced by its files with ``suffixes``
    (sorted, hidden files left out, like the command line), anything else kept as given (a
    missing file becomes an error row in the worker, a URL is read there)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    elif not isinstance(paths, Iterable) or isinstance(paths, (bytes, bytearray)):
        raise TypeError(f"expected a path or a list of paths, got {type(paths).__name__}")
    found: list[str] = []
    for path in paths:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"expected paths, got {path!r}")
        if os.path.isdir(path):
            inputs, _, _ = expand_inputs([os.fspath(path)], suffixes, recursive=False,
                                         what="file", streams=False, report=lambda _: None)
            found += [item.name for item in inputs]
        else:
            found.append(os.fspath(path))
    return found


def detect_table(table: pa.Table | pa.RecordBatch,
                 options: LandmarkerOptions = DEFAULT_LANDMARKER) -> pa.Table:
    """Find the hands in every image of ``table``: one :data:`IMAGE_SCHEMA` row per input row,
    in order.

    ``table`` has a ``bytes`` column of encoded images (what ``ray.data.read_binary_files``
    gives; its ``path`` column, if any, becomes ``file``), or a ``path`` column of image
    files. An input that cannot be read (corrupt, truncated, not an image, missing) gives a
    row whose ``error`` is the message :meth:`~palmlite.HandLandmarker.detect` raises; the
    other rows are unaffected. Decoding happens here, in the worker.
    """
    names = table.schema.names
    if "bytes" not in names and "path" not in names:
        raise ValueError(f"detect_table needs a 'path' or a 'bytes' column, got {names}")
    landmarker = landmarker_for(options)
    paths = table.column("path").to_pylist() if "path" in names else [None] * table.num_rows
    images = table.column("bytes").to_pylist() if "bytes" in names else paths
    rows = []
    for image, path in zip(images, paths, strict=True):
        file = None if path is None else str(path)
        if image is None:
            rows.append(error_row(file, "no image: the value is null"))
            continue
        try:
            rows.append(image_row(landmarker.detect(image), file))
        except (OSError, ValueError) as exc:
            rows.append(error_row(file, exc))
    return rows_table(rows, IMAGE_SCHEMA)


def track_video(source: str | bytes, options: LandmarkerOptions = DEFAULT_LANDMARKER,
                tracker: TrackerOptions = DEFAULT_TRACKER, *, file: str | None = None,
                chunk_frames: int = CHUNK_FRAMES) -> Iterator[pa.Table]:
    """Track the hands through one video: :data:`FRAME_SCHEMA` rows in frame order, yielded as
    tables of up to ``chunk_frames`` rows (a long video is never held whole).

    ``source`` is anything :func:`palmlite.read_video` reads (a path, a URL) or the video's
    bytes; ``file`` names it in the rows (default: ``source`` if it is a string). The tracker
    is new for each video, so track ids start again at 0: a distributed run equals a fresh
    local :class:`~palmlite.HandTracker` per video. A video that cannot be read gives one row
    with ``error`` set; one that fails midway keeps the frames tracked so far and ends with an
    error row. Needs PyAV (``pip install "palmlite[video]"``).
    """
    if file is None and isinstance(source, str):
        file = source
    hand_tracker = tracker.build(landmarker_for(options))
    rows: list[dict[str, Any]] = []
    yielded = False
    video = io.BytesIO(source) if isinstance(source, (bytes, bytearray, memoryview)) else source
    try:
        for frame in read_video(video):
            result = hand_tracker.track(frame.image, timestamp_ms=frame.timestamp_ms)
            rows.append(frame_row(result, file))
            if len(rows) >= chunk_frames:
                yield rows_table(rows, FRAME_SCHEMA)
                rows, yielded = [], True
    except (OSError, ValueError) as exc:
        rows.append(error_row(file, exc))
    if rows or not yielded:
        yield rows_table(rows, FRAME_SCHEMA)


ErrorPolicy = Literal["none", "skip", "raise"]


@overload
def to_results(rows: Any, *, errors: Literal["none"] = ...) -> list[HandsResult | None]: ...
@overload
def to_results(rows: Any, *, errors: Literal["skip", "raise"]) -> list[HandsResult]: ...


def to_results(rows: Any, *, errors: ErrorPolicy = "none") -> Sequence[HandsResult | None]:
    """palmlite results from :data:`IMAGE_SCHEMA` or :data:`FRAME_SCHEMA` rows: a
    :class:`~palmlite.FrameResult` per frame row, a :class:`~palmlite.HandsResult` per image
    row, equal to what :meth:`~palmlite.HandLandmarker.detect` or
    :meth:`~palmlite.HandTracker.track` returned (``palms`` is empty: rows keep the hands).

    ``rows`` is an Arrow ``Table`` or ``RecordBatch``, a pandas ``DataFrame`` (what
    ``Dataset.to_pandas()`` and Dask's ``compute()`` give; Arrow-backed or not) or a list of
    row dicts (``Dataset.take_all()``). An error row gives ``None`` in its place
    (``errors="none"``, so results line up with rows), is left out (``"skip"``) or raises
    ``ValueError`` with its file and message (``"raise"``).
    """
    if errors not in ("none", "skip", "raise"):
        raise ValueError(f"errors must be 'none', 'skip' or 'raise', got {errors!r}")
    results: list[HandsResult | None] = []
    for record in _as_table(rows).to_pylist():
        if record.get("error") is not None:
            if errors == "raise":
                raise ValueError(f"{record.get('file')}: {record['error']}")
            if errors == "none":
                results.append(None)
            continue
        results.append(result_from_record(record))
    return results


def _as_table(rows: Any) -> pa.Table:
    """``rows`` as an Arrow table of palmlite's schema (the columns of it that ``rows`` has)."""
    if isinstance(rows, pa.RecordBatch):
        return pa.Table.from_batches([rows])
    if isinstance(rows, pa.Table):
        return rows
    if hasattr(rows, "columns") and hasattr(rows, "to_dict"):  # a pandas DataFrame
        schema = _schema_of(list(rows.columns))
        # Through Arrow with the schema: Arrow-backed columns convert exactly, object columns
        # (nested NumPy arrays, None or NaN for null) are parsed into the schema's types.
        return pa.Table.from_pandas(rows[schema.names], schema=schema, preserve_index=False)
    if isinstance(rows, Sequence) and not isinstance(rows, (str, bytes)):
        names = list(rows[0]) if rows else ["file"]
        return pa.Table.from_pylist(list(rows), schema=_schema_of(names))
    raise TypeError("rows must be an Arrow Table or RecordBatch, a pandas DataFrame or a list "
                    f"of row dicts, got {type(rows).__name__}")


def _schema_of(names: Sequence[str]) -> pa.Schema:
    schema = FRAME_SCHEMA if "frame" in names else IMAGE_SCHEMA
    return pa.schema([field for field in schema if field.name in names],
                     metadata=schema.metadata)
