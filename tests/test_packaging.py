"""The built wheel carries the weights, the sample image and the type marker."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_contains_weights_sample_and_py_typed(tmp_path: Path):
    # The build backend's PEP 517 hook, as pip or build would call it (no network, and no pip
    # needed: the nox sessions' venvs have none); hatchling comes with the test extra.
    subprocess.run(
        [sys.executable, "-c", "import sys, hatchling.build; "
         "hatchling.build.build_wheel(sys.argv[1])", str(tmp_path)],
        cwd=ROOT, check=True,
    )
    (wheel,) = tmp_path.glob("palmlite-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for variant in ("lite", "full"):
        assert f"palmlite/weights/palm_detection_{variant}.onnx" in names
        assert f"palmlite/weights/hand_landmark_{variant}.onnx" in names
    assert "palmlite/weights/MANIFEST.json" in names
    assert "palmlite/data/sample.jpg" in names and "palmlite/py.typed" in names
    assert any(n.endswith("licenses/NOTICE") for n in names)
    assert not any(n.startswith("tests/") for n in names)
