"""Outputs a user can trust: nothing is written over an input or replaced unasked, and a run
stopped by SIGTERM or Ctrl-C leaves complete records that ``--resume`` finishes.

Every case the data-safety issue found destroying files (exit 0!) is here, run the way a
careless user would type it, and each must now be refused with exit 2 before anything is
written: every file in the folder is compared byte for byte before and after.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import pytest
from conftest import DATA, IMAGES
from video_utils import remux

import palmlite
from palmlite.cli import main
from palmlite.inputs import Input
from palmlite.outputs import (
    UsageError,
    check_annotation_targets,
    check_records_path,
    plan_records,
)

# Part of the per-Python subset (noxfile.py's tests sessions run it on every Python).
pytestmark = pytest.mark.matrix

CLIP = DATA / "videos" / "asl_hand_40.mp4"
FAST = ["--model", "lite", "--max-hands", "1", "--threads", "1", "-q"]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (links followed) and its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding two photos and a clip; the current folder during the test."""
    shutil.copy(IMAGES / "hands.jpg", tmp_path / "a.jpg")
    shutil.copy(IMAGES / "hand_crop_224.jpg", tmp_path / "b.jpg")
    shutil.copy(CLIP, tmp_path / "v.mp4")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def refused(place: Path, argv: list[str], capsys: pytest.CaptureFixture[str],
            message: str) -> None:
    """``argv`` must exit 2 with ``message`` on one stderr line and change no file."""
    before = snapshot(place)
    assert main([*argv, *FAST]) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert len(err.strip().splitlines()) == 1, err
    assert snapshot(place) == before


# -- the cases found destroying data ---------------------------------------------------------


def test_output_that_is_the_input_is_refused(place: Path, capsys):
    refused(place, ["detect", "a.jpg", "-o", "a.jpg"], capsys, "-o a.jpg is the input a.jpg")
    refused(place, ["detect", "a.jpg", "-o", "./a.jpg", "--overwrite"], capsys, "is the input")
    refused(place, ["track", "v.mp4", "-o", "v.mp4"], capsys, "-o v.mp4 is the input v.mp4")


def test_output_linked_to_an_input_is_refused(place: Path, capsys):
    os.symlink("a.jpg", "r.jsonl")
    refused(place, ["detect", "a.jpg", "-o", "r.jsonl"], capsys, "is the input a.jpg")
    refused(place, ["detect", "a.jpg", "-o", "r.jsonl", "--overwrite"], capsys, "is the input")
    os.link("b.jpg", "hard.jsonl")
    refused(place, ["detect", "b.jpg", "-o", "hard.jsonl", "--overwrite"], capsys,
            "-o hard.jsonl is the input b.jpg")


def test_output_inside_a_scanned_input_folder_is_refused(place: Path, capsys):
    (place / "in").mkdir()
    shutil.copy(place / "a.jpg", place / "in" / "a.jpg")
    refused(place, ["detect", "in", "-o", "in/results.jsonl"], capsys,
            "lies inside the input folder in")
    refused(place, ["detect", ".", "-o", "r.jsonl"], capsys, "lies inside the input folder .")
    # A subfolder is scanned only with --recursive.
    refused(place, ["detect", ".", "--recursive", "-o", "out/r.jsonl"], capsys,
            "lies inside the input folder .")
    assert main(["detect", "in", "-o", "in/records/r.jsonl", *FAST]) == 0


def test_existing_output_needs_resume_or_overwrite(place: Path, capsys):
    (place / "notes.txt").write_text("my notes\n")
    refused(place, ["detect", "a.jpg", "-o", "notes.txt"], capsys,
            "notes.txt exists; pass --resume to continue it or --overwrite to replace it")
    # A second run on other photos used to replace the first run's records.
    assert main(["detect", "a.jpg", "-o", "out.jsonl", *FAST]) == 0
    refused(place, ["detect", "b.jpg", "-o", "out.jsonl"], capsys, "out.jsonl exists")
    assert main(["detect", "b.jpg", "-o", "out.jsonl", "--resume", *FAST]) == 0
    files = [json.loads(line)["file"] for line in Path("out.jsonl").read_text().splitlines()]
    assert files == ["a.jpg", "b.jpg"]
    # --overwrite replaces it, and leaves no side file.
    assert main(["detect", "b.jpg", "-o", "out.jsonl", "--overwrite", *FAST]) == 0
    assert [json.loads(line)["file"] for line in Path("out.jsonl").read_text().splitlines()] \
        == ["b.jpg"]
    assert not Path("out.jsonl.partial").exists()
    # --overwrite of a file that is not palmlite's output is what the user asked for.
    assert main(["detect", "a.jpg", "-o", "notes.txt", "--overwrite", *FAST]) == 0
    assert json.loads(Path("notes.txt").read_text())["file"] == "a.jpg"


def test_annotate_through_a_folder_link_onto_the_inputs_is_refused(place: Path, capsys):
    (place / "in").mkdir()
    shutil.move(place / "a.jpg", place / "in" / "a.jpg")
    shutil.move(place / "b.jpg", place / "in" / "b.jpg")
    os.symlink("in", "alias")
    refused(place, ["detect", "alias", "--annotate", "in"], capsys, "input folder alias")
    refused(place, ["detect", "alias", "--annotate", "in", "--overwrite"], capsys, "alias")


def test_annotate_into_a_scanned_subfolder_is_refused(place: Path, capsys):
    (place / "in" / "sub").mkdir(parents=True)
    shutil.copy(place / "a.jpg", place / "in" / "x.jpg")
    shutil.copy(place / "b.jpg", place / "in" / "sub" / "x.jpg")
    refused(place, ["detect", "in", "--recursive", "--annotate", "in/sub"], capsys,
            "inside the input folder in")


def test_annotate_onto_the_records_file_is_refused(place: Path, capsys):
    (place / "ann").mkdir()
    refused(place, ["detect", "b.jpg", "-o", "ann/b.jpg", "--annotate", "ann"], capsys,
            "over the records file -o ann/b.jpg")


def test_annotated_video_linked_to_the_input_is_refused(place: Path, capsys):
    os.symlink("v.mp4", "vl.mp4")
    refused(place, ["track", "v.mp4", "--annotate", "vl.mp4"], capsys,
            "would write vl.mp4 over the input v.mp4")
    refused(place, ["track", "v.mp4", "--annotate", "vl.mp4", "--overwrite"], capsys,
            "over the input v.mp4")


def test_existing_annotated_pictures_need_overwrite(place: Path, capsys):
    (place / "ann").mkdir()
    (place / "ann" / "a.jpg").write_bytes(b"someone else's picture")
    refused(place, ["detect", "a.jpg", "b.jpg", "--annotate", "ann"], capsys,
            "ann/a.jpg exist(s) already; pass --overwrite")
    assert main(["detect", "a.jpg", "b.jpg", "--annotate", "ann", "--overwrite", *FAST]) == 0
    assert (place / "ann" / "a.jpg").read_bytes()[:2] == b"\xff\xd8"  # a JPEG now
    (place / "clip.mp4").write_bytes(b"my own video")
    refused(place, ["track", "v.mp4", "--annotate", "clip.mp4"], capsys,
            "clip.mp4 exist(s) already")


def test_track_given_a_photo_and_detect_given_a_video(place: Path, capsys):
    assert main(["detect", "v.mp4", "a.jpg", *FAST]) == 1
    captured = capsys.readouterr()
    assert "v.mp4: it is a video" in captured.err and "palmlite track" in captured.err
    assert [json.loads(line)["file"] for line in captured.out.splitlines()] == ["a.jpg"]
    assert main(["track", "a.jpg", *FAST]) == 1
    captured = capsys.readouterr()
    assert "still image" in captured.err and captured.out == ""


# -- the checks as library functions -----------------------------------------------------------


def test_guards_compare_files_not_strings(tmp_path: Path):
    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    os.link(photo, tmp_path / "sub" / "hard.jsonl")
    item = Input(str(photo), photo, str(photo), Path("p.jpg"), False)
    for other in (tmp_path / "sub" / ".." / "p.jpg", tmp_path / "sub" / "hard.jsonl"):
        with pytest.raises(UsageError, match="is the input"):
            check_records_path(other, [item], [])
    check_records_path(tmp_path / "sub" / "fine.jsonl", [item], [])
    with pytest.raises(UsageError, match="over the input"):
        check_annotation_targets({item.key: tmp_path / "sub" / "hard.jsonl"}, [item], [], None,
                                 pending={item.key}, replace=True)


def test_plan_records_reads_and_never_writes(tmp_path: Path):
    out = tmp_path / "r.jsonl"
    out.write_text('{"schema_version": 2, "record": "image", "file": "a.jpg", "width": 1, '
                   '"height": 1, "hands": []}\n{"schema_v')  # a cut last line
    before = out.read_bytes()
    plan = plan_records(str(out), "detect", resume=True, overwrite=False)
    assert plan.scan is not None and plan.scan.truncated and len(plan.done) == 1
    assert out.read_bytes() == before  # repaired only once the run really opens it
    with pytest.raises(UsageError, match="not a palmlite track record"):
        plan_records(str(out), "track", resume=True, overwrite=False)
    assert plan_records("-", "detect", resume=False, overwrite=False).path is None


# -- stopping: SIGTERM and an interrupted --overwrite ------------------------------------------


def _start(argv: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "palmlite", *argv, *FAST], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _stop_after(process: subprocess.Popen[str], path: Path, lines: int) -> tuple[int, str]:
    """SIGTERM ``process`` once ``path`` has ``lines`` lines; its exit status and stderr."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if path.exists() and path.read_bytes().count(b"\n") >= lines:
            break
        time.sleep(0.02)
    assert process.poll() is None, "the run ended before it could be stopped"
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    return process.returncode, err


def _complete_lines(path: Path) -> list[dict[str, object]]:
    data = path.read_bytes()
    assert data.endswith(b"\n")
    return [json.loads(line) for line in data.splitlines()]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_stops_detect_cleanly_and_resume_finishes(tmp_path: Path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for index in range(40):
        shutil.copy(IMAGES / "hand_crop_224.jpg", photos / f"{index:02}.jpg")
    out = tmp_path / "r.jsonl"
    status, err = _stop_after(_start(["detect", "photos", "-o", "r.jsonl"], tmp_path), out, 3)
    assert status == 143, err
    assert "stopped by SIGTERM" in err and "--resume" in err
    written = _complete_lines(out)
    assert 3 <= len(written) < 40
    done = subprocess.run([sys.executable, "-m", "palmlite", "detect", "photos", "-o",
                           "r.jsonl", "--resume", *FAST], cwd=tmp_path, check=True)
    assert done.returncode == 0
    files = [record["file"] for record in _complete_lines(out)]
    assert sorted(files) == sorted(f"photos/{index:02}.jpg" for index in range(40))


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_stops_track_cleanly_and_resume_finishes(tmp_path: Path):
    shutil.copy(CLIP, tmp_path / "v.mp4")
    out = tmp_path / "f.jsonl"
    process = _start(["track", "v.mp4", "-o", "f.jsonl", "--annotate", "v_annotated.mp4"],
                     tmp_path)
    status, err = _stop_after(process, out, 5)
    assert status == 143 and "stopped by SIGTERM" in err, err
    assert all(record["record"] == "frame" for record in _complete_lines(out))
    assert not (tmp_path / "v_annotated.mp4").exists()  # no half video
    assert not list(tmp_path.glob(".v_annotated.mp4.*"))  # nor its temporary file
    subprocess.run([sys.executable, "-m", "palmlite", "track", "v.mp4", "-o", "f.jsonl",
                    "--annotate", "v_annotated.mp4", "--resume", *FAST], cwd=tmp_path,
                   check=True)
    records = _complete_lines(out)
    assert [r["frame"] for r in records if r["record"] == "frame"] == list(range(40))
    assert records[-1] == {"schema_version": 3, "record": "video_end",
                           "palmlite_version": palmlite.__version__, "file": "v.mp4",
                           "frames": 40}
    assert (tmp_path / "v_annotated.mp4").stat().st_size > 0


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_stopping_a_live_stream_ends_it_with_complete_records(tmp_path: Path):
    stream = remux(tmp_path / "live.ts", "mpegts", repeat=3).read_bytes()
    out = tmp_path / "f.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "palmlite", "track", "-", "-o", "f.jsonl", "--annotate",
         "live.mp4", *FAST], cwd=tmp_path, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdin is not None
    process.stdin.write(stream)  # and keep stdin open: the source has no end of its own
    process.stdin.flush()
    deadline = time.monotonic() + 120
    while not (out.exists() and out.read_bytes().count(b"\n") >= 10):
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    records = _complete_lines(out)
    frames = [r for r in records if r["record"] == "frame"]
    assert records[-1] == {"schema_version": 3, "record": "video_end",
                           "palmlite_version": palmlite.__version__, "file": "-",
                           "frames": len(frames)}
    assert [r["frame"] for r in frames] == list(range(len(frames)))
    # Stopping is how a live source ends: its annotated video is kept, playable.
    with av.open(str(tmp_path / "live.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == len(frames)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_interrupted_overwrite_leaves_the_old_file_and_resumes(tmp_path: Path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for index in range(30):
        shutil.copy(IMAGES / "hand_crop_224.jpg", photos / f"{index:02}.jpg")
    out = tmp_path / "r.jsonl"
    out.write_text("the old results\n")
    partial = tmp_path / "r.jsonl.partial"
    process = _start(["detect", "photos", "-o", "r.jsonl", "--overwrite"], tmp_path)
    status, err = _stop_after(process, partial, 2)
    assert status == 143 and "r.jsonl is unchanged" in err and "--resume" in err, err
    assert out.read_text() == "the old results\n"
    assert len(_complete_lines(partial)) >= 2
    subprocess.run([sys.executable, "-m", "palmlite", "detect", "photos", "-o", "r.jsonl",
                    "--overwrite", "--resume", *FAST], cwd=tmp_path, check=True)
    assert not partial.exists()
    files = [record["file"] for record in _complete_lines(out)]
    assert sorted(files) == sorted(f"photos/{index:02}.jpg" for index in range(30))
