#!/usr/bin/env python3
"""Time the converted ONNX models against the original TFLite models, in the conversion venv.

A thin wrapper around ``benchmarks/models_speed.py``: palmlite's ONNX Runtime sessions are
timed in this process (from the source tree) and the ``.tflite`` files extracted by
``conversion/convert.py`` (its ``--workdir``) in a worker subprocess run by this same python,
with ``tf.lite.Interpreter`` and its default XNNPACK delegate, interleaved. Other arguments
(``--threads``, ``--batch``, ``--rounds``, ``--runs``, ``--models``) are passed through.

Usage::

    python conversion/benchmark.py [--workdir DIR] [--weights weights/] [models_speed options]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORKDIR = REPO_ROOT / "conversion" / ".work"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--workdir", type=Path, default=DEFAULT_WORKDIR, help="convert.py's workdir"
    )
    parser.add_argument(
        "--weights", type=Path, default=REPO_ROOT / "weights", help="directory of the .onnx files"
    )
    args, rest = parser.parse_known_args(argv)
    tflite_dir = args.workdir / "tflite"
    if not tflite_dir.is_dir():
        print(f"{tflite_dir} not found: run conversion/convert.py first", file=sys.stderr)
        return 1
    sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "benchmarks")]
    import models_speed

    return models_speed.main(
        [
            "--weights",
            str(args.weights),
            "--mp-python",
            sys.executable,
            "--tflite-dir",
            str(tflite_dir),
            *rest,
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
