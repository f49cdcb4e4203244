"""``-o OUT.parquet``: the rows palmlite.data gives, written whole or left in OUT.partial."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import DATA, IMAGES

import palmlite
from palmlite import data
from palmlite.cli import main
from palmlite.data import LandmarkerOptions
from palmlite.outputs import open_records, plan_records

# Part of the per-Python subset (noxfile.py's tests sessions run it on every Python).
pytestmark = pytest.mark.matrix

FAST = ["--model", "lite", "--threads", "1", "-q"]
LITE = LandmarkerOptions(model="lite")


@pytest.fixture()
def inputs(tmp_path: Path) -> list[str]:
    names = []
    for path in sorted(IMAGES.iterdir())[:3]:
        shutil.copy(path, tmp_path / path.name)
        names.append(str(tmp_path / path.name))
    (tmp_path / "bad.jpg").write_text("not an image")
    return [*names, str(tmp_path / "bad.jpg")]


def test_detect_parquet_is_detect_table(inputs: list[str], tmp_path: Path, capsys):
    out = tmp_path / "out" / "r.parquet"
    assert main(["detect", *inputs, "-o", str(out), *FAST]) == 1  # one input failed
    assert "bad.jpg" in capsys.readouterr().err
    # Parquet names list items "element" (its spec), Arrow "item": otherwise the same.
    table = pq.read_table(out).cast(data.IMAGE_SCHEMA)
    assert table.schema.equals(data.IMAGE_SCHEMA, check_metadata=True)
    assert table.equals(data.detect_table(pa.table({"path": inputs}), LITE))
    assert not out.with_name("r.parquet.partial").exists()
    # An existing OUT is refused, --resume always.
    assert main(["detect", *inputs[:1], "-o", str(out), *FAST]) == 2
    assert main(["detect", *inputs[:1], "-o", str(out), "--resume", *FAST]) == 2
    assert "--resume cannot continue" in capsys.readouterr().err
    assert main(["detect", *inputs[:1], "-o", str(out), "--overwrite", *FAST]) == 0
    assert pq.read_table(out).num_rows == 1


def test_track_parquet_rows_and_a_failed_video(tmp_path: Path):
    clip = DATA / "videos" / "asl_hand_40.mp4"
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"junk")
    out = tmp_path / "frames.parquet"
    assert main(["track", str(clip), str(bad), "-o", str(out), "--max-hands", "1", *FAST]) == 1
    table = pq.read_table(out)
    assert table.num_rows == 41 and table.column("frame").to_pylist()[:40] == list(range(40))
    assert table.column("error").to_pylist()[-1].startswith("cannot read video")
    tracker = palmlite.HandTracker(max_hands=1, model="lite", num_threads=1)
    ours = data.to_results(table.slice(0, 40))
    for frame, result in zip(palmlite.read_video(clip), ours, strict=True):
        local = tracker.track(frame.image, timestamp_ms=frame.timestamp_ms)
        assert result is not None and result.to_dict() == local.to_dict()


def test_a_stopped_run_leaves_complete_rows_in_partial(tmp_path: Path):
    out = tmp_path / "r.parquet"
    records = open_records(plan_records(str(out), "detect", resume=False, overwrite=False),
                           print)
    result = palmlite.HandLandmarker(model="lite", num_threads=1).detect(IMAGES / "hands.jpg")
    records.write_image(result, "hands.jpg")
    records.close()  # what a stop does
    assert not out.exists()
    partial = tmp_path / "r.parquet.partial"
    assert pq.read_table(partial).column("file").to_pylist() == ["hands.jpg"]
    with pytest.raises(Exception, match="partial exists"):
        plan_records(str(out), "detect", resume=False, overwrite=False)
    plan = plan_records(str(out), "detect", resume=False, overwrite=True)
    assert plan.write_to == partial
    partial.write_text("something else")
    with pytest.raises(Exception, match="not a Parquet file"):
        plan_records(str(out), "detect", resume=False, overwrite=True)
