"""Static-image parity of palmlite against MediaPipe 0.10.21 goldens.

Usage (from the repository root)::

    python benchmarks/parity_static.py [--goldens tests/data/goldens/static.json]
                                       [--root tests/data/images]

For every image of the golden file, runs palmlite (lite and full, max 2 hands, MediaPipe's
legacy handedness labels) and prints per-image and overall landmark errors in pixels. To cover
the shared photos, first write their goldens with tests/tools/make_goldens.py in the MediaPipe
venv (see tests/data/README.md), e.g. into /tmp/shared_static.json with --root ../shared/data.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from parity_utils import compare_hands, summarize  # noqa: E402

import palmlite  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--goldens", type=Path, default=ROOT / "tests/data/goldens/static.json")
    parser.add_argument("--root", type=Path, default=ROOT / "tests/data/images")
    parser.add_argument("--per-image", action="store_true", help="print one line per image")
    args = parser.parse_args()
    goldens = json.loads(args.goldens.read_text())
    for variant in ("lite", "full"):
        landmarker = palmlite.HandLandmarker(model=variant, mirrored=True, num_threads=1)
        rows = []
        for name, entry in sorted(goldens["images"].items()):
            with Image.open(args.root / name) as image:
                pixels = np.asarray(image.convert("RGB"), dtype=np.uint8)
            result = landmarker.detect(pixels)
            row = compare_hands(name, variant, result, entry["models"][variant]["hands"])
            rows.append(row)
            if args.per_image:
                err = row.landmark_err_px
                print(f"{variant:4} {name:60} hands {row.got_hands}/{row.expected_hands} "
                      f"median {np.median(err) if err.size else 0:.5f} px "
                      f"max {err.max() if err.size else 0:.5f} px labels_ok {row.labels_equal}")
        s = summarize(rows)
        print(f"{variant}: {s['images']} images, hand count equal on {s['count_equal']}, "
              f"labels equal on {s['labels_equal']}; "
              f"landmark error median {s['median_px']:.5f} px, "
              f"p99 {s['p99_px']:.5f} px, max {s['max_px']:.5f} px; world max "
              f"{s['max_world_m']:.2e} m; handedness score max diff {s['max_score_err']:.2e}")


if __name__ == "__main__":
    main()
