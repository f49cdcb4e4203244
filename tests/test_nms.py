import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from palmlite.boxes import iou_matrix, iou_one_to_many
from palmlite.nms import weighted_nms
from palmlite.palm_decode import PalmCandidates


def _cands(scores, boxes, keypoints=None):
    scores = np.asarray(scores, np.float32)
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    if keypoints is None:
        centres = (boxes[:, :2] + boxes[:, 2:]) / 2
        keypoints = np.repeat(centres[:, None, :], 7, axis=1)
    return PalmCandidates(scores, boxes, np.asarray(keypoints, np.float32))


def test_cluster_is_score_weighted_mean_with_top_score():
    c = _cands([0.6, 0.9, 0.8], [[0.0, 0.0, 1.0, 1.0], [0.1, 0.0, 1.1, 1.0], [5, 5, 6, 6]])
    out = weighted_nms(c)
    assert out.scores.tolist() == [np.float32(0.9), np.float32(0.8)]
    expected = (0.9 * np.array([0.1, 0, 1.1, 1]) + 0.6 * np.array([0, 0, 1, 1])) / 1.5
    np.testing.assert_allclose(out.boxes_xyxy[0], expected, atol=1e-6)
    np.testing.assert_allclose(out.boxes_xyxy[1], [5, 5, 6, 6])
    np.testing.assert_allclose(out.keypoints[0, 0], [(expected[0] + expected[2]) / 2, 0.5],
                               atol=1e-6)


def test_overlap_must_be_strictly_greater_than_threshold():
    # IoU of these two is exactly 0.3 / 0.3 + ... : construct IoU = 1/3 > 0.3 and IoU = 0.25.
    merged = weighted_nms(_cands([0.9, 0.8], [[0, 0, 2, 2], [1, 0, 3, 2]]))  # IoU 1/3
    assert merged.scores.shape == (1,)
    separate = weighted_nms(_cands([0.9, 0.8], [[0, 0, 2, 2], [1.2, 0, 3.2, 2]]))  # IoU 0.25
    assert separate.scores.shape == (2,)


def test_zero_area_top_stops_like_mediapipe():
    out = weighted_nms(_cands([0.9, 0.8], [[0, 0, 0, 0], [0, 0, 1, 1]]))
    assert out.scores.tolist() == [np.float32(0.9)]


def test_empty_input():
    empty = PalmCandidates.empty()
    assert weighted_nms(empty).scores.shape == (0,)


def test_iou_hand_computed():
    np.testing.assert_allclose(
        iou_one_to_many([0, 0, 2, 2], [[0, 0, 2, 2], [1, 1, 3, 3], [2, 0, 4, 2], [0, 0, -1, -1]]),
        [1.0, 1 / 7, 0.0, 0.0], rtol=1e-6,
    )


boxes_strategy = st.lists(
    st.tuples(
        st.floats(0, 1, width=32), st.floats(0, 1, width=32),
        st.floats(0.015625, 0.5, width=32), st.floats(0.015625, 0.5, width=32),
        st.floats(0.5, 1.0, width=32),
    ),
    min_size=1, max_size=12,
)


def _from_tuples(items):
    arr = np.array(items, np.float32)
    boxes = np.stack([arr[:, 0], arr[:, 1], arr[:, 0] + arr[:, 2], arr[:, 1] + arr[:, 3]], 1)
    return _cands(arr[:, 4], boxes)


@settings(max_examples=200, deadline=None)
@given(boxes_strategy)
def test_weighted_nms_invariants(items):
    c = _from_tuples(items)
    out = weighted_nms(c)
    n = len(items)
    assert 1 <= out.scores.shape[0] <= n
    assert np.all(np.diff(out.scores) <= 0), "scores must be non-increasing"
    assert out.scores[0] == c.scores.max()
    assert set(out.scores.tolist()) <= set(c.scores.tolist()), "each output keeps a real score"
    # Merged boxes stay inside the hull of the inputs.
    assert np.all(out.boxes_xyxy[:, :2] >= c.boxes_xyxy[:, :2].min(0) - 1e-6)
    assert np.all(out.boxes_xyxy[:, 2:] <= c.boxes_xyxy[:, 2:].max(0) + 1e-6)


@settings(max_examples=100, deadline=None)
@given(boxes_strategy, st.randoms())
def test_weighted_nms_is_permutation_invariant_for_distinct_scores(items, rnd):
    scores = [it[4] for it in items]
    if len(set(scores)) != len(scores):
        return  # ties keep input order, so only distinct scores are order-free
    c = _from_tuples(items)
    perm = list(range(len(items)))
    rnd.shuffle(perm)
    a, b = weighted_nms(c), weighted_nms(c.take(np.array(perm)))
    np.testing.assert_array_equal(a.scores, b.scores)
    np.testing.assert_allclose(a.boxes_xyxy, b.boxes_xyxy, atol=1e-6)


def _reference_iou(box, boxes):
    inter_w = np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0])
    inter_h = np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1])
    overlaps = (inter_w > 0) & (inter_h > 0)
    inter = np.where(overlaps, inter_w * inter_h, np.float32(0))
    union = (box[2] - box[0]) * (box[3] - box[1]) + (boxes[:, 2] - boxes[:, 0]) * (
        boxes[:, 3] - boxes[:, 1]) - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(overlaps & (union > 0), inter / union, np.float32(0)).astype(np.float32)


def _reference_weighted_nms(c):
    """MediaPipe's loop, literally: recompute the overlaps of the remaining candidates."""
    remaining = c.take(np.argsort(-c.scores, kind="stable"))
    scores, boxes, keypoints = [], [], []
    while remaining.scores.shape[0] > 0:
        in_cluster = _reference_iou(remaining.boxes_xyxy[0], remaining.boxes_xyxy) > np.float32(0.3)
        if not in_cluster.any():
            scores.append(remaining.scores[0])
            boxes.append(remaining.boxes_xyxy[0])
            keypoints.append(remaining.keypoints[0])
            break
        weights = remaining.scores[in_cluster]
        total = weights.sum(dtype=np.float32)
        box = (remaining.boxes_xyxy[in_cluster] * weights[:, None]).sum(0, dtype=np.float32)
        kps = (remaining.keypoints[in_cluster] * weights[:, None, None]).sum(0, dtype=np.float32)
        scores.append(remaining.scores[0])
        boxes.append(box / total)
        keypoints.append(kps / total)
        remaining = remaining.take(~in_cluster)
    return np.array(scores, np.float32), np.stack(boxes), np.stack(keypoints)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 1, width=32), st.floats(0, 1, width=32),
            st.floats(0, 0.5, width=32), st.floats(0, 0.5, width=32),
            st.sampled_from([0.5, 0.6, 0.75, 0.9, 0.99]) | st.floats(0.5, 1.0, width=32),
        ),
        min_size=1, max_size=40,
    )
)
def test_weighted_nms_is_bit_identical_to_the_reference(items):
    # Pairwise IoUs computed once instead of per iteration: the same floats, bit for bit,
    # including ties in score (input order) and zero-area boxes.
    c = _from_tuples(items)
    c = PalmCandidates(c.scores, c.boxes_xyxy,
                       np.random.default_rng(len(items)).random((len(items), 7, 2), np.float32))
    out = weighted_nms(c)
    for got, expected in zip(out, _reference_weighted_nms(c), strict=True):
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, expected)


def test_iou_matrix_rows_equal_iou_one_to_many():
    rng = np.random.default_rng(2)
    xy = rng.random((30, 2), np.float32)
    boxes = np.concatenate([xy, xy + rng.random((30, 2), np.float32) * 0.3], axis=1)
    boxes[3] = boxes[4] = [0.2, 0.2, 0.2, 0.5]  # zero area
    matrix = iou_matrix(boxes, boxes)
    for i in range(30):
        np.testing.assert_array_equal(matrix[i], iou_one_to_many(boxes[i], boxes))
        np.testing.assert_array_equal(matrix[i], _reference_iou(boxes[i], boxes))
