"""Weight lookup, sha256 verification and model signature checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from tolerances import RAW_REL

import palmlite
from palmlite import models
from palmlite.weights import candidate_dirs, find_weights, sha256_of

# Part of the per-Python subset (noxfile.py's tests sessions run it on every Python).
pytestmark = pytest.mark.matrix

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
    with pytest.raises(palmlite.WeightsCorruptedError, match=r"hand_landmark_lite\.onnx.*sha256"):
        palmlite.HandLandmarker(model="lite", weights_dir=target)
    # The untouched variant in the same directory still loads.
    palmlite.HandLandmarker(model="full", weights_dir=target, num_threads=1)


def test_weights_without_manifest_are_refused(tmp_path: Path):
    target = _copy_weights(tmp_path)
    (target / "MANIFEST.json").unlink()
    with pytest.raises(palmlite.WeightsCorruptedError, match=r"MANIFEST\.json"):
        palmlite.HandLandmarker(weights_dir=target)


def test_signature_mismatch_shows_the_actual_signature():
    files = find_weights("lite")
    with pytest.raises(
        palmlite.ModelError, match=r"actual outputs: regressors\('batch', 2016, 18\)"
    ):
        models.OnnxModel(files.palm, models.LANDMARK_SIGNATURE)


def test_unloadable_file_is_a_model_error(tmp_path: Path):
    bogus = tmp_path / "bogus.onnx"
    bogus.write_bytes(b"not an onnx model")
    with pytest.raises(palmlite.ModelError, match=r"bogus\.onnx"):
        models.OnnxModel(bogus, models.PALM_SIGNATURE)


def _arg(name: str, shape: tuple[object, ...]) -> SimpleNamespace:
    return SimpleNamespace(name=name, type="tensor(float)", shape=list(shape))


def test_a_fixed_batch_is_refused_where_the_signature_wants_a_dynamic_one():
    expected = (("scores", ("batch", 2016, 1)),)
    assert models._shapes_match([_arg("scores", ("batch", 2016, 1))], expected)
    assert models._shapes_match([_arg("scores", ("N", 2016, 1))], expected)
    assert models._shapes_match([_arg("scores", (None, 2016, 1))], expected)
    assert not models._shapes_match([_arg("scores", (1, 2016, 1))], expected)
    assert not models._shapes_match([_arg("scores", ("batch", 2016, 2))], expected)


def test_manifest_and_models_have_a_symbolic_batch_dimension():
    manifest = json.loads((REPO_WEIGHTS / "MANIFEST.json").read_text())
    for entry in manifest["models"].values():
        for value in entry["inputs"] + entry["outputs"]:
            assert value["shape"][0] == models.BATCH
        assert entry["max_abs_diff_batched_vs_single"] <= 1e-6


_MODELS = [
    ("palm_detection_lite", models.PALM_SIGNATURE),
    ("palm_detection_full", models.PALM_SIGNATURE),
    ("hand_landmark_lite", models.LANDMARK_SIGNATURE),
    ("hand_landmark_full", models.LANDMARK_SIGNATURE),
]


@pytest.mark.parametrize(("key", "signature"), _MODELS, ids=[k for k, _ in _MODELS])
def test_a_batch_gives_the_rows_of_single_runs(key: str, signature: models.Signature):
    model = models.OnnxModel(REPO_WEIGHTS / f"{key}.onnx", signature, num_threads=1)
    size = signature.inputs[0][1][1]
    frames = np.random.default_rng(5).random((8, size, size, 3), dtype=np.float32)
    singles = [model.run(frames[i : i + 1]) for i in range(len(frames))]
    # Measured bit-identical; guaranteed only up to cross-kernel noise (tests/tolerances.py).
    for n in (1, 3, 8):
        batched = model.run(frames[:n])
        for k, (name, shape) in enumerate(signature.outputs):
            assert batched[k].shape == (n, *shape[1:]), name
            assert batched[k].dtype == np.float32
            scale = max(float(np.abs(singles[i][k]).max()) for i in range(n))
            for i in range(n):
                np.testing.assert_allclose(batched[k][i : i + 1], singles[i][k], rtol=0,
                                           atol=RAW_REL * scale,
                                           err_msg=f"{key}/{name} row {i} of {n}")


def test_run_checks_its_input_and_accepts_an_empty_batch():
    model = models.OnnxModel(find_weights("lite").palm, models.PALM_SIGNATURE, num_threads=1)
    empty = model.run(np.zeros((0, 192, 192, 3), np.float32))
    assert [o.shape for o in empty] == [(0, 2016, 18), (0, 2016, 1)]
    for bad in (
        np.zeros((192, 192, 3), np.float32),  # no batch axis
        np.zeros((1, 3, 192, 192), np.float32),  # NCHW
        np.zeros((1, 192, 192, 3), np.float64),
        np.zeros((1, 192, 192, 3), np.uint8),
    ):
        with pytest.raises(ValueError, match=r"float32 array of shape \(N, 192, 192, 3\)"):
            model.run(bad)


def test_pool_threads_do_not_spin_unless_asked(monkeypatch: pytest.MonkeyPatch):
    # Spinning threads collapse throughput when other processes share the cores
    # (benchmarks/threads.py): off by default, on only when palmlite.models says so.
    palm = find_weights("lite").palm

    def spinning() -> str:
        session = models.OnnxModel(palm, models.PALM_SIGNATURE, num_threads=2)._session
        return session.get_session_options().get_session_config_entry(
            "session.intra_op.allow_spinning")

    assert spinning() == "0"
    monkeypatch.setattr(models, "ALLOW_SPINNING", True)
    assert spinning() == "1"
