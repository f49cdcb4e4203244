"""palmlite.data (Arrow tables, no engine) and the one record definition behind it."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from conftest import DATA, IMAGES

import palmlite
from palmlite import data, records
from palmlite.data import FRAME_SCHEMA, IMAGE_SCHEMA, LandmarkerOptions, TrackerOptions

# Part of the per-Python subset (noxfile.py's tests sessions run it on every Python).
pytestmark = pytest.mark.matrix

CLIP = DATA / "videos" / "asl_hand_40.mp4"
LITE = LandmarkerOptions(model="lite")


def assert_same_results(ours: palmlite.HandsResult, local: palmlite.HandsResult) -> None:
    """Bit for bit: every array and number of every hand."""
    assert ours.image_size == local.image_size and len(ours) == len(local)
    for a, b in zip(ours, local, strict=True):
        for name in ("landmarks", "landmarks_px", "world_landmarks"):
            assert np.array_equal(getattr(a, name), getattr(b, name)), name
            assert getattr(a, name).dtype == np.float32
        assert (a.handedness, a.handedness_score, a.presence, a.roi, a.track_id, a.source) == (
            b.handedness, b.handedness_score, b.presence, b.roi, b.track_id, b.source)
        assert (a.palm is None) == (b.palm is None)
        if a.palm is not None and b.palm is not None:
            assert a.palm.score == b.palm.score and a.palm.source == b.palm.source
            assert np.array_equal(a.palm.box_xywh, b.palm.box_xywh)
            assert np.array_equal(a.palm.keypoints_xy, b.palm.keypoints_xy)
    if isinstance(local, palmlite.FrameResult):
        assert isinstance(ours, palmlite.FrameResult)
        assert (ours.frame, ours.timestamp_ms, ours.palm_detector_ran) == (
            local.frame, local.timestamp_ms, local.palm_detector_ran)


@pytest.fixture(scope="module")
def lite() -> palmlite.HandLandmarker:
    return palmlite.HandLandmarker(model="lite", num_threads=1)


def test_import_palmlite_loads_no_engine():
    code = ("import sys, palmlite; "
            "print(sorted(m for m in ('ray', 'dask', 'pyarrow', 'pandas', 'distributed') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_arrow_schemas_are_derived_from_the_record_fields():
    assert IMAGE_SCHEMA.names == [f.name for f in records.IMAGE_FIELDS] + ["error"]
    assert FRAME_SCHEMA.names == [f.name for f in records.FRAME_FIELDS] + ["error"]
    hand = IMAGE_SCHEMA.field("hands").type.value_type
    assert [hand.field(i).name for i in range(hand.num_fields)] == [
        f.name for f in records.HAND_FIELDS]
    assert hand.field("landmarks").type == pa.list_(pa.list_(pa.float32()))
    assert hand.field("handedness_score").type == pa.float64()
    assert hand.field("roi").type.field("rotation").type == pa.float64()
    assert hand.field("source").type == pa.string() and hand.field("palm").nullable
    assert IMAGE_SCHEMA.metadata == {b"palmlite.schema_version": b"3",
                                     b"palmlite.record": b"image"}


def test_json_records_follow_the_field_tables(lite):
    record = lite.detect(IMAGES / "hands.jpg").to_dict("a.jpg")
    assert list(record) == ["schema_version", "record"] + [
        f.name for f in records.IMAGE_FIELDS]
    assert list(record)[:4] == ["schema_version", "record", "palmlite_version", "file"]
    assert list(record["hands"][0]) == [f.name for f in records.HAND_FIELDS]
    for field in records.HAND_FIELDS:  # the --help text documents every field
        assert f'"{field.name}"' in records.SCHEMA_HELP


def test_hand_from_record_reads_json_and_exact_records(lite):
    result = lite.detect(IMAGES / "two_thumbs_up.jpg")
    exact = records.result_from_record(records.image_record(result, "x", exact=True))
    assert_same_results(exact, result)
    rounded = records.result_from_record(json.loads(json.dumps(result.to_dict("x"))))
    for a, b in zip(rounded, result, strict=True):
        assert np.abs(a.landmarks_px - b.landmarks_px).max() <= 5e-4
        assert a.roi == b.roi  # ROI values are written unrounded
    # A version-2 record (no "source") reads as found on the whole image.
    old = result.to_dict("x")
    for hand in old["hands"]:
        del hand["source"]
    assert {hand.source for hand in records.result_from_record(old)} == {"image"}


def test_detect_table_rows_give_back_exactly_the_local_results(lite, tmp_path: Path):
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes((IMAGES / "hands.jpg").read_bytes()[:3000])
    paths = [str(p) for p in sorted(IMAGES.iterdir())] + [str(corrupt), str(tmp_path / "no.jpg")]
    table = data.detect_table(pa.table({"path": paths}), LITE)
    assert table.schema == IMAGE_SCHEMA and table.column("file").to_pylist() == paths
    errors = table.column("error").to_pylist()
    for path, error in zip(paths[-2:], errors[-2:], strict=True):
        with pytest.raises((ValueError, OSError)) as raised:
            lite.detect(path)
        assert error == str(raised.value)  # the very message detect raises
    assert errors[:-2] == [None] * 6
    # Every row, error rows too, names the release that made it.
    assert table.column("palmlite_version").to_pylist() == [palmlite.__version__] * len(paths)
    local = [lite.detect(path) for path in paths[:-2]]
    for rows in (table, table.to_batches()[0], table.to_pandas(), table.to_pylist(),
                 table.to_pandas(types_mapper=pd.ArrowDtype)):
        results = data.to_results(rows)
        assert results[-2:] == [None, None]
        for ours, theirs in zip(results, local, strict=False):
            assert ours is not None
            assert_same_results(ours, theirs)
    assert len(data.to_results(table, errors="skip")) == 6
    with pytest.raises(ValueError, match=r"corrupt\.jpg: cannot read image"):
        data.to_results(table, errors="raise")


def test_detect_table_decodes_a_bytes_column(lite):
    images = [(IMAGES / "hands.jpg").read_bytes(), b"not an image", None]
    table = data.detect_table(pa.table({"bytes": images, "path": ["a", "b", "c"]}), LITE)
    assert table.column("file").to_pylist() == ["a", "b", "c"]
    error = table.column("error").to_pylist()
    assert error[0] is None and error[1].startswith("cannot read image from 12 bytes")
    assert "null" in error[2]
    ours = data.to_results(table)[0]
    assert ours is not None
    assert_same_results(ours, lite.detect(IMAGES / "hands.jpg"))
    with pytest.raises(ValueError, match="'path' or a 'bytes' column"):
        data.detect_table(pa.table({"x": [1]}), LITE)


def test_track_video_streams_chunks_equal_to_a_fresh_local_tracker(lite):
    tracker_options = TrackerOptions(smooth_landmarks=True, smooth_handedness=True)
    chunks = list(data.track_video(str(CLIP), LITE, tracker_options, chunk_frames=16))
    assert [chunk.num_rows for chunk in chunks] == [16, 16, 8]
    results = data.to_results(pa.concat_tables(chunks))
    tracker = palmlite.HandTracker(lite, smooth_landmarks=True, smooth_handedness=True)
    for frame, ours in zip(palmlite.read_video(CLIP), results, strict=True):
        assert ours is not None
        assert_same_results(ours, tracker.track(frame.image, timestamp_ms=frame.timestamp_ms))
    assert results[0] is not None and results[0][0].track_id == 0
    # Bytes in, file named by the caller; a corrupt video is one error row.
    again = pa.concat_tables(data.track_video(CLIP.read_bytes(), LITE, file="clip.mp4"))
    assert set(again.column("file").to_pylist()) == {"clip.mp4"} and again.num_rows == 40
    (bad,) = list(data.track_video(b"junk", LITE, file="junk.mp4"))
    assert bad.num_rows == 1 and bad.column("frame").to_pylist() == [None]
    assert "cannot read video" in bad.column("error")[0].as_py()


def test_options_are_checked_values():
    options = LandmarkerOptions(model="lite", search=palmlite.SearchOptions(zoom=2.0),
                                weights_dir=Path("/w"))
    assert options.weights_dir == "/w" and hash(options) == hash(pickle.loads(
        pickle.dumps(options)))
    assert hash(TrackerOptions(detection_interval=3)) == hash(TrackerOptions(3))
    for bad in ({"max_hands": 0}, {"model": "huge"}, {"min_detection_confidence": 2.0},
                {"num_threads": 0}, {"search": "everything"}):
        with pytest.raises(ValueError):
            LandmarkerOptions(**bad)  # type: ignore[arg-type]
    for bad in ({"mirrored": "no"}, {"num_threads": None}, {"weights_dir": 3}):
        with pytest.raises(TypeError):
            LandmarkerOptions(**bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        TrackerOptions(detection_interval=0)
    with pytest.raises(TypeError):
        TrackerOptions(world_filter=None)  # type: ignore[arg-type]
    assert data.landmarker_for(LITE) is data.landmarker_for(LandmarkerOptions(model="lite"))


def test_tracker_options_mirror_the_trackers_config():
    # TrackerOptions repeats TrackerConfig's fields (but max_hands, the landmarker's) as a
    # value engines can ship: a field added to one must be added to the other.
    from dataclasses import fields

    from palmlite.tracking import TrackerConfig

    config = {f.name: f.default for f in fields(TrackerConfig) if f.name != "max_hands"}
    assert {f.name: f.default for f in fields(TrackerOptions)} == config
