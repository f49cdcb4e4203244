"""Shared fixtures: test images, MediaPipe goldens, and one landmarker per model variant."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import palmlite

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
