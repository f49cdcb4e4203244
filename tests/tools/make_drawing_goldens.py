"""Record what MediaPipe 0.10.21's ``drawing_utils`` draws, for palmlite's pixel tests.

Runs ONLY inside the MediaPipe venv (``mediapipe==0.10.21``, which brings
opencv-contrib-python and matplotlib; see ``tests/data/README.md``). From the repository root::

    .venv-mp/bin/python tests/tools/make_drawing_goldens.py

Each case below calls one of MediaPipe's ``draw_landmarks``, ``draw_detection`` and
``draw_axis`` on a black canvas; the canvas is saved losslessly as
``tests/data/goldens/drawing/<case>.png`` (black compresses to almost nothing). The inputs
(messages in protobuf text format, specs and arguments) go to
``tests/data/goldens/drawing/cases.json`` with the versions used, so
``tests/test_drawing_utils.py`` replays every case with palmlite and compares pixel for pixel.
``plot_landmarks`` is recorded as the data of the figure it builds (Agg backend): points,
lines, colours, widths and view, not as pixels (those depend on matplotlib's version).
The hand landmarks are MediaPipe's own, from ``tests/data/goldens/static.json``.
"""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "goldens" / "drawing"
STATIC = ROOT / "tests" / "data" / "goldens" / "static.json"
COMMAND = "python tests/tools/make_drawing_goldens.py"


def hand_text(image: str, model: str, index: int, world: bool = False) -> str:
    """A hand of the static goldens as a landmark list in text format (exact float32s)."""
    hands = json.loads(STATIC.read_text())["images"][image]["models"][model]["hands"]
    key = "world_landmarks" if world else "landmarks"
    return " ".join(f"landmark {{x: {x!r} y: {y!r} z: {z!r}}}" for x, y, z in hands[index][key])


def spec(color: tuple[int, int, int], thickness: int, radius: int = 2) -> dict[str, Any]:
    return {"color": list(color), "thickness": thickness, "circle_radius": radius}


#: The messages the cases draw, by name (text format).
MESSAGES: dict[str, str] = {
    "hands_0": hand_text("hands.jpg", "full", 0),
    "hands_1": hand_text("hands.jpg", "full", 1),
    "teal": hand_text("thumb_up_teal.jpg", "full", 0),
    "teal_world": hand_text("thumb_up_teal.jpg", "full", 0, world=True),
}
HANDS = ["hands_0", "hands_1"]
TEAL = "teal"
EDGES = "edges"
# Corners (x, y of 0 and 1), hidden (visibility 0.2) and shown (presence 0.9), outside.
MESSAGES[EDGES] = (
    "landmark {x: 0 y: 0} landmark {x: 1 y: 1} landmark {x: 1 y: 0} landmark {x: 0 y: 1} "
    "landmark {x: 0.5 y: 0.5 visibility: 0.2} landmark {x: 0.4 y: 0.6 presence: 0.9} "
    "landmark {x: 1.2 y: 0.5} landmark {x: 0.5 y: -0.01} landmark {x: 0.3 y: 0.3 z: 4}")
EDGE_LINKS = [[0, 1], [2, 3], [0, 4], [1, 5], [5, 6], [3, 8], [8, 2], [5, 7]]
BOX = "box"
MESSAGES[BOX] = (
    "location_data {format: RELATIVE_BOUNDING_BOX relative_bounding_box "
    "{xmin: 0.12 ymin: 0.2 width: 0.55 height: 0.61} relative_keypoints {x: 0.3 y: 0.31} "
    "relative_keypoints {x: 0.62 y: 0.5} relative_keypoints {x: 0.999 y: 0.01}}")
# A keypoint and the box's far corner outside the image: MediaPipe passes None to OpenCV.
OUTSIDE = "outside"
MESSAGES[OUTSIDE] = (
    "location_data {format: RELATIVE_BOUNDING_BOX relative_bounding_box "
    "{xmin: 0.5 ymin: 0.4 width: 0.7 height: 0.3} relative_keypoints {x: 1.5 y: 0.5} "
    "relative_keypoints {x: 0.5 y: 0.5}}")
R = float(np.sqrt(0.5))
TILT = [[0.936, -0.275, 0.218], [0.289, 0.956, -0.045], [-0.196, 0.106, 0.975]]

#: name -> (function, canvas (H, W), arguments). Messages are named in MESSAGES (a list of
#: names: one call per message, on the same canvas); "styles": True stands for
#: drawing_styles' default hand landmark and connection styles.
CASES: dict[str, tuple[str, list[int], dict[str, Any]]] = {
    "landmarks_hand_styles": ("draw_landmarks", [382, 720], {
        "landmark_list": HANDS, "connections": "HAND_CONNECTIONS", "styles": True}),
    "landmarks_default_spec": ("draw_landmarks", [382, 720], {
        "landmark_list": HANDS, "connections": "HAND_CONNECTIONS"}),
    "landmarks_hand_styles_teal": ("draw_landmarks", [521, 640], {
        "landmark_list": TEAL, "connections": "HAND_CONNECTIONS", "styles": True}),
    "landmarks_thin": ("draw_landmarks", [200, 300], {
        "landmark_list": TEAL, "connections": "HAND_CONNECTIONS",
        "landmark_drawing_spec": spec((10, 200, 30), 1, 3),
        "connection_drawing_spec": spec((250, 120, 0), 1)}),
    "landmarks_thick": ("draw_landmarks", [300, 400], {
        "landmark_list": TEAL, "connections": "HAND_CONNECTIONS",
        "landmark_drawing_spec": spec((40, 90, 250), 4, 12),
        "connection_drawing_spec": spec((0, 200, 200), 7)}),
    "landmarks_big_rings": ("draw_landmarks", [300, 400], {
        "landmark_list": TEAL, "landmark_drawing_spec": spec((200, 40, 250), 3, 21)}),
    "landmarks_filled_big": ("draw_landmarks", [300, 400], {
        "landmark_list": TEAL, "connections": "HAND_CONNECTIONS",
        "landmark_drawing_spec": spec((90, 40, 250), -1, 30),
        "connection_drawing_spec": spec((0, 255, 0), 11)}),
    "landmarks_edges_hidden": ("draw_landmarks", [90, 120], {
        "landmark_list": EDGES, "connections": EDGE_LINKS}),
    "landmarks_lines_only": ("draw_landmarks", [90, 120], {
        "landmark_list": EDGES, "connections": EDGE_LINKS, "is_drawing_landmarks": False,
        "connection_drawing_spec": spec((30, 60, 90), 3)}),
    "detection_default": ("draw_detection", [120, 160], {"detection": BOX}),
    "detection_thick": ("draw_detection", [120, 160], {
        "detection": BOX, "keypoint_drawing_spec": spec((0, 255, 255), -1, 6),
        "bbox_drawing_spec": spec((255, 0, 255), 5)}),
    "detection_thin_filled_box": ("draw_detection", [120, 160], {
        "detection": BOX, "keypoint_drawing_spec": spec((0, 255, 255), 1, 4),
        "bbox_drawing_spec": spec((255, 90, 0), -1)}),
    "detection_outside": ("draw_detection", [120, 160], {"detection": OUTSIDE}),
    "axis_mediapipe_test": ("draw_axis", [100, 100], {
        "rotation": [[1, 0, 0], [0, R, -R], [0, R, R]], "translation": [0, 0, -0.2]}),
    "axis_tilted_camera": ("draw_axis", [120, 160], {
        "rotation": TILT, "translation": [0.03, -0.02, -0.4], "focal_length": [1.5, 1.2],
        "principal_point": [0.1, -0.05], "axis_length": 0.15,
        "axis_drawing_spec": spec((0, 0, 0), 1)}),
    "axis_thick_clipped": ("draw_axis", [120, 160], {
        "rotation": TILT, "translation": [0, 0, 0], "axis_drawing_spec": spec((0, 0, 0), 4)}),
}
PLOT = {"landmark_list": "teal_world",
        "connections": "HAND_CONNECTIONS", "elevation": 20, "azimuth": 35}


class DrawingKit(NamedTuple):
    """The modules a case is drawn with: MediaPipe's here, palmlite's in the tests."""

    text_format: Any
    landmark_pb2: Any
    detection_pb2: Any
    drawing_utils: Any
    drawing_styles: Any
    hand_connections: Any


def mediapipe_kit() -> DrawingKit:
    from google.protobuf import text_format
    from mediapipe.framework.formats import detection_pb2, landmark_pb2
    from mediapipe.python.solutions import drawing_styles, drawing_utils, hands

    return DrawingKit(text_format, landmark_pb2, detection_pb2, drawing_utils, drawing_styles,
                      hands.HAND_CONNECTIONS)


def run_case(function: str, size: list[int], args: dict[str, Any],
             kit: DrawingKit | None = None,
             messages_text: dict[str, str] | None = None) -> np.ndarray:
    """Draw one case on a black canvas with ``kit`` (default: MediaPipe's modules), its
    messages parsed from ``messages_text`` (default: this tool's)."""
    kit = kit or mediapipe_kit()
    texts = MESSAGES if messages_text is None else messages_text
    canvas = np.zeros((*size, 3), np.uint8)
    kwargs: dict[str, Any] = {}
    messages: list[Any] = []
    for key, value in args.items():
        if key == "landmark_list":
            messages = [kit.text_format.Parse(texts[name],
                                              kit.landmark_pb2.NormalizedLandmarkList())
                        for name in ([value] if isinstance(value, str) else value)]
        elif key == "detection":
            messages = [kit.text_format.Parse(texts[value], kit.detection_pb2.Detection())]
        elif key == "connections":
            kwargs[key] = (kit.hand_connections if value == "HAND_CONNECTIONS"
                           else [tuple(c) for c in value])
        elif key == "styles":
            styles = kit.drawing_styles
            kwargs["landmark_drawing_spec"] = styles.get_default_hand_landmarks_style()
            kwargs["connection_drawing_spec"] = styles.get_default_hand_connections_style()
        elif key.endswith("_spec"):
            kwargs[key] = kit.drawing_utils.DrawingSpec(
                tuple(value["color"]), value["thickness"], value["circle_radius"])
        elif key in ("rotation", "translation"):
            kwargs[key] = np.array(value)
        elif key in ("focal_length", "principal_point"):
            kwargs[key] = tuple(value)
        else:
            kwargs[key] = value
    draw = getattr(kit.drawing_utils, function)
    for message in messages or [None]:
        if message is None:  # draw_axis
            draw(canvas, **kwargs)
        else:
            draw(canvas, message, **kwargs)
    return canvas


def record_plot() -> dict[str, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from google.protobuf import text_format
    from mediapipe.framework.formats import landmark_pb2
    from mediapipe.python.solutions import drawing_utils, hands

    # World landmarks, as in MediaPipe's example (results.multi_hand_world_landmarks).
    landmarks = text_format.Parse(MESSAGES[PLOT["landmark_list"]], landmark_pb2.LandmarkList())
    drawing_utils.plot_landmarks(landmarks, hands.HAND_CONNECTIONS,
                                 elevation=PLOT["elevation"], azimuth=PLOT["azimuth"])
    return describe_figure(plt)


def describe_figure(plt: Any) -> dict[str, Any]:
    """What a plot_landmarks figure holds (shared with the test: keep in step)."""
    figure = plt.gcf()
    axes = figure.axes
    ax = axes[0]
    result = {
        "figures": len(plt.get_fignums()),
        "size_inches": [float(v) for v in figure.get_size_inches()],
        "axes": len(axes),
        "projection": ax.name,
        "view": [float(ax.elev), float(ax.azim)],
        "points": [[[float(v[0]) for v in c._offsets3d],
                    [float(v) for v in c.get_facecolor()[0]],
                    [float(v) for v in c.get_linewidths()]] for c in ax.collections],
        "lines": [[[[float(v) for v in axis] for axis in line.get_data_3d()],
                   [float(v) for v in matplotlib_rgba(line.get_color())],
                   float(line.get_linewidth())] for line in ax.lines],
    }
    plt.close("all")
    return result


def matplotlib_rgba(color: Any) -> tuple[float, ...]:
    from matplotlib.colors import to_rgba

    return tuple(to_rgba(color))


def _dump(payload: dict[str, Any]) -> str:
    """JSON with one case (and one plot item) per line: compact, yet diffs stay readable."""
    compact = {"separators": (",", ":")}
    lines = ["{"]
    for key, value in payload.items():
        if key in ("cases", "messages"):
            lines.append(f" {json.dumps(key)}: {{")
            rows = [f"  {json.dumps(n)}: {json.dumps(c, **compact)}" for n, c in value.items()]
            lines += [",\n".join(rows), " },"]
        elif key == "plot_landmarks":
            figure = value["figure"]
            head = {k: v for k, v in figure.items() if k not in ("points", "lines")}
            lines.append(f' "plot_landmarks": {{"args": {json.dumps(value["args"])},')
            lines.append(f'  "figure": {json.dumps(head, **compact)[:-1]},')
            for part in ("points", "lines"):
                rows = [f"   {json.dumps(item, **compact)}" for item in figure[part]]
                end = "]}}" if part == "lines" else "],"
                lines += [f'  "{part}": [', ",\n".join(rows), f"  {end}"]
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value, **compact)},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    import cv2
    import matplotlib
    import mediapipe
    from mediapipe.python.solutions import hands

    OUT.mkdir(parents=True, exist_ok=True)
    for name, (function, size, args) in CASES.items():
        canvas = run_case(function, size, args)
        Image.fromarray(canvas).save(OUT / f"{name}.png", optimize=True)
        print(f"{name}: {int(canvas.any(axis=-1).sum())} pixels drawn", file=sys.stderr)
    payload = {
        "generator": "tests/tools/make_drawing_goldens.py",
        "command": COMMAND,
        "mediapipe": mediapipe.__version__,
        "opencv": cv2.__version__,
        "matplotlib": matplotlib.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        # The iteration order of MediaPipe's frozenset, which is its drawing order.
        "hand_connections_order": [list(c) for c in hands.HAND_CONNECTIONS],
        "messages": MESSAGES,
        "cases": {name: {"function": f, "size": s, "args": a} for name, (f, s, a) in CASES.items()},
        "plot_landmarks": {"args": PLOT, "figure": record_plot()},
    }
    (OUT / "cases.json").write_text(_dump(payload))
    return 0


if __name__ == "__main__":
    sys.exit(main())
