"""The ``palmlite`` command line: ``palmlite detect`` (still images) and ``palmlite track``
(videos), both writing JSON Lines; see :data:`SCHEMA_HELP` for the records.

Design notes (the *why*; the user-facing *what* is in the ``--help`` texts below):

- Every record is written with one ``write`` and flushed at once, so a crash loses at most the
  record being written, and ``--resume`` can tell finished inputs from the rest by reading the
  output back. The only damage a crash can leave is a truncated last line; ``--resume`` removes
  it. Videos are resumed whole: a ``video_end`` record marks a finished video, and the frame
  records of a video without one are removed before that video is done again.
- Bad inputs never stop a batch: each is reported on stderr and counted, and the exit status
  says whether anything failed (0 all good, 1 some input failed, 2 the run could not start,
  130 interrupted).
- Progress goes to stderr (tqdm) and only when stderr is a terminal, so logs and pipes stay
  clean; stdout carries nothing but records.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt
from PIL import Image
from tqdm import tqdm  # type: ignore[import-untyped]

from . import __version__
from ._validate import load_image
from .draw import draw
from .landmarker import HandLandmarker
from .tracking import HandTracker
from .types import Hand, HandsResult
from .video import read_video

__all__ = [
    "JSON_SCHEMA_VERSION",
    "SAMPLE_IMAGE",
    "SCHEMA_HELP",
    "frame_to_json",
    "main",
    "result_to_json",
    "video_end_json",
]

#: A photo bundled with the package (Pixabay, via google-ai-edge/mediapipe-samples; see NOTICE).
SAMPLE_IMAGE = Path(__file__).resolve().parent / "data" / "sample.jpg"
#: Version of the records below. 2 = 1 plus "record", "track_id", "palm": null (was absent) and
#: the track records; every version-1 field is unchanged.
JSON_SCHEMA_VERSION = 2

#: What a directory argument contributes (lower-case suffixes); files named explicitly are
#: always tried, whatever their name.
IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm", ".pnm"}
)
VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".mkv", ".avi", ".webm", ".mpg", ".mpeg"})
#: Encoders for annotated videos, best first: H.264 if the FFmpeg bundled with PyAV has it
#: (PyAV's wheels do), else FFmpeg's own MPEG-4 part 2 encoder, which every FFmpeg build has.
VIDEO_ENCODERS: tuple[str, ...] = ("libx264", "mpeg4")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

SCHEMA_HELP = f"""\
output: JSON Lines (UTF-8, one object per line) on stdout, or in the -o file.
schema_version {JSON_SCHEMA_VERSION}. Records:

  palmlite detect, one per image:
    {{"schema_version": {JSON_SCHEMA_VERSION}, "record": "image", "file": PATH,
     "width": W, "height": H, "hands": [HAND, ...]}}
  palmlite track, one per frame, then one after the video's last frame:
    {{"schema_version": {JSON_SCHEMA_VERSION}, "record": "frame", "file": PATH, "frame": INDEX,
     "timestamp_ms": T, "width": W, "height": H, "palm_detector_ran": BOOL,
     "hands": [HAND, ...]}}
    {{"schema_version": {JSON_SCHEMA_VERSION}, "record": "video_end", "file": PATH,
     "frames": N}}
  HAND (hands in MediaPipe's order):
    {{"handedness": "Left" | "Right",
     "handedness_score": S,             probability of that label, >= 0.5
     "presence": P,                     landmark model's hand presence, 0..1
     "landmarks": [[x, y, z] x 21],     normalized: x / W, y / H, z in x's scale
     "landmarks_px": [[x, y, z] x 21],  pixels (z in pixels of the width)
     "world_landmarks": [[x, y, z] x 21],
                                        metres, origin near the hand's centre
     "roi": {{"x_center": X, "y_center": Y, "width": W, "height": H,
             "rotation": R}},            the crop the landmark model saw:
                                        normalized, radians clockwise
     "palm": {{"score": S, "box_xywh": [x, y, w, h], "keypoints": [[x, y] x 7]}}
             | null,                    palm detection, normalized; null for a
                                        hand tracked from the previous frame
     "track_id": INT | null}}            stable while the hand is tracked;
                                        null in detect
  PATH is the input path as given (directories: joined with the file's path
  inside them). Landmarks are in MediaPipe's 21-point order (palmlite.HandLandmark).
  Version 1 lacked "record" and "track_id" and left "palm" out instead of null.
"""

RESUME_HELP = """\
--resume continues a run that stopped (crash, Ctrl-C, killed job): it reads the
-o file, skips every input already in it, and appends the others. An image is
done when its record is there; a video only when its "video_end" record is: the
frame records of a video without one are removed and the video is tracked
again from its first frame. A truncated last line (a crash during a write) is
removed; any other line that is not a palmlite record of this command stops
the run, so a wrong -o file is never rewritten. Inputs are matched by absolute
path, resolved from the current directory. Failed inputs are tried again.
Annotated outputs of skipped inputs are not written again.
"""

EXIT_HELP = """\
exit status: 0 all inputs done; 1 some input failed (each is reported on stderr,
the others are still processed); 2 the run could not start (bad arguments, no
PyAV, unusable -o file); 130 interrupted. A summary goes to stderr at the end.
"""


# -- records ---------------------------------------------------------------------------------


def _rounded(values: Any, digits: int) -> Any:
    # "+ 0.0" turns -0.0 into 0.0 so the JSON reads cleanly.
    return [[round(float(v), digits) + 0.0 for v in row] for row in values]


def _hand_to_json(hand: Hand) -> dict[str, Any]:
    roi = hand.roi
    return {
        "handedness": hand.handedness,
        "handedness_score": round(hand.handedness_score, 6),
        "presence": round(hand.presence, 6),
        "landmarks": _rounded(hand.landmarks, 6),
        "landmarks_px": _rounded(hand.landmarks_px, 3),
        "world_landmarks": _rounded(hand.world_landmarks, 6),
        "roi": {
            "x_center": roi.x_center, "y_center": roi.y_center,
            "width": roi.width, "height": roi.height, "rotation": roi.rotation,
        },
        "palm": None if hand.palm is None else {
            "score": round(hand.palm.score, 6),
            "box_xywh": [round(float(v), 6) for v in hand.palm.box_xywh],
            "keypoints": _rounded(hand.palm.keypoints_xy, 6),
        },
        "track_id": hand.track_id,
    }


def result_to_json(file: str, result: HandsResult) -> dict[str, Any]:
    """The record ``palmlite detect`` writes for one image."""
    width, height = result.image_size
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "record": "image",
        "file": file,
        "width": width,
        "height": height,
        "hands": [_hand_to_json(h) for h in result.hands],
    }


def frame_to_json(
    file: str, frame: int, timestamp_ms: float, result: HandsResult, palm_detector_ran: bool
) -> dict[str, Any]:
    """The record ``palmlite track`` writes for one frame."""
    width, height = result.image_size
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "record": "frame",
        "file": file,
        "frame": frame,
        "timestamp_ms": round(float(timestamp_ms), 3),
        "width": width,
        "height": height,
        "palm_detector_ran": palm_detector_ran,
        "hands": [_hand_to_json(h) for h in result.hands],
    }


def video_end_json(file: str, frames: int) -> dict[str, Any]:
    """The record ``palmlite track`` writes after a video's last frame (marks it done)."""
    return {"schema_version": JSON_SCHEMA_VERSION, "record": "video_end", "file": file,
            "frames": frames}


# -- inputs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Input:
    """One file to process: the path as shown in records, its resume key, and its path
    relative to the argument it came from (names the annotated output)."""

    path: Path
    key: str
    relative: Path
    from_directory: bool


def _key(path: str | Path) -> str:
    # Absolute and case-normalized (on case-insensitive systems), so "./a.jpg" and "a.jpg"
    # count as the same input when resuming.
    return os.path.normcase(os.path.abspath(path))


def _expand(
    arguments: Sequence[str], suffixes: frozenset[str], recursive: bool, what: str,
    report: Callable[[str], None], exclude: str | None = None,
) -> tuple[list[_Input], int]:
    """Files named by ``arguments`` (directories: their files with ``suffixes``, sorted;
    hidden files and anything under ``exclude`` skipped), each once. Returns them and how many
    arguments were unusable."""
    # The --annotate folder may sit inside an input folder: its pictures are outputs, and
    # taking them as inputs would annotate the annotations on the next (resumed) run.
    excluded = None if exclude is None else _key(exclude)
    inputs: list[_Input] = []
    seen: set[str] = set()
    bad = 0

    def add(path: Path, relative: Path, from_directory: bool, skip_under: str | None) -> None:
        key = _key(path)
        if skip_under is not None and key.startswith(skip_under + os.sep):
            return
        if key not in seen:
            seen.add(key)
            inputs.append(_Input(path, key, relative, from_directory))

    for argument in arguments:
        root = Path(argument)
        if not argument:
            # Path("") is the current directory: an empty argument (an unset shell variable)
            # would silently process whatever is there.
            report("palmlite: an input path is empty")
            bad += 1
        elif root.is_dir():
            walker = root.rglob("*") if recursive else root.glob("*")
            found = sorted(
                p for p in walker
                if p.is_file() and p.suffix.lower() in suffixes
                and not any(part.startswith(".") for part in p.relative_to(root).parts)
            )
            if not found:
                hint = "" if recursive else " (--recursive looks into subdirectories)"
                report(f"palmlite: no {what} files in {root}{hint}")
                bad += 1
            # Only a folder strictly inside this one: the same folder as the input is an
            # overwrite, refused later (_refuse_overwriting_inputs).
            inside = excluded if excluded is not None and excluded.startswith(
                _key(root) + os.sep) else None
            for path in found:
                add(path, path.relative_to(root), True, inside)
        elif root.exists():
            add(root, Path(root.name), False, None)
        else:
            report(f"palmlite: {argument}: no such file or directory")
            bad += 1
    return inputs, bad


def _unique_targets(inputs: Sequence[_Input], name: Callable[[_Input], Path]) -> dict[str, Path]:
    """One output path per input, made unique by a "-2", "-3", ... suffix. Computed for all
    inputs, skipped ones too, so a resumed run gives every file the same name as before."""
    targets: dict[str, Path] = {}
    used: set[Path] = set()
    for item in inputs:
        candidate = base = name(item)
        number = 1
        while candidate in used:
            number += 1
            candidate = base.with_name(f"{base.stem}-{number}{base.suffix}")
        used.add(candidate)
        targets[item.key] = candidate
    return targets


class _UsageError(Exception):
    """The arguments cannot work together (found after parsing); exit status 2."""


def _refuse_overwriting_inputs(inputs: Sequence[_Input], targets: dict[str, Path]) -> None:
    # `palmlite detect photos --annotate photos` would replace every photo by its drawing.
    keys = {item.key for item in inputs}
    for target in targets.values():
        if _key(target) in keys:
            raise _UsageError(f"--annotate would overwrite the input {target}; choose another "
                              "place")


def _image_target(out_dir: Path) -> Callable[[_Input], Path]:
    saveable = {ext for ext, fmt in Image.registered_extensions().items() if fmt in Image.SAVE}

    def name(item: _Input) -> Path:
        # Same name and format as the input when Pillow can write it, else PNG.
        relative = item.relative
        if relative.suffix.lower() not in saveable:
            relative = relative.with_name(relative.name + ".png")
        return out_dir / relative

    return name


# -- output ----------------------------------------------------------------------------------


class _UnusableOutputError(Exception):
    """The -o file cannot be resumed (not palmlite output of this command)."""


class _Console:
    """stderr: error reports, the progress bar, the summary."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        # A bar only for a person watching: never in logs, pipes or captured output.
        self.show_progress = not quiet and sys.stderr.isatty()

    def error(self, message: str) -> None:
        # tqdm.write keeps an active bar intact (it redraws it below the message).
        tqdm.write(message, file=sys.stderr)

    def summary(self, message: str) -> None:
        if not self.quiet:
            print(message, file=sys.stderr, flush=True)

    def bar(self, total: int | None, unit: str) -> Any:
        return tqdm(total=total, unit=unit, file=sys.stderr, disable=not self.show_progress,
                    dynamic_ncols=True, smoothing=0.1)


class _OutputError(Exception):
    """Writing a record failed (disk full, closed pipe...): the run cannot go on. Not an
    OSError, so the per-input error handling never mistakes it for a bad input."""


class _JsonLines:
    """Writes records one per line, each flushed at once (see the module notes)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, record: dict[str, Any]) -> None:
        try:
            self.stream.write(json.dumps(record) + "\n")
            self.stream.flush()
        except OSError as exc:
            raise _OutputError(str(exc)) from exc


def _record_kind(record: Any, command: str) -> str | None:
    """The kind of a parsed line if it is a record ``command`` writes, else ``None``."""
    if not isinstance(record, dict) or not isinstance(record.get("file"), str):
        return None
    if not isinstance(record.get("schema_version"), int):
        return None
    # Version-1 image records had no "record" field.
    kind = record.get("record", "image")
    allowed = ("image",) if command == "detect" else ("frame", "video_end")
    return kind if kind in allowed else None


# json.dumps keeps the key order, and every record starts with its schema version.
_RECORD_START = b'{"schema_version": '


def _scan_for_resume(path: Path, command: str, console: _Console) -> set[str]:
    """Keys of the inputs ``path`` holds as done; repairs the file first if a crash left an
    unfinished tail (see RESUME_HELP). Raises _UnusableOutputError for a file that is not ours."""
    finished: set[str] = set()
    started: set[str] = set()
    truncated = False
    unterminated = False
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, 1):
            try:
                record = json.loads(raw)
                kind = _record_kind(record, command)
            except (ValueError, UnicodeDecodeError):
                kind = None
            if kind is None:
                # Only the last line can lack its newline; it is a cut record if it starts
                # like every record does (so a one-line foreign file is not taken for one).
                if not raw.endswith(b"\n") and (
                    raw.startswith(_RECORD_START) or _RECORD_START.startswith(raw)
                ):
                    truncated = True
                    continue
                raise _UnusableOutputError(
                    f"{path}, line {number}: not a palmlite {command} record; not resuming"
                )
            unterminated = not raw.endswith(b"\n")
            key = _key(record["file"])
            if kind == "frame":
                started.add(key)
            else:  # "image" or "video_end": this input is finished
                finished.add(key)
    unfinished = started - finished
    if truncated or unterminated or unfinished:
        _rewrite_without(path, command, unfinished)
        if truncated:
            console.error(f"palmlite: {path}: removed a truncated last line")
        if unfinished:
            console.error(f"palmlite: {path}: removed the frames of {len(unfinished)} "
                          "unfinished video(s); they are tracked again")
    return finished


def _rewrite_without(path: Path, command: str, unfinished: set[str]) -> None:
    """Rewrite ``path`` keeping its complete records except those of ``unfinished`` inputs.
    Atomic (a temporary file renamed over it), so a crash here loses nothing either."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out, path.open("rb") as lines:
            for raw in lines:
                try:
                    record = json.loads(raw)
                except (ValueError, UnicodeDecodeError):
                    continue  # the truncated last line
                if _record_kind(record, command) is None or _key(record["file"]) in unfinished:
                    continue
                out.write(raw if raw.endswith(b"\n") else raw + b"\n")
            out.flush()
            os.fsync(out.fileno())
        shutil.copymode(path, temporary)  # mkstemp made it private (0600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _open_output(args: argparse.Namespace, console: _Console) -> tuple[TextIO, set[str]]:
    """The stream records go to, and the keys already done (``--resume``)."""
    if args.output is None or args.output == "-":
        return sys.stdout, set()
    path = Path(args.output)
    path.parent.mkdir(parents=True, exist_ok=True)
    done: set[str] = set()
    if args.resume and path.exists():
        done = _scan_for_resume(path, args.command, console)
    # newline="\n": the same bytes on every platform, which the resume scan relies on.
    stream = path.open("a" if args.resume else "w", encoding="utf-8", newline="\n")
    return stream, done


# -- commands --------------------------------------------------------------------------------


def _landmarker(args: argparse.Namespace) -> HandLandmarker:
    return HandLandmarker(max_hands=args.max_hands, model=args.model, mirrored=args.mirrored,
                          num_threads=args.threads)


def _read_image(path: Path) -> npt.NDArray[np.uint8]:
    try:
        return load_image(path)
    except (OSError, ValueError):
        raise
    except Exception as exc:
        # Pillow's decoders can fail on a corrupt file with other errors too (EOFError,
        # SyntaxError, struct.error...): that is still a bad input, not a reason to stop the
        # batch. Errors after decoding (in the models) are bugs and stay loud.
        raise ValueError(f"cannot read image {path}: {type(exc).__name__}: {exc}") from exc


def _save_image(picture: Image.Image, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    suffix = target.suffix.lower()
    options: dict[str, Any] = {"quality": 90} if suffix in (".jpg", ".jpeg") else {}
    picture.save(target, **options)


@dataclass(frozen=True)
class _Plan:
    """What a run will work on, settled before the output file is touched."""

    inputs: list[_Input]
    bad_arguments: int  # arguments that named nothing usable (already reported)
    targets: dict[str, Path]  # input key -> annotated output


def _plan(args: argparse.Namespace, console: _Console) -> _Plan:
    if args.command == "detect":
        arguments = args.inputs or [str(SAMPLE_IMAGE)]
        suffixes, what = IMAGE_SUFFIXES, "image"
    else:
        arguments, suffixes, what = args.inputs, VIDEO_SUFFIXES, "video"
    inputs, bad = _expand(arguments, suffixes, args.recursive, what, console.error,
                          exclude=args.annotate)
    targets: dict[str, Path] = {}
    if args.annotate and args.command == "detect":
        targets = _unique_targets(inputs, _image_target(Path(args.annotate)))
    elif args.annotate:
        targets = _video_targets(args, inputs)
    _refuse_overwriting_inputs(inputs, targets)
    return _Plan(inputs, bad, targets)


def _run_detect(args: argparse.Namespace, plan: _Plan, console: _Console, records: _JsonLines,
                done: set[str]) -> int:
    started = time.monotonic()
    inputs, failed, targets = plan.inputs, plan.bad_arguments, plan.targets
    todo = [item for item in inputs if item.key not in done]
    landmarker = _landmarker(args)
    processed = hands = 0
    with console.bar(len(todo), "img") as bar:
        for item in todo:
            bar.set_postfix_str(item.path.name, refresh=False)
            try:
                pixels = _read_image(item.path)
                result = landmarker.detect(pixels)
            except (OSError, ValueError) as exc:
                console.error(f"palmlite: {exc}")
                failed += 1
                bar.update(1)
                continue
            records.write(result_to_json(str(item.path), result))
            processed += 1
            hands += len(result)
            if item.key in targets:
                try:
                    _save_image(draw(pixels, result, roi=args.draw_roi, palm_box=args.draw_roi),
                                targets[item.key])
                except (OSError, ValueError) as exc:
                    console.error(f"palmlite: cannot write annotated {targets[item.key]}: {exc}")
                    failed += 1
            bar.update(1)
    skipped = len(inputs) - len(todo)
    console.summary(
        f"palmlite detect: {processed} image(s) done, {hands} hand(s) found, {skipped} skipped "
        f"(already in the output), {failed} failed, {time.monotonic() - started:.1f} s"
    )
    return EXIT_FAILED if failed else EXIT_OK


def _import_av() -> Any:
    try:
        import av
    except ImportError:
        return None
    return av


def _probe(av: Any, path: Path) -> tuple[int | None, Fraction | None]:
    """Frame count and frame rate from the container header (for the progress bar and the
    annotated video's nominal rate); ``None`` where unknown. Never raises: a broken file is
    reported when it is decoded."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            frames = int(stream.frames) or None
            rate = Fraction(stream.average_rate) if stream.average_rate else None
            return frames, rate
    except Exception:  # any failure here just means "unknown"
        return None, None


def _available_encoders(av: Any) -> list[str]:
    found = []
    for name in VIDEO_ENCODERS:
        try:
            av.codec.Codec(name, "w")
        except Exception:  # UnknownCodecError, or a build without that encoder
            continue
        found.append(name)
    return found


class _VideoWriter:
    """Annotated frames to an MP4 file with PyAV, at the input's timestamps (millisecond time
    base, so variable frame rates survive). The encoder is chosen at the first frame: the
    first of ``encoders`` that opens for this frame size wins."""

    def __init__(self, av: Any, path: Path, encoders: Sequence[str],
                 rate: Fraction | None) -> None:
        self._av = av
        self.path = path
        self._encoders = list(encoders)
        self._rate = rate or Fraction(30)
        self._container: Any = None
        self._stream: Any = None
        self._first_ms = 0.0
        self._last_pts = -1
        self.encoder: str | None = None
        self.frames = 0

    def _open(self, encoder: str, width: int, height: int) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._container = self._av.open(str(self.path), mode="w", format="mp4")
        if encoder == "libx264":
            options = {"crf": "20", "preset": "veryfast"}
            # yuv420p (what every player takes) needs even sizes; odd ones keep full chroma
            # rather than lose a pixel row, so the output has the input's exact size.
            pix_fmt = "yuv420p" if width % 2 == 0 and height % 2 == 0 else "yuv444p"
        else:
            options, pix_fmt = {}, "yuv420p"
        stream = self._container.add_stream(encoder, rate=self._rate, options=options)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        if encoder != "libx264":
            # MPEG-4's default 200 kb/s smears the drawing; ~4 bits per pixel-second is clean.
            stream.bit_rate = max(1_000_000, width * height * 4)
        stream.time_base = Fraction(1, 1000)
        self._stream = stream
        self.encoder = encoder

    def _encode(self, frame: Any) -> None:
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def write(self, rgb: npt.NDArray[np.uint8], timestamp_ms: float) -> None:
        av = self._av
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        if self.frames == 0:
            self._first_ms = timestamp_ms
        # Strictly increasing integer pts, as the muxer requires.
        pts = max(round(timestamp_ms - self._first_ms), self._last_pts + 1)
        frame.pts, frame.time_base = pts, Fraction(1, 1000)
        if self._stream is None:
            errors = []
            for encoder in self._encoders:
                try:
                    self._open(encoder, rgb.shape[1], rgb.shape[0])
                    self._encode(frame)
                    break
                except av.error.FFmpegError as exc:  # encoder refuses this size/format
                    errors.append(f"{encoder}: {exc}")
                    self._abandon()
            else:
                self.path.unlink(missing_ok=True)  # no empty, unplayable file left behind
                raise OSError(f"cannot encode {self.path}: " + "; ".join(errors))
        else:
            try:
                self._encode(frame)
            except av.error.FFmpegError as exc:
                raise OSError(f"cannot encode {self.path}: {exc}") from exc
        self._last_pts = pts
        self.frames += 1

    def _abandon(self) -> None:
        if self._container is not None:
            # Closing a half-opened container may fail too; there is nothing in it to keep.
            with contextlib.suppress(Exception):
                self._container.close()
        self._container = self._stream = None
        self.encoder = None

    def close(self) -> None:
        """Flush the encoder and close the file (no-op if nothing was written)."""
        if self._container is None:
            return
        container, self._container = self._container, None
        try:
            for packet in self._stream.encode(None):  # the encoder's delayed frames
                container.mux(packet)
            container.close()
        except self._av.error.FFmpegError as exc:
            raise OSError(f"cannot finish {self.path}: {exc}") from exc
        finally:
            self._stream = None


def _video_targets(args: argparse.Namespace, inputs: Sequence[_Input]) -> dict[str, Path]:
    annotate = Path(args.annotate)
    single_file = len(args.inputs) == 1 and len(inputs) == 1 and not inputs[0].from_directory
    if single_file:
        return {inputs[0].key: annotate}
    return _unique_targets(inputs, lambda item: annotate / item.relative.with_suffix(".mp4"))


def _run_track(args: argparse.Namespace, plan: _Plan, console: _Console, records: _JsonLines,
               done: set[str], av: Any) -> int:
    started = time.monotonic()
    inputs, failed, targets = plan.inputs, plan.bad_arguments, plan.targets
    encoders = _available_encoders(av) if args.annotate else []
    todo = [item for item in inputs if item.key not in done]
    probes = {item.key: _probe(av, item.path) for item in todo}
    counts = [probes[item.key][0] for item in todo]
    total = None if None in counts else sum(c for c in counts if c is not None)
    landmarker = _landmarker(args)
    processed = frames_done = 0
    with console.bar(total, "frame") as bar:
        for item in todo:
            bar.set_postfix_str(item.path.name, refresh=False)
            tracker = HandTracker(landmarker, detection_interval=args.detection_interval,
                                  smooth_landmarks=args.smooth, smooth_handedness=args.smooth)
            writer = (_VideoWriter(av, targets[item.key], encoders, probes[item.key][1])
                      if item.key in targets else None)
            try:
                frames = _track_video(item, tracker, records, writer, bar, args.draw_roi)
            except (OSError, ValueError) as exc:
                console.error(f"palmlite: {exc}")
                failed += 1
                continue
            # Written only once everything above succeeded: it is what marks the video done.
            records.write(video_end_json(str(item.path), frames))
            processed += 1
            frames_done += frames
    skipped = len(inputs) - len(todo)
    console.summary(
        f"palmlite track: {processed} video(s) done ({frames_done} frames), {skipped} skipped "
        f"(already in the output), {failed} failed, {time.monotonic() - started:.1f} s"
    )
    return EXIT_FAILED if failed else EXIT_OK


def _track_video(item: _Input, tracker: HandTracker, records: _JsonLines,
                 writer: _VideoWriter | None, bar: Any, draw_roi: bool) -> int:
    """Track one video, writing its frame records (and annotated frames); returns the number
    of frames. Raises OSError/ValueError for unreadable input or unwritable output."""
    frames = 0
    try:
        for frame in read_video(item.path):
            result = tracker.track(frame.image, timestamp_ms=frame.timestamp_ms)
            ran = tracker.last_plan is not None and tracker.last_plan.run_detector
            records.write(
                frame_to_json(str(item.path), frame.index, frame.timestamp_ms, result, ran)
            )
            if writer is not None:
                picture = draw(frame.image, result, roi=draw_roi, palm_box=draw_roi)
                writer.write(np.asarray(picture), frame.timestamp_ms)
            frames += 1
            bar.update(1)
    finally:
        if writer is not None:
            # Also after a failure: what was encoded stays a playable file.
            writer.close()
    return frames


# -- argument parsing ------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o", "--output", metavar="OUT",
        help="write the records to OUT (parent directories are created; overwritten unless "
             "--resume) instead of stdout",
    )
    parser.add_argument("--model", choices=("lite", "full"), default="full",
                        help="full (default) or lite: MediaPipe's model_complexity 1 or 0")
    parser.add_argument("--max-hands", type=_positive_int, default=2, metavar="N",
                        help="at most N hands per image or frame (default 2)")
    parser.add_argument(
        "--mirrored", action="store_true",
        help="inputs are mirrored selfie views: gives MediaPipe legacy's handedness labels "
             "(default: the person's own hand in a normal photo)",
    )
    parser.add_argument("--recursive", action="store_true",
                        help="look for files in the subdirectories of DIR arguments too")
    parser.add_argument("--resume", action="store_true",
                        help="skip inputs already done in OUT and append the rest (needs -o; "
                             "see below)")
    parser.add_argument("--draw-roi", action="store_true",
                        help="with --annotate: also draw each hand's crop region and palm box")
    parser.add_argument("--threads", type=_positive_int, default=None, metavar="N",
                        help="ONNX Runtime threads per model (default: ONNX Runtime's choice)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bar and no summary (errors are still reported). "
                             "The bar is shown only when stderr is a terminal")


def _build_parser() -> argparse.ArgumentParser:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="palmlite", formatter_class=raw,
        description=(
            "Hand landmarks with MediaPipe's models, no MediaPipe.\n\n"
            "  palmlite detect [IMAGE|DIR ...]   hands in still images, one JSON line each\n"
            "  palmlite track VIDEO|DIR ...      hands through videos, one JSON line per frame\n\n"
            "With no arguments at all, runs `palmlite detect` on the photo bundled with\n"
            "palmlite. `palmlite COMMAND --help` explains each command and the output."
        ),
        epilog=SCHEMA_HELP + "\n" + EXIT_HELP,
    )
    parser.add_argument("--version", action="version", version=f"palmlite {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    detect = commands.add_parser(
        "detect", formatter_class=raw,
        help="find hands in images (one JSON line per image)",
        description=(
            "Find hands in still images, like MediaPipe Hands with static_image_mode=True.\n"
            "Writes one JSON line per image. With no IMAGE, runs on the sample photo\n"
            "bundled with palmlite. A DIR contributes its image files, sorted, hidden\n"
            f"files left out; by suffix: {' '.join(sorted(IMAGE_SUFFIXES))}.\n"
            "Files named explicitly are always tried. Unreadable or corrupt files are\n"
            "reported on stderr and skipped."
        ),
        epilog=SCHEMA_HELP + "\n" + RESUME_HELP + "\n" + EXIT_HELP,
    )
    detect.add_argument("inputs", nargs="*", metavar="IMAGE|DIR",
                        help="image files and directories of images")
    detect.add_argument(
        "--annotate", metavar="OUTDIR",
        help="also write each image with its hands drawn into OUTDIR, same size and name "
             "(paths inside a DIR argument kept; PNG when the format cannot be written)",
    )
    _add_common(detect)
    detect.set_defaults(subparser=detect)  # so _check_args reports with this command's usage

    track = commands.add_parser(
        "track", formatter_class=raw,
        help="track hands through videos (one JSON line per frame); needs palmlite[video]",
        description=(
            "Track hands through videos, like MediaPipe Hands with static_image_mode=False:\n"
            "the palm detector runs only while fewer than --max-hands hands are tracked.\n"
            "Writes one JSON line per frame, then a \"video_end\" line per finished video.\n"
            "A DIR contributes its video files, sorted, hidden files left out; by suffix:\n"
            f"{' '.join(sorted(VIDEO_SUFFIXES))}.\n"
            "Decoding needs PyAV: pip install \"palmlite[video]\"."
        ),
        epilog=SCHEMA_HELP + "\n" + RESUME_HELP + "\n" + EXIT_HELP,
    )
    track.add_argument("inputs", nargs="+", metavar="VIDEO|DIR",
                       help="video files and directories of videos")
    track.add_argument(
        "--annotate", metavar="OUT",
        help="also write the video with the hands drawn, as MP4 (H.264, or MPEG-4 when the "
             "FFmpeg in PyAV lacks it), same size, frame count and frame timing. With one "
             "VIDEO file OUT is the file (e.g. out.mp4); otherwise a directory of NAME.mp4 "
             "files",
    )
    track.add_argument("--smooth", action="store_true",
                       help="smooth landmarks (MediaPipe's one-euro filter) and handedness "
                            "(running mean over the track)")
    track.add_argument(
        "--detection-interval", type=_positive_int, default=1, metavar="N",
        help="with fewer hands tracked than --max-hands, run the palm detector on every N-th "
             "frame only (default 1: every frame, as MediaPipe)",
    )
    _add_common(track)
    track.set_defaults(subparser=track)
    return parser


def _check_args(args: argparse.Namespace) -> None:
    """Problems argparse cannot see alone; exits with status 2 like argparse does."""
    parser: argparse.ArgumentParser = args.subparser
    if args.resume and args.output in (None, "-"):
        parser.error("--resume needs -o OUT (the file to continue)")
    if args.command == "track" and args.annotate:
        many = len(args.inputs) > 1 or Path(args.inputs[0]).is_dir()
        if many and Path(args.annotate).suffix.lower() in VIDEO_SUFFIXES:
            parser.error(f"--annotate {args.annotate}: with several videos (or a DIR), give a "
                         "directory, not a video file name")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``palmlite`` console script; returns the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser()
    # Bare `palmlite` is `palmlite detect`: the bundled sample, the quickest way to see output.
    args = parser.parse_args(arguments or ["detect"])
    _check_args(args)
    console = _Console(args.quiet)
    av = None
    if args.command == "track":
        av = _import_av()
        if av is None:
            console.error('palmlite track needs PyAV to read videos: pip install "palmlite[video]"')
            return EXIT_USAGE
        if args.annotate and not _available_encoders(av):
            console.error(f"palmlite: the FFmpeg in PyAV has none of the encoders "
                          f"{', '.join(VIDEO_ENCODERS)}; run without --annotate")
            return EXIT_USAGE
    try:
        plan = _plan(args, console)
        stream, done = _open_output(args, console)
    except (_UsageError, _UnusableOutputError, OSError) as exc:
        console.error(f"palmlite: {exc}")
        return EXIT_USAGE
    records = _JsonLines(stream)
    try:
        if args.command == "detect":
            return _run_detect(args, plan, console, records, done)
        return _run_track(args, plan, console, records, done, av)
    except KeyboardInterrupt:
        console.error("palmlite: interrupted" + (
            "; run again with --resume to continue" if args.output not in (None, "-") else ""))
        return EXIT_INTERRUPTED
    except _OutputError as exc:
        if isinstance(exc.__cause__, BrokenPipeError) and stream is sys.stdout:
            # The reader went away (`palmlite detect DIR | head`): stop quietly, and point
            # stdout at /dev/null so Python's exit-time flush does not complain again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        else:
            console.error(f"palmlite: cannot write the records: {exc}")
        return EXIT_FAILED
    finally:
        if stream is not sys.stdout:
            stream.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
