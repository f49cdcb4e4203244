"""A typical MediaPipe legacy script for still images, as users wrote it for mediapipe<=0.10.21.

Run with MediaPipe, or with palmlite by changing only the import line below to
``import palmlite as mp``. Prints one JSON line per image.

    python static_images.py [--model-complexity 0|1] IMAGE...
"""

import argparse
import json

import mediapipe as mp
import numpy as np
from PIL import Image

mp_hands = mp.solutions.hands

parser = argparse.ArgumentParser()
parser.add_argument("--model-complexity", type=int, default=1)
parser.add_argument("images", nargs="+")
args = parser.parse_args()

with mp_hands.Hands(
    static_image_mode=True,
    max_num_hands=2,
    model_complexity=args.model_complexity,
    min_detection_confidence=0.5,
) as hands:
    for path in args.images:
        image = np.asarray(Image.open(path).convert("RGB"))
        # The legacy docs: flip the photo horizontally (cv2.flip(image, 1)) for correct
        # handedness output; done here in NumPy.
        image = np.ascontiguousarray(image[:, ::-1])
        results = hands.process(image)
        record = {"file": path, "hands": []}
        if results.multi_hand_landmarks:
            for landmarks, world, handedness in zip(
                results.multi_hand_landmarks,
                results.multi_hand_world_landmarks,
                results.multi_handedness,
                strict=True,
            ):
                label = handedness.classification[0]
                tip = landmarks.landmark[mp_hands.HandLandmark.INDEX_FINGER_TIP]
                record["hands"].append({
                    "label": label.label,
                    "index": label.index,
                    "score": label.score,
                    "index_tip_px": [tip.x * image.shape[1], tip.y * image.shape[0]],
                    "landmarks": [[lm.x, lm.y, lm.z] for lm in landmarks.landmark],
                    "world_landmarks": [[lm.x, lm.y, lm.z] for lm in world.landmark],
                })
        print(json.dumps(record))
