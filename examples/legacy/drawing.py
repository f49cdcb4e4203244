"""A typical MediaPipe legacy script that draws the hands with the default styles.

Run with MediaPipe, or with palmlite by changing only the import line below to
``import palmlite as mp``. Writes the annotated image and prints one JSON line.

    python drawing.py IMAGE OUT.png
"""

import json
import sys

import mediapipe as mp
import numpy as np
from PIL import Image

mp_hands = mp.solutions.hands
mp_drawing = mp.solutions.drawing_utils
mp_drawing_styles = mp.solutions.drawing_styles

source, out = sys.argv[1], sys.argv[2]
image = np.asarray(Image.open(source).convert("RGB"))
with mp_hands.Hands(static_image_mode=True, max_num_hands=2) as hands:
    results = hands.process(image)
annotated = image.copy()
for hand_landmarks in results.multi_hand_landmarks or []:
    mp_drawing.draw_landmarks(
        annotated,
        hand_landmarks,
        mp_hands.HAND_CONNECTIONS,
        mp_drawing_styles.get_default_hand_landmarks_style(),
        mp_drawing_styles.get_default_hand_connections_style(),
    )
Image.fromarray(annotated).save(out)
print(json.dumps({"file": source, "hands": len(results.multi_hand_landmarks or [])}))
