"""The work of ``palmlite detect`` and ``palmlite track``: inputs in, records (and annotated
pictures) out, one input at a time.

Each input is a unit: its annotated picture is written (atomically) and then its record, both
inside :meth:`~palmlite.interrupts.StopSignals.deferred`, so a stop never separates them and
``--resume`` sees an input either done or not. A bad input is reported and counted, never the
end of the run; a failure to write records is (:class:`~palmlite.outputs.OutputError`).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm  # type: ignore[import-untyped]

from ._validate import load_image
from .draw import draw
from .image_io import open_image, save_annotated
from .inputs import Input, is_live
from .interrupts import Stopped, StopSignals
from .landmarker import HandLandmarker
from .outputs import Records
from .tracking import HandTracker
from .video import VideoWriter, available_encoders, probe_video, read_video

__all__ = ["Annotation", "Console", "Tally", "run_detect", "run_track"]


class Console:
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
            sys.stderr.write(message + "\n")
            sys.stderr.flush()

    def bar(self, total: int | None, unit: str) -> Any:
        # Without a total (a live stream) tqdm shows the count and the rate.
        return tqdm(total=total, unit=unit, file=sys.stderr, disable=not self.show_progress,
                    dynamic_ncols=True, smoothing=0.1)


@dataclass
class Tally:
    """What a run did: inputs done and failed, hands found, frames tracked."""

    done: int = 0
    failed: int = 0
    hands: int = 0
    frames: int = 0


@dataclass(frozen=True)
class Annotation:
    """Where annotated pictures go (input key -> path) and how they are drawn."""

    targets: Mapping[str, Path]
    draw_roi: bool = False
    replace: bool = False


def run_detect(todo: Sequence[Input], landmarker: HandLandmarker, records: Records,
               annotation: Annotation, console: Console, signals: StopSignals) -> Tally:
    """Detect hands in each image of ``todo``, writing one ``image`` record per image."""
    tally = Tally()
    with console.bar(len(todo), "img") as bar:
        for item in todo:
            bar.set_postfix_str(item.relative.name, refresh=False)
            target = annotation.targets.get(item.key)
            try:
                original = open_image(item.path if item.path is not None else item.name)
                pixels = load_image(original)
                result = landmarker.detect(pixels)
                picture = None if target is None else draw(
                    pixels, result, roi=annotation.draw_roi, palm_box=annotation.draw_roi)
            except (OSError, ValueError) as exc:
                console.error(f"palmlite: {exc}")
                with signals.deferred():
                    records.write_failure(item.name, exc)
                tally.failed += 1
                bar.update(1)
                continue
            with signals.deferred():
                if picture is not None and target is not None:
                    try:
                        save_annotated(picture, original, target, replace=annotation.replace)
                    except (OSError, ValueError) as exc:
                        # No record either: the image counts as not done, and --resume
                        # tries it again.
                        console.error(f"palmlite: cannot write annotated {target}: {exc}")
                        records.write_failure(item.name, f"cannot write annotated {target}: "
                                                         f"{exc}")
                        tally.failed += 1
                        bar.update(1)
                        continue
                records.write_image(result, item.name)
            tally.done += 1
            tally.hands += len(result)
            bar.update(1)
    return tally


def run_track(todo: Sequence[Input], landmarker: HandLandmarker, tracker_options: Mapping[
              str, Any], records: Records, annotation: Annotation, console: Console,
              signals: StopSignals) -> Tally:
    """Track hands through each video of ``todo``: a ``frame`` record per frame, then a
    ``video_end`` record once the video is complete (which is what marks it done)."""
    tally = Tally()
    encoders = available_encoders() if annotation.targets else []
    # Headers of files only: opening stdin or a URL twice would eat or refetch the stream.
    infos = {item.key: probe_video(item.path) for item in todo if item.path is not None}
    counts = [infos[item.key].frames if item.key in infos else None for item in todo]
    total = None if None in counts else sum(c for c in counts if c is not None)
    with console.bar(total, "frame") as bar:
        for item in todo:
            bar.set_postfix_str(item.relative.name, refresh=False)
            target = annotation.targets.get(item.key)
            writer = None if target is None else VideoWriter(
                target, rate=infos[item.key].rate if item.key in infos else None,
                encoders=encoders, replace=annotation.replace)
            video = _Video(item, HandTracker(landmarker, **tracker_options), records, writer)
            try:
                video.track(annotation, bar, signals)
            except (OSError, ValueError) as exc:
                video.drop()
                console.error(f"palmlite: {exc}")
                with signals.deferred():
                    records.write_failure(item.name, exc)
                tally.failed += 1
                continue
            except (Stopped, KeyboardInterrupt):
                if is_live(item.name):
                    # Stopping is how a live stream ends: what was tracked is complete.
                    with signals.deferred():
                        try:
                            video.finish()
                        except OSError as exc:
                            console.error(f"palmlite: {exc}")
                else:
                    video.drop()  # --resume tracks this video again from its start
                raise
            tally.done += 1
            tally.frames += video.frames
    return tally


class _Video:
    """One video being tracked: its frame records, annotated video and frame count."""

    def __init__(self, item: Input, tracker: HandTracker, records: Records,
                 writer: VideoWriter | None) -> None:
        self.item, self.tracker, self.records, self.writer = item, tracker, records, writer
        self.frames = 0  # frame records written

    def track(self, annotation: Annotation, bar: Any, signals: StopSignals) -> None:
        """Track to the end of the video, then :meth:`finish`. Raises OSError/ValueError
        for an unreadable input or an unwritable annotated video."""
        item, writer = self.item, self.writer
        for frame in read_video(item.path if item.path is not None else item.name):
            result = self.tracker.track(frame.image, timestamp_ms=frame.timestamp_ms)
            picture = None if writer is None else draw(
                frame.image, result, roi=annotation.draw_roi, palm_box=annotation.draw_roi)
            with signals.deferred():
                if writer is not None and picture is not None:
                    writer.write(np.asarray(picture), frame.timestamp_ms)
                self.records.write_frame(result, item.name)
                self.frames += 1
            bar.update(1)
        with signals.deferred():
            self.finish()

    def finish(self) -> None:
        """Publish the annotated video, then the ``video_end`` record that marks it done."""
        if self.writer is not None:
            self.writer.close()
        self.records.write_video_end(self.item.name, self.frames)

    def drop(self) -> None:
        """Give up on the annotated video (the frame records stay; without a ``video_end``
        record ``--resume`` removes them and tracks the video again)."""
        if self.writer is not None:
            self.writer.discard()
