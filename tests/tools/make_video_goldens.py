"""Generate golden outputs of the reference MediaPipe Hands (legacy API) in VIDEO mode for clips.

Runs ONLY inside the MediaPipe venv (see ``make_goldens.py``: ``mediapipe==0.10.21``), with PyAV
installed there too, at the same version as in the palmlite venv (``pip install av==18.1.0``), so
that both decode every frame to identical RGB pixels. From the repository root::

    .venv-mp/bin/python tests/tools/make_video_goldens.py --root tests/data/videos \\
        --out tests/data/goldens/video_clips.json tests/data/videos/*.mp4

Every argument after the options is a video file; videos are processed in sorted order of their
keys (paths relative to ``--root``, default: the common parent directory).

Frames are decoded with PyAV, ``frame.to_ndarray(format="rgb24")`` (a contiguous uint8 H x W x 3
array), in decode order, and each frame's timestamp is ``pts * time_base * 1000`` ms. For every
video, every ``model_complexity`` (0 = "lite", 1 = "full") and every ``max_num_hands`` (default 1
and 2), a FRESH graph equivalent to::

    mp.solutions.hands.Hands(static_image_mode=False, max_num_hands=M, model_complexity=c,
                             min_detection_confidence=0.5, min_tracking_confidence=0.5)

is fed all frames in order (so tracking state carries from frame to frame). The graph is a
``SolutionBase`` on the same graph file, side packets and calculator options as ``Hands`` that also
observes intermediate streams. SolutionBase's own output callback keeps only the last packet of
each stream per ``process()`` call; this script instead records every non-empty packet together
with its timestamp, and uses only the packets stamped with the current frame's timestamp. Streams
inside the per-ROI landmark loop (the presence score) emit one packet per ROI, all of which are
kept. With ``--check-plain first`` (default) the first video is also run through the plain
``mp.solutions.hands.Hands`` and every frame's hands must be identical.

Per frame it records the hands (normalized landmarks, world landmarks, handedness, in MediaPipe's
order), whether the palm detector ran on that frame (the palm detection model's decoded detections
stream, ``palmdetectioncpu__unfiltered_detections``, produced a packet at that timestamp; it is
gated off when the previous frame gave ``max_num_hands`` tracked ROIs), the palm detections, the
ROIs from palms, the ROIs actually used for landmarks (after association with the tracked ROIs),
the per-ROI presence scores, and the ROIs derived from the landmarks (next frame's tracked ROIs).
Every float is the float32 MediaPipe produced, stored exactly; one line per frame. See
``tests/data/README.md`` ("Video clips and video goldens") for the layout.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shlex
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

# Reuse the JSON conventions (and the proto -> JSON converters) of the static golden generator.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_goldens import (
    MODELS,
    STREAM_ALL_PALM_DETECTIONS,
    STREAM_HAND_RECTS,
    STREAM_HANDEDNESS,
    STREAM_LANDMARKS,
    STREAM_PALM_DETECTIONS,
    STREAM_PRESENCE,
    STREAM_RECTS_FROM_LANDMARKS,
    STREAM_RECTS_FROM_PALMS,
    STREAM_WORLD_LANDMARKS,
    add_version_option,
    check_mediapipe_version,
    detection_to_json,
    format_json,
    hands_to_json,
    rect_to_json,
)

try:
    import av
    import mediapipe as mp
    from mediapipe.python.solution_base import SolutionBase
    from mediapipe.python.solutions import hands as mp_hands
except ImportError as exc:  # pragma: no cover - only reached outside the MediaPipe venv
    raise SystemExit(
        "make_video_goldens.py must run inside the MediaPipe venv with PyAV installed: "
        "pip install mediapipe==0.10.21 av==18.1.0\n"
        f"(import failed: {exc})"
    ) from exc

JsonDict = dict[str, Any]

# The graph's streams are named in make_goldens.py; two more matter for tracking.
STREAM_PALM_RAW = "palmdetectioncpu__unfiltered_detections"  # one packet iff the detector ran
STREAM_PREV_ENOUGH = "prev_has_enough_hands"  # gate: True -> palm detection skipped

HAND_STREAMS = (STREAM_LANDMARKS, STREAM_WORLD_LANDMARKS, STREAM_HANDEDNESS)
DEBUG_OUTPUTS = [
    *HAND_STREAMS,
    STREAM_PALM_RAW,
    STREAM_PREV_ENOUGH,
    STREAM_ALL_PALM_DETECTIONS,
    STREAM_PALM_DETECTIONS,
    STREAM_RECTS_FROM_PALMS,
    STREAM_HAND_RECTS,
    STREAM_RECTS_FROM_LANDMARKS,
    STREAM_PRESENCE,
]
PER_ITEM_STREAMS = frozenset({STREAM_PRESENCE})


# --------------------------------------------------------------------------------------------
# Video decoding
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    index: int
    timestamp_ms: float
    rgb: npt.NDArray[np.uint8]


def decode_frames(path: Path, max_frames: int | None) -> Iterator[Frame]:
    """Decode the first video stream with PyAV into contiguous uint8 RGB frames, in order."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for index, frame in enumerate(container.decode(stream)):
            if max_frames is not None and index >= max_frames:
                break
            if frame.pts is None or frame.time_base is None:
                raise RuntimeError(f"{path}: frame {index} has no pts/time_base")
            rgb = np.ascontiguousarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
            assert rgb.ndim == 3 and rgb.shape[2] == 3, rgb.shape
            yield Frame(index, float(frame.pts * frame.time_base * 1000), rgb)


def video_key(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise SystemExit(f"{path} is not under --root {root}") from None


# --------------------------------------------------------------------------------------------
# MediaPipe graphs
# --------------------------------------------------------------------------------------------


def graph_kwargs(
    model_complexity: int, max_num_hands: int, min_det: float, min_track: float
) -> JsonDict:
    """SolutionBase arguments identical to those of ``Hands(static_image_mode=False, ...)``."""
    return dict(
        binary_graph_path=mp_hands._BINARYPB_FILE_PATH,
        side_inputs={
            "model_complexity": model_complexity,
            "num_hands": max_num_hands,
            "use_prev_landmarks": True,  # static_image_mode=False
        },
        calculator_params={
            "palmdetectioncpu__TensorsToDetectionsCalculator.min_score_thresh": min_det,
            "handlandmarkcpu__ThresholdingCalculator.threshold": min_track,
        },
    )


class _TimestampedOutputs(dict[str, Any]):
    """Replacement for ``SolutionBase._graph_outputs`` that keeps every non-empty packet.

    SolutionBase's callback does ``self._graph_outputs[name] = packet`` (also for timestamp-bound
    updates, which arrive as empty packets). The dict behaviour is kept so SolutionBase still
    works; ``self.history`` additionally collects ``(timestamp_us, packet)`` of each stream.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[tuple[int, Any]]] = {}

    def __setitem__(self, key: str, value: Any) -> None:
        if not value.is_empty():
            self.history.setdefault(key, []).append((int(value.timestamp.value), value))
        super().__setitem__(key, value)

    def clear(self) -> None:
        self.history.clear()
        super().clear()


class DebugVideoHands(SolutionBase):  # type: ignore[misc]  # untyped mediapipe
    """The graph of ``Hands(static_image_mode=False)``, also observing intermediate streams."""

    def __init__(
        self, model_complexity: int, max_num_hands: int, min_det: float, min_track: float
    ) -> None:
        super().__init__(
            outputs=DEBUG_OUTPUTS,
            **graph_kwargs(model_complexity, max_num_hands, min_det, min_track),
        )
        self._graph_outputs = _TimestampedOutputs()

    def process_frame(self, image: npt.NDArray[np.uint8]) -> tuple[Any, dict[str, list[Any]]]:
        """Run one frame; return SolutionBase's named tuple and, per stream, the contents of
        every non-empty packet stamped with this frame's timestamp, in arrival order."""
        result = super().process(input_data={"image": image})
        outputs = self._graph_outputs
        assert isinstance(outputs, _TimestampedOutputs)
        now = self._simulated_timestamp
        contents: dict[str, list[Any]] = {}
        for name, packets in outputs.history.items():
            stamps = [ts for ts, _ in packets]
            if name in PER_ITEM_STREAMS:
                # Inside the loop, BeginLoop*Calculator stamps the items with its own counter
                # (0, 1, 2, ... over the whole run), not with the frame's timestamp.
                if stamps != sorted(set(stamps)):
                    raise RuntimeError(f"{name}: loop timestamps {stamps} not increasing")
            elif any(ts != now for ts in stamps):
                raise RuntimeError(f"{name}: packets at {stamps} while processing timestamp {now}")
            kind = self._output_stream_type_info[name]
            contents[name] = [self._get_packet_content(kind, p) for _, p in packets]
            if name not in PER_ITEM_STREAMS and len(packets) > 1:
                raise RuntimeError(f"{name}: {len(packets)} packets for one frame")
        return result, contents


# --------------------------------------------------------------------------------------------
# Per-frame records
# --------------------------------------------------------------------------------------------


def frame_record(
    frame: Frame,
    result: Any,
    contents: dict[str, list[Any]],
    min_track: float,
    where: str,
) -> JsonDict:
    """Golden record of one frame of one run."""
    hands = hands_to_json(result)
    # The same hands, from the timestamp-checked packets.
    single = {name: (contents[name][0] if name in contents else None) for name in HAND_STREAMS}
    if hands_to_json(_Namespace(single)) != hands:
        raise RuntimeError(f"{where}: hands of the named tuple differ from the recorded packets")

    def protos(name: str) -> list[Any]:
        return list(contents[name][0]) if name in contents else []

    hand_rects = [rect_to_json(r) for r in protos(STREAM_HAND_RECTS)]
    presence = [float(p) for p in contents.get(STREAM_PRESENCE, [])]
    if len(presence) != len(hand_rects):
        raise RuntimeError(f"{where}: {len(presence)} presence scores for {len(hand_rects)} ROIs")
    kept = [i for i, p in enumerate(presence) if p > min_track]
    if len(kept) != len(hands):
        raise RuntimeError(f"{where}: presence scores {presence} do not explain {len(hands)} hands")
    for hand, roi_index in zip(hands, kept, strict=True):
        hand["roi_index"] = roi_index

    return {
        "index": frame.index,
        "timestamp_ms": frame.timestamp_ms,
        "palm_detector_ran": STREAM_PALM_RAW in contents,
        "hands": hands,
        "all_palm_detections": [detection_to_json(d) for d in protos(STREAM_ALL_PALM_DETECTIONS)],
        "palm_detections": [detection_to_json(d) for d in protos(STREAM_PALM_DETECTIONS)],
        "rois_from_palm": [rect_to_json(r) for r in protos(STREAM_RECTS_FROM_PALMS)],
        "hand_rects": hand_rects,
        "hand_presence": presence,
        "rois_from_landmarks": [rect_to_json(r) for r in protos(STREAM_RECTS_FROM_LANDMARKS)],
        "_prev_has_enough_hands": contents.get(STREAM_PREV_ENOUGH, [None])[0],
    }


class _Namespace:
    """Attribute access to a dict (stands in for SolutionBase's named tuple)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def check_tracking_invariants(frames: list[JsonDict], max_num_hands: int, where: str) -> None:
    """The palm detector runs iff fewer than max_num_hands ROIs were tracked from the previous
    frame; the gate stream agrees; ROIs from landmarks are one per output hand."""
    prev_tracked = 0
    for rec in frames:
        expected = prev_tracked < max_num_hands
        if rec["palm_detector_ran"] != expected:
            raise RuntimeError(
                f"{where} frame {rec['index']}: palm detector ran={rec['palm_detector_ran']} "
                f"with {prev_tracked} tracked ROIs"
            )
        gate = rec.pop("_prev_has_enough_hands")
        if gate is not None and bool(gate) == rec["palm_detector_ran"]:
            raise RuntimeError(f"{where} frame {rec['index']}: gate {gate} disagrees")
        if not rec["palm_detector_ran"] and (rec["palm_detections"] or rec["rois_from_palm"]):
            raise RuntimeError(f"{where} frame {rec['index']}: palm outputs without detector")
        if len(rec["rois_from_landmarks"]) != len(rec["hands"]):
            raise RuntimeError(f"{where} frame {rec['index']}: ROI/hand count mismatch")
        prev_tracked = len(rec["rois_from_landmarks"])


# --------------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------------


def run_video(
    path: Path,
    model_complexity: int,
    max_num_hands: int,
    args: argparse.Namespace,
    check_plain: bool,
    expected_sha: list[str],
    where: str,
) -> list[JsonDict]:
    """Run one fresh video-mode graph over all frames of one video."""
    plain = (
        mp_hands.Hands(
            static_image_mode=False,
            max_num_hands=max_num_hands,
            model_complexity=model_complexity,
            min_detection_confidence=args.min_detection_confidence,
            min_tracking_confidence=args.min_tracking_confidence,
        )
        if check_plain
        else None
    )
    debug = DebugVideoHands(
        model_complexity,
        max_num_hands,
        args.min_detection_confidence,
        args.min_tracking_confidence,
    )
    records: list[JsonDict] = []
    try:
        for frame in decode_frames(path, args.max_frames):
            sha = hashlib.sha256(frame.rgb.tobytes()).hexdigest()
            if sha != expected_sha[frame.index]:
                raise RuntimeError(f"{where}: frame {frame.index} decoded differently this time")
            result, contents = debug.process_frame(frame.rgb)
            rec = frame_record(
                frame, result, contents, args.min_tracking_confidence, f"{where} #{frame.index}"
            )
            if plain is not None and hands_to_json(plain.process(frame.rgb)) != [
                {k: v for k, v in h.items() if k != "roi_index"} for h in rec["hands"]
            ]:
                raise RuntimeError(f"{where} #{frame.index}: plain Hands gave other hands")
            records.append(rec)
    finally:
        debug.close()
        if plain is not None:
            plain.close()
    if len(records) != len(expected_sha):
        raise RuntimeError(f"{where}: {len(records)} frames, expected {len(expected_sha)}")
    check_tracking_invariants(records, max_num_hands, where)
    return records


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Write golden MediaPipe Hands 0.10.21 (legacy API, VIDEO mode) outputs, with palm "
            "detections, ROIs and presence scores, for every frame of the given videos. "
            "Run inside the MediaPipe venv with PyAV."
        )
    )
    parser.add_argument("inputs", nargs="+", type=Path, metavar="VIDEO")
    parser.add_argument("--out", required=True, type=Path, help="output JSON file")
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="video keys are paths relative to this directory (default: common parent of inputs)",
    )
    parser.add_argument(
        "--max-frames", type=int, default=None, help="only the first N frames of each video"
    )
    parser.add_argument("--max-num-hands", type=int, nargs="+", default=[1, 2], help="default: 1 2")
    parser.add_argument("--min-detection-confidence", type=float, default=0.5)
    parser.add_argument("--min-tracking-confidence", type=float, default=0.5)
    parser.add_argument(
        "--check-plain",
        choices=("first", "all", "none"),
        default="first",
        help="also run the plain mp.solutions.hands.Hands on the first / all / no videos and "
        "require identical hands (default: first)",
    )
    add_version_option(parser)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    check_mediapipe_version(args)
    if args.max_frames is not None and args.max_frames < 1:
        raise SystemExit("--max-frames must be positive")
    for path in args.inputs:
        if not path.is_file():
            raise SystemExit(f"no such file: {path}")
    root: Path = (
        args.root
        if args.root is not None
        else Path(os.path.commonpath([str(p.resolve().parent) for p in args.inputs]))
    )
    keyed = sorted({video_key(p, root): p for p in args.inputs}.items())

    t0 = time.perf_counter()
    videos: dict[str, JsonDict] = {}
    for video_no, (key, path) in enumerate(keyed):
        frame_sha: list[str] = []
        all_sha = hashlib.sha256()
        timestamps: list[float] = []
        shape: tuple[int, ...] = ()
        for frame in decode_frames(path, args.max_frames):
            frame_sha.append(hashlib.sha256(frame.rgb.tobytes()).hexdigest())
            all_sha.update(frame.rgb.tobytes())
            timestamps.append(frame.timestamp_ms)
            if shape and frame.rgb.shape != shape:
                raise SystemExit(f"{key}: frame size changes at frame {frame.index}")
            shape = frame.rgb.shape
        if not frame_sha:
            raise SystemExit(f"{key}: no frames decoded")
        check_plain = args.check_plain == "all" or (args.check_plain == "first" and video_no == 0)
        runs: dict[str, JsonDict] = {}
        for model_name, complexity in MODELS:
            for max_hands in args.max_num_hands:
                run_key = f"{model_name}_max{max_hands}"
                where = f"{key} [{run_key}]"
                frames = run_video(path, complexity, max_hands, args, check_plain, frame_sha, where)
                runs[run_key] = {
                    "model": model_name,
                    "model_complexity": complexity,
                    "max_num_hands": max_hands,
                    "plain_hands_checked": check_plain,
                    "frames": frames,
                }
                counts = [sum(len(f["hands"]) == n for f in frames) for n in range(3)]
                ran = sum(f["palm_detector_ran"] for f in frames)
                print(
                    f"{where}: {len(frames)} frames, with 0/1/2 hands: "
                    f"{counts[0]}/{counts[1]}/{counts[2]}, palm detector ran on {ran}",
                    file=sys.stderr,
                )
        videos[key] = {
            "width": int(shape[1]),
            "height": int(shape[0]),
            "num_frames": len(frame_sha),
            "timestamps_ms": timestamps,
            "frame_rgb_sha256": frame_sha,
            "frames_rgb_sha256": all_sha.hexdigest(),
            "runs": runs,
        }

    doc = {
        "generator": "tests/tools/make_video_goldens.py",
        "command": "python "
        + shlex.join(sys.argv if argv is None else ["make_video_goldens.py", *argv]),
        "mediapipe_version": mp.__version__,
        "av_version": av.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "params": {
            "static_image_mode": False,
            "max_num_hands": list(args.max_num_hands),
            "min_detection_confidence": args.min_detection_confidence,
            "min_tracking_confidence": args.min_tracking_confidence,
            "model_complexity": {name: c for name, c in MODELS},
            "max_frames": args.max_frames,
            "decode": 'PyAV, frame.to_ndarray(format="rgb24"), timestamp_ms = pts*time_base*1000',
        },
        "intermediate_streams": {
            "palm_detector_ran": f"{STREAM_PALM_RAW} (a packet at this frame's timestamp)",
            "all_palm_detections": STREAM_ALL_PALM_DETECTIONS,
            "palm_detections": STREAM_PALM_DETECTIONS,
            "rois_from_palm": STREAM_RECTS_FROM_PALMS,
            "hand_rects": STREAM_HAND_RECTS,
            "hand_presence": STREAM_PRESENCE,
            "rois_from_landmarks": STREAM_RECTS_FROM_LANDMARKS,
        },
        "videos": videos,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(format_json(doc), encoding="utf-8")
    print(
        f"wrote {args.out} ({len(videos)} videos, {args.out.stat().st_size} bytes, "
        f"{time.perf_counter() - t0:.1f} s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
