"""Pure model inference time: palmlite's ONNX models vs MediaPipe's TFLite models.

Usage (from the repository root, with palmlite's python)::

    python benchmarks/models_speed.py [--threads 1 2] [--batch 8] [--rounds 10] [--runs 10]
                                      [--models palm_detection_full ...] [--weights DIR]
                                      [--mp-python PATH]

For every model and thread count, palmlite's ``models.OnnxModel`` (the sessions palmlite
really uses, ``intra_op_num_threads`` = the thread count) is timed on a batch of 1 and on a
batch of ``--batch`` frames (reported per image). The variants are interleaved: every round
runs each of them ``--runs`` times (after one untimed run), in a shuffled order, so load from
other processes hits them alike; medians and 90th percentiles are over all runs.

With ``--mp-python`` the same seeded input goes, in every round, to a worker subprocess (this
script with ``--worker``, run by that python) that times MediaPipe's original ``.tflite`` model
with XNNPACK at the same thread count. The worker uses ``tf.lite.Interpreter`` if tensorflow
is installed there (pure ``invoke()``; e.g. ``conversion/requirements.txt``'s venv), else
MediaPipe's own ``InferenceCalculatorCpu`` in a two-node ``CalculatorGraph`` (a venv with
``mediapipe==0.10.21``): that time includes a ``TensorConverterCalculator`` (uint8 -> float)
and graph scheduling, measured separately as ``overhead`` and subtracted before the ratios.
Ratio = palmlite / TFLite: below 1 is faster. The worker reports the sha256 of the
``.tflite`` it timed, which must equal the source recorded in ``weights/MANIFEST.json``.

``conversion/benchmark.py`` runs this script with the conversion venv's python as worker.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("palm_detection_lite", "palm_detection_full", "hand_landmark_lite", "hand_landmark_full")
SEED = 20250131


def input_size(model: str) -> int:
    return 192 if model.startswith("palm") else 224


def frames(model: str, count: int) -> np.ndarray:
    """``count`` seeded uint8 RGB frames of the model's input size."""
    size = input_size(model)
    return np.random.default_rng(SEED).integers(0, 256, (count, size, size, 3), dtype=np.uint8)


def send(stream: IO[bytes], payload: dict[str, Any]) -> None:
    data = json.dumps(payload).encode()
    stream.write(struct.pack("<I", len(data)) + data)
    stream.flush()


def recv(stream: IO[bytes]) -> Any:
    header = stream.read(4)
    if len(header) < 4:
        raise EOFError("worker pipe closed")
    (size,) = struct.unpack("<I", header)
    return json.loads(stream.read(size))


# --------------------------------------------------------------------------- TFLite worker


class _TfliteRunner:
    """tf.lite.Interpreter with its default XNNPACK delegate."""

    backend = "tf.lite.Interpreter (XNNPACK)"

    def __init__(self, path: str, threads: int, image: np.ndarray) -> None:
        import warnings

        import tensorflow as tf  # type: ignore[import-not-found,unused-ignore]

        warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")
        self.interp = tf.lite.Interpreter(model_path=path, num_threads=threads)
        self.interp.allocate_tensors()
        self.index = self.interp.get_input_details()[0]["index"]
        self.outputs = [d["index"] for d in self.interp.get_output_details()]
        self.x = (image.astype(np.float32) / np.float32(255.0))[None]
        self.overhead_ms = 0.0

    def __call__(self) -> None:
        self.interp.set_tensor(self.index, self.x)
        self.interp.invoke()
        for index in self.outputs:
            self.interp.get_tensor(index)


class _MediapipeRunner:
    """MediaPipe's InferenceCalculatorCpu (XNNPACK delegate) behind a TensorConverter."""

    backend = "mediapipe InferenceCalculatorCpu (XNNPACK)"

    def __init__(self, path: str, threads: int, image: np.ndarray) -> None:
        import mediapipe as mp  # type: ignore[import-not-found,unused-ignore]
        from google.protobuf import text_format  # type: ignore[import-not-found,unused-ignore]
        from mediapipe.calculators.tensor import (  # type: ignore[import-not-found,unused-ignore]
            inference_calculator_pb2,  # noqa: F401  (registers the options extension)
            tensor_converter_calculator_pb2,  # noqa: F401
        )
        from mediapipe.framework import calculator_pb2  # type: ignore[import-not-found,unused-ignore]
        from mediapipe.python import packet_creator  # type: ignore[import-not-found,unused-ignore]

        converter = (
            'node { calculator: "TensorConverterCalculator" input_stream: "IMAGE:image" '
            'output_stream: "TENSORS:tensors" options { '
            "[mediapipe.TensorConverterCalculatorOptions.ext] { zero_center: false } } }"
        )
        inference = (
            'node { calculator: "InferenceCalculatorCpu" input_stream: "TENSORS:tensors" '
            'output_stream: "TENSORS:out" options { [mediapipe.InferenceCalculatorOptions.ext] '
            f'{{ model_path: "{path}" delegate {{ xnnpack {{ num_threads: {threads} }} }} }} }} }}'
        )

        def graph(with_model: bool) -> Any:
            out = "out" if with_model else "tensors"
            text = f'input_stream: "image" output_stream: "{out}" {converter}'
            text += inference if with_model else ""
            config = text_format.Parse(text, calculator_pb2.CalculatorGraphConfig())
            g = mp.CalculatorGraph(graph_config=config)
            g.observe_output_stream(out, lambda stream, packet: None)
            g.start_run()
            return g

        self.mp, self.packet_creator, self.image = mp, packet_creator, image
        self.graph, self.timestamp = graph(True), 0
        empty = graph(False)
        times = []
        for _ in range(60):
            times.append(self._time(empty))
        empty.close()
        self.overhead_ms = float(np.median(times[10:]) * 1e3)

    def _time(self, graph: Any) -> float:
        packet = self.packet_creator.create_image_frame(
            image_format=self.mp.ImageFormat.SRGB, data=self.image
        ).at(self.timestamp)
        self.timestamp += 1
        start = time.perf_counter()
        graph.add_packet_to_input_stream("image", packet)
        graph.wait_until_idle()
        return time.perf_counter() - start

    def __call__(self) -> None:
        self._time(self.graph)


def _tflite_path(model: str, tflite_dir: str | None) -> str:
    if tflite_dir:
        return str(Path(tflite_dir) / f"{model}.tflite")
    import mediapipe as mp  # type: ignore[import-not-found,unused-ignore]

    folder = "palm_detection" if model.startswith("palm") else "hand_landmark"
    return str(Path(mp.__file__).parent / "modules" / folder / f"{model}.tflite")


def worker() -> None:
    """Answer ``load``/``time``/``quit`` requests on stdin/stdout (length-prefixed JSON)."""
    out = os.fdopen(os.dup(1), "wb")  # protocol channel; native logs printed to stdout
    os.dup2(2, 1)                     # go to stderr instead
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    inp = sys.stdin.buffer
    try:
        import tensorflow  # type: ignore[import-not-found,unused-ignore]  # noqa: F401

        runner_type: type[_TfliteRunner] | type[_MediapipeRunner] = _TfliteRunner
    except ImportError:
        runner_type = _MediapipeRunner
    runners: dict[tuple[str, int], _TfliteRunner | _MediapipeRunner] = {}
    send(out, {"backend": runner_type.backend, "python": platform.python_version()})
    while True:
        request = recv(inp)
        if request["cmd"] == "quit":
            return
        key = (request["model"], request["threads"])
        if request["cmd"] == "load":
            path = _tflite_path(request["model"], request.get("tflite_dir"))
            image = frames(request["model"], 1)[0]
            runner = runner_type(path, request["threads"], image)
            for _ in range(request["warmup"]):
                runner()
            runners[key] = runner
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            send(out, {"path": path, "sha256": digest, "overhead_ms": runner.overhead_ms})
        else:  # time
            runners[key]()  # settle, untimed (as on the ONNX side)
            times = []
            for _ in range(request["runs"]):
                start = time.perf_counter()
                runners[key]()
                times.append(time.perf_counter() - start)
            send(out, {"times": times})


class Worker:
    """The TFLite side, in a subprocess run by another python."""

    def __init__(self, python: str) -> None:
        self.proc = subprocess.Popen(
            [python, str(Path(__file__).resolve()), "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        self.info = recv(self.stdout)

    def request(self, **payload: Any) -> Any:
        send(self.stdin, payload)
        return recv(self.stdout)

    def close(self) -> None:
        send(self.stdin, {"cmd": "quit"})
        self.proc.wait(timeout=30)


# --------------------------------------------------------------------------- main side


def onnx_runner(model: str, weights: Path, threads: int, batch: int) -> Callable[[], object]:
    from palmlite import models

    signature = models.PALM_SIGNATURE if model.startswith("palm") else models.LANDMARK_SIGNATURE
    session = models.OnnxModel(weights / f"{model}.onnx", signature, num_threads=threads)
    x = frames(model, batch).astype(np.float32) / np.float32(255.0)
    return lambda: session.run(x)


def stats(times: list[float], per: int = 1) -> tuple[float, float]:
    ms = np.asarray(times) * 1e3 / per
    return float(np.median(ms)), float(np.percentile(ms, 90))


def measure(
    model: str, threads: int, args: argparse.Namespace, worker: Worker | None
) -> dict[str, Any]:
    variants: dict[str, tuple[Callable[[], list[float]], int]] = {}
    for batch in sorted({1, args.batch}):
        run = onnx_runner(model, args.weights, threads, batch)

        def timed(run: Callable[[], object] = run) -> list[float]:
            run()  # settle, untimed: the previous variant's threads may still be busy
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                run()
                times.append(time.perf_counter() - start)
            return times

        for _ in range(args.warmup):
            run()
        variants[f"b{batch}"] = (timed, batch)
    result: dict[str, Any] = {}
    if worker is not None:
        loaded = worker.request(cmd="load", model=model, threads=threads, warmup=args.warmup,
                                tflite_dir=args.tflite_dir)
        result["tflite_sha256"] = loaded["sha256"]
        result["overhead_ms"] = loaded["overhead_ms"]
        variants["tflite"] = (
            lambda: list(worker.request(cmd="time", model=model, threads=threads,
                                        runs=args.runs)["times"]),
            1,
        )
    times: dict[str, list[float]] = {name: [] for name in variants}
    order = list(variants)
    rng = random.Random(SEED)
    for _ in range(args.rounds):
        rng.shuffle(order)
        for name in order:
            times[name] += variants[name][0]()
    for name, (_, per) in variants.items():
        result[name] = stats(times[name], per)
    return result


def source_sha256(weights: Path) -> dict[str, str]:
    manifest = json.loads((weights / "MANIFEST.json").read_text())
    return {
        Path(name).stem: entry["source"]["sha256"] for name, entry in manifest["models"].items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", type=Path, default=ROOT / "weights")
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--batch", type=int, default=8, help="batch size timed besides 1")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--runs", type=int, default=10, help="timed runs per variant and round")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--mp-python", help="python that can run the TFLite models (see above)")
    parser.add_argument(
        "--tflite-dir",
        help="directory of the .tflite files (default: the worker's mediapipe package; "
        "required for a tensorflow worker)",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker()
        return 0

    import onnxruntime

    tflite_worker = Worker(args.mp_python) if args.mp_python else None
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    print(
        f"onnxruntime {onnxruntime.__version__}, numpy {np.__version__}, python "
        f"{platform.python_version()}; CPU {cpu}, {os.cpu_count()} logical cores; "
        f"load average at start {os.getloadavg()[0]:.2f}"
    )
    if tflite_worker:
        print(f"TFLite: {tflite_worker.info['backend']} (python {tflite_worker.info['python']})")
    print(
        f"{args.rounds} rounds x {args.runs} runs per variant, interleaved; ms; batch "
        f"{args.batch} in ms per image"
    )
    sources = source_sha256(args.weights)
    head = (
        f"{'model':<21}{'threads':>8}{'b1 median':>11}{'p90':>7}"
        f"{f'b{args.batch}/img':>11}{'p90':>7}"
    )
    if tflite_worker:
        head += f"{'tflite':>9}{'p90':>7}{'overhead':>10}{'ratio b1':>10}"
        head += f"{f'ratio b{args.batch}':>10}"
    print(head)
    try:
        for model in args.models:
            for threads in args.threads:
                r = measure(model, threads, args, tflite_worker)
                line = (
                    f"{model:<21}{threads:>8}{r['b1'][0]:>11.2f}{r['b1'][1]:>7.2f}"
                    f"{r[f'b{args.batch}'][0]:>11.2f}{r[f'b{args.batch}'][1]:>7.2f}"
                )
                if tflite_worker:
                    if r["tflite_sha256"] != sources[model]:
                        raise SystemExit(
                            f"{model}: the worker timed a .tflite with sha256 "
                            f"{r['tflite_sha256']}, not the converted source {sources[model]}"
                        )
                    tflite = r["tflite"][0] - r["overhead_ms"]
                    line += (
                        f"{r['tflite'][0]:>9.2f}{r['tflite'][1]:>7.2f}{r['overhead_ms']:>10.2f}"
                        f"{r['b1'][0] / tflite:>10.2f}{r[f'b{args.batch}'][0] / tflite:>10.2f}"
                    )
                print(line, flush=True)
    finally:
        if tflite_worker:
            tflite_worker.close()
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
