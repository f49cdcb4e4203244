"""The first CLI: ``palmlite detect [IMAGE ...]``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from palmlite.cli import SAMPLE_IMAGE, main

from conftest import IMAGES


def test_detect_prints_one_json_object_per_image(capsys):
    assert main(["detect", str(IMAGES / "hands.jpg"), str(IMAGES / "thumb_up_teal.jpg")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["schema_version"] == 1 and first["file"].endswith("hands.jpg")
    assert (first["width"], first["height"]) == (720, 382) and len(first["hands"]) == 2
    hand = first["hands"][0]
    assert np.asarray(hand["landmarks"]).shape == (21, 3)
    assert np.asarray(hand["landmarks_px"]).shape == (21, 3)
    assert np.asarray(hand["world_landmarks"]).shape == (21, 3)
    assert hand["handedness"] == "Left" and set(hand["roi"]) >= {"x_center", "rotation"}
    assert len(hand["palm"]["keypoints"]) == 7


def test_no_argument_runs_on_the_bundled_sample(capsys):
    assert SAMPLE_IMAGE.is_file()
    assert main(["detect"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["file"] == str(SAMPLE_IMAGE) and len(record["hands"]) == 1


def test_unreadable_file_is_reported_and_the_rest_processed(tmp_path: Path, capsys):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"nope")
    assert main(["detect", str(bad), str(IMAGES / "thumb_up_teal.jpg")]) == 1
    captured = capsys.readouterr()
    assert "bad.jpg" in captured.err and len(captured.out.splitlines()) == 1


def test_mirrored_and_model_options(capsys):
    assert main(["detect", "--model", "lite", "--mirrored", "--max-hands", "1",
                 str(IMAGES / "hands.jpg")]) == 0
    record = json.loads(capsys.readouterr().out)
    assert len(record["hands"]) == 1 and record["hands"][0]["handedness"] == "Right"


def test_console_entry_runs_as_module(tmp_path: Path):
    # From another directory, as a user would after installing.
    done = subprocess.run([sys.executable, "-m", "palmlite", "detect"], cwd=tmp_path,
                          capture_output=True, text=True, check=True)
    assert json.loads(done.stdout)["hands"]
