"""Generate golden outputs of the reference MediaPipe Hands (legacy API) for test images.

This script runs ONLY inside a dedicated MediaPipe virtual environment, never in the palmlite
development environment (mediapipe 0.10.21 pins ``numpy<2`` and ``protobuf<5``). Create it once,
from the repository root::

    python3.11 -m venv .venv-mp && .venv-mp/bin/pip install mediapipe==0.10.21

(mediapipe 0.10.21 is the last release with the legacy ``mp.solutions.hands`` API; it pulls in
Pillow, NumPy and opencv-contrib-python as dependencies.) Then, from the repository root::

    .venv-mp/bin/python tests/tools/make_goldens.py --root tests/data/images \\
        --out tests/data/goldens/static.json tests/data/images

Every argument after the options is an image file or a directory; directories are scanned
recursively for ``.jpg``/``.jpeg``/``.png`` files (case-insensitive), and all images are processed
in sorted order of their keys.

For every image the script:

* decodes it with Pillow exactly as the palmlite tests must: ``Image.open(path)``, **no**
  ``ImageOps.exif_transpose``, ``.convert("RGB")`` (drops alpha, expands L/P), then a contiguous
  ``uint8`` array of shape (H, W, 3). The SHA-256 of those pixel bytes is recorded so a consumer can
  check that it decodes the same pixels;
* for ``model_complexity`` 0 ("lite") and 1 ("full") runs the plain legacy
  ``mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=2, ...)`` and records, per
  hand in MediaPipe's output order, the normalized landmarks, the world landmarks and the
  handedness;
* runs a second ``SolutionBase`` built on the same graph, side packets and calculator options, which
  additionally observes MediaPipe's intermediate streams (palm detections before and after the
  count clip, hand ROIs from palm detections, the associated hand ROIs, the per-ROI hand presence
  score and the ROIs computed from the landmarks), and checks that its landmarks, world landmarks
  and handedness are bit-identical to those of the plain run.

Every float is the float32 value MediaPipe produced, stored as an exact Python float (JSON
``repr``), so no precision is lost. See ``tests/data/README.md`` for the JSON layout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shlex
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

try:
    import mediapipe as mp
    from mediapipe.python import packet_getter
    from mediapipe.python.solution_base import SolutionBase
    from mediapipe.python.solutions import hands as mp_hands
except ImportError as exc:  # pragma: no cover - only reached outside the MediaPipe venv
    raise SystemExit(
        "make_goldens.py must run inside the MediaPipe venv: "
        "python3.11 -m venv .venv-mp && .venv-mp/bin/pip install mediapipe==0.10.21\n"
        f"(import failed: {exc})"
    ) from exc

EXPECTED_MEDIAPIPE_VERSION = "0.10.21"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
MODELS: tuple[tuple[str, int], ...] = (("lite", 0), ("full", 1))

# Graph output streams of HandLandmarkTrackingCpu (the graph inside mp.solutions.hands.Hands).
STREAM_LANDMARKS = "multi_hand_landmarks"
STREAM_WORLD_LANDMARKS = "multi_hand_world_landmarks"
STREAM_HANDEDNESS = "multi_handedness"
# Intermediate streams of the same graph (names from the expanded, validated graph config).
STREAM_ALL_PALM_DETECTIONS = "all_palm_detections"  # after NMS + letterbox removal, before clip
STREAM_PALM_DETECTIONS = "palm_detections"  # first max_num_hands of the above
STREAM_RECTS_FROM_PALMS = "hand_rects_from_palm_detections"
STREAM_HAND_RECTS = "hand_rects"  # after association with tracked ROIs (none in static mode)
STREAM_RECTS_FROM_LANDMARKS = "hand_rects_from_landmarks"  # next-frame ROIs (tracking)
# Emitted once per hand ROI inside the landmark loop (one packet per loop iteration).
STREAM_PRESENCE = "handlandmarkcpu__hand_presence_score"

PLAIN_OUTPUTS = [STREAM_LANDMARKS, STREAM_WORLD_LANDMARKS, STREAM_HANDEDNESS]
DEBUG_OUTPUTS = [
    *PLAIN_OUTPUTS,
    STREAM_ALL_PALM_DETECTIONS,
    STREAM_PALM_DETECTIONS,
    STREAM_RECTS_FROM_PALMS,
    STREAM_HAND_RECTS,
    STREAM_RECTS_FROM_LANDMARKS,
    STREAM_PRESENCE,
]
# Streams that carry several packets per input frame; all of them are collected.
PER_ITEM_STREAMS = (STREAM_PRESENCE,)

JsonDict = dict[str, Any]


# --------------------------------------------------------------------------------------------
# Image discovery and decoding
# --------------------------------------------------------------------------------------------


def find_images(inputs: Sequence[Path]) -> list[Path]:
    """Expand files and directories (recursively) into a de-duplicated list of image paths."""
    found: list[Path] = []
    for item in inputs:
        if item.is_dir():
            found.extend(
                p for p in item.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
            )
        elif item.is_file():
            found.append(item)
        else:
            raise SystemExit(f"no such file or directory: {item}")
    unique = {p.resolve(): p for p in found}
    return sorted(unique.values(), key=lambda p: str(p.resolve()))


def default_root(inputs: Sequence[Path]) -> Path:
    """The deepest common parent directory of the inputs (a file contributes its directory)."""
    dirs = [str((p if p.is_dir() else p.parent).resolve()) for p in inputs]
    return Path(os.path.commonpath(dirs))


def image_key(path: Path, root: Path) -> str:
    """Path of ``path`` relative to ``root``, with forward slashes."""
    try:
        rel = path.resolve().relative_to(root.resolve())
    except ValueError:
        raise SystemExit(f"{path} is not under --root {root}") from None
    return rel.as_posix()


def decode_rgb(path: Path) -> np.ndarray:
    """Decode exactly as palmlite's tests do: no EXIF transpose, convert('RGB'), uint8 HxWx3."""
    with Image.open(path) as im:
        rgb = im.convert("RGB")
    arr = np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))
    assert arr.ndim == 3 and arr.shape[2] == 3, arr.shape
    return arr


# --------------------------------------------------------------------------------------------
# MediaPipe graphs
# --------------------------------------------------------------------------------------------


def hands_graph_kwargs(
    model_complexity: int,
    max_num_hands: int,
    min_detection_confidence: float,
    min_tracking_confidence: float,
) -> JsonDict:
    """SolutionBase arguments identical to those of ``mp.solutions.hands.Hands`` (static mode)."""
    return dict(
        binary_graph_path=mp_hands._BINARYPB_FILE_PATH,
        side_inputs={
            "model_complexity": model_complexity,
            "num_hands": max_num_hands,
            "use_prev_landmarks": False,  # static_image_mode=True
        },
        calculator_params={
            "palmdetectioncpu__TensorsToDetectionsCalculator.min_score_thresh": (
                min_detection_confidence
            ),
            "handlandmarkcpu__ThresholdingCalculator.threshold": min_tracking_confidence,
        },
    )


class _RecordingOutputs(dict[str, Any]):
    """Replacement for ``SolutionBase._graph_outputs`` that also keeps every packet of some streams.

    SolutionBase's output callback does ``self._graph_outputs[name] = packet``, which keeps only the
    last packet of a stream. Streams inside the landmark loop emit one packet per hand ROI, so for
    those every non-empty packet is appended to ``self.history`` as well.
    """

    def __init__(self, per_item_streams: Iterable[str]) -> None:
        super().__init__()
        self.per_item_streams = frozenset(per_item_streams)
        self.history: dict[str, list[Any]] = {}

    def __setitem__(self, key: str, value: Any) -> None:
        # Callbacks also fire for timestamp-bound updates (empty packets): skip those here.
        if key in self.per_item_streams and not value.is_empty():
            self.history.setdefault(key, []).append(value)
        super().__setitem__(key, value)

    def clear(self) -> None:
        self.history.clear()
        super().clear()


class DebugHands(SolutionBase):  # type: ignore[misc]  # untyped mediapipe
    """The graph of ``mp.solutions.hands.Hands`` (static mode), also observing intermediates."""

    def __init__(
        self,
        model_complexity: int,
        max_num_hands: int,
        min_detection_confidence: float,
        min_tracking_confidence: float,
    ) -> None:
        super().__init__(
            outputs=DEBUG_OUTPUTS,
            **hands_graph_kwargs(
                model_complexity, max_num_hands, min_detection_confidence, min_tracking_confidence
            ),
        )
        # process() clears this dict before every run and the callback writes into it.
        self._graph_outputs = _RecordingOutputs(PER_ITEM_STREAMS)

    def process(self, image: np.ndarray) -> tuple[Any, dict[str, list[Any]]]:
        """Run one image; return SolutionBase's named tuple and the per-item stream contents."""
        result = super().process(input_data={"image": image})
        outputs = self._graph_outputs
        assert isinstance(outputs, _RecordingOutputs)
        per_item = {
            name: [packet_getter.get_float(p) for p in packets]
            for name, packets in outputs.history.items()
        }
        return result, per_item


# --------------------------------------------------------------------------------------------
# Conversion of MediaPipe protos to JSON-able values (exact float32 -> Python float)
# --------------------------------------------------------------------------------------------


def hand_to_json(landmarks: Any, world_landmarks: Any, handedness: Any) -> JsonDict:
    cls = handedness.classification[0]
    return {
        "landmarks": [[lm.x, lm.y, lm.z] for lm in landmarks.landmark],
        "world_landmarks": [[lm.x, lm.y, lm.z] for lm in world_landmarks.landmark],
        "handedness": {"index": int(cls.index), "score": cls.score, "label": cls.label},
    }


def hands_to_json(result: Any) -> list[JsonDict]:
    lms = result.multi_hand_landmarks or []
    wlms = result.multi_hand_world_landmarks or []
    hnd = result.multi_handedness or []
    if not len(lms) == len(wlms) == len(hnd):
        raise RuntimeError(f"inconsistent hand counts: {len(lms)}, {len(wlms)}, {len(hnd)}")
    return [hand_to_json(a, b, c) for a, b, c in zip(lms, wlms, hnd, strict=True)]


def detection_to_json(det: Any) -> JsonDict:
    loc = det.location_data
    box = loc.relative_bounding_box
    if len(det.score) != 1:
        raise RuntimeError(f"expected exactly one score per detection, got {list(det.score)}")
    return {
        "score": det.score[0],
        "box": {"xmin": box.xmin, "ymin": box.ymin, "width": box.width, "height": box.height},
        "keypoints": [[kp.x, kp.y] for kp in loc.relative_keypoints],
    }


def rect_to_json(rect: Any) -> JsonDict:
    return {
        "x_center": rect.x_center,
        "y_center": rect.y_center,
        "width": rect.width,
        "height": rect.height,
        "rotation": rect.rotation,
    }


# --------------------------------------------------------------------------------------------
# Per-image processing
# --------------------------------------------------------------------------------------------


def run_model(
    plain: Any,
    debug: DebugHands,
    image: np.ndarray,
    min_tracking_confidence: float,
    key: str,
    model_name: str,
) -> JsonDict:
    """Golden record of one image for one model complexity."""
    hands = hands_to_json(plain.process(image))
    dbg_result, per_item = debug.process(image)
    dbg_hands = hands_to_json(dbg_result)
    if dbg_hands != hands:
        raise RuntimeError(
            f"{key} [{model_name}]: observing intermediate streams changed the hand outputs"
        )

    def protos(name: str) -> list[Any]:
        return list(getattr(dbg_result, name) or [])

    hand_rects = [rect_to_json(r) for r in protos(STREAM_HAND_RECTS)]
    presence = per_item.get(STREAM_PRESENCE, [])
    if len(presence) != len(hand_rects):
        raise RuntimeError(
            f"{key} [{model_name}]: {len(presence)} presence scores for {len(hand_rects)} ROIs"
        )
    # The landmark loop keeps a hand iff presence > threshold; recover which ROI made each hand.
    kept = [i for i, p in enumerate(presence) if p > min_tracking_confidence]
    if len(kept) != len(hands):
        raise RuntimeError(
            f"{key} [{model_name}]: presence scores {presence} do not explain {len(hands)} hands"
        )
    for hand, roi_index in zip(hands, kept, strict=True):
        hand["roi_index"] = roi_index

    return {
        "hands": hands,
        "all_palm_detections": [detection_to_json(d) for d in protos(STREAM_ALL_PALM_DETECTIONS)],
        "palm_detections": [detection_to_json(d) for d in protos(STREAM_PALM_DETECTIONS)],
        "rois_from_palm": [rect_to_json(r) for r in protos(STREAM_RECTS_FROM_PALMS)],
        "hand_rects": hand_rects,
        "hand_presence": presence,
        "rois_from_landmarks": [rect_to_json(r) for r in protos(STREAM_RECTS_FROM_LANDMARKS)],
    }


def format_json(doc: Mapping[str, Any]) -> str:
    """Sorted keys, one line per hand / detection / rect, so diffs stay readable and files small."""

    def dump(value: Any) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)

    def fmt(value: Any, depth: int, path: tuple[str, ...]) -> str:
        pad = " " * depth
        # Leaf records (one hand, one detection, one rect) and scalars go on one line.
        if not isinstance(value, (dict, list)) or (len(path) >= 2 and path[-2] == "#list"):
            return dump(value)
        if isinstance(value, list):
            if not value:
                return "[]"
            if all(not isinstance(v, (dict, list)) for v in value):
                return dump(value)
            items = [fmt(v, depth + 1, (*path, "#list", str(i))) for i, v in enumerate(value)]
            return "[\n" + ",\n".join(pad + " " + s for s in items) + "\n" + pad + "]"
        if not value:
            return "{}"
        items = [f"{dump(k)}: {fmt(value[k], depth + 1, (*path, k))}" for k in sorted(value)]
        return "{\n" + ",\n".join(pad + " " + s for s in items) + "\n" + pad + "}"

    return fmt(doc, 0, ()) + "\n"


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Write golden MediaPipe Hands 0.10.21 (legacy API, static image mode) outputs, "
            "with palm detections and ROIs, for the given images. Run inside the MediaPipe venv."
        )
    )
    parser.add_argument("inputs", nargs="+", type=Path, metavar="IMAGE_OR_DIR")
    parser.add_argument("--out", required=True, type=Path, help="output JSON file")
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="image keys are paths relative to this directory (default: common parent of inputs)",
    )
    parser.add_argument("--max-num-hands", type=int, default=2)
    parser.add_argument("--min-detection-confidence", type=float, default=0.5)
    parser.add_argument("--min-tracking-confidence", type=float, default=0.5)
    add_version_option(parser)
    return parser.parse_args(argv)


def add_version_option(parser: argparse.ArgumentParser) -> None:
    """``--allow-other-mediapipe``, checked by :func:`check_mediapipe_version`."""
    parser.add_argument(
        "--allow-other-mediapipe",
        action="store_true",
        help=f"do not insist on mediapipe=={EXPECTED_MEDIAPIPE_VERSION}",
    )


def check_mediapipe_version(args: argparse.Namespace) -> None:
    """Goldens come from one MediaPipe release: refuse another unless allowed."""
    if mp.__version__ != EXPECTED_MEDIAPIPE_VERSION and not args.allow_other_mediapipe:
        raise SystemExit(
            f"mediapipe {mp.__version__} found, goldens are made with {EXPECTED_MEDIAPIPE_VERSION}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    check_mediapipe_version(args)
    images = find_images(args.inputs)
    if not images:
        raise SystemExit("no images found")
    root: Path = args.root if args.root is not None else default_root(args.inputs)
    keyed = sorted(((image_key(p, root), p) for p in images), key=lambda kp: kp[0])
    if len({k for k, _ in keyed}) != len(keyed):
        raise SystemExit("duplicate image keys")

    params = {
        "static_image_mode": True,
        "max_num_hands": args.max_num_hands,
        "min_detection_confidence": args.min_detection_confidence,
        "min_tracking_confidence": args.min_tracking_confidence,
        "model_complexity": {name: c for name, c in MODELS},
    }

    t0 = time.perf_counter()
    records: dict[str, JsonDict] = {}
    for key, path in keyed:
        rgb = decode_rgb(path)
        records[key] = {
            "width": int(rgb.shape[1]),
            "height": int(rgb.shape[0]),
            "rgb_sha256": hashlib.sha256(rgb.tobytes()).hexdigest(),
            "models": {},
        }
    for model_name, complexity in MODELS:
        with (
            mp_hands.Hands(
                static_image_mode=True,
                max_num_hands=args.max_num_hands,
                model_complexity=complexity,
                min_detection_confidence=args.min_detection_confidence,
                min_tracking_confidence=args.min_tracking_confidence,
            ) as plain,
            DebugHands(
                complexity,
                args.max_num_hands,
                args.min_detection_confidence,
                args.min_tracking_confidence,
            ) as debug,
        ):
            for key, path in keyed:
                rgb = decode_rgb(path)
                rec = run_model(plain, debug, rgb, args.min_tracking_confidence, key, model_name)
                records[key]["models"][model_name] = rec
                print(f"{model_name:4s} {len(rec['hands'])} hand(s)  {key}", file=sys.stderr)

    doc = {
        "generator": "tests/tools/make_goldens.py",
        "command": "python " + shlex.join(sys.argv if argv is None else ["make_goldens.py", *argv]),
        "mediapipe_version": mp.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "params": params,
        "intermediate_streams": {
            "all_palm_detections": STREAM_ALL_PALM_DETECTIONS,
            "palm_detections": STREAM_PALM_DETECTIONS,
            "rois_from_palm": STREAM_RECTS_FROM_PALMS,
            "hand_rects": STREAM_HAND_RECTS,
            "hand_presence": STREAM_PRESENCE,
            "rois_from_landmarks": STREAM_RECTS_FROM_LANDMARKS,
        },
        "images": records,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(format_json(doc), encoding="utf-8")
    print(
        f"wrote {args.out} ({len(records)} images, {time.perf_counter() - t0:.1f} s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
