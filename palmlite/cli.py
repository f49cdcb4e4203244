"""The ``palmlite`` command line.

``palmlite detect [IMAGE ...]`` prints one JSON object per image (one per line). With no image
it runs on the sample photo bundled with the package.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .landmarker import HandLandmarker
from .types import Hand, HandsResult

__all__ = ["SAMPLE_IMAGE", "main", "result_to_json"]

#: A photo bundled with the package (Pixabay, via google-ai-edge/mediapipe-samples; see NOTICE).
SAMPLE_IMAGE = Path(__file__).resolve().parent / "data" / "sample.jpg"
JSON_SCHEMA_VERSION = 1


def _rounded(values: Any, digits: int) -> Any:
    # "+ 0.0" turns -0.0 into 0.0 so the JSON reads cleanly.
    return [[round(float(v), digits) + 0.0 for v in row] for row in values]


def _hand_to_json(hand: Hand) -> dict[str, Any]:
    roi = hand.roi
    out: dict[str, Any] = {
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
    }
    if hand.palm is not None:
        out["palm"] = {
            "score": round(hand.palm.score, 6),
            "box_xywh": [round(float(v), 6) for v in hand.palm.box_xywh],
            "keypoints": _rounded(hand.palm.keypoints_xy, 6),
        }
    return out


def result_to_json(file: str, result: HandsResult) -> dict[str, Any]:
    """The JSON record the CLI prints for one image."""
    width, height = result.image_size
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "file": file,
        "width": width,
        "height": height,
        "hands": [_hand_to_json(h) for h in result.hands],
    }


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="palmlite", description="Hand landmarks with MediaPipe's models, no MediaPipe."
    )
    parser.add_argument("--version", action="version", version=f"palmlite {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    detect = commands.add_parser(
        "detect",
        help="find hands in images and print one JSON object per image",
        description=(
            "Find hands in still images. Prints one JSON object per line: file, width, height and "
            "hands (handedness, presence, landmarks normalized and in pixels, world landmarks in "
            "metres, the crop region and the palm detection). With no IMAGE, runs on the sample "
            "photo bundled with palmlite."
        ),
    )
    detect.add_argument("images", nargs="*", metavar="IMAGE", help="image files")
    detect.add_argument("--model", choices=("lite", "full"), default="full")
    detect.add_argument("--max-hands", type=int, default=2)
    detect.add_argument(
        "--mirrored", action="store_true",
        help="treat images as mirrored selfies (MediaPipe legacy handedness labels)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``palmlite`` console script; returns the exit status."""
    args = _build_parser().parse_args(argv)
    if args.max_hands < 1:
        print("palmlite: --max-hands must be >= 1", file=sys.stderr)
        return 2
    landmarker = HandLandmarker(max_hands=args.max_hands, model=args.model, mirrored=args.mirrored)
    images = args.images or [str(SAMPLE_IMAGE)]
    failures = 0
    for image in images:
        try:
            result = landmarker.detect(image)
        except (OSError, ValueError) as exc:
            print(f"palmlite: {exc}", file=sys.stderr)
            failures += 1
            continue
        print(json.dumps(result_to_json(image, result)), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
