"""The legacy ``drawing_utils`` against MediaPipe 0.10.21's, pixel for pixel (issue 17).

``tests/data/goldens/drawing/`` holds what MediaPipe's ``draw_landmarks``, ``draw_detection``
and ``draw_axis`` drew for each case of ``tests/tools/make_drawing_goldens.py`` (and the figure
its ``plot_landmarks`` built); palmlite replays the same calls. The rasteriser is also checked
against OpenCV itself (the test extra's opencv-python-headless) on random shapes.
"""

from __future__ import annotations

import json
import random
import sys
import warnings
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from conftest import DATA
from google.protobuf import text_format
from PIL import Image

import palmlite as mp
from palmlite.solutions import _raster, drawing_styles, drawing_utils
from palmlite.solutions.framework.formats import detection_pb2, landmark_pb2

GOLDEN_DIR = DATA / "goldens" / "drawing"
GOLDEN = json.loads((GOLDEN_DIR / "cases.json").read_text())
sys.path.insert(0, str(Path(__file__).parent / "tools"))
from make_drawing_goldens import DrawingKit, describe_figure, run_case  # noqa: E402

# Part of the per-Python subset (noxfile.py's tests sessions run it on every Python).
pytestmark = pytest.mark.matrix


#: palmlite's modules, drawing the tool's cases as the tool draws them with MediaPipe's.
PALMLITE_KIT = DrawingKit(text_format, landmark_pb2, detection_pb2, drawing_utils,
                          drawing_styles, mp.solutions.hands.HAND_CONNECTIONS)


def replay(function: str, size: list[int], args: dict[str, Any]) -> np.ndarray:
    """Run a golden case with palmlite: the tool's own run_case, with palmlite's modules."""
    return run_case(function, size, args, PALMLITE_KIT, GOLDEN["messages"])


@pytest.mark.parametrize("name", sorted(GOLDEN["cases"]))
def test_drawing_is_mediapipes_pixel_for_pixel(name: str) -> None:
    case = GOLDEN["cases"][name]
    ours = replay(case["function"], case["size"], case["args"])
    theirs = np.asarray(Image.open(GOLDEN_DIR / f"{name}.png").convert("RGB"))
    differ = (ours != theirs).any(axis=-1)
    assert theirs.any(), "the golden draws something"
    assert not differ.any(), f"{int(differ.sum())} of {int(theirs.any(-1).sum())} px differ"


def test_hand_connections_iterate_in_mediapipes_drawing_order() -> None:
    # draw_landmarks draws in the set's iteration order, which decides colours where lines cross.
    assert [list(c) for c in mp.solutions.hands.HAND_CONNECTIONS] == \
        GOLDEN["hand_connections_order"]


def test_plot_landmarks_builds_mediapipes_figure() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    args = GOLDEN["plot_landmarks"]["args"]
    world = text_format.Parse(GOLDEN["messages"][args["landmark_list"]],
                              landmark_pb2.LandmarkList())
    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Agg: "cannot show the figure"
        drawing_utils.plot_landmarks(world, mp.solutions.hands.HAND_CONNECTIONS,
                                     elevation=args["elevation"], azimuth=args["azimuth"])
    figure = describe_figure(plt)
    assert figure == GOLDEN["plot_landmarks"]["figure"]
    assert len(figure["points"]) == 21 and len(figure["lines"]) == 21


def test_plot_landmarks_without_matplotlib_names_the_extra(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    hand = landmark_pb2.NormalizedLandmarkList(landmark=[landmark_pb2.NormalizedLandmark(x=0.5)])
    with pytest.raises(ImportError, match=r'pip install "palmlite\[plot\]"'):
        drawing_utils.plot_landmarks(hand)
    drawing_utils.plot_landmarks(None)  # nothing to plot needs no matplotlib


def test_errors_are_mediapipes() -> None:
    two_channels = np.zeros((3, 3, 2), np.uint8)
    channels = r"Input image must contain three channel bgr data."  # MediaPipe's test regex
    with pytest.raises(ValueError, match=channels):
        drawing_utils.draw_landmarks(two_channels, landmark_pb2.NormalizedLandmarkList())
    with pytest.raises(ValueError, match=channels):
        drawing_utils.draw_detection(two_channels, detection_pb2.Detection())
    with pytest.raises(ValueError, match=channels):
        drawing_utils.draw_axis(two_channels, np.eye(3), np.array([0.0, 0.0, 1.0]))
    hand = text_format.Parse("landmark {x: 0.5 y: 0.5} landmark {x: 0.2 y: 0.2}",
                             landmark_pb2.NormalizedLandmarkList())
    image = np.zeros((3, 3, 3), np.uint8)
    with pytest.raises(ValueError, match=r"Landmark index is out of range\. Invalid connection "
                                         r"from landmark #0 to landmark #2\."):
        drawing_utils.draw_landmarks(image, hand, [(0, 2)])
    with pytest.raises(ValueError, match=r"Landmark index is out of range."):
        drawing_utils.plot_landmarks(hand, [(5, 0)])
    glob = text_format.Parse("location_data {format: GLOBAL}", detection_pb2.Detection())
    with pytest.raises(ValueError, match="LocationData must be relative"):
        drawing_utils.draw_detection(image, glob)
    with pytest.raises(ValueError, match=r"thickness must be in \[1, 32767\], got 0"):
        drawing_utils.draw_landmarks(image, hand, [(0, 1)], None,
                                     drawing_utils.DrawingSpec(thickness=0))  # OpenCV asserts


def test_colours_are_taken_as_opencv_takes_a_scalar() -> None:
    for color in [(300, -5, 254.5), (9,), (9, 8, 7, 6), 200, (1.5, 2.5, 3.49)]:
        theirs = np.zeros((9, 9, 3), np.uint8)
        cv2.circle(theirs, (4, 4), 3, color, -1)
        ours = np.zeros((9, 9, 3), np.uint8)
        hand = landmark_pb2.NormalizedLandmarkList(
            landmark=[landmark_pb2.NormalizedLandmark(x=0.5, y=0.5)])
        drawing_utils.draw_landmarks(ours, hand, landmark_drawing_spec=drawing_utils.DrawingSpec(
            color=color, thickness=-1, circle_radius=3))
        assert tuple(ours[4, 4]) == tuple(theirs[4, 4]), color
    with pytest.raises(TypeError, match="color must be 1 to 4 numbers"):
        drawing_utils.draw_landmarks(ours, hand, landmark_drawing_spec=drawing_utils.DrawingSpec(
            color="red"))


def test_plain_objects_and_subsets_draw_like_messages() -> None:
    """Scripts build a NormalizedLandmarkList of a few points, or pass their own objects."""
    class Point:
        def __init__(self, x: float, y: float) -> None:
            self.x, self.y = x, y

    class Points:
        def __init__(self) -> None:
            self.landmark = [Point(0.25, 0.375), Point(0.75, 0.625)]  # exact in float32

    subset = landmark_pb2.NormalizedLandmarkList()
    subset.landmark.add(x=0.25, y=0.375)
    subset.landmark.append(landmark_pb2.NormalizedLandmark(x=0.75, y=0.625))
    a, b = np.zeros((50, 80, 3), np.uint8), np.zeros((50, 80, 3), np.uint8)
    drawing_utils.draw_landmarks(a, subset, [(0, 1)])
    drawing_utils.draw_landmarks(b, Points(), [(0, 1)])
    np.testing.assert_array_equal(a, b)
    assert a.any()


def test_rasteriser_is_opencvs_on_random_shapes() -> None:
    """cv2.line / circle / rectangle / arrowedLine, LINE_8: every pixel, clipping included."""
    rng = random.Random(17)
    for _ in range(400):
        height, width = rng.randint(1, 70), rng.randint(1, 70)
        reach = rng.choice([5, 30, 2000])

        def point(width: int = width, height: int = height, reach: int = reach) -> tuple[int, int]:
            return rng.randint(-reach, width + reach), rng.randint(-reach, height + reach)

        color = (rng.randint(1, 255), rng.randint(1, 255), rng.randint(1, 255))
        kind = rng.choice(["line", "circle", "rectangle", "arrow"])
        theirs = np.zeros((height, width, 3), np.uint8)
        ours = theirs.copy()
        if kind == "line":
            args = (point(), point(), color, rng.choice([1, 2, 3, 4, 6, 9]))
            cv2.line(theirs, *args)
            _raster.line(ours, *args)
        elif kind == "circle":
            args = (point(), rng.choice([0, 1, 2, 3, 5, 6, 9, 12, 14, 15, 25]), color,
                    rng.choice([-1, 1, 2, 3, 5]))
            cv2.circle(theirs, *args)
            _raster.circle(ours, *args)
        elif kind == "rectangle":
            args = (point(), point(), color, rng.choice([-1, 1, 2, 3, 5]))
            cv2.rectangle(theirs, *args)
            _raster.rectangle(ours, *args)
        else:
            args = (point(), point(), color, rng.choice([1, 2, 3]))
            cv2.arrowedLine(theirs, *args)
            _raster.arrowed_line(ours, *args)
        assert np.array_equal(ours, theirs), (kind, (height, width), args)
