"""Shared fixtures: test images, MediaPipe goldens, and one landmarker per model variant."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import palmlite

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
IMAGES = DATA / "images"
GOLDENS = DATA / "goldens" / "static.json"


def load_rgb(name: str) -> np.ndarray:
    """Decode a committed test image exactly like the golden generator did."""
    with Image.open(IMAGES / name) as image:
        return np.asarray(image.convert("RGB"), dtype=np.uint8)


@pytest.fixture(scope="session")
def goldens() -> dict[str, Any]:
    return json.loads(GOLDENS.read_text(encoding="utf-8"))


@pytest.fixture(scope="session", params=["lite", "full"])
def landmarker(request: pytest.FixtureRequest) -> palmlite.HandLandmarker:
    # Missing weights must fail loudly here, never skip.
    return palmlite.HandLandmarker(model=request.param, num_threads=1)


@pytest.fixture(scope="session")
def full_landmarker() -> palmlite.HandLandmarker:
    return palmlite.HandLandmarker(model="full", num_threads=1)


#: Test modules whose skips are failures in CI: they need the optional engines, which the
#: ``test`` extra installs, so a skip there means CI silently tested less.
NEVER_SKIPPED_IN_CI = ("test_engines.py", "test_data.py")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if (report.skipped and os.environ.get("CI") == "true"
            and item.path.name in NEVER_SKIPPED_IN_CI):
        report.outcome = "failed"
        report.longrepr = ("skipped under CI=true, which must run every engine test: "
                           f"{report.longrepr}")


#: Set (to the wheel's version) by noxfile.py's tests sessions: the suite then must test the
#: installed wheel, never the source tree beside it.
WHEEL_VERSION = os.environ.get("PALMLITE_TEST_WHEEL")


def pytest_report_header(config: pytest.Config) -> str:
    return f"palmlite {palmlite.__version__} from {Path(palmlite.__file__).parent}"


def pytest_configure(config: pytest.Config) -> None:
    if not WHEEL_VERSION:
        return
    package = Path(palmlite.__file__).resolve().parent
    if (package == ROOT / "palmlite" or "site-packages" not in package.parts
            or palmlite.__version__ != WHEEL_VERSION):
        raise pytest.UsageError(
            f"PALMLITE_TEST_WHEEL={WHEEL_VERSION}: expected the installed palmlite "
            f"{WHEEL_VERSION}, got {palmlite.__version__} from {package}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The package's doctests belong to the per-Python subset: they print NumPy values, whose
    # formatting is one of the things that differ between versions.
    for item in items:
        if type(item).__name__ == "DoctestItem":  # by name: the same on every pytest allowed
            item.add_marker(pytest.mark.matrix)
