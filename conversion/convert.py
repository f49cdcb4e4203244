#!/usr/bin/env python3
"""Convert MediaPipe Hands' four TFLite models to ONNX and verify them.

Pipeline (every step is logged; nothing is written to ``--out`` unless all checks pass):

1. Fetch the ``mediapipe==0.10.21`` wheel from PyPI with ``pip download`` (a fixed
   cp311 / manylinux_2_28_x86_64 wheel, whatever the host), or reuse it from ``--workdir``.
   Its sha256 must equal :data:`WHEEL_SHA256`.
2. Extract the four ``.tflite`` files from the wheel with :mod:`zipfile`.
3. Inspect each TFLite graph and check which layer feeds each output tensor, to map the
   anonymous TFLite outputs (``Identity``, ``Identity_1``, ...) to meaningful names.
4. Convert with tf2onnx (opset 17) in a fresh subprocess, then rename the graph input to
   ``image`` and the outputs to the names below, put the outputs in the documented order,
   apply the rewrites of :mod:`graph_rewrites` (symbolic batch dimension; PRelu and the
   channel Pads replaced by ops ONNX Runtime runs fast, bit-exactly) and canonicalize the
   names tf2onnx generates (they carry run-dependent counters) so that reruns produce
   byte-identical files.
5. Run ONNX Runtime and the TFLite interpreter on 5 seeded random inputs and on 3 real
   photos; fail if any output differs by more than :data:`TOLERANCE`. Run the same 8 inputs
   as batches of 3 and 8; fail if any row differs from its single-image run by more than
   :data:`BATCH_TOLERANCE`.
6. Copy the ONNX files to ``--out`` and write ``MANIFEST.json``.

Output mapping (checked at run time against the TFLite graph, see ``MODELS``)::

    model  ONNX output      TFLite tensor  shape        layer feeding it in the TFLite graph
    palm   regressors       Identity       [1,2016,18]  concat of reshaped_regressor_palm_{8,16}
    palm   scores           Identity_1     [1,2016,1]   concat of reshaped_classifier_palm_{8,16}
                                                        (raw logits, no sigmoid)
    hand   landmarks        Identity       [1,63]       FULLY_CONNECTED conv_landmarks
    hand   presence         Identity_1     [1,1]        LOGISTIC(conv_handflag)
    hand   handedness       Identity_2     [1,1]        LOGISTIC(conv_handedness)
    hand   world_landmarks  Identity_3     [1,63]       FULLY_CONNECTED conv_world_landmarks

The two [1,63] and the two [1,1] landmark outputs cannot be told apart by shape, which is
why the mapping is checked on layer names rather than assumed. The TFLite models have a
batch of 1; the ONNX models have a symbolic first dimension ``batch`` on the input and all
outputs (``[batch,192,192,3]`` -> ``[batch,2016,18]``, ...).

Usage::

    python conversion/convert.py [--workdir DIR] [--out weights/] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import logging
import os
import platform
import re
import shlex
import subprocess
import sys
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import graph_rewrites

LOG = logging.getLogger("convert")

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORKDIR = REPO_ROOT / "conversion" / ".work"
DEFAULT_OUT = REPO_ROOT / "weights"
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"

MEDIAPIPE_REQUIREMENT = "mediapipe==0.10.21"
# 0.10.21 has no manylinux_2_17 wheel; the cp311 manylinux_2_28 one is fetched on any host.
WHEEL_PYTHON_VERSION = "3.11"
WHEEL_PLATFORM = "manylinux_2_28_x86_64"
WHEEL_FILENAME = "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl"
WHEEL_SHA256 = "05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3"

OPSET = 17
TOLERANCE = 1e-3
# Rows of a batched run against single-image runs of the same ONNX model (observed: 0).
BATCH_TOLERANCE = 1e-6
BATCH_SIZES = (3, 8)
RANDOM_SEED = 20250131
NUM_RANDOM_INPUTS = 5
REAL_IMAGES: tuple[str, ...] = (
    "tfjs/hands.jpg",
    "mediapipe_samples/two_thumbs_up.jpg",
    "misc/hand_crop_224.jpg",
)
INPUT_NAME = "image"
# Layer names that may identify an output head inside the TFLite graph.
HEAD_PATTERN = re.compile(
    r"(regressor_palm|classifier_palm|conv_world_landmarks|conv_landmarks|conv_handflag|conv_handedness)"
)


@dataclass(frozen=True)
class OutputSpec:
    """One model output: its ONNX name, shape, TFLite tensor name and feeding layer."""

    name: str
    shape: tuple[int, ...]
    tflite_name: str
    head: str

    @property
    def onnx_shape(self) -> tuple[int | str, ...]:
        """The ONNX output shape: the TFLite one with a symbolic batch dimension."""
        return (graph_rewrites.BATCH_DIM, *self.shape[1:])


@dataclass(frozen=True)
class ModelSpec:
    """One model to convert."""

    key: str
    wheel_path: str
    input_size: int
    outputs: tuple[OutputSpec, ...]

    @property
    def onnx_filename(self) -> str:
        return f"{self.key}.onnx"

    @property
    def input_shape(self) -> tuple[int, int, int, int]:
        """The TFLite input shape (batch of 1)."""
        return (1, self.input_size, self.input_size, 3)

    @property
    def onnx_input_shape(self) -> tuple[int | str, ...]:
        return (graph_rewrites.BATCH_DIM, *self.input_shape[1:])


_PALM_OUTPUTS = (
    OutputSpec("regressors", (1, 2016, 18), "Identity", "regressor_palm"),
    OutputSpec("scores", (1, 2016, 1), "Identity_1", "classifier_palm"),
)
# TFLite output order = SPEC section 8: landmarks, presence, handedness, world landmarks.
_HAND_OUTPUTS = (
    OutputSpec("landmarks", (1, 63), "Identity", "conv_landmarks"),
    OutputSpec("presence", (1, 1), "Identity_1", "conv_handflag"),
    OutputSpec("handedness", (1, 1), "Identity_2", "conv_handedness"),
    OutputSpec("world_landmarks", (1, 63), "Identity_3", "conv_world_landmarks"),
)
MODELS: tuple[ModelSpec, ...] = tuple(
    [
        ModelSpec(
            f"palm_detection_{v}",
            f"mediapipe/modules/palm_detection/palm_detection_{v}.tflite",
            192,
            _PALM_OUTPUTS,
        )
        for v in ("lite", "full")
    ]
    + [
        ModelSpec(
            f"hand_landmark_{v}",
            f"mediapipe/modules/hand_landmark/hand_landmark_{v}.tflite",
            224,
            _HAND_OUTPUTS,
        )
        for v in ("lite", "full")
    ]
)


class ConversionError(RuntimeError):
    """A step failed or a check did not pass."""


# --------------------------------------------------------------------------- helpers


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run(cmd: Sequence[str], env: dict[str, str] | None = None) -> None:
    """Run a command, raising ConversionError with its output on failure."""
    LOG.debug("running: %s", shlex.join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        raise ConversionError(
            f"command failed ({proc.returncode}): {shlex.join(cmd)}\n{proc.stdout}\n{proc.stderr}"
        )


def pip_download_command(workdir: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        MEDIAPIPE_REQUIREMENT,
        "--only-binary=:all:",
        "--python-version",
        WHEEL_PYTHON_VERSION,
        "--platform",
        WHEEL_PLATFORM,
        "-d",
        str(workdir),
    ]


def tf2onnx_command(tflite: Path, output: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tf2onnx.convert",
        "--tflite",
        str(tflite),
        "--output",
        str(output),
        "--opset",
        str(OPSET),
    ]


def round_sig(value: float, digits: int = 3) -> float:
    """Round to a few significant digits so the manifest diffs well."""
    return float(f"{value:.{digits}g}")


# --------------------------------------------------------------------------- steps


def fetch_wheel(workdir: Path) -> Path:
    """Return the mediapipe wheel in ``workdir``, downloading it if absent."""
    wheel = workdir / WHEEL_FILENAME
    if wheel.exists():
        LOG.info("reusing %s", wheel)
    else:
        LOG.info("downloading %s (%s)", MEDIAPIPE_REQUIREMENT, WHEEL_PLATFORM)
        run(pip_download_command(workdir))
        if not wheel.exists():
            raise ConversionError(f"pip download did not produce {wheel}")
    digest = sha256_file(wheel)
    if digest != WHEEL_SHA256:
        raise ConversionError(f"{wheel} has sha256 {digest}, expected {WHEEL_SHA256}")
    return wheel


def extract_models(wheel: Path, dest: Path) -> dict[str, Path]:
    """Extract the four .tflite files from the wheel; return key -> extracted path."""
    dest.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    with zipfile.ZipFile(wheel) as zf:
        for spec in MODELS:
            target = dest / f"{spec.key}.tflite"
            target.write_bytes(zf.read(spec.wheel_path))
            paths[spec.key] = target
            LOG.info("extracted %s (sha256 %s)", spec.wheel_path, sha256_file(target)[:16])
    return paths


def check_tflite_outputs(spec: ModelSpec, tflite: Path) -> None:
    """Check the TFLite input/outputs against ``spec``, including which layer feeds each output."""
    import tensorflow as tf

    interp = tf.lite.Interpreter(
        model_path=str(tflite),
        experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )
    (inp,) = interp.get_input_details()
    if tuple(inp["shape"]) != spec.input_shape or inp["dtype"] != np.float32:
        raise ConversionError(f"{spec.key}: unexpected TFLite input {inp['shape']} {inp['dtype']}")
    details = interp.get_output_details()
    got = [(d["name"], tuple(int(x) for x in d["shape"])) for d in details]
    want = [(o.tflite_name, o.shape) for o in spec.outputs]
    if got != want:
        raise ConversionError(f"{spec.key}: TFLite outputs {got}, expected {want}")

    names = {d["index"]: d["name"] for d in interp.get_tensor_details()}
    producer = {t: op for op in interp._get_ops_details() for t in op["outputs"]}
    for detail, out in zip(details, spec.outputs, strict=True):
        heads = _heads_feeding(detail["index"], names, producer)
        if heads != {out.head}:
            raise ConversionError(
                f"{spec.key}: output {out.tflite_name} is fed by {sorted(heads)}, "
                f"expected {out.head}"
            )
        LOG.info(
            "%s: TFLite %s %s <- %s => %s",
            spec.key,
            out.tflite_name,
            list(out.shape),
            out.head,
            out.name,
        )


def _heads_feeding(
    tensor: int, names: dict[int, str], producer: dict[int, dict[str, Any]], max_depth: int = 3
) -> set[str]:
    """Head layer names found nearest upstream of ``tensor`` (breadth-first over ops)."""
    frontier = [tensor]
    for _ in range(max_depth):
        inputs = [i for t in frontier if t in producer for i in producer[t]["inputs"] if i >= 0]
        heads = {m.group(1) for i in inputs for m in [HEAD_PATTERN.search(names.get(i, ""))] if m}
        if heads:
            return heads
        frontier = inputs
    return set()


def convert_to_onnx(tflite: Path, output: Path) -> None:
    """Convert with the tf2onnx command line, in a fresh interpreter for every model.

    Its output varies from run to run in generated names only; ``_canonicalize`` fixes them.
    """
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    run(tf2onnx_command(tflite, output), env=env)


def rename_tensor(graph: Any, old: str, new: str) -> None:
    """Rename a tensor everywhere it appears in ``graph`` (nodes, inputs, outputs, value_info)."""
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name == old:
                node.input[i] = new
        for i, name in enumerate(node.output):
            if name == old:
                node.output[i] = new
    for value in list(graph.input) + list(graph.output) + list(graph.value_info):
        if value.name == old:
            value.name = new


def finalize_onnx(spec: ModelSpec, raw: Path, source_sha256: str) -> tuple[bytes, dict[str, int]]:
    """Rename input/outputs, order outputs, rewrite, canonicalize, annotate.

    Returns the serialized model and how many places each graph rewrite changed.
    """
    import onnx

    model = onnx.load(str(raw))
    graph = model.graph
    existing = {v.name for v in graph.input} | {v.name for v in graph.output}
    existing |= {t for n in graph.node for t in list(n.input) + list(n.output)}

    init_names = {t.name for t in graph.initializer}
    graph_inputs = [v for v in graph.input if v.name not in init_names]
    if len(graph_inputs) != 1:
        raise ConversionError(
            f"{spec.key}: expected one graph input, got {[v.name for v in graph_inputs]}"
        )
    renames = {graph_inputs[0].name: INPUT_NAME}
    renames.update({o.tflite_name: o.name for o in spec.outputs})
    for old, new in renames.items():
        if new in existing and new != old:
            raise ConversionError(f"{spec.key}: cannot rename {old} to {new}: name already used")
        rename_tensor(graph, old, new)

    by_name = {v.name: v for v in graph.output}
    if set(by_name) != {o.name for o in spec.outputs}:
        raise ConversionError(f"{spec.key}: ONNX outputs after renaming are {sorted(by_name)}")
    ordered = [
        onnx.ValueInfoProto.FromString(by_name[o.name].SerializeToString()) for o in spec.outputs
    ]
    del graph.output[:]
    graph.output.extend(ordered)

    try:
        rewrites = graph_rewrites.apply_all(graph)
    except graph_rewrites.RewriteError as exc:
        raise ConversionError(f"{spec.key}: {exc}") from exc
    LOG.info("%s: graph rewrites %s", spec.key, rewrites)
    _canonicalize(graph)
    graph.name = spec.key
    # tf2onnx puts the absolute .tflite path here; keep the file independent of the workdir.
    graph.doc_string = f"converted from {spec.wheel_path} ({MEDIAPIPE_REQUIREMENT})"
    model.doc_string = (
        f"MediaPipe {spec.key} (Copyright Google LLC, Apache License 2.0), "
        f"converted to ONNX by palmlite conversion/convert.py"
    )
    del model.metadata_props[:]
    for key, value in (
        ("license", "Apache-2.0"),
        ("source_package", MEDIAPIPE_REQUIREMENT),
        ("source_path", spec.wheel_path),
        ("source_sha256", source_sha256),
    ):
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value

    used_domains = {node.domain for node in graph.node}
    opsets = [
        o for o in model.opset_import if o.domain in ("", "ai.onnx") or o.domain in used_domains
    ]
    del model.opset_import[:]
    model.opset_import.extend(opsets)

    onnx.checker.check_model(model, full_check=True)
    _check_io(spec, model)
    data: bytes = model.SerializeToString(deterministic=True)
    return data, rewrites


def _canonicalize(graph: Any) -> None:
    """Make tf2onnx's run-to-run varying parts deterministic.

    tf2onnx suffixes the names it generates with a global counter (``Relu6__11``,
    ``..._Squeeze__596:0``, ``const_fold_opt__471``) whose values depend on set/dict iteration
    order, so they change between runs (node order and weights do not). Here: initializers
    become ``const_<n>`` in order of first use; every ``__<digits>`` counter is stripped
    from node and intermediate tensor names, which are then made unique with ``__<k>`` in
    graph order; node attributes are sorted by name for good measure. The graph input and
    outputs keep their (already meaningful) names.
    """
    outputs = {v.name for v in graph.output}
    keep = {v.name for v in graph.input} | outputs
    node_name = _uniquifier()
    tensor_name = _uniquifier()
    tensor_map: dict[str, str] = {}
    for node in graph.node:
        produced = [name for name in node.output if name in outputs]
        # A node producing a graph output is named after it (e.g. "presence", not "Identity_1").
        base = produced[0] if produced else _COUNTER.sub("", node.name) or node.op_type
        node.name = node_name(base)
        for name in node.output:
            if name and name not in keep:
                tensor_map[name] = tensor_name(_COUNTER.sub("", name))
    for node in graph.node:
        for i, name in enumerate(node.input):
            node.input[i] = tensor_map.get(name, name)
        for i, name in enumerate(node.output):
            node.output[i] = tensor_map.get(name, name)
    for value in graph.value_info:
        value.name = tensor_map.get(value.name, value.name)

    initializers = {t.name: t for t in graph.initializer}
    order: list[str] = []
    for node in graph.node:
        for name in node.input:
            if name in initializers and name not in order:
                order.append(name)
    unused = sorted(set(initializers) - set(order))
    if unused:
        raise ConversionError(f"unused initializers: {unused[:5]}")
    width = len(str(len(order)))
    mapping = {old: f"const_{i:0{width}d}" for i, old in enumerate(order)}
    for node in graph.node:
        for i, name in enumerate(node.input):
            if name in mapping:
                node.input[i] = mapping[name]
        attrs = sorted(node.attribute, key=lambda a: a.name)
        del node.attribute[:]
        node.attribute.extend(attrs)
    tensors = [initializers[old] for old in order]
    for tensor in tensors:
        tensor.name = mapping[tensor.name]
    del graph.initializer[:]
    graph.initializer.extend(tensors)


_COUNTER = re.compile(r"__\d+")


def _uniquifier() -> Callable[[str], str]:
    """Return ``make(base)``: ``base`` the first time, then ``base__1``, ``base__2``, ..."""
    seen: dict[str, int] = {}

    def make(base: str) -> str:
        count = seen.get(base, 0)
        seen[base] = count + 1
        return base if count == 0 else f"{base}__{count}"

    return make


def _check_io(spec: ModelSpec, model: Any) -> None:
    def shape(v: Any) -> tuple[int | str, ...]:
        return tuple(
            d.dim_value if d.HasField("dim_value") else d.dim_param
            for d in v.type.tensor_type.shape.dim
        )

    got_in = [(v.name, shape(v)) for v in model.graph.input]
    got_out = [(v.name, shape(v)) for v in model.graph.output]
    if got_in != [(INPUT_NAME, spec.onnx_input_shape)]:
        raise ConversionError(f"{spec.key}: ONNX inputs {got_in}")
    if got_out != [(o.name, o.onnx_shape) for o in spec.outputs]:
        raise ConversionError(f"{spec.key}: ONNX outputs {got_out}")


# --------------------------------------------------------------------------- verification


def load_real_inputs(data_dir: Path, size: int) -> list[np.ndarray]:
    """The real photos, resized (no letterbox) to ``size`` with PIL bilinear, scaled to [0, 1]."""
    from PIL import Image

    batch = []
    for rel in REAL_IMAGES:
        with Image.open(data_dir / rel) as img:
            rgb = img.convert("RGB").resize((size, size), Image.Resampling.BILINEAR)
        batch.append((np.asarray(rgb, dtype=np.float32) / 255.0)[None])
    return batch


def random_inputs(size: int) -> list[np.ndarray]:
    rng = np.random.default_rng(RANDOM_SEED)
    return [rng.random((1, size, size, 3), dtype=np.float32) for _ in range(NUM_RANDOM_INPUTS)]


def run_tflite(tflite: Path, inputs: list[np.ndarray]) -> list[list[np.ndarray]]:
    """Outputs of the TFLite interpreter (default XNNPACK delegate, as MediaPipe on CPU)."""
    import tensorflow as tf

    interp = tf.lite.Interpreter(model_path=str(tflite), num_threads=1)
    interp.allocate_tensors()
    (inp,) = interp.get_input_details()
    outs = interp.get_output_details()
    results = []
    for x in inputs:
        interp.set_tensor(inp["index"], x)
        interp.invoke()
        results.append([interp.get_tensor(d["index"]).copy() for d in outs])
    return results


def run_onnx(
    model_bytes: bytes, inputs: list[np.ndarray], output_names: list[str]
) -> list[list[np.ndarray]]:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(model_bytes, opts, providers=["CPUExecutionProvider"])
    return [session.run(output_names, {INPUT_NAME: x}) for x in inputs]


def batch_diff(
    spec: ModelSpec,
    model_bytes: bytes,
    inputs: list[np.ndarray],
    singles: list[list[np.ndarray]],
) -> float:
    """Largest difference between batched runs (``BATCH_SIZES``) and single-image runs."""
    names = [o.name for o in spec.outputs]
    worst = 0.0
    for size in BATCH_SIZES:
        if size > len(inputs):
            raise ConversionError(f"need {size} inputs for a batch of {size}")
        (batched,) = run_onnx(model_bytes, [np.concatenate(inputs[:size])], names)
        for k, out in enumerate(spec.outputs):
            want = (size, *out.shape[1:])
            if batched[k].shape != want:
                raise ConversionError(
                    f"{spec.key}/{out.name}: batch of {size} gave shape {batched[k].shape}, "
                    f"expected {want}"
                )
            for row in range(size):
                diff = np.abs(batched[k][row : row + 1] - singles[row][k])
                worst = max(worst, float(np.max(diff)))
    return worst


def max_abs_diffs(
    spec: ModelSpec, reference: list[list[np.ndarray]], candidate: list[list[np.ndarray]]
) -> dict[str, float]:
    diffs: dict[str, float] = {}
    for k, out in enumerate(spec.outputs):
        worst = 0.0
        for ref, cand in zip(reference, candidate, strict=True):
            if ref[k].shape != cand[k].shape:
                raise ConversionError(
                    f"{spec.key}/{out.name}: shape {cand[k].shape} vs {ref[k].shape}"
                )
            worst = max(worst, float(np.max(np.abs(ref[k].astype(np.float64) - cand[k]))))
        diffs[out.name] = worst
    return diffs


def sanity_check(spec: ModelSpec, real_outputs: list[list[np.ndarray]]) -> None:
    """Value-level check of the landmark mapping on the 224x224 hand crop (last real image)."""
    if not spec.key.startswith("hand_landmark"):
        return
    values = dict(zip((o.name for o in spec.outputs), real_outputs[-1], strict=True))
    presence = float(values["presence"].item())
    handedness = float(values["handedness"].item())
    lm_range = float(np.ptp(values["landmarks"].reshape(21, 3)[:, :2]))
    world_max = float(np.max(np.abs(values["world_landmarks"])))
    LOG.info(
        "%s on %s: presence %.4f, handedness %.4f, landmark x/y spread %.1f px, |world| max %.3f m",
        spec.key,
        REAL_IMAGES[-1],
        presence,
        handedness,
        lm_range,
        world_max,
    )
    if not (presence > 0.5 and 0.0 <= handedness <= 1.0 and lm_range > 20.0 and world_max < 0.5):
        raise ConversionError(f"{spec.key}: outputs on the hand crop do not look like their names")


# --------------------------------------------------------------------------- main


def converter_versions() -> dict[str, str]:
    import onnx
    import onnxruntime
    import PIL
    import tensorflow as tf
    import tf2onnx

    return {
        "numpy": np.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "pillow": PIL.__version__,
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "tf2onnx": tf2onnx.__version__,
    }


def invocation() -> str:
    """The command line, with the script path relative to the repository root when possible."""
    script = Path(sys.argv[0]).resolve()
    try:
        shown = str(script.relative_to(REPO_ROOT))
    except ValueError:
        shown = str(script)
    return shlex.join(["python", shown, *sys.argv[1:]])


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help="download/scratch directory; an existing wheel there is reused (default: %(default)s)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="where the .onnx files and MANIFEST.json go (default: %(default)s)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="directory holding the real test photos (default: %(default)s)",
    )
    parser.add_argument(
        "--check-determinism",
        action="store_true",
        help="convert every model twice and fail if the bytes differ",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        datefmt="%H:%M:%S",
    )
    warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")
    try:
        return _main(args)
    except ConversionError as exc:
        LOG.error("%s", exc)
        return 1


def _main(args: argparse.Namespace) -> int:
    workdir: Path = args.workdir.resolve()
    out_dir: Path = args.out.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    missing = [rel for rel in REAL_IMAGES if not (args.data_dir / rel).is_file()]
    if missing:
        raise ConversionError(f"real test images not found under {args.data_dir}: {missing}")

    wheel = fetch_wheel(workdir)
    tflites = extract_models(wheel, workdir / "tflite")

    entries: dict[str, dict[str, Any]] = {}
    blobs: dict[str, bytes] = {}
    failures: list[str] = []
    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        for spec in MODELS:
            tflite = tflites[spec.key]
            tflite_sha = sha256_file(tflite)
            check_tflite_outputs(spec, tflite)

            LOG.info("%s: converting with tf2onnx (opset %d)", spec.key, OPSET)
            raw = Path(tmp) / f"{spec.key}.raw.onnx"
            convert_to_onnx(tflite, raw)
            blob, rewrites = finalize_onnx(spec, raw, tflite_sha)
            if args.check_determinism:
                convert_to_onnx(tflite, raw)
                again, _ = finalize_onnx(spec, raw, tflite_sha)
                if again != blob:
                    raise ConversionError(f"{spec.key}: two conversions gave different bytes")
                LOG.info("%s: second conversion is byte-identical", spec.key)

            names = [o.name for o in spec.outputs]
            diffs: dict[str, dict[str, float]] = {}
            all_inputs: list[np.ndarray] = []
            all_singles: list[list[np.ndarray]] = []
            for kind, inputs in (
                ("random", random_inputs(spec.input_size)),
                ("real", load_real_inputs(args.data_dir, spec.input_size)),
            ):
                reference = run_tflite(tflite, inputs)
                candidate = run_onnx(blob, inputs, names)
                diffs[kind] = max_abs_diffs(spec, reference, candidate)
                all_inputs += inputs
                all_singles += candidate
                if kind == "real":
                    sanity_check(spec, candidate)
                for name, value in diffs[kind].items():
                    LOG.info("%s: %-6s %-15s max abs diff %.3g", spec.key, kind, name, value)
                    if not value <= TOLERANCE:
                        failures.append(f"{spec.key}/{name} ({kind}): {value:.3g} > {TOLERANCE}")
            batch_worst = batch_diff(spec, blob, all_inputs, all_singles)
            LOG.info(
                "%s: batches of %s vs single images: max abs diff %.3g",
                spec.key,
                list(BATCH_SIZES),
                batch_worst,
            )
            if not batch_worst <= BATCH_TOLERANCE:
                failures.append(
                    f"{spec.key}: batched vs single runs differ by {batch_worst:.3g} "
                    f"> {BATCH_TOLERANCE}"
                )

            blobs[spec.key] = blob
            entries[spec.onnx_filename] = {
                "file": spec.onnx_filename,
                "sha256": sha256_bytes(blob),
                "size_bytes": len(blob),
                "opset": OPSET,
                "source": {
                    "path_in_wheel": spec.wheel_path,
                    "sha256": tflite_sha,
                    "size_bytes": tflite.stat().st_size,
                },
                "tf2onnx_command": shlex.join(
                    ["python", *tf2onnx_command(Path(f"{spec.key}.tflite"), Path("raw.onnx"))[1:]]
                ),
                "graph_rewrites": {k: v for k, v in rewrites.items() if v},
                "inputs": [
                    {
                        "name": INPUT_NAME,
                        "shape": list(spec.onnx_input_shape),
                        "dtype": "float32",
                        "layout": "NHWC",
                        "range": [0.0, 1.0],
                    }
                ],
                "outputs": [
                    {
                        "name": o.name,
                        "shape": list(o.onnx_shape),
                        "dtype": "float32",
                        "tflite_name": o.tflite_name,
                        "tflite_output_index": i,
                        "tflite_layer": o.head,
                    }
                    for i, o in enumerate(spec.outputs)
                ],
                "max_abs_diff": {
                    kind: {k: round_sig(v) for k, v in d.items()} for kind, d in diffs.items()
                },
                "max_abs_diff_batched_vs_single": round_sig(batch_worst),
            }

    if failures:
        raise ConversionError("ONNX and TFLite disagree:\n  " + "\n  ".join(failures))

    out_dir.mkdir(parents=True, exist_ok=True)
    for spec in MODELS:
        (out_dir / spec.onnx_filename).write_bytes(blobs[spec.key])
    manifest = {
        "command": invocation(),
        "date": _dt.datetime.now(_dt.timezone.utc).date().isoformat(),
        "converter_versions": converter_versions(),
        "source": {
            "requirement": MEDIAPIPE_REQUIREMENT,
            "wheel": WHEEL_FILENAME,
            "wheel_sha256": WHEEL_SHA256,
            "index": "https://pypi.org/simple",
            "pip_download_command": shlex.join(
                ["python", *pip_download_command(Path("WORKDIR"))[1:]]
            ),
            "license": "Apache-2.0 (Copyright Google LLC)",
            "upstream": "https://github.com/google-ai-edge/mediapipe",
        },
        "verification": {
            "reference": "tf.lite.Interpreter, default XNNPACK delegate, num_threads=1",
            "candidate": "onnxruntime CPUExecutionProvider, ORT_ENABLE_ALL, intra_op_num_threads=1",
            "tolerance": TOLERANCE,
            "batch_check": (
                f"the {NUM_RANDOM_INPUTS} random and {len(REAL_IMAGES)} real inputs run as "
                f"batches of {', '.join(map(str, BATCH_SIZES))} (first N inputs) through "
                f"ONNX Runtime; every row within {BATCH_TOLERANCE} of its single-image run"
            ),
            "graph_rewrites": {
                name: " ".join((func.__doc__ or "").split("\n\n")[0].split())
                for name, func in graph_rewrites.REWRITES
            },
            "graph_rewrites_notes": (
                "applied after tf2onnx, before the comparisons above; they make ONNX Runtime "
                "run the palm models ~1.8x faster (see conversion/README.md)"
            ),
            "random_inputs": {
                "count": NUM_RANDOM_INPUTS,
                "seed": RANDOM_SEED,
                "generator": "numpy.random.default_rng(seed).random(float32) in [0, 1)",
            },
            "real_inputs": {
                "images": {rel: sha256_file(args.data_dir / rel) for rel in REAL_IMAGES},
                "preprocessing": (
                    "PIL convert('RGB'), resize to model input (BILINEAR, no letterbox), /255"
                ),
            },
        },
        "models": entries,
    }
    manifest_path = out_dir / "MANIFEST.json"
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    LOG.info("wrote %s", manifest_path)

    print(f"\n{'model':<28}{'sha256':<18}{'max abs diff (random / real)'}")
    for filename, entry in entries.items():
        worst = {k: max(v.values()) for k, v in entry["max_abs_diff"].items()}
        print(
            f"{filename:<28}{entry['sha256'][:16]:<18}{worst['random']:.3g} / {worst['real']:.3g}"
        )
    print(f"all outputs within {TOLERANCE}; files in {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
