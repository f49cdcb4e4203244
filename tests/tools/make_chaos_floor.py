"""Measure the chaos floor of free-running video: MediaPipe against itself on perturbed frames.

In video mode every frame's crop comes from the previous frame's landmarks, so a tiny change
anywhere (another CPU's float rounding, ONNX instead of TFLite) can be amplified from frame to
frame. This tool measures how much: it runs MediaPipe 0.10.21 free-running on the committed clips,
once on the decoded frames and once per seed on frames where 0.1% of the pixels got +-1 grey
level (``free_running.perturb``, a fresh choice per frame), and records per configuration how far
each perturbed run drifts from the unperturbed one (``free_running.drift``: hand-count, label and
palm-detector disagreements; landmark error median / p99 / max in px; per-frame maxima). The
free-running parity tests bound palmlite's drift from MediaPipe's goldens by this floor.

Runs ONLY inside the MediaPipe venv with PyAV (see ``make_video_goldens.py``). From the
repository root::

    .venv-mp/bin/python tests/tools/make_chaos_floor.py

Configurations: every run of ``tests/data/goldens/video_clips.json`` (each clip x lite/full x
``max_num_hands`` 1/2), which include those of the ``video_loop.py`` runs of
``tests/data/goldens/legacy_scripts.json`` (checked: same hands). The unperturbed run must
reproduce the video goldens' landmarks and labels exactly (checked; on the AVX-512 machine that
made the committed floor, MediaPipe reproduces the committed video goldens' landmarks bit for bit,
only some handedness / presence scores differ in the last bit). About 3 minutes.

With 8 seeds the worst seed's max landmark error is still growing (asl_hand_40 lite: 1.13 px
with 8 seeds, 1.88 px with 16); 16 seeds is the default.
"""

from __future__ import annotations

import argparse
import json
import platform
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

TOOLS = Path(__file__).resolve().parent
sys.path.insert(0, str(TOOLS))
sys.path.insert(0, str(TOOLS.parent))  # tests/: free_running.py (the metric the tests use)
from free_running import (  # noqa: E402
    PERTURB_FRACTION,
    drift,
    golden_run,
    legacy_video_config,
    perturb,
    printed_run,
)
from make_goldens import add_version_option, check_mediapipe_version, format_json  # noqa: E402
from make_video_goldens import (  # noqa: E402  # (exits with a hint outside the MediaPipe venv)
    DebugVideoHands,
    Frame,
    av,
    check_tracking_invariants,
    decode_frames,
    frame_record,
    mp,
)

ROOT = TOOLS.parents[1]
GOLDENS = ROOT / "tests" / "data" / "goldens"
VIDEOS = ROOT / "tests" / "data" / "videos"
#: x86 / ARM SIMD flags that change which ONNX Runtime / XNNPACK kernels run.
SIMD_FLAGS = ("sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl",
              "avx512_vnni", "avx_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16",
              "amx_int8", "asimd", "asimdhp", "asimddp", "sve", "sve2")

JsonDict = dict[str, Any]


def cpu_description() -> JsonDict:
    """The model name and SIMD flags of this machine's CPU (Linux /proc/cpuinfo)."""
    info: JsonDict = {"machine": platform.machine(), "model_name": None, "simd_flags": []}
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return info
    flags: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key == "model name" and info["model_name"] is None:
            info["model_name"] = value.strip()
        elif key in ("flags", "features"):
            flags.update(value.split())
    info["simd_flags"] = [f for f in SIMD_FLAGS if f in flags]
    return info


def configurations(video_goldens: JsonDict, name: str,
                   legacy: JsonDict | None) -> dict[tuple[str, str], list[str]]:
    """(video key, run key) -> which golden runs use it."""
    configs: dict[tuple[str, str], list[str]] = {}
    for clip, video in sorted(video_goldens["videos"].items()):
        for run in sorted(video["runs"]):
            configs.setdefault((clip, run), []).append(name)
    for entry in legacy["runs"] if legacy is not None else []:
        if entry["script"] != "video_loop.py":
            continue
        key = legacy_video_config(entry["args"])
        if key not in configs:
            raise SystemExit(f"legacy run {entry['args']} has no video_clips.json run")
        golden = video_goldens["videos"][key[0]]["runs"][key[1]]["frames"]
        if printed_run(entry["records"]) != golden_run(golden):
            raise SystemExit(f"legacy run {entry['args']} printed other hands than "
                             "video_clips.json")
        configs[key].append("legacy_scripts.json video_loop.py " + " ".join(entry["args"]))
    return configs


def run_free(frames: list[Frame], complexity: int, max_hands: int, seed: int | None,
             where: str) -> list[JsonDict]:
    """One fresh video-mode MediaPipe graph over the (perturbed, if ``seed``) frames."""
    graph = DebugVideoHands(complexity, max_hands, 0.5, 0.5)
    records = []
    try:
        for frame in frames:
            if seed is not None:
                frame = Frame(frame.index, frame.timestamp_ms,
                              perturb(frame.rgb, seed, frame.index))
            result, contents = graph.process_frame(frame.rgb)
            records.append(frame_record(frame, result, contents, 0.5, f"{where} #{frame.index}"))
    finally:
        graph.close()
    check_tracking_invariants(records, max_hands, where)
    return records


def rounded(value: float) -> float:
    return float(f"{value:.4g}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=16,
                        help="perturbed runs per configuration (default 16)")
    parser.add_argument("--out", type=Path, default=GOLDENS / "chaos_floor.json")
    parser.add_argument(
        "--video-goldens", type=Path, default=None,
        help="video goldens of make_video_goldens.py to measure (default: the committed "
        "video_clips.json, plus the legacy_scripts.json check); e.g. those of the full shared "
        "videos, with --root")
    parser.add_argument("--root", type=Path, default=VIDEOS,
                        help="the video keys of --video-goldens are relative to this directory")
    add_version_option(parser)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    check_mediapipe_version(args)
    goldens_path = args.video_goldens or GOLDENS / "video_clips.json"
    video_goldens = json.loads(goldens_path.read_text())
    legacy = (json.loads((GOLDENS / "legacy_scripts.json").read_text())
              if args.video_goldens is None else None)
    seeds = list(range(args.seeds))
    t0 = time.perf_counter()
    floors: dict[str, dict[str, JsonDict]] = {}
    for (clip, run), used_by in configurations(video_goldens, goldens_path.name,
                                                    legacy).items():
        video = video_goldens["videos"][clip]
        gold = video["runs"][run]
        frames = list(decode_frames(args.root / clip, None))
        if len(frames) != video["num_frames"]:
            raise SystemExit(f"{clip}: {len(frames)} frames decoded, goldens have "
                             f"{video['num_frames']}")
        where = f"{clip} [{run}]"
        reference = run_free(frames, gold["model_complexity"], gold["max_num_hands"], None, where)
        if golden_run(reference) != golden_run(gold["frames"]):
            raise SystemExit(f"{where}: the unperturbed run does not reproduce the goldens")
        size = (video["width"], video["height"])
        per_seed, frame_max = [], np.zeros(len(frames))
        union: dict[str, set[int]] = {"count_diff": set(), "label_diff": set(),
                                      "detector_diff": set()}
        for seed in seeds:
            perturbed = run_free(frames, gold["model_complexity"], gold["max_num_hands"], seed,
                                 f"{where} seed {seed}")
            d = drift(golden_run(reference), golden_run(perturbed), size,
                      [f["palm_detector_ran"] for f in reference],
                      [f["palm_detector_ran"] for f in perturbed])
            row = {"seed": seed, **d.counts(),
                   **{k: rounded(v) for k, v in d.stats().items()}}
            per_seed.append(row)
            frame_max = np.maximum(frame_max, d.frame_max_px)
            union["count_diff"].update(d.count_diff_frames)
            union["label_diff"].update(d.label_diff_frames)
            union["detector_diff"].update(d.detector_diff_frames)
            print(f"{where} seed {seed}: {row}", file=sys.stderr)
        keys = [k for k in per_seed[0] if k != "seed"]
        floors.setdefault(clip, {})[run] = {
            "used_by": used_by,
            "seeds": per_seed,
            "worst": {k: max(r[k] for r in per_seed) for k in keys},
            "frame_max_px": [rounded(v) for v in frame_max],
            "frames_disagreeing": {k: sorted(v) for k, v in union.items()},
        }

    doc = {
        "generator": "tests/tools/make_chaos_floor.py",
        "command": "python " + shlex.join(
            sys.argv if argv is None else ["tests/tools/make_chaos_floor.py", *argv]),
        "mediapipe_version": mp.__version__,
        "av_version": av.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "cpu": cpu_description(),
        "reference": "free-running MediaPipe Hands(static_image_mode=False, max_num_hands=M, "
                     "model_complexity=c, min_detection_confidence=0.5, "
                     "min_tracking_confidence=0.5) on the decoded frames; it reproduces "
                     f"{goldens_path.name} (checked)",
        "perturbation": {
            "what": "per frame, round(fraction * W * H) distinct pixels get +1 or -1 (random "
                    "sign) on all three channels, clipped to 0..255",
            "fraction": PERTURB_FRACTION,
            "rng": "numpy.random.default_rng([seed, frame_index]); tests/free_running.perturb",
            "seeds": seeds,
        },
        "metric": "tests/free_running.drift(unperturbed, perturbed): hands matched "
                  "order-insensitively; landmark error in px over frames with equal hand count",
        "floors": floors,
    }
    args.out.write_text(format_json(doc), encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, "
          f"{time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
