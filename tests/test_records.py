"""Results as plain data: ``to_dict()`` gives exactly the command line's records."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata

import pytest
from conftest import DATA, IMAGES

import palmlite
from palmlite import records
from palmlite.cli import main

# Part of the per-Python subset (noxfile.py's tests sessions run it on every Python).
pytestmark = pytest.mark.matrix

CLIP = DATA / "videos" / "asl_hand_40.mp4"


def test_detect_result_to_dict_is_the_cli_record(capsys):
    path = str(IMAGES / "hands.jpg")
    assert main(["detect", path, "--model", "lite", "--threads", "1", "-q"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    landmarker = palmlite.HandLandmarker(model="lite", num_threads=1)
    result = landmarker.detect(path)
    record = result.to_dict(path)
    assert json.loads(json.dumps(record, allow_nan=False)) == json.loads(line) == record
    assert [hand.to_dict() for hand in result] == record["hands"]
    assert len(record["hands"]) == 2
    assert result.to_dict()["file"] is None  # the layout does not change without a file


def test_tracked_frame_to_dict_is_the_cli_record(capsys):
    assert main(["track", str(CLIP), "--model", "lite", "--max-hands", "1", "--threads", "1",
                 "-q"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    tracker = palmlite.HandTracker(max_hands=1, model="lite", num_threads=1)
    ours = []
    for frame in palmlite.read_video(CLIP):
        result = tracker.track(frame.image, timestamp_ms=frame.timestamp_ms)
        assert isinstance(result, palmlite.FrameResult)
        assert result.frame == frame.index and result.timestamp_ms == frame.timestamp_ms
        ours.append(result.to_dict(str(CLIP)))
    assert ours == lines[:-1]
    assert lines[-1] == records.video_end_record(str(CLIP), 40)
    assert ours[0]["palm_detector_ran"] is True and ours[1]["palm_detector_ran"] is False


def test_frame_index_and_timestamps_follow_the_tracker_state():
    tracker = palmlite.HandTracker(max_hands=1, model="lite", num_threads=1)
    frame = palmlite.read_video(CLIP).__next__().image
    first, second = tracker.track(frame), tracker.track(frame)
    assert (first.frame, second.frame) == (0, 1)
    assert second.timestamp_ms == pytest.approx(1000 / 30)  # assumed 30 fps without timestamps
    state = tracker.state.to_dict()
    restored = palmlite.HandTracker(max_hands=1, model="lite", num_threads=1)
    restored.state = state
    assert restored.track(frame).frame == 2
    tracker.reset()
    assert tracker.track(frame).frame == 0


def test_record_kind_accepts_every_version_of_this_command_only():
    image = {"schema_version": 2, "record": "image", "file": "a.jpg"}
    assert records.record_kind(image, "detect") == "image"
    assert records.record_kind({"schema_version": 1, "file": "a.jpg"}, "detect") == "image"
    assert records.record_kind(image, "track") is None
    for bad in ({**image, "schema_version": True}, {**image, "schema_version": 0},
                {**image, "file": 3}, [image], {**image, "record": "frame"}):
        assert records.record_kind(bad, "detect") is None


def test_every_record_names_the_release_that_wrote_it(tmp_path, capsys):
    # One source of truth: the package metadata (pyproject.toml's version, once installed).
    version = metadata.version("palmlite")
    assert palmlite.__version__ == version
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out == f"palmlite {version}\n"
    done = subprocess.run([sys.executable, "-m", "palmlite", "--version"], cwd=tmp_path,
                          capture_output=True, text=True, check=True)
    assert done.stdout == f"palmlite {version}\n"
    result = palmlite.HandsResult((), (4, 3))
    for record in (result.to_dict("a.jpg"), records.video_end_record("v.mp4", 0)):
        assert record["palmlite_version"] == version
        assert list(record)[:3] == ["schema_version", "record", "palmlite_version"]
    assert records.record_kind(result.to_dict("a.jpg"), "detect") == "image"


def test_a_source_tree_never_installed_says_so(monkeypatch):
    from palmlite import _version

    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(_version.metadata, "version", missing)
    assert _version._installed_version() == _version.UNKNOWN_VERSION == "0+unknown"
