"""The dependency direction: stages are NumPy-only; only models.py touches ONNX Runtime."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "palmlite"
STAGES = ["anchors", "palm_decode", "nms", "boxes", "letterbox", "roi", "crop",
          "landmark_decode", "projection", "association", "types", "specs", "topology"]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_models_imports_onnxruntime():
    users = {p.stem for p in PACKAGE.rglob("*.py") if "onnxruntime" in _imports(p)}
    assert users == {"models"}


def test_stages_import_without_onnxruntime():
    # Importing palmlite.<stage> normally runs palmlite/__init__ (which loads the landmarker and
    # so onnxruntime); stub the package so only the stage modules themselves are imported.
    stub = (
        "import importlib.util, sys, types, pathlib\n"
        "sys.modules['onnxruntime'] = None\n"
        f"pkg = types.ModuleType('palmlite'); pkg.__path__ = [{str(PACKAGE)!r}]\n"
        "sys.modules['palmlite'] = pkg\n"
        + "\n".join(f"importlib.import_module('palmlite.{name}')" for name in STAGES)
    )
    subprocess.run([sys.executable, "-c", stub], check=True)


def test_no_print_or_assert_in_the_library():
    for path in PACKAGE.rglob("*.py"):
        if path.name in ("cli.py", "__main__.py"):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            assert not isinstance(node, ast.Assert), f"assert in {path.name}:{node.lineno}"
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                raise AssertionError(f"print in {path.name}:{node.lineno}")


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_only_the_legacy_layer_imports_protobuf():
    # "Legacy stays at the edge": MediaPipe's protobuf messages live in palmlite/solutions/.
    users = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
             if any(m == "google" or m.startswith("google.") for m in _imported_modules(p))}
    assert users == {"solutions/_protos.py"}


def test_the_native_api_never_loads_protobuf():
    # palmlite.solutions and palmlite.framework are loaded on first use only.
    code = (
        "import sys, numpy as np, palmlite\n"
        "landmarker = palmlite.HandLandmarker(model='lite', num_threads=1)\n"
        "image = np.zeros((64, 64, 3), np.uint8)\n"
        "landmarker.detect(image); palmlite.HandTracker(landmarker).track(image)\n"
        "palmlite.draw(image, ())\n"
        "assert 'google.protobuf' not in sys.modules, 'protobuf was imported'\n"
        "assert 'palmlite.solutions' not in sys.modules\n"
        "import palmlite as mp\n"
        "assert mp.solutions.hands.Hands and mp.framework.formats.landmark_pb2\n"
        "assert 'google.protobuf' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
