"""The only module that talks to ONNX Runtime: sessions, signature checks, inference.

Sessions are created once per :class:`~palmlite.HandLandmarker` on the CPU execution provider
and are safe to call from several threads at once (``InferenceSession.run`` is thread-safe).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from .errors import ModelError
from .specs import LANDMARK_INPUT_SIZE, PALM_INPUT_SIZE

__all__ = ["LANDMARK_SIGNATURE", "PALM_SIGNATURE", "OnnxModel", "Signature"]

Shape = tuple[int | str | None, ...]


@dataclass(frozen=True)
class Signature:
    """Expected input and output names and shapes of a model, in order."""

    inputs: tuple[tuple[str, Shape], ...]
    outputs: tuple[tuple[str, Shape], ...]


PALM_SIGNATURE = Signature(
    inputs=(("image", (1, PALM_INPUT_SIZE, PALM_INPUT_SIZE, 3)),),
    outputs=(("regressors", (1, 2016, 18)), ("scores", (1, 2016, 1))),
)
LANDMARK_SIGNATURE = Signature(
    inputs=(("image", (1, LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE, 3)),),
    outputs=(
        ("landmarks", (1, 63)),
        ("presence", (1, 1)),
        ("handedness", (1, 1)),
        ("world_landmarks", (1, 63)),
    ),
)


def _describe(args: list[ort.NodeArg]) -> str:
    return ", ".join(f"{a.name}{tuple(a.shape)}:{a.type}" for a in args)


def _shapes_match(actual: list[ort.NodeArg], expected: tuple[tuple[str, Shape], ...]) -> bool:
    if len(actual) != len(expected):
        return False
    for arg, (name, shape) in zip(actual, expected, strict=False):
        if arg.name != name or arg.type != "tensor(float)" or len(arg.shape) != len(shape):
            return False
        for got, want in zip(arg.shape, shape, strict=False):
            # A symbolic (dynamic) batch dimension is accepted in place of a fixed 1.
            if got != want and not (isinstance(got, str) or got is None):
                return False
    return True


class OnnxModel:
    """One ONNX Runtime session whose inputs and outputs were checked at load."""

    def __init__(self, path: Path, signature: Signature, num_threads: int | None = None) -> None:
        if num_threads is not None and (not isinstance(num_threads, int) or num_threads < 1):
            raise ValueError(f"num_threads must be a positive int or None, got {num_threads!r}")
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.inter_op_num_threads = 1
        if num_threads is not None:
            options.intra_op_num_threads = num_threads
        options.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own non-public exception types
            raise ModelError(f"ONNX Runtime could not load {path}: {exc}") from exc
        inputs, outputs = self._session.get_inputs(), self._session.get_outputs()
        if not (
            _shapes_match(inputs, signature.inputs) and _shapes_match(outputs, signature.outputs)
        ):
            raise ModelError(
                f"{path} has an unexpected signature.\n"
                f"  expected inputs: {signature.inputs}, outputs: {signature.outputs}\n"
                f"  actual inputs: {_describe(inputs)}\n"
                f"  actual outputs: {_describe(outputs)}"
            )
        self.path = path
        self.signature = signature
        self._input_name = signature.inputs[0][0]
        self._output_names = [name for name, _ in signature.outputs]

    def run(self, tensor: npt.NDArray[np.float32]) -> list[npt.NDArray[np.float32]]:
        """Run on one NHWC float32 batch; return the outputs in signature order."""
        outputs = self._session.run(self._output_names, {self._input_name: tensor})
        return [np.asarray(o, dtype=np.float32) for o in outputs]
