"""Static-image parity with MediaPipe 0.10.21 (goldens from tests/tools/make_goldens.py).

Same hand count and handedness labels; landmark, world-landmark, handedness-score, palm-detection
and ROI errors within the static bounds of ``tests/tolerances.py`` (each a measured floor with a
margin that covers other CPUs' float noise).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from conftest import IMAGES, load_rgb
from parity_utils import ImageParity, compare_hands
from tolerances import (
    STAGE_ATOL,
    STATIC_MAX_PX,
    STATIC_MEDIAN_PX,
    STATIC_SCORE,
    STATIC_WORLD_M,
)

import palmlite
from palmlite.roi import roi_from_palm

# Part of the per-Python subset (noxfile.py's tests sessions run it on every Python).
pytestmark = pytest.mark.matrix

NAMES = sorted(p.name for p in IMAGES.iterdir())


@pytest.fixture(scope="module", params=["lite", "full"])
def legacy_landmarker(request):
    # MediaPipe legacy labels assume a mirrored selfie image.
    return palmlite.HandLandmarker(model=request.param, mirrored=True, num_threads=1)


def test_every_committed_image_has_goldens(goldens):
    assert sorted(goldens["images"]) == NAMES
    assert goldens["mediapipe_version"] == "0.10.21"


@pytest.fixture(scope="module")
def parity(legacy_landmarker, goldens) -> dict[str, ImageParity]:
    """Every committed image's hands against MediaPipe's, for this model."""
    variant = legacy_landmarker.model
    rows = {}
    for name in NAMES:
        entry = goldens["images"][name]
        pixels = load_rgb(name)
        digest = hashlib.sha256(pixels.tobytes()).hexdigest()
        assert digest == entry["rgb_sha256"], "decoded pixels differ"
        result = legacy_landmarker.detect(pixels)
        rows[name] = compare_hands(name, variant, result, entry["models"][variant]["hands"])
    return rows


@pytest.mark.parametrize("name", NAMES)
def test_static_parity(parity, name):
    row = parity[name]
    assert row.count_equal, (
        f"{name}/{row.variant}: {row.got_hands} hands, MediaPipe {row.expected_hands}"
    )
    err = row.landmark_err_px
    report = (f"{name}/{row.variant}: max {err.max():.4f} px (bound {STATIC_MAX_PX}), world "
              f"{row.world_err_m:.2e} m (bound {STATIC_WORLD_M}), handedness score "
              f"{row.score_err:.2e} (bound {STATIC_SCORE}); median {np.median(err):.4f} px")
    assert err.max() <= STATIC_MAX_PX, report
    assert row.labels_equal, report
    assert row.score_err <= STATIC_SCORE, report
    assert row.world_err_m <= STATIC_WORLD_M, report


def test_static_parity_median_over_all_images(parity):
    # One median over every landmark of every image: robust to one image's crop rounding
    # flips, and tight enough to catch a systematic error (a float crop alone costs 0.06 px).
    err = np.concatenate([row.landmark_err_px for row in parity.values()])
    assert err.size == 21 * sum(row.expected_hands for row in parity.values())
    assert np.median(err) <= STATIC_MEDIAN_PX, (
        f"median {np.median(err):.4f} px (bound {STATIC_MEDIAN_PX}), p99 "
        f"{np.percentile(err, 99):.4f} px, max {err.max():.4f} px")


@pytest.mark.parametrize("name", NAMES)
def test_palm_detections_and_rois_match_mediapipe(legacy_landmarker, goldens, name):
    # Stage-level parity: the palm detector's output after NMS and letterbox removal, and the
    # ROIs derived from it, in MediaPipe's order.
    variant = legacy_landmarker.model
    gold = goldens["images"][name]["models"][variant]
    pixels = load_rgb(name)
    palms = legacy_landmarker.detect_palms(pixels)
    assert len(palms) == len(gold["all_palm_detections"])
    for palm, g in zip(palms, gold["all_palm_detections"], strict=True):
        box = [g["box"][k] for k in ("xmin", "ymin", "width", "height")]
        assert palm.score == pytest.approx(g["score"], abs=STAGE_ATOL)
        np.testing.assert_allclose(palm.box_xywh, box, atol=STAGE_ATOL)
        np.testing.assert_allclose(palm.keypoints_xy, g["keypoints"], atol=STAGE_ATOL)
    result = legacy_landmarker.detect(pixels)
    assert len(result.palms) == len(gold["palm_detections"]) == len(gold["rois_from_palm"])
    image_size = result.image_size
    for palm, g in zip(result.palms, gold["rois_from_palm"], strict=True):
        roi = roi_from_palm(palm.box_xywh, palm.keypoints_xy, image_size)
        want = [g[k] for k in ("x_center", "y_center", "width", "height", "rotation")]
        np.testing.assert_allclose(roi.as_array(), want, atol=STAGE_ATOL)
    # Each hand carries the ROI it was cropped from.
    for hand, gold_hand in zip(result.hands, gold["hands"], strict=True):
        g = gold["rois_from_palm"][gold_hand["roi_index"]]
        want = [g[k] for k in ("x_center", "y_center", "width", "height", "rotation")]
        np.testing.assert_allclose(hand.roi.as_array(), want, atol=STAGE_ATOL)


def test_unmirrored_labels_are_the_persons_hand(full_landmarker, goldens):
    # Same image, default convention: the label flips relative to MediaPipe legacy's.
    result = full_landmarker.detect(load_rgb("hands.jpg"))
    gold_hands = goldens["images"]["hands.jpg"]["models"]["full"]["hands"]
    legacy = {h["handedness"]["label"] for h in gold_hands}
    assert legacy == {"Right"}
    assert {h.handedness for h in result.hands} == {"Left"}  # two left hands (SOURCES.md)
