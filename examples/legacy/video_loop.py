"""A typical MediaPipe legacy video loop (frames decoded with PyAV instead of cv2.VideoCapture).

Run with MediaPipe, or with palmlite by changing only the import line below to
``import palmlite as mp``. Prints one JSON line per frame.

    python video_loop.py [--max-num-hands N] [--model-complexity 0|1] VIDEO
"""

import argparse
import json

import av
import mediapipe as mp
import numpy as np

mp_hands = mp.solutions.hands

parser = argparse.ArgumentParser()
parser.add_argument("--max-num-hands", type=int, default=2)
parser.add_argument("--model-complexity", type=int, default=1)
parser.add_argument("video")
args = parser.parse_args()

with mp_hands.Hands(
    max_num_hands=args.max_num_hands,
    model_complexity=args.model_complexity,
    min_detection_confidence=0.5,
    min_tracking_confidence=0.5,
) as hands, av.open(args.video) as container:
    for number, frame in enumerate(container.decode(video=0)):
        # PyAV may pad rows; MediaPipe's pass-by-reference needs a contiguous array.
        image = np.ascontiguousarray(frame.to_ndarray(format="rgb24"))
        # To improve performance, optionally mark the image as not writeable to pass by
        # reference (the legacy docs' advice).
        image.flags.writeable = False
        results = hands.process(image)
        hands_out = []
        if results.multi_hand_landmarks:
            for landmarks, handedness in zip(results.multi_hand_landmarks,
                                             results.multi_handedness, strict=True):
                hands_out.append({
                    "label": handedness.classification[0].label,
                    "score": handedness.classification[0].score,
                    "landmarks": [[lm.x, lm.y, lm.z] for lm in landmarks.landmark],
                })
        print(json.dumps({"frame": number, "width": image.shape[1], "height": image.shape[0],
                          "hands": hands_out}))
