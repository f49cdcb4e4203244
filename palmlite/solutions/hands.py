"""``palmlite.solutions.hands``: MediaPipe's removed legacy ``mp.solutions.hands``, on palmlite.

A script written for the legacy API runs with one changed import::

    import palmlite as mp          # was: import mediapipe as mp
    mp_hands = mp.solutions.hands
    with mp_hands.Hands(static_image_mode=True, max_num_hands=2) as hands:
        results = hands.process(rgb_image)

``Hands`` is a thin adapter over :class:`palmlite.HandLandmarker` (static mode) and
:class:`palmlite.HandTracker` (video mode) with the legacy option names and result shapes;
there is no second pipeline. Like MediaPipe's, the handedness labels assume a mirrored (selfie)
image: flip a normal photo horizontally first, or use the native API with ``mirrored=False``.
Results are MediaPipe's protobuf messages (``palmlite.solutions.framework.formats``).
"""

from __future__ import annotations

import types
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .._validate import check_positive_int, check_probability, load_image, shape_problem
from ..landmarker import HandLandmarker
from ..topology import HAND_CONNECTIONS, HandLandmark
from ..tracking import HandTracker
from ..types import Hand, HandsResult
from ._messages import ClassificationList, LandmarkList, NormalizedLandmarkList, SolutionOutputs

__all__ = ["HAND_CONNECTIONS", "HandLandmark", "Hands", "SolutionOutputs"]

#: MediaPipe's handedness label map: the ``Classification.index`` of each label.
_LABEL_INDEX = {"Left": 0, "Right": 1}


def _legacy_image(image: object) -> npt.NDArray[np.uint8]:
    """The image checks of MediaPipe's ``SolutionBase.process``, then palmlite's.

    MediaPipe takes NumPy arrays only, refuses a third dimension other than 3 with
    ``ValueError`` and any dtype that does not cast safely to uint8 with ``TypeError``;
    messages start as MediaPipe's. DEVIATION: where MediaPipe fails by accident
    (``AttributeError`` for a non-array, ``IndexError`` for a 2-D array, ``RuntimeError`` for
    an empty one), palmlite raises ``TypeError`` / ``ValueError`` saying what was expected.
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(
            "Hands.process takes an (H, W, 3) uint8 RGB numpy array, as MediaPipe's does, got "
            f"{type(image).__name__} (palmlite.HandLandmarker also reads paths, encoded "
            "bytes and PIL images)"
        )
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"Input image must contain three channel rgb data: "
                         f"{shape_problem(image.shape)}")
    if not np.can_cast(image.dtype, np.uint8, "safe"):
        hint = ""
        if np.issubdtype(image.dtype, np.floating):
            hint = (" (float images are refused: convert with"
                    " (image * 255).round().astype(np.uint8))")
        raise TypeError(f"Cannot cast array data from {image.dtype!r} to dtype('uint8') "
                        f"according to the rule 'safe'{hint}")
    if image.dtype == np.bool_:
        image = image.astype(np.uint8)  # PARITY: MediaPipe casts a bool image to 0/1 pixels
    return load_image(image)


class Hands:
    """Find and track hands, with the options and results of MediaPipe legacy ``Hands``.

    Args:
        static_image_mode: ``True``: every image is independent (the palm detector runs on
            each). ``False``: images are consecutive video frames and hands found in one frame
            are tracked into the next, running the detector only while fewer than
            ``max_num_hands`` hands are tracked.
        max_num_hands: at most this many hands.
        model_complexity: 0 (lite) or 1 (full); picks both the palm and the landmark model.
        min_detection_confidence: palm detector score threshold.
        min_tracking_confidence: the landmark model's hand-presence threshold, in both modes:
            a hand at or below it is not reported (and in video mode, no longer tracked).
    """

    def __init__(
        self,
        static_image_mode: bool = False,
        max_num_hands: int = 2,
        model_complexity: int = 1,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        if not isinstance(model_complexity, (int, np.integer)):
            # MediaPipe's side packet takes ints only (1.0 fails there too).
            raise TypeError(f"model_complexity must be 0 or 1, got {model_complexity!r}")
        if model_complexity not in (0, 1) or isinstance(model_complexity, bool):
            raise ValueError(f"model_complexity must be 0 or 1, got {model_complexity!r}")
        model: Literal["lite", "full"] = "lite" if model_complexity == 0 else "full"
        self.static_image_mode = bool(static_image_mode)
        self._landmarker: HandLandmarker | None = HandLandmarker(
            max_hands=check_positive_int("max_num_hands", max_num_hands),
            model=model,
            min_detection_confidence=check_probability(
                "min_detection_confidence", min_detection_confidence
            ),
            min_presence_confidence=check_probability(
                "min_tracking_confidence", min_tracking_confidence
            ),
            # PARITY: the legacy solution labels handedness as if the image were mirrored.
            mirrored=True,
        )
        self._tracker: HandTracker | None = (
            None if self.static_image_mode else HandTracker(self._landmarker)
        )

    def process(self, image: npt.NDArray[np.uint8]) -> SolutionOutputs:
        """Find hands in an ``(H, W, 3)`` uint8 RGB numpy array, like MediaPipe's.

        In video mode (``static_image_mode=False``) consecutive calls are consecutive frames.
        Returns ``SolutionOutputs`` whose three fields are ``None`` when no hand is found, else
        lists of MediaPipe's protobuf messages. Raises ``TypeError`` for what is not a numpy
        array (paths, bytes and PIL images: use ``palmlite.HandLandmarker``) or has a dtype
        that does not cast safely to uint8, ``ValueError`` for a shape other than ``(H, W, 3)``
        (``"Input image must contain three channel rgb data..."``), an empty image, or after
        ``close()``.
        """
        if self._landmarker is None:
            raise ValueError("this Hands object is closed")
        pixels = _legacy_image(image)
        result: HandsResult
        if self._tracker is not None:
            result = self._tracker.track(pixels)
        else:
            result = self._landmarker.detect(pixels)
        return to_solution_outputs(result)

    def reset(self) -> None:
        """Forget the tracked hands (video mode); the next frame runs the palm detector."""
        if self._tracker is not None:
            self._tracker.reset()

    def close(self) -> None:
        """Release the model sessions. ``process`` afterwards raises ``ValueError``.

        DEVIATION: closing twice is allowed (MediaPipe raises ``ValueError``), so an explicit
        ``close()`` inside a ``with`` block does not make the block's exit fail.
        """
        self._landmarker = None
        self._tracker = None

    def __enter__(self) -> Hands:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        self.close()


# MediaPipe sets x, y and z of each landmark (not visibility or presence), and index, score
# and label of the handedness (not display_name): HasField and MessageToDict see the same.


def _landmark_list(hand: Hand) -> Any:
    message = NormalizedLandmarkList()
    for x, y, z in hand.landmarks.tolist():
        message.landmark.add(x=x, y=y, z=z)
    return message


def _world_landmark_list(hand: Hand) -> Any:
    message = LandmarkList()
    for x, y, z in hand.world_landmarks.tolist():
        message.landmark.add(x=x, y=y, z=z)
    return message


def _classification_list(hand: Hand) -> Any:
    message = ClassificationList()
    message.classification.add(
        index=_LABEL_INDEX[hand.handedness], score=hand.handedness_score, label=hand.handedness
    )
    return message


def to_solution_outputs(result: HandsResult) -> SolutionOutputs:
    """Convert a native result to the legacy shapes (all ``None`` when there is no hand)."""
    if not result.hands:
        return SolutionOutputs(None, None, None)
    return SolutionOutputs(
        multi_hand_landmarks=[_landmark_list(h) for h in result.hands],
        multi_hand_world_landmarks=[_world_landmark_list(h) for h in result.hands],
        multi_handedness=[_classification_list(h) for h in result.hands],
    )
