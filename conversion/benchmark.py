#!/usr/bin/env python3
"""Time the converted ONNX models against the original TFLite models.

For every model: median latency of ``--runs`` single-image inferences (after ``--warmup``
untimed runs) with ONNX Runtime (CPUExecutionProvider, ORT_ENABLE_ALL, intra_op_num_threads
1 and 2) and with the TFLite interpreter (default XNNPACK delegate, num_threads 1 and 2).

Run ``conversion/convert.py`` first: the .tflite files are read from its ``--workdir``.

Usage::

    python conversion/benchmark.py [--workdir DIR] [--weights weights/] [--runs 50]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from convert import DEFAULT_OUT, DEFAULT_WORKDIR, INPUT_NAME, MODELS, ModelSpec

LOG = logging.getLogger("benchmark")
THREADS = (1, 2)


def median_ms(fn: Callable[[], object], runs: int, warmup: int) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1e3)


def onnx_runner(path: Path, threads: int, x: np.ndarray) -> Callable[[], object]:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    feed = {INPUT_NAME: x}
    return lambda: session.run(None, feed)


def tflite_runner(path: Path, threads: int, x: np.ndarray) -> Callable[[], object]:
    import tensorflow as tf

    interp = tf.lite.Interpreter(model_path=str(path), num_threads=threads)
    interp.allocate_tensors()
    index = interp.get_input_details()[0]["index"]
    outputs = [d["index"] for d in interp.get_output_details()]

    def run() -> object:
        interp.set_tensor(index, x)
        interp.invoke()
        return [interp.get_tensor(i) for i in outputs]

    return run


def benchmark(
    spec: ModelSpec, tflite: Path, onnx_path: Path, runs: int, warmup: int
) -> dict[str, float]:
    x = np.random.default_rng(0).random(spec.input_shape, dtype=np.float32)
    results: dict[str, float] = {}
    for threads in THREADS:
        results[f"onnxruntime t={threads}"] = median_ms(
            onnx_runner(onnx_path, threads, x), runs, warmup
        )
        results[f"tflite t={threads}"] = median_ms(tflite_runner(tflite, threads, x), runs, warmup)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--workdir", type=Path, default=DEFAULT_WORKDIR, help="convert.py's workdir"
    )
    parser.add_argument(
        "--weights", type=Path, default=DEFAULT_OUT, help="directory of the .onnx files"
    )
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S"
    )
    warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")

    table: dict[str, dict[str, float]] = {}
    for spec in MODELS:
        tflite = args.workdir / "tflite" / f"{spec.key}.tflite"
        if not tflite.is_file():
            LOG.error("%s not found: run conversion/convert.py first", tflite)
            return 1
        LOG.info("benchmarking %s", spec.key)
        table[spec.key] = benchmark(
            spec, tflite, args.weights / spec.onnx_filename, args.runs, args.warmup
        )

    columns = list(next(iter(table.values())))
    print(f"\nmedian latency in ms over {args.runs} runs")
    print(f"{'model':<22}" + "".join(f"{c:>18}" for c in columns))
    for key, row in table.items():
        print(f"{key:<22}" + "".join(f"{row[c]:>18.2f}" for c in columns))
    return 0


if __name__ == "__main__":
    sys.exit(main())
