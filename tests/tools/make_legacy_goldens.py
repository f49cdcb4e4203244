"""Record what the legacy example scripts print (and draw) under MediaPipe 0.10.21.

Runs ONLY inside the MediaPipe venv (``mediapipe==0.10.21`` plus ``av==18.1.0`` so video frames
decode to the same pixels as in the palmlite venv). From the repository root::

    .venv-mp/bin/python tests/tools/make_legacy_goldens.py

It runs every script of ``examples/legacy/`` **unchanged** (``import mediapipe as mp``) as a
subprocess of this interpreter, on the committed test images and clips, and writes

- ``tests/data/goldens/legacy_scripts.json``: per run, the script, its arguments and the JSON
  records it printed (floats as printed by ``json.dumps``, i.e. exact);
- ``tests/data/goldens/legacy_drawing_<image stem>.png``: for ``drawing.py``, the pixels the
  script changed, as an RGBA PNG (RGB = the drawn colour, alpha 255 where a pixel changed).

``tests/test_solutions.py`` runs the same scripts with only the import line changed to
``import palmlite as mp`` and compares.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "examples" / "legacy"
GOLDENS = ROOT / "tests" / "data" / "goldens"
IMAGES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests/data/images").iterdir())
CLIPS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests/data/videos").glob("*.mp4"))
DRAWN = ["tests/data/images/hands.jpg", "tests/data/images/two_thumbs_up.jpg"]

#: (script, arguments); paths are relative to the repository root, the scripts' working dir.
RUNS: list[tuple[str, list[str]]] = [
    ("static_images.py", ["--model-complexity", "1", *IMAGES]),
    ("static_images.py", ["--model-complexity", "0", *IMAGES]),
    *[("video_loop.py", [clip]) for clip in CLIPS],
    ("video_loop.py", ["--max-num-hands", "1", "--model-complexity", "0", CLIPS[0]]),
    *[("drawing.py", [image, "{out}"]) for image in DRAWN],
]


def run_script(script: str, args: list[str]) -> list[dict[str, object]]:
    done = subprocess.run(
        [sys.executable, str(SCRIPTS / script), *args], cwd=ROOT, check=True,
        capture_output=True, text=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def drawn_layer(source: str, annotated: Path) -> Image.Image:
    before = np.asarray(Image.open(ROOT / source).convert("RGB"))
    after = np.asarray(Image.open(annotated).convert("RGB"))
    changed = (before != after).any(axis=-1)
    layer = np.zeros((*before.shape[:2], 4), dtype=np.uint8)
    layer[changed, :3] = after[changed]
    layer[changed, 3] = 255
    return Image.fromarray(layer, mode="RGBA")


def _dump(payload: dict[str, object]) -> str:
    """JSON with one printed record per line: compact, yet diffs stay readable."""
    compact = {"separators": (",", ":")}
    head = {k: v for k, v in payload.items() if k != "runs"}
    lines = ["{", f' "header": {json.dumps(head, **compact)},', ' "runs": [']
    runs = payload["runs"]
    assert isinstance(runs, list)
    for i, run in enumerate(runs):
        lines.append(f'  {{"script": {json.dumps(run["script"])}, '
                     f'"args": {json.dumps(run["args"])}, "records": [')
        records = [f"   {json.dumps(r, **compact)}" for r in run["records"]]
        lines.append(",\n".join(records))
        lines.append("  ]}" + ("," if i < len(runs) - 1 else ""))
    lines.append(" ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    import mediapipe

    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for script, args in RUNS:
            out = Path(tmp) / "annotated.png"
            concrete = [a.replace("{out}", str(out)) for a in args]
            records = run_script(script, concrete)
            runs.append({"script": script, "args": args, "records": records})
            if script == "drawing.py":
                layer = drawn_layer(args[0], out)
                layer.save(GOLDENS / f"legacy_drawing_{Path(args[0]).stem}.png", optimize=True)
            print(f"{script} {' '.join(args)[:60]}: {len(records)} records", file=sys.stderr)
    payload = {
        "generator": "tests/tools/make_legacy_goldens.py",
        "mediapipe": mediapipe.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "runs": runs,
    }
    (GOLDENS / "legacy_scripts.json").write_text(_dump(payload))
    return 0


if __name__ == "__main__":
    sys.exit(main())
