"""The only module that talks to ONNX Runtime: sessions, signature checks, inference.

Sessions are created once per :class:`~palmlite.HandLandmarker` on the CPU execution provider
and are safe to call from several threads at once (``InferenceSession.run`` is thread-safe).

The models take a batch: input ``image`` is ``(N, S, S, 3)`` float32 NHWC in [0, 1] and every
output has N rows, row ``i`` equal to running image ``i`` alone (the weights have a symbolic
``batch`` dimension; ``conversion/convert.py`` checks batched against single runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from .errors import ModelError
from .specs import LANDMARK_INPUT_SIZE, PALM_INPUT_SIZE

__all__ = ["BATCH", "LANDMARK_SIGNATURE", "PALM_SIGNATURE", "OnnxModel", "Signature"]

Shape = tuple[int | str | None, ...]
#: The symbolic first dimension of every model input and output.
BATCH = "batch"


@dataclass(frozen=True)
class Signature:
    """Expected input and output names and shapes of a model, in order."""

    inputs: tuple[tuple[str, Shape], ...]
    outputs: tuple[tuple[str, Shape], ...]


PALM_SIGNATURE = Signature(
    inputs=(("image", (BATCH, PALM_INPUT_SIZE, PALM_INPUT_SIZE, 3)),),
    outputs=(("regressors", (BATCH, 2016, 18)), ("scores", (BATCH, 2016, 1))),
)
LANDMARK_SIGNATURE = Signature(
    inputs=(("image", (BATCH, LANDMARK_INPUT_SIZE, LANDMARK_INPUT_SIZE, 3)),),
    outputs=(
        ("landmarks", (BATCH, 63)),
        ("presence", (BATCH, 1)),
        ("handedness", (BATCH, 1)),
        ("world_landmarks", (BATCH, 63)),
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
            if isinstance(want, str) or want is None:
                # Must be dynamic too (any name): a fixed size would refuse other batch sizes.
                if not (isinstance(got, str) or got is None):
                    return False
            elif got != want:
                return False
    return True


#: Whether ONNX Runtime's intra-op pool threads busy-wait between parallel sections (read when
#: a session is created; only matters with more than one thread). Off by default: spinning saves
#: a little on an idle machine (2 threads on 2 cores: 0.79x MediaPipe's time per photo against
#: 0.85x without) but collapses when other processes want the cores (1.53x against 1.10x with
#: one CPU-bound process per core; benchmarks/threads.py). A latency-bound service alone on its
#: cores may set it to True before building a landmarker. README: "Threads under load".
ALLOW_SPINNING = False


class OnnxModel:
    """One ONNX Runtime session whose inputs and outputs were checked at load."""

    def __init__(self, path: Path, signature: Signature, num_threads: int | None = None) -> None:
        if num_threads is not None and (not isinstance(num_threads, int) or num_threads < 1):
            raise ValueError(f"num_threads must be a positive int or None, got {num_threads!r}")
        options = ort.SessionOptions()
        # ENABLE_ALL includes ORT's blocked-layout (NCHWc) convolutions: the models run about
        # twice as fast as with ENABLE_EXTENDED.
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.inter_op_num_threads = 1
        if num_threads is not None:
            options.intra_op_num_threads = num_threads
        # With more than one thread and spinning allowed, ORT's pool threads spin between
        # parallel sections and by default keep spinning after run() returns, so the idle
        # session's threads compete with the other session's: palm detector then landmark
        # model took 41 ms instead of 17 ms at 2 threads on 2 cores. Stop spinning when run()
        # returns (a no-op when spinning is off).
        options.add_session_config_entry("session.intra_op.allow_spinning",
                                         "1" if ALLOW_SPINNING else "0")
        options.add_session_config_entry("session.force_spinning_stop", "1")
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
        self._input_name, input_shape = signature.inputs[0]
        self._item_shape = tuple(int(d) for d in input_shape[1:] if isinstance(d, int))
        self._output_names = [name for name, _ in signature.outputs]
        self._empty_outputs = [
            (0, *(int(d) for d in shape[1:] if isinstance(d, int)))
            for _, shape in signature.outputs
        ]

    def run(self, tensor: npt.NDArray[np.float32]) -> list[npt.NDArray[np.float32]]:
        """Run on a batch of N images, ``(N, S, S, 3)`` float32 NHWC in [0, 1].

        Returns the outputs in signature order, each with N rows (row ``i`` belongs to image
        ``i``). N may be 0 (empty outputs, the model is not run).
        """
        if (
            not isinstance(tensor, np.ndarray)
            or tensor.dtype != np.float32
            or tensor.shape[1:] != self._item_shape
        ):
            got = (
                f"{tensor.dtype} array of shape {tensor.shape}"
                if isinstance(tensor, np.ndarray)
                else type(tensor).__name__
            )
            raise ValueError(
                f"{self.path.name} takes a float32 array of shape (N, "
                f"{', '.join(map(str, self._item_shape))}), got {got}"
            )
        if tensor.shape[0] == 0:
            return [np.zeros(shape, np.float32) for shape in self._empty_outputs]
        outputs = self._session.run(self._output_names, {self._input_name: tensor})
        return [np.asarray(o, dtype=np.float32) for o in outputs]
