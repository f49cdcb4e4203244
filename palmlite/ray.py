"""palmlite on Ray Data: hand landmarks over many images and videos on a Ray cluster.

``pip install "palmlite[ray]"`` (Ray Data and pyarrow; :func:`track_videos` also needs
``palmlite[video]``). The work is :mod:`palmlite.data`'s; this module hands it to Ray the way
Ray's docs run models: ``map_batches`` with a callable class on a pool of actors, each actor
building its model sessions once. Rows are :data:`palmlite.data.IMAGE_SCHEMA` /
:data:`~palmlite.data.FRAME_SCHEMA`; :func:`palmlite.data.to_results` turns them back into
results. palmlite sets no Ray option globally (no telemetry setting either: on an offline
cluster, set ``RAY_USAGE_STATS_ENABLED=0`` yourself).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from .data import (
    CHUNK_FRAMES,
    FRAME_SCHEMA,
    LandmarkerOptions,
    TrackerOptions,
    detect_table,
    error_row,
    input_paths,
    rows_table,
    track_video,
)
from .inputs import IMAGE_SUFFIXES, VIDEO_SUFFIXES
from .options import DEFAULT_LANDMARKER, DEFAULT_TRACKER, OptionsLike, as_options

if TYPE_CHECKING:
    import ray.data

__all__ = ["actor_resources", "detect_images", "track_videos"]

class _ImageDetector:
    """One actor: a landmarker (built once, in the constructor) applied to batches."""

    def __init__(self, options: LandmarkerOptions) -> None:
        from .options import landmarker_for

        self.options = options
        landmarker_for(options)  # load the sessions now, not in the first batch

    def __call__(self, batch: pa.Table) -> pa.Table:
        return detect_table(batch, self.options)


class _VideoTracker:
    """One actor: tracks each video of its batch with a fresh tracker, streaming chunks."""

    def __init__(self, options: LandmarkerOptions, tracker: TrackerOptions,
                 chunk_frames: int) -> None:
        from .options import landmarker_for

        self.options, self.tracker, self.chunk_frames = options, tracker, chunk_frames
        landmarker_for(options)

    def __call__(self, batch: pa.Table) -> Iterator[pa.Table]:
        names = batch.schema.names
        paths = batch.column("path").to_pylist() if "path" in names else [None] * len(batch)
        videos = batch.column("bytes").to_pylist() if "bytes" in names else paths
        for video, path in zip(videos, paths, strict=True):
            if video is None:
                yield rows_table([error_row(path, "no video: the value is null")], FRAME_SCHEMA)
                continue
            yield from track_video(video, self.options, self.tracker, file=path,
                                   chunk_frames=self.chunk_frames)


def actor_resources(num_threads: int, cluster_cpus: float) -> tuple[int, float]:
    """The default actor pool for models of ``num_threads`` threads on ``cluster_cpus`` CPUs:
    ``(actors, CPUs each actor asks for)``.

    One actor per ``num_threads`` cores, so every core runs one model thread. Together they
    ask for one CPU less than the cluster has: Ray's read tasks (``read_binary_files``,
    ``read_parquet``...) need a CPU of their own, and a pool holding every CPU starves them,
    so the job hangs forever (measured on 2 CPUs: two actors of 1 CPU each after
    ``read_binary_files`` never start). The request is bookkeeping for Ray's scheduler; each
    actor still runs ``num_threads`` threads.

    >>> actor_resources(1, 2)
    (2, 0.5)
    >>> actor_resources(2, 2)
    (1, 1.0)
    >>> actor_resources(1, 16)
    (16, 0.9375)
    """
    actors = max(1, int(cluster_cpus // num_threads))
    return actors, max(0.0, min(float(num_threads), (cluster_cpus - 1) / actors))


def _map(dataset: ray.data.Dataset, cls: type, args: tuple[Any, ...], num_threads: int,
         batch_size: int, compute: Any, ray_remote_args: dict[str, Any]) -> ray.data.Dataset:
    import ray
    from ray.data import ActorPoolStrategy

    if not ray.is_initialized():
        ray.init()  # what Ray Data does on first use; here the pool size needs the CPU count
    actors, cpus = actor_resources(num_threads, ray.cluster_resources().get("CPU", 1.0))
    # No max_restarts / max_task_retries here: -1 (restart a dead actor, retry its batch) is
    # what Ray Data sets for actor pools in every supported version (2.44+), and keywords
    # beyond map_batches' named ones are deprecated since Ray 2.60.
    ray_remote_args = {"num_cpus": cpus, **ray_remote_args}
    compute = compute or ActorPoolStrategy(size=actors)
    return dataset.map_batches(cls, fn_constructor_args=args, batch_format="pyarrow",
                               batch_size=batch_size, compute=compute, **ray_remote_args)


def _dataset(source: Any, suffixes: frozenset[str]) -> ray.data.Dataset:
    import ray
    import ray.data

    if isinstance(source, ray.data.Dataset):
        return source
    return ray.data.from_items([{"path": path} for path in input_paths(source, suffixes)])


def _positive(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def detect_images(source: Any, *, options: OptionsLike = DEFAULT_LANDMARKER,
                  compute: Any = None, batch_size: int = 16,
                  **ray_remote_args: Any) -> ray.data.Dataset:
    """A Ray ``Dataset`` of :data:`~palmlite.data.IMAGE_SCHEMA` rows, one per image (lazy:
    nothing runs until you consume it).

    ``source`` is a ``ray.data.Dataset`` with a ``bytes`` column of encoded images (and
    ``path``: ``ray.data.read_binary_files(uri, include_paths=True)`` reads local folders and
    object stores such as ``s3://``) or a ``path`` column of files the workers can open; or
    paths: a file, a folder (its images, like ``palmlite detect``), or a list of files.
    Images are decoded in the actors: a corrupt one gives a row with ``error`` set instead of
    failing the job. Row order is Ray's (it need not be the input order).

    ``options`` are checked here, before anything runs. By default a pool of
    :func:`actor_resources` actors runs ``num_threads`` ONNX Runtime threads each; pass
    ``compute=ray.data.ActorPoolStrategy(...)`` and ``num_cpus=`` to size it yourself (and
    leave Ray a CPU for its read tasks). Other keyword arguments go to ``map_batches``
    (``num_cpus=``, ``memory=``, ``resources=``...). A dead actor is restarted and its batch
    retried by Ray (Ray Data's defaults for actor pools), so no row is lost or doubled.
    """
    checked = as_options(options)
    _positive("batch_size", batch_size)
    dataset = _dataset(source, IMAGE_SUFFIXES)
    return _map(dataset, _ImageDetector, (checked,), checked.num_threads, batch_size, compute,
                ray_remote_args)


def track_videos(source: Any, *, options: OptionsLike = DEFAULT_LANDMARKER,
                 tracker: TrackerOptions = DEFAULT_TRACKER, compute: Any = None,
                 chunk_frames: int = CHUNK_FRAMES,
                 **ray_remote_args: Any) -> ray.data.Dataset:
    """A Ray ``Dataset`` of :data:`~palmlite.data.FRAME_SCHEMA` rows: every frame of every
    video, each video tracked by one actor with a fresh tracker (track ids from 0, like a
    local :class:`~palmlite.HandTracker` per video). Needs ``palmlite[video]`` on the workers.

    ``source`` is like :func:`detect_images`' (paths, folders of videos, URLs the workers
    can read, or a ``Dataset`` with ``path`` or ``bytes``). A video streams out in tables of
    ``chunk_frames`` rows as it is tracked. The frames of one video come in order, but the
    videos' rows may interleave: sort by ``("file", "frame")`` if you need them grouped. A
    video that cannot be read gives one row with ``error`` set.
    """
    checked = as_options(options, tracker)
    _positive("chunk_frames", chunk_frames)
    dataset = _dataset(source, VIDEO_SUFFIXES)
    return _map(dataset, _VideoTracker, (checked, tracker, chunk_frames), checked.num_threads,
                1, compute, ray_remote_args)
