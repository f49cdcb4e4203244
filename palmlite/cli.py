"""The ``palmlite`` command line: ``palmlite detect`` (still images) and ``palmlite track``
(videos), both writing JSON Lines (:mod:`palmlite.records`).

A thin front: it parses arguments and hands them to library code that has its own tests:
:mod:`~palmlite.inputs` finds the inputs, :mod:`~palmlite.outputs` checks that no output lands
on an input or replaces a file unasked, :mod:`~palmlite.resume` continues a stopped run,
:mod:`~palmlite.runs` does the work, :mod:`~palmlite.interrupts` stops it cleanly.

Exit status: 0 all done, 1 some input failed (each reported on stderr, the others still
processed), 2 the run could not start, 130 stopped by Ctrl-C, 143 stopped by SIGTERM.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ._version import __version__
from .inputs import IMAGE_SUFFIXES, STDIN, VIDEO_SUFFIXES, Input, expand_inputs
from .interrupts import Stopped, StopSignals
from .landmarker import HandLandmarker
from .outputs import (
    OutputError,
    Records,
    UsageError,
    check_annotation_targets,
    check_records_path,
    image_targets,
    open_records,
    plan_records,
    video_targets,
)
from .records import SCHEMA_HELP
from .runs import Annotation, Console, run_detect, run_track
from .video import available_encoders

__all__ = ["SAMPLE_IMAGE", "main"]

#: A photo bundled with the package (Pixabay, via google-ai-edge/mediapipe-samples; see NOTICE).
SAMPLE_IMAGE = Path(__file__).resolve().parent / "data" / "sample.jpg"

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

OUTPUT_HELP = """\
-o OUT and --annotate never write over an input (whatever path leads to it:
symbolic and hard links are recognized), never inside an input folder being
scanned, and never replace an existing file unasked: without --resume or
--overwrite the run refuses to start (exit 2) and changes nothing.

--resume continues a run that stopped (crash, Ctrl-C, SIGTERM, killed job): it
reads OUT, skips every input already in it, and appends the others. An image
is done when its record is there; a video only when its "video_end" record is:
the frame records of a video without one are removed and the video is tracked
again from its first frame. A truncated last line is removed; any other line
that is not a palmlite record of this command stops the run, so a wrong -o
file is never touched. Inputs are matched by absolute path (URLs as given),
resolved from the current folder. Failed inputs are tried again. Annotated
outputs of skipped inputs are not written again.

--overwrite replaces an existing OUT (and existing annotated outputs). The new
records go to OUT.partial, moved over OUT when the run completes, so a stopped
run leaves OUT as it was; --overwrite --resume continues that OUT.partial.

-o OUT.parquet writes Parquet instead (needs pyarrow: pip install
"palmlite[parquet]"): one row per image or frame with the fields above, floats
unrounded (landmarks float32), plus an "error" column (the message of a failed
input, whose other fields but palmlite_version and file are null; a video
failing midway keeps its frames). No schema_version or record column: they are
in the file's metadata. The rows grow in OUT.partial, moved to OUT when the run
completes; a stopped run leaves OUT.partial holding the complete rows so far.
--resume is refused for Parquet.
"""

EXIT_HELP = """\
exit status: 0 all inputs done; 1 some input failed (each is reported on stderr,
the others are still processed); 2 the run could not start (bad arguments, no
PyAV, an output that would replace a file or an input); 130 stopped by Ctrl-C;
143 stopped by SIGTERM (records written so far are complete; the message says
how to continue). A summary goes to stderr at the end.
"""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", metavar="OUT",
                        help="write the records to OUT (parent folders are created) instead of "
                             "stdout; an existing OUT needs --resume or --overwrite. "
                             "OUT.parquet: Parquet (see below)")
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
                        help="look for files in the subfolders of DIR arguments too")
    parser.add_argument("--resume", action="store_true",
                        help="skip inputs already done in OUT and append the rest (needs -o; "
                             "see below)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an existing OUT and existing annotated outputs (OUT "
                             "only once the run completes; see below)")
    parser.add_argument("--draw-roi", action="store_true",
                        help="with --annotate: also draw each hand's crop region and palm box")
    parser.add_argument(
        "--search", choices=("mediapipe", "thorough"), default="mediapipe",
        help="mediapipe (default): the palm detector looks at the whole image once, as "
             "MediaPipe does; thorough: also at overlapping tiles, which finds small and far "
             "hands MediaPipe misses, at a few times the cost (README: Thorough search)")
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
            "  palmlite track VIDEO|DIR|URL|- ...  hands through videos, one JSON line per "
            "frame\n\n"
            "With no arguments at all, runs `palmlite detect` on the photo bundled with\n"
            "palmlite. `palmlite COMMAND --help` explains each command and the output."
        ),
        epilog=SCHEMA_HELP + "\n" + EXIT_HELP,
    )
    parser.add_argument("--version", action="version", version=f"palmlite {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    epilog = SCHEMA_HELP + "\n" + OUTPUT_HELP + "\n" + EXIT_HELP
    detect = commands.add_parser(
        "detect", formatter_class=raw, epilog=epilog,
        help="find hands in images (one JSON line per image)",
        description=(
            "Find hands in still images, like MediaPipe Hands with static_image_mode=True.\n"
            "Writes one JSON line per image. With no IMAGE, runs on the sample photo\n"
            "bundled with palmlite. A DIR contributes its image files, sorted, hidden\n"
            f"files left out; by suffix: {' '.join(sorted(IMAGE_SUFFIXES))}.\n"
            "Files named explicitly are always tried. Images are turned upright by their\n"
            "EXIF orientation. Unreadable or corrupt files (and videos: use track) are\n"
            "reported on stderr and skipped."
        ),
    )
    detect.add_argument("inputs", nargs="*", metavar="IMAGE|DIR",
                        help="image files and folders of images")
    detect.add_argument(
        "--annotate", metavar="OUTDIR",
        help="also write each image with its hands drawn into OUTDIR, same size, name and "
             "format, alpha channel and EXIF/ICC metadata (paths inside a DIR argument kept; "
             "PNG when the format cannot be written)",
    )
    _add_common(detect)
    detect.set_defaults(subparser=detect)  # so _check_args reports with this command's usage

    track = commands.add_parser(
        "track", formatter_class=raw, epilog=epilog,
        help="track hands through videos (one JSON line per frame); needs palmlite[video]",
        description=(
            "Track hands through videos, like MediaPipe Hands with static_image_mode=False:\n"
            "the palm detector runs only while fewer than --max-hands hands are tracked.\n"
            "Writes one JSON line per frame, then a \"video_end\" line per finished video.\n"
            "A DIR contributes its video files, sorted, hidden files left out; by suffix:\n"
            f"{' '.join(sorted(VIDEO_SUFFIXES))}.\n"
            "- reads a video stream on standard input; URLs (http, https, rtsp, ...) are\n"
            "read by FFmpeg. A live source (stdin, rtsp, ...) runs until it ends or you\n"
            "stop it (Ctrl-C, SIGTERM); what was tracked is then complete.\n"
            "Decoding needs PyAV: pip install \"palmlite[video]\"."
        ),
    )
    track.add_argument("inputs", nargs="+", metavar="VIDEO|DIR|URL|-",
                       help="video files, folders of videos, URLs, - for standard input")
    track.add_argument(
        "--annotate", metavar="OUT",
        help="also write the video with the hands drawn, as MP4 (H.264, or MPEG-4 when the "
             "FFmpeg in PyAV lacks it), same size, frame count and frame timing. With one "
             "VIDEO OUT is the file (e.g. out.mp4); otherwise a folder of NAME.mp4 files",
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
    if args.overwrite and args.output in (None, "-") and not args.annotate:
        parser.error("--overwrite needs -o OUT or --annotate (what it may replace)")
    if args.resume and STDIN in args.inputs:
        parser.error("--resume cannot continue standard input (what it sent is gone); run "
                     "without --resume, or save the stream to a file first")
    if args.command == "track" and args.annotate:
        many = len(args.inputs) > 1 or Path(args.inputs[0]).is_dir()
        if many and Path(args.annotate).suffix.lower() in VIDEO_SUFFIXES:
            parser.error(f"--annotate {args.annotate}: with several videos (or a DIR), give a "
                         "folder, not a video file name")


@dataclass(frozen=True)
class _Job:
    """A run, checked and ready: what to do, where the records and pictures go."""

    todo: list[Input]
    skipped: int  # inputs already done in OUT (--resume)
    bad_arguments: int  # arguments that named nothing usable (already reported)
    records: Records
    annotation: Annotation


def _prepare(args: argparse.Namespace, console: Console) -> _Job:
    """Everything a run needs, checked before a byte is written: inputs, records file,
    annotated outputs. Raises UsageError (or OSError) when the run cannot start."""
    detect = args.command == "detect"
    arguments = args.inputs or [str(SAMPLE_IMAGE)]
    inputs, folders, bad = expand_inputs(
        arguments, IMAGE_SUFFIXES if detect else VIDEO_SUFFIXES, recursive=args.recursive,
        what="image" if detect else "video", streams=not detect, report=console.error)
    if args.output not in (None, "-"):
        check_records_path(Path(args.output), inputs, folders)
    plan = plan_records(args.output, args.command, resume=args.resume,
                        overwrite=args.overwrite)
    todo = [item for item in inputs if item.key not in plan.done]
    targets: dict[str, Path] = {}
    if args.annotate:
        annotate = Path(args.annotate)
        if detect:
            targets = image_targets(inputs, annotate)
        else:
            single = len(args.inputs) == 1 and len(inputs) == 1 and not inputs[0].from_folder
            targets = video_targets(inputs, annotate, single=single)
        check_annotation_targets(targets, inputs, folders, plan.path,
                                 pending={item.key for item in todo}, replace=args.overwrite)
    # Last: the only step that writes (it creates OUT, or repairs the file it continues).
    records = open_records(plan, console.error)
    return _Job(todo, len(inputs) - len(todo), bad, records,
                Annotation(targets, draw_roi=args.draw_roi, replace=args.overwrite))


def _run(args: argparse.Namespace, job: _Job, console: Console, signals: StopSignals) -> int:
    started = time.monotonic()
    records = job.records
    try:
        landmarker = HandLandmarker(max_hands=args.max_hands, model=args.model,
                                    mirrored=args.mirrored, num_threads=args.threads,
                                    search=args.search)
        if args.command == "detect":
            tally = run_detect(job.todo, landmarker, records, job.annotation, console, signals)
            what = f"{tally.done} image(s) done, {tally.hands} hand(s) found"
        else:
            options = {"detection_interval": args.detection_interval,
                       "smooth_landmarks": args.smooth, "smooth_handedness": args.smooth}
            tally = run_track(job.todo, landmarker, options, records, job.annotation, console,
                              signals)
            what = f"{tally.done} video(s) done ({tally.frames} frames)"
        with signals.deferred():
            records.finish()
    except (Stopped, KeyboardInterrupt) as exc:
        records.close()
        stop = _as_stopped(exc)
        console.error(f"palmlite: stopped by {stop}" + records.resume_hint())
        return stop.exit_status
    except OutputError as exc:
        records.close()
        if isinstance(exc.__cause__, BrokenPipeError) and records.is_stdout:
            # The reader went away (`palmlite detect DIR | head`): stop quietly, and point
            # stdout at /dev/null so Python's exit-time flush does not complain again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        else:
            console.error(f"palmlite: cannot write the records: {exc}")
        return EXIT_FAILED
    failed = tally.failed + job.bad_arguments
    console.summary(
        f"palmlite {args.command}: {what}, {job.skipped} skipped (already in the output), "
        f"{failed} failed, {time.monotonic() - started:.1f} s"
    )
    return EXIT_FAILED if failed else EXIT_OK


def _as_stopped(exc: BaseException) -> Stopped:
    # A KeyboardInterrupt can still come from before the handlers were installed.
    return exc if isinstance(exc, Stopped) else Stopped(signal.SIGINT)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``palmlite`` console script; returns the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser()
    # Bare `palmlite` is `palmlite detect`: the bundled sample, the quickest way to see output.
    args = parser.parse_args(arguments or ["detect"])
    _check_args(args)
    console = Console(args.quiet)
    if args.command == "track":
        try:
            encoders = available_encoders()
        except ImportError:
            console.error('palmlite track needs PyAV to read videos: pip install "palmlite[video]"')
            return EXIT_USAGE
        if args.annotate and not encoders:
            console.error("palmlite: the FFmpeg in PyAV has no H.264 or MPEG-4 encoder; run "
                          "without --annotate")
            return EXIT_USAGE
    signals = StopSignals()
    with signals.installed():
        try:
            job = _prepare(args, console)
        except (UsageError, OSError) as exc:
            console.error(f"palmlite: {exc}")
            return EXIT_USAGE
        except (Stopped, KeyboardInterrupt) as exc:
            stop = _as_stopped(exc)
            console.error(f"palmlite: stopped by {stop} before starting")
            return stop.exit_status
        return _run(args, job, console, signals)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
