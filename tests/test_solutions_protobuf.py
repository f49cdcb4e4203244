"""Legacy results are MediaPipe's protobuf messages (issue 17).

Scripts written for ``mp.solutions.hands`` treat results as protobuf messages: they serialise
them with ``json_format``, print them, ``HasField`` them, copy, pickle, and build their own
``NormalizedLandmarkList`` for ``draw_landmarks``. These tests run each of those uses on
palmlite's results; the expected values are MediaPipe 0.10.21's (message names, which fields it
sets, wire bytes).
"""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import numpy as np
import pytest
from conftest import load_rgb
from google.protobuf import json_format, message, text_format

import palmlite
import palmlite as mp
from palmlite.solutions import hands as mp_hands
from palmlite.solutions.framework.formats import (
    classification_pb2,
    detection_pb2,
    landmark_pb2,
    location_data_pb2,
)

# Part of the per-Python subset (noxfile.py's tests sessions run it on every Python).
pytestmark = pytest.mark.matrix

#: NormalizedLandmarkList of "landmark {x: 0.25 y: 0.5 z: -0.125} landmark {x: 1 y: 0
#: visibility: 0.5}", serialised by MediaPipe 0.10.21 (protobuf 4.25).
MEDIAPIPE_BYTES = "0a0f0d0000803e150000003f1d000000be0a0f0d0000803f1500000000250000003f"


@pytest.fixture(scope="module")
def results() -> mp_hands.SolutionOutputs:
    with mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=2,
                                  model_complexity=0) as hands:
        return hands.process(load_rgb("hands.jpg"))


@pytest.mark.smoke
def test_results_are_mediapipes_messages(results) -> None:
    assert len(results.multi_hand_landmarks) == 2
    expected = [("multi_hand_landmarks", landmark_pb2.NormalizedLandmarkList,
                 "mediapipe.NormalizedLandmarkList"),
                ("multi_hand_world_landmarks", landmark_pb2.LandmarkList, "mediapipe.LandmarkList"),
                ("multi_handedness", classification_pb2.ClassificationList,
                 "mediapipe.ClassificationList")]
    for field, cls, full_name in expected:
        for item in getattr(results, field):
            assert isinstance(item, message.Message) and type(item) is cls
            assert item.DESCRIPTOR.full_name == full_name
    landmarks = results.multi_hand_landmarks[0]
    assert landmarks.DESCRIPTOR.file.name == "mediapipe/framework/formats/landmark.proto"
    assert type(landmarks.landmark[0]).__name__ == "NormalizedLandmark"
    assert type(landmarks).__module__ == "palmlite.solutions.framework.formats.landmark_pb2"
    # json_format takes only genuine messages; MediaPipe sets x, y, z and index, score, label.
    as_dict = json_format.MessageToDict(landmarks)
    assert len(as_dict["landmark"]) == 21 and set(as_dict["landmark"][0]) == {"x", "y", "z"}
    handedness = json.loads(json_format.MessageToJson(results.multi_handedness[0]))
    assert set(handedness["classification"][0]) == {"index", "score", "label"}


def test_values_are_the_native_results(results) -> None:
    native = palmlite.HandLandmarker(model="lite", mirrored=True).detect(load_rgb("hands.jpg"))
    for hand, landmarks, world, label in zip(native.hands, results.multi_hand_landmarks,
                                             results.multi_hand_world_landmarks,
                                             results.multi_handedness, strict=True):
        np.testing.assert_array_equal(
            np.array([[p.x, p.y, p.z] for p in landmarks.landmark], np.float32), hand.landmarks)
        np.testing.assert_array_equal(
            np.array([[p.x, p.y, p.z] for p in world.landmark], np.float32),
            hand.world_landmarks)
        top = label.classification[0]
        assert (top.label, top.index) == (hand.handedness, {"Left": 0, "Right": 1}[top.label])
        assert top.score == pytest.approx(hand.handedness_score, abs=1e-7)  # float32 field


def test_reflection_and_text_format(results) -> None:
    point = results.multi_hand_landmarks[0].landmark[8]
    assert [point.HasField(f) for f in ("x", "y", "z", "visibility", "presence")] == \
        [True, True, True, False, False]
    assert [f.name for f, _ in point.ListFields()] == ["x", "y", "z"]
    assert (point.visibility, point.presence) == (0.0, 0.0)
    top = results.multi_handedness[0].classification[0]
    assert not top.HasField("display_name") and top.display_name == ""
    text = str(results.multi_handedness[0])
    assert text.startswith("classification {\n  index: ") and f'label: "{top.label}"' in text
    landmarks = results.multi_hand_landmarks[1]
    assert text_format.Parse(str(landmarks), landmark_pb2.NormalizedLandmarkList()) == landmarks
    one_line = text_format.MessageToString(landmarks, as_one_line=True)
    assert one_line.startswith("landmark { x: ")
    assert json_format.Parse(json_format.MessageToJson(landmarks),
                             landmark_pb2.NormalizedLandmarkList()) == landmarks


def test_copies_serialisation_and_pickle(results) -> None:
    landmarks = results.multi_hand_landmarks[0]
    copy = landmark_pb2.NormalizedLandmarkList()
    copy.CopyFrom(landmarks)
    assert copy == landmarks
    copy.landmark[0].x = 0.25
    assert copy != landmarks and landmarks.landmark[0].x != 0.25
    merged = landmark_pb2.NormalizedLandmarkList()
    merged.MergeFrom(landmarks)
    merged.MergeFrom(landmarks)
    assert len(merged.landmark) == 42
    data = landmarks.SerializeToString()
    assert len(data) == landmarks.ByteSize()
    assert landmark_pb2.NormalizedLandmarkList.FromString(data) == landmarks
    for value in (landmarks, results.multi_hand_world_landmarks, results.multi_handedness,
                  results):
        assert pickle.loads(pickle.dumps(value)) == value
    fixed = text_format.Parse("landmark {x: 0.25 y: 0.5 z: -0.125} "
                              "landmark {x: 1 y: 0 visibility: 0.5}",
                              landmark_pb2.NormalizedLandmarkList())
    assert fixed.SerializeToString().hex() == MEDIAPIPE_BYTES  # MediaPipe's wire format


def test_building_messages_for_draw_landmarks() -> None:
    """The common pattern: a NormalizedLandmarkList of a few points, drawn."""
    tips = landmark_pb2.NormalizedLandmarkList()
    tips.landmark.add(x=0.25, y=0.5)
    tips.landmark.append(landmark_pb2.NormalizedLandmark(x=0.75, y=0.5))
    tips.landmark.extend([landmark_pb2.NormalizedLandmark(x=0.5, y=0.25, visibility=0.1)])
    image = np.zeros((40, 80, 3), np.uint8)
    mp.solutions.drawing_utils.draw_landmarks(image, tips, [(0, 1), (1, 2)])
    assert tuple(image[20, 40]) == mp.solutions.drawing_utils.WHITE_COLOR  # line 0-1
    assert not image[:8].any()  # landmark 2 has visibility < 0.5: neither it nor 1-2 drawn


def test_detection_and_nested_messages() -> None:
    detection = text_format.Parse(
        "location_data {format: RELATIVE_BOUNDING_BOX relative_keypoints {x: 0.5 y: 0.25}}"
        " score: 0.75 label_id: 3", detection_pb2.Detection())
    assert detection.location_data.format == location_data_pb2.LocationData.RELATIVE_BOUNDING_BOX
    keypoint = detection.location_data.relative_keypoints[0]
    assert type(keypoint) is location_data_pb2.LocationData.RelativeKeypoint
    assert pickle.loads(pickle.dumps(keypoint)) == keypoint  # nested: by class, not by pool
    assert pickle.loads(pickle.dumps(detection)) == detection
    assert json_format.MessageToDict(detection)["locationData"]["format"] == \
        "RELATIVE_BOUNDING_BOX"


def test_mediapipe_import_paths() -> None:
    from palmlite.framework.formats import landmark_pb2 as aliased
    from palmlite.framework.formats.annotation import rasterization_pb2

    assert aliased is landmark_pb2
    assert mp.framework.formats.classification_pb2 is classification_pb2
    assert mp.solutions.framework.formats.detection_pb2 is detection_pb2
    assert rasterization_pb2.Rasterization.DESCRIPTOR.full_name == "mediapipe.Rasterization"


def test_a_private_pool_leaves_mediapipes_names_free() -> None:
    """MediaPipe's generated modules register these names in protobuf's default pool:
    palmlite must neither take them nor trip over them, in either import order."""
    register = (
        "from google.protobuf import descriptor_pb2, descriptor_pool\n"
        "f = descriptor_pb2.FileDescriptorProto(name='mediapipe/framework/formats/"
        "landmark.proto', package='mediapipe')\n"
        "m = f.message_type.add(name='NormalizedLandmark')\n"
        "m.field.add(name='x', number=1, label=1, type=2)\n"
        "descriptor_pool.Default().AddSerializedFile(f.SerializeToString())\n"
    )
    use = (
        "from google.protobuf import json_format, descriptor_pool\n"
        "from palmlite.solutions.framework.formats import landmark_pb2\n"
        "m = landmark_pb2.NormalizedLandmarkList(landmark=[landmark_pb2.NormalizedLandmark("
        "x=0.5, presence=1)])\n"
        "assert json_format.MessageToDict(m) == {'landmark': [{'x': 0.5, 'presence': 1.0}]}\n"
    )
    alone = use + ("try:\n    descriptor_pool.Default().FindMessageTypeByName("
                   "'mediapipe.NormalizedLandmarkList')\nexcept KeyError:\n    pass\n"
                   "else:\n    raise AssertionError('palmlite registered in the default pool')\n")
    for code in (register + use, use + register, alone):
        subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_process_refuses_what_mediapipe_refuses() -> None:
    with mp_hands.Hands(static_image_mode=True, model_complexity=0) as hands:
        with pytest.raises(ValueError, match=r"Input image must contain three channel rgb data."):
            hands.process(np.arange(36, dtype=np.uint8).reshape(3, 3, 4))  # MediaPipe's test
        with pytest.raises(TypeError, match=r"Cannot cast array data from dtype\('float32'\)"):
            hands.process(np.zeros((8, 8, 3), np.float32))
        for not_an_array in (b"\xff\xd8", "photo.jpg", [[[0, 0, 0]]]):
            with pytest.raises(TypeError, match="numpy array"):
                hands.process(not_an_array)
        # A bool image casts safely to uint8 in MediaPipe: 0/1 pixels, no hand.
        assert hands.process(np.ones((32, 32, 3), bool)).multi_hand_landmarks is None
    with pytest.raises(TypeError, match="model_complexity"):
        mp_hands.Hands(model_complexity=1.0)  # MediaPipe: create_int() refuses a float
