"""palmlite on Ray Data and Dask: bit-identical to a local run, one row per input, error rows
where due, nothing lost or doubled when a worker dies.

Ray and Dask are imported at the top on purpose: without the extras this module fails to
import (a failure, not a skip), and under CI=true conftest.py turns any skip here into a
failure too. One Ray instance (2 CPUs) and one Dask LocalCluster (2 workers x 1 thread) per
module, shut down by their fixtures.
"""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import _engine_reference
import dask
import distributed
import pyarrow as pa
import pytest
import ray
import ray.data
from conftest import DATA, IMAGES
from test_data import assert_same_results

import palmlite
import palmlite.dask
import palmlite.ray
from palmlite import data
from palmlite.data import LandmarkerOptions, TrackerOptions

LITE = LandmarkerOptions(model="lite")  # num_threads=1, like the reference run
TRACKING = TrackerOptions(smooth_landmarks=True, smooth_handedness=True)
VIDEOS = sorted((DATA / "videos").glob("*.mp4"))
TIMEOUT_S = 180  # a hung engine fails the test instead of blocking the suite


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 6 committed photos plus a truncated JPEG and a text file named .png."""
    folder = tmp_path_factory.mktemp("photos")
    for path in IMAGES.iterdir():
        shutil.copy(path, folder / path.name)
    (folder / "corrupt.jpg").write_bytes((IMAGES / "hands.jpg").read_bytes()[:3000])
    (folder / "text.png").write_text("not an image")
    return folder


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    bad = tmp_path_factory.mktemp("videos") / "corrupt.mp4"
    bad.write_bytes(VIDEOS[0].read_bytes()[:2000])
    return [*map(str, VIDEOS), str(bad)]


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """36 distinct inputs: one per batch or partition, many tasks to interrupt."""
    folder = tmp_path_factory.mktemp("many")
    files = []
    for copy in range(6):
        for path in sorted(IMAGES.iterdir()):
            files.append(str(folder / f"{copy}_{path.name}"))
            shutil.copy(path, files[-1])
    return files


@pytest.fixture(scope="module")
def reference(photos: Path, videos: list[str], many: list[str]) -> dict[str, Any]:
    """The local run everything is compared with (see _engine_reference.py): file -> result or
    the message detect raises; video -> its frames' results."""
    images = [*map(str, sorted(photos.iterdir())), str(photos / "missing.jpg"), *many]
    return _engine_reference.compute(images, [str(v) for v in VIDEOS], {
        "smooth_landmarks": True, "smooth_handedness": True})


def expected_for(reference: dict[str, Any], files: list[str]) -> dict[str, Any]:
    return {file: reference["images"][file] for file in files}


def check_images(rows: Any, expected: dict[str, Any]) -> None:
    """One row per input, each equal (bit for bit) to the local result or its error."""
    table = data._as_table(rows)
    files = table.column("file").to_pylist()
    assert sorted(files) == sorted(expected), "each input exactly once"
    for file, error, result in zip(files, table.column("error").to_pylist(),
                                   data.to_results(table), strict=True):
        want = expected[file]
        if isinstance(want, str):
            assert result is None and error == want
        else:
            assert error is None and result is not None
            assert_same_results(result, want)


def check_videos(rows: Any, reference: dict[str, Any], videos: list[str]) -> None:
    table = data._as_table(rows)
    files = table.column("file").to_pylist()
    results = data.to_results(table)
    for video in videos:
        mine = [i for i, file in enumerate(files) if file == video]
        if "corrupt" in video:
            assert len(mine) == 1 and results[mine[0]] is None
            assert "cannot read video" in table.column("error")[mine[0]].as_py()
            continue
        frames = reference["videos"][video]
        assert len(mine) == len(frames)  # mine is in output order: frames must be in order
        for index, frame in zip(mine, frames, strict=True):
            ours = results[index]
            assert ours is not None
            assert_same_results(ours, frame)


def _with_timeout(job: Any) -> Any:
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = job()
        except BaseException as exc:  # re-raised in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(TIMEOUT_S)
    assert not thread.is_alive(), f"the engine hung for {TIMEOUT_S} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


def _descendants_named(text: str) -> list[int]:
    """Processes started by this test process (Ray's workers are its grandchildren) whose
    command line holds ``text``: only our own cluster's, never another's on the machine."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found = []
    for pid in parents:
        ancestor = parents.get(pid)
        while ancestor not in (None, 0, 1, os.getpid()):
            ancestor = parents.get(ancestor)
        if ancestor == os.getpid():
            try:
                if text in (Path("/proc") / str(pid) / "cmdline").read_text():
                    found.append(pid)
            except OSError:
                continue
    return found


# -- Ray ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # the test's choice, not palmlite's
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        yield
    finally:
        ray.shutdown()


@pytest.mark.matrix  # each engine, images and videos, on every Python
def test_ray_read_binary_files_on_2_cpus_runs_and_equals_local(ray_cluster, photos,
                                                              reference):
    # The measured hang: read_binary_files' read task plus two 1-CPU actors on 2 CPUs never
    # finishes. The default pool leaves the read task its CPU.
    source = ray.data.read_binary_files(str(photos), include_paths=True)
    dataset = palmlite.ray.detect_images(source, options=LITE, batch_size=2)
    rows = _with_timeout(dataset.take_all)
    bad = {str(photos / "corrupt.jpg"), str(photos / "text.png")}
    errors = {row["file"]: row["error"] for row in rows if row["error"] is not None}
    assert set(errors) == bad
    for file, error in errors.items():  # detect's message for bytes: it names their count
        assert error.startswith(f"cannot read image from {Path(file).stat().st_size} bytes")
    good = {str(path) for path in photos.iterdir()} - bad
    check_images(rows, expected_for(reference, sorted(good)) | errors)


def test_ray_paths_equal_local(ray_cluster, photos, reference):
    files = [*sorted(str(path) for path in photos.iterdir()), str(photos / "missing.jpg")]
    dataset = palmlite.ray.detect_images(files, options=LITE, batch_size=3)
    check_images(_with_timeout(dataset.to_pandas), expected_for(reference, files))


@pytest.mark.matrix  # each engine, images and videos, on every Python
def test_ray_track_videos_equal_local_with_frames_in_order(ray_cluster, videos, reference):
    dataset = palmlite.ray.track_videos(videos, options=LITE, tracker=TRACKING,
                                        chunk_frames=16)
    check_videos(_with_timeout(dataset.take_all), reference, videos)


def test_ray_actor_killed_mid_run_loses_and_doubles_nothing(ray_cluster, many, reference):
    dataset = palmlite.ray.detect_images(many, options=LITE, batch_size=1)

    def run() -> tuple[list[dict[str, Any]], int]:
        rows, killed = [], 0
        for row in dataset.iter_rows():
            rows.append(row)
            if len(rows) == 3:  # the pool is busy: kill its actors' processes
                for victim in _descendants_named("_ImageDetector"):
                    os.kill(victim, signal.SIGKILL)
                    killed += 1
        return rows, killed

    rows, killed = _with_timeout(run)
    assert killed >= 1 and len(rows) == len(many)
    check_images(rows, expected_for(reference, many))


def test_ray_options_fail_on_the_driver(ray_cluster):
    with pytest.raises(ValueError, match="max_hands"):
        palmlite.ray.detect_images(["a.jpg"], options={"max_hands": 0})
    with pytest.raises(TypeError, match="tracker"):
        palmlite.ray.track_videos(["a.mp4"], tracker={"smooth": True})  # type: ignore[arg-type]


def test_actor_resources_leave_ray_a_cpu():
    assert palmlite.ray.actor_resources(1, 2) == (2, 0.5)
    assert palmlite.ray.actor_resources(2, 2) == (1, 1.0)
    assert palmlite.ray.actor_resources(4, 2) == (1, 1.0)
    assert palmlite.ray.actor_resources(1, 1) == (1, 0.0)


# -- Dask -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dask_client() -> Iterator[distributed.Client]:
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


@pytest.mark.matrix  # each engine, images and videos, on every Python
def test_dask_detect_images_equal_local(dask_client, photos, reference):
    files = sorted(str(path) for path in photos.iterdir())
    frame = palmlite.dask.detect_images(photos, options=LITE, partition_size=3)
    assert frame.npartitions == 3
    # convert-string is Dask's default: the Arrow-typed columns must survive it.
    assert dask.config.get("dataframe.convert-string") in (True, None)
    rows = _with_timeout(frame.compute)
    assert list(rows.dtypes) == list(frame.dtypes)
    check_images(rows, expected_for(reference, files))
    assert rows["width"].isna().sum() == 2  # nulls are pd.NA in ArrowDtype columns
    # One landmarker per worker process, whatever the number of partitions.
    assert set(dask_client.run(lambda: len(palmlite.options._cache)).values()) <= {0, 1}


@pytest.mark.matrix  # each engine, images and videos, on every Python
def test_dask_track_videos_one_partition_per_video(dask_client, videos, reference):
    frame = palmlite.dask.track_videos(videos, options=LITE, tracker=TRACKING)
    assert frame.npartitions == len(videos)
    check_videos(_with_timeout(frame.compute), reference, videos)


def test_dask_worker_killed_mid_run_loses_and_doubles_nothing(dask_client, many, reference):
    frame = palmlite.dask.detect_images(many, options=LITE, partition_size=1)
    futures = dask_client.compute(frame.to_delayed())
    distributed.wait(futures, timeout=TIMEOUT_S, return_when="FIRST_COMPLETED")
    assert not all(future.done() for future in futures)  # mid-run
    pids = dask_client.run(os.getpid)
    os.kill(next(iter(pids.values())), signal.SIGKILL)  # its nanny starts a new worker
    parts = _with_timeout(lambda: dask_client.gather(futures))
    rows = pa.concat_tables(pa.Table.from_pandas(part, preserve_index=False)
                            for part in parts)
    check_images(rows, expected_for(reference, many))
    deadline = time.monotonic() + 60
    while len(dask_client.scheduler_info()["workers"]) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)


def test_dask_options_fail_before_any_task(dask_client):
    with pytest.raises(ValueError, match="max_hands"):
        palmlite.dask.detect_images(["a.jpg"], options={"max_hands": 0})
    with pytest.raises(ValueError, match="partition_size"):
        palmlite.dask.detect_images(["a.jpg"], partition_size=0)
