"""Weight lookup, sha256 verification and model signature checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import palmlite
from palmlite import models
from palmlite.weights import candidate_dirs, find_weights, sha256_of

REPO_WEIGHTS = Path(__file__).resolve().parents[1] / "weights"


def test_bundled_weights_are_found_and_match_the_manifest():
    manifest = json.loads((REPO_WEIGHTS / "MANIFEST.json").read_text())
    for variant in ("lite", "full"):
        files = find_weights(variant)
        for path in (files.palm, files.landmark):
            assert sha256_of(path) == manifest["models"][path.name]["sha256"]
    assert manifest["source"]["wheel"].startswith("mediapipe-0.10.21")


def test_missing_weights_name_every_place_looked(tmp_path: Path):
    with pytest.raises(palmlite.WeightsNotFoundError) as info:
        palmlite.HandLandmarker(weights_dir=tmp_path / "nowhere")
    assert str(tmp_path / "nowhere" / "palm_detection_full.onnx") in str(info.value)
    assert isinstance(info.value, FileNotFoundError) and isinstance(info.value, palmlite.ModelError)
    default = candidate_dirs()
    assert len(default) == 2 and default[0].name == "weights"


def _copy_weights(tmp_path: Path) -> Path:
    target = tmp_path / "weights"
    shutil.copytree(REPO_WEIGHTS, target)
    return target


def test_corrupted_weights_are_refused(tmp_path: Path):
    target = _copy_weights(tmp_path)
    onnx = target / "hand_landmark_lite.onnx"
    data = bytearray(onnx.read_bytes())
    data[len(data) // 2] ^= 0xFF
    onnx.write_bytes(bytes(data))
    with pytest.raises(palmlite.WeightsCorruptedError, match="hand_landmark_lite.onnx.*sha256"):
        palmlite.HandLandmarker(model="lite", weights_dir=target)
    # The untouched variant in the same directory still loads.
    palmlite.HandLandmarker(model="full", weights_dir=target, num_threads=1)


def test_weights_without_manifest_are_refused(tmp_path: Path):
    target = _copy_weights(tmp_path)
    (target / "MANIFEST.json").unlink()
    with pytest.raises(palmlite.WeightsCorruptedError, match="MANIFEST.json"):
        palmlite.HandLandmarker(weights_dir=target)


def test_signature_mismatch_shows_the_actual_signature():
    files = find_weights("lite")
    with pytest.raises(palmlite.ModelError, match=r"actual outputs: regressors\(1, 2016, 18\)"):
        models.OnnxModel(files.palm, models.LANDMARK_SIGNATURE)


def test_unloadable_file_is_a_model_error(tmp_path: Path):
    bogus = tmp_path / "bogus.onnx"
    bogus.write_bytes(b"not an onnx model")
    with pytest.raises(palmlite.ModelError, match="bogus.onnx"):
        models.OnnxModel(bogus, models.PALM_SIGNATURE)
