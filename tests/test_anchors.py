import numpy as np

from palmlite.anchors import ssd_anchors
from palmlite.specs import AnchorSpec


def test_palm_anchor_layout_matches_mediapipe():
    anchors = ssd_anchors()
    assert anchors.shape == (2016, 4) and anchors.dtype == np.float32
    np.testing.assert_allclose(anchors[0], [1 / 48, 1 / 48, 1, 1], rtol=1e-7)
    np.testing.assert_allclose(anchors[-1], [23 / 24, 23 / 24, 1, 1], rtol=1e-7)
    # Stride 8: 24x24 cells x 2 anchors; both anchors of a cell share its centre.
    np.testing.assert_array_equal(anchors[0], anchors[1])
    np.testing.assert_allclose(anchors[2], [3 / 48, 1 / 48, 1, 1], rtol=1e-7)  # next column
    np.testing.assert_allclose(anchors[48], [1 / 48, 3 / 48, 1, 1], rtol=1e-7)  # next row
    # Stride 16 (three layers share one 12x12 grid): 6 anchors per cell from index 1152.
    np.testing.assert_allclose(anchors[1152:1158], [[1 / 24, 1 / 24, 1, 1]] * 6, rtol=1e-7)
    np.testing.assert_allclose(anchors[1158], [3 / 24, 1 / 24, 1, 1], rtol=1e-7)
    assert np.all(anchors[:, 2:] == 1.0)  # fixed_anchor_size


def test_layers_with_different_strides_get_their_own_grids():
    anchors = ssd_anchors(AnchorSpec(input_size=64, strides=(16, 32), anchors_per_layer=1))
    assert anchors.shape == (4 * 4 + 2 * 2, 4)
    np.testing.assert_allclose(anchors[16], [0.25, 0.25, 1, 1])
