"""Locating and verifying the ONNX weight files.

The four files are MediaPipe's own models converted by ``conversion/convert.py``; their sha256
are listed in ``MANIFEST.json`` beside them. palmlite looks, in order, in the directory the
caller names (and only there, if one is named), else inside the installed package
(``palmlite/weights/``), then in the ``weights/`` folder of a source checkout. Nothing is ever
downloaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import WeightsCorruptedError, WeightsNotFoundError

__all__ = ["ModelVariant", "WeightFiles", "candidate_dirs", "find_weights", "sha256_of"]

logger = logging.getLogger(__name__)

ModelVariant = Literal["lite", "full"]
MANIFEST_NAME = "MANIFEST.json"
_PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class WeightFiles:
    """The verified palm-detector and landmark-model files of one variant."""

    palm: Path
    landmark: Path


def candidate_dirs(weights_dir: str | Path | None = None) -> list[Path]:
    """The directories searched for weights, in order.

    An explicit ``weights_dir`` is the only place looked at: a typo must not silently fall
    back to the bundled weights.
    """
    if weights_dir is not None:
        return [Path(weights_dir).expanduser()]
    return [
        _PACKAGE_DIR / "weights",  # installed wheel
        _PACKAGE_DIR.parent / "weights",  # source checkout or editable install
    ]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _expected_sha256(directory: Path, filename: str) -> str | None:
    manifest_path = directory / MANIFEST_NAME
    if not manifest_path.is_file():
        return None
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        entry = manifest["models"][filename]
        return str(entry["sha256"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise WeightsCorruptedError(f"unreadable weights manifest {manifest_path}: {exc}") from exc


def _find_one(filename: str, dirs: list[Path]) -> Path:
    for directory in dirs:
        path = directory / filename
        if not path.is_file():
            continue
        expected = _expected_sha256(directory, filename)
        if expected is None:
            raise WeightsCorruptedError(
                f"{path} has no entry to verify it against: {directory / MANIFEST_NAME} is missing"
            )
        actual = sha256_of(path)
        if actual != expected:
            raise WeightsCorruptedError(
                f"{path} is corrupted: sha256 {actual}, expected {expected} "
                f"(from {directory / MANIFEST_NAME}); reinstall palmlite or rerun "
                "conversion/convert.py"
            )
        logger.debug("using weights %s", path)
        return path
    looked = "\n  ".join(str(d / filename) for d in dirs)
    raise WeightsNotFoundError(f"weight file {filename} not found; looked at:\n  {looked}")


def find_weights(
    variant: ModelVariant, weights_dir: str | Path | None = None
) -> WeightFiles:
    """Locate and sha256-verify the palm and landmark models of ``variant``.

    Raises :class:`~palmlite.errors.WeightsNotFoundError` naming every place looked at, or
    :class:`~palmlite.errors.WeightsCorruptedError` on a checksum mismatch.
    """
    if variant not in ("lite", "full"):
        raise ValueError(f"model must be 'lite' or 'full', got {variant!r}")
    dirs = candidate_dirs(weights_dir)
    return WeightFiles(
        palm=_find_one(f"palm_detection_{variant}.onnx", dirs),
        landmark=_find_one(f"hand_landmark_{variant}.onnx", dirs),
    )
