"""palmlite on Dask: hand landmarks over many images and videos as a Dask DataFrame.

``pip install "palmlite[dask]"`` (dask[dataframe], distributed and pyarrow;
:func:`track_videos` also needs ``palmlite[video]``). The work is :mod:`palmlite.data`'s: each
partition is a pandas DataFrame of :data:`~palmlite.data.IMAGE_SCHEMA` /
:data:`~palmlite.data.FRAME_SCHEMA` rows whose columns are ``pd.ArrowDtype`` (so the
landmarks stay exact float32 lists; Dask's default ``dataframe.convert-string`` would turn an
``object`` column of lists into their printed text). Nulls therefore come back as ``pd.NA``.
:func:`palmlite.data.to_results` turns the computed rows back into results.

Each worker process builds its landmarker once (:func:`palmlite.data.landmarker_for`), not
once per partition; run workers with ``threads_per_worker=1`` and ``num_threads`` model threads
each, or several threads sharing the one landmarker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from .data import (
    CHUNK_FRAMES,
    FRAME_SCHEMA,
    IMAGE_SCHEMA,
    LandmarkerOptions,
    TrackerOptions,
    detect_table,
    input_paths,
    track_video,
)
from .inputs import IMAGE_SUFFIXES, VIDEO_SUFFIXES
from .options import DEFAULT_LANDMARKER, DEFAULT_TRACKER, OptionsLike, as_options

if TYPE_CHECKING:
    import dask.dataframe
    import pandas as pd

__all__ = ["detect_images", "track_videos"]


def _pandas(table: pa.Table) -> pd.DataFrame:
    import pandas as pd

    return table.to_pandas(types_mapper=pd.ArrowDtype)


def _detect_partition(paths: Sequence[str], options: LandmarkerOptions) -> pd.DataFrame:
    return _pandas(detect_table(pa.table({"path": pa.array(list(paths), pa.string())}),
                                options))


def _track_partition(path: str, options: LandmarkerOptions,
                     tracker: TrackerOptions) -> pd.DataFrame:
    return _pandas(pa.concat_tables(track_video(path, options, tracker,
                                                chunk_frames=CHUNK_FRAMES)))


def detect_images(paths: Any, *, options: OptionsLike = DEFAULT_LANDMARKER,
                  partition_size: int = 64) -> dask.dataframe.DataFrame:
    """A lazy Dask DataFrame of :data:`~palmlite.data.IMAGE_SCHEMA` rows, one per image, in
    the order of ``paths`` (a file, a folder of images like ``palmlite detect``'s, or a list
    of files the workers can open), ``partition_size`` images per partition. A corrupt or
    missing image gives a row with ``error`` set. ``options`` are checked here, before any
    task exists; ``meta`` is given, so nothing runs to infer the columns.
    """
    import dask.dataframe as dd

    checked = as_options(options)
    if isinstance(partition_size, bool) or not isinstance(partition_size, int) or (
            partition_size < 1):
        raise ValueError(f"partition_size must be a positive int, got {partition_size!r}")
    found = input_paths(paths, IMAGE_SUFFIXES)
    meta = _pandas(IMAGE_SCHEMA.empty_table())
    if not found:
        return dd.from_pandas(meta, npartitions=1)
    chunks = [found[start:start + partition_size]
              for start in range(0, len(found), partition_size)]
    return dd.from_map(_detect_partition, chunks, options=checked, meta=meta,
                       label="palmlite-detect", enforce_metadata=False)


def track_videos(paths: Any, *, options: OptionsLike = DEFAULT_LANDMARKER,
                 tracker: TrackerOptions = DEFAULT_TRACKER) -> dask.dataframe.DataFrame:
    """A lazy Dask DataFrame of :data:`~palmlite.data.FRAME_SCHEMA` rows: one partition per
    video (in the order of ``paths``: files, folders of videos, URLs the workers can read),
    its frames in order, tracked with a fresh tracker (track ids from 0). A partition holds its
    whole video's rows (about 1 MB per 500 frames with two hands). A video that cannot be read
    gives one row with ``error`` set. Needs ``palmlite[video]`` on the workers.
    """
    import dask.dataframe as dd

    checked = as_options(options, tracker)
    found = input_paths(paths, VIDEO_SUFFIXES)
    meta = _pandas(FRAME_SCHEMA.empty_table())
    if not found:
        return dd.from_pandas(meta, npartitions=1)
    return dd.from_map(_track_partition, found, options=checked, tracker=tracker, meta=meta,
                       label="palmlite-track", enforce_metadata=False)
