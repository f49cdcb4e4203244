"""How close the ONNX models run to this CPU's float32 arithmetic limit.

Usage (from the repository root, with palmlite's python)::

    python benchmarks/compute_bound.py [--threads 1 2] [--rounds 5] [--runs 10] [--weights DIR]

For each model, the sessions palmlite uses (``ORT_ENABLE_ALL``, blocked-layout convolutions)
are timed, and ONNX Runtime's profiler gives every executed ``Conv``/``Gemm`` node's share of
the time and its tensor shapes. From the shapes: floating-point operations per node (2 x output
elements x weights per output channel; a multiply-add is 2). The nodes are grouped as pointwise
(1x1), depthwise and other convolutions, and each group's GFLOP/s is compared with the rate of
a large single-precision matrix product (OpenBLAS ``sgemm``, 1024x1024x1024, in a subprocess
limited to the same thread count): about the most this CPU's vector units do on float32 data.
Rounds alternate the product and the models, so load from other processes hits both alike.

``floor ms`` = the model's operations at that ``sgemm`` rate: no float32 implementation of the
same network on this machine does much better (``sgemm`` is the best case; depthwise layers
are bound by memory traffic and reach far less). It is what any float32 engine, ONNX Runtime
or TFLite/XNNPACK, must spend per model run, overhead aside.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("palm_detection_lite", "palm_detection_full", "hand_landmark_lite", "hand_landmark_full")
GROUPS = ("pointwise conv", "depthwise conv", "other conv", "gemm")

_SGEMM = """
import time, numpy as np
n = 1024
a = np.random.default_rng(0).random((n, n), dtype=np.float32)
b = np.random.default_rng(1).random((n, n), dtype=np.float32)
a @ b
times = []
for _ in range(15):
    t = time.perf_counter(); a @ b; times.append(time.perf_counter() - t)
print(2 * n ** 3 / min(times) / 1e9)
"""


def sgemm_gflops(threads: int) -> float:
    """GFLOP/s of a float32 1024^3 matrix product on ``threads`` OpenBLAS threads (the best
    of 15 products: the machine's capability, not its load)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-c", _SGEMM], env=env, check=True,
                         capture_output=True, text=True)
    return float(out.stdout.strip())


def _shape(entry: dict[str, Any]) -> list[int]:
    return [int(d) for d in next(iter(entry.values()))]


def node_flops(op: str, inputs: list[list[int]], output: list[int]) -> tuple[str, float]:
    """The group and floating-point operations of one profiled node."""
    if op == "Conv":
        weight = inputs[1]  # (C_out, C_in / group, kh, kw), also in the blocked layout
        per_output = float(np.prod(weight[1:]))
        group = ("depthwise conv" if weight[1] == 1 and weight[0] > 1
                 else "pointwise conv" if weight[2:] == [1, 1] else "other conv")
        return group, 2.0 * float(np.prod(output)) * per_output
    # Gemm / FusedGemm / MatMul: (M, K) x (K, N)
    m, k = inputs[0][-2], inputs[0][-1]
    return "gemm", 2.0 * m * k * float(output[-1])


@dataclass
class ModelProfile:
    model: str
    threads: int
    wall_ms: float  # median run() time over all rounds
    flops: float
    group_ms: dict[str, float]  # kernel time per run, scaled to add up to wall_ms
    group_flops: dict[str, float]


def make_session(path: Path, threads: int, profile: bool = False) -> Any:
    """A session configured like palmlite's (models.OnnxModel)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "1")
    options.add_session_config_entry("session.force_spinning_stop", "1")
    options.log_severity_level = 3
    if profile:
        options.enable_profiling = True
        options.profile_file_prefix = str(Path(tempfile.gettempdir()) / "palmlite_bound")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def model_input(path: Path) -> dict[str, np.ndarray]:
    size = 192 if path.name.startswith("palm") else 224
    return {"image": np.random.default_rng(0).random((1, size, size, 3), dtype=np.float32)}


def kernel_groups(path: Path, threads: int, runs: int) -> tuple[dict[str, float],
                                                                   dict[str, float]]:
    """Per group: floating-point operations per run and share of the profiled kernel time of
    a run (the shares leave out the non-Conv/Gemm nodes, so they add up to less than 1)."""
    session = make_session(path, threads, profile=True)
    feed = model_input(path)
    for _ in range(runs):
        session.run(None, feed)
    trace = Path(session.end_profiling())
    events = json.loads(trace.read_text())
    trace.unlink()
    kernel_us: dict[str, list[float]] = defaultdict(list)
    info: dict[str, tuple[str, float]] = {}
    other_us: list[float] = []
    for event in events:
        if event.get("cat") != "Node" or not event["name"].endswith("_kernel_time"):
            continue
        args = event["args"]
        op = args["op_name"]
        if op in ("Conv", "Gemm", "FusedGemm", "MatMul"):
            kernel_us[event["name"]].append(float(event["dur"]))
            if event["name"] not in info:
                inputs = [_shape(e) for e in args["input_type_shape"]]
                info[event["name"]] = node_flops(op, inputs, _shape(args["output_type_shape"][0]))
        else:
            other_us.append(float(event["dur"]))
    group_us = dict.fromkeys(GROUPS, 0.0)
    group_flops = dict.fromkeys(GROUPS, 0.0)
    for name, durations in kernel_us.items():
        group, flops = info[name]
        group_us[group] += statistics.median(durations)  # median per node = per run
        group_flops[group] += flops
    total = sum(group_us.values()) + sum(other_us) / runs
    return group_flops, {g: us / total for g, us in group_us.items()}


def time_runs(session: Any, feed: dict[str, np.ndarray], runs: int) -> list[float]:
    session.run(None, feed)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        session.run(None, feed)
        times.append(time.perf_counter() - t0)
    return times


def floor_ms(profile: ModelProfile, sgemm: dict[int, float]) -> float:
    """The model's operations at the ``sgemm`` rate of its thread count, in ms."""
    return profile.flops / sgemm[profile.threads] / 1e6


def print_report(profiles: list[ModelProfile], sgemm: dict[int, float], rounds: int) -> None:
    for n in sorted({p.threads for p in profiles}):
        print(f"sgemm 1024^3 on {n} thread(s): {sgemm[n]:.1f} GFLOP/s "
              f"(median of {rounds} rounds, each the best of 15 products)")
    print()
    print("| model | threads | GFLOP | run ms | GFLOP/s | % of sgemm | floor ms "
          "| pointwise ms (GFLOP/s) | depthwise ms (GFLOP/s) | other conv ms (GFLOP/s) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for p in profiles:
        rate = p.flops / p.wall_ms / 1e6
        cells = []
        for group in ("pointwise conv", "depthwise conv", "other conv"):
            ms = p.group_ms[group]
            gf = p.group_flops[group] / ms / 1e6 if ms else 0.0
            cells.append(f"{ms:.2f} ({gf:.0f})")
        print(f"| {p.model} | {p.threads} | {p.flops / 1e9:.3f} | {p.wall_ms:.2f} | {rate:.0f} "
              f"| {100 * rate / sgemm[p.threads]:.0f}% | {floor_ms(p, sgemm):.2f} | "
              + " | ".join(cells) + " |")


def measure(threads: list[int], models: list[str], rounds: int, runs: int,
            weights: Path) -> tuple[dict[int, float], list[ModelProfile]]:
    """The ``sgemm`` rate per thread count and every model's profile at every thread count."""
    # Rounds alternate the reference product and the models, so that load from other
    # processes (these machines are shared) hits both alike; medians over the rounds.
    sgemm: dict[int, list[float]] = {n: [] for n in threads}
    walls: dict[tuple[str, int], list[float]] = defaultdict(list)
    sessions = {(m, n): make_session(weights / f"{m}.onnx", n) for n in threads for m in models}
    feeds = {m: model_input(weights / f"{m}.onnx") for m in models}
    for _ in range(rounds):
        for n in threads:
            sgemm[n].append(sgemm_gflops(n))
            for m in models:
                walls[m, n] += time_runs(sessions[m, n], feeds[m], runs)
    profiles = []
    for n in threads:
        for m in models:
            flops, shares = kernel_groups(weights / f"{m}.onnx", n, runs)
            wall_ms = statistics.median(walls[m, n]) * 1e3
            profiles.append(ModelProfile(
                model=m, threads=n, wall_ms=wall_ms, flops=sum(flops.values()),
                group_ms={g: share * wall_ms for g, share in shares.items()},
                group_flops=flops))
    return {n: statistics.median(r) for n, r in sgemm.items()}, profiles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=10, help="model runs per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--weights", type=Path, default=ROOT / "weights")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    args = parser.parse_args(argv)
    sgemm, profiles = measure(args.threads, args.models, args.rounds, args.runs, args.weights)
    print_report(profiles, sgemm, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
