"""palmlite against MediaPipe 0.10.21 on the same frames, in one run: the whole speed report.

Usage (from the repository root, with palmlite's python; MediaPipe runs in its own venv)::

    python benchmarks/compare.py --mp-python .venv-mp/bin/python [--threads 1 2]
                                 [--repeats 3] [--quick] [--out benchmarks/results]

Sections, each printed as a Markdown table and collected in ``<out>/RESULTS.md`` with a chart
``docs/benchmark.png``:

1. image mode: every photo of ../shared/data (lite and full), palmlite.detect against legacy
   ``Hands(static_image_mode=True)``, interleaved image by image (timing_static.py);
2. video mode: the shared videos, full model, max 1 hand (tracking only), max 2 hands with
   MediaPipe's policy, and max 2 with ``detection_interval=5`` (timing_video.py);
3. palmlite's per-stage breakdown and its pipeline overhead = end-to-end / pure model time
   (stages.py);
4. ``detect_batch`` of 8 photos against a loop of ``detect`` (images per second);
5. start-up: ``import palmlite`` and the first ``detect`` after construction, in fresh
   processes;
6. the arithmetic floor: each model's operations at the CPU's float32 ``sgemm`` rate
   (compute_bound.py), and from it the best ratio to MediaPipe that any float32 inference of
   these networks could reach on this machine, for every workload above.

Thread counts are fixed and printed: for an N-thread row palmlite gets ``num_threads=N`` and
both processes are pinned to the first N cores (MediaPipe's own thread count is not
settable; on desktop Linux XNNPACK runs each model on one thread). The machine is whatever
runs this; on shared machines quote ratios, which are measured on the same frames in the
same run. ``--quick`` uses fewer photos, frames and repeats (a smoke run, not a measurement).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path
from typing import Literal

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compute_bound
import stages
from timing_static import (
    ImageRow,
    MediaPipeWorker,
    find_images,
    machine_info,
    measure_images,
    pin_cores,
    print_image_table,
    versions,
)
from timing_video import CONFIGS, DEFAULT_VIDEOS, Config, Stats, load_videos, measure_video

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def image_sources() -> list[Path]:
    """Every shared photo if the shared folder is there, else the committed test images."""
    return [SHARED] if SHARED.is_dir() else [ROOT / "tests/data/images"]


def load_rgb(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=np.uint8)


# -- 3. overhead -------------------------------------------------------------------------------

def end_to_end_overhead(images: list[np.ndarray], model: Literal["lite", "full"], threads: int,
                        repeats: int) -> tuple[float, float]:
    """Median per photo of detect()'s wall time and of the time spent inside its two model
    sessions (measured by wrapping the sessions' run for the duration of the call)."""
    import palmlite

    pin_cores(threads)
    landmarker = palmlite.HandLandmarker(max_hands=2, model=model, num_threads=threads)
    spent = [0.0]

    def timed(run: Callable[[np.ndarray], list[np.ndarray]]) -> Callable[..., list[np.ndarray]]:
        def wrapper(tensor: np.ndarray) -> list[np.ndarray]:
            t0 = time.perf_counter()
            out = run(tensor)
            spent[0] += time.perf_counter() - t0
            return out
        return wrapper

    landmarker._palm_model.run = timed(landmarker._palm_model.run)  # type: ignore[method-assign]
    landmarker._landmark_model.run = timed(  # type: ignore[method-assign]
        landmarker._landmark_model.run)
    for image in images:  # warm-up
        landmarker.detect(image)
    totals, models = [], []
    for _ in range(repeats):
        for image in images:
            spent[0] = 0.0
            t0 = time.perf_counter()
            landmarker.detect(image)
            totals.append(time.perf_counter() - t0)
            models.append(spent[0])
    return statistics.median(totals) * 1e3, statistics.median(models) * 1e3


# -- 4. batch throughput ------------------------------------------------------------------------

def batch_throughput(images: list[np.ndarray], model: Literal["lite", "full"], threads: int,
                     batch: int, repeats: int) -> tuple[float, float]:
    """Images per second of ``detect_batch`` on groups of ``batch`` photos and of a loop of
    ``detect`` over the same photos, interleaved group by group; returns both medians."""
    import palmlite

    pin_cores(threads)
    landmarker = palmlite.HandLandmarker(max_hands=2, model=model, num_threads=threads)
    groups = [images[i : i + batch] for i in range(0, len(images) - batch + 1, batch)]
    landmarker.detect_batch(groups[0])  # warm-up both paths
    for image in groups[0]:
        landmarker.detect(image)
    looped, batched = [], []
    for _ in range(repeats):
        for group in groups:
            t0 = time.perf_counter()
            for image in group:
                landmarker.detect(image)
            t1 = time.perf_counter()
            landmarker.detect_batch(group)
            t2 = time.perf_counter()
            looped.append(len(group) / (t1 - t0))
            batched.append(len(group) / (t2 - t1))
    return statistics.median(looped), statistics.median(batched)


# -- 5. start-up ------------------------------------------------------------------------------

_IMPORT = "import time; t = time.perf_counter(); import palmlite; print(time.perf_counter() - t)"
_FIRST = (
    "import sys, time, numpy as np, palmlite; from PIL import Image; "
    "image = np.asarray(Image.open(sys.argv[1]).convert('RGB')); "
    "t = time.perf_counter(); lm = palmlite.HandLandmarker(num_threads={threads}); "
    "t1 = time.perf_counter(); lm.detect(image); t2 = time.perf_counter(); "
    "print(t1 - t, t2 - t1)"
)


def startup(threads: int, runs: int) -> tuple[float, float, float]:
    """Medians over fresh processes: import time, construction time, first detect time (s)."""
    imports, builds, firsts = [], [], []
    sample = ROOT / "palmlite" / "data" / "sample.jpg"
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _IMPORT], capture_output=True, text=True,
                             check=True, cwd=ROOT).stdout
        imports.append(float(out))
        out = subprocess.run([sys.executable, "-c", _FIRST.format(threads=threads), str(sample)],
                             capture_output=True, text=True, check=True, cwd=ROOT).stdout
        build, first = map(float, out.split())
        builds.append(build)
        firsts.append(first)
    return statistics.median(imports), statistics.median(builds), statistics.median(firsts)


# -- 6. arithmetic floor ---------------------------------------------------------------------

def compute_floor(threads: list[int], rounds: int) -> dict[tuple[str, int], float]:
    """Print compute_bound's table (cores pinned per thread count) and return every model's
    ``floor ms``: its floating-point operations at the rate of a float32 ``sgemm``."""
    out: dict[tuple[str, int], float] = {}
    for n in threads:
        pin_cores(n)
        sgemm, profiles = compute_bound.measure([n], list(compute_bound.MODELS), rounds, 10,
                                                ROOT / "weights")
        print(f"### {n} thread(s)\n")
        compute_bound.print_report(profiles, sgemm, rounds)
        print()
        out.update({(p.model, n): compute_bound.floor_ms(p, sgemm) for p in profiles})
    return out


# -- chart -----------------------------------------------------------------------------------

def draw_chart(bars: list[tuple[str, float, float]], title: str, path: Path) -> None:
    """A horizontal grouped bar chart (palmlite vs MediaPipe ms) drawn with Pillow."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default()
    row_h, left, width, top = 46, 330, 900, 50
    height = top + row_h * len(bars) + 40
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((10, 12), title, fill="black", font=font)
    scale = (width - left - 180) / max(max(p, m) for _, p, m in bars)
    colours = {"palmlite": (33, 113, 181), "MediaPipe 0.10.21": (160, 160, 160)}
    for i, (label, pl, mp_) in enumerate(bars):
        y = top + i * row_h
        draw.text((10, y + 12), label, fill="black", font=font)
        for j, (value, colour) in enumerate(zip((pl, mp_), colours.values(), strict=True)):
            y0 = y + 4 + j * 18
            draw.rectangle([left, y0, left + value * scale, y0 + 14], fill=colour)
            draw.text((left + value * scale + 6, y0 + 1), f"{value:.1f} ms", fill="black",
                      font=font)
        draw.text((width - 80, y + 12), f"x{pl / mp_:.2f}", fill="black", font=font)
    for j, (name, colour) in enumerate(colours.items()):
        x = left + j * 200
        draw.rectangle([x, height - 28, x + 14, height - 14], fill=colour)
        draw.text((x + 20, height - 28), name, fill="black", font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)


# -- main ------------------------------------------------------------------------------------

def section(title: str, body: Callable[[], None], report: list[str]) -> None:
    """Run ``body``, echo what it prints, and keep it for RESULTS.md."""
    buffer = StringIO()
    with redirect_stdout(buffer):
        print(f"\n## {title}\n")
        body()
    text = buffer.getvalue()
    print(text, end="", flush=True)
    report.append(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--mp-python", type=Path, default=Path(
        os.environ.get("PALMLITE_MP_PYTHON") or ROOT / ".venv-mp/bin/python"))
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--chart", type=Path, default=ROOT / "docs" / "benchmark.png")
    args = parser.parse_args()
    if not args.mp_python.is_file():
        sys.exit(f"MediaPipe python not found: {args.mp_python} (create it with "
                 "python3.11 -m venv .venv-mp && .venv-mp/bin/pip install mediapipe==0.10.21 "
                 "av==18.1.0, or pass --mp-python / set PALMLITE_MP_PYTHON)")



    started = time.perf_counter()
    repeats = 1 if args.quick else args.repeats
    paths = find_images(image_sources())
    if args.quick:
        paths = paths[:: max(1, len(paths) // 8)][:8]
    images = [load_rgb(p) for p in paths]
    videos = load_videos([v for v in DEFAULT_VIDEOS if v.is_file()] or
                         sorted((ROOT / "tests/data/videos").glob("*.mp4")),
                         40 if args.quick else None)
    mpw = MediaPipeWorker(args.mp_python, images)
    report: list[str] = []

    def machine() -> None:
        for line in [
            *machine_info(),
            *versions(mpw, args.mp_python),
            f"photos: {len(images)} ({', '.join(map(str, image_sources()))}); videos: "
            + "; ".join(f"{p.name} ({len(f)} frames)" for p, f in videos.items()),
            f"repeats: {repeats}; threads: {args.threads} (palmlite num_threads = N, both "
            "processes pinned to N cores)",
        ]:
            print(f"- {line}")

    section("Machine", machine, report)

    image_rows: list[ImageRow] = []

    def image_mode() -> None:
        for variant in ("lite", "full"):
            for threads in args.threads:
                image_rows.append(measure_images(mpw, images, variant, threads, repeats))
        print("ms per photo, max 2 hands; ratio = palmlite / MediaPipe\n")
        print_image_table(image_rows)

    section("Image mode", image_mode, report)

    video_rows: list[tuple[Config, int, Stats]] = []

    def video_mode() -> None:
        from timing_video import print_video_table

        for threads in args.threads:
            for config in CONFIGS:
                video_rows.append((config, threads,
                                   measure_video(mpw, videos, "full", threads, config, repeats)))
        print("ms per frame, full model; ratio = palmlite / MediaPipe\n")
        print_video_table(video_rows)

    section("Video mode", video_mode, report)
    mpw.close()

    def stage_breakdown() -> None:
        for threads in args.threads:
            pin_cores(threads)
            print(f"### {threads} thread(s)\n")
            stages.print_breakdown(stages.measure(images, "full", threads, repeats))
            print()
        print("End-to-end overhead = HandLandmarker.detect wall time / the time of its own "
              "model calls, per photo (medians):\n")
        print("| model | threads | detect ms | model ms | overhead |")
        print("|---|---:|---:|---:|---:|")
        for model in ("lite", "full"):
            for threads in args.threads:
                total, models = end_to_end_overhead(images, model, threads, repeats)
                print(f"| {model} | {threads} | {total:.2f} | {models:.2f} "
                      f"| {total / models:.3f}x |")

    section("palmlite per stage and pipeline overhead", stage_breakdown, report)

    def batching() -> None:
        print("| model | threads | loop of detect (images/s) | detect_batch of 8 (images/s) "
              "| speed-up |")
        print("|---|---:|---:|---:|---:|")
        for threads in args.threads:
            for model in ("lite", "full"):
                loop, batch = batch_throughput(images, model, threads, 8, repeats)
                print(f"| {model} | {threads} | {loop:.1f} | {batch:.1f} | {batch / loop:.2f}x |")

    section("Batching", batching, report)

    def start_up() -> None:
        imp, build, first = startup(1, 3 if args.quick else 7)
        print(f"- `import palmlite`: {imp * 1e3:.0f} ms (median of fresh processes)")
        print(f"- `HandLandmarker()` construction: {build * 1e3:.0f} ms")
        print(f"- first `detect` after construction: {first * 1e3:.0f} ms")

    section("Start-up", start_up, report)

    def floor() -> None:
        floors = compute_floor(args.threads, 2 if args.quick else 5)
        print("\nBest possible ratio for float32 inference of these networks: the models' "
              "`floor ms` for the work of a median photo or frame (the palm model on every "
              "detector frame, the landmark model once per hand found), with no pre- or "
              "post-processing at all, over MediaPipe's measured median. A target ratio below "
              "it needs less arithmetic than the networks have (e.g. lower precision), not a "
              "faster pipeline.\n")
        print("| workload | threads | floor ms | MediaPipe ms | palmlite ms | floor / MediaPipe "
              "| palmlite / MediaPipe |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for row in image_rows:
            plm, _, mpm, _, _, _ = row.cells()
            hands = int(row.hands.split("/")[0]) / row.palmlite_ms.shape[1]
            ms = (floors[f"palm_detection_{row.variant}", row.threads]
                  + hands * floors[f"hand_landmark_{row.variant}", row.threads])
            print(f"| photo, {row.variant} | {row.threads} | {ms:.2f} | {mpm:.2f} | {plm:.2f} "
                  f"| {ms / mpm:.2f} | {plm / mpm:.2f} |")
        for config, threads, stats in video_rows:
            plm = float(np.median(stats.pl_s)) * 1e3
            mpm = float(np.median(stats.mp_s)) * 1e3
            ms = (floors["palm_detection_full", threads] * stats.detector_frames / stats.frames
                  + floors["hand_landmark_full", threads] * stats.pl_hands / stats.frames)
            print(f"| video, {config.label} | {threads} | {ms:.2f} | {mpm:.2f} | {plm:.2f} "
                  f"| {ms / mpm:.2f} | {plm / mpm:.2f} |")

    section("Arithmetic floor", floor, report)

    bars = []
    for row in image_rows:
        plm, _, mpm, _, _, _ = row.cells()
        bars.append((f"photo, {row.variant}, {row.threads} thread(s)", plm, mpm))
    for config, threads, stats in video_rows:
        bars.append((f"video, {config.label.split(' (')[0]}, {threads} thr",
                     float(np.median(stats.pl_s)) * 1e3, float(np.median(stats.mp_s)) * 1e3))
    draw_chart(bars, "median ms per photo / frame (lower is better); "
               "ratio = palmlite / MediaPipe", args.chart)
    args.out.mkdir(parents=True, exist_ok=True)
    footer = (f"\nTotal wall time {time.perf_counter() - started:.0f} s. Command: `python "
              f"benchmarks/compare.py {' '.join(sys.argv[1:])}`\n")
    (args.out / "RESULTS.md").write_text("# Benchmark results\n" + "".join(report) + footer)
    print(footer + f"Wrote {args.out / 'RESULTS.md'} and {args.chart}")


if __name__ == "__main__":
    main()
