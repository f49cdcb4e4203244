"""Recall of hand search configurations on synthetic small-hand scenes (issue 14).

Usage (from the repository root, with palmlite's python)::

    python benchmarks/recall.py [--quick] [--model full lite] [--threads 1 2] [--seed N]
                                [--configs default thorough proto ...] [--max-hands 4]
                                [--hand-scenes N] [--empty-scenes N] [--hagrid] [--no-video]
                                [--save-scenes DIR]

How small a hand each search configuration still finds, whether it invents hands, and what it
costs, on scenes whose answer is known. Everything is deterministic given ``--seed`` (default
0; ``--quick``: 80 hand scenes + 20 hand-free instead of 400 + 100).

Sources: publishable photos only. ``tests/data/images/*``, the stills of ``../shared/data/
{mediapipe_samples,misc,tfjs}`` (identical files once) and 10 evenly spaced frames of each
of the three shared videos (Apache-2.0 / Pixabay; ``--no-video`` leaves them out);
``--hagrid`` adds ``../shared/data/hagrid_gestures`` (read there, never copied). Pseudo
ground truth = palmlite's default full-model landmarks at full size (``max_hands=4``). A hand
is kept if its presence is >= 0.9, every landmark is inside the photo by >= 3 % of the hand
size, and it is *stable*: on 6 shrunk (to 0.8 x min(size, 200) px), mirrored and turned
copies on a grey canvas the default search finds it again in at least half, always with
NME < 0.1 (this drops the end-on thumbs-up frames, whose landmarks the model reads
differently each time). Other hands found (cut, unsure, unstable, or only by a looser probe
with palm score >= 0.2) become *ignore* regions.

Scenes: a canvas (480x360 to 1920x1080: 4:3, 1:1 and 16:9, landscape and portrait) with a
procedural background holding no hand (smooth noise, gradients, stripes, checkers, texture,
random shapes in random colours, skin tones included, sometimes blurred), then 1-3
hand-centred crops of source photos (any source hand, uniformly), each shrunk with Lanczos so
its hand reaches a target size drawn log-uniformly from [12, min(330, 0.65 x the canvas'
shorter side)] px (never enlarged), mirrored with probability 1/2, turned by up to 45
degrees, and placed either touching a canvas border (gap < 10 % of the hand size, corners
too; 40 %) or in the open (gap >= 30 %). Crops do not overlap; half the scenes are JPEG
re-encoded (quality 70-95). Hand-free scenes are backgrounds alone. The ground truth of a
placed hand is its source landmarks moved by the same crop, scale, mirror, turn and offset;
another source hand inside a crop is ground truth too when whole, else an ignore region.

Definitions:

- hand size (px) = the longer side of the axis-aligned box of the 21 ground-truth landmarks
  (x, y); relative size = hand size / the canvas' longer side (what the palm detector sees:
  it letterboxes the whole image into 192 px, so a hand of relative size r is 192 r px
  there).
- placement: ``border`` if that box is closer than 15 % of the hand size to a canvas edge,
  else ``centre``.
- NME = mean 2-D landmark distance / hand size. A prediction matches a ground-truth hand
  when NME < 0.2; matching is 1:1, greedy by increasing NME.
- false hand = an unmatched prediction whose box centre lies in no ground-truth box and no
  ignore box (each grown by 25 %): a hand found where none was placed. An unmatched
  prediction on a placed hand (landmarks too far off, or a second copy) is an *off* hand.
- size90 = the hand size below which recall drops under 0.9: recall is fitted as a
  non-decreasing function of size over every hand (isotonic regression, no bins) and size90
  is the smallest size where the fit reaches 0.9 (``inf``: never). Given for the relative
  size over all scenes (it carries over between image sizes) and in px per canvas group (a
  px threshold only means something for one image size: a 300 px hand is large on 640x480
  and small on 1920x1080).
- time: wall time of one call per scene (``time.perf_counter``), configurations interleaved
  scene by scene after a warm-up, process pinned to the first N cores for N threads;
  "x default" = mean time / default's mean time on the same scenes. "work x default" is the
  same ratio for model work = palm windows x (one ``detect_palms``) + landmark ROIs x (one
  single-ROI ``landmarks_in_rois``), the unit costs measured once per run and the rows fed
  to each model counted (a benchmark-only hook on the landmarker's sessions): it does not
  move with the machine's load, wall time does.
- source photos: the sources themselves at full size, as a real-photo check of time and
  false hands (their ground truth: the kept source hands).

Configurations: ``default`` = ``palmlite.HandLandmarker(max_hands=..., model=...).detect``;
``thorough`` = ``HandLandmarker(..., search="thorough").detect``; and variants of the thorough
preset (``VARIANTS``: what was tried while choosing it) as ``search=SearchOptions(...)``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import io
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnxruntime
from PIL import Image, ImageDraw, ImageFilter

import palmlite

THOROUGH = palmlite.search.THOROUGH
#: Variants of the thorough preset tried while choosing it (``--configs NAME``).
VARIANTS: dict[str, palmlite.SearchOptions] = {
    # cheaper: a higher palm threshold and no second landmark look
    "thorough-fast": dataclasses.replace(THOROUGH, palm_threshold=0.3, refine=False),
    # more recall at about twice the cost: tiles at 2x (3x2 on 16:9, 3x3 on 1:1)
    "thorough-z2": dataclasses.replace(THOROUGH, zoom=2.0),
    # the mirrored whole image too
    "thorough-flip": dataclasses.replace(THOROUGH, flip=True),
    # lower palm threshold, stricter extent (the starting point's thresholds)
    "thorough-loose": dataclasses.replace(THOROUGH, palm_threshold=0.1, min_extent=0.45),
}

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}
VIDEOS = (
    SHARED / "tfjs" / "asl_hand.25fps.mp4",
    SHARED / "mediapipe_samples" / "open_hand_reach_640x360.mp4",
    SHARED / "mediapipe_samples" / "thumb_up_toward_camera_1280x720.mp4",
)
FRAMES_PER_VIDEO = 10

GT_MIN_PRESENCE = 0.9
GT_MIN_MARGIN = 0.03          # of the hand size, landmarks inside the photo by at least this
STABLE_COPIES, STABLE_SEED, STABLE_NME = 6, 7, 0.1
CANVASES = ((480, 360), (360, 480), (512, 512), (640, 480), (480, 640), (720, 720),
            (960, 540), (1280, 720), (720, 1280), (1024, 1024), (1920, 1080))
SIZE_MIN, SIZE_MAX = 12.0, 330.0
SIZE_MAX_SIDE = 0.65          # of the canvas' shorter side
SIZE_BINS = (12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 200, 256)
REL_BINS = (0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.10, 0.12, 0.15, 0.20, 0.25, 0.30,
            0.40)
CANVAS_GROUPS = ((0, 720, "long side <= 720"), (721, 1280, "960-1280"),
                 (1281, 10**9, "1920"))
MAX_TURN_DEG = 45.0
BORDER_GAP = 0.1              # of the hand size, for hands placed at a border
CENTRE_GAP = 0.3              # of the hand size, for hands placed in the open
BORDER_CLASS = 0.15           # gap under this fraction of the size -> "border"
MATCH_NME = 0.2
IGNORE_GROW = 0.25

Predictions = list[np.ndarray]   # (21, 2) pixel landmarks per found hand
Search = Callable[[np.ndarray], Predictions]


# -- sources ---------------------------------------------------------------------------------


@dataclass
class Source:
    """A photo (or video frame) with its pseudo ground truth, in its own pixels."""

    name: str
    pixels: np.ndarray
    hands: list[np.ndarray]                                  # (21, 2) px each
    ignore: list[np.ndarray] = field(default_factory=list)   # (21, 2) px each


def hand_size(landmarks: np.ndarray) -> float:
    """Longer side of the landmarks' axis-aligned bounding box, in pixels."""
    extent = landmarks[:, :2].max(axis=0) - landmarks[:, :2].min(axis=0)
    return float(extent.max())


def nme(pred: np.ndarray, gt: np.ndarray) -> float:
    """Mean 2-D landmark distance over the ground truth's hand size."""
    return float(np.linalg.norm(pred[:, :2] - gt[:, :2], axis=1).mean() / hand_size(gt))


def load_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def source_images(hagrid: bool, video: bool) -> list[tuple[str, np.ndarray]]:
    """Every publishable still (each distinct file once), video frames, maybe HaGRID."""
    paths = sorted((ROOT / "tests" / "data" / "images").glob("*"))
    for folder in ("mediapipe_samples", "misc", "tfjs"):
        paths += sorted((SHARED / folder).glob("*"))
    if hagrid:
        paths += sorted((SHARED / "hagrid_gestures").rglob("*"))
    seen: set[str] = set()
    out = []
    for path in paths:
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        out.append((path.name, load_rgb(path)))
    if video:
        try:
            import av  # noqa: F401  (palmlite.read_video needs it)
        except ImportError:
            print("note: PyAV missing, video frames left out (pip install 'palmlite[video]')")
            return out
        for path in VIDEOS:
            if not path.exists():
                continue
            frames = [f.image for f in palmlite.read_video(path)]
            picks = np.linspace(0, len(frames) - 1, FRAMES_PER_VIDEO).round().astype(int)
            out += [(f"{path.stem}#{i}", frames[i]) for i in picks]
    return out


def ground_truth(images: list[tuple[str, np.ndarray]]) -> list[Source]:
    """palmlite's default full-model hands at full size; cut or unsure hands -> ignore."""
    truth = palmlite.HandLandmarker(max_hands=4, model="full")
    probe = palmlite.HandLandmarker(max_hands=4, model="full", min_detection_confidence=0.2)
    sources = []
    for name, pixels in images:
        height, width = pixels.shape[:2]
        kept, ignore = [], []
        for hand in truth.detect(pixels).hands:
            lm = hand.landmarks_px[:, :2].astype(np.float64)
            margin = GT_MIN_MARGIN * hand_size(lm)
            inside = (lm.min() >= margin and lm[:, 0].max() <= width - margin
                      and lm[:, 1].max() <= height - margin)
            (kept if inside and hand.presence >= GT_MIN_PRESENCE else ignore).append(lm)
        for hand in probe.detect(pixels).hands:
            lm = hand.landmarks_px[:, :2].astype(np.float64)
            if all(nme(lm, other) >= MATCH_NME for other in kept + ignore):
                ignore.append(lm)
        source = Source(name, pixels, kept, ignore)
        for index in reversed(range(len(kept))):
            if not stable(source, index, truth):
                source.ignore.append(source.hands.pop(index))
        if source.hands:
            sources.append(source)
        else:
            print(f"note: source {name} left out: no hand both whole and stable")
    return sources


def stable(source: Source, index: int, landmarker: palmlite.HandLandmarker) -> bool:
    """Whether palmlite finds the same landmarks again (NME < STABLE_NME) on a few shrunk,
    mirrored and turned copies of the hand on a grey canvas, in at least half of them and
    in every one where it finds the hand: pseudo ground truth for a pose the landmark model
    reads differently each time it sees it (a thumbs-up seen end-on) measures nothing."""
    errors = []
    for k in range(STABLE_COPIES):
        rng = np.random.default_rng([STABLE_SEED, k])
        target = 0.8 * min(hand_size(source.hands[index]), 200.0)
        crop, moved, _ = transform_crop(source, index, target, rng)
        side = int(max(crop.width, crop.height) * 1.5)
        canvas = Image.new("RGB", (side, side), (128, 128, 128))
        ox, oy = (side - crop.width) // 2, (side - crop.height) // 2
        canvas.paste(crop, (ox, oy), crop)
        truth = moved[0] + (ox, oy)
        found = [nme(np.asarray(h.landmarks_px[:, :2], float), truth)
                 for h in landmarker.detect(np.asarray(canvas)).hands]
        errors.append(min(found, default=math.inf))
    seen = [e for e in errors if math.isfinite(e)]
    return 2 * len(seen) >= len(errors) and max(seen, default=math.inf) < STABLE_NME


# -- backgrounds -----------------------------------------------------------------------------

SKIN_TONES = ((233, 190, 160), (205, 150, 120), (160, 110, 80), (110, 75, 55), (245, 210, 190))


def random_colour(rng: np.random.Generator, skin: float = 0.15) -> tuple[int, int, int]:
    if rng.random() < skin:
        base = np.array(SKIN_TONES[rng.integers(len(SKIN_TONES))], float)
        return tuple(int(v) for v in np.clip(base + rng.normal(0, 12, 3), 0, 255))  # type: ignore[return-value]
    return tuple(int(v) for v in rng.integers(0, 256, 3))  # type: ignore[return-value]


def colour_map(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Map values in [0, 1] through a random 2-4 colour ramp -> (H, W, 3) float."""
    stops = np.array([random_colour(rng) for _ in range(rng.integers(2, 5))], float)
    pos = np.linspace(0, 1, len(stops))
    return np.stack([np.interp(values, pos, stops[:, c]) for c in range(3)], axis=-1)


def smooth_noise(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """Multi-octave value noise in [0, 1]."""
    total = np.zeros((height, width))
    amplitude, weight = 1.0, 0.0
    for octave in range(int(rng.integers(2, 6))):
        cells = 2 + 2 ** (octave + int(rng.integers(0, 3)))
        grid = rng.random((cells, max(2, cells * width // height)))
        layer = Image.fromarray((grid * 255).astype(np.uint8)).resize(
            (width, height), Image.Resampling.BICUBIC)
        total += amplitude * np.asarray(layer, float) / 255
        weight += amplitude
        amplitude *= rng.uniform(0.35, 0.7)
    total /= weight
    return (total - total.min()) / max(float(np.ptp(total)), 1e-6)


def coordinates(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """Pixel positions projected on a random direction, in pixels."""
    angle = rng.uniform(0, math.pi)
    ys, xs = np.mgrid[0:height, 0:width]
    return np.asarray(xs * math.cos(angle) + ys * math.sin(angle), float)


def background(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """A procedural RGB uint8 background that holds no hand."""
    kind = rng.choice(["noise", "gradient", "radial", "stripes", "checker", "texture"])
    if kind == "noise":
        base = colour_map(smooth_noise(width, height, rng), rng)
    elif kind == "gradient":
        t = coordinates(width, height, rng)
        base = colour_map((t - t.min()) / np.ptp(t), rng)
    elif kind == "radial":
        ys, xs = np.mgrid[0:height, 0:width]
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        r = np.hypot(xs - cx, ys - cy)
        base = colour_map(r / r.max(), rng)
    elif kind == "stripes":
        t = coordinates(width, height, rng)
        period = rng.uniform(6, 160)
        wave = 0.5 + 0.5 * np.sin(2 * math.pi * t / period)
        base = colour_map(wave if rng.random() < 0.5 else (wave > 0.5).astype(float), rng)
    elif kind == "checker":
        cell = rng.uniform(8, 120)
        ys, xs = np.mgrid[0:height, 0:width]
        base = colour_map(((xs // cell + ys // cell) % 2).astype(float), rng)
    else:
        grain = rng.random((height, width))
        blurred = Image.fromarray((grain * 255).astype(np.uint8)).filter(
            ImageFilter.GaussianBlur(rng.uniform(0.5, 3)))
        values = np.asarray(blurred, float) / 255
        base = colour_map((values - values.min()) / max(float(np.ptp(values)), 1e-6), rng)
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    if rng.random() < 0.7:
        draw_shapes(image, rng)
    if rng.random() < 0.3:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 2.5)))
    return np.asarray(image)


def draw_shapes(image: Image.Image, rng: np.random.Generator) -> None:
    """Random ellipses, rectangles, polygons and thick lines, some elongated and skin-toned."""
    width, height = image.size
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(3, 40))):
        colour = random_colour(rng, skin=0.25)
        size = math.exp(rng.uniform(math.log(6), math.log(0.5 * min(width, height))))
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        aspect = math.exp(rng.uniform(-1.6, 1.6))
        w, h = size * math.sqrt(aspect), size / math.sqrt(aspect)
        box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        shape = rng.choice(["ellipse", "rectangle", "polygon", "line"])
        if shape == "ellipse":
            draw.ellipse(box, fill=colour)
        elif shape == "rectangle":
            draw.rectangle(box, fill=colour)
        elif shape == "polygon":
            n = int(rng.integers(3, 8))
            angles = np.sort(rng.uniform(0, 2 * math.pi, n))
            radii = rng.uniform(0.3, 1.0, n) * size / 2
            draw.polygon([(cx + r * math.cos(a), cy + r * math.sin(a))
                          for a, r in zip(angles, radii, strict=True)], fill=colour)
        else:
            angle = rng.uniform(0, math.pi)
            dx, dy = math.cos(angle) * size / 2, math.sin(angle) * size / 2
            draw.line([(cx - dx, cy - dy), (cx + dx, cy + dy)], fill=colour,
                      width=max(1, int(size * rng.uniform(0.03, 0.25))))


# -- scenes ----------------------------------------------------------------------------------


@dataclass
class GroundTruth:
    landmarks: np.ndarray   # (21, 2) scene px
    size: float
    placement: str          # "border" | "centre"
    source: str


@dataclass
class Scene:
    name: str
    pixels: np.ndarray
    hands: list[GroundTruth]
    ignore: list[np.ndarray]   # (4,) xyxy px boxes where a prediction is neither hit nor miss


def placement_of(landmarks: np.ndarray, width: int, height: int) -> str:
    lo, hi = landmarks.min(axis=0), landmarks.max(axis=0)
    gap = min(lo[0], lo[1], width - hi[0], height - hi[1])
    return "border" if gap < BORDER_CLASS * hand_size(landmarks) else "centre"


def transform_crop(
    source: Source, hand: int, target: float, rng: np.random.Generator
) -> tuple[Image.Image, list[np.ndarray], list[np.ndarray]]:
    """Cut a square around one hand, shrink it to the target hand size, maybe mirror and turn
    it. Returns the RGBA crop (alpha = where the photo is) and every source hand's landmarks
    (``[hand]`` first) and ignore landmarks moved into the crop's pixels."""
    lm = source.hands[hand]
    size = hand_size(lm)
    height, width = source.pixels.shape[:2]
    centre = (lm.min(axis=0) + lm.max(axis=0)) / 2 + rng.uniform(-0.15, 0.15, 2) * size
    side = size * rng.uniform(1.3, 2.2)
    x0, y0 = (max(0, round(float(c - side / 2))) for c in centre)
    x1 = min(width, round(float(centre[0] + side / 2)))
    y1 = min(height, round(float(centre[1] + side / 2)))
    # the target hand stays whole: widen the box to its landmarks plus a margin if needed
    lo = np.floor(lm.min(axis=0) - 0.05 * size).astype(int)
    hi = np.ceil(lm.max(axis=0) + 0.05 * size).astype(int)
    x0, y0 = max(0, min(x0, lo[0])), max(0, min(y0, lo[1]))
    x1, y1 = min(width, max(x1, hi[0])), min(height, max(y1, hi[1]))
    scale = target / size
    new_w, new_h = max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale))
    crop = Image.fromarray(source.pixels[y0:y1, x0:x1]).resize(
        (new_w, new_h), Image.Resampling.LANCZOS).convert("RGBA")
    sx, sy = new_w / (x1 - x0), new_h / (y1 - y0)

    def moved(points: np.ndarray) -> np.ndarray:
        return (points - (x0, y0)) * (sx, sy)

    others = [moved(p) for p in source.hands]
    others = [others[hand], *others[:hand], *others[hand + 1:]]
    ignore = [moved(p) for p in source.ignore]
    if rng.random() < 0.5:
        crop = crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        others = [p * (-1, 1) + (new_w, 0) for p in others]
        ignore = [p * (-1, 1) + (new_w, 0) for p in ignore]
    turn = math.radians(rng.uniform(-MAX_TURN_DEG, MAX_TURN_DEG))
    if abs(turn) > 1e-3:
        cos, sin = math.cos(turn), math.sin(turn)
        out_w = math.ceil(abs(new_w * cos) + abs(new_h * sin))
        out_h = math.ceil(abs(new_w * sin) + abs(new_h * cos))
        c_in, c_out = np.array([new_w / 2, new_h / 2]), np.array([out_w / 2, out_h / 2])
        # output q -> input p = R(-turn) (q - c_out) + c_in; PIL maps pixel centres
        crop = crop.transform(
            (out_w, out_h), Image.Transform.AFFINE,
            (cos, sin, c_in[0] - cos * c_out[0] - sin * c_out[1],
             -sin, cos, c_in[1] + sin * c_out[0] - cos * c_out[1]),
            resample=Image.Resampling.BICUBIC)
        rot = np.array([[cos, -sin], [sin, cos]])

        def turned(points: np.ndarray) -> np.ndarray:
            return np.asarray((points - c_in) @ rot.T + c_out)

        others = [turned(p) for p in others]
        ignore = [turned(p) for p in ignore]
    return crop, others, ignore


def place(
    crop: Image.Image, target_lm: np.ndarray, canvas: tuple[int, int], border: bool,
    rng: np.random.Generator,
) -> tuple[int, int] | None:
    """An integer offset for the crop that puts its hand at a border or in the open."""
    width, height = canvas
    lo, hi = target_lm.min(axis=0), target_lm.max(axis=0)
    size = hand_size(target_lm)
    if hi[0] - lo[0] > width or hi[1] - lo[1] > height:
        return None
    if border:
        gap_x, gap_y = rng.uniform(0, BORDER_GAP * size, 2)
        left, right = -lo[0] + gap_x, width - hi[0] - gap_x
        top, bottom = -lo[1] + gap_y, height - hi[1] - gap_y
        ox, oy = rng.uniform(-lo[0], width - hi[0]), rng.uniform(-lo[1], height - hi[1])
        side = int(rng.integers(4))           # left, right, top, bottom
        corner = rng.random() < 0.25
        if side < 2:
            ox = left if side == 0 else right
            if corner:
                oy = top if rng.random() < 0.5 else bottom
        else:
            oy = top if side == 2 else bottom
            if corner:
                ox = left if rng.random() < 0.5 else right
    else:
        gap = CENTRE_GAP * size
        if hi[0] - lo[0] + 2 * gap > width or hi[1] - lo[1] + 2 * gap > height:
            return None
        ox = rng.uniform(gap - lo[0], width - gap - hi[0])
        oy = rng.uniform(gap - lo[1], height - gap - hi[1])
    # whole pixels, and the hand stays inside the canvas
    ox = min(max(round(ox), math.ceil(-lo[0])), math.floor(width - hi[0]))
    oy = min(max(round(oy), math.ceil(-lo[1])), math.floor(height - hi[1]))
    return int(ox), int(oy)


def overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def hand_scene(
    name: str, sources: list[Source], rng: np.random.Generator, max_hands: int
) -> Scene:
    """A background with 1-3 placed hand crops (at most ``max_hands`` hands in all)."""
    width, height = CANVASES[int(rng.integers(len(CANVASES)))]
    canvas = Image.fromarray(background(width, height, rng))
    hands: list[GroundTruth] = []
    ignore: list[np.ndarray] = []
    rects: list[tuple[int, int, int, int]] = []
    wanted = int(rng.integers(1, 4))
    tries = 0
    while len(rects) < wanted and tries < 40:
        tries += 1
        top = min(SIZE_MAX, SIZE_MAX_SIDE * min(width, height))
        target = math.exp(rng.uniform(math.log(SIZE_MIN), math.log(top)))
        choices = [(s, h) for s in sources for h, lm in enumerate(s.hands)
                   if hand_size(lm) >= target]
        if not choices:
            continue
        source, index = choices[int(rng.integers(len(choices)))]
        crop, moved, moved_ignore = transform_crop(source, index, target, rng)
        border = rng.random() < 0.4
        offset = place(crop, moved[0], (width, height), border, rng)
        if offset is None:
            continue
        ox, oy = offset
        rect = (ox, oy, ox + crop.width, oy + crop.height)
        if any(overlaps(rect, r) for r in rects):
            continue
        # the crop's visible part (on the canvas) decides what else becomes truth or ignore
        vis = (max(0, ox), max(0, oy), min(width, ox + crop.width), min(height, oy + crop.height))
        alpha = np.asarray(crop.getchannel("A"))
        new_truth, new_ignore = [], []
        for k, points in enumerate(moved + moved_ignore):
            pts = points + np.array([ox, oy])
            lo, hi = pts.min(axis=0), pts.max(axis=0)
            if hi[0] <= vis[0] or lo[0] >= vis[2] or hi[1] <= vis[1] or lo[1] >= vis[3]:
                continue
            ix = np.clip((points[:, 0]).astype(int), 0, crop.width - 1)
            iy = np.clip((points[:, 1]).astype(int), 0, crop.height - 1)
            margin = 0.03 * hand_size(pts)
            whole = bool(
                k < len(moved) and (alpha[iy, ix] == 255).all()
                and lo[0] >= vis[0] + margin and lo[1] >= vis[1] + margin
                and hi[0] <= vis[2] - margin and hi[1] <= vis[3] - margin
                and (points.min(axis=0) >= margin).all()
                and points[:, 0].max() <= crop.width - margin
                and points[:, 1].max() <= crop.height - margin)
            if k == 0 and not whole:
                break
            (new_truth if whole else new_ignore).append(pts)
        else:
            if len(hands) + len(new_truth) + len(ignore) + len(new_ignore) > max_hands:
                continue
            canvas.paste(crop, (ox, oy), crop)
            rects.append(rect)
            hands += [GroundTruth(p, hand_size(p), placement_of(p, width, height), source.name)
                      for p in new_truth]
            ignore += [np.concatenate([p.min(axis=0), p.max(axis=0)]) for p in new_ignore]
    pixels = finish(canvas, rng)
    return Scene(name, pixels, hands, ignore)


def finish(canvas: Image.Image, rng: np.random.Generator) -> np.ndarray:
    """Half the scenes go through a JPEG round trip, like a camera's file."""
    if rng.random() < 0.5:
        buffer = io.BytesIO()
        canvas.save(buffer, "JPEG", quality=int(rng.integers(70, 96)))
        buffer.seek(0)
        with Image.open(buffer) as im:
            return np.asarray(im.convert("RGB"))
    return np.asarray(canvas.convert("RGB"))


def empty_scene(name: str, rng: np.random.Generator) -> Scene:
    width, height = CANVASES[int(rng.integers(len(CANVASES)))]
    return Scene(name, finish(Image.fromarray(background(width, height, rng)), rng), [], [])


def make_scenes(
    sources: list[Source], hand_scenes: int, empty_scenes: int, seed: int, max_hands: int
) -> list[Scene]:
    """Each scene has its own generator, so a scene does not depend on how many come before."""
    scenes = []
    for i in range(hand_scenes):
        rng = np.random.default_rng([seed, 1, i])
        scenes.append(hand_scene(f"hands-{i:04d}", sources, rng, max_hands))
    for i in range(empty_scenes):
        rng = np.random.default_rng([seed, 2, i])
        scenes.append(empty_scene(f"empty-{i:04d}", rng))
    return scenes


# -- matching and figures --------------------------------------------------------------------


@dataclass
class SceneOutcome:
    """One configuration on one scene."""

    matched: list[float | None]    # per ground-truth hand: NME of its match, or None
    false_hands: int               # predictions where no hand was placed
    off_hands: int                 # unmatched predictions on a placed hand (poor or repeated)
    seconds: float
    palm_runs: int = 0             # palm model inputs (windows) used on the scene
    landmark_runs: int = 0         # landmark model inputs (ROIs) used on the scene


def match(predictions: Predictions, scene: Scene) -> tuple[list[float | None], int, int]:
    """Greedy 1:1 matching on increasing NME (< MATCH_NME). Returns the NME per ground-truth
    hand (None: missed), the false hands (unmatched predictions whose box centre is in no
    ground-truth or ignore box grown by IGNORE_GROW) and the other unmatched predictions."""
    pairs = sorted(
        (nme(p, g.landmarks), i, j)
        for i, g in enumerate(scene.hands) for j, p in enumerate(predictions))
    matched: list[float | None] = [None] * len(scene.hands)
    used: set[int] = set()
    for cost, i, j in pairs:
        if cost >= MATCH_NME:
            break
        if matched[i] is None and j not in used:
            matched[i] = cost
            used.add(j)
    boxes = [np.concatenate([g.landmarks.min(axis=0), g.landmarks.max(axis=0)])
             for g in scene.hands]
    false_hands = off_hands = 0
    for j, p in enumerate(predictions):
        if j in used:
            continue
        centre = (p.min(axis=0) + p.max(axis=0)) / 2
        if any(in_box(centre, box) for box in boxes):
            off_hands += 1
        elif not any(in_box(centre, box) for box in scene.ignore):
            false_hands += 1
    return matched, false_hands, off_hands


def in_box(point: np.ndarray, box: np.ndarray) -> bool:
    grow = IGNORE_GROW * (box[2:] - box[:2])
    return bool(((point >= box[:2] - grow) & (point <= box[2:] + grow)).all())


def bin_index(value: float, edges: Sequence[float]) -> int:
    """Index of the bin holding ``value``: [edges[i], edges[i+1]), the last bin open; values
    under edges[0] go to bin 0."""
    return max(0, int(np.searchsorted(edges, value, side="right")) - 1)


def binned(values: Sequence[tuple[float, float]], edges: Sequence[float]
           ) -> tuple[np.ndarray, np.ndarray]:
    """(count, mean) of the second items per bin of the first."""
    counts, sums = np.zeros(len(edges)), np.zeros(len(edges))
    for value, item in values:
        counts[bin_index(value, edges)] += 1
        sums[bin_index(value, edges)] += item
    return counts, np.divide(sums, counts, out=np.full(len(edges), np.nan), where=counts > 0)


def isotonic(values: Sequence[float]) -> np.ndarray:
    """Least-squares non-decreasing fit of ``values`` (pool adjacent violators)."""
    blocks: list[list[float]] = []   # [sum, count]
    for value in values:
        blocks.append([float(value), 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    return np.concatenate([np.full(int(c), t / c) for t, c in blocks]) if blocks else np.zeros(0)


def size90(hits: Sequence[tuple[float, bool]]) -> float:
    """The hand size below which recall drops under 0.9: recall as a non-decreasing function
    of size is fitted to every hand (isotonic regression, no bins), and this is the smallest
    size where the fit reaches 0.9 (inf if it never does)."""
    if not hits:
        return math.inf
    ordered = sorted(hits)
    fit = isotonic([float(hit) for _, hit in ordered])
    above = np.flatnonzero(fit >= 0.9)
    return float(ordered[int(above[0])][0]) if above.size else math.inf


# -- configurations and runs -----------------------------------------------------------------


def to_predictions(hands: Iterable[palmlite.Hand]) -> Predictions:
    return [np.asarray(h.landmarks_px[:, :2], dtype=np.float64) for h in hands]


@dataclass
class Calls:
    """Rows fed to each model (images to the palm model, crops to the landmark model)."""

    palm: int = 0
    landmark: int = 0


def count_model_rows(landmarker: palmlite.HandLandmarker, calls: Calls) -> None:
    """Count every row a landmarker feeds its two models. A benchmark-only hook on the
    landmarker's private session objects; without them the counts stay 0."""
    for attribute, field_name in (("_palm_model", "palm"), ("_landmark_model", "landmark")):
        model = getattr(landmarker, attribute, None)
        if model is None or not hasattr(model, "run"):
            continue

        def counted(batch: np.ndarray, *args: object, _run: Callable[..., object] = model.run,
                    _field: str = field_name, **kwargs: object) -> object:
            setattr(calls, _field, getattr(calls, _field) + len(batch))
            return _run(batch, *args, **kwargs)

        model.run = counted


def build_searches(names: Sequence[str], model: str, max_hands: int, threads: int
                   ) -> dict[str, tuple[Search, Calls]]:
    """name -> (callable(image) -> predictions, its model-call counter)."""
    searches: dict[str, tuple[Search, Calls]] = {}
    for name in names:
        calls = Calls()
        search: str | palmlite.SearchOptions = VARIANTS.get(
            name, "mediapipe" if name == "default" else name)
        landmarker = palmlite.HandLandmarker(
            max_hands=max_hands, model=model,  # type: ignore[arg-type]
            num_threads=threads, search=search)  # type: ignore[arg-type]
        count_model_rows(landmarker, calls)
        searches[name] = (
            lambda image, lm=landmarker: to_predictions(lm.detect(image).hands), calls)
    return searches


def pin_cores(count: int) -> None:
    """Restrict this process to the first ``count`` CPUs (Linux), so N threads means N cores."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(range(min(count, os.cpu_count() or 1))))


def _outcome(search: Search, calls: Calls, pixels: np.ndarray, scene: Scene) -> SceneOutcome:
    """One timed search call on ``pixels``, matched against ``scene``'s ground truth, with the
    model rows it fed (``calls`` counts them)."""
    palm0, landmark0 = calls.palm, calls.landmark
    start = time.perf_counter()
    predictions = search(pixels)
    seconds = time.perf_counter() - start
    matched, false_hands, off_hands = match(predictions, scene)
    return SceneOutcome(matched, false_hands, off_hands, seconds, calls.palm - palm0,
                        calls.landmark - landmark0)


def run_scenes(searches: dict[str, tuple[Search, Calls]], scenes: Sequence[Scene],
               photos: Sequence[Source]
               ) -> tuple[dict[str, list[SceneOutcome]], dict[str, list[SceneOutcome]]]:
    """Every configuration on every scene, interleaved scene by scene; then on the source
    photos at full size (their ground truth: the hands kept as sources)."""
    for scene in scenes[:2]:   # warm-up: first calls allocate
        for search, _ in searches.values():
            search(scene.pixels)
    outcomes: dict[str, list[SceneOutcome]] = {name: [] for name in searches}
    for scene in scenes:
        for name, (search, calls) in searches.items():
            outcomes[name].append(_outcome(search, calls, scene.pixels, scene))
    on_photos: dict[str, list[SceneOutcome]] = {name: [] for name in searches}
    for photo in photos:
        height, width = photo.pixels.shape[:2]
        as_scene = Scene(photo.name, photo.pixels,
                         [GroundTruth(h, hand_size(h), placement_of(h, width, height), photo.name)
                          for h in photo.hands],
                         [np.concatenate([h.min(axis=0), h.max(axis=0)]) for h in photo.ignore])
        for name, (search, calls) in searches.items():
            on_photos[name].append(_outcome(search, calls, photo.pixels, as_scene))
    return outcomes, on_photos


def call_costs(model: str, threads: int, scene: Scene) -> tuple[float, float]:
    """Median seconds of one palm window (``detect_palms``) and of one landmark ROI
    (``landmarks_in_rois`` with one ROI) on ``scene``: the unit costs of "model work"."""
    landmarker = palmlite.HandLandmarker(model=model, num_threads=threads)  # type: ignore[arg-type]
    roi = palmlite.Roi(0.5, 0.5, 0.2, 0.2 * scene.pixels.shape[1] / scene.pixels.shape[0])
    out = []
    for run in (lambda: landmarker.detect_palms(scene.pixels),
                lambda: landmarker.landmarks_in_rois(scene.pixels, [roi])):
        run()
        times = []
        for _ in range(15):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        out.append(float(np.median(times)))
    return out[0], out[1]


# -- report ----------------------------------------------------------------------------------


def fmt(value: float, digits: int = 2) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    return f"{value:.{digits}f}"


def edge_label(edges: Sequence[float], b: int, digits: int) -> str:
    hi = f"{edges[b + 1]:.{digits}f}" if b + 1 < len(edges) else "+"
    return f"{edges[b]:.{digits}f}-{hi}" if hi != "+" else f"{edges[b]:.{digits}f}+"


def table(header: Sequence[str], rows: Iterable[Sequence[str]], right_from: int = 1) -> str:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if i < right_from else "---:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def hits_of(outcomes: Sequence[SceneOutcome], scenes: Sequence[Scene], relative: bool
            ) -> list[tuple[float, bool]]:
    out = []
    for outcome, scene in zip(outcomes, scenes, strict=True):
        long_side = max(scene.pixels.shape[:2])
        for truth, m in zip(scene.hands, outcome.matched, strict=True):
            out.append((truth.size / long_side if relative else truth.size, m is not None))
    return out


def accuracy_report(outcomes: dict[str, list[SceneOutcome]], scenes: Sequence[Scene]) -> str:
    hand_idx = [i for i, s in enumerate(scenes) if s.hands]
    free_idx = [i for i, s in enumerate(scenes) if not s.hands]
    hand_scenes = [scenes[i] for i in hand_idx]
    rows = []
    for name, outs in outcomes.items():
        hand_outs = [outs[i] for i in hand_idx]
        flat = [(t, m) for o, s in zip(hand_outs, hand_scenes, strict=True)
                for t, m in zip(s.hands, o.matched, strict=True)]
        by_place = {p: [m is not None for t, m in flat if t.placement == p]
                    for p in ("centre", "border")}
        errors = [m for _, m in flat if m is not None]
        px = []
        for low, high, _ in CANVAS_GROUPS:
            keep = [k for k, s in enumerate(hand_scenes) if low <= max(s.pixels.shape[:2]) <= high]
            px.append(size90(hits_of([hand_outs[k] for k in keep], [hand_scenes[k] for k in keep],
                                     False)))
        rel = size90(hits_of(hand_outs, hand_scenes, True))
        rows.append([
            name, f"{np.mean([m is not None for _, m in flat]):.3f}",
            f"{np.mean(by_place['centre']):.3f}", f"{np.mean(by_place['border']):.3f}",
            fmt(rel, 3), *(fmt(v, 0) for v in px),
            f"{np.mean(errors):.4f}" if errors else "-",
            str(sum(o.false_hands for o in hand_outs)), str(sum(o.off_hands for o in hand_outs)),
            str(sum(o.false_hands + o.off_hands for o in (outs[i] for i in free_idx))),
        ])
    summary = table(["config", "recall", "centre", "border", "size90 rel (all)",
                     *(f"size90 px ({label})" for _, _, label in CANVAS_GROUPS),
                     "NME matched", "false hands (hand scenes)", "off hands (hand scenes)",
                     "false hands (hand-free)"], rows)
    parts = [summary]
    for relative, edges, digits, title in ((False, SIZE_BINS, 0, "hand size px"),
                                           (True, REL_BINS, 2, "hand size / long side")):
        first = next(iter(outcomes.values()))
        counts, _ = binned([(v, 1.0) for v, _ in
                            hits_of([first[i] for i in hand_idx], hand_scenes, relative)], edges)
        header = ["recall by " + title] + [edge_label(edges, b, digits)
                                            for b in range(len(edges))]
        body = [["hands"] + [str(int(c)) for c in counts]]
        for name, outs in outcomes.items():
            _, rates = binned([(v, float(h)) for v, h in
                               hits_of([outs[i] for i in hand_idx], hand_scenes, relative)],
                              edges)
            body.append([name] + [fmt(r) for r in rates])
        parts.append(table(header, body))
    # keypoint error of matched hands by size
    header = ["NME by hand size px"] + [edge_label(SIZE_BINS, b, 0) for b in range(len(SIZE_BINS))]
    body = []
    for name, outs in outcomes.items():
        values = [(t.size, m) for i in hand_idx
                  for t, m in zip(scenes[i].hands, outs[i].matched, strict=True) if m is not None]
        _, means = binned(values, SIZE_BINS)
        body.append([name] + [fmt(v, 3) for v in means])
    parts.append(table(header, body))
    return "\n\n".join(parts)


def timing_report(outcomes: dict[str, list[SceneOutcome]], scenes: Sequence[Scene],
                  on_photos: dict[str, list[SceneOutcome]], threads: int,
                  costs: tuple[float, float]) -> str:
    """Wall time and model work per scene group; ratios are to ``default`` on the same
    scenes. Model work = palm windows x palm cost + landmark ROIs x landmark cost (the unit
    costs measured once, so it does not move with the machine's load)."""
    groups = {
        "hand scenes": [i for i, s in enumerate(scenes) if s.hands],
        "hand-free": [i for i, s in enumerate(scenes) if not s.hands],
        "all scenes": list(range(len(scenes))),
    }
    base = outcomes.get("default")

    def work(o: SceneOutcome) -> float:
        return o.palm_runs * costs[0] + o.landmark_runs * costs[1]

    rows = []
    for name, outs in outcomes.items():
        row = [name, str(threads)]
        for idx in groups.values():
            if not idx:
                row += ["-", "-", "-"]
                continue
            seconds = np.mean([outs[i].seconds for i in idx])
            row.append(fmt(1000 * seconds, 1))
            if base is None:
                row += ["-", "-"]
                continue
            row.append(fmt(seconds / np.mean([base[i].seconds for i in idx])))
            base_work = np.mean([work(base[i]) for i in idx])
            row.append(fmt(np.mean([work(outs[i]) for i in idx]) / base_work)
                       if base_work > 0 else "-")
        row += [fmt(np.mean([o.palm_runs for o in outs]), 1),
                fmt(np.mean([o.landmark_runs for o in outs]), 1)]
        photo = on_photos[name]
        ms = 1000 * np.mean([o.seconds for o in photo]) if photo else math.nan
        ratio = (sum(o.seconds for o in photo) / sum(o.seconds for o in on_photos["default"])
                 if photo and "default" in on_photos else math.nan)
        found = sum(m is not None for o in photo for m in o.matched)
        truth = sum(len(o.matched) for o in photo)
        row += [fmt(ms, 1), fmt(ratio), f"{found}/{truth}",
                str(sum(o.false_hands for o in photo))]
        rows.append(row)
    header = ["config", "threads"]
    for label in groups:
        header += [f"ms/{label}", "x default", "work x default"]
    header += ["palm windows/scene", "landmark ROIs/scene", "ms/source photo", "x default",
               "source photos: hands matched", "source photos: false hands"]
    return table(header, rows, right_from=1)


def load_average() -> str:
    try:
        return " ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def cpu_lines() -> list[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        text = ""
    model = next((ln.split(":", 1)[1].strip() for ln in text.splitlines()
                  if ln.startswith("model name")), platform.processor() or "unknown")
    flags_line = next((ln for ln in text.splitlines() if ln.startswith("flags")), "")
    flags = set(flags_line.split(":", 1)[-1].split())
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16")
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [f"- CPU: {model}; nproc {nproc}; flags: "
            + ", ".join(f"{f} {'yes' if f in flags else 'no'}" for f in wanted),
            f"- python {platform.python_version()}, palmlite {palmlite.__version__}, "
            f"onnxruntime {onnxruntime.__version__}, numpy {np.__version__}, "
            f"pillow {Image.__version__}",
            f"- load average at start: {load_average()} (other processes skew wall times; "
            "'work x default' does not move with load)"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer scenes (about 5x faster)")
    parser.add_argument("--model", nargs="+", default=["full", "lite"], choices=["full", "lite"])
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--configs", nargs="+",
                        default=["default", "thorough"])
    parser.add_argument("--max-hands", type=int, default=4)
    parser.add_argument("--hand-scenes", type=int, default=None)
    parser.add_argument("--empty-scenes", type=int, default=None)
    parser.add_argument("--hagrid", action="store_true",
                        help="add ../shared/data/hagrid_gestures to the sources (read only)")
    parser.add_argument("--no-video", action="store_true", help="no video frames as sources")
    parser.add_argument("--save-scenes", type=Path, default=None,
                        help="write the scenes as PNG with their ground truth drawn")
    args = parser.parse_args()
    unknown = [c for c in args.configs
               if c not in ("default", "thorough", *VARIANTS)]
    if unknown:
        parser.error(f"unknown configs {unknown}; known: default, thorough, "
                     + ", ".join(VARIANTS))
    hand_count = args.hand_scenes or (80 if args.quick else 400)
    empty_count = args.empty_scenes or (20 if args.quick else 100)
    started = time.perf_counter()

    print("# Recall of hand search configurations on synthetic scenes\n")
    print("Command: `python benchmarks/recall.py " + " ".join(sys.argv[1:]) + "`\n")
    print("\n".join(cpu_lines()))
    sources = ground_truth(source_images(args.hagrid, not args.no_video))
    scenes = make_scenes(sources, hand_count, empty_count, args.seed, args.max_hands)
    placed = [t for s in scenes for t in s.hands]
    print(f"- sources: {len(sources)} photos/frames, {sum(len(s.hands) for s in sources)} "
          f"hands (sizes {min(hand_size(h) for s in sources for h in s.hands):.0f}-"
          f"{max(hand_size(h) for s in sources for h in s.hands):.0f} px)")
    print(f"- scenes (seed {args.seed}): {hand_count} with {len(placed)} hands "
          f"({sum(t.placement == 'border' for t in placed)} at a border), "
          f"{empty_count} hand-free; max_hands={args.max_hands}; match: NME < {MATCH_NME}")
    print(f"- scene generation and ground truth: {time.perf_counter() - started:.0f} s")
    if args.save_scenes:
        save_scenes(scenes, args.save_scenes)

    for model in args.model:
        for index, threads in enumerate(args.threads):
            pin_cores(threads)
            searches = build_searches(args.configs, model, args.max_hands, threads)
            t0 = time.perf_counter()
            costs = call_costs(model, threads, scenes[0])
            outcomes, on_photos = run_scenes(searches, scenes, sources)
            if index == 0:
                first = outcomes
                print(f"\n## {model}: accuracy (threads {threads})\n")
                print(accuracy_report(outcomes, scenes))
            print(f"\n## {model}: time, {threads} thread(s) "
                  f"({time.perf_counter() - t0:.0f} s for this run; unit costs: palm window "
                  f"{1000 * costs[0]:.1f} ms, landmark ROI {1000 * costs[1]:.1f} ms; "
                  f"load average {load_average()})\n")
            print(timing_report(outcomes, scenes, on_photos, threads, costs))
            if index > 0:
                print("\n" + same_accuracy(first, outcomes, threads))
            sys.stdout.flush()
    pin_cores(os.cpu_count() or 1)
    print(f"\nTotal wall time {time.perf_counter() - started:.0f} s.")


def same_accuracy(first: dict[str, list[SceneOutcome]], other: dict[str, list[SceneOutcome]],
                  threads: int) -> str:
    """Whether another thread count found exactly the same hands (ONNX Runtime's sums may
    round differently with another thread count)."""
    changed = []
    for name, outs in other.items():
        a = [(tuple(m is None for m in o.matched), o.false_hands, o.off_hands)
             for o in first[name]]
        b = [(tuple(m is None for m in o.matched), o.false_hands, o.off_hands) for o in outs]
        if a != b:
            found_a = sum(m is not None for o in first[name] for m in o.matched)
            found_b = sum(m is not None for o in outs for m in o.matched)
            changed.append(f"{name} (hands matched: {found_b} vs {found_a})")
    return (f"Accuracy at {threads} threads: " +
            ("the same hits, false and off hands as above." if not changed
             else "differs for " + "; ".join(changed) + "."))


def save_scenes(scenes: Sequence[Scene], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for scene in scenes:
        image = Image.fromarray(scene.pixels)
        draw = ImageDraw.Draw(image)
        for truth in scene.hands:
            for a, b in palmlite.HAND_CONNECTIONS:
                draw.line([tuple(truth.landmarks[a]), tuple(truth.landmarks[b])],
                          fill=(0, 255, 0))
        for box in scene.ignore:
            draw.rectangle([float(v) for v in box], outline=(0, 0, 255))
        image.save(folder / f"{scene.name}.png")


if __name__ == "__main__":
    main()
