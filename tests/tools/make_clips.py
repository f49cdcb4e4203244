"""Cut the short H.264 test clips of ``tests/data/videos/`` from the project's shared videos.

Needs PyAV (``pip install av``; the committed clips were made with av 18.1.0, whose wheels bundle
FFmpeg with libx264) and Pillow; runs in either the palmlite or the MediaPipe venv. From the
repository root::

    python tests/tools/make_clips.py --shared ../shared/data --out-dir tests/data/videos

For every clip in :data:`CLIPS` the script decodes the first ``--frames`` frames (default 40) of the
source video with PyAV (``frame.to_ndarray(format="rgb24")``), optionally downscales them with
Pillow (``Image.resize(..., Image.Resampling.BILINEAR)``), and encodes them with PyAV as H.264
(``libx264``, ``yuv420p``, CRF 18, 25 fps, no audio) into ``<out-dir>/<name>``.

The clips are lossy re-encodings: the goldens (``tests/tools/make_video_goldens.py``) are computed
FROM THE CLIPS as decoded by PyAV, so encoder loss does not matter, only that every consumer
decodes the same pixels (check the ``frames_rgb_sha256`` recorded in the goldens).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
from PIL import Image


@dataclass(frozen=True)
class ClipSpec:
    """One test clip: where it comes from and how it is made."""

    name: str  # output file name, under --out-dir
    source: str  # path relative to the shared data folder
    size: tuple[int, int] | None  # (width, height) to downscale to, or None to keep the size


CLIPS: tuple[ClipSpec, ...] = (
    # 620x1080 portrait, one hand fingerspelling ASL (tensorflow/tfjs-models, Apache-2.0 repo).
    ClipSpec("asl_hand_40.mp4", "tfjs/asl_hand.25fps.mp4", (310, 540)),
    # 640x360, one open hand reaching toward the camera (mediapipe-samples; Pixabay video).
    ClipSpec("open_hand_reach_40.mp4", "mediapipe_samples/open_hand_reach_640x360.mp4", None),
    # 1280x720, thumbs-up moving toward the camera, motion blur (mediapipe-samples; Pixabay video).
    ClipSpec(
        "thumb_up_40.mp4", "mediapipe_samples/thumb_up_toward_camera_1280x720.mp4", (640, 360)
    ),
)

FPS = 25
CRF = 18
CODEC = "libx264"
PIX_FMT = "yuv420p"


def decode_rgb_frames(path: Path, max_frames: int | None = None) -> Iterator[npt.NDArray[np.uint8]]:
    """Yield the first ``max_frames`` frames of the first video stream as uint8 HxWx3 RGB arrays."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        for i, frame in enumerate(container.decode(stream)):
            if max_frames is not None and i >= max_frames:
                break
            yield np.ascontiguousarray(frame.to_ndarray(format="rgb24"))


def resize_bilinear(
    rgb: npt.NDArray[np.uint8], size: tuple[int, int] | None
) -> npt.NDArray[np.uint8]:
    """Downscale with Pillow's BILINEAR filter (``size`` is (width, height)); no-op for None."""
    if size is None or (rgb.shape[1], rgb.shape[0]) == size:
        return rgb
    resized = Image.fromarray(rgb, mode="RGB").resize(size, Image.Resampling.BILINEAR)
    return np.ascontiguousarray(np.asarray(resized, dtype=np.uint8))


def encode_h264(
    frames: Sequence[npt.NDArray[np.uint8]], out: Path, fps: int = FPS, crf: int = CRF
) -> None:
    """Encode RGB frames as an H.264 (libx264, yuv420p) MP4 at a constant frame rate."""
    if not frames:
        raise ValueError("no frames to encode")
    height, width = frames[0].shape[:2]
    if width % 2 or height % 2:
        raise ValueError(f"yuv420p needs even dimensions, got {width}x{height}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(out), mode="w", format="mp4") as container:
        stream = container.add_stream(CODEC, rate=fps, options={"crf": str(crf)})
        stream.width = width
        stream.height = height
        stream.pix_fmt = PIX_FMT
        stream.time_base = Fraction(1, fps)
        for index, rgb in enumerate(frames):
            if rgb.shape[:2] != (height, width):
                raise ValueError(f"frame {index} has shape {rgb.shape}, expected {(height, width)}")
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format=PIX_FMT)
            frame.pts = index
            frame.time_base = Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):  # flush the encoder
            container.mux(packet)


def frames_sha256(frames: Sequence[npt.NDArray[np.uint8]]) -> str:
    """SHA-256 over the concatenated C-contiguous pixel bytes of all frames."""
    digest = hashlib.sha256()
    for rgb in frames:
        digest.update(np.ascontiguousarray(rgb).tobytes())
    return digest.hexdigest()


def make_clip(spec: ClipSpec, shared: Path, out_dir: Path, num_frames: int) -> Path:
    """Make one clip; return its path."""
    source = shared / spec.source
    if not source.is_file():
        raise SystemExit(f"missing source video: {source}")
    frames = [resize_bilinear(rgb, spec.size) for rgb in decode_rgb_frames(source, num_frames)]
    if len(frames) < num_frames:
        raise SystemExit(f"{source} has only {len(frames)} frames, {num_frames} requested")
    out = out_dir / spec.name
    encode_h264(frames, out)
    decoded = list(decode_rgb_frames(out))
    if len(decoded) != num_frames:
        raise RuntimeError(f"{out}: wrote {num_frames} frames, decoded {len(decoded)}")
    err = max(
        float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())
        for a, b in zip(frames, decoded, strict=True)
    )
    h, w = frames[0].shape[:2]
    print(
        f"{out}: {w}x{h}, {len(decoded)} frames, {out.stat().st_size} bytes, "
        f"max per-frame mean |error| {err:.2f}, decoded rgb sha256 {frames_sha256(decoded)}",
        file=sys.stderr,
    )
    return out


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Cut the short H.264 test clips of tests/data/videos from the shared videos."
    )
    parser.add_argument(
        "--shared",
        type=Path,
        default=Path("../shared/data"),
        help="the shared media folder (default: ../shared/data)",
    )
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=Path("tests/data/videos"),
        help="where to write the clips (default: tests/data/videos)",
    )
    parser.add_argument("--frames", type=int, default=40, help="frames per clip (default: 40)")
    parser.add_argument(
        "--only", nargs="*", default=None, metavar="NAME", help="make only these clip names"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.frames < 1:
        raise SystemExit("--frames must be positive")
    specs = [s for s in CLIPS if args.only is None or s.name in args.only]
    unknown = set(args.only or ()) - {s.name for s in CLIPS}
    if unknown:
        raise SystemExit(f"unknown clip name(s): {sorted(unknown)}")
    print(f"PyAV {av.__version__}", file=sys.stderr)
    for spec in specs:
        make_clip(spec, args.shared, args.out_dir, args.frames)
    return 0


if __name__ == "__main__":
    sys.exit(main())
