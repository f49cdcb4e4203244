#!/usr/bin/env python3
"""Build int8 hand landmark models (issue 16's "fast path") with ONNX Runtime's quantizer.

What it does, for ``weights/hand_landmark_{full,lite}.onnx``:

1. Runs palmlite (float, static mode, ``max_hands=2``) on the shared photos and every video
   frame of the three clips and records every crop handed to the landmark model: realistic
   hand crops, exactly the tensors the int8 model will see.
2. Calibrates on a fixed subset (photos with an even index in sorted order, every 4th frame of
   each clip) and writes ``weights/hand_landmark_{variant}_int8.onnx`` with
   ``onnxruntime.quantization.quantize_static`` (settings: ``CONFIG`` below).
3. Evaluates the int8 model against the float one through the whole palmlite pipeline on ALL
   photos and frames (calibration and held-out alike): landmark error in image pixels (x, y),
   hand count and handedness agreement; and times both models interleaved in one process
   (1 thread, batch 1, palmlite's session options) on the recorded crops.
4. Prints a summary and writes ``--fragment`` (JSON, to be merged into weights/MANIFEST.json
   by hand): sha256, tool versions, calibration set, settings, error table, speed ratios.

Run (the quantization venv; palmlite is imported from this checkout, not installed there):

    python3.11 -m venv /tmp/quant-venv
    /tmp/quant-venv/bin/pip install -r conversion/quantize_requirements.txt
    /tmp/quant-venv/bin/python conversion/quantize.py --out /tmp/int8 \
        --fragment /tmp/int8/manifest_fragment.json [--data-dir ../shared/data]
        [--check-determinism]

Chosen settings and why: see ``CONFIG`` and its comments. VERDICT (AMD EPYC, AVX-512 VNNI,
ORT 1.32): no ORT int8 configuration tried meets issue 16's bounds on every clip. Errors are
in image pixels, so a large hand (thumb_up_toward_camera, asl_hand) magnifies the crop-pixel
error 3-5x: full with these settings is 0.69x float's time but 3.0 px median on thumb_up;
even 28 of 47 convolutions in float (0.89x) still gave 1.46 px median, 13 px p99 there. The
summary printed marks each row ok/FAIL; do not ship the output while a row FAILs.
The output is deterministic on a given machine (``--check-determinism`` quantizes twice and
compares bytes). On another CPU the float pipeline's last bits can move a crop by a pixel, so
calibration ranges are rounded to 4 significant digits before use (see ``_round_cache``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
import onnxruntime as ort
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # palmlite from this checkout: the quant venv does not install it
import palmlite  # noqa: E402
from palmlite import models  # noqa: E402

CLIPS = ("tfjs/asl_hand.25fps.mp4", "mediapipe_samples/open_hand_reach_640x360.mp4",
         "mediapipe_samples/thumb_up_toward_camera_1280x720.mp4")
FRAME_STRIDE = 4  # calibrate on every 4th frame; the other 3/4 are held out
# Issue 16's bounds vs float, in image pixels (x, y) over all matched landmarks.
BOUNDS = {"median_px": 1.0, "p99_px": 5.0, "hand_count_agreement": 0.99,
          "handedness_agreement": 1.0}
Floats = npt.NDArray[np.float32]

CONFIG: dict[str, Any] = {
    # QDQ is what ORT's CPU provider fuses into QLinearConv / int8 Gemm since 1.11.
    "quant_format": "QDQ",
    # u8 activations x s8 weights: MLAS's fast x86 kernels (VNNI vpdpbusd, AVX2 vpmaddubsw).
    "activation_type": "QUInt8",
    "weight_type": "QInt8",
    # Per-channel weights: the depthwise 3x3/5x5 convolutions have very different per-channel
    # ranges; per-tensor scales wipe out the small channels.
    "per_channel": True,
    "reduce_range": False,
    "calibrate_method": "MinMax",
    "op_types_to_quantize": ["Conv", "Gemm"],
    # Convolutions kept in float32, by position in the graph (names differ between full and
    # lite). Chosen by a per-layer sensitivity scan (quantize ONE conv, measure the landmark
    # change on all crops): the stem (0, 1), the first expansions (3, 6, 9 in lite: node 9
    # alone moved landmarks 2.8 px and flipped 87 presences) and a few late expansions.
    "exclude_convs": {"full": [0, 1, 3, 4, 33, 45], "lite": [0, 1, 3, 4, 6, 9, 10, 18]},
    "exclude_heads": True,  # the four Gemm heads (landmarks, world, presence, handedness)
}


def exclusions(model: onnx.ModelProto, variant: str, config: dict[str, Any]) -> list[str]:
    """Node names kept in float: the listed convolutions and the output heads."""
    convs = [n.name for n in model.graph.node if n.op_type == "Conv"]
    names = [convs[i] for i in config["exclude_convs"][variant]]
    if config["exclude_heads"]:
        names += [n.name for n in model.graph.node if n.op_type == "Gemm"]
    return names


def photos(data: Path) -> list[Path]:
    return sorted(p for p in data.rglob("*") if p.suffix.lower() in (".jpg", ".png"))


def load_inputs(data: Path) -> list[tuple[str, npt.NDArray[np.uint8], bool]]:
    """(tag, RGB pixels, used for calibration) for every photo and every clip frame, in a
    fixed order; photos are turned upright by EXIF like palmlite does for paths."""
    from palmlite._validate import load_image  # decodes and turns upright by EXIF, as detect(path)

    items = [(f"photo:{p.relative_to(data)}", load_image(p), i % 2 == 0)
             for i, p in enumerate(photos(data))]
    for clip in CLIPS:
        items += [(f"clip:{clip}#{f.index}", f.image, f.index % FRAME_STRIDE == 0)
                  for f in palmlite.read_video(data / clip)]
    return items


class _Recorder:
    """Stands in for a landmarker's landmark model: records each input batch, then runs it."""

    def __init__(self, model: models.OnnxModel) -> None:
        self.model, self.batches = model, []  # type: ignore[var-annotated]

    def run(self, tensor: Floats) -> list[Floats]:
        self.batches.append(tensor.copy())
        return self.model.run(tensor)


def capture_crops(variant: str, inputs: list[tuple[str, npt.NDArray[np.uint8], bool]]
                  ) -> tuple[Floats, Floats]:
    """All landmark-model crops palmlite's float static pipeline makes: (calibration, all)."""
    landmarker = palmlite.HandLandmarker(model=variant, max_hands=2)
    recorder = _Recorder(landmarker._landmark_model)
    landmarker._landmark_model = recorder  # type: ignore[assignment]
    calibration = []
    for _, pixels, calibrate in inputs:
        before = len(recorder.batches)
        landmarker.detect(pixels)
        if calibrate:
            calibration += recorder.batches[before:]
    empty = np.zeros((0, 224, 224, 3), np.float32)
    return (np.concatenate(calibration or [empty]),
            np.concatenate(recorder.batches or [empty]))


class CropReader(CalibrationDataReader):
    """Feeds the calibration crops one at a time (batch 1, as the model is mostly run)."""

    def __init__(self, crops: Floats) -> None:
        self._iter: Iterator[Floats] = iter(crops)

    def get_next(self) -> dict[str, Floats] | None:
        crop = next(self._iter, None)
        return None if crop is None else {"image": crop[None]}


def _round_cache(path: Path) -> None:
    """Round every calibrated range to 4 significant digits, so tiny float differences in the
    crops (another CPU's kernels) do not change the quantization parameters' bytes."""
    def walk(x: Any) -> Any:
        if isinstance(x, float):
            return float(f"{x:.4g}")
        if isinstance(x, list):
            return [walk(v) for v in x]
        if isinstance(x, dict):
            return {k: walk(v) for k, v in x.items()}
        return x
    path.write_text(json.dumps(walk(json.loads(path.read_text()))))


def quantize(src: Path, dst: Path, variant: str, crops: Floats, config: dict[str, Any],
             cache: Path | None = None) -> None:
    """Calibrate (or reuse ``cache``) and write the quantized model to ``dst``."""
    model = onnx.load(src)
    method = CalibrationMethod[config["calibrate_method"]]
    with tempfile.TemporaryDirectory() as tmp:
        cache_path = cache or Path(tmp) / "calibration.json"
        if not cache_path.exists():
            # Calibrate once, round, then quantize from the rounded cache (see _round_cache).
            quantize_static(src, Path(tmp) / "calib_only.onnx", CropReader(crops),
                            calibrate_method=method, per_channel=False,
                            op_types_to_quantize=config["op_types_to_quantize"],
                            calibration_cache_path=cache_path,
                            extra_options=dict(config.get("extra_options", {})))
            _round_cache(cache_path)
        quantize_static(
            src, dst, None,
            quant_format=QuantFormat[config["quant_format"]],
            op_types_to_quantize=config["op_types_to_quantize"],
            per_channel=config["per_channel"], reduce_range=config["reduce_range"],
            activation_type=QuantType[config["activation_type"]],
            weight_type=QuantType[config["weight_type"]],
            nodes_to_exclude=exclusions(model, variant, config), calibrate_method=method,
            extra_options=dict(config.get("extra_options", {})),
            calibration_cache_path=cache_path)


def _match(a: tuple[palmlite.Hand, ...], b: tuple[palmlite.Hand, ...]
           ) -> list[tuple[palmlite.Hand, palmlite.Hand]]:
    """Pairs hands of two results greedily by mean landmark distance (static mode: the same
    palms, so the same crops; a pair further than 50 px apart is not the same hand)."""
    pairs, left = [], list(b)
    for hand in a:
        if not left:
            break
        dist = [float(np.linalg.norm(hand.landmarks_px[:, :2] - o.landmarks_px[:, :2],
                                     axis=1).mean()) for o in left]
        k = int(np.argmin(dist))
        if dist[k] < 50:
            pairs.append((hand, left.pop(k)))
    return pairs


def evaluate(variant: str, quantized: Path,
             inputs: list[tuple[str, npt.NDArray[np.uint8], bool]]) -> dict[str, dict[str, Any]]:
    """Error table of the whole static pipeline, int8 landmark model vs float, per group."""
    reference = palmlite.HandLandmarker(model=variant, max_hands=2)
    candidate = palmlite.HandLandmarker(model=variant, max_hands=2)
    candidate._landmark_model = models.OnnxModel(quantized, models.LANDMARK_SIGNATURE)
    groups: dict[str, dict[str, list[Any]]] = {}
    for tag, pixels, calibrate in inputs:
        group = "photos" if tag.startswith("photo:") else tag.split("#")[0].split("/")[-1]
        g = groups.setdefault(group, {"err": [], "count": [], "hand": [], "held_out_err": []})
        ref, got = reference.detect(pixels), candidate.detect(pixels)
        g["count"].append(len(ref.hands) == len(got.hands))
        for r, q in _match(ref.hands, got.hands):
            err = np.linalg.norm(r.landmarks_px[:, :2] - q.landmarks_px[:, :2], axis=1)
            g["err"].append(err)
            if not calibrate:
                g["held_out_err"].append(err)
            g["hand"].append(r.handedness == q.handedness)
    table = {}
    for name, g in groups.items():
        err = np.concatenate(g["err"]) if g["err"] else np.zeros(1)
        held = np.concatenate(g["held_out_err"]) if g["held_out_err"] else np.zeros(1)
        table[name] = {
            "images": len(g["count"]), "matched_hands": len(g["hand"]),
            "median_px": round(float(np.median(err)), 3),
            "p99_px": round(float(np.percentile(err, 99)), 3),
            "max_px": round(float(err.max()), 2),
            "held_out_median_px": round(float(np.median(held)), 3),
            "held_out_p99_px": round(float(np.percentile(held, 99)), 3),
            "hand_count_agreement": round(float(np.mean(g["count"])), 4),
            "handedness_agreement": round(float(np.mean(g["hand"])) if g["hand"] else 1.0, 4),
        }
        row = table[name]
        row["meets_bounds"] = bool(
            row["median_px"] <= BOUNDS["median_px"] and row["p99_px"] <= BOUNDS["p99_px"]
            and row["hand_count_agreement"] >= BOUNDS["hand_count_agreement"]
            and row["handedness_agreement"] >= BOUNDS["handedness_agreement"])
    return table


def cpu_flags() -> str:
    try:
        words = set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        return platform.processor() or "unknown"
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8")
    return " ".join(f for f in wanted if f in words) or "none of avx2/avx512/vnni/amx"


def time_ratio(reference: Path, candidate: Path, crops: Floats, runs: int = 300
               ) -> dict[str, float]:
    """Median ms of each model at 1 thread, batch 1, interleaved run by run (the machine may
    be busy: only the ratio is meaningful), with palmlite's own session options."""
    a = models.OnnxModel(reference, models.LANDMARK_SIGNATURE, 1)
    b = models.OnnxModel(candidate, models.LANDMARK_SIGNATURE, 1)
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(runs + 20):
        crop = crops[i % len(crops)][None]
        order = ((0, a), (1, b)) if i % 2 else ((1, b), (0, a))  # alternate who goes first
        for k, model in order:
            t = time.perf_counter()
            model.run(crop)
            if i >= 20:  # warm-up
                times[k].append(time.perf_counter() - t)
    fa, fb = float(np.median(times[0])) * 1e3, float(np.median(times[1])) * 1e3
    return {"float_ms": round(fa, 3), "int8_ms": round(fb, 3), "ratio": round(fb / fa, 3),
            "runs": runs, "cpu_flags": cpu_flags()}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    # No default: the output is not shipped (it fails the bounds), so it never lands in
    # weights/ unasked, where it would be a file the manifest does not list.
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--fragment", type=Path, required=True)
    parser.add_argument("--variants", nargs="+", default=["full", "lite"])
    parser.add_argument("--check-determinism", action="store_true")
    args = parser.parse_args()
    inputs = load_inputs(args.data_dir)
    n_cal = sum(c for *_, c in inputs)
    print(f"{len(inputs)} images/frames, {n_cal} for calibration; CPU: {cpu_flags()}")
    fragment: dict[str, Any] = {
        "tools": {"onnx": onnx.__version__, "onnxruntime": ort.__version__,
                  "numpy": np.__version__, "python": platform.python_version()},
        "calibration": {
            "source": "every crop palmlite's float static pipeline (HandLandmarker(model=v, "
                      "max_hands=2).detect) hands to the landmark model",
            "photos": "sorted *.jpg/*.png under the data dir; even indices calibrate",
            "clips": list(CLIPS), "frame_stride": FRAME_STRIDE,
            "calibration_images": [t for t, _, c in inputs if c],
        },
        "settings": CONFIG, "bounds": BOUNDS, "models": {},
    }
    for variant in args.variants:
        src = REPO / "weights" / f"hand_landmark_{variant}.onnx"
        dst = args.out / f"hand_landmark_{variant}_int8.onnx"
        calibration, crops = capture_crops(variant, inputs)
        print(f"[{variant}] {len(calibration)} calibration crops of {len(crops)}")
        quantize(src, dst, variant, calibration, CONFIG)
        if args.check_determinism:
            with tempfile.TemporaryDirectory() as tmp:
                again = Path(tmp) / dst.name
                quantize(src, again, variant, calibration, CONFIG)
                if again.read_bytes() != dst.read_bytes():
                    raise SystemExit(f"{dst.name}: a second quantization differs")
            print(f"[{variant}] determinism: byte-identical")
        table = evaluate(variant, dst, inputs)
        speed = time_ratio(src, dst, crops)
        excluded = exclusions(onnx.load(src), variant, CONFIG)
        fragment["models"][dst.name] = {
            "sha256": sha256(dst), "bytes": dst.stat().st_size, "source": src.name,
            "source_sha256": sha256(src), "calibration_crops": len(calibration),
            "nodes_excluded": excluded, "errors_vs_float": table, "speed_1_thread": speed,
        }
        print(f"[{variant}] {dst.name}: {dst.stat().st_size} bytes sha256 {sha256(dst)}")
        print(f"[{variant}] speed: int8 {speed['ratio']}x float ({speed['int8_ms']} vs "
              f"{speed['float_ms']} ms; {speed['cpu_flags']})")
        for name, row in table.items():
            flag = "ok  " if row["meets_bounds"] else "FAIL"
            print(f"[{variant}] {flag} {name:38s} median {row['median_px']:.3f} px  p99 "
                  f"{row['p99_px']:.3f} px  count {row['hand_count_agreement']:.2%}  "
                  f"handedness {row['handedness_agreement']:.2%}  ({row['matched_hands']} hands)")
    args.fragment.parent.mkdir(parents=True, exist_ok=True)
    args.fragment.write_text(json.dumps(fragment, indent=1) + "\n")
    print(f"wrote {args.fragment}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
