"""The command line: ``palmlite detect`` and ``palmlite track``, in-process and as a subprocess.

Every record any test sees is checked against the documented schema (``check_record``, the
test-side copy of ``palmlite.cli.SCHEMA_HELP``). Runs use the lite model and few hands to stay
fast.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from conftest import DATA, IMAGES
from PIL import Image

import palmlite
from palmlite import records
from palmlite.cli import SAMPLE_IMAGE, main
from palmlite.video import VideoWriter
from palmlite.video import writer as video_writer

# Part of the per-Python subset (noxfile.py's tests sessions run it on every Python).
pytestmark = pytest.mark.matrix

CLIP = DATA / "videos" / "asl_hand_40.mp4"  # 310x540, 40 frames at 25 fps, one hand throughout
CLIP_SIZE, CLIP_FRAMES = (310, 540), 40

# -- the documented schema, as a checker ------------------------------------------------------

_ROI_KEYS = {"x_center", "y_center", "width", "height", "rotation"}
_HAND_KEYS = {"handedness", "handedness_score", "presence", "landmarks", "landmarks_px",
              "world_landmarks", "roi", "palm", "track_id", "source"}


def _points(value: Any, shape: tuple[int, int]) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    assert array.shape == shape and np.isfinite(array).all()
    return array


def check_hand(hand: dict[str, Any], width: int, height: int, tracked: bool) -> None:
    assert set(hand) == _HAND_KEYS
    assert hand["handedness"] in ("Left", "Right")
    assert 0.5 <= hand["handedness_score"] <= 1.0 and 0.0 <= hand["presence"] <= 1.0
    normalized = _points(hand["landmarks"], (21, 3))
    pixels = _points(hand["landmarks_px"], (21, 3))
    _points(hand["world_landmarks"], (21, 3))
    # The two image spaces describe the same points (rounding: 6 and 3 decimals).
    np.testing.assert_allclose(pixels[:, :2], normalized[:, :2] * [width, height], atol=0.01)
    roi = hand["roi"]
    assert set(roi) == _ROI_KEYS and all(math.isfinite(roi[k]) for k in _ROI_KEYS)
    assert roi["width"] > 0 and roi["height"] > 0
    palm = hand["palm"]
    if palm is not None:
        assert set(palm) == {"score", "box_xywh", "keypoints"} and 0 <= palm["score"] <= 1
        assert len(palm["box_xywh"]) == 4
        _points(palm["keypoints"], (7, 2))
    # A hand tracked from the last frame has no palm of this frame; a detected one has.
    assert (hand["source"] == "tracking") == (palm is None)
    assert hand["source"] in ("image", "tile", "flip", "tracking")
    if tracked:
        assert isinstance(hand["track_id"], int) and hand["track_id"] >= 0
    else:
        assert hand["track_id"] is None and palm is not None


def check_record(record: dict[str, Any]) -> str:
    """Assert ``record`` follows the documented schema; return its kind."""
    assert record["schema_version"] == records.SCHEMA_VERSION == 3
    assert record["palmlite_version"] == palmlite.__version__
    assert isinstance(record["file"], str) and record["file"]
    kind = record["record"]
    if kind == "video_end":
        assert set(record) == {"schema_version", "record", "palmlite_version", "file", "frames"}
        assert isinstance(record["frames"], int) and record["frames"] >= 0
        return kind
    common = {"schema_version", "record", "palmlite_version", "file", "width", "height",
              "hands"}
    if kind == "image":
        assert set(record) == common
    else:
        assert kind == "frame"
        assert set(record) == common | {"frame", "timestamp_ms", "palm_detector_ran"}
        assert isinstance(record["frame"], int) and record["frame"] >= 0
        assert math.isfinite(record["timestamp_ms"])
        assert isinstance(record["palm_detector_ran"], bool)
    width, height = record["width"], record["height"]
    assert isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0
    for hand in record["hands"]:
        check_hand(hand, width, height, tracked=kind == "frame")
    return kind


def parse_records(text: str) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in text.splitlines()]
    for record in records:
        check_record(record)
    return records


def read_video_back(path: Path) -> tuple[str, list[tuple[int, int]], list[float]]:
    """Codec name, frame sizes and timestamps (ms) of a video, decoded with PyAV."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        codec = stream.codec_context.name
        frames = list(container.decode(stream))
    return (codec, [(f.width, f.height) for f in frames],
            [float(f.pts * f.time_base * 1000) for f in frames])


@pytest.fixture
def detect_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts HandLandmarker.detect calls (one per image the CLI really processes)."""
    calls: list[int] = []
    original = palmlite.HandLandmarker.detect

    def counting(self: palmlite.HandLandmarker, image: Any) -> palmlite.HandsResult:
        calls.append(1)
        return original(self, image)

    monkeypatch.setattr(palmlite.HandLandmarker, "detect", counting)
    return calls


@pytest.fixture
def image_dir(tmp_path: Path) -> Path:
    """A folder of photos: two at the top, one in a subfolder, plus a non-image file."""
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(IMAGES / "hands.jpg", folder / "a_hands.jpg")
    shutil.copy(IMAGES / "thumbs_up_rgba.png", folder / "b_rgba.png")
    shutil.copy(IMAGES / "hand_crop_224.jpg", folder / "sub" / "c_crop.jpg")
    (folder / "notes.txt").write_text("not an image")
    return folder


@pytest.fixture(scope="module")
def short_clips(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two 6-frame clips cut from the committed clip (fast enough for resume scenarios)."""
    folder = tmp_path_factory.mktemp("clips")
    frames = [f.image for f in palmlite.read_video(CLIP)][:6]
    for name in ("one.mp4", "two.mp4"):
        with av.open(str(folder / name), "w", format="mp4") as container:
            stream = container.add_stream("mpeg4", rate=25)
            stream.width, stream.height, stream.pix_fmt = *CLIP_SIZE, "yuv420p"
            for index, rgb in enumerate(frames):
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
                frame.pts, frame.time_base = index, Fraction(1, 25)
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)
    return folder


# -- detect ----------------------------------------------------------------------------------


def test_detect_prints_one_json_object_per_image(capsys):
    assert main(["detect", str(IMAGES / "hands.jpg"), str(IMAGES / "thumb_up_teal.jpg")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    first, _ = parse_records("\n".join(lines))
    assert first["record"] == "image" and first["file"].endswith("hands.jpg")
    assert (first["width"], first["height"]) == (720, 382) and len(first["hands"]) == 2
    hand = first["hands"][0]
    assert hand["handedness"] == "Left" and set(hand["roi"]) >= {"x_center", "rotation"}
    assert len(hand["palm"]["keypoints"]) == 7


def test_no_argument_runs_on_the_bundled_sample(capsys):
    assert SAMPLE_IMAGE.is_file()
    assert main(["detect"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["file"] == str(SAMPLE_IMAGE) and len(record["hands"]) == 1
    # A bare `palmlite` is the same command.
    assert main([]) == 0
    assert json.loads(capsys.readouterr().out) == record


def test_unreadable_file_is_reported_and_the_rest_processed(tmp_path: Path, capsys):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"nope")
    assert main(["detect", str(bad), str(IMAGES / "thumb_up_teal.jpg"),
                 str(tmp_path / "missing.jpg")]) == 1
    captured = capsys.readouterr()
    assert "bad.jpg" in captured.err and "missing.jpg" in captured.err
    assert len(parse_records(captured.out)) == 1
    assert "2 failed" in captured.err  # the summary


def test_any_decoder_failure_is_a_bad_input(capsys, monkeypatch: pytest.MonkeyPatch):
    # Pillow's decoders can raise more than OSError/ValueError on corrupt files.
    real = Image.open

    def flaky(source: Any, *args: Any, **kwargs: Any) -> Image.Image:
        if Path(getattr(source, "name", "")).name == "hands.jpg":
            raise EOFError("decoder ran out of data")
        return real(source, *args, **kwargs)

    monkeypatch.setattr(Image, "open", flaky)
    assert main(["detect", str(IMAGES / "hands.jpg"), str(IMAGES / "hand_crop_224.jpg"),
                 "--model", "lite"]) == 1
    captured = capsys.readouterr()
    assert "hands.jpg: decoder ran out of data" in captured.err
    assert [Path(r["file"]).name for r in parse_records(captured.out)] == ["hand_crop_224.jpg"]


def test_an_empty_path_is_refused_not_read_as_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    # Path("") is "."; an unset shell variable must not process whatever is there.
    shutil.copy(IMAGES / "hands.jpg", tmp_path / "hands.jpg")
    monkeypatch.chdir(tmp_path)
    assert main(["detect", "", "--model", "lite"]) == 1
    captured = capsys.readouterr()
    assert "an input path is empty" in captured.err and captured.out == ""


def test_mirrored_and_model_options(capsys):
    assert main(["detect", "--model", "lite", "--mirrored", "--max-hands", "1",
                 str(IMAGES / "hands.jpg")]) == 0
    (record,) = parse_records(capsys.readouterr().out)
    assert len(record["hands"]) == 1 and record["hands"][0]["handedness"] == "Right"


def test_help_documents_commands_schema_and_resume(capsys):
    for command in ("detect", "track"):
        with pytest.raises(SystemExit) as exit_info:
            main([command, "--help"])
        assert exit_info.value.code == 0
        text = capsys.readouterr().out
        for needle in ("schema_version 3", '"record": "image"', '"record": "frame"',
                       '"video_end"', "landmarks_px", "world_landmarks", "track_id",
                       "--resume", "--annotate", "--quiet", "exit status", "--recursive"):
            assert needle in text, (command, needle)
    assert "palmlite[video]" in text and "--detection-interval" in text and "--smooth" in text


def test_usage_errors_exit_2(capsys):
    for argv in (["detect", "--resume"], ["detect", "--max-hands", "0"],
                 ["track", str(CLIP), str(CLIP), "--annotate", "out.mp4"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
    assert "--resume needs -o" in capsys.readouterr().err


def test_folder_with_a_corrupt_file(image_dir: Path, tmp_path: Path, capsys):
    (image_dir / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated jpeg")
    (image_dir / ".hidden.jpg").write_bytes(b"skipped: hidden files are left out")
    out = tmp_path / "new" / "dir" / "out.jsonl"  # parent folders are created
    assert main(["detect", str(image_dir), "-o", str(out), "--model", "lite"]) == 1
    captured = capsys.readouterr()
    assert "broken.jpg" in captured.err and ".hidden" not in captured.err
    assert captured.out == ""  # records go to -o only
    records = parse_records(out.read_text())
    assert [Path(r["file"]).name for r in records] == ["a_hands.jpg", "b_rgba.png"]
    assert records[0]["file"] == str(image_dir / "a_hands.jpg")
    # --recursive adds the subfolder (--overwrite: OUT exists now).
    assert main(["detect", str(image_dir), "-o", str(out), "--model", "lite",
                 "--recursive", "-q", "--overwrite"]) == 1
    names = [Path(r["file"]).name for r in parse_records(out.read_text())]
    assert names == ["a_hands.jpg", "b_rgba.png", "c_crop.jpg"]


def test_annotated_images_keep_name_format_and_size(image_dir: Path, tmp_path: Path, capsys):
    annotated = tmp_path / "annotated"
    assert main(["detect", str(image_dir), "--recursive", "--annotate", str(annotated),
                 "--model", "lite", "--draw-roi"]) == 0
    records = parse_records(capsys.readouterr().out)
    assert len(records) == 3 and all(r["hands"] for r in records)
    for record in records:
        source = Path(record["file"])
        target = annotated / source.relative_to(image_dir)
        with Image.open(source) as original, Image.open(target) as drawn:
            assert drawn.size == original.size == (record["width"], record["height"])
            assert drawn.format == ("PNG" if source.suffix == ".png" else "JPEG")
            # The alpha channel of an RGBA input is kept.
            assert drawn.mode == original.mode == ("RGBA" if source.suffix == ".png" else "RGB")
            if drawn.mode == "RGBA":
                np.testing.assert_array_equal(np.asarray(drawn)[..., 3],
                                              np.asarray(original)[..., 3])


def test_annotate_never_overwrites_or_rereads_inputs(image_dir: Path, tmp_path: Path, capsys):
    out = tmp_path / "out.jsonl"
    before = {p: p.read_bytes() for p in image_dir.rglob("*") if p.is_file()}
    # Into the input folder itself: refused before anything is written.
    assert main(["detect", str(image_dir), "--annotate", str(image_dir), "-o", str(out)]) == 2
    assert "inside the input folder" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in image_dir.rglob("*") if p.is_file()} == before
    assert not out.exists()
    # Into a folder inside it: fine when that folder is not scanned (no --recursive)...
    inside = image_dir / "annotated"
    argv = ["detect", str(image_dir), "--annotate", str(inside), "-o", str(out),
            "--model", "lite", "-q"]
    assert main(argv) == 0
    assert len(parse_records(out.read_text())) == 2
    assert len([p for p in inside.rglob("*") if p.is_file()]) == 2
    # ... refused when it is: its pictures would be inputs of the next run.
    assert main([*argv, "--recursive", "--overwrite"]) == 2
    assert "inside the input folder" in capsys.readouterr().err
    assert len(parse_records(out.read_text())) == 2


def test_resume_skips_done_images_and_repairs_a_truncated_line(
    image_dir: Path, tmp_path: Path, capsys, detect_calls: list[int]
):
    out = tmp_path / "out.jsonl"
    argv = ["detect", str(image_dir), "--recursive", "-o", str(out), "--model", "lite"]
    assert main(argv) == 0 and len(detect_calls) == 3
    complete = out.read_bytes()
    # Everything done: a resumed run detects nothing and leaves the file as it was.
    assert main([*argv, "--resume"]) == 0
    assert len(detect_calls) == 3 and out.read_bytes() == complete
    assert "3 skipped" in capsys.readouterr().err
    # A crash in the middle of writing the last record: its line is cut short.
    lines = complete.splitlines(keepends=True)
    out.write_bytes(b"".join(lines[:-1]) + lines[-1][:50])
    assert main([*argv, "--resume"]) == 0
    assert len(detect_calls) == 4  # only the image whose record was cut
    assert "truncated" in capsys.readouterr().err
    records = parse_records(out.read_text())
    assert [r["file"] for r in records] == [json.loads(line)["file"] for line in lines]
    # Without --resume or --overwrite an existing file is refused and left alone.
    assert main([*argv[:2], "-o", str(out), "--model", "lite", "-q"]) == 2
    assert "--resume" in capsys.readouterr().err and len(parse_records(out.read_text())) == 3
    # --overwrite replaces it (not appended to).
    assert main([*argv[:2], "-o", str(out), "--model", "lite", "-q", "--overwrite"]) == 0
    assert len(parse_records(out.read_text())) == 2


def test_resume_accepts_version_1_records_and_refuses_foreign_files(
    tmp_path: Path, capsys, detect_calls: list[int]
):
    out = tmp_path / "out.jsonl"
    hands, teal = IMAGES / "hands.jpg", IMAGES / "thumb_up_teal.jpg"
    v1 = {"schema_version": 1, "file": str(hands), "width": 720, "height": 382, "hands": []}
    out.write_text(json.dumps(v1) + "\n")
    assert main(["detect", str(hands), str(teal), "-o", str(out), "--resume", "-q"]) == 0
    assert len(detect_calls) == 1
    assert [json.loads(line)["file"] for line in out.read_text().splitlines()] == [
        str(hands), str(teal)]
    # Not palmlite output: refuse, and leave the file alone.
    foreign = tmp_path / "notes.txt"
    foreign.write_text("my notes\nmore notes\n")
    assert main(["detect", str(hands), "-o", str(foreign), "--resume"]) == 2
    assert "not a palmlite detect record" in capsys.readouterr().err
    assert foreign.read_text() == "my notes\nmore notes\n" and len(detect_calls) == 1
    # One line without a newline looks like a cut last line, but not like a cut record.
    foreign.write_text("my notes")
    assert main(["detect", str(hands), "-o", str(foreign), "--resume"]) == 2
    assert foreign.read_text() == "my notes" and len(detect_calls) == 1


def test_progress_bar_only_on_a_terminal_and_quiet(capsys):
    assert main(["detect", "--model", "lite"]) == 0
    err = capsys.readouterr().err
    # Captured stderr is not a terminal: no bar, just the one-line summary.
    assert err.count("\n") == 1 and "\r" not in err and "palmlite detect: 1 image(s) done" in err
    assert main(["detect", "--model", "lite", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_console_entry_runs_as_module(tmp_path: Path):
    # From another directory, as a user would after installing; stdout holds only records.
    done = subprocess.run([sys.executable, "-m", "palmlite", "detect"], cwd=tmp_path,
                          capture_output=True, text=True, check=True)
    (record,) = parse_records(done.stdout)
    assert record["hands"] and "palmlite detect:" in done.stderr


def test_subprocess_detect_on_a_folder_with_a_corrupt_file(image_dir: Path, tmp_path: Path):
    (image_dir / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    out, annotated = tmp_path / "out.jsonl", tmp_path / "annotated"
    done = subprocess.run(
        [sys.executable, "-m", "palmlite", "detect", str(image_dir), "-o", str(out),
         "--annotate", str(annotated), "--model", "lite"],
        capture_output=True, text=True,
    )
    assert done.returncode == 1 and "broken.png" in done.stderr and done.stdout == ""
    records = parse_records(out.read_text())
    assert [Path(r["file"]).name for r in records] == ["a_hands.jpg", "b_rgba.png"]
    assert sorted(p.name for p in annotated.iterdir()) == ["a_hands.jpg", "b_rgba.png"]


# -- track -----------------------------------------------------------------------------------


def _check_track_output(records: list[dict[str, Any]], file: str, frames: int) -> None:
    *frame_records, end = records
    assert end == {"schema_version": 3, "record": "video_end",
                   "palmlite_version": palmlite.__version__, "file": file, "frames": frames}
    assert [r["frame"] for r in frame_records] == list(range(frames))
    assert all(r["file"] == file for r in frame_records)
    assert all((r["width"], r["height"]) == CLIP_SIZE for r in frame_records)
    stamps = [r["timestamp_ms"] for r in frame_records]
    assert stamps == [40.0 * i for i in range(frames)]
    # One hand throughout: found on the first frame, then tracked with the same id.
    assert frame_records[0]["palm_detector_ran"] is True
    assert all(len(r["hands"]) == 1 for r in frame_records)
    assert {r["hands"][0]["track_id"] for r in frame_records} == {0}


def test_track_as_subprocess_writes_frames_and_the_annotated_video(tmp_path: Path):
    out, video = tmp_path / "frames.jsonl", tmp_path / "annotated" / "clip.mp4"
    subprocess.run(
        [sys.executable, "-m", "palmlite", "track", str(CLIP), "-o", str(out),
         "--annotate", str(video), "--model", "lite", "--max-hands", "1"],
        capture_output=True, text=True, check=True,
    )
    _check_track_output(parse_records(out.read_text()), str(CLIP), CLIP_FRAMES)
    codec, sizes, stamps = read_video_back(video)
    assert codec in ("h264", "mpeg4")
    assert sizes == [CLIP_SIZE] * CLIP_FRAMES
    assert stamps == pytest.approx([40.0 * i for i in range(CLIP_FRAMES)])


def test_track_in_process_to_stdout_with_the_mpeg4_fallback(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
):
    # As if the FFmpeg in PyAV had no H.264 encoder: the annotated video falls back to MPEG-4.
    monkeypatch.setattr(video_writer, "VIDEO_ENCODERS", ("no-such-encoder", "mpeg4"))
    video = tmp_path / "clip.mp4"
    assert main(["track", str(CLIP), "--annotate", str(video), "--model", "lite",
                 "--max-hands", "1", "--smooth", "--detection-interval", "3"]) == 0
    _check_track_output(parse_records(capsys.readouterr().out), str(CLIP), CLIP_FRAMES)
    codec, sizes, _ = read_video_back(video)
    assert codec == "mpeg4" and sizes == [CLIP_SIZE] * CLIP_FRAMES


def test_annotated_video_of_odd_size_keeps_its_size(tmp_path: Path):
    # yuv420p cannot hold odd sizes; the writer must not crop or pad them.
    path = tmp_path / "odd.mp4"
    writer = VideoWriter(path, rate=Fraction(25))
    rng = np.random.default_rng(0)
    for index in range(5):
        writer.write(rng.integers(0, 255, (21, 33, 3), dtype=np.uint8), 40.0 * index)
    writer.close()
    _, sizes, stamps = read_video_back(path)
    assert sizes == [(33, 21)] * 5 and stamps == pytest.approx([0, 40, 80, 120, 160])


def test_track_resume_redoes_only_unfinished_videos(
    short_clips: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
):
    calls: list[int] = []
    original = palmlite.HandTracker.track

    def counting(self: palmlite.HandTracker, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(palmlite.HandTracker, "track", counting)
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 500)
    out = tmp_path / "frames.jsonl"
    clips = [str(short_clips / "one.mp4"), str(short_clips / "two.mp4")]
    options = ["-o", str(out), "--model", "lite", "--max-hands", "1"]
    argv = ["track", *clips, *options]
    # A corrupt video is reported, the others still tracked, and the exit status says so.
    assert main(["track", *clips, str(bad), *options]) == 1
    assert "bad.mp4" in capsys.readouterr().err and len(calls) == 12
    complete = out.read_bytes().splitlines(keepends=True)
    assert len(complete) == 2 * 7
    _check_track_output(parse_records(b"".join(complete[:7]).decode()), clips[0], 6)
    _check_track_output(parse_records(b"".join(complete[7:]).decode()), clips[1], 6)
    # A crash while tracking the second video: 3 of its frames written, the 4th cut short.
    out.write_bytes(b"".join(complete[:10]) + complete[10][:30])
    assert main([*argv, "--resume"]) == 0
    assert len(calls) == 12 + 6  # the first video is skipped, the second tracked again
    err = capsys.readouterr().err
    assert "truncated" in err and "1 unfinished video" in err and "1 skipped" in err
    assert out.read_bytes().splitlines(keepends=True) == complete
    # All done: nothing to track.
    assert main([*argv, "--resume", "-q"]) == 0 and len(calls) == 18


def test_track_without_pyav_says_how_to_install_it(capsys, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "av", None)
    assert main(["track", str(CLIP)]) == 2
    captured = capsys.readouterr()
    assert 'pip install "palmlite[video]"' in captured.err and captured.out == ""
