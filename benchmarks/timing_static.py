"""Side-by-side static-image timing of palmlite vs MediaPipe 0.10.21 legacy Hands.

Usage (from the repository root, with palmlite's python)::

    python benchmarks/timing_static.py [--images DIR_OR_FILE ...] [--threads 1 2]
                                       [--repeats 5] [--mp-python PATH]

Images default to tests/data/images plus ../shared/data/hagrid_gestures when present. The
images are decoded once here (PIL ``.convert("RGB")``) and their raw pixels are sent to a
MediaPipe worker subprocess (this script with ``--worker``, run by the MediaPipe python, which
defaults to $PALMLITE_MP_PYTHON or .venv-mp/bin/python), so both libraries see identical arrays.
MediaPipe is never imported in this process. Create its venv with::

    python3.11 -m venv .venv-mp && .venv-mp/bin/pip install mediapipe==0.10.21

Per variant (lite/full) and palmlite thread count: one untimed warm-up pass of both, then for
each repeat and image, palmlite.detect is timed here and right after MediaPipe hands.process is
timed inside the worker (time.perf_counter around the call only; pipe overhead not counted).
MediaPipe timings are re-measured, interleaved, for every palmlite thread row. The legacy
MediaPipe API cannot set a thread count; it uses its own XNNPACK default threading.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, NoReturn

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp"}
#: The photos of threads.py and throughput.py: the committed ones and every shared photo.
ALL_PHOTOS = [ROOT / "tests" / "data" / "images", ROOT.parent / "shared" / "data"]
# palmlite model -> MediaPipe model_complexity
VARIANTS: dict[Literal["lite", "full"], int] = {"lite": 0, "full": 1}


def send(stream: IO[bytes], payload: bytes | dict[str, Any]) -> None:
    """Write one length-prefixed message (raw bytes, or a dict as JSON)."""
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    stream.write(struct.pack("<I", len(data)) + data)
    stream.flush()


def recv(stream: IO[bytes], raw: bool = False) -> Any:
    """Read one length-prefixed message; EOFError if the peer went away."""
    header = stream.read(4)
    if len(header) < 4:
        raise EOFError("pipe closed")
    (size,) = struct.unpack("<I", header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("pipe closed mid-message")
    return data if raw else json.loads(data)


def worker() -> None:
    """MediaPipe side: receive images, then answer load/time/quit requests.

    A ``time`` request names a stored image by ``index``, or carries a ``shape`` and is
    followed by that image's raw pixels (used by timing_video.py to stream frames).
    """
    out = os.fdopen(os.dup(1), "wb")  # private protocol channel; anything else printed
    os.dup2(2, 1)                     # to stdout (e.g. native logs) goes to stderr instead
    inp = sys.stdin.buffer
    import mediapipe as mp  # type: ignore[import-not-found,unused-ignore]

    shapes = recv(inp)["shapes"]
    images = [np.frombuffer(recv(inp, raw=True), np.uint8).reshape(s) for s in shapes]
    send(out, {"mediapipe": mp.__version__, "numpy": np.__version__,
               "python": platform.python_version()})
    hands: Any = None
    while True:
        msg = recv(inp)
        if msg["cmd"] == "load":
            if hands is not None:
                hands.close()
            hands = mp.solutions.hands.Hands(static_image_mode=msg.get("static", True),
                                             max_num_hands=msg.get("max_hands", 2),
                                             model_complexity=msg["complexity"])
            send(out, {"ok": True})
        elif msg["cmd"] == "pin":
            pin_cores(msg["cores"])
            send(out, {"ok": True})
        elif msg["cmd"] == "time":
            if "shape" in msg:
                image = np.frombuffer(recv(inp, raw=True), np.uint8).reshape(msg["shape"])
            else:
                image = images[msg["index"]]
            start = time.perf_counter()
            result = hands.process(image)
            seconds = time.perf_counter() - start
            send(out, {"s": seconds, "hands": len(result.multi_hand_landmarks or [])})
        else:
            break


def pin_cores(count: int) -> None:
    """Restrict this process to the first ``count`` CPUs (Linux), so "N threads" means the
    same thing for both libraries: MediaPipe's thread count is not settable (XNNPACK's
    desktop default is 1 thread per model, but its graph scheduler has its own threads)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(range(min(count, os.cpu_count() or 1))))


class MediaPipeWorker:
    """Main-process handle on the MediaPipe subprocess."""

    def __init__(self, python: Path, images: list[np.ndarray] | None = None) -> None:
        images = images or []
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the worker)
        self.proc = subprocess.Popen([str(python), str(Path(__file__).resolve()), "--worker"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log)
        self._send({"shapes": [list(im.shape) for im in images]})
        for im in images:
            self._send(np.ascontiguousarray(im).tobytes())
        self.info: dict[str, str] = self._recv()

    def _send(self, payload: bytes | dict[str, Any]) -> None:
        try:
            send(self.proc.stdin, payload)  # type: ignore[arg-type]
        except BrokenPipeError:
            self._died()

    def _recv(self) -> Any:
        try:
            return recv(self.proc.stdout)  # type: ignore[arg-type]
        except EOFError:
            self._died()

    def _died(self) -> NoReturn:
        self.proc.wait(timeout=10)
        self.log.seek(0)
        tail = self.log.read().decode(errors="replace")[-3000:]
        sys.exit(f"MediaPipe worker exited (code {self.proc.returncode}). Its stderr ends:\n{tail}")

    def load(self, complexity: int, static: bool = True, max_hands: int = 2) -> None:
        """(Re)create the worker's Hands instance (fresh state)."""
        self._send({"cmd": "load", "complexity": complexity, "static": static,
                    "max_hands": max_hands})
        self._recv()

    def pin(self, cores: int) -> None:
        """Restrict the worker to the first ``cores`` CPUs."""
        self._send({"cmd": "pin", "cores": cores})
        self._recv()

    def time(self, index: int) -> tuple[float, int]:
        self._send({"cmd": "time", "index": index})
        return (reply := self._recv())["s"], reply["hands"]

    def time_frame(self, image: np.ndarray) -> tuple[float, int]:
        """Send ``image`` (C-contiguous RGB uint8) and time hands.process on it."""
        self._send({"cmd": "time", "shape": list(image.shape)})
        self._send(np.ascontiguousarray(image).tobytes())
        return (reply := self._recv())["s"], reply["hands"]

    def close(self) -> None:
        self._send({"cmd": "quit"})
        self.proc.wait(timeout=30)
        self.log.close()


def find_images(sources: list[Path]) -> list[Path]:
    """Expand directories (recursively) into sorted image files; keep files as given."""
    files: list[Path] = []
    for src in sources:
        if src.is_dir():
            files += sorted(p for p in src.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
        elif src.is_file():
            files.append(src)
        else:
            sys.exit(f"no such image file or directory: {src}")
    if not files:
        sys.exit("no images found")
    return files


def machine_info() -> list[str]:
    """CPU model, usable core count and the CPU flags that pick kernels."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        lines = []
    cpu = next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")),
               "unknown")
    # The instruction sets that decide which ONNX Runtime kernels run (int8 and bf16 ones).
    flags = set(next((ln for ln in lines if ln.startswith(("flags", "Features"))),
                     "").split(":", 1)[-1].split())
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8", "asimddp")
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [f"CPU: {cpu}", f"nproc: {nproc}",
            "CPU flags: " + ", ".join(f"{f} {'yes' if f in flags else 'no'}" for f in wanted)]


def versions(mpw: MediaPipeWorker, mp_python: Path) -> list[str]:
    """The software on both sides of the comparison."""
    import onnxruntime

    import palmlite

    return [
        f"palmlite process: python {platform.python_version()}, palmlite {palmlite.__version__}, "
        f"onnxruntime {onnxruntime.__version__}, numpy {np.__version__}",
        f"MediaPipe worker: python {mpw.info['python']}, mediapipe {mpw.info['mediapipe']}, "
        f"numpy {mpw.info['numpy']} ({mp_python})",
    ]


@dataclass
class ImageRow:
    """Per-image timings (ms, shape repeats x images) of one variant and thread count."""

    variant: str
    threads: int
    palmlite_ms: np.ndarray
    mediapipe_ms: np.ndarray
    hands: str  # "palmlite/MediaPipe" total hands found on the first repeat

    def cells(self) -> tuple[float, float, float, float, float, float]:
        pl, mp_ = self.palmlite_ms, self.mediapipe_ms
        per_image = np.median(pl, axis=0) / np.median(mp_, axis=0)
        return (float(np.median(pl)), float(np.percentile(pl, 90)), float(np.median(mp_)),
                float(np.percentile(mp_, 90)), float(np.median(pl) / np.median(mp_)),
                float(np.median(per_image)))


def measure_images(mpw: MediaPipeWorker, images: list[np.ndarray], variant: Literal["lite", "full"],
                   threads: int, repeats: int) -> ImageRow:
    """Time palmlite.detect and MediaPipe's process, interleaved image by image, with both
    processes pinned to ``threads`` cores; one untimed warm-up pass of both first."""
    import palmlite

    pin_cores(threads)
    mpw.pin(threads)
    mpw.load(VARIANTS[variant])
    landmarker = palmlite.HandLandmarker(max_hands=2, model=variant, num_threads=threads)
    for i, im in enumerate(images):  # untimed warm-up of both
        landmarker.detect(im)
        mpw.time(i)
    pl = np.zeros((repeats, len(images)))
    mp_ = np.zeros_like(pl)
    pl_hands = mp_hands = 0
    for r in range(repeats):
        for i, im in enumerate(images):
            t0 = time.perf_counter()
            result = landmarker.detect(im)
            pl[r, i] = time.perf_counter() - t0
            mp_[r, i], n = mpw.time(i)
            if r == 0:
                pl_hands += len(result.hands)
                mp_hands += n
    return ImageRow(variant, threads, pl * 1e3, mp_ * 1e3, f"{pl_hands}/{mp_hands}")


def print_image_table(rows: list[ImageRow]) -> None:
    print("| variant | threads | images | palmlite median | palmlite p90 "
          "| MediaPipe median | MediaPipe p90 | ratio of medians | median per-image ratio "
          "| hands palmlite/MP |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        plm, pl90, mpm, mp90, ratio, pir = row.cells()
        print(f"| {row.variant} | {row.threads} | {row.palmlite_ms.shape[1]} | {plm:.2f} "
              f"| {pl90:.2f} | {mpm:.2f} | {mp90:.2f} | {ratio:.2f} | {pir:.2f} | {row.hands} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_images = [ROOT / "tests/data/images"]
    if (ROOT.parent / "shared/data/hagrid_gestures").is_dir():
        default_images.append(ROOT.parent / "shared/data/hagrid_gestures")
    parser.add_argument("--images", type=Path, nargs="+", default=default_images)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--mp-python", type=Path, default=Path(
        os.environ.get("PALMLITE_MP_PYTHON") or ROOT / ".venv-mp/bin/python"))
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker()
    if not args.mp_python.is_file():
        sys.exit(f"MediaPipe python not found: {args.mp_python}\nCreate it with:\n"
                 "  python3.11 -m venv .venv-mp && .venv-mp/bin/pip install mediapipe==0.10.21\n"
                 "or pass --mp-python PATH / set PALMLITE_MP_PYTHON.")
    if args.repeats < 1 or min(args.threads) < 1:
        sys.exit("--repeats and --threads must be >= 1")

    from PIL import Image


    started = time.perf_counter()
    paths = find_images(args.images)
    images = []
    for path in paths:
        with Image.open(path) as im:
            images.append(np.asarray(im.convert("RGB"), dtype=np.uint8))
    mpw = MediaPipeWorker(args.mp_python, images)
    print("## Machine")
    for line in [
        *machine_info(),
        *versions(mpw, args.mp_python),
        f"images: {len(images)} from {', '.join(map(str, args.images))}; repeats: {args.repeats}",
    ]:
        print(f"- {line}")

    rows = []
    for variant, complexity in VARIANTS.items():
        print(f"- MediaPipe {variant}: legacy mp.solutions.hands.Hands(static_image_mode=True, "
              f"max_num_hands=2, model_complexity={complexity}); re-measured interleaved for "
              "each palmlite row; both processes pinned to the first N cores")
        for threads in args.threads:
            rows.append(measure_images(mpw, images, variant, threads, args.repeats))
    mpw.close()

    print("\n## Timing (ms per image, static mode, max 2 hands)\n")
    print_image_table(rows)
    print("\nratio = palmlite / MediaPipe (below 1 means palmlite is faster). "
          f"Samples per cell: {args.repeats} repeats x {len(images)} images. "
          f"Total wall time {time.perf_counter() - started:.1f} s.")


if __name__ == "__main__":
    main()
